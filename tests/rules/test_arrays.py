"""Finite-difference checks of runtime/rules/arrays.py: differences, np.gradient, cross,
convolution, interpolation, integration, insert/delete/append, rot90, meshgrid,
polyval, nan_to_num, partition; then the same functions inside user functions."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from gradcheck import check_grad, check_vjp
from adgen import grad
from adgen.errors import TranspileError
from adgen.runtime.core import GradientError
from adgen.runtime.registry import lookup
from tests.rules.harness import Case, check_case

pytestmark = [pytest.mark.filterwarnings("ignore:Arrays of 2-dimensional vectors:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:invalid value encountered in log:RuntimeWarning")]

def _cross_takes_2_vectors():
    """NumPy 2.0 deprecated np.cross of 2-vectors; later releases refuse them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            np.cross(np.ones(2), np.ones(2))
        except ValueError:
            return False
    return True


TWO_VECTORS = _cross_takes_2_vectors()
rng = np.random.default_rng(14)
trapezoid = getattr(np, "trapezoid", None) or np.trapz  # NumPy 1.x has only np.trapz


def r(*shape):
    return rng.standard_normal(shape)


def spread(n, low=-2.0, high=2.0):
    """n sorted, well separated points."""
    return np.sort(rng.uniform(low, high, n)) + np.arange(n) * 0.5


def _wrapped(*shape, period=2 * np.pi):
    """Phases along the last axis (steps under a quarter period) wrapped into [0, period)."""
    steps = rng.uniform(-0.25, 0.25, shape) * period
    return np.mod(np.cumsum(steps, axis=-1) + rng.uniform(0, period, shape[:-1] + (1,)), period)


CASES = [
    # np.diff: n, axis, prepend/append (positional: checked too), 0-d and array ones
    Case(np.diff, (r(5),)),
    Case(np.diff, (r(6), 3)),
    Case(np.diff, (r(3, 4), 1, 0)),
    Case(np.diff, (r(3, 4), 2, -1)),
    Case(np.diff, (r(2, 3, 4), 1, 1)),
    Case(np.diff, (r(3, 4),), {"axis": 0, "n": 2}),
    Case(np.diff, (r(4), 1, -1, 0.7)),
    Case(np.diff, (r(4), 2, -1, 0.7, -0.3)),
    Case(np.diff, (r(3, 4), 1, 0, r(1, 4), r(2, 4))),
    Case(np.diff, (r(3, 4), 2, 1, r(3, 2), 0.5)),
    Case(np.diff, (r(3), 0)),
    Case(np.diff, (r(3), 3)),  # an empty result
    # np.ediff1d
    Case(np.ediff1d, (r(5),)),
    Case(np.ediff1d, (r(2, 3), r(2), r(3))),
    Case(np.ediff1d, (r(4), 0.5, -1.0)),
    Case(np.ediff1d, (r(4),), {"to_begin": 3.0}),
    # np.unwrap: jumps of whole periods between steps well away from discont (a kink)
    Case(np.unwrap, (_wrapped(9),), wrt=(0,)),
    Case(np.unwrap, (_wrapped(3, 5),), {"axis": 0}, wrt=(0,)),
    Case(np.unwrap, (_wrapped(3, 5), 4.0, 1), wrt=(0,)),
    Case(np.unwrap, (_wrapped(7, period=4.0),), {"period": 4.0}, wrt=(0,)),
    Case(np.unwrap, (_wrapped(7, period=360.0),), {"period": 360.0, "discont": 270.0}, wrt=(0,)),
    # np.cross: 3-vectors (and 2-vectors where NumPy still takes them), axes, broadcasting
    Case(np.cross, (r(3), r(3))),
    Case(np.cross, (r(4, 3), r(3))),
    Case(np.cross, (r(3, 4), r(4, 3)), {"axisa": 0, "axisb": 1, "axisc": 0}),
    Case(np.cross, (r(3, 4), r(3, 4)), {"axis": 0}),
    *([Case(np.cross, (r(2), r(2))),
       Case(np.cross, (r(2), r(3))),
       Case(np.cross, (r(3), r(2))),
       Case(np.cross, (r(4, 2), r(4, 2))),
       Case(np.cross, (r(2, 5), r(5, 3)), {"axisa": 0})] if TWO_VECTORS else []),
    # np.convolve / np.correlate: every mode, both orders of length
    *[Case(f, (r(n), r(m)), {"mode": mode}) for f in (np.convolve, np.correlate) for mode in ("full", "same", "valid") for n, m in ((5, 3), (3, 5), (4, 4), (2, 7), (1, 3))],
    Case(np.convolve, (r(6), r(2))),
    Case(np.correlate, (r(6), r(3))),
    # trapezoid
    Case(trapezoid, (r(5),)),
    Case(trapezoid, (r(5), spread(5))),
    Case(trapezoid, (r(3, 4), spread(4))),
    Case(trapezoid, (r(3, 4), spread(3)), {"axis": 0}),
    Case(trapezoid, (r(3, 4), None, 0.3)),
    Case(trapezoid, (r(3, 4), None, 0.3, 0)),
    Case(trapezoid, (r(3, 4), np.cumsum(rng.uniform(0.5, 1, (3, 4)), axis=1))),
    Case(trapezoid, (r(3, 4), np.cumsum(rng.uniform(0.5, 1, (3, 4)), axis=0), 1.0, 0), wrt=(0, 1)),
    # np.append
    Case(np.append, (r(3), r(2))),
    Case(np.append, (r(2, 3), r(4))),
    Case(np.append, (r(2, 3), r(2, 2)), {"axis": 1}),
    Case(np.append, (r(2, 3), r(1, 3), 0)),
    Case(np.append, (r(3), 1.5)),
    # np.insert: int, slice, array obj; broadcast values
    Case(np.insert, (r(4), 1, 2.5)),
    Case(np.insert, (r(4), 1, r(3))),
    Case(np.insert, (r(4), [0, 2, 4], r(3))),
    Case(np.insert, (r(4), slice(0, 4, 2), r(2))),
    Case(np.insert, (r(2, 3), 1, r(3)), {"axis": 0}),
    Case(np.insert, (r(2, 3), 1, r(2), 1)),
    Case(np.insert, (r(2, 3), 2, 0.5, 1)),
    Case(np.insert, (r(2, 3), [1, 1], r(2, 2), 1)),
    Case(np.insert, (r(2, 3), 4, r(2))),
    # np.delete
    Case(np.delete, (r(5), 2)),
    Case(np.delete, (r(5), [0, 3])),
    Case(np.delete, (r(5), slice(1, None, 2))),
    Case(np.delete, (r(3, 4), 1, 0)),
    Case(np.delete, (r(3, 4), [0, 2], 1)),
    Case(np.delete, (r(3, 4), 5)),
    Case(np.delete, (r(3, 4), np.array([True, False, True, False]), 1)),
    # np.rot90, np.rollaxis
    Case(np.rot90, (r(3, 4),)),
    Case(np.rot90, (r(3, 4), 2)),
    Case(np.rot90, (r(3, 4), -1)),
    Case(np.rot90, (r(2, 3, 4), 3, (2, 0))),
    Case(np.rot90, (r(2, 3, 4),), {"k": 1, "axes": (1, 2)}),
    Case(np.rollaxis, (r(2, 3, 4), 2)),
    Case(np.rollaxis, (r(2, 3, 4), 0, 3)),
    Case(np.rollaxis, (r(2, 3, 4), -1, 1)),
    Case(np.rollaxis, (r(2, 3, 4), 1, 1)),
    Case(np.rollaxis, (r(2, 3, 4), 1), {"start": -1}),
    # np.meshgrid
    Case(np.meshgrid, (r(3), r(4))),
    Case(np.meshgrid, (r(3), r(4)), {"indexing": "ij"}),
    Case(np.meshgrid, (r(2), r(3), r(4))),
    Case(np.meshgrid, (r(2), r(3), r(4)), {"indexing": "ij", "sparse": True}),
    Case(np.meshgrid, (r(3), r(4)), {"sparse": True}),
    Case(np.meshgrid, (r(3),)),
    Case(np.meshgrid, (r(2, 2), r(3)), {"copy": False}),
    # np.polyval
    Case(np.polyval, (r(4), 0.7)),
    Case(np.polyval, (r(3), r(5))),
    Case(np.polyval, (r(1), r(2, 3))),
    Case(np.polyval, (r(5), r(2, 3))),
    Case(np.polyval, (r(3), 0.0)),
    Case(np.polyval, (r(3, 2), r(2))),
    # np.nan_to_num: finite inputs here, non-finite below
    Case(np.nan_to_num, (r(4),)),
    Case(np.nan_to_num, (r(2, 3),), {"nan": 1.0}),
    Case(np.nan_to_num, (0.5,)),
    # np.partition
    Case(np.partition, (r(6), 2)),
    Case(np.partition, (r(6), [1, 4])),
    Case(np.partition, (r(3, 5), 2)),
    Case(np.partition, (r(3, 5), 1, 0)),
    Case(np.partition, (r(3, 5), -1), {"axis": None}),
    # np.interp: x and fp, and xp (rational in it), outside the range, left/right, period
    Case(np.interp, (rng.uniform(-1, 5, 7), spread(5), r(5))),
    Case(np.interp, (0.3, spread(4), r(4))),
    Case(np.interp, (rng.uniform(-4, 6, (2, 5)), spread(4), r(4))),
    Case(np.interp, (rng.uniform(-4, 6, 9), spread(4), r(4), 0.25, -1.5)),
    Case(np.interp, (rng.uniform(-4, 6, 9), spread(4), r(4)), {"left": 0.5}),
    Case(np.interp, (rng.uniform(-10, 10, 9), rng.uniform(0, 6, 5) + np.arange(5), r(5), None, None, 6.5)),
    Case(np.interp, (rng.uniform(-10, 10, (2, 3)), np.array([5.0, 1.5, 3.2, 0.4]), r(4), None, None, -6.0)),
    Case(np.interp, (rng.uniform(-10, 10, 9), np.array([5.0, 1.5, 3.2, 0.4]), r(4)), {"period": 6.0}),
    Case(np.interp, (rng.uniform(-3, 3, 4), np.array([0.5]), r(1))),
    # np.gradient: 1-D, n-D (a tuple), axes, spacings (numbers and coordinates), edge orders
    Case(np.gradient, (r(6),)),
    Case(np.gradient, (r(6),), {"edge_order": 2}),
    Case(np.gradient, (r(6), 0.4)),
    Case(np.gradient, (r(3), 0.4), {"edge_order": 2}),
    Case(np.gradient, (r(2),)),
    Case(np.gradient, (r(7), spread(7))),
    Case(np.gradient, (r(7), spread(7)), {"edge_order": 2}),
    Case(np.gradient, (r(3, 4),)),
    Case(np.gradient, (r(3, 4), 0.5)),
    Case(np.gradient, (r(3, 4), 0.5, 2.0)),
    Case(np.gradient, (r(3, 4), spread(3), 2.0), {"edge_order": 2}),
    Case(np.gradient, (r(3, 4),), {"axis": 1}),
    Case(np.gradient, (r(3, 4), 0.3), {"axis": 0}),
    Case(np.gradient, (r(2, 3, 4), 0.5, spread(4)), {"axis": (0, -1)}),
]


_R = np.random.default_rng(21)
CASES += [
    Case(np.linalg.cross, (_R.uniform(-2, 2, 3), _R.uniform(-2, 2, 3))),
    Case(np.linalg.cross, (_R.uniform(-2, 2, (4, 3)), _R.uniform(-2, 2, (4, 3)))),
    Case(np.linalg.cross, (_R.uniform(-2, 2, (3, 4)), _R.uniform(-2, 2, (3, 4))), {"axis": 0}),
    Case(np.vander, (_R.uniform(-2, 2, 4),)),
    Case(np.vander, (_R.uniform(-2, 2, 3), 5)),
    Case(np.vander, (_R.uniform(-2, 2, 3),), {"N": 2, "increasing": True}),
    Case(np.vander, (np.array([0.0, 1.5, -0.5]),), {"increasing": True}, id="vander-at-0"),
]

@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


# -- hand-checked values at degenerate points ---------------------------------------------------


def test_nan_to_num_gives_no_cotangent_to_non_finite_entries():
    x = np.array([1.0, np.nan, np.inf, -np.inf, 2.0])
    g = np.arange(1.0, 6.0)
    ans = np.nan_to_num(x, nan=0.5, posinf=9.0, neginf=-9.0)
    dx, _, dnan, dpos, dneg = lookup(np.nan_to_num).fn(g, ans, x, True, 0.5, 9.0, -9.0)
    assert dx.tolist() == [1.0, 0.0, 0.0, 0.0, 5.0]
    assert (dnan, dpos, dneg) == (2.0, 3.0, 4.0)


def test_interp_at_knots_and_outside():
    """x outside [xp[0], xp[-1]] moves nothing (slope 0); at a knot the right-hand piece's slope."""
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
    x = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
    dx, dxp, dfp, _, _, _ = lookup(np.interp).fn(np.ones(6), np.interp(x, xp, fp), x, xp, fp)
    assert dx.tolist() == [0.0, 2.0, 0.5, 0.5, 0.0, 0.0]
    assert dfp.tolist() == [2.0, 1.5, 2.5]
    assert np.all(np.isfinite(dxp))


def test_interp_with_a_repeated_knot_is_finite():
    xp, fp = np.array([0.0, 1.0, 1.0, 2.0]), np.array([0.0, 1.0, 5.0, 6.0])
    x = np.array([0.5, 1.0, 1.5])
    out = lookup(np.interp).fn(np.ones(3), np.interp(x, xp, fp), x, xp, fp)
    assert all(np.all(np.isfinite(d)) for d in out[:3])


def test_partition_with_ties_sends_each_cotangent_once():
    a = np.array([1.0, 3.0, 1.0, 2.0, 3.0])
    g = np.arange(1.0, 6.0)
    d = lookup(np.partition).fn(g, np.partition(a, 2), a, 2)
    assert sorted(d.tolist()) == g.tolist()
    assert np.sum(d * a) == np.sum(g * np.partition(a, 2))


def test_gradient_refuses_a_third_edge_order():
    assert lookup(np.gradient).refuse(f=np.ones(3), varargs=(), edge_order=3)
    assert lookup(np.gradient).refuse(f=np.ones(3), varargs=(0.5,), edge_order=2) is None


# -- end to end: the functions as users write them ------------------------------------------


def diffs(x):
    return np.sum(np.diff(x, n=2, prepend=x[0], append=0.0) ** 2) + np.sum(np.ediff1d(x, to_begin=x[-1]) ** 3)


def gradient_1d(x):
    d = np.gradient(x, 0.5, edge_order=2)
    return np.sum(d * np.sin(x))


def gradient_2d(x):
    F = np.outer(x, x[:3])
    gy, gx = np.gradient(F, 0.5, 2.0)
    return np.sum(gy ** 2) + np.sum(gx * F)


def gradient_axis(x):
    F = np.outer(x, x[:3])
    return np.sum(np.gradient(F, axis=1) ** 2)


def crosses(x):
    a, b = x[:3], x[3:6]
    return np.sum(np.cross(a, b) ** 2) + np.sum(np.cross(x[1:4], a))


def convolutions(x):
    k = x[:3] * 2.0
    return np.sum(np.convolve(x, k, mode="same") ** 2) + np.sum(np.correlate(x, k) * x[1:-1])


def interpolation(x):
    xp = np.array([-1.0, 0.0, 0.7, 2.0])
    return np.sum(np.interp(x * 1.3, xp, x[:4] ** 2, left=x[0], right=-1.0)) + np.sum(np.interp(x, xp * x[1], x[:4], period=3.0 + x[2]))


def integration(x):
    return trapezoid(np.sin(x), np.cumsum(np.abs(x) + 0.1)) + trapezoid(x ** 2, dx=x[0])


def moving(x):
    y = np.insert(x, [1, 3], x[:2] * 3.0)
    y = np.delete(y, slice(0, None, 3))
    y = np.append(y, x[-2:], axis=0)
    return np.sum(np.sin(y) * np.arange(y.size))


def rotations(x):
    m = np.reshape(x[:6], (2, 3))
    t = np.reshape(x[:8], (2, 2, 2))
    return np.sum(np.rot90(m, k=3) * np.arange(6.0).reshape(3, 2)) + np.sum(np.rollaxis(t, 2) * np.arange(8.0).reshape(2, 2, 2))


def grid(x):
    X, Y = np.meshgrid(x[:3], x[3:7] ** 2, indexing="ij")
    U, V = np.meshgrid(x[:2], x[2:5], sparse=True)
    return np.sum(X * Y * np.arange(12.0).reshape(3, 4)) + np.sum(U * V)


def gradient_forms(x):
    F = np.outer(x, x[:3])
    G = np.gradient(F)
    a, b = np.gradient(F, 0.5, np.cumsum(np.abs(x[:3]) + 0.1))
    s = np.sum(G[0] ** 2) + np.sum(np.gradient(F)[1] * F) + np.sum(np.stack(np.gradient(F, edge_order=2)) ** 2)
    for d in np.gradient(F, axis=(1, 0)):
        s = s + np.sum(d ** 3)
    return s + np.sum(a ** 2) + np.sum(b ** 3)


def gradient_spacing(x):
    """Differentiated spacings: a number and coordinates."""
    F = np.outer(x, x[:3])
    gy, gx = np.gradient(F, x[0] + 3.0, np.cumsum(np.abs(x[:3]) + 0.2))
    return np.sum(gy ** 2) + np.sum(gx ** 3) + np.sum(np.gradient(x ** 2, np.cumsum(np.abs(x) + 0.2), edge_order=2) ** 2)


def grid_forms(x):
    G = np.meshgrid(x[:2], x[2:5], x[5:], sparse=True, indexing="ij")
    (W,) = np.meshgrid(x[:2])
    H = np.meshgrid(x[:2], x[2:5])
    return np.sum(G[0] * G[2] ** 2 + G[1]) + np.sum(W ** 2) + np.sum(H[1] ** 2)


def unwrapped(x):
    p = np.mod(np.cumsum(np.abs(x) + 0.4), 2 * np.pi)  # steps in (0.4, 2.4): under discont (pi)
    q = np.mod(np.outer(x[:3], x[3:6]) * 5.0, 3.0)
    return np.sum(np.unwrap(p) ** 2) + np.sum(np.sin(np.unwrap(q, axis=0, period=3.0)) * q) + np.sum(np.unwrap(p, 2.5) * x)


def polys(x):
    return np.sum(np.polyval(x[:3], x) ** 2)


def cleaned(x):
    y = np.log(x)  # NaN at negative entries
    return np.sum(np.nan_to_num(y, nan=x[0]) * x)


def partial_sort(x):
    return np.sum(np.partition(x, 2)[:3] * np.array([1.0, 2.0, 3.0]))


X = rng.uniform(-2, 2, 8)


@pytest.mark.parametrize("fn", [diffs, gradient_1d, gradient_2d, gradient_axis, crosses, convolutions, interpolation,
                                integration, moving, rotations, grid, gradient_forms, gradient_spacing, grid_forms, polys, cleaned, partial_sort,
                                unwrapped])
def test_through_the_transpiler(fn):
    x = X.copy()
    if fn is cleaned:
        x = np.abs(x) + 0.1
        x[[2, 5]] *= -1
    check_grad(lambda v: fn(v) if fn is not cleaned else np.sum(np.nan_to_num(np.log(v), nan=v[0]) * v), [x], 0, grad(fn)(x))


def test_unwrap_refuses_a_differentiated_period_or_discont():
    """The multiple of the period unwrap adds depends on the period (and jumps with discont):
    its rule differentiates p only, so a differentiated value there is AD311."""

    def by_period(x):
        return np.sum(np.unwrap(x, period=x[0] + 6.0))

    def by_discont(x):
        return np.sum(np.unwrap(x, x[0] + 4.0))

    for fn, name in ((by_period, "period"), (by_discont, "discont")):
        with pytest.raises(TranspileError) as err:
            grad(fn)(X)
        (diag,) = err.value.diagnostics
        assert diag.code == "AD311" and f"parameter `{name}`" in diag.message


def test_gradient_refused_edge_order(tmp_path):
    def bad(x):
        return np.sum(np.gradient(x, edge_order=3))

    with pytest.raises(TranspileError, match="AD210"):
        grad(bad)(X)


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_put_along_axis_is_the_store_it_makes(axis):
    """np.put_along_axis(a, i, v, axis) is a[...] = v: the stored values get the cotangent
    of the entries they replace, the replaced entries none."""
    order, values = {
        0: (np.array([[2, 0, 1, 1], [0, 1, 2, 0]]), lambda x: x[:2] * 2.0),
        1: (np.array([[2, 0], [1, 3], [0, 2]]), lambda x: x[:, :2] * 2.0),
        -1: (np.array([[3], [1], [0]]), lambda x: np.exp(x[:, 1:2])),
        None: (np.array([5, 0, 7]), lambda x: x[0, :3] ** 2),
    }[axis]

    def f(x, w):
        a = np.cos(w)
        np.put_along_axis(a, order, values(x), axis=axis)
        return np.sum(np.sin(a) * w)

    x, w = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    for k in (0, 1):
        check_grad(f, [x, w], k, grad(f, wrt=k)(x, w))


def test_put_along_axis_refusals():
    """Into an argument: AD305; through a repeated index: AD404 when the gradient runs; its
    (None) result used: AD305, as before."""

    def into_argument(x):
        np.put_along_axis(x, np.array([0, 2]), 1.0, 0)
        return np.sum(x)

    def repeated(x):
        y = np.zeros(4)
        np.put_along_axis(y, np.array([1, 1]), x[:2], axis=0)
        return np.sum(y)

    def bad_assigned(x):
        y = np.zeros(4)
        _ = np.put_along_axis(y, np.array([0, 2]), x[:2], axis=0)
        return np.sum(y)

    with pytest.raises(TranspileError, match="AD305"):
        grad(into_argument)(X)
    with pytest.raises(GradientError, match="AD404"):
        grad(repeated)(X)
    with pytest.raises(TranspileError, match="AD305"):
        grad(bad_assigned)(X)


# -- any shape, axis and option (derandomised) --------------------------------------------------

PROPERTY = dict(max_examples=40, deadline=None, derandomize=True, phases=[Phase.generate], suppress_health_check=list(HealthCheck))


@st.composite
def arrays_and_axes(draw, min_len=1):
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(min_len, 4), min_size=ndim, max_size=ndim)))
    return np.random.default_rng(draw(st.integers(0, 2**16))).standard_normal(shape), draw(st.integers(-ndim, ndim - 1))


def _check_all(primal, args, wrt, kwargs=None):
    kwargs = kwargs or {}
    ans = primal(*args, **kwargs)
    g = np.random.default_rng(1).standard_normal(np.shape(ans))
    cots = lookup(primal).fn(g, ans, *args, **kwargs)
    cots = cots if isinstance(cots, tuple) else (cots,)
    for i in wrt:
        check_vjp(lambda *xs: primal(*xs, **kwargs), list(args), i, g, np.broadcast_to(cots[i], np.shape(args[i])))


@settings(**PROPERTY)
@given(arrays_and_axes(), st.integers(0, 4), st.sampled_from(["none", "scalar", "slice"]), st.sampled_from(["none", "scalar", "slice"]))
def test_any_diff(xa, n, pre, post):
    x, axis = xa

    def extra(kind, k):
        if kind == "none":
            return None
        shape = list(x.shape)
        shape[axis] = k
        return 0.3 if kind == "scalar" else np.random.default_rng(k).standard_normal(shape)

    p, q = extra(pre, 2), extra(post, 1)
    args = (x, n, axis) + ((p,) if p is not None or q is not None else ()) + ((q,) if q is not None else ())
    if p is None and q is not None:
        args = (x, n, axis, np.zeros_like(x.take([0], axis)), q)
    _check_all(np.diff, args, [0] + [i for i in (3, 4) if i < len(args) and n > 0])  # n=0: a itself, nothing else


@settings(**PROPERTY)
@given(arrays_and_axes(), st.data())
def test_any_insert_and_delete(xa, data):
    x, axis = xa
    n = x.shape[axis]
    use_axis = data.draw(st.booleans())
    length = n if use_axis else x.size
    kind = data.draw(st.sampled_from(["int", "list", "slice"]))
    if kind == "int":
        obj = data.draw(st.integers(-length, length - 1))
    elif kind == "list":
        obj = data.draw(st.lists(st.integers(0, length - 1), min_size=1, max_size=3, unique=True))
    else:
        obj = slice(data.draw(st.integers(0, length)), None, data.draw(st.integers(1, 3)))
    kw = {"axis": axis} if use_axis else {}
    _check_all(np.delete, (x, obj), [0], kw)
    where = obj if kind != "int" else data.draw(st.integers(-length, length))
    count = len(range(length)[obj]) if kind == "slice" else (len(obj) if kind == "list" else 1)
    if count == 0:
        return
    shape = list(x.shape) if use_axis else [count]
    if use_axis:
        shape[axis] = count
        values = np.random.default_rng(n).standard_normal(shape if kind != "int" else shape[:axis] + shape[axis + 1:])
    else:
        values = np.random.default_rng(n).standard_normal(shape if data.draw(st.booleans()) else ())
    _check_all(np.insert, (x, where, values), [0, 2], kw)


@settings(**PROPERTY)
@given(arrays_and_axes(min_len=3), st.sampled_from([1, 2]), st.sampled_from(["none", "one", "each", "axis"]), st.integers(0, 2**16))
def test_any_gradient(xa, edge_order, spacing, seed):
    """In f and in every spacing (numbers and coordinates, drawn at random per axis)."""
    f, axis = xa
    generator = np.random.default_rng(seed)

    def space(n):
        return float(generator.uniform(0.5, 2)) if generator.random() < 0.5 else np.cumsum(generator.uniform(0.5, 1.5, n))

    kw = {"edge_order": edge_order}
    if spacing == "axis":
        args, kw["axis"] = (f, space(f.shape[axis])), axis
    elif spacing == "one":
        args = (f, float(generator.uniform(0.5, 2)))
    elif spacing == "each":
        args = (f, *[space(n) for n in f.shape])
    else:
        args = (f,)
    ans = np.gradient(*args, **kw)
    g = tuple(generator.standard_normal(np.shape(a)) for a in ans) if isinstance(ans, tuple) else generator.standard_normal(ans.shape)
    cots = lookup(np.gradient).fn(g, ans, *args, **kw)
    for i in range(len(args)):

        def fn(*xs):
            out = np.gradient(*xs, **kw)
            return out

        check_vjp(fn, list(args), i, g, np.broadcast_to(cots[i], np.shape(args[i])))


@settings(**PROPERTY)
@given(st.integers(1, 6), st.sampled_from(["plain", "left", "both", "period"]), st.integers(0, 2**16))
def test_any_interp(n, option, seed):
    """In x, xp and fp (and left/right/period), with x inside and outside the knots."""
    generator = np.random.default_rng(seed)
    xp = np.cumsum(generator.uniform(0.3, 1.5, n)) - 1.0
    fp = generator.standard_normal(n)
    x = generator.uniform(-3.0, 6.0, 7)
    x = x[np.min(np.abs(x[:, None] - xp[None, :]), axis=1) > 1e-3]  # no knot within a finite-difference step
    if option == "period":
        xp = generator.permutation(xp)
        args = (x, xp, fp, None, None, float(np.ptp(xp) + generator.uniform(0.5, 2.0)))
        xs = np.mod(x, args[5])
        args = (x[np.min(np.abs(np.mod(xs[:, None] - np.mod(xp, args[5])[None, :] + 0.5 * args[5], args[5]) - 0.5 * args[5]), axis=1) > 1e-3],) + args[1:]
    else:
        args = (x, xp, fp) + {"plain": (), "left": (0.7,), "both": (0.7, -0.4)}[option]
    if np.size(args[0]) == 0:
        return
    _check_all(np.interp, args, range(len(args)) if option != "period" else (0, 1, 2, 5))
