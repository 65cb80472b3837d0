"""Forward-mode rules of NumPy's order statistics (median, quantile, percentile and
their NaN-skipping forms), covariance and correlation, ``np.pad`` and the polynomial
routines that are not linear (roots, poly, polydiv, polyfit), each following its
reverse rule's conventions (``statistics``, ``padding``, ``polynomials``).

A few rarely differentiated parameters whose forward derivative would repeat a long
reverse rule (polyfit's, polydiv's, poly's, the weights of ``np.average`` and
``np.cov``, ``np.interp`` with a ``period``) take theirs from that reverse rule,
transposed one entry of the result at a time (``through_reverse``): exact, at the
cost of one reverse-rule call per entry of the result."""

import numpy as np

import adgen.runtime as _rt
from adgen.runtime import errors
from adgen.runtime.registry import nondiff, vjp
from adgen.runtime.rules import padding, polynomials, statistics
from adgen.runtime.tangent_registry import jvp, linear, sequence_valued

linear(np.polyfit, args=(1,))  # the least-squares fit is linear in y, x held


def through_reverse(rule, k, t, ans, *args):
    """``J t`` for parameter ``k`` from the reverse ``rule`` (``J^T g``): entry i of the
    result is ``<rule(e_i)[k], t>``. A tuple result gives a tuple of tangents."""
    outs = tuple(ans) if isinstance(ans, (tuple, list)) else (ans,)
    found = []
    for j, out in enumerate(outs):
        entries = np.zeros(np.size(out))
        for i in range(np.size(out)):
            seeds = [np.zeros(np.shape(o)) for o in outs]
            seeds[j] = np.reshape(np.eye(1, np.size(out), i)[0], np.shape(out))
            cot = rule(tuple(seeds) if isinstance(ans, (tuple, list)) else seeds[0], ans, *args)
            cot = cot if isinstance(cot, tuple) else (cot,)
            entries[i] = 0.0 if cot[k] is None else np.sum(np.asarray(cot[k]) * t)
        found.append(np.reshape(entries, np.shape(out)))
    return tuple(found) if isinstance(ans, (tuple, list)) else found[0]


@vjp(through_reverse)
def through_reverse_back(g, ans, rule, k, t, *args):
    """Reverse mode over a tangent module (hvp) reaches this where such a tangent is
    computed: the second derivatives of these rare parameters are not implemented. (Every
    slot from ``t`` on may carry a cotangent, so generated code calls this rule, and it
    refuses, whenever one is asked for.)"""
    return None, None, *_no_second_derivative()


def _no_second_derivative():
    raise errors.AD411_RULE_REFUSES.error(reason="second derivatives through this forward rule (a transposed reverse rule) are not implemented")


linear(through_reverse, args=(2,))  # J t is linear in t


# the weights np.pad's statistics give the entries they pick: piecewise constant
nondiff(padding._stat_weights)


# -- quantiles ----------------------------------------------------------------------------------------


def _slices(a, axis):
    """``a`` with the kept axes first and the reduced ones flattened last: B + (n,)."""
    x = _rt.as_array(a, float)
    ndim = np.ndim(a)
    axes = tuple(range(ndim))
    if axis is not None:
        axes = tuple(int(k) % ndim for k in np.atleast_1d(axis))
    kept = tuple(k for k in range(ndim) if k not in axes)
    moved = np.transpose(x, kept + axes)
    return moved.reshape(moved.shape[: len(kept)] + (-1,)), kept + axes


def _quantile_a(t, ans, a, q, axis, method, skip_nan):
    """Each quantile is (1 - gamma) s[lo] + gamma s[hi] of the sorted entries s; the
    tangent of an order statistic is the mean of the tangents of the entries equal to it
    (ties share, as the reverse rule splits the cotangent); NaN entries carry none."""
    statistics._refuse_at_run_time(method)
    flat, order = _slices(a, axis)
    tf = np.transpose(np.broadcast_to(t, np.shape(a)), order).reshape(flat.shape)
    n = np.sum(~np.isnan(flat), axis=-1) if skip_nan else np.full(flat.shape[:-1], flat.shape[-1], like=_rt.like(flat))
    lo, hi, gamma = statistics._positions(q, n, method)  # Q + B
    s = np.sort(flat, axis=-1)  # NaNs last
    lead = (1,) * (lo.ndim - (flat.ndim - 1))
    found = 0.0
    for pick, weight in ((lo, 1 - gamma), (hi, gamma)):
        value = np.take_along_axis(s.reshape(lead + s.shape), pick[..., None], axis=-1)
        hit = flat == value  # Q + B + (n,)
        found = found + weight * _rt.over(np.sum(np.where(hit, tf, 0.0), axis=-1), np.sum(hit, axis=-1))
    return np.reshape(found, np.shape(ans))


def _quantile_q(t, ans, a, q, axis, method, skip_nan):
    """The slope of the interpolated order statistics at q (``statistics._q_slope``)."""
    statistics._refuse_at_run_time(method)
    flat, _ = _slices(a, axis)
    n = np.sum(~np.isnan(flat), axis=-1) if skip_nan else np.full(flat.shape[:-1], flat.shape[-1], like=_rt.like(flat))
    s = np.sort(flat, axis=-1)
    slope = statistics._q_slope(s.reshape((1,) * np.ndim(q) + s.shape), q, n, method)  # Q + B
    return np.reshape(np.reshape(t, np.shape(t) + (1,) * (slope.ndim - np.ndim(t))) * slope, np.shape(ans))


@jvp(np.quantile)
def quantile_tangent(t, ans, a, q, axis=None, *, overwrite_input=False, method="linear", keepdims=False, weights=None):
    return _quantile_a(t, ans, a, q, axis, method, False)


@jvp(np.quantile, arg=1)
def quantile_q_tangent(t, ans, a, q, axis=None, *, overwrite_input=False, method="linear", keepdims=False, weights=None):
    return _quantile_q(t, ans, a, q, axis, method, False)


@jvp(np.nanquantile)
def nanquantile_tangent(t, ans, a, q, axis=None, *, overwrite_input=False, method="linear", keepdims=False, weights=None):
    return _quantile_a(t, ans, a, q, axis, method, True)


@jvp(np.nanquantile, arg=1)
def nanquantile_q_tangent(t, ans, a, q, axis=None, *, overwrite_input=False, method="linear", keepdims=False, weights=None):
    return _quantile_q(t, ans, a, q, axis, method, True)


@jvp(np.percentile)
def percentile_tangent(t, ans, a, q, axis=None, *, overwrite_input=False, method="linear", keepdims=False, weights=None):
    return _quantile_a(t, ans, a, np.true_divide(q, 100), axis, method, False)


@jvp(np.percentile, arg=1)
def percentile_q_tangent(t, ans, a, q, axis=None, *, overwrite_input=False, method="linear", keepdims=False, weights=None):
    return _quantile_q(np.true_divide(t, 100), ans, a, np.true_divide(q, 100), axis, method, False)


@jvp(np.nanpercentile)
def nanpercentile_tangent(t, ans, a, q, axis=None, *, overwrite_input=False, method="linear", keepdims=False, weights=None):
    return _quantile_a(t, ans, a, np.true_divide(q, 100), axis, method, True)


@jvp(np.nanpercentile, arg=1)
def nanpercentile_q_tangent(t, ans, a, q, axis=None, *, overwrite_input=False, method="linear", keepdims=False, weights=None):
    return _quantile_q(np.true_divide(t, 100), ans, a, np.true_divide(q, 100), axis, method, True)


@jvp(np.median)
def median_tangent(t, ans, a, axis=None, *, overwrite_input=False, keepdims=False):
    """The middle entry, or the mean of the two middle ones (ties share)."""
    return _quantile_a(t, ans, a, 0.5, axis, "linear", False)


@jvp(np.nanmedian)
def nanmedian_tangent(t, ans, a, axis=None, *, overwrite_input=False, keepdims=False):
    return _quantile_a(t, ans, a, 0.5, axis, "linear", True)


# -- covariance and correlation ------------------------------------------------------------------------


def _cov_tangent(tm, ty, m, y, rowvar, bias, ddof, fweights, aweights):
    """dC = (dX W Xc^T + Xc W dX^T) / fact: the weighted mean's own change drops out, since
    sum_k w_k Xc[:, k] = 0 (see ``statistics``)."""
    x, _ = statistics._stacked(m, y, rowvar)
    dx, _ = statistics._stacked(tm, ty, rowvar)
    n = x.shape[1]
    if ddof is None:
        ddof = 1 if bias == 0 else 0
    w = (np.ones(n) if fweights is None else np.asarray(fweights, float)) * (np.ones(n) if aweights is None else np.asarray(aweights, float))
    total = np.sum(w)
    xc = x - (x @ w / total)[:, None]
    if fweights is None and aweights is None:
        fact = n - ddof
    elif ddof == 0 or aweights is None:
        fact = total - ddof
    else:
        fact = total - ddof * np.sum(w * np.asarray(aweights, float)) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        half = dx @ (xc * w).T / (fact if fact > 0 else 0.0)
    return half + half.T


def _zeros_or_none(v):
    return None if v is None else np.zeros(np.shape(v))


@jvp(np.cov)
def cov_tangent(t, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *, dtype=None):
    return np.reshape(_cov_tangent(t, _zeros_or_none(y), m, y, rowvar, bias, ddof, fweights, aweights), np.shape(ans))


@jvp(np.cov, arg=1)
def cov_y_tangent(t, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *, dtype=None):
    return np.reshape(_cov_tangent(np.zeros(np.shape(m)), t, m, y, rowvar, bias, ddof, fweights, aweights), np.shape(ans))


@jvp(np.cov, arg=5)
def cov_fweights_tangent(t, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *, dtype=None):
    return through_reverse(_rt.vjps.cov, 5, t, ans, m, y, rowvar, bias, ddof, fweights, aweights)


@jvp(np.cov, arg=6)
def cov_aweights_tangent(t, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *, dtype=None):
    return through_reverse(_rt.vjps.cov, 6, t, ans, m, y, rowvar, bias, ddof, fweights, aweights)


def _corrcoef_tangent(tx, ty, x, y, rowvar, ans):
    """R = C / (d d^T), d = sqrt(diag C): dR = dC / (d d^T) - R (u_i + u_j), u = diag(dC) / (2 diag C).
    One variable (R = 1) has none."""
    if np.ndim(ans) == 0:
        return np.zeros(())
    c = np.cov(x, y, rowvar)
    dc = _cov_tangent(tx, ty, x, y, rowvar, False, None, None, None)
    d = np.sqrt(np.diag(c))
    u = np.diag(dc) / (2.0 * np.diag(c))
    return dc / np.outer(d, d) - ans * (u[:, None] + u[None, :])


@jvp(np.corrcoef)
def corrcoef_tangent(t, ans, x, y=None, rowvar=True, *, dtype=None):
    return _corrcoef_tangent(t, _zeros_or_none(y), x, y, rowvar, ans)


@jvp(np.corrcoef, arg=1)
def corrcoef_y_tangent(t, ans, x, y=None, rowvar=True, *, dtype=None):
    return _corrcoef_tangent(np.zeros(np.shape(x)), t, x, y, rowvar, ans)


@jvp(np.average, arg=2)
def average_weights_tangent(t, ans, a, axis=None, weights=None, returned=False, *, keepdims=False):
    return through_reverse(_average_back, 2, t, ans, a, axis, weights, returned, keepdims)


def _average_back(g, ans, a, axis, weights, returned, keepdims):
    return _rt.vjps.average(g, ans, a, axis, weights, returned, keepdims=keepdims)


sequence_valued(np.gradient)  # a tuple of arrays for a matrix: its tangent in f and in the spacing add entry by entry


@jvp(np.gradient, arg=1)
def gradient_spacing_tangent(t, ans, f, *varargs, axis=None, edge_order=1):
    """One number for the spacing (of every axis): the result is proportional to 1 / h."""
    if len(varargs) != 1 or np.ndim(varargs[0]) != 0:
        return _refused("the tangent of np.gradient in its spacings is implemented for one number only (not coordinates, nor one per axis)")
    return tuple(-ak * t / varargs[0] for ak in ans) if isinstance(ans, (tuple, list)) else -ans * t / varargs[0]


def _refused(why):
    raise NotImplementedError(f"forward mode: {why}")


# -- np.pad ------------------------------------------------------------------------------------------


@jvp(np.pad)
def pad_tangent(t, ans, array, pad_width, mode="constant", stat_length=None, constant_values=0, end_values=0, reflect_type="even"):
    """Linear in ``array`` in every mode but maximum, minimum and median (and the fill
    values held at 0); those pad each axis in turn with the tangent at the entries the
    statistic picks (ties share, as the reverse rule)."""
    if callable(mode):  # (refused before: AD210, or AD411 from the reverse rule)
        return _refused("the tangent of np.pad with a function as `mode` is not implemented")
    if mode in ("constant", "empty"):  # the fill values held (at 0); empty's fill is whatever memory held
        return np.pad(t, pad_width, "constant")
    if mode == "linear_ramp":
        return np.pad(t, pad_width, mode, end_values=0.0)
    if mode in ("reflect", "symmetric"):
        return np.pad(t, pad_width, mode, reflect_type=reflect_type)
    if mode == "mean":
        return np.pad(t, pad_width, mode, stat_length=stat_length)
    if mode not in ("maximum", "minimum", "median"):  # edge, wrap
        return np.pad(t, pad_width, mode)
    shape = np.shape(array)
    widths = padding._pairs(pad_width, len(shape), as_index=True)
    lengths = [(None, None)] * len(shape) if stat_length is None else padding._pairs(stat_length, len(shape), as_index=True)
    x, found = np.asarray(array), np.broadcast_to(t, shape)
    for axis in range(len(shape)):
        found = _pad_stat_axis(x, found, axis, shape[axis], widths[axis], mode, lengths[axis])
        one = [(0, 0)] * len(shape)
        one[axis] = tuple(widths[axis])
        x = np.pad(x, one, mode, stat_length=stat_length)
    return found


def _pad_stat_axis(x, t, axis, n, width, mode, lengths):
    """The tangent of one axis's pass: each side's fill is the statistic of a chunk."""
    before, after = (int(w) for w in width)
    xm, tm = np.moveaxis(x, axis, 0), np.moveaxis(t, axis, 0)
    sides = []
    for count, chunk in ((before, slice(0, padding._length(lengths[0], n))), (after, slice(n - padding._length(lengths[1], n), n))):
        fill = np.sum(padding._stat_weights(mode, xm[chunk]) * tm[chunk], axis=0) if chunk.start != chunk.stop else np.zeros(tm.shape[1:])
        sides.append(np.broadcast_to(fill, (count,) + tm.shape[1:]))
    return np.moveaxis(np.concatenate([sides[0], tm, sides[1]]), 0, axis)


@jvp(np.pad, arg=4)
def pad_constant_tangent(t, ans, array, pad_width, mode="constant", stat_length=None, constant_values=0, end_values=0, reflect_type="even"):
    return np.pad(np.zeros(np.shape(array)), pad_width, "constant", constant_values=t) if mode == "constant" else np.zeros(np.shape(ans))


@jvp(np.pad, arg=5)
def pad_end_tangent(t, ans, array, pad_width, mode="constant", stat_length=None, constant_values=0, end_values=0, reflect_type="even"):
    return np.pad(np.zeros(np.shape(array)), pad_width, "linear_ramp", end_values=t) if mode == "linear_ramp" else np.zeros(np.shape(ans))


# -- polynomials -------------------------------------------------------------------------------------


@jvp(np.roots)
def roots_tangent(t, ans, p):
    """A simple root z moves by -sum_i dp_i z^(n-i) / p'(z); leading zeros of ``p`` (dropped
    by NumPy) carry none. Sensitive roots (repeated, as the reverse rule judges) are refused."""
    p = np.atleast_1d(p)
    nonzero = np.flatnonzero(p)
    if len(nonzero) == 0 or np.size(ans) == 0:
        return np.zeros(np.shape(ans), complex)
    q, tq = p[nonzero[0]:], np.atleast_1d(t)[nonzero[0]:]
    z = np.asarray(ans)
    powers = z[:, None] ** np.arange(len(q) - 1, -1, -1)[None, :]
    slope = np.polyval(np.polyder(q), z)
    with np.errstate(divide="ignore", invalid="ignore"):
        cond = np.sum(np.abs(q)[None, :] * np.abs(powers), axis=1) / np.abs(slope)
    if not np.all(np.finfo(float).eps * cond <= 1e-10):
        raise NotImplementedError("forward mode: the tangent of np.roots at a repeated (or nearly repeated) root is not implemented")
    return -(powers @ tq) / slope


@jvp(np.poly)
def poly_tangent(t, ans, seq_of_zeros):
    return through_reverse(polynomials.poly, 0, t, ans, seq_of_zeros)


@jvp(np.polydiv)
def polydiv_u_tangent(t, ans, u, v):
    return through_reverse(polynomials.polydiv, 0, t, ans, u, v)


@jvp(np.polydiv, arg=1)
def polydiv_v_tangent(t, ans, u, v):
    return through_reverse(polynomials.polydiv, 1, t, ans, u, v)


@jvp(np.polyfit)
def polyfit_x_tangent(t, ans, x, y, deg, rcond=None, full=False, w=None, cov=False):
    return through_reverse(polynomials.polyfit, 0, t, ans, x, y, deg, rcond, full, w, cov)


@jvp(np.polyfit, arg=5)
def polyfit_w_tangent(t, ans, x, y, deg, rcond=None, full=False, w=None, cov=False):
    return through_reverse(polynomials.polyfit, 5, t, ans, x, y, deg, rcond, full, w, cov)
