"""np.r_ and np.c_ (runtime/rules/indexing.py) against finite differences, and every
other NumPy object that can be indexed or called: each has a rule, is declared
piecewise constant, only selects, or is refused with a code. Never a silent constant."""

import importlib.util
import sys
import types

import numpy as np
import pytest

from adgen.runtime import kinds, registry
from adgen.runtime.core import GradientError
from adgen.runtime.registry import lookup
from tests.rules.harness import Case, check_case
from adgen import pipeline, source
from adgen.errors import TranspileError

rng = np.random.default_rng(5)


def r(*shape):
    return rng.standard_normal(shape)


def joined(trick):
    return lambda *items: trick[items]


CASES = [
    Case(np.r_, (r(3), r(2)), fn=joined(np.r_), id="r_[a, b]"),
    Case(np.r_, (r(3),), fn=joined(np.r_), id="r_[a]"),
    Case(np.r_, (0.5, r(3), -1.5), fn=joined(np.r_), id="r_[number, a, number]"),
    Case(np.r_, (r(3), slice(0, 3), r(2)), fn=joined(np.r_), id="r_[a, slice, b]"),
    Case(np.r_, (slice(0, 1, 3j), r(2)), fn=joined(np.r_), id="r_[complex-step slice, a]"),
    Case(np.r_, (r(2, 3), r(1, 3)), fn=joined(np.r_), id="r_[2-D, 2-D]"),
    Case(np.r_, (np.array(0.7), r(2)), fn=joined(np.r_), id="r_[0-d, a]"),
    Case(np.c_, (r(3), r(3)), fn=joined(np.c_), id="c_[a, b]"),
    Case(np.c_, (r(3, 2), r(3)), fn=joined(np.c_), id="c_[2-D, a]"),
    Case(np.c_, (r(2, 2, 2), r(2, 2, 1)), fn=joined(np.c_), id="c_[3-D, 3-D]"),
    Case(np.c_, (0.5, -1.5), fn=joined(np.c_), id="c_[number, number]"),
    Case(np.c_, (r(4),), fn=joined(np.c_), id="c_[a]"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


@pytest.mark.parametrize("trick", [np.r_, np.c_])
def test_a_directive_string_is_refused(trick):
    rule = lookup(trick)
    x = r(3)
    assert rule.refuse(items=("0,2", x)) and rule.refuse(items=(x,)) is None and rule.refuse() is None
    with pytest.raises(GradientError, match="AD411"):
        rule.fn(np.ones(6), np.r_["0", x, x], "0", x, x)


def test_hand_computed_values():
    g = np.arange(1.0, 7.0)
    cots = lookup(np.r_).fn(g, np.r_[2.0, np.ones(2), 0:3], 2.0, np.ones(2), slice(0, 3))
    assert cots[0] == 1.0 and cots[1].tolist() == [2.0, 3.0] and cots[2] is None
    cots = lookup(np.c_).fn(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((2, 2)), np.ones(2), np.ones(2))
    assert cots[0].tolist() == [1.0, 3.0] and cots[1].tolist() == [2.0, 4.0]


# -- every indexable or callable object of NumPy's namespace ---------------------------------


def _objects():
    """``(name, "index" | "call")`` for NumPy's module-level objects that can be indexed or
    called: functions, ufuncs, classes, index tricks, dicts and tuples (not modules)."""
    out = []
    for name in sorted(dir(np)):
        obj = getattr(np, name, None)
        if name.startswith("_") or obj is None or isinstance(obj, types.ModuleType):
            continue
        if hasattr(type(obj), "__getitem__") and not isinstance(obj, type):
            out.append((name, "index"))
        if callable(obj):
            out.append((name, "call"))
    return out


OBJECTS = _objects()
FIRST_LINE = 5  # of the uses in the generated module


def _uses(tmp_path):
    """One function using every object on a differentiated value, a line each (the
    diagnostics, all reported at once, say which lines were refused)."""
    lines = ["import numpy as np", "", "def f(x):", "    a = 0.0"]
    for name, kind in OBJECTS:
        use = f"np.{name}[x]" if kind == "index" else f"np.{name}(x)"
        lines.append(f"    a = a + np.sum({use})")
    lines.append("    return a")
    path = tmp_path / "numpy_objects.py"
    path.write_text("\n".join(lines) + "\n")
    spec = importlib.util.spec_from_file_location("numpy_objects", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["numpy_objects"] = module
    spec.loader.exec_module(module)
    return module.f


def _verdict(obj, kind):
    """What adgen must do with a differentiated value in ``obj[...]`` or ``obj(...)``."""
    if registry.lookup(obj) is not None:
        return "rule"
    if kind == "call" and registry.is_nondiff(obj):
        return "nondiff"
    if kind == "index" and kinds.selects(obj):
        return "selects"
    return "refused"


def test_every_numpy_object_has_a_rule_or_is_refused(tmp_path):
    """Each use either has a rule (checked by finite differences: test_coverage.py), is
    declared piecewise constant, only selects (arrays, dicts, tuples, NumPy scalars), or is
    refused with a code."""
    assert len(OBJECTS) > 400 and ("r_", "index") in OBJECTS and ("s_", "index") in OBJECTS and ("matrix", "call") in OBJECTS
    with pytest.raises(TranspileError) as info:
        pipeline.transform(source.load(_uses(tmp_path)), 0)
    refused = {d.line - FIRST_LINE: d.code for d in info.value.diagnostics}
    assert set(refused.values()) <= {"AD201", "AD204", "AD209", "AD210", "AD302"}, set(refused.values())
    wrong = []
    for k, (name, kind) in enumerate(OBJECTS):
        verdict = _verdict(getattr(np, name), kind)
        if verdict == "refused" and k not in refused:
            wrong.append(f"np.{name} ({kind}): neither differentiated nor refused")
        if verdict == "rule" and kind == "index" and not any(c.primal is getattr(np, name) for c in CASES):
            wrong.append(f"np.{name}[...]: a rule without a finite-difference case")
    assert not wrong, "\n".join(wrong)
    assert {OBJECTS[k][0] for k, code in refused.items() if code == "AD209"} >= {"s_", "index_exp", "mgrid", "ogrid"}
