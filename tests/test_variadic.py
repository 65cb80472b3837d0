"""Defaults that are not literals, ``*args``/``**kwargs`` and spread calls (variadic.py),
checked against finite differences."""

import importlib
import sys
import types

import numpy as np
import pytest

import variadic_programs as vp
from gradcheck import check_grad
from adgen import TranspileError, grad

RNG = np.random.default_rng(3)
X3 = RNG.standard_normal(3)
W33 = RNG.standard_normal((3, 3))
U9 = RNG.standard_normal(9)


def _check(f, args, wrt):
    grads = grad(f, wrt=tuple(wrt))(*args)
    for i, g in zip(wrt, grads):
        check_grad(f, list(args), i, g)


CASES = [
    (vp.uses_dense, (X3, W33), (0, 1)),
    (vp.uses_energy, (U9,), (0,)),
    (vp.uses_shifted, (X3,), (0,)),
    (vp.own_defaults, (X3,), (0,)),
    (vp.own_defaults, (X3, 2.0 * X3), (0, 1)),
    (vp.rnn_step, (RNG.standard_normal((6, 2)), RNG.standard_normal((4, 3)), RNG.standard_normal((4, 2))), (0, 1, 2)),
    (vp.sums, (X3, 1.5 * X3 + 0.1), (0, 1)),
    (vp.keywords, (X3, 0.7), (0, 1)),
    (vp.spread_display, (1.3, 0.4), (0, 1)),
    (vp.spread_result, (1.3, 0.4), (0, 1)),
    (vp.spread_shape, (RNG.standard_normal((2, 3)),), (0,)),
    (vp.rest_of, (X3, 2.0 * X3), (0, 1)),
]


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[f"{c[0].__name__}-{len(c[1])}" for c in CASES])
def test_against_finite_differences(f, args, wrt):
    _check(f, args, wrt)


def test_hand_computed_values():
    x = np.array([0.1, 0.2, 0.3])
    # own_defaults: sum(exp(x) * 1), its gradient exp(x)
    np.testing.assert_allclose(grad(vp.own_defaults)(x), np.exp(x))
    # rest_of(x, r, scale=2): 2 sum(x r) + 1
    r = np.array([1.0, -2.0, 3.0])
    value_grad = grad(vp.rest_of, wrt=(0, 1))(x, r, scale=2.0)
    np.testing.assert_allclose(value_grad[0], 2.0 * r)
    np.testing.assert_allclose(value_grad[1], 2.0 * x)


def test_defaults_are_read_from_the_function_object():
    text = grad(vp.uses_energy).source_for(U9)
    assert "strain=_rt.default(variadic_programs.energy, 'strain')" in text
    assert "np.zeros" not in text  # never pasted in
    # changing the array in place is seen when the gradient runs: it is read, not baked
    vp.energy.__defaults__[0][0, 0] = 1.0
    try:
        _check(vp.uses_energy, (U9,), (0,))
    finally:
        vp.energy.__defaults__[0][0, 0] = 0.0


def test_a_function_default_is_resolved_and_guarded():
    g = grad(vp.uses_shifted)
    before = g(X3)
    old = vp.shifted.__kwdefaults__
    vp.shifted.__kwdefaults__ = {"offset": vp.OFFSET, "squash": np.cos}
    try:
        after = g(X3)
        check_grad(vp.uses_shifted, [X3], 0, after)
        assert not np.allclose(before, after)
    finally:
        vp.shifted.__kwdefaults__ = old


def test_specialised_per_count_and_keys():
    g = grad(vp.rest_of, wrt=(0, 1))
    a, b = g(X3, X3 + 1.0)
    c, d = g(X3, X3 + 1.0, 5.0, scale=3.0)
    np.testing.assert_allclose(c, 3.0 * a)
    np.testing.assert_allclose(d, 3.0 * b)
    text = grad(vp.sums).source_for(X3, X3)
    assert "def _fwd_total(terms_0, terms_1, terms_2)" in text
    assert "def _fwd_first_and_rest(xs_0, xs_1, xs_2)" in text


def test_rnn_helper_reads_like_hand_code():
    text = grad(vp.rnn_step).source_for(np.ones((6, 2)), np.ones((4, 3)), np.ones((4, 2)))
    assert "def _fwd_concat_and_multiply(weights, args_0, args_1)" in text
    assert "args_0, args_1, np.ones((args_0.shape[0], 1))" in text


def _codes(f, *args):
    with pytest.raises(TranspileError) as info:
        grad(f)(*args)
    return [d for d in info.value.diagnostics]


def unknown_count(x, n):
    t = tuple(x for _ in range(n))
    return vp.total(*t)


def unknown_keys(x, d):
    return vp.weighted(x, **d)


def rule_spread(x, t):
    ts = [x * k for k in t]
    return np.sum(np.maximum(*ts))


def spread_in_a_comprehension(r, theta):
    return sum(vp.norm2(*vp.polar(r, t)) for t in (theta, 2.0 * theta))  # not hoisted out of it


@pytest.mark.parametrize("f,args", [(spread_in_a_comprehension, (1.3, 0.4)), (unknown_count, (X3, 2)), (unknown_keys, (X3, {"s": 1.0})), (rule_spread, (X3, (1.0, 2.0)))])
def test_unknown_structure_is_refused_with_a_hint(f, args):
    (d,) = _codes(f, *args)
    assert d.code == "AD206" and "not known statically" in d.message and "display" in d.hint


def spread_in_a_loop(r, thetas):
    s = 0.0
    for t in thetas:
        pair = vp.polar(r, t)
        s = s + vp.norm2(*pair)
    for u, v in zip(*vp.polar(r, thetas)):
        s = s + u * v
    return s


def test_spread_results_in_loops():
    args = [1.3, np.array([0.4, 1.1])]
    check_grad(spread_in_a_loop, args, 0, grad(spread_in_a_loop)(*args))
    check_grad(spread_in_a_loop, args, 1, grad(spread_in_a_loop, wrt=1)(*args))


def test_emit_without_a_call_refuses_variadic_parameters():
    with pytest.raises(TranspileError) as info:
        grad(vp.rest_of).source
    assert info.value.diagnostics[0].code == "AD104" and "grad()" in info.value.diagnostics[0].hint


def test_star_calls_of_non_differentiated_values_need_no_rule():
    def f(x):
        noise = np.random.default_rng(0).normal(*x.shape)
        return np.sum(x * noise)

    check_grad(f, [X3], 0, grad(f)(X3))
