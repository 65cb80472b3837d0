"""Finite-difference checks of runtime/rules/polynomials.py (polyadd, polysub, polymul,
polydiv, polyder, polyint, polyfit, roots, poly), the refusals, and the same functions
inside user functions through adgen.grad."""

import numpy as np
import pytest

from gradcheck import check_grad
from adgen import grad
from adgen.errors import TranspileError
from adgen.runtime.core import GradientError
from adgen.runtime.registry import lookup
from tests.rules.harness import Case, check_case

rng = np.random.default_rng(1415)


def r(*shape):
    return rng.standard_normal(shape)


X8 = np.linspace(-1.0, 1.5, 8) + 0.05 * r(8)

CASES = [
    Case(np.polyadd, (r(3), r(5))),
    Case(np.polyadd, (r(4), r(2))),
    Case(np.polyadd, (r(3), r(3))),
    Case(np.polyadd, (0.7, r(3))),
    Case(np.polysub, (r(3), r(5))),
    Case(np.polysub, (r(4), r(2))),
    Case(np.polysub, (r(2), 1.5)),
    Case(np.polymul, (r(3), r(4))),
    Case(np.polymul, (r(5), r(1))),
    Case(np.polymul, (1.3, r(3))),
    Case(np.polyder, (r(5),)),
    Case(np.polyder, (r(5), 2)),
    Case(np.polyder, (r(5),), {"m": 4}),
    Case(np.polyder, (r(3), 0)),
    Case(np.polyder, (r(3), 3)),  # an empty result
    Case(np.polyint, (r(4),)),
    Case(np.polyint, (r(4), 2)),
    Case(np.polyint, (r(4), 3, 0.7)),
    Case(np.polyint, (r(4), 2, r(2))),
    Case(np.polyint, (r(3), 1, r(1))),
    Case(np.polyint, (r(3),), {"m": 2, "k": [0.5, -1.0]}, wrt=(0,)),
    Case(np.polyint, (r(3),), {"k": 1.5}),
    Case(np.polyint, (r(3), 0)),
    # polydiv: both outputs, either unused; a quotient of degree 0; a divisor of higher degree
    Case(np.polydiv, (r(6), r(3) + np.array([2.0, 0, 0]))),
    Case(np.polydiv, (r(4), r(4) + np.array([2.0, 0, 0, 0]))),
    Case(np.polydiv, (r(5), r(2) + np.array([2.0, 0])), zero_outputs=(1,)),
    Case(np.polydiv, (r(5), r(3) + np.array([2.0, 0, 0])), zero_outputs=(0,)),
    Case(np.polydiv, (r(2), r(4) + np.array([2.0, 0, 0, 0]))),
    # polyfit: in x, y and w; y with several columns; rcond
    Case(np.polyfit, (X8, r(8), 2)),
    Case(np.polyfit, (X8, r(8), 3)),
    Case(np.polyfit, (X8, r(8), 0)),
    Case(np.polyfit, (X8, r(8, 3), 2)),
    Case(np.polyfit, (X8, r(8), 2), {"w": rng.uniform(0.5, 2.0, 8)}),
    Case(np.polyfit, (X8, r(8), 2, None, False, rng.uniform(0.5, 2.0, 8))),
    Case(np.polyfit, (X8, r(8, 2), 1, 1e-10, False, rng.uniform(0.5, 2.0, 8)), wrt=(0, 1, 5)),
    Case(np.polyfit, (X8[:3], r(3), 2)),  # interpolation: square
    # roots: real and complex roots, trailing and leading zeros
    Case(np.roots, (np.poly([0.5, -1.0, 2.0]) + 0.01 * r(4),)),
    # complex roots (their sum with a real seed is complex: not through the transpiler, see test_complex.py)
    Case(np.roots, (np.array([1.0, 0.4, 1.3]),), fn=lambda p: np.roots(p)),
    Case(np.roots, (np.array([2.0, -1.0, 0.5, 0.3, -0.7]),), fn=lambda p: np.roots(p)),
    Case(np.roots, (np.array([1.0, -3.0, 2.0, 0.0]),)),
    Case(np.roots, (np.array([3.0, 1.0]),)),
    # poly: of zeros, of a matrix (also with a repeated eigenvalue)
    Case(np.poly, (r(3),)),
    Case(np.poly, (r(1),)),
    Case(np.poly, (np.array([0.5, 0.5, -1.0]),)),
    Case(np.poly, (r(3, 3),)),
    Case(np.poly, (np.array([[2.0, 1.0], [0.0, 2.0]]),)),
    Case(np.poly, (r(1, 1),)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


def test_leading_zeros_of_roots_get_no_cotangent():
    p = np.array([0.0, 1.0, -3.0, 2.0])
    g = np.array([0.3, -1.2])
    rule = lookup(np.roots).fn
    d = rule(g, np.roots(p), p)
    assert d[0] == 0.0
    assert np.allclose(d[1:], rule(g, np.roots(p[1:]), p[1:]))


def test_roots_at_a_repeated_root():
    """One by one, repeated roots have no derivative (AD411); their sum has, and gets it."""
    p = np.poly([1.0, 1.0, -2.0])
    z = np.roots(p)
    rule = lookup(np.roots).fn
    with pytest.raises(GradientError, match="AD411"):
        rule(np.arange(3.0), z, p)
    with pytest.raises(GradientError, match="AD411"):
        rule((np.abs(z - 1.0) < 1e-4) * np.arange(1.0, 4.0), z, p)  # the two at 1 apart
    # the sum of all roots is -p[1] / p[0]; of the two at 1, that minus the root at -2
    assert np.allclose(rule(np.ones(3), z, p), [p[1] / p[0] ** 2, -1 / p[0], 0.0, 0.0])
    pair = (np.abs(z - 1.0) < 1e-4).astype(float)
    single = -np.array([(-2.0) ** 3, (-2.0) ** 2, -2.0, 1.0]) / np.polyval(np.polyder(p), -2.0)
    assert np.allclose(rule(pair, z, p), [p[1] / p[0] ** 2, -1 / p[0], 0.0, 0.0] - single)
    # a triple root, and an unused repeated root
    p3 = np.poly([0.5, 0.5, 0.5, 3.0])
    assert np.allclose(rule(np.ones(4), np.roots(p3), p3), [p3[1] / p3[0] ** 2, -1 / p3[0], 0.0, 0.0, 0.0])
    z = np.roots(np.poly([3.0, 3.0, -2.0]))
    g = (np.abs(z + 2.0) < 1e-6).astype(float)
    assert np.all(np.isfinite(rule(g, z, np.poly([3.0, 3.0, -2.0]))))


def test_polyfit_refusals():
    rule = lookup(np.polyfit)
    assert rule.refuse(x=X8, y=X8, deg=2, full=True)
    assert rule.refuse(x=X8, y=X8, deg=2, cov=True)
    assert rule.refuse(x=X8, y=X8, deg=2, cov="unscaled")
    assert rule.refuse(x=X8, y=X8, deg=2, full=False, cov=False) is None
    x = np.array([0.0, 0.0, 1.0, 1.0])  # two distinct points cannot fix a quadratic
    with pytest.raises(GradientError, match="AD411"):
        rule.fn(1.0, np.zeros(3), x, r(4), 2)


def test_poly_at_a_repeated_eigenvalue_is_smooth():
    a = np.array([[2.0, 1.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]])
    check_case(Case(np.poly, (a,)))


# -- end to end: the functions as users write them ------------------------------------------


def fit_and_evaluate(x, y, w):
    c = np.polyfit(x, y, 2, w=w)
    return np.polyval(c, 0.3) + np.sum(c ** 2)


def fit_columns(x, y):
    c = np.polyfit(x, y, 1)
    return np.sum(c * np.array([[1.0, 2.0], [3.0, -1.0]]))


def calculus(a, b):
    p = np.polymul(a, b)
    s = np.polyadd(np.polyint(p, 2, k=[a[0], 0.5]), np.polysub(b, a))
    q, rem = np.polydiv(s, np.polyadd(b, [1.0, 0.0, 0.0]))
    return np.polyval(np.polyder(s, 2), 0.7) + np.sum(q ** 2) + np.sum(rem * np.arange(rem.size))


def root_loss(p):
    z = np.roots(p)
    return np.sum(np.abs(z) ** 2) + np.sum(np.real(z) * np.arange(z.size))


def from_zeros(z, a):
    return np.sum(np.poly(z) ** 2) + np.sum(np.poly(a) * np.arange(4.0))


def bad_full(x, y):
    return np.sum(np.polyfit(x, y, 2, full=True)[0])


def fit_with_flag(x, y, flag):
    res = np.polyfit(x, y, 2, full=flag)
    return np.sum(res[0])


@pytest.mark.parametrize("fn, args", [
    (fit_and_evaluate, (X8, r(8), rng.uniform(0.5, 2.0, 8))),
    (fit_columns, (X8, r(8, 2))),
    (calculus, (r(3) + np.array([2.0, 0, 0]), r(3) + np.array([1.5, 0, 0]))),
    (root_loss, (np.array([1.0, 0.4, 1.3, -0.5]),)),
    (from_zeros, (r(3), r(3, 3))),
], ids=lambda v: getattr(v, "__name__", ""))
def test_through_grad(fn, args):
    wrt = tuple(range(len(args)))
    grads = grad(fn, wrt=wrt)(*args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for i, g in zip(wrt, grads):
        check_grad(fn, args, i, g)


def test_polyfit_full_is_refused_where_seen():
    with pytest.raises(TranspileError, match="AD210"):
        grad(bad_full)(X8, r(8))


def test_polyfit_full_is_refused_when_the_gradient_runs():
    with pytest.raises(GradientError, match="AD411"):
        grad(fit_with_flag, wrt=(1,))(X8, r(8), True)


def sum_of_repeated_roots(p):
    return np.sum(np.real(np.roots(p)))  # the sum of the roots is smooth, also where they repeat


def each_repeated_root(p):
    return np.sum(np.real(np.roots(p)) * np.arange(3.0))


def test_repeated_roots_through_grad():
    p = np.poly([1.0, 1.0, 0.5])
    check_grad(sum_of_repeated_roots, (p,), 0, grad(sum_of_repeated_roots)(p))
    with pytest.raises(GradientError, match="AD411"):
        grad(each_repeated_root)(p)
