"""Order statistics (median, percentile, quantile), NaN-skipping reductions and scans."""

import numpy as np
import pytest

from gradcheck import check_grad
from adgen import TranspileError, grad
from adgen.runtime.core import GradientError
from adgen.runtime.registry import is_nondiff, lookup
from tests.rules.harness import check_cotangent_shapes, Case, check_case, unary_cases

rng = np.random.default_rng(14)
T = rng.uniform(-2, 2, (2, 3, 4))
M = rng.uniform(-2, 2, (3, 5))
POS = rng.uniform(0.5, 1.5, (2, 3, 4))

# A 3-D array with NaNs in several slices (never a whole slice along any single axis).
TN = T.copy()
TN[0, 0, 1] = TN[1, 2, 3] = TN[0, 2, 0] = TN[1, 1, 1] = np.nan
MN = M.copy()
MN[0, 1] = MN[2, 4] = MN[1, 0] = np.nan
PN = POS.copy()
PN[0, 1, 2] = PN[1, 0, 0] = np.nan

# every axis spelling a 3-D reduction takes
AXES = [{}, {"axis": 0}, {"axis": -1}, {"axis": (0, 2)}, {"axis": 1, "keepdims": True}, {"axis": None, "keepdims": True},
        {"axis": (-1, 0), "keepdims": True}]

METHODS = ["linear", "lower", "higher", "nearest", "midpoint", "hazen", "weibull", "median_unbiased", "normal_unbiased",
           "interpolated_inverted_cdf"]


def reduction_cases(primal, x=T, axes=AXES, shapes=((), (4,), (2, 3)), **kw):
    return [*unary_cases(primal, shapes=shapes, **kw)] + [Case(primal, (x,), dict(k), **kw) for k in axes]


def wrt(q):
    """Check ``q``'s cotangent too, unless it holds 0 or 1 (the ends of its domain, where
    central differences step outside it)."""
    ends = np.any(np.isin(np.asarray(q, dtype=float) / (100.0 if np.max(q) > 1 else 1.0), [0.0, 1.0]))
    return (0,) if ends else (0, 1)


def quantile_cases(primal, qs, x=T):
    """A scalar, 1-D and 2-D ``q`` over every axis spelling, then every method."""
    cases = [Case(primal, (rng.uniform(-2, 2, s), qs[0]), wrt=wrt(qs[0])) for s in [(5,), (2, 3)]]
    cases += [Case(primal, (x, q), dict(k), wrt=wrt(q)) for q in qs for k in AXES]
    cases += [Case(primal, (x, qs[1]), {"axis": 1, "method": m}, wrt=(0,)) for m in METHODS]
    cases += [Case(primal, (M, qs[0]), {"axis": 0, "method": m, "keepdims": True}, wrt=(0, 1)) for m in METHODS]
    cases += [Case(primal, (x, qs[-1]), {"axis": -1, "method": m}, wrt=wrt(qs[-1])) for m in METHODS]
    return cases


Q = [0.3, np.array([0.0, 0.25, 0.62, 1.0]), np.array([[0.1, 0.45, 0.9], [0.05, 0.33, 0.71]])]
P = [30.0, np.array([0.0, 25.0, 62.0, 100.0]), np.array([[10.0, 45.0, 90.0], [5.0, 33.0, 71.0]])]
# the NaN variants lay out a 2-D q over several (not all) axes differently (refused, see below)
QN = [0.3, np.array([0.0, 0.25, 0.62, 1.0])]
PN_ = [30.0, np.array([0.0, 25.0, 62.0, 100.0])]

CASES = [
    # order statistics
    *reduction_cases(np.median, shapes=((), (4,), (5,), (2, 3))),
    *reduction_cases(np.nanmedian, shapes=((), (4,), (5,), (2, 3))),
    Case(np.quantile, (1.3, 0.3), wrt=(0,), id="quantile[scalar]"),
    Case(np.nanpercentile, (1.3, np.array([10.0, 60.0])), wrt=(0,), id="nanpercentile[scalar]"),
    *[Case(np.nanmedian, (TN,), dict(k)) for k in AXES],
    *quantile_cases(np.quantile, Q),
    *quantile_cases(np.percentile, P),
    *quantile_cases(np.nanquantile, QN),
    *quantile_cases(np.nanpercentile, PN_),
    *quantile_cases(np.nanquantile, QN, x=TN),
    *quantile_cases(np.nanpercentile, PN_, x=TN),
    Case(np.nanquantile, (TN, Q[2]), {"axis": 2}, wrt=(0,)),
    Case(np.nanquantile, (TN, Q[2]), {"axis": None}, wrt=(0,)),
    # NaN-skipping reductions
    *reduction_cases(np.nanmax),
    *reduction_cases(np.nanmin),
    *[Case(p, (TN,), dict(k)) for p in (np.nanmax, np.nanmin) for k in AXES],
    *reduction_cases(np.nanprod, x=POS, shapes=((4,), (2, 3))),
    *[Case(np.nanprod, (PN,), dict(k)) for k in AXES],
    Case(np.nanprod, (np.array([[1.5, 0.0, np.nan], [0.0, 0.0, 2.0], [0.7, np.nan, 0.0]]),), {"axis": 1}, id="nanprod[zeros]"),
    *reduction_cases(np.nanvar),
    *reduction_cases(np.nanstd),
    *[Case(p, (TN,), dict(k)) for p in (np.nanvar, np.nanstd) for k in AXES],
    Case(np.nanvar, (TN,), {"axis": (1, 2), "ddof": 1}),
    Case(np.nanstd, (TN,), {"axis": -2, "ddof": 1, "keepdims": True}),
    Case(np.nanvar, (MN,), {"ddof": 2, "dtype": np.float64}),
    # scans
    *reduction_cases(np.nancumsum, axes=[{}, {"axis": 0}, {"axis": -1}, {"axis": None}]),
    *[Case(np.nancumsum, (TN,), dict(k)) for k in [{}, {"axis": 1}, {"axis": -1, "dtype": np.float64}]],
    *reduction_cases(np.nancumprod, x=POS, axes=[{}, {"axis": 1}, {"axis": -1}]),
    *[Case(np.nancumprod, (PN,), dict(k)) for k in [{}, {"axis": 0}, {"axis": -1, "dtype": np.float64}]],
    Case(np.nancumprod, (np.array([[1.5, 0.0, np.nan, 0.9], [0.0, np.nan, -1.2, 0.8]]),), {"axis": 1}, id="nancumprod[zeros]"),
    Case(np.cumsum, (T,), {"axis": 1, "dtype": np.float64}),
    Case(np.ndarray.cumsum, (M,), {"axis": 0, "dtype": np.float64}),
    Case(np.ndarray.cumprod, (POS,), {"axis": -1, "dtype": np.float64}),
    Case(np.cumprod, (POS,), {"dtype": np.float64}),
    Case(np.cumprod, (np.array([[1.5, 0.0, 0.9], [0.0, -1.2, 0.8]]),), id="cumprod[zeros,None]"),
]

if hasattr(np, "cumulative_sum"):
    CASES += [
        *unary_cases(np.cumulative_sum, shapes=[(4,)]),
        *unary_cases(np.cumulative_prod, low=0.5, high=1.5, shapes=[(4,)]),
        *[Case(np.cumulative_sum, (T,), dict(k)) for k in [{"axis": 0}, {"axis": -1, "include_initial": True}, {"axis": 1, "dtype": np.float64}]],
        Case(np.cumulative_sum, (M[0],), {"include_initial": True}),
        *[Case(np.cumulative_prod, (POS,), dict(k)) for k in [{"axis": 0}, {"axis": -1, "include_initial": True}]],
        Case(np.cumulative_prod, (np.array([1.5, 0.0, -0.4, 0.0, 2.0]),), {"include_initial": True}, id="cumulative_prod[zeros]"),
        Case(np.cumulative_prod, (np.array([[1.5, 0.0, 0.9], [0.0, -1.2, 0.8]]),), {"axis": 1}, id="cumulative_prod[zeros,axis]"),
    ]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_cotangent_shapes(case):
    """Cotangents have exactly their argument's shape, and are finite (NaN entries included)."""
    check_cotangent_shapes(case)


def cot(primal, g, x, *args, **kwargs):
    out = lookup(primal).fn(g, primal(x, *args, **kwargs), x, *args, **kwargs)
    return out[0] if isinstance(out, tuple) else out


# -- ties and degenerate points ----------------------------------------------------------


def test_median_of_a_tied_pair_is_the_true_derivative():
    # median([a, a, b, c]) with a the two middle entries: (x_(1) + x_(2)) / 2 = (a + a') / 2.
    x = np.array([5.0, 1.0, 1.0, -3.0])
    assert cot(np.median, 1.0, x).tolist() == [0.0, 0.5, 0.5, 0.0]


def test_ties_split_the_weight_of_the_tied_order_statistic():
    # The middle of three equal entries: no derivative; the weight is split equally (like max).
    x = np.array([2.0, 2.0, 2.0])
    assert np.allclose(cot(np.median, 1.0, x), [1 / 3] * 3)
    x = np.array([0.0, 2.0, 2.0, 5.0, 2.0])
    assert np.allclose(cot(np.quantile, 1.0, x, 0.5), [0, 1 / 3, 1 / 3, 0, 1 / 3])
    # q = 0.6 on 6 tied ... the weights of positions 3 and 4 (0.0 and 1.0 at v = 3.0) all go to the tie
    x = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    assert np.allclose(cot(np.quantile, 1.0, x, 0.6), [1 / 6] * 6)


def test_no_nan_where_a_slice_is_all_nan():
    x = np.array([[np.nan, np.nan, np.nan], [1.0, np.nan, 3.0]])
    for primal, extra in [(np.nanmedian, ()), (np.nanquantile, (0.3,)), (np.nanpercentile, ([20.0, 70.0],)),
                          (np.nanmax, ()), (np.nanmin, ()), (np.nanstd, ()), (np.nanvar, ())]:
        with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
            ans = primal(x, *extra, axis=1)
        c = lookup(primal).fn(np.ones(np.shape(ans)), ans, x, *extra, axis=1)
        c = c[0] if isinstance(c, tuple) else c
        assert np.all(np.isfinite(c)), primal
        assert np.all(c[0] == 0) and np.all(c[1, 1] == 0), primal
    assert cot(np.nanprod, np.ones(2), x, axis=1).tolist() == [[0.0, 0.0, 0.0], [3.0, 0.0, 1.0]]


def test_nan_entries_get_zero_cotangent():
    for primal, extra in [(np.nanmedian, ()), (np.nanquantile, (0.3,)), (np.nanmax, ()), (np.nanmin, ()),
                          (np.nanprod, ()), (np.nanvar, ()), (np.nanstd, ()), (np.nancumsum, ()), (np.nancumprod, ())]:
        c = cot(primal, 1.0 if np.ndim(primal(TN, *extra)) == 0 else np.ones(np.shape(primal(TN, *extra))), TN, *extra)
        assert np.all(c[np.isnan(TN)] == 0) and np.all(np.isfinite(c)), primal


def test_nanstd_of_constant_slice_is_zero_not_nan():
    x = np.array([[1.0, 1.0, np.nan], [1.0, 2.0, 4.0]])
    c = cot(np.nanstd, np.ones(2), x, axis=1)
    assert np.all(np.isfinite(c)) and c[0].tolist() == [0.0, 0.0, 0.0]


def test_nanextremum_ties_split():
    x = np.array([3.0, np.nan, 3.0, 1.0])
    assert cot(np.nanmax, 1.0, x).tolist() == [0.5, 0.0, 0.5, 0.0]


# -- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("primal", [np.quantile, np.nanquantile, np.percentile, np.nanpercentile])
def test_unsupported_methods_and_weights_are_refused(primal):
    refuse = lookup(primal).refuse
    assert refuse() is None and refuse(method="nearest") is None and refuse(method="hazen") is None
    for method in ("inverted_cdf", "averaged_inverted_cdf", "closest_observation"):
        assert method in refuse(method=method)
    assert "weights" in refuse(weights=np.ones(3))
    x = np.array([1.0, 2.0, 3.0])
    q = 50.0 if "percentile" in primal.__name__ else 0.5
    with pytest.raises(GradientError, match="AD411"):
        lookup(primal).fn(1.0, primal(x, q, method="inverted_cdf"), x, q, method="inverted_cdf")


def test_nan_quantile_with_2d_q_over_some_axes_is_refused_when_it_runs():
    q = Q[2]
    ans = np.nanquantile(TN, q, axis=(0, 2))
    with pytest.raises(GradientError, match="AD411"):
        lookup(np.nanquantile).fn(np.ones(ans.shape), ans, TN, q, axis=(0, 2))


def test_average_returned_is_refused():
    refuse = lookup(np.average).refuse
    assert refuse() is None and refuse(returned=False) is None
    assert "returned" in refuse(returned=True)


# -- the derivative in q ------------------------------------------------------------------------


def dq(primal, x, q, **kw):
    ans = primal(x, q, **kw)
    return lookup(primal).fn(np.ones(np.shape(ans)) if np.ndim(ans) else 1.0, ans, x, q, **kw)[1]


def test_q_at_a_corner_averages_the_one_sided_slopes():
    x = np.array([3.0, 0.0, 1.0])  # sorted 0, 1, 3; v = 2q: slope 2 below q = 0.5, 4 above
    assert dq(np.quantile, x, 0.5) == pytest.approx(3.0)
    assert dq(np.quantile, x, 0.25) == pytest.approx(2.0)
    assert dq(np.percentile, x, 75.0) == pytest.approx(0.04)


def test_q_at_the_ends_of_its_domain_takes_the_slope_inside():
    x = np.array([3.0, 0.0, 1.0])
    assert dq(np.quantile, x, 0.0) == pytest.approx(2.0)
    assert dq(np.quantile, x, 1.0) == pytest.approx(4.0)
    assert dq(np.quantile, x, np.array([0.0, 1.0])).tolist() == pytest.approx([2.0, 4.0])
    h = 1e-6
    assert dq(np.quantile, x, 0.0) == pytest.approx((np.quantile(x, h) - np.quantile(x, 0.0)) / h)


def test_q_where_the_virtual_index_is_clipped_has_slope_zero():
    x = np.array([3.0, 0.0, 1.0])  # weibull: v = 4q - 1 < 0 below q = 1/4
    assert dq(np.quantile, x, 0.1, method="weibull") == 0.0
    assert dq(np.quantile, x, 0.9, method="weibull") == 0.0
    assert dq(np.quantile, x, 0.25, method="weibull") == pytest.approx(0.5 * 4 * 1.0)


@pytest.mark.parametrize("method", ["lower", "higher", "nearest", "midpoint"])
def test_q_of_piecewise_constant_methods_is_zero(method):
    assert dq(np.quantile, np.array([3.0, 0.0, 1.0, 2.0]), np.array([0.2, 0.7]), method=method).tolist() == [0.0, 0.0]


def test_q_skips_nans():
    x = np.array([3.0, np.nan, 0.0, 1.0])
    assert dq(np.nanquantile, x, 0.25) == pytest.approx(2.0)
    with pytest.warns(RuntimeWarning, match="All-NaN"):
        assert dq(np.nanpercentile, np.array([np.nan, np.nan]), 30.0) == 0.0


# -- end to end: the functions as users write them, through adgen.grad ---------------------------

X = rng.uniform(-2, 2, (5, 4))
XN = X.copy()
XN[0, 1] = XN[3, 3] = XN[2, 0] = np.nan
XP = rng.uniform(0.5, 1.5, (4, 3))
XP0 = XP.copy()
XP0[1, 2] = XP0[3, 0] = 0.0


def robust_scale(x):
    centred = x - np.median(x, axis=0)
    mad = np.median(np.abs(centred), axis=0, keepdims=True)
    return np.sum(np.tanh(centred / (mad + 1.0)))


def interquartile(x):
    q75, q25 = np.percentile(x, [75, 25], axis=1)
    return np.sum((q75 - q25) ** 2) + np.quantile(x, 0.9, method="nearest") * np.quantile(x, 0.4, axis=(0, 1))


def quantile_methods(x):
    total = 0.0
    for m in ["linear", "lower", "higher", "midpoint", "hazen", "median_unbiased"]:
        total = total + np.sum(np.quantile(x, [0.15, 0.8], axis=-1, method=m, keepdims=True) ** 2)
    return total


def quantile_in_q(x, q):
    return np.quantile(x, q, method="weibull") + np.percentile(x, 100 * q, axis=0)[1] + np.nanquantile(x, q)


def nan_summary(x):
    spread = np.nanmax(x, axis=0) - np.nanmin(x, axis=0) + np.nanstd(x, axis=1, ddof=1).sum()
    middle = np.nanmedian(x, axis=1) + np.nanpercentile(x, 30.0, axis=0).mean() + np.nanvar(x)
    return np.sum(spread**2) + np.sum(np.sin(middle)) + np.nanmean(x) * np.nansum(x)


def nan_scans(x):
    return np.sum(np.nancumsum(x, axis=1) ** 2) + np.sum(np.nancumprod(x * 0.5, axis=0)) + np.nanprod(x * 0.3 + 1.0)


def scans(x):
    a = np.cumsum(x, dtype=np.float64) + x.cumprod(axis=0).ravel() + x.cumsum(1).ravel()
    return np.sum(np.sin(a)) + np.sum(np.cumprod(x, axis=1))


def cumulative_scans(x):
    b = np.cumulative_sum(x, axis=1, include_initial=True) * np.cumulative_prod(x, axis=0, include_initial=True)[1:, :1]
    return np.sum(b**2) + np.sum(np.cumulative_prod(x.ravel()))


def averages(x, w):
    return np.average(x, axis=0, weights=w) @ np.arange(4.0) + np.ptp(x, axis=1).sum() + np.average(x**2)


@pytest.mark.parametrize(
    "fn,x",
    [(robust_scale, X), (interquartile, X), (quantile_methods, X), (nan_summary, XN), (nan_scans, XN), (scans, XP),
     (scans, XP0), (nan_scans, XP0)],
    ids=["robust_scale", "interquartile", "quantile_methods", "nan_summary", "nan_scans", "scans", "scans[zeros]",
         "nan_scans[zeros]"],
)
def test_through_the_transpiler(fn, x):
    gx = grad(fn)(x)
    assert np.all(np.isfinite(gx))
    if np.any(np.isnan(x)):
        assert np.all(gx[np.isnan(x)] == 0)
    check_grad(fn, [x], 0, gx)


@pytest.mark.skipif(not hasattr(np, "cumulative_sum"), reason="NumPy 2.1+")
@pytest.mark.parametrize("x", [XP, XP0], ids=["positive", "zeros"])
def test_cumulative_through_the_transpiler(x):
    gx = grad(cumulative_scans)(x)
    assert np.all(np.isfinite(gx))
    check_grad(cumulative_scans, [x], 0, gx)


def test_quantile_and_weights_differentiated():
    gx, gq = grad(quantile_in_q, wrt=(0, 1))(X, 0.37)
    check_grad(quantile_in_q, [X, 0.37], 0, gx)
    check_grad(quantile_in_q, [X, 0.37], 1, gq)
    w = rng.uniform(0.5, 1.5, 5)
    gx, gw = grad(averages, wrt=(0, 1))(X, w)
    check_grad(averages, [X, w], 0, gx)
    check_grad(averages, [X, w], 1, gw)


def median_of_ties(x):
    return np.median(np.round(x)) + np.max(np.median(x * 0.0 + 1.0, axis=0))


def test_ties_give_finite_gradients():
    gx = grad(median_of_ties)(X)
    assert np.all(np.isfinite(gx))


def bad_method(x):
    return np.quantile(x, 0.3, method="inverted_cdf")


def bad_weights(x):
    return np.percentile(x, 30, method="inverted_cdf", weights=np.ones(5))


def bad_returned(x, w):
    avg, total = np.average(x, weights=w, returned=True)
    return avg


def overwrite(x):
    return np.median(x, overwrite_input=True)


def nan_layout(x, q):
    return np.sum(np.nanquantile(x, q, axis=(0, 2)))


@pytest.mark.parametrize("fn,code", [(bad_method, "AD210"), (bad_weights, "AD210"), (bad_returned, "AD210"), (overwrite, "AD305")])
def test_refused_calls_are_diagnosed(fn, code):
    with pytest.raises(TranspileError, match=code):
        grad(fn)(X, np.ones(5)) if fn is bad_returned else grad(fn)(X)


def test_nan_quantile_layout_is_refused_when_it_runs():
    with pytest.raises(GradientError, match="AD411"):
        grad(nan_layout)(T, Q[2])


def of_a_list(a, b, c):
    return np.median([a, b * 2.0, c]) + np.nanmax([a, c]) + np.quantile([a, b], 0.3) + np.nanstd([a, b, c])


def test_lists_of_numbers():
    args = [0.3, 0.7, 1.9]
    grads = grad(of_a_list, wrt=(0, 1, 2))(*args)
    for i in range(3):
        check_grad(of_a_list, args, i, grads[i])


def test_nanstd_with_too_few_entries_for_ddof_is_finite():
    x = np.array([[np.nan, np.nan, np.nan], [1.0, np.nan, 3.0], [np.nan, 2.0, np.nan]])
    for primal in (np.nanstd, np.nanvar):
        with pytest.warns(RuntimeWarning):
            ans = primal(x, axis=1, ddof=1)
        c = lookup(primal).fn(np.ones(3), ans, x, axis=1, ddof=1)
        assert np.all(np.isfinite(c)) and np.all(c[[0, 2]] == 0) and c[1, 1] == 0


def nan_argmax_pick(x):
    return x[np.nanargmax(x, axis=0), np.arange(4)].sum() - x.ravel()[np.nanargmin(x)]


def test_nanargmax_and_nanargmin_are_indices():
    assert is_nondiff(np.nanargmax) and is_nondiff(np.nanargmin)
    gx = grad(nan_argmax_pick)(XN)
    check_grad(nan_argmax_pick, [XN], 0, gx)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("axis", [None, 0, (1, 2)])
def test_sorted_and_partitioned_paths_agree_on_ties(method, axis):
    """Few q (partitioned) against many q or the NaN variant (sorted), on data with many ties."""
    x = np.round(rng.uniform(-2, 2, (3, 4, 5)))
    q4 = np.array([0.1, 0.37, 0.5, 0.93])
    q8 = np.concatenate([q4, [0.2, 0.4, 0.6, 0.8]])
    few = lookup(np.quantile).fn(np.ones(np.shape(np.quantile(x, q4, axis=axis))), None, x, q4, axis=axis, method=method)
    same = lookup(np.nanquantile).fn(np.ones(np.shape(np.quantile(x, q4, axis=axis))), None, x, q4, axis=axis, method=method)
    assert np.allclose(few[0], same[0]) and np.allclose(few[1], same[1])
    many = lookup(np.quantile).fn(np.ones(np.shape(np.quantile(x, q8, axis=axis))), None, x, q8, axis=axis, method=method)
    rest = lookup(np.quantile).fn(np.ones(np.shape(np.quantile(x, q8[4:], axis=axis))), None, x, q8[4:], axis=axis, method=method)
    assert np.allclose(many[0], few[0] + rest[0]) and np.allclose(many[1], np.concatenate([few[1], rest[1]]))
