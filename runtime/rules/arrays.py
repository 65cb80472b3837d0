"""Rules for array routines that difference, integrate, interpolate, convolve or
rearrange (diff, gradient, cross, convolve, interp, trapezoid, insert, delete,
rot90, meshgrid, polyval, nan_to_num, partition, ...).

Most of these are linear in their array arguments, so each cotangent is the
adjoint map applied to ``g``. Functions that only move entries (``append``,
``insert``, ``delete``) find where each entry went by running the primal on
the entries' numbers (``_moved``) and add ``g`` back with ``np.bincount``.

``np.gradient`` and ``np.meshgrid`` return a tuple of arrays (``gradient`` one
array for a single axis). Their rules are single-result rules: the transpiler hands
a used tuple's cotangent over as a list, as the outputs' cotangents stacked, or,
for ``(a,) = ...``, as the one output's cotangent (``_per_output`` reads all
three), so the tuple may be unpacked, indexed, stacked or iterated over.

``np.put_along_axis`` changes its argument in place and has no rule: the
transpiler refuses it on differentiated values like ``np.put`` and
``np.copyto`` (AD109 as a statement, AD305 otherwise; ``transpiler/memory.py``);
build the array with a store (``y[i] = v``) or ``np.take_along_axis`` instead.
"""

import warnings

import numpy as np

import adgen.runtime as _rt
from adgen.runtime.registry import vjp

# -- helpers -----------------------------------------------------------------------


def _diff_back(g, n, axis):
    """The cotangent of ``np.diff(x, n, axis)``: the adjoint of one difference, n times."""
    g = _rt.as_array(g)
    axis = axis % g.ndim
    width = [(0, 0)] * g.ndim
    for _ in range(n):
        before, after = list(width), list(width)
        before[axis], after[axis] = (1, 0), (0, 1)
        g = np.pad(g, before) - np.pad(g, after)
    return g


def _moved(g, numbered, size, shape):
    """The cotangent of an input whose entries ``numbered`` says where each entry of the
    result came from (its number, or -1 for entries from elsewhere): ``g`` summed back."""
    numbered = np.ravel(numbered)
    g = np.ravel(np.broadcast_to(g, np.shape(numbered) if np.ndim(g) == 0 else np.shape(g)))
    hit = numbered >= 0
    return np.reshape(np.bincount(numbered[hit], g[hit], minlength=size), shape)


def _numbers(x, *others):
    """The entries' numbers, shaped like ``x``, in the library of ``x`` or ``others``'s arrays."""
    return np.arange(np.size(x), like=_rt.like(x, *others)).reshape(np.shape(x))


def _per_output(g, ans):
    """The cotangent of a tuple result, one per output. It arrives as a list, as the outputs'
    cotangents stacked (outputs of one shape), as ``0.0`` (unused), or, for a 1-tuple
    unpacked as ``(a,) = ...``, as the one output's cotangent itself."""
    if isinstance(g, (list, tuple)):
        return tuple(g)
    if np.ndim(g) == 0:
        return (g,) * len(ans)
    if len(ans) == 1 and np.ndim(g) != np.ndim(ans[0]) + 1:
        return (g,)
    return tuple(g)


def _marks(x, *others):
    return np.full(np.shape(x), -1, dtype=np.intp, like=_rt.like(x, *others))


# -- differences -------------------------------------------------------------------


@vjp(np.diff)
def diff(g, ans, a, n=1, axis=-1, prepend=None, append=None):
    """np.diff joins prepend, a, append along ``axis`` (a 0-d one broadcast to one slice),
    then differences n times; the cotangent of the joined array is cut back into the three."""
    if n == 0:
        return g, None, None, None, None
    full = _rt.rules.arrays._diff_back(g, n, axis)
    ax = axis % np.ndim(a)
    start = 0 if prepend is None else (1 if np.ndim(prepend) == 0 else np.shape(prepend)[ax])
    first, middle, last = np.split(full, [start, start + np.shape(a)[ax]], axis=ax)
    return middle, None, None, None if prepend is None else _rt.unbroadcast(first, prepend), None if append is None else _rt.unbroadcast(last, append)


@vjp(np.ediff1d)
def ediff1d(g, ans, ary, to_end=None, to_begin=None):
    g = np.ravel(g)
    begin = 0 if to_begin is None else np.size(to_begin)
    end = len(g) - (0 if to_end is None else np.size(to_end))
    da = _rt.rules.arrays._diff_back(g[begin:end], 1, 0) if np.size(ary) else np.zeros(0, like=_rt.like(g))
    return (
        np.reshape(da, np.shape(ary)),
        None if to_end is None else np.reshape(g[end:], np.shape(to_end)),
        None if to_begin is None else np.reshape(g[:begin], np.shape(to_begin)),
    )


# np.unwrap adds to p a multiple of the period that is constant between jumps (it
# changes only where a difference crosses discont): its derivative in p is one. In
# discont it is piecewise constant; in period it is not (the multiple is), so both
# are declared constant: a differentiated value reaching them is refused (AD311).
@vjp(np.unwrap, constant=("discont", "period"))
def unwrap(g, ans, p, discont=None, axis=-1, *, period=6.283185307179586):
    return g


def _gradient_back(g, ans, f, spacings, axis, edge_order):
    """Cotangents of ``np.gradient``: of ``f`` and of each spacing argument.

    Along one axis the result is linear in ``f`` and entry i reads at most three
    entries of ``f``, which differ mod 3 (i-1, i, i+1; 0, 1, 2 at the start; the last
    three at the end); so the gradients of the three probes ``arange(n) % 3 == c``
    give every weight, and entry i's weight for colour c belongs to the one entry of
    that colour it reads. A coordinate array's cotangent comes the same way from a
    complex step in the coordinates of one colour (the result is rational in them)."""
    f = _rt.as_array(f)
    like = _rt.like(f)
    axes = tuple(range(f.ndim)) if axis is None else tuple(np.atleast_1d(axis) % f.ndim)
    given = len(spacings)
    if given == 0:
        spacings = (1.0,) * len(axes)
    elif given == 1:
        spacings = tuple(spacings) * len(axes)
    gs = _per_output(g, ans) if isinstance(ans, (tuple, list)) else (g,)
    outs = tuple(ans) if isinstance(ans, (tuple, list)) else (ans,)
    df = np.zeros(f.shape, _rt.float_dtype(f), like=like)
    dspacings = []
    for ax, h, gk, ak in zip(axes, spacings, gs, outs):
        gk = np.moveaxis(np.broadcast_to(gk, np.shape(ak)), ax, 0)
        n = f.shape[ax]
        rows = np.arange(n, like=like)
        for c in range(3):
            weights = np.gradient((rows % 3 == c).astype(float), h, edge_order=edge_order)
            start = np.clip(rows - 1, 0, max(n - 3, 0))  # the first of the entries row i reads
            source = np.minimum(start + (c - start) % 3, n - 1)
            np.add.at(np.moveaxis(df, ax, 0), source, weights.reshape((-1,) + (1,) * (f.ndim - 1)) * gk)
        if np.ndim(h) == 0:
            dspacings.append(-np.sum(gk * np.moveaxis(ak, ax, 0)) / h)
            continue
        fk = np.moveaxis(f, ax, 0)
        dh = np.zeros(n, like=like)
        for c in range(3):
            step = 1e-30 * (rows % 3 == c)
            rate = np.imag(np.gradient(fk.astype(complex), np.asarray(h, float, like=like) + 1j * step, axis=0, edge_order=edge_order)) / 1e-30
            start = np.clip(rows - 1, 0, max(n - 3, 0))
            source = np.minimum(start + (c - start) % 3, n - 1)
            np.add.at(dh, source, np.sum(np.reshape(rate * gk, (n, -1)), axis=1))
        dspacings.append(dh)
    if given == 0:
        return (df,)
    if given == 1:
        return (df, sum(dspacings))
    return (df, *dspacings)


def refuse_gradient(edge_order=1, **_):
    if edge_order not in (1, 2):
        return "np.gradient takes edge_order 1 or 2"
    return None


@vjp(np.gradient, refuse=refuse_gradient)
def gradient(g, ans, f, *varargs, axis=None, edge_order=1):
    """A result of one array (1-D ``f``, or one axis) or a tuple of them (one per axis)."""
    return tuple(_rt.rules.arrays._gradient_back(g, ans, f, varargs, axis, edge_order))


# -- products, convolution -------------------------------------------------------------


@vjp(np.cross)
def cross(g, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    d = _rt.rules.arrays._cross_back(g, a, b, axisa, axisb, axisc, axis)
    return d[0], d[1]


@vjp(np.linalg.cross)
def linalg_cross(g, ans, x1, x2, axis=-1):
    d = _rt.rules.arrays._cross_back(g, x1, x2, -1, -1, -1, axis)
    return d[0], d[1]


@vjp(np.vander)
def vander(g, ans, x, N=None, increasing=False):
    # column j is x ** p_j: p = 0 .. N-1, or N-1 .. 0
    n = np.shape(ans)[-1]
    powers = np.arange(n, like=_rt.like(x))
    powers = powers if increasing else powers[::-1]
    slopes = powers * np.power(x[:, None], np.maximum(powers - 1, 0))
    return np.sum(g * slopes, axis=-1)


def _cross_back(g, a, b, axisa, axisb, axisc, axis):
    """a x b is linear in each: <g, a x b> = <b x g, a> = <g x a, b>, with 2-vectors
    read as 3-vectors of z = 0 (two 2-vectors give only the z component)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    like = _rt.like(a, b)
    a = np.moveaxis(np.asarray(a, like=like), axisa, -1)
    b = np.moveaxis(np.asarray(b, like=like), axisb, -1)
    na, nb = a.shape[-1], b.shape[-1]
    a3 = np.concatenate([a, np.zeros(a.shape[:-1] + (3 - na,), like=like)], -1)
    b3 = np.concatenate([b, np.zeros(b.shape[:-1] + (3 - nb,), like=like)], -1)
    g = np.asarray(g, float, like=like)
    if na == nb == 2:
        g3 = np.stack([np.zeros_like(g), np.zeros_like(g), g], -1)
    else:
        g3 = np.moveaxis(g, axisc, -1)
    da = _rt.unbroadcast(np.cross(b3, g3)[..., :na], a)
    db = _rt.unbroadcast(np.cross(g3, a3)[..., :nb], b)
    return np.moveaxis(da, -1, axisa), np.moveaxis(db, -1, axisb)


def _full_cot(g, n, m):
    """``g`` of a 'same' or 'valid' convolution put in its place in the full one."""
    full = np.zeros(n + m - 1, np.result_type(g, float), like=_rt.like(g))
    start = (len(full) - np.size(g)) // 2
    full[start : start + np.size(g)] = g
    return full


@vjp(np.convolve)
def convolve(g, ans, a, v, mode="full"):
    # full[k] = sum_i a[i] v[k - i]: da[i] = sum_k g[k] v[k - i], a correlation with v
    return (
        np.correlate(_rt.rules.arrays._full_cot(g, np.size(a), np.size(v)), np.ravel(v), "valid"),
        np.correlate(_rt.rules.arrays._full_cot(g, np.size(a), np.size(v)), np.ravel(a), "valid"),
    )


@vjp(np.correlate)
def correlate(g, ans, a, v, mode="valid"):
    # correlate(a, v) is convolve(a, v[::-1]) (their 'same' results may be cut at another offset)
    d = _rt.rules.arrays._correlate_back(g, a, v, mode)
    return d[0], d[1]


def _correlate_back(g, a, v, mode):
    a, v = np.ravel(a), np.ravel(v)
    full = np.correlate(a, v, "full")
    out = np.correlate(a, v, mode)
    start = next(s for s in range(len(full) - len(out) + 1) if np.array_equal(full[s : s + len(out)], out)) if mode == "same" else (len(full) - len(out)) // 2
    gfull = np.zeros(len(full), np.result_type(g, float), like=_rt.like(full))
    gfull[start : start + len(out)] = g
    return np.correlate(gfull, v[::-1], "valid"), np.correlate(gfull, a, "valid")[::-1]


# -- interpolation and integration --------------------------------------------------------


def _interp_back(g, x, xp, fp, left, right, period):
    """Cotangents of ``np.interp``: it is piecewise linear, out = fp[j] + t (fp[j+1] - fp[j])
    with t = (x - xp[j]) / (xp[j+1] - xp[j]) for xp[j] <= x < xp[j+1]; outside it is the
    edge value (or ``left``/``right``). At a knot the right-hand piece's slope is used."""
    like = _rt.like(x, xp, fp)
    x, xp, fp = np.asarray(x, float, like=like), np.asarray(xp, float, like=like), np.asarray(fp, float, like=like)
    g = np.broadcast_to(np.asarray(g, like=like), x.shape)
    order = None
    if period is not None:
        sign, period = np.sign(period), abs(period)
        kx, kxp = np.floor(x / period), np.floor(xp / period)  # x mod period = x - k period
        x = np.mod(x, period)
        xq = np.mod(xp, period)
        order = np.argsort(xq, kind="stable")
        xs, fs = xq[order], fp[order]
        xp = np.concatenate([xs[-1:] - period, xs, xs[:1] + period])
        fp = np.concatenate([fs[-1:], fs, fs[:1]])
    n = len(xp)
    dfp, dxp = np.zeros(n, like=like), np.zeros(n, like=like)
    if n == 1:
        dfp[0] = np.sum(g * ((x == xp[0]) | ((x < xp[0]) & (left is None)) | ((x > xp[0]) & (right is None))))
        dx = np.zeros(x.shape, like=like)
    else:
        j = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, n - 2)
        width = xp[j + 1] - xp[j]
        safe = np.where(width == 0, 1.0, width)
        t = np.where(width == 0, 1.0, (x - xp[j]) / safe)
        slope = np.where(width == 0, 0.0, (fp[j + 1] - fp[j]) / safe)
        inside = (x >= xp[0]) & (x <= xp[-1])
        below, above = x < xp[0], x > xp[-1]
        w = g * inside
        np.add.at(dfp, j, w * (1 - t))
        np.add.at(dfp, j + 1, w * t)
        np.add.at(dxp, j, -w * slope * (1 - t))
        np.add.at(dxp, j + 1, -w * slope * t)
        if left is None:
            dfp[0] += np.sum(g * below)
        if right is None:
            dfp[-1] += np.sum(g * above)
        dx = g * slope * ((x >= xp[0]) & (x < xp[-1]))
    dleft = None if left is None or period is not None else np.sum(g * (x < xp[0]))
    dright = None if right is None or period is not None else np.sum(g * (x > xp[-1]))
    if order is not None:
        fold_f, fold_x = dfp[1:-1].copy(), dxp[1:-1].copy()
        fold_f[-1] += dfp[0]
        fold_f[0] += dfp[-1]
        fold_x[-1] += dxp[0]
        fold_x[0] += dxp[-1]
        dperiod = sign * (dxp[-1] - dxp[0] - np.sum(dx * kx) - np.sum(fold_x * kxp[order]))
        dfp, dxp = np.zeros(len(order), like=like), np.zeros(len(order), like=like)
        dfp[order], dxp[order] = fold_f, fold_x
        return dx, dxp, dfp, None, None, dperiod
    return dx, dxp, dfp, dleft, dright, None


@vjp(np.interp)
def interp(g, ans, x, xp, fp, left=None, right=None, period=None):
    d = _rt.rules.arrays._interp_back(g, x, xp, fp, left, right, period)
    return d[0], d[1], d[2], d[3], d[4], d[5]


def _trapezoid_back(g, y, x, dx, axis):
    """trapezoid = sum over the intervals of d * (y[i] + y[i+1]) / 2 along ``axis``,
    with d = diff(x) (a 1-D x lies along ``axis``) or ``dx``."""
    y = _rt.as_array(y)
    axis = axis % y.ndim
    n = y.shape[axis]
    lo = (slice(None),) * axis + (slice(0, n - 1),)
    hi = (slice(None),) * axis + (slice(1, n),)
    if x is None:
        d = dx
    elif np.ndim(x) == 1:
        d = np.reshape(np.diff(x), [-1 if k == axis else 1 for k in range(y.ndim)])
    else:
        d = np.diff(x, axis=axis)
    gk = np.expand_dims(_rt.as_array(g, ref=y), axis)
    dy = np.zeros(y.shape, _rt.float_dtype(y), like=_rt.like(y))
    dy[lo] += gk * d / 2.0
    dy[hi] += gk * d / 2.0
    dd = gk * (y[lo] + y[hi]) / 2.0
    if x is None:
        return dy, None, _rt.unbroadcast(dd * np.ones(np.shape(dx), like=_rt.like(dd)), dx)
    if np.ndim(x) == 1:
        dd = np.sum(dd, axis=tuple(k for k in range(y.ndim) if k != axis))
        return dy, _rt.rules.arrays._diff_back(dd, 1, 0), None
    return dy, _rt.rules.arrays._diff_back(_rt.unbroadcast(dd, d), 1, axis), None


def trapezoid(g, ans, y, x=None, dx=1.0, axis=-1):
    d = _rt.rules.arrays._trapezoid_back(g, y, x, dx, axis)
    return d[0], d[1], d[2]


# np.trapezoid from NumPy 2.0; np.trapz before it (deprecated in 2.0, gone in 2.4): looking
# it up must not warn
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    _TRAPEZOIDS = [f for f in (getattr(np, "trapezoid", None), getattr(np, "trapz", None)) if f is not None]
vjp(*{id(f): f for f in _TRAPEZOIDS}.values())(trapezoid)


# -- moving entries -----------------------------------------------------------------------


@vjp(np.append)
def append(g, ans, arr, values, axis=None):
    return (
        _rt.rules.arrays._moved(g, np.append(_rt.rules.arrays._numbers(arr, values), _rt.rules.arrays._marks(values, arr), axis), np.size(arr), np.shape(arr)),
        _rt.rules.arrays._moved(
            g, np.append(_rt.rules.arrays._marks(arr, values), _rt.rules.arrays._numbers(values, arr), axis), np.size(values), np.shape(values)
        ),
    )


@vjp(np.insert)
def insert(g, ans, arr, obj, values, axis=None):
    return (
        _rt.rules.arrays._moved(
            g, np.insert(_rt.rules.arrays._numbers(arr, values), obj, _rt.rules.arrays._marks(values, arr), axis), np.size(arr), np.shape(arr)
        ),
        None,
        _rt.rules.arrays._moved(
            g, np.insert(_rt.rules.arrays._marks(arr, values), obj, _rt.rules.arrays._numbers(values, arr), axis), np.size(values), np.shape(values)
        ),
    )


@vjp(np.delete)
def delete(g, ans, arr, obj, axis=None):
    return _rt.rules.arrays._moved(g, np.delete(_rt.rules.arrays._numbers(arr), obj, axis), np.size(arr), np.shape(arr))


@vjp(np.rot90, complex=True)
def rot90(g, ans, m, k=1, axes=(0, 1)):
    return np.rot90(g, -k, axes)


@vjp(np.rollaxis, complex=True)
def rollaxis(g, ans, a, axis, start=0):
    return np.transpose(g, np.argsort(_rt.rules.arrays._rolled(np.ndim(a), axis, start)).tolist())


def _rolled(ndim, axis, start):
    """The axes of ``a`` in the order ``np.rollaxis(a, axis, start)`` puts them (NumPy's steps)."""
    axis = axis % ndim
    if start < 0:
        start += ndim
    if axis < start:
        start -= 1
    axes = list(range(ndim))
    axes.remove(axis)
    axes.insert(start, axis)
    return axes


@vjp(np.meshgrid)
def meshgrid(g, ans, *xi, copy=True, sparse=False, indexing="xy"):
    return tuple(_rt.rules.arrays._meshgrid_back(g, ans, xi, indexing))


def _meshgrid_back(g, ans, xi, indexing):
    """Output k holds x_k (raveled) along axis k (axes 0 and 1 swapped for 'xy'), repeated
    (or broadcast, ``sparse``) along the others: sum over those."""
    out = []
    for k, (gk, ak, x) in enumerate(zip(_per_output(g, ans), ans, xi)):
        ax = 1 - k if indexing == "xy" and len(xi) > 1 and k < 2 else k
        gk = np.broadcast_to(_rt.as_array(gk, ref=ak), np.shape(ak)) if np.ndim(gk) == 0 else gk
        axes = tuple(d for d in range(np.ndim(gk)) if d != ax)
        out.append(np.reshape(np.sum(gk, axis=axes), np.shape(x)))
    return out


# -- polynomials, cleaning, partial sorting --------------------------------------------------


def _polyval_back(g, p, x):
    """y = sum_i p[i] x**(N-1-i) (Horner's order): dp[i] = g x**(N-1-i), dx = g y'(x)."""
    like = _rt.like(p, x)
    p, x = np.asarray(p, like=like), np.asarray(x, like=like)
    n = len(p)
    dp = [_rt.unbroadcast(_rt.as_array(g * x ** (n - 1 - i) * np.ones(np.shape(p[i]), like=like)), p[i]) for i in range(n)]
    slope = sum((p[i] * (n - 1 - i) * x ** (n - 2 - i) for i in range(n - 1)), np.zeros((), like=like))
    return np.reshape(np.stack(dp) if n else np.zeros(0, like=like), p.shape), _rt.unbroadcast(_rt.as_array(g * slope * np.ones(np.shape(x), like=like)), x)


@vjp(np.polyval)
def polyval(g, ans, p, x):
    d = _rt.rules.arrays._polyval_back(g, p, x)
    return d[0], d[1]


@vjp(np.nan_to_num)
def nan_to_num(g, ans, x, copy=True, nan=0.0, posinf=None, neginf=None):
    # non-finite entries are replaced by constants: their cotangent is 0, and the
    # replacement values get what flows to the entries they fill
    return (
        g * np.isfinite(x),
        None,
        np.sum(g * np.isnan(x)),
        None if posinf is None else np.sum(g * np.isposinf(x)),
        None if neginf is None else np.sum(g * np.isneginf(x)),
    )


@vjp(np.partition)
def partition(g, ans, a, kth, axis=-1, kind="introselect", order=None):
    return _rt.rules.arrays._partition_back(g, ans, a, axis)


def _partition_back(g, ans, a, axis):
    """The result is a permutation of ``a`` along ``axis`` (of ``a`` raveled, axis None):
    sorting both matches each result entry with an entry of equal value (at ties any
    match is as good)."""
    a = _rt.as_array(a)
    shape = a.shape
    if axis is None:
        a, axis = np.ravel(a), 0
    g = np.broadcast_to(g, np.shape(ans))
    out = np.zeros(a.shape, _rt.float_dtype(a), like=_rt.like(a))
    np.put_along_axis(out, np.argsort(a, axis=axis, kind="stable"), np.take_along_axis(g, np.argsort(ans, axis=axis, kind="stable"), axis=axis), axis=axis)
    return out.reshape(shape)


@vjp(np.broadcast_arrays)
def broadcast_arrays(g, ans, *args, subok=False):
    # each result is its argument broadcast: its cotangent is summed back (see _per_output)
    return tuple(
        _rt.unbroadcast(np.broadcast_to(_rt.as_array(gk, ref=ak), np.shape(ak)), x) for gk, ak, x in zip(_rt.rules.arrays._per_output(g, ans), ans, args)
    )
