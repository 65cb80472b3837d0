"""The rule of ``np.pad``, in every mode NumPy has.

``np.pad`` pads one axis after the other, each over the array as padded so
far (axis 1's padding fills the corners that axis 0's left), so the cotangent
undoes the axes in reverse order. Along one axis, the middle of ``g`` goes
back to the array as it is, and each padded entry's cotangent goes to the
entries it was made from:

- ``constant``, ``empty``: from none (``constant_values`` get the sum);
- ``edge``, ``wrap``, ``reflect``, ``symmetric``: each padded entry is an
  inner entry (with sign -1 in an odd reflection), plus multiples of the two
  edge entries (odd reflections only); probing the one-dimensional pad with
  unit vectors finds which and with what weight;
- ``linear_ramp``: from the edge entry, with the ramp's weights
  (``end_values`` get the rest);
- ``mean``: from the ``stat_length`` entries at that side, equally;
  ``maximum``, ``minimum``: from the extreme entries (ties share);
  ``median``: from the middle entry, or the two middle entries half each.

A function given as ``mode`` has no rule (AD210 where the transpiler sees it,
AD411 when it arrives at run time).
"""

import numpy as np

import adgen.runtime as _rt
from adgen.runtime import errors
from adgen.runtime.registry import vjp

_STATS = ("maximum", "minimum", "mean", "median")
_SOURCED = ("edge", "wrap", "reflect", "symmetric")


def refuse(mode="constant", **_):
    """Why a call with these (statically known) arguments cannot be differentiated, or None."""
    if callable(mode):
        return "np.pad with a function as `mode` has no derivative rule; use one of NumPy's named modes"
    return None


@vjp(np.pad, refuse=refuse)
def pad(g, ans, array, pad_width, mode="constant", stat_length=None, constant_values=0, end_values=0, reflect_type="even"):
    if callable(mode):
        raise errors.AD411_PAD_FUNCTION.error(mode=getattr(mode, "__name__", mode))
    shape = np.shape(array)
    ndim = len(shape)
    widths = _pairs(pad_width, ndim, as_index=True)
    lengths = [(None, None)] * ndim if stat_length is None else _pairs(stat_length, ndim, as_index=True)
    g = np.broadcast_to(g, np.shape(ans))
    gx = g
    for axis in reversed(range(ndim)):
        before, after = (int(w) for w in widths[axis])
        stage = _stage_input(array, widths, axis, mode, stat_length) if mode in _STATS else None
        gx = _axis_cot(gx, axis, shape[axis], before, after, mode, reflect_type, stage, lengths[axis])
    d_const = _values_cot(g, shape, widths, mode, "constant_values", constant_values) if mode == "constant" else None
    d_end = _values_cot(g, shape, widths, mode, "end_values", end_values) if mode == "linear_ramp" else None
    return gx, None, None, None, d_const, d_end, None


def _pairs(x, ndim, as_index=False):
    """``x`` (a pad width, stat length or pad values) as NumPy reads it: one (before, after)
    pair per axis; a dict maps axes to a width or a pair."""
    if isinstance(x, dict):
        seq = [(0, 0)] * ndim
        for axis, width in x.items():
            seq[axis] = (width, width) if np.ndim(width) == 0 else tuple(width)
        x = seq
    x = np.asarray(x)
    if as_index:
        x = np.round(x).astype(np.intp)
    if x.size == 2 and x.shape != (2, 1):
        x = x.ravel()
    return np.broadcast_to(x.ravel() if x.size == 1 else x, (ndim, 2))


def _stage_input(array, widths, axis, mode, stat_length):
    """The array as padded along the axes before ``axis``: what the pass along ``axis`` reads."""
    done = [tuple(w) if k < axis else (0, 0) for k, w in enumerate(widths)]
    kw = {} if stat_length is None else {"stat_length": stat_length}
    return np.moveaxis(np.pad(_rt.as_array(array), done, mode, **kw), axis, 0)


def _axis_cot(g, axis, n, before, after, mode, reflect_type, stage, lengths):
    """The cotangent of the pass along ``axis`` (``n`` entries padded by ``before``, ``after``)."""
    if before == after == 0:
        return g
    g = np.moveaxis(g, axis, 0)
    out = g[before : before + n].astype(np.result_type(g, np.float64))
    left, right = g[:before], g[before + n :]
    if mode == "linear_ramp":
        ramp = np.pad(np.ones(1, like=_rt.like(g)), (before, after), mode, end_values=0)  # the edge entry's weights
        out[0] += np.tensordot(ramp[:before], left, 1)
        out[-1] += np.tensordot(ramp[before + 1 :], right, 1)
    elif mode in _STATS:
        for side, chunk in ((left, slice(0, _length(lengths[0], n))), (right, slice(n - _length(lengths[1], n), n))):
            if len(side) and chunk.start != chunk.stop:  # stat_length=0: NaN padding, from no entry
                out[chunk] += _stat_weights(mode, stage[chunk]) * np.sum(side, axis=0)
    elif mode in _SOURCED:
        _add_sourced(out, np.concatenate([left, right]), n, before, after, mode, reflect_type)
    return np.moveaxis(out, 0, axis)


def _length(length, n):
    return n if length is None else min(int(length), n)


def _stat_weights(mode, chunk):
    """d stat(chunk) / d chunk along axis 0 (a subgradient at ties)."""
    if mode == "mean":
        return np.full(chunk.shape, 1.0 / len(chunk), like=_rt.like(chunk))
    if mode in ("maximum", "minimum"):
        hit = chunk == (np.max if mode == "maximum" else np.min)(chunk, axis=0, keepdims=True)
        return hit / np.sum(hit, axis=0, keepdims=True)
    order = np.argsort(chunk, axis=0)
    middle = sorted({(len(chunk) - 1) // 2, len(chunk) // 2})
    weights = np.zeros(chunk.shape, like=_rt.like(chunk))
    for m in middle:
        np.put_along_axis(weights, order[m : m + 1], 1.0 / len(middle), axis=0)
    return weights


def _add_sourced(out, padded, n, before, after, mode, reflect_type):
    """Add the cotangents of the padded entries (``padded``, the left ones then the right
    ones) to the entries they were made from: at most one inner entry each, with weight
    +-1, and the two edge entries, whose weights probing with unit vectors finds."""
    kw = {"reflect_type": reflect_type} if mode in ("reflect", "symmetric") else {}
    rows = np.r_[0:before, before + n : before + n + after]

    def probe(v):
        return np.pad(v, (before, after), mode, **kw)[rows]

    like = _rt.like(padded)
    unit = _rt.eye(n, like=like)
    out[0] += np.tensordot(probe(unit[0]), padded, 1)
    if n > 1:
        out[-1] += np.tensordot(probe(unit[-1]), padded, 1)
    if n > 2:
        inner = np.ones(n, like=like)
        inner[[0, -1]] = 0.0
        sign = probe(inner)
        source = np.pad(np.arange(n, like=like), (before, after), mode)[rows]  # the inner entry each is made from
        hit = sign != 0
        np.add.at(out, source[hit], sign[hit].reshape((-1,) + (1,) * (padded.ndim - 1)) * padded[hit])


def _values_cot(g, shape, widths, mode, key, values):
    """The cotangent of ``constant_values`` or ``end_values``: the padded result is linear
    in them, so pad zeros with each (before, after) value in turn set to 1 to see where it goes."""
    if np.ndim(values) == 0 and mode == "constant":
        inner = tuple(slice(b, b + n) for (b, _), n in zip(widths, shape))
        return np.sum(g) - np.sum(g[inner])
    ndim = len(shape)
    zeros = np.zeros(shape, like=_rt.like(g))
    widths = widths.tolist()
    d = []
    for k in np.ndindex(ndim, 2):
        unit = np.zeros((ndim, 2))
        unit[k] = 1.0
        d.append(np.sum(g * np.pad(zeros, widths, mode, **{key: unit.tolist()})))
    return _rt.unbroadcast(np.reshape(np.stack(d), (ndim, 2)), values)
