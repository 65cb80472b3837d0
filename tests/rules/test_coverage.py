"""Every registered rule has at least one direct finite-difference check."""

import importlib
import pkgutil

import tests.rules as pkg  # noqa: F401
from adgen.runtime.registry import key as _key, rules
from adgen.runtime.rules import tangents_stats


def all_cases():
    cases = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("test_") and info.name != "test_coverage":
            module = importlib.import_module(f"tests.rules.{info.name}")
            cases.extend(getattr(module, "CASES", []))
    return cases


# rules with no derivative to check, each with why
NO_CHECK = {
    _key(tangents_stats.through_reverse): "it only refuses (AD411) when reverse mode over a tangent module runs it: second derivatives "
                                          "through a forward rule taken from a transposed reverse rule are not implemented",
}


def test_every_rule_has_a_check():
    checked = {_key(c.primal) for c in all_cases()} | set(NO_CHECK)  # as the registry keys them: a bound method is made anew on each access
    builtin = [(p, r) for p, r in rules() if r.fn.__module__.startswith("adgen.runtime.")]  # not tests' own rules
    missing = [p for p, _ in builtin if _key(p) not in checked]
    assert not missing, f"rules without a finite-difference check: {missing}"


def test_there_are_many_rules():
    assert len(rules()) >= 120
