"""Rules for reductions (sum, mean, max, std, norm, ...) and scans (cumsum, cumprod).

Every reduction takes NumPy's ``axis`` (None, an int, a negative int or a
tuple) and ``keepdims``. A reduction's cotangent is the result's cotangent
put back on the reduced axes (``_keep``) and broadcast to the input's shape
(``_expand``); broadcast views are fine as cotangents.

``keepdims`` and ``ddof`` are keyword-only here because they are not the
third positional parameter in NumPy either (``dtype``/``out`` come first),
so a positional ``dtype`` gives the user a diagnostic instead of binding
to the wrong parameter.
"""

import math

import numpy as np

import adgen.runtime as _rt
from adgen.runtime import errors
from adgen.runtime.registry import vjp

# -- helpers -----------------------------------------------------------------------


def _axes(x, axis):
    """``axis`` as a sorted tuple of non-negative axes of ``x`` (None: all of them)."""
    ndim = np.ndim(x)
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(int(ax) % ndim for ax in axis))
    return (int(axis) % ndim,)


def _keep(v, x, axis, keepdims):
    """A reduction's result ``v`` with the reduced axes of ``x`` kept as length 1."""
    if keepdims:
        return v
    v = np.asarray(v, like=_rt.like(x))  # a number (the cotangent of a scalar result): an array of x's library
    if axis is None:
        return np.reshape(v, (1,) * np.ndim(x))
    return np.expand_dims(v, _axes(x, axis))


def _expand(g, x, axis, keepdims):
    """Broadcast the cotangent of a reduction back to the shape of its input."""
    return np.broadcast_to(_keep(g, x, axis, keepdims), np.shape(x))


def _count(x, ans):
    """How many entries of ``x`` went into each entry of the reduction ``ans``."""
    return math.prod(np.shape(x)) // max(math.prod(np.shape(ans)), 1)  # np.size would make Dask compute


def _floating(x):
    """``x`` as an array of its library, of a float (or complex) dtype."""
    x = _rt.as_array(x)
    return x.astype(np.result_type(x.dtype, np.float64), copy=False)


def _safe_div(num, den):
    """``num / den``, with 0 where ``den`` is 0 (the subgradient at a norm's kink)."""
    zero = den == 0
    return np.where(zero, 0.0, num / np.where(zero, 1.0, den))


def _extremum(g, ans, x, axis, keepdims):
    """Cotangent of max/min: ``g`` goes to the entries equal to the extremum.

    Ties split the cotangent equally among the tied entries (the average of
    the one-sided derivatives), like a mean over the arg-extrema.
    """
    hit = _rt.as_array(x) == _keep(ans, x, axis, keepdims)
    return hit * (_keep(g, x, axis, keepdims) / np.sum(hit, axis=axis, keepdims=True))


# -- sums and means ------------------------------------------------------------------


@vjp(np.sum, np.ndarray.sum, complex=True)
def sum_(g, ans, a, axis=None, *, keepdims=False):
    return _rt.rules.reductions.expand(g, np.shape(a), axis, keepdims)


def expand(g, shape, axis=None, keepdims=False):
    """The cotangent of a sum over ``axis`` of an array of ``shape``: ``g`` broadcast back."""
    if not keepdims and axis is not None:
        g = np.expand_dims(g, _axes(np.broadcast_to(0.0, shape), axis))
    return np.broadcast_to(g, shape)


@vjp(np.mean, np.ndarray.mean, complex=True)
def mean(g, ans, a, axis=None, *, keepdims=False):
    return _expand(g, a, axis, keepdims) / _count(a, ans)


@vjp(np.nansum)
def nansum(g, ans, a, axis=None, *, keepdims=False):
    # NaN entries are skipped by the primal, so they get a zero cotangent.
    return _expand(g, a, axis, keepdims) * ~np.isnan(a)


@vjp(np.nanmean)
def nanmean(g, ans, a, axis=None, *, keepdims=False):
    valid = ~np.isnan(a)
    return _expand(g, a, axis, keepdims) * valid / np.sum(valid, axis=axis, keepdims=True)


def _refuse_average(returned=False, **_):
    if returned is not False:
        return "np.average(..., returned=True) has no derivative rule; compute the sum of the weights separately"
    return None


@vjp(np.average, refuse=_refuse_average)
def average(g, ans, a, axis=None, weights=None, returned=False, *, keepdims=False):
    """avg = sum(a * w) / sum(w), differentiable in ``a`` and in ``weights``.

    ``weights`` either has ``a``'s shape or the shape of ``a`` along ``axis``
    (then it is broadcast along the other axes, as NumPy does). ``returned=True``
    is refused (AD210, or AD411 when it is only known as the gradient runs).
    """
    if returned is not False:
        raise errors.AD411_RULE_REFUSES.error(reason=_refuse_average(returned))
    if weights is None:
        return _expand(g, a, axis, keepdims) / _count(a, ans), None, None
    axes = _axes(a, axis) if axis is not None else None
    w = _rt.as_array(weights, ref=a)
    shape = np.shape(a)
    if w.shape != shape:
        # NumPy's layout: the weights' axes in sorted order, length 1 on the others.
        given = [int(ax) % len(shape) for ax in (axis if isinstance(axis, (tuple, list)) else (axis,))]
        order = np.argsort(given).tolist()
        w = np.transpose(w, order).reshape([n if k in axes else 1 for k, n in enumerate(shape)])
    scale = _keep(g, a, axes, keepdims) / np.sum(w, axis=axes, keepdims=True)
    da = np.broadcast_to(scale * w, shape)
    dw = scale * (_rt.as_array(a) - _keep(ans, a, axes, keepdims))
    if np.shape(weights) != shape:
        # Sum over the axes the weights were broadcast along, then undo the layout.
        dw = np.sum(dw, axis=tuple(k for k in range(len(shape)) if k not in axes))
        dw = np.transpose(dw, np.argsort(order).tolist())
    return da, None, dw


# -- products ------------------------------------------------------------------------


def _prod_others(x, axes):
    """For each entry, the product of the other entries along ``axes``.

    Built from exclusive prefix and suffix products, so zeros in ``x`` are
    handled exactly (no division by ``x``).
    """
    x = _floating(x)
    last = tuple(range(x.ndim - len(axes), x.ndim))
    moved = np.moveaxis(x, axes, last)
    flat = moved.reshape(moved.shape[: x.ndim - len(axes)] + (-1,))
    ones = np.ones_like(flat[..., :1])
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return np.moveaxis((before * after).reshape(moved.shape), last, axes)


@vjp(np.prod, np.ndarray.prod, complex=True)
def prod(g, ans, a, axis=None, *, keepdims=False):
    return _expand(g, a, axis, keepdims) * _prod_others(a, _axes(a, axis))


# -- extrema -------------------------------------------------------------------------


@vjp(np.max, np.amax, np.ndarray.max, np.min, np.amin, np.ndarray.min)
def extremum(g, ans, a, axis=None, *, keepdims=False):
    return _extremum(g, ans, a, axis, keepdims)


@vjp(np.ptp)
def ptp(g, ans, a, axis=None, *, keepdims=False):
    """ptp = max - min (ties split equally, as for max and min)."""
    hi = np.max(a, axis=axis, keepdims=keepdims)
    lo = np.min(a, axis=axis, keepdims=keepdims)
    return _extremum(g, hi, a, axis, keepdims) - _extremum(g, lo, a, axis, keepdims)


# -- spread ----------------------------------------------------------------------------


@vjp(np.var, np.ndarray.var)
def var(g, ans, a, axis=None, *, ddof=0, keepdims=False):
    # d var / d a_i = 2 (a_i - mean) / (N - ddof)
    centred = _rt.as_array(a) - np.mean(a, axis=axis, keepdims=True)
    return _expand(g, a, axis, keepdims) * centred * (2.0 / (_count(a, ans) - ddof))


@vjp(np.std, np.ndarray.std)
def std(g, ans, a, axis=None, *, ddof=0, keepdims=False):
    """d std / d a_i = (a_i - mean) / ((N - ddof) std); 0 where std is 0 (a kink)."""
    centred = _rt.as_array(a) - np.mean(a, axis=axis, keepdims=True)
    scale = _safe_div(_keep(g, a, axis, keepdims), _keep(ans, a, axis, keepdims))
    return scale * centred / (_count(a, ans) - ddof)


# -- scans ---------------------------------------------------------------------------


@vjp(np.cumsum, np.ndarray.cumsum, complex=True)
def cumsum(g, ans, a, axis=None, dtype=None):
    # A reversed cumulative sum of g; axis=None scans the flattened input.
    return np.reshape(np.flip(np.cumsum(np.flip(g, axis), axis), axis), np.shape(a))


@vjp(np.cumprod, np.ndarray.cumprod, complex=True)
def cumprod(g, ans, a, axis=None, dtype=None):
    """d/d a_i of sum_k g_k prod_{j<=k} a_j = P_{i-1} * S_i, where P is the
    exclusive prefix product and S_i = g_i + a_{i+1} S_{i+1} (a reversed scan).

    Without zeros in ``a`` this equals revcumsum(g * ans) / a, which is
    vectorised; with zeros the scan runs as a loop along the axis.
    """
    x = _floating(a)
    if axis is None:
        x, ax = x.ravel(), 0
    else:
        ax = int(axis) % x.ndim
    g = np.broadcast_to(g, np.shape(ans))
    if np.all(x != 0):
        out = np.flip(np.cumsum(np.flip(g * ans, ax), ax), ax) / x
        return np.reshape(out, np.shape(a))
    x, g = np.moveaxis(x, ax, 0), np.moveaxis(g, ax, 0)
    s = [g[-1]]  # S_i, from the last entry back
    for i in range(x.shape[0] - 2, -1, -1):
        s.append(g[i] + x[i + 1] * s[-1])
    s = np.stack(s[::-1])
    before = np.cumprod(np.concatenate([np.ones_like(x[:1]), x[:-1]]), axis=0)
    return np.reshape(np.moveaxis(before * s, 0, ax), np.shape(a))


# -- norms -------------------------------------------------------------------------------


def _vector_norm_cot(g, ans, x, ord, axis):
    """Cotangent of a vector norm along ``axis``; ``g`` and ``ans`` keep that axis."""
    if ord is None or ord == 2:
        return _safe_div(g, ans) * x
    if ord == 1:
        return g * np.sign(x)
    if ord == 0:
        return np.zeros_like(x)  # the count of nonzeros is piecewise constant
    if ord in (np.inf, -np.inf):
        # max |x| (min |x|): like max/min, ties split the cotangent equally.
        hit = np.abs(x) == ans
        return g * np.sign(x) * hit / np.sum(hit, axis=axis, keepdims=True)
    # (sum |x|^p)^(1/p): d/dx_i = sign(x_i) |x_i|^(p-1) / ans^(p-1)
    return g * np.sign(x) * _safe_div(np.abs(x), ans) ** (ord - 1)


def _matrix_norm_cot(g, ans, x, ord):
    """Cotangent of a matrix norm over the last two axes; ``g`` and ``ans`` have shape (..., 1, 1)."""
    if ord is None or ord == "fro":
        return _safe_div(g, ans) * x
    if ord in ("nuc", 2, -2):
        u, s, vh = np.linalg.svd(x, full_matrices=False)
        if ord == "nuc":  # sum of singular values: d = U V^T (x of full rank)
            return g * (u @ vh)
        k = 0 if ord == 2 else s.shape[-1] - 1  # largest / smallest singular value: u_k v_k^T
        return g * (u[..., :, k : k + 1] @ vh[..., k : k + 1, :])
    if ord in (1, -1, np.inf, -np.inf):
        # 1: max over columns of the column sums of |x|; inf: the same over rows.
        # Ties between columns (rows) split the cotangent equally.
        along, across = (-2, -1) if ord in (1, -1) else (-1, -2)
        sums = np.sum(np.abs(x), axis=along, keepdims=True)
        pick = np.max if ord in (1, np.inf) else np.min
        hit = sums == pick(sums, axis=across, keepdims=True)
        return g * np.sign(x) * hit / np.sum(hit, axis=(-2, -1), keepdims=True)
    raise ValueError(f"invalid norm order {ord!r} for matrices")


@vjp(np.linalg.norm)
def norm(g, ans, x, ord=None, axis=None, keepdims=False):
    """Vector norms (ord None/2/1/inf/-inf/0/p) along one axis, matrix norms
    (None/'fro'/'nuc'/2/-2/1/-1/inf/-inf) over two; NumPy's rules decide which.

    At a kink (a zero vector, tied maxima) the cotangent is a subgradient: 0
    for a zero 2-norm, an equal split for ties.
    """
    x = _floating(x)
    if axis is None:
        if ord is None or x.ndim == 1:  # the 2-norm of all entries (or a vector norm)
            gk, ak = _keep(g, x, None, keepdims), _keep(ans, x, None, keepdims)
            return np.broadcast_to(_vector_norm_cot(gk, ak, x, ord, None), x.shape)
        axis = (0, 1)
    if not isinstance(axis, (tuple, list)) or len(axis) == 1:
        gk, ak = _keep(g, x, axis, keepdims), _keep(ans, x, axis, keepdims)
        return np.broadcast_to(_vector_norm_cot(gk, ak, x, ord, _axes(x, axis)), x.shape)
    # A matrix norm: move the two axes to the end, and back afterwards.
    mat = tuple(int(ax) % x.ndim for ax in axis)
    gk = np.moveaxis(_keep(g, x, axis, keepdims), mat, (-2, -1))
    ak = np.moveaxis(_keep(ans, x, axis, keepdims), mat, (-2, -1))
    cot = _matrix_norm_cot(gk, ak, np.moveaxis(x, mat, (-2, -1)), ord)
    return np.broadcast_to(np.moveaxis(cot, (-2, -1), mat), x.shape)


@vjp(np.linalg.vector_norm)
def vector_norm(g, ans, x, *, axis=None, keepdims=False, ord=2):
    """The entries along ``axis`` (all of them for None, several for a tuple) form one vector."""
    x = _floating(x)
    gk, ak = _keep(g, x, axis, keepdims), _keep(ans, x, axis, keepdims)
    axes = None if axis is None else _axes(x, axis)
    return np.broadcast_to(_vector_norm_cot(gk, ak, x, ord, axes), x.shape)


@vjp(np.linalg.matrix_norm)
def matrix_norm(g, ans, x, *, keepdims=False, ord="fro"):
    """A matrix norm over the last two axes."""
    x = _floating(x)
    gk, ak = _keep(g, x, (-2, -1), keepdims), _keep(ans, x, (-2, -1), keepdims)
    return np.broadcast_to(_matrix_norm_cot(gk, ak, x, ord), x.shape)
