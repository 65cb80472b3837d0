"""Rules for order statistics (median, percentile, quantile), the NaN-skipping
reductions (nanmax, nanprod, nanstd, ...) and scans (nancumsum, cumulative_sum, ...).

A quantile is a weighted pick of one or two order statistics of the entries
along the reduced axes: ``(1 - gamma) * s[lo] + gamma * s[hi]`` for the sorted
entries ``s``, with ``lo``, ``hi`` and ``gamma`` fixed by ``q``, the count and
the ``method`` exactly as NumPy computes them. Its cotangent sends each
weight to the entry picked. Where entries tie, the pick could be any of them:
each order statistic's weight is split equally among the entries equal to it,
which is the true derivative where one exists (a tie whose positions all carry
the same weight, as for the median of ``[a, a]``) and the average of the
one-sided derivatives where none does (like ``max``'s ties).

NaN entries are skipped by the ``nan*`` functions and get a zero cotangent.
"""

import numpy as np

import adgen.runtime as _rt
from adgen.runtime import errors
from adgen.runtime.registry import nondiff, vjp
from adgen.runtime.rules.reductions import _axes, _expand, _keep, _prod_others, _safe_div

# -- quantiles -------------------------------------------------------------------------

# (alpha, beta) of the continuous Hyndman & Fan methods NumPy names (``linear`` is 1, 1).
_CONTINUOUS = {
    "linear": None,
    "weibull": (0.0, 0.0),
    "hazen": (0.5, 0.5),
    "median_unbiased": (1 / 3.0, 1 / 3.0),
    "normal_unbiased": (3 / 8.0, 3 / 8.0),
    "interpolated_inverted_cdf": (0.0, 1.0),
}
_PICKS = ("lower", "higher", "nearest", "midpoint")
METHODS = tuple(_CONTINUOUS) + _PICKS


def refuse(method="linear", weights=None, **_):
    """Why a quantile call with these (statically known) arguments has no rule here, or None."""
    return refusal(method, weights)


def refusal(method="linear", weights=None):
    if method not in METHODS:
        return f"method={method!r} has no derivative rule here; use one of {', '.join(METHODS)}"
    if weights is not None:
        return "quantiles with `weights` (method='inverted_cdf') have no derivative rule; drop the weights"
    return None


def _refuse_at_run_time(method, weights=None):
    why = refusal(method, weights)
    if why is not None:
        raise errors.AD411_RULE_REFUSES.error(reason=why)


def _positions(q, n, method):
    """``(lo, hi, gamma)`` of the quantiles ``q`` (shape Q) of slices of ``n`` entries
    (an int or an array of shape B): arrays of shape Q + B, as NumPy's ``_quantile`` computes them."""
    q = _rt.as_array(q, np.float64, ref=n)
    n = _rt.as_array(n)
    q = q.reshape(q.shape + (1,) * n.ndim)
    top = np.maximum(n - 1, 0)
    if method in ("lower", "higher", "nearest"):
        pick = {"lower": np.floor, "higher": np.ceil, "nearest": np.around}[method]
        lo = np.clip(pick((n - 1) * q), 0, top).astype(np.intp)
        return lo, lo, np.zeros(lo.shape, like=_rt.like(lo))
    if method == "midpoint":
        v = (n - 1) * q
        lo, hi = np.floor(v), np.ceil(v)
        gamma = np.where(0.5 * (lo + hi) % 1 == 0, 0.0, 0.5)
        return np.clip(lo, 0, top).astype(np.intp), np.clip(hi, 0, top).astype(np.intp), gamma
    if method == "linear":
        v = (n - 1) * q
    else:
        alpha, beta = _CONTINUOUS[method]
        v = n * q + (alpha + q * (1 - alpha - beta)) - 1
    lo = np.floor(v)
    gamma = v - lo
    hi = lo + 1
    above, below = v >= n - 1, v < 0
    lo = np.where(above, top, np.where(below, 0, lo))
    hi = np.where(above, top, np.where(below, 0, hi))
    return lo.astype(np.intp), hi.astype(np.intp), np.broadcast_to(gamma, lo.shape)




def _quantile_cot(g, a, q, axis, method, keepdims, skip_nan):
    """The cotangent of ``np.quantile(a, q, axis, method=method, keepdims=keepdims)``
    (of ``np.nanquantile`` when ``skip_nan``): see the module's docstring."""
    x = _rt.as_array(a, ref=q)
    x = x.astype(np.result_type(x, np.float64), copy=False)
    axes = _axes(x, axis)
    if skip_nan and np.ndim(q) >= 2 and 1 < len(axes) < x.ndim:
        raise errors.AD411_NAN_QUANTILE_LAYOUT.error()
    kept = tuple(k for k in range(x.ndim) if k not in axes)
    moved = np.transpose(x, kept + axes)
    batch = moved.shape[: len(kept)]
    flat = moved.reshape(batch + (-1,))  # B + (n,)
    n = np.sum(~np.isnan(flat), axis=-1) if skip_nan else np.full(batch, flat.shape[-1], like=_rt.like(flat))
    qdims = np.ndim(q)
    lo, hi, gamma = _positions(q, n, method)  # Q + B
    out = tuple(1 if k in axes else size for k, size in enumerate(x.shape)) if keepdims else batch
    g = np.reshape(np.broadcast_to(_rt.as_array(g, ref=x), np.shape(q) + out), lo.shape)
    if skip_nan or np.size(q) > 4:
        s, cot = _cot_sorted(flat, batch, lo, hi, gamma, g)
    else:
        s, cot = _cot_partitioned(flat, lo, hi, gamma, g)
    cot = np.where(np.isnan(flat), 0.0, cot)  # NaN entries: skipped, or the result is NaN
    cot_a = np.moveaxis(cot.reshape(moved.shape), tuple(range(len(kept), x.ndim)), axes)
    slope = _q_slope(s.reshape((1,) * qdims + s.shape), q, n, method)  # Q + B
    cot_q = np.sum(g * slope, axis=tuple(range(qdims, slope.ndim)))
    return cot_a, (float(cot_q) if qdims == 0 else cot_q)


def _cot_sorted(flat, batch, lo, hi, gamma, g):
    """The sorted slices, and the cotangent of ``flat`` (B + (n,)) from the weights of the
    order statistics: summed per sorted position over ``q``, then shared within tie groups."""
    order = np.argsort(flat, axis=-1)  # NaNs last
    s = np.take_along_axis(flat, order, axis=-1)
    rows, width = int(np.prod(batch, dtype=np.intp)), flat.shape[-1]
    base = np.arange(rows, like=_rt.like(flat)).reshape(batch) * width
    picks = np.concatenate([(base + lo).ravel(), (base + hi).ravel()])
    weights = np.concatenate([(g * (1 - gamma)).ravel(), (g * gamma).ravel()])
    w = np.bincount(picks, weights, minlength=rows * width)
    # where a tie group starts (NaNs never tie)
    new = np.concatenate([np.ones_like(s[..., :1], dtype=bool), s[..., 1:] != s[..., :-1]], axis=-1)
    group = (np.cumsum(new, axis=-1) - 1 + base[..., None]).ravel()
    share = _safe_div(np.bincount(group, w, minlength=rows * width), np.bincount(group, minlength=rows * width))
    cot = np.empty(s.shape, like=_rt.like(s))
    np.put_along_axis(cot, order, share[group].reshape(s.shape), axis=-1)
    return s, cot


def _cot_partitioned(flat, lo, hi, gamma, g):
    """Like ``_cot_sorted`` for a few ``q`` and slices of one length: a partition puts the
    order statistics needed (and their neighbours, for ``_q_slope``) in place, and each
    weight goes to the entries equal to its order statistic, shared equally."""
    top = flat.shape[-1] - 1
    kth = np.unique(np.clip(np.stack([lo - 1, lo, lo + 1, hi - 1, hi, hi + 1]), 0, top))
    s = np.partition(flat, kth, axis=-1)
    lead = (1,) * (lo.ndim - (flat.ndim - 1))
    cot = 0.0
    for pick, weight in ((lo, 1 - gamma), (hi, gamma)):
        value = np.take_along_axis(s.reshape(lead + s.shape), pick[..., None], axis=-1)
        hit = flat == value  # Q + B + (n,)
        share = _safe_div((g * weight)[..., None], np.sum(hit, axis=-1, keepdims=True))
        cot = cot + np.sum(hit * share, axis=tuple(range(len(lead))))
    return s, np.broadcast_to(cot, flat.shape)


def _q_slope(s, q, n, method):
    """d quantile / d q for the sorted slices ``s`` (Q' + B + (n,), NaNs last): the slope
    of the piecewise linear interpolation of the order statistics at the virtual index
    ``v(q)``, times ``dv/dq``. At a corner (``v`` an integer) the one-sided slopes are
    averaged, except at ``q = 0`` and ``q = 1``, the ends of ``q``'s domain, which take
    the one inside it; where ``v`` is clipped the slope is 0. The methods that pick one
    order statistic (lower, higher, nearest, midpoint) are piecewise constant in ``q``: 0."""
    qa = _rt.as_array(q, np.float64, ref=s)
    qa = qa.reshape(qa.shape + (1,) * np.ndim(n))
    if method in _PICKS:
        return np.zeros(np.broadcast_shapes(qa.shape, np.shape(n)), like=_rt.like(s))
    if method == "linear":
        v, dv = (n - 1) * qa, n - 1.0
    else:
        alpha, beta = _CONTINUOUS[method]
        v, dv = n * qa + (alpha + qa * (1 - alpha - beta)) - 1, n + 1.0 - alpha - beta
    top = np.maximum(n - 1, 0)
    k = np.floor(v)

    def at(idx):
        idx = np.clip(idx, 0, top).astype(np.intp)
        return np.take_along_axis(s, idx[..., None], axis=-1)[..., 0]

    inside = (v >= 0) & (v < n - 1)
    right = np.where(inside, at(k + 1) - at(k), 0.0)
    c = np.ceil(v)
    inside = (v > 0) & (v <= n - 1)
    left = np.where(inside, at(c) - at(c - 1), 0.0)
    slope = np.where(qa == 0, right, np.where(qa == 1, left, 0.5 * (left + right)))
    return np.where(np.isnan(slope), 0.0, slope) * dv


@vjp(np.quantile, refuse=refuse)
def quantile(g, ans, a, q, axis=None, *, overwrite_input=False, method="linear", keepdims=False, weights=None):
    """Differentiable in ``a`` and in ``q`` (see ``_q_slope``)."""
    _refuse_at_run_time(method, weights)
    cot_a, cot_q = _quantile_cot(g, a, q, axis, method, keepdims, False)
    return cot_a, cot_q


@vjp(np.nanquantile, refuse=refuse)
def nanquantile(g, ans, a, q, axis=None, *, overwrite_input=False, method="linear", keepdims=False, weights=None):
    _refuse_at_run_time(method, weights)
    cot_a, cot_q = _quantile_cot(g, a, q, axis, method, keepdims, True)
    return cot_a, cot_q


@vjp(np.percentile, refuse=refuse)
def percentile(g, ans, a, q, axis=None, *, overwrite_input=False, method="linear", keepdims=False, weights=None):
    _refuse_at_run_time(method, weights)
    cot_a, cot_q = _quantile_cot(g, a, np.true_divide(q, 100), axis, method, keepdims, False)
    return cot_a, cot_q / 100


@vjp(np.nanpercentile, refuse=refuse)
def nanpercentile(g, ans, a, q, axis=None, *, overwrite_input=False, method="linear", keepdims=False, weights=None):
    _refuse_at_run_time(method, weights)
    cot_a, cot_q = _quantile_cot(g, a, np.true_divide(q, 100), axis, method, keepdims, True)
    return cot_a, cot_q / 100


@vjp(np.median)
def median(g, ans, a, axis=None, *, overwrite_input=False, keepdims=False):
    """The middle entry, or the two middle entries half each (ties split, see the module)."""
    return _rt.rules.statistics._quantile_cot(g, a, 0.5, axis, "linear", keepdims, False)[0]


@vjp(np.nanmedian)
def nanmedian(g, ans, a, axis=None, *, overwrite_input=False, keepdims=False):
    return _rt.rules.statistics._quantile_cot(g, a, 0.5, axis, "linear", keepdims, True)[0]


# -- NaN-skipping reductions -----------------------------------------------------------

nondiff(np.nanargmax, np.nanargmin)  # indices: piecewise constant


@vjp(np.nanmax, np.nanmin)
def nanextremum(g, ans, a, axis=None, *, keepdims=False):
    """Like max/min: ties split equally; NaN entries (and all-NaN slices) get 0."""
    hit = _rt.as_array(a) == _keep(ans, a, axis, keepdims)
    return _safe_div(hit * _keep(g, a, axis, keepdims), np.sum(hit, axis=axis, keepdims=True))


@vjp(np.nanprod)
def nanprod(g, ans, a, axis=None, *, keepdims=False):
    """NaN entries count as 1 and get a zero cotangent; zeros are handled exactly."""
    valid = ~np.isnan(a)
    filled = np.where(valid, a, 1.0)
    return _expand(g, a, axis, keepdims) * _prod_others(filled, _axes(a, axis)) * valid


def _nan_centred(a, axis, ddof):
    """The valid entries minus their mean (0 at NaNs), and the divisor ``count - ddof``
    (where it is 0 the result is NaN or inf, and the cotangent 0)."""
    valid = ~np.isnan(a)
    count = np.sum(valid, axis=axis, keepdims=True)
    mean = np.sum(np.where(valid, a, 0.0), axis=axis, keepdims=True) / np.maximum(count, 1)
    return np.where(valid, _rt.as_array(a) - mean, 0.0), np.maximum(count - ddof, 0)  # NumPy's clamp


@vjp(np.nanvar)
def nanvar(g, ans, a, axis=None, dtype=None, *, ddof=0, keepdims=False):
    centred, dof = _nan_centred(a, axis, ddof)
    return _safe_div(2.0 * _expand(g, a, axis, keepdims) * centred, dof)


@vjp(np.nanstd)
def nanstd(g, ans, a, axis=None, dtype=None, *, ddof=0, keepdims=False):
    """d std / d a_i = (a_i - mean) / ((N - ddof) std); 0 where std is 0 (a kink) and at NaNs."""
    centred, dof = _nan_centred(a, axis, ddof)
    scale = _safe_div(_keep(g, a, axis, keepdims), _keep(ans, a, axis, keepdims))
    return _safe_div(scale * centred, dof)


# -- scans -----------------------------------------------------------------------------


def _revcumsum(g, axis):
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


@vjp(np.nancumsum)
def nancumsum(g, ans, a, axis=None, dtype=None):
    """NaN entries count as 0 and get a zero cotangent."""
    return np.reshape(_rt.rules.statistics._revcumsum(g, axis), np.shape(a)) * ~np.isnan(a)


@vjp(np.nancumprod)
def nancumprod(g, ans, a, axis=None, dtype=None):
    """NaN entries count as 1 and get a zero cotangent; zeros are handled exactly."""
    valid = ~np.isnan(a)
    return _rt.rules.reductions.cumprod(g, ans, np.where(valid, a, 1.0), axis) * valid


def _drop_initial(g, ans, axis, include_initial):
    """The cotangent and result without the prepended initial entry."""
    if not include_initial:
        return g, ans
    ax = 0 if axis is None else axis
    g = np.broadcast_to(g, np.shape(ans))
    return np.delete(g, 0, axis=ax), np.delete(ans, 0, axis=ax)


if hasattr(np, "cumulative_sum"):

    @vjp(np.cumulative_sum)
    def cumulative_sum(g, ans, x, *, axis=None, dtype=None, include_initial=False):
        """axis may be None only for 1-D input; ``include_initial`` prepends a 0."""
        g, ans = _drop_initial(g, ans, axis, include_initial)
        return np.reshape(_revcumsum(g, 0 if axis is None else axis), np.shape(x))

    @vjp(np.cumulative_prod)
    def cumulative_prod(g, ans, x, *, axis=None, dtype=None, include_initial=False):
        """``include_initial`` prepends a 1; zeros are handled exactly (see cumprod)."""
        g, ans = _drop_initial(g, ans, axis, include_initial)
        return _rt.rules.reductions.cumprod(g, ans, x, 0 if axis is None else axis)


# -- covariance and correlation ------------------------------------------------------------
# np.cov stacks the variables (rows of m, then of y; columns where rowvar=False) into X,
# weights the samples by w = fweights * aweights, and returns Xc diag(w) Xc^T / fact with
# Xc = X minus its weighted mean. Since sum_k w_k Xc[:, k] = 0 the mean's own derivative
# drops out: dX = (G + G^T) Xc diag(w) / fact, and dw_k = Xc[:, k]^T G Xc[:, k] / fact
# - <G, C> dfact/dw_k / fact. fweights must hold integers (NumPy checks): their cotangent
# is that of the same formula with real frequencies.


def _stacked(m, y, rowvar):
    """np.cov's matrix of variables by samples, and the rows from ``m``."""
    like = _rt.like(m, y)
    x = np.array(m, ndmin=2, dtype=_rt.float_dtype(m), like=like)
    if not rowvar and np.ndim(m) != 1:
        x = x.T
    p = x.shape[0]
    if y is not None:
        v = np.array(y, ndmin=2, dtype=_rt.float_dtype(y), like=like)
        if not rowvar and v.shape[0] != 1:
            v = v.T
        x = np.concatenate((x, v), axis=0)
    return x, p


def _unstacked(dx, arg, rowvar, second):
    """The cotangent of ``m`` (``second``: of ``y``) from that of its rows of the stacked
    matrix, undoing np.cov's transposes (which differ for ``m`` and ``y``)."""
    if not rowvar and (np.ndim(arg) > 1 and np.shape(arg)[0] != 1 if second else np.ndim(arg) != 1):
        dx = dx.T
    return np.reshape(dx, np.shape(arg))


def _cov_cot(g, ans, m, y, rowvar, bias, ddof, fweights, aweights):
    x, p = _stacked(m, y, rowvar)
    n = x.shape[1]
    if ddof is None:
        ddof = 1 if bias == 0 else 0
    like = _rt.like(x)
    f = np.ones(n, like=like) if fweights is None else _rt.as_array(fweights, float, ref=x)
    a = np.ones(n, like=like) if aweights is None else _rt.as_array(aweights, float, ref=x)
    w = f * a
    total = np.sum(w)
    xc = x - (x @ w / total)[:, None]
    dfact_dw, dfact_da = np.zeros(n, like=like), np.zeros(n, like=like)
    if fweights is None and aweights is None:
        fact = n - ddof
    elif ddof == 0 or aweights is None:
        fact = total - ddof
        dfact_dw = np.ones(n, like=like)
    else:
        s = np.sum(w * a)
        fact = total - ddof * s / total
        dfact_dw = 1.0 - ddof * (a / total - s / total**2)
        dfact_da = -ddof * w / total
    fact = np.maximum(fact, 0.0)  # NumPy warns and divides by 0: the result and its derivative are not finite
    k = x.shape[0]
    gm = np.reshape(np.broadcast_to(_rt.as_array(g, ref=x), np.shape(ans)), (k, k))
    c = np.reshape(ans, (k, k))
    dx = (gm + gm.T) @ (xc * w) / fact
    dw = np.einsum("ik,ij,jk->k", xc, gm, xc) / fact - np.sum(gm * c) * dfact_dw / fact
    da = dw * f - np.sum(gm * c) * dfact_da / fact
    dm = _unstacked(dx[:p], m, rowvar, False)
    dy = None if y is None else _unstacked(dx[p:], y, rowvar, True)
    return dm, dy, None if fweights is None else dw * a, None if aweights is None else da


@vjp(np.cov)
def cov(g, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *, dtype=None):
    d = _rt.rules.statistics._cov_cot(g, ans, m, y, rowvar, bias, ddof, fweights, aweights)
    return d[0], d[1], None, None, None, d[2], d[3]


def _corrcoef_cot(g, ans, x, y, rowvar):
    """R = C / (d d^T), d = sqrt(diag C): the cotangent of C, then np.cov's. One variable
    (R = C / C = 1) has a zero cotangent."""
    if np.ndim(ans) == 0:
        like = _rt.like(x, y)
        return np.zeros(np.shape(x), like=like), None if y is None else np.zeros(np.shape(y), like=like)
    c = np.cov(x, y, rowvar)
    d = np.sqrt(np.diag(c))
    gm = np.broadcast_to(g, np.shape(ans))
    gc = gm / np.outer(d, d)
    dd = -(np.sum(gm * ans, axis=1) + np.sum(gm * ans, axis=0)) / d
    gc = gc + np.diag(dd / (2.0 * d))
    dm, dy, _, _ = _cov_cot(gc, c, x, y, rowvar, False, None, None, None)
    return dm, dy


@vjp(np.corrcoef)
def corrcoef(g, ans, x, y=None, rowvar=True, *, dtype=None):
    d = _rt.rules.statistics._corrcoef_cot(g, ans, x, y, rowvar)
    return d[0], d[1]
