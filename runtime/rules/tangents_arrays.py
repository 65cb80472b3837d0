"""Forward-mode rules of NumPy's array routines that are not elementwise (as
``tangents``): conversions, joining and splitting, moving entries, FFTs, sorting,
interpolation, scans, the NaN-skipping reductions, and the runtime helpers generated
code calls. Each explicit rule ``rule(t, ans, <the reverse rule's parameters>)`` gives
the contribution of the tangent ``t`` of one parameter and follows its reverse rule's
conventions (ties, NaNs, masks), so that ``J v`` here is ``<grad, v>`` there."""

import numpy as np

import adgen.runtime as _rt
from adgen.runtime import singular, tangents
from adgen.runtime.rules import linalg
from adgen.runtime.rules.tangents import prod_tangent
from adgen.runtime.tangent_registry import joint, jvp, linear

# -- linear in one parameter: the tangent goes through the function itself ------------------------

linear(
    np.ndarray.take, np.take_along_axis, np.atleast_3d, np.diagflat, np.matrix_transpose, np.rollaxis, np.resize,
    np.delete, np.split, np.array_split, np.hsplit, np.vsplit, np.dsplit, np.real_if_close,
    np.fft.fft, np.fft.ifft, np.fft.fftn, np.fft.ifftn, np.fft.fft2, np.fft.ifft2, np.fft.rfft, np.fft.rfftn, np.fft.rfft2,
    np.fft.irfft, np.fft.irfftn, np.fft.irfft2, np.fft.hfft, np.fft.ihfft, np.fft.fftshift, np.fft.ifftshift,
    np.polyder, np.gradient, np.average, np.polyval,
    tangents.fit,
)
linear(np.block)  # nested lists of arrays: the same nesting of tangents
linear(np.choose, np.ndarray.choose, args=(1,))  # in the choices, the indices held
linear(tangents.tangent_arg, args=(1,))  # the tangent given; ``x`` is read for its shape
for _name in ("row_stack", "unstack", "cumulative_sum"):  # NumPy 2.1's, or gone in NumPy 2.4
    if hasattr(np, _name):
        linear(getattr(np, _name))
# linear in each of two parameters, the other held (products, convolutions); trapezoid is
# sum(d * (y[:-1] + y[1:]) / 2) with d = diff(x) or dx: linear in y, and in x or dx
linear(np.convolve, np.correlate, np.polymul, np.vdot, np.vecdot, args=(0, 1))
linear(np.trapezoid, args=(0, 1, 2))
if hasattr(np, "matvec"):
    linear(np.matvec, np.vecmat, args=(0, 1))

# -- linear in several parameters together (joining, spreading): one call with all the tangents ------

joint(np.append, np.polyadd, np.polysub, args=(0, 1))
joint(np.insert, np.polyint, args=(0, 2))  # not in insert's positions nor polyint's order
joint(np.ediff1d, args=(0, 1, 2))
joint(np.select, args=(1, 2))  # the choices and the default; the conditions held
joint(np.linspace, args=(0, 1))  # start + (stop - start) k / n: affine in each alone
joint(np.meshgrid, np.broadcast_arrays, np.r_, np.c_, args=(0,))  # every item of *args


# -- conversions: an integer or boolean result carries no tangent -------------------------------------


def _inexact(ans):
    return np.issubdtype(np.result_type(ans), np.inexact)


@jvp(np.ndarray.astype)
def astype_tangent(t, ans, a, dtype, *, copy=True):
    return np.asarray(t, dtype=np.result_type(ans)) if _rt.rules.tangents_arrays._inexact(ans) else np.zeros(np.shape(ans))


if hasattr(np, "astype"):

    @jvp(np.astype)
    def np_astype_tangent(t, ans, x, dtype, *, copy=True):
        return np.asarray(t, dtype=np.result_type(ans)) if _rt.rules.tangents_arrays._inexact(ans) else np.zeros(np.shape(ans))


@jvp(np.asanyarray, np.asarray_chkfinite)
def asanyarray_tangent(t, ans, a, dtype=None, order=None):
    return np.reshape(np.array(t, dtype=np.result_type(ans)), np.shape(ans)) if _rt.rules.tangents_arrays._inexact(ans) else np.zeros(np.shape(ans))


@jvp(np.ascontiguousarray, np.asfortranarray)
def ascontiguousarray_tangent(t, ans, a, dtype=None):
    """A 0-d ``a`` comes back 1-d."""
    return np.reshape(np.array(t, dtype=np.result_type(ans)), np.shape(ans)) if _rt.rules.tangents_arrays._inexact(ans) else np.zeros(np.shape(ans))


@jvp(np.require)
def require_tangent(t, ans, a, dtype=None, requirements=None):
    return np.reshape(np.array(t, dtype=np.result_type(ans)), np.shape(ans)) if _rt.rules.tangents_arrays._inexact(ans) else np.zeros(np.shape(ans))


@jvp(np.full, arg=1)
def full_tangent(t, ans, shape, fill_value, dtype=None):
    return np.full(np.shape(ans), t, dtype=np.result_type(ans)) if _rt.rules.tangents_arrays._inexact(ans) else np.zeros(np.shape(ans))


@jvp(np.full_like, arg=1)
def full_like_tangent(t, ans, a, fill_value, dtype=None, *, shape=None):
    return np.full(np.shape(ans), t, dtype=np.result_type(ans)) if _rt.rules.tangents_arrays._inexact(ans) else np.zeros(np.shape(ans))


# -- ranges and windows ------------------------------------------------------------------------------


@jvp(np.arange)
def arange_start_tangent(t, ans, start, stop=None, step=None):
    """start + step k; alone, ``start`` is the stop, which only decides the length."""
    return np.zeros(np.shape(ans)) if stop is None else t * np.ones(np.shape(ans))


@jvp(np.arange, arg=1)
def arange_stop_tangent(t, ans, start, stop=None, step=None):
    return np.zeros(np.shape(ans))


@jvp(np.arange, arg=2)
def arange_step_tangent(t, ans, start, stop=None, step=None):
    return t * np.arange(np.size(ans))


def _fractions(num, endpoint, ndim):
    """linspace's k / (num - 1) (k / num without the endpoint), along a first axis of ``ndim``."""
    div = num - 1 if endpoint else num
    found = np.arange(num) / div if div > 0 else np.zeros(num)
    return np.reshape(found, (-1,) + (1,) * (ndim - 1))


def _spaced(t, ans, axis, weights):
    """``t`` (broadcast with the sample axis moved first) times ``weights``, moved back."""
    moved = np.moveaxis(np.asarray(ans), axis, 0)
    return np.moveaxis(moved * weights * t, 0, axis) if _inexact(ans) else np.zeros(np.shape(ans))


@jvp(np.geomspace)
def geomspace_start_tangent(t, ans, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """Sample k is start (stop / start) ** f_k: d/dstart = (1 - f_k) ans_k / start."""
    return _spaced(t, ans, axis, (1 - _fractions(num, endpoint, np.ndim(ans))) / start)


@jvp(np.geomspace, arg=1)
def geomspace_stop_tangent(t, ans, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    return _spaced(t, ans, axis, _fractions(num, endpoint, np.ndim(ans)) / stop)


def _log_base(start, stop, base, axis):
    """log(base) laid out as np.logspace broadcasts it (with a length-1 sample axis), and
    the linspace exponents."""
    nd = np.broadcast(start, stop, base).ndim
    return np.log(np.expand_dims(np.array(base, ndmin=nd), axis)), nd


@jvp(np.logspace)
def logspace_start_tangent(t, ans, start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """base ** linspace(start, stop): ans log(base) times linspace's tangent."""
    if not _inexact(ans):
        return np.zeros(np.shape(ans))
    log_b, nd = _log_base(start, stop, base, axis)
    return ans * log_b * np.linspace(np.array(t, ndmin=nd), np.zeros(np.shape(np.array(stop, ndmin=nd))), num, endpoint, axis=axis)


@jvp(np.logspace, arg=1)
def logspace_stop_tangent(t, ans, start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    if not _inexact(ans):
        return np.zeros(np.shape(ans))
    log_b, nd = _log_base(start, stop, base, axis)
    return ans * log_b * np.linspace(np.zeros(np.shape(np.array(start, ndmin=nd))), np.array(t, ndmin=nd), num, endpoint, axis=axis)


@jvp(np.logspace, arg=4)
def logspace_base_tangent(t, ans, start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    if not _inexact(ans):
        return np.zeros(np.shape(ans))
    nd = np.broadcast(start, stop, base).ndim
    b = np.expand_dims(np.array(base, ndmin=nd), axis)
    lin = np.linspace(np.array(start, ndmin=nd), np.array(stop, ndmin=nd), num, endpoint, axis=axis)
    return ans * lin / b * np.expand_dims(np.array(t, ndmin=nd), axis)


@jvp(np.kaiser, arg=1)
def kaiser_tangent(t, ans, M, beta):
    """i0(beta s_n) / i0(beta), s_n = sqrt(1 - ((n - a) / a)^2), a = (M - 1) / 2."""
    if M <= 1:
        return np.zeros(np.shape(ans))
    a = (M - 1) / 2.0
    s = np.sqrt(np.clip(1.0 - ((np.arange(M) - a) / a) ** 2, 0.0, None))
    i1 = _rt.rules.elementwise._i1
    return t * (s * i1(beta * s) - ans * i1(beta)) / np.i0(beta)


# -- entries moved, cleaned or sorted ------------------------------------------------------------------


@jvp(np.unwrap)
def unwrap_tangent(t, ans, p, discont=None, axis=-1, *, period=6.283185307179586):
    # unwrap adds a multiple of the period that is constant between jumps
    return t


@jvp(np.nan_to_num)
def nan_to_num_tangent(t, ans, x, copy=True, nan=0.0, posinf=None, neginf=None):
    return t * np.isfinite(x)  # the non-finite entries are replaced by the fill values


@jvp(np.nan_to_num, arg=2)
def nan_to_num_nan_tangent(t, ans, x, copy=True, nan=0.0, posinf=None, neginf=None):
    return t * np.isnan(x)


@jvp(np.nan_to_num, arg=3)
def nan_to_num_posinf_tangent(t, ans, x, copy=True, nan=0.0, posinf=None, neginf=None):
    return t * np.isposinf(x)


@jvp(np.nan_to_num, arg=4)
def nan_to_num_neginf_tangent(t, ans, x, copy=True, nan=0.0, posinf=None, neginf=None):
    return t * np.isneginf(x)


@jvp(np.sort)
def sort_tangent(t, ans, a, axis=-1, kind=None):
    """The tangent gathered through a stable argsort, as the reverse rule scatters (tied
    entries matched in order)."""
    return np.take_along_axis(t, np.argsort(a, axis=axis, kind="stable"), axis=axis)


@jvp(np.sort_complex)
def sort_complex_tangent(t, ans, a):
    return np.take_along_axis(t, np.argsort(a, axis=-1, kind="stable"), axis=-1)


@jvp(np.partition)
def partition_tangent(t, ans, a, kth, axis=-1, kind="introselect", order=None):
    """A permutation of ``a`` along ``axis``: result entry j is the entry of ``a`` of the
    same rank (both sorted stably, as the reverse rule matches them)."""
    return np.take_along_axis(
        t,
        np.take_along_axis(np.argsort(a, axis=axis, kind="stable"), np.argsort(np.argsort(ans, axis=axis, kind="stable"), axis=axis, kind="stable"), axis=axis),
        axis=axis,
    )


# -- interpolation ----------------------------------------------------------------------------------


def _pieces(x, xp, fp):
    """np.interp's piece of each ``x`` (the right-hand one at a knot, as the reverse rule):
    its index j, the fraction u along it, its slope, and where x is inside [xp[0], xp[-1]]."""
    x, xp, fp = np.asarray(x, float), np.asarray(xp, float), np.asarray(fp, float)
    j = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, len(xp) - 2)
    width = xp[j + 1] - xp[j]
    safe = np.where(width == 0, 1.0, width)
    u = np.where(width == 0, 1.0, (x - xp[j]) / safe)
    slope = np.where(width == 0, 0.0, (fp[j + 1] - fp[j]) / safe)
    return j, u, slope


@jvp(np.interp)
def interp_x_tangent(t, ans, x, xp, fp, left=None, right=None, period=None):
    """The slope of the piece (0 outside the knots, and on the last knot)."""
    if period is not None:
        return _rt.rules.tangents_stats.through_reverse(_rt.vjps.interp, 0, t, ans, x, xp, fp, left, right, period)
    if len(xp) == 1:
        return np.zeros(np.shape(ans))
    _, _, slope = _pieces(x, xp, fp)
    return t * slope * ((np.asarray(x) >= xp[0]) & (np.asarray(x) < xp[-1]))


@jvp(np.interp, arg=2)
def interp_fp_tangent(t, ans, x, xp, fp, left=None, right=None, period=None):
    """Linear in ``fp`` (given ``left`` and ``right`` values held: zero there)."""
    return np.interp(x, xp, t, left=None if left is None else 0.0, right=None if right is None else 0.0, period=period)


@jvp(np.interp, arg=1)
def interp_xp_tangent(t, ans, x, xp, fp, left=None, right=None, period=None):
    if period is not None or len(xp) == 1:
        return _rt.rules.tangents_stats.through_reverse(_rt.vjps.interp, 1, t, ans, x, xp, fp, left, right, period)
    j, u, slope = _pieces(x, xp, fp)
    t = np.asarray(t, float)
    inside = (np.asarray(x) >= xp[0]) & (np.asarray(x) <= xp[-1])
    return -(inside * slope * (t[j] * (1 - u) + t[j + 1] * u))


@jvp(np.interp, arg=3)
def interp_left_tangent(t, ans, x, xp, fp, left=None, right=None, period=None):
    return np.zeros(np.shape(ans)) if period is not None else t * (np.asarray(x) < xp[0])


@jvp(np.interp, arg=4)
def interp_right_tangent(t, ans, x, xp, fp, left=None, right=None, period=None):
    return np.zeros(np.shape(ans)) if period is not None else t * (np.asarray(x) > xp[-1])


@jvp(np.interp, arg=5)
def interp_period_tangent(t, ans, x, xp, fp, left=None, right=None, period=None):
    return _rt.rules.tangents_stats.through_reverse(_rt.vjps.interp, 5, t, ans, x, xp, fp, left, right, period)


# -- scans and NaN-skipping reductions ----------------------------------------------------------------


def _cumprod_tangent(t, ans, a, axis):
    """d P_k = sum_{i <= k} t_i prod_{j <= k, j != i} a_j: ``ans * cumsum(t / a)`` without
    zeros in ``a``, else the recurrence dP_k = dP_{k-1} a_k + P_{k-1} t_k (exact at zeros)."""
    x = _rt.as_array(a)
    x = _rt.as_array(x, np.result_type(x.dtype, np.float64))
    t = np.broadcast_to(t, x.shape)
    if axis is None:
        x, t, axis = x.ravel(), t.ravel(), 0
    if np.all(x != 0):
        return ans * np.cumsum(t / x, axis=axis)
    x, t, p = np.moveaxis(x, axis, 0), np.moveaxis(t, axis, 0), np.moveaxis(np.asarray(ans), axis, 0)
    found = np.empty(x.shape, np.result_type(x, t))
    found[0] = t[0]
    for i in range(1, x.shape[0]):
        found[i] = found[i - 1] * x[i] + p[i - 1] * t[i]
    return np.moveaxis(found, 0, axis)


@jvp(np.cumprod, np.ndarray.cumprod)
def cumprod_tangent(t, ans, a, axis=None, dtype=None):
    return _cumprod_tangent(t, ans, a, axis)


@jvp(np.nancumprod)
def nancumprod_tangent(t, ans, a, axis=None, dtype=None):
    """NaN entries count as 1, with no tangent."""
    valid = ~np.isnan(a)
    return _cumprod_tangent(np.where(valid, t, 0.0), ans, np.where(valid, a, 1.0), axis)


if hasattr(np, "cumulative_prod"):

    @jvp(np.cumulative_prod)
    def cumulative_prod_tangent(t, ans, x, *, axis=None, dtype=None, include_initial=False):
        """``include_initial`` prepends a 1 (whose tangent is 0)."""
        ax = 0 if axis is None else axis
        found = _cumprod_tangent(t, np.delete(ans, 0, axis=ax) if include_initial else ans, x, ax)
        return np.insert(found, 0, 0.0, axis=ax) if include_initial else found


@jvp(np.nancumsum)
def nancumsum_tangent(t, ans, a, axis=None, dtype=None):
    return np.cumsum(np.where(np.isnan(a), 0.0, t), axis=axis)


@jvp(np.nansum)
def nansum_tangent(t, ans, a, axis=None, *, keepdims=False):
    return np.sum(np.where(np.isnan(a), 0.0, t), axis=axis, keepdims=keepdims)


@jvp(np.nanmean)
def nanmean_tangent(t, ans, a, axis=None, *, keepdims=False):
    return np.sum(np.where(np.isnan(a), 0.0, t), axis=axis, keepdims=keepdims) / np.sum(~np.isnan(a), axis=axis, keepdims=keepdims)


@jvp(np.nanmax, np.nanmin)
def nanextremum_tangent(t, ans, a, axis=None, *, keepdims=False):
    """The mean of the tangents at the entries that reach the extremum; 0 for an all-NaN slice."""
    return _rt.over(
        np.sum(np.where(np.asarray(a) == (ans if keepdims or axis is None else np.expand_dims(ans, axis)), t, 0.0), axis=axis, keepdims=keepdims),
        np.sum(np.asarray(a) == (ans if keepdims or axis is None else np.expand_dims(ans, axis)), axis=axis, keepdims=keepdims),
    )


@jvp(np.ptp)
def ptp_tangent(t, ans, a, axis=None, *, keepdims=False):
    """max - min, ties shared as for max and min."""
    hi = np.asarray(a) == np.max(a, axis=axis, keepdims=True)
    lo = np.asarray(a) == np.min(a, axis=axis, keepdims=True)
    return np.sum(t * hi, axis=axis, keepdims=keepdims) / np.sum(hi, axis=axis, keepdims=keepdims) - np.sum(t * lo, axis=axis, keepdims=keepdims) / np.sum(
        lo, axis=axis, keepdims=keepdims
    )


@jvp(np.nanprod)
def nanprod_tangent(t, ans, a, axis=None, *, keepdims=False):
    """NaN entries count as 1, with no tangent."""
    valid = ~np.isnan(a)
    return prod_tangent(np.where(valid, t, 0.0), ans, np.where(valid, a, 1.0), axis, keepdims=keepdims)


def _nan_spread(t, a, axis, ddof, keepdims):
    """sum((a - mean) t) over the valid entries, and the divisor max(count - ddof, 0)."""
    valid = ~np.isnan(a)
    count = np.sum(valid, axis=axis, keepdims=keepdims)
    mean = np.sum(np.where(valid, a, 0.0), axis=axis, keepdims=True) / np.maximum(np.sum(valid, axis=axis, keepdims=True), 1)
    return np.sum(np.where(valid, (np.asarray(a) - mean) * t, 0.0), axis=axis, keepdims=keepdims), np.maximum(count - ddof, 0)


@jvp(np.nanvar)
def nanvar_tangent(t, ans, a, axis=None, dtype=None, *, ddof=0, keepdims=False):
    found, dof = _nan_spread(t, a, axis, ddof, keepdims)
    return _rt.over(2.0 * found, dof)


@jvp(np.nanstd)
def nanstd_tangent(t, ans, a, axis=None, dtype=None, *, ddof=0, keepdims=False):
    """0 where std is 0 (a kink), as the reverse rule."""
    found, dof = _nan_spread(t, a, axis, ddof, keepdims)
    return _rt.over(found, dof * ans)


# -- polynomials ----------------------------------------------------------------------------------


@jvp(np.polyval, arg=1)
def polyval_x_tangent(t, ans, p, x):
    """t y'(x), y' summed in Horner's order (entries of ``p`` may be arrays)."""
    n = len(p)
    return t * sum((p[i] * (n - 1 - i) * _rt.as_array(x, float) ** (n - 2 - i) for i in range(n - 1)), 0.0)


@jvp(np.vander)
def vander_tangent(t, ans, x, N=None, increasing=False):
    n = np.shape(ans)[-1]
    powers = np.arange(n) if increasing else np.arange(n)[::-1]
    return np.asarray(t)[:, None] * powers * np.power(np.asarray(x)[:, None], np.maximum(powers - 1, 0))


# -- the runtime helpers generated code calls (higher order: forward over forward) -----------------


@jvp(singular.over)
def over_tangent(t, ans, g, den, num=None):
    return _rt.over(t, den) if num is None else _rt.over(t, den, num)


@jvp(singular.over, arg=1)
def over_den_tangent(t, ans, g, den, num=None):
    """-g num t / den**2, 0 where g is (as the reverse rule)."""
    return -_rt.times(_rt.over(t, den) if num is None else _rt.over(t, den, num), _rt.over(g, den))


@jvp(singular.over, arg=2)
def over_num_tangent(t, ans, g, den, num=None):
    return _rt.over(g * t, den)


@jvp(singular.times)
def times_tangent(t, ans, g, factor):
    return _rt.times(t, factor)


@jvp(singular.times, arg=1)
def times_factor_tangent(t, ans, g, factor):
    return g * t


@jvp(linalg.cofactors)
def cofactors_tangent(t, ans, a, det):
    """d(det B^T) with det held, B = inv(a): -det B^T t^T B^T (an invertible ``a``)."""
    return -np.expand_dims(det, (-2, -1)) * (
        np.swapaxes(np.linalg.inv(a), -1, -2) @ np.swapaxes(t, -1, -2) @ np.swapaxes(np.linalg.inv(a), -1, -2)
    )


@jvp(linalg.cofactors, arg=1)
def cofactors_det_tangent(t, ans, a, det):
    return np.expand_dims(t, (-2, -1)) * np.swapaxes(np.linalg.inv(a), -1, -2)
