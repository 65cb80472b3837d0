"""A value whose cotangent is zero on some paths only (overwritten on a branch, unused
in the last loop iteration, an unused list item or tuple part) reaches every rule's
backward as the scalar ``0.0`` at run time: the gradient must still be right.

Every registered rule with a direct case that can be written as a call
(``tests/rules``) is checked in each form of ``zero_programs.FORMS`` against
finite differences; a probe lists the rules whose backward needs its cotangent
in the result's shape, so that the forms demonstrably reach such rules.
"""

import importlib.util
import itertools
import sys
import warnings

import numpy as np
import pytest

import zero_programs
from gradcheck import check_grad, random_like
from adgen.runtime.registry import lookup
from tests.rules.harness import cotangents
from tests.rules.test_coverage import all_cases
from adgen import grad
from adgen.errors import AdgenWarning

_modules = itertools.count()


def needs_shaped_cotangent(case):
    """Does the rule fail, or give a cotangent of the wrong shape, when its cotangent is
    the scalar 0.0 instead of an array of its result's shape?"""
    rule = lookup(case.primal)
    ans = (case.fn or case.primal)(*case.args, **case.kwargs)
    g = tuple(0.0 for _ in ans) if rule.outputs else 0.0
    try:
        with np.errstate(all="ignore"):
            out = rule.fn(g, ans, *case.args, **case.kwargs)
        out = out if isinstance(out, tuple) else (out,)
        for k in case.wrt:
            if k < len(out) and out[k] is not None and not isinstance(case.args[k], (list, tuple)):
                np.broadcast_to(out[k], np.shape(case.args[k]))
    except Exception:  # noqa: BLE001 - any failure is what the probe looks for
        return True
    return False


def _one_case_per_rule():
    """For each rule function, an embeddable case whose backward needs a shaped
    cotangent if it has one, else its first embeddable case."""
    chosen = {}
    for case in all_cases():
        rule = lookup(case.primal)
        if rule is None or not zero_programs.embeddable(case):
            continue
        if rule.fn not in chosen or (needs_shaped_cotangent(case) and not needs_shaped_cotangent(chosen[rule.fn])):
            chosen[rule.fn] = case
    return list(chosen.values())


CASES = _one_case_per_rule()


def test_the_forms_reach_rules_that_need_a_shaped_cotangent():
    shaped = [c.id for c in CASES if needs_shaped_cotangent(c)]
    assert len(CASES) >= 100, len(CASES)
    assert len(shaped) >= 40, shaped
    for name in ("matmul", "cumsum", "reshape", "outer", "flip", "transpose", "diagonal"):
        assert any(name in i for i in shaped), (name, shaped)


def _load(tmp_path_factory, source, names):
    path = tmp_path_factory.mktemp("zero") / f"zero_{next(_modules)}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(names)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module.f


def _pairs():
    """Each rule that needs a shaped cotangent in every form; each other rule in one
    (in turn), as their backward is elementwise or copes with ``0.0`` itself."""
    forms = sorted(zero_programs.FORMS)
    pairs, turn = [], 0
    for case in CASES:
        if needs_shaped_cotangent(case):
            pairs += [(case, form) for form in forms]
        else:
            pairs.append((case, forms[turn % len(forms)]))
            turn += 1
    return pairs


PAIRS = _pairs()


@pytest.mark.parametrize("case,form", PAIRS, ids=[f"{c.id}-{f}" for c, f in PAIRS])
def test_a_zero_cotangent_reaching_a_rule(tmp_path_factory, case, form):
    source, names, calls, i = zero_programs.program(case, form)
    f = _load(tmp_path_factory, source, names)
    for x, second in calls:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AdgenWarning)
            g = grad(f, wrt=i)(x, second)
        try:
            check_grad(f, [x, second], i, g, rtol=max(case.rtol, 1e-5) * 10, atol=max(case.atol, 1e-6) * 10)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nprogram:\n{source}") from None


@pytest.mark.parametrize("case", [c for c in all_cases() if not c.zero_outputs], ids=lambda c: c.id)
def test_a_rule_given_a_shaped_cotangent_returns_shaped_cotangents(case):
    # what lets generated code pass a built-in rule's cotangents on without a guard:
    # only a user's rule, or a rule of several outputs some of which are unused, may
    # return the scalar 0.0 for an array operand
    rule = lookup(case.primal)
    ans = (case.fn or case.primal)(*case.args, **case.kwargs)
    g = random_like(ans, np.random.default_rng(0))
    with np.errstate(all="ignore"):
        cots = cotangents(rule, g, ans, case.args, case.kwargs)
    for k in case.wrt:
        if k < len(cots) and cots[k] is not None and not isinstance(case.args[k], (list, tuple)):
            assert np.shape(cots[k]) == np.shape(case.args[k]), (k, np.shape(cots[k]))


def test_a_users_rule_may_return_zero_for_an_operand(tmp_path_factory):
    source = '''import numpy as np
from adgen import defvjp

A = np.arange(6.0).reshape(2, 3) / 5.0


def scaled(a, b):
    return a * np.sum(b)


@defvjp(scaled)
def scaled_vjp(g, ans, a, b):
    if not np.any(b):
        return g * np.sum(b), 0.0
    return g * np.sum(b), np.full(np.shape(b), np.sum(g * a))


def f(x, b):
    return np.sum(scaled(x, A @ b))
'''
    f = _load(tmp_path_factory, source, {})
    # b = 0: the rule's scalar 0.0 reaches the backward of A @ b
    assert np.array_equal(grad(f, wrt=1)(np.ones(2), np.zeros(3)), np.zeros(3))
    b = np.array([0.5, -1.0, 2.0])
    check_grad(f, [np.ones(2), b], 1, grad(f, wrt=1)(np.ones(2), b))
