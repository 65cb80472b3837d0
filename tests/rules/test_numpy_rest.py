"""Finite-difference checks of the rules for the rest of NumPy (issue 14): cov, corrcoef,
i0, geomspace, logspace, matvec, vecmat, linalg.cond, block, resizing and splitting
helpers; then the same functions inside user functions, through adgen.grad."""

import numpy as np
import pytest

from gradcheck import check_grad, check_vjp
from adgen import grad
from adgen.runtime.registry import lookup
from tests.rules.harness import Case, check_case

rng = np.random.default_rng(1414)


def r(*shape):
    return rng.standard_normal(shape)


def pos(*shape):
    return rng.uniform(0.5, 2.0, shape)


AW = pos(5)
FW = np.array([1, 3, 2, 1, 4])  # integers (NumPy checks); a float array would be changed in place by np.cov

CASES = [
    # np.cov: rowvar, bias, ddof, y, weights (aweights differentiated, fweights constant here)
    Case(np.cov, (r(3, 5),)),
    Case(np.cov, (r(5),)),
    Case(np.cov, (r(5, 3),), {"rowvar": False}),
    Case(np.cov, (r(5, 1),), {"rowvar": False}),
    Case(np.cov, (r(3, 5),), {"bias": True}),
    Case(np.cov, (r(3, 5),), {"ddof": 2}),
    Case(np.cov, (r(3, 5), r(5))),
    Case(np.cov, (r(2, 5), r(2, 5))),
    Case(np.cov, (r(5, 2), r(5, 3)), {"rowvar": False}),
    Case(np.cov, (r(5, 2), r(5)), {"rowvar": False}),
    Case(np.cov, (r(5, 2), r(1, 5)), {"rowvar": False}),
    Case(np.cov, (r(2, 5), None, True, False, None, None, AW)),
    Case(np.cov, (r(2, 5), None, True, False, 0, None, AW)),
    Case(np.cov, (r(2, 5), None, True, True, None, None, AW)),
    Case(np.cov, (r(2, 5),), {"fweights": FW}),
    Case(np.cov, (r(2, 5),), {"fweights": FW, "ddof": 0}),
    Case(np.cov, (r(2, 5),), {"fweights": FW, "aweights": AW}),
    Case(np.cov, (r(2, 5),), {"fweights": FW, "aweights": AW, "ddof": 3}),
    Case(np.cov, (r(5, 2), r(5)), {"rowvar": False, "aweights": AW, "bias": True}),
    Case(np.cov, (r(3, 5),), {"dtype": np.float64}),
    Case(np.cov, (r(5, 2), r(5)), {"rowvar": False, "ddof": 0, "aweights": AW}),
    # np.corrcoef
    Case(np.corrcoef, (r(3, 6),)),
    Case(np.corrcoef, (r(6, 3),), {"rowvar": False}),
    Case(np.corrcoef, (r(6), r(6))),
    Case(np.corrcoef, (r(2, 6), r(6))),
    Case(np.corrcoef, (r(6, 2), r(6, 2)), {"rowvar": False}),
    Case(np.corrcoef, (r(3, 6),), {"dtype": np.float64}),
    Case(np.corrcoef, (r(1, 6), r(6))),
    # np.i0
    Case(np.i0, (0.7,)),
    Case(np.i0, (r(4) * 3,)),
    Case(np.i0, (np.array([[-4.5, 0.2, 1.7], [3.1, -0.6, 6.0]]),)),
    Case(np.i0, (np.array([12.0, -15.0]),)),
    # geomspace / logspace
    Case(np.geomspace, (0.5, 4.0)),
    Case(np.geomspace, (-0.5, -4.0), {"num": 6}),
    Case(np.geomspace, (2.0, 0.1, 5, False)),
    Case(np.geomspace, (0.3, 2.0), {"num": 1}),
    Case(np.geomspace, (pos(3), pos(3)), {"num": 4}),
    Case(np.geomspace, (pos(2, 1), pos(3)), {"num": 4, "axis": -1}),
    Case(np.logspace, (0.5, 1.5)),
    Case(np.logspace, (-1.0, 1.0, 7, False, 2.0)),
    Case(np.logspace, (r(3), r(3)), {"num": 4, "base": 3.0}),
    Case(np.logspace, (r(3), 0.5), {"num": 4, "base": pos(3), "axis": 1}),
    Case(np.logspace, (r(2, 1), r(3)), {"num": 5, "base": pos(2, 3), "axis": -1}),
    Case(np.logspace, (0.2, 0.9), {"num": 3, "base": pos(2)}),
    # np.linalg.cond: every p, stacks, non-square for the 2-norm ones
    *[Case(np.linalg.cond, (r(3, 3) + 3 * np.eye(3), p), wrt=(0,)) for p in (None, 2, -2, 1, -1, np.inf, -np.inf, "fro", "nuc")],
    Case(np.linalg.cond, (r(3, 3) + 3 * np.eye(3),)),
    Case(np.linalg.cond, (r(2, 3, 3) + 3 * np.eye(3),), {"p": "fro"}),
    Case(np.linalg.cond, (r(2, 3, 3) + 3 * np.eye(3),)),
    Case(np.linalg.cond, (r(4, 2),)),
    Case(np.linalg.cond, (r(2, 4), -2), wrt=(0,)),
]

if hasattr(np, "matvec"):
    CASES += [
        Case(np.matvec, (r(3, 4), r(4))),
        Case(np.matvec, (r(2, 3, 4), r(4))),
        Case(np.matvec, (r(3, 4), r(2, 4))),
        Case(np.matvec, (r(2, 1, 3, 4), r(5, 4))),
        Case(np.vecmat, (r(3), r(3, 4))),
        Case(np.vecmat, (r(2, 3), r(3, 4))),
        Case(np.vecmat, (r(3), r(2, 3, 4))),
        Case(np.vecmat, (r(5, 1, 3), r(2, 3, 4))),
    ]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)




def _tuple_cases():
    """Cases for functions returning tuples: the harness seeds every output."""
    out = [
        Case(np.modf, (r(4) * 3,)),
        Case(np.modf, (r(2, 3) * 3,), zero_outputs=(1,)),
        Case(np.frexp, (r(4) * 3,)),
        Case(np.frexp, (1.7,)),
        Case(np.dsplit, (r(2, 2, 6), 3)),
        Case(np.dsplit, (r(1, 2, 5), [1, 3])),
        Case(np.dsplit, (r(2, 1, 4), 2), zero_outputs=(0,)),
        Case(np.broadcast_arrays, (r(3), r(2, 1))),
        Case(np.broadcast_arrays, (r(2, 3), 0.5, r(3))),
        Case(np.broadcast_arrays, (r(2, 3),)),
    ]
    if hasattr(np, "unstack"):
        out += [
            Case(np.unstack, (r(3, 2),)),
            Case(np.unstack, (r(2, 3, 2),), {"axis": 1}),
            Case(np.unstack, (r(2, 3),), {"axis": -1}, zero_outputs=(1,)),
        ]
    return out


CASES += _tuple_cases() + [
    # conversions
    Case(np.asanyarray, (r(2, 3),)),
    Case(np.asanyarray, (0.5,)),
    Case(np.asanyarray, (r(3),), {"dtype": float}),
    Case(np.asanyarray, (r(3),), {"dtype": int}, id="asanyarray-int-is-constant"),
    Case(np.asarray_chkfinite, (r(4),)),
    Case(np.asarray_chkfinite, ([0.5, -1.5],), wrt=(0,), id="asarray_chkfinite-list"),
    Case(np.ascontiguousarray, (r(3, 2).T,)),
    Case(np.ascontiguousarray, (0.7,)),
    Case(np.asfortranarray, (r(2, 3),)),
    Case(np.asfortranarray, (0.7,)),
    Case(np.require, (r(2, 3),)),
    Case(np.require, (r(2, 3), None, ["F"])),
    Case(np.real_if_close, (r(3),)),
    # block: nested lists, promoted dimensions, scalars
    Case(np.block, ([r(2), r(3)],), wrt=(0,)),
    Case(np.block, ([[r(2, 2), r(2, 3)], [r(1, 5)]],), wrt=(0,)),
    Case(np.block, ([[r(1, 2), r(3)], [r(5)]],), wrt=(0,)),
    Case(np.block, ([[1.5, r(1)], [r(2)]],), wrt=(0,)),
    Case(np.block, (r(2, 3),)),
    Case(np.block, ([[[r(1, 2, 2)], [r(1, 1, 2)]], [[r(2, 3, 2)]]],), wrt=(0,)),
    # resize
    Case(np.resize, (r(3), (2, 4))),
    Case(np.resize, (r(2, 3), 4)),
    Case(np.resize, (r(2, 2), (3, 3))),
    Case(np.resize, (0.5, (2, 2))),
    # kaiser: in beta
    Case(np.kaiser, (7, 2.5)),
    Case(np.kaiser, (6, 0.3)),
    Case(np.kaiser, (1, 2.0)),
    # the method of np.choose
    Case(np.ndarray.choose, (np.array([0, 2, 1, 0]), [r(4), r(4), r(1)]), wrt=(1,), fn=lambda a, c: a.choose(c)),
]
if hasattr(np, "astype"):
    CASES += [Case(np.astype, (r(2, 3), np.float64)), Case(np.astype, (r(3), np.int64), id="astype-int-is-constant")]
if hasattr(np, "row_stack"):
    CASES += [Case(np.row_stack, ([r(3), r(2, 3)],), wrt=(0,), fn=lambda tup: np.vstack(tup))]


def test_fweights_cotangent_is_that_of_real_frequencies():
    """NumPy takes integer fweights only; their cotangent is the derivative of np.cov's formula
    with real frequencies (checked against a plain implementation of it)."""

    def cov(x, f, a, ddof):
        w = f * a
        total = np.sum(w)
        xc = x - (x @ w / total)[:, None]
        fact = total - ddof * np.sum(w * a) / total
        return (xc * w) @ xc.T / fact

    x, a = r(2, 5), AW
    for ddof, aw in ((1, None), (0, None), (1, a), (2, a)):
        ans = np.cov(x, fweights=FW, aweights=aw, ddof=ddof)
        g = r(2, 2)
        d = lookup(np.cov).fn(g, ans, x, fweights=FW, aweights=aw, ddof=ddof)
        check_vjp(lambda f: cov(x, f, np.ones(5) if aw is None else aw, ddof), (FW.astype(float),), 0, g, d[5])


def test_cov_of_one_variable_and_corrcoef_of_one_variable():
    x = r(6)
    assert np.shape(lookup(np.cov).fn(1.0, np.cov(x), x)[0]) == (6,)
    assert np.all(lookup(np.corrcoef).fn(1.0, np.corrcoef(x), x)[0] == 0.0)  # corrcoef(x) is 1


def test_i0_at_zero_and_far_out():
    d = lookup(np.i0).fn(1.0, None, np.array([0.0, 30.0, -30.0]))
    assert d[0] == 0.0
    h = 1e-4
    slope = (np.i0(30.0 + h) - np.i0(30.0 - h)) / (2 * h)
    assert np.allclose(d[1:], [slope, -slope], rtol=1e-7)


# -- end to end: the functions as users write them ------------------------------------------


def covariance_loss(x, w):
    c = np.cov(x, aweights=w)
    r_ = np.corrcoef(x.T, rowvar=False)
    return np.sum(c ** 2) + np.linalg.slogdet(c)[1] + np.sum(r_ * np.arange(9.0).reshape(3, 3))


def weighted_cov(x, y, w):
    return np.sum(np.cov(x, y, rowvar=False, fweights=np.array([1, 2, 1, 3, 1, 2]), aweights=w, ddof=2) ** 2)


def spaced(a, b):
    g = np.geomspace(a, b, num=5)
    s = np.logspace(a, b, 4, base=b)
    return np.sum(g * np.arange(5.0)) + np.sum(s) + np.sum(np.i0(g)) + np.sum(np.kaiser(6, a * 3.0))


def blocks(a, v):
    m = np.block([[a, a.T], [np.eye(3), a @ a]])
    return np.sum(np.matvec(m, v) ** 2) + np.sum(np.vecmat(v, m)) + np.linalg.cond(a) + np.linalg.cond(a, "fro")


def pieces(x):
    frac, whole = np.modf(x * 3.0)
    mant, expo = np.frexp(x)
    p, q = np.broadcast_arrays(x[:3], x[3:6].reshape(3, 1))
    total = np.sum(frac ** 2) + np.sum(mant * expo) + np.sum(p * q) + np.sum(np.resize(x, (2, 5)) ** 2)
    a, b, c = np.dsplit(np.reshape(x, (1, 2, 3)), 3)
    total = total + np.sum(np.sin(a)) + np.sum(b * c)
    return total + np.sum(np.ascontiguousarray(x.reshape(2, 3).T) ** 2) + np.sum(np.asanyarray(x) ** 3)


def unstacked(x):
    first, second = np.unstack(np.reshape(x, (2, 3)))
    a, b, c = np.unstack(np.reshape(x, (2, 3)), axis=1)
    return np.sum(first ** 2) * second[0] + np.sum(a * b) - np.sum(c)


@pytest.mark.parametrize("fn, args", [
    (covariance_loss, (r(3, 6), pos(6))),
    (weighted_cov, (r(6, 2), r(6), pos(6))),
    (spaced, (0.7, 1.9)),
    (blocks, (r(3, 3) + 3.0 * np.eye(3), r(6))),
    (pieces, (r(6) + 1.3,)),
    (unstacked, (r(6),)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_through_grad(fn, args):
    if fn in (blocks,) and not hasattr(np, "matvec"):
        pytest.skip("np.matvec is NumPy 2.2's")
    if fn in (unstacked,) and not hasattr(np, "unstack"):
        pytest.skip("np.unstack is NumPy 2.1's")
    wrt = tuple(range(len(args)))
    grads = grad(fn, wrt=wrt)(*args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for i, g in zip(wrt, grads):
        check_grad(fn, args, i, g)


def test_cov_without_degrees_of_freedom_is_not_finite():
    # NumPy divides by 0 there (and warns): no finite derivative either
    x = r(2, 2)
    with np.errstate(divide="ignore", invalid="ignore"), pytest.warns(RuntimeWarning):
        ans = np.cov(x, ddof=3)
        d = lookup(np.cov).fn(np.ones((2, 2)), ans, x, ddof=3)[0]
    assert not np.any(np.isfinite(d))
