"""Rules for functions that pick entries: indexing, where, clip, take, sort, select.

Each result entry is a copy of one argument entry, so the cotangent sends each
entry of ``g`` back to where it came from. Where one entry may be picked more
than once (integer-array indices, ``take``, ``take_along_axis``) the
contributions are summed with ``np.add.at`` into a fresh zero array. Masks and
index arrays themselves have no cotangent.
"""

import operator
import sys

import numpy as np

import adgen.runtime as _rt
from adgen.runtime.backends import is_array
from adgen.runtime.inplace import may_repeat
from adgen.runtime.refs import alone
from adgen.runtime.registry import vjp

# -- subscripts: x[index] ----------------------------------------------------------------


@vjp(operator.getitem, complex=True)
def getitem(g, ans, a, index):
    return _rt.rules.selection.scatter(g, a, index)


def scatter(g, a, index):
    """A zero cotangent for ``a`` with ``g`` at ``a[index]`` (``a.index`` for the name of
    an object's attribute: ``adgen.runtime.container_adjoints``)."""
    if isinstance(a, (list, tuple, dict)) or type(index) is str:
        return _rt.container_adjoints.scatter(g, a, index)
    return _add_at(_rt.zeros_for(a, g), g, index)


def _add_at(out, g, index):
    """``out[index] += g`` in place, where an entry picked twice gets both contributions."""
    if _rt.like(out, g) is not None:  # another library's array (a NumPy one can take no store of one)
        return _added_at(out, g, index)
    if may_repeat(index):
        np.add.at(out, index, g)  # repeated entries accumulate
    else:
        out[index] += g  # ints, slices, None, Ellipsis and masks pick each entry at most once
    return out


def _added_at(out, g, index):
    """``_add_at`` for an array of another library, as a new array (Dask's arrays take neither
    ``np.add.at`` nor every store): each entry's contributions summed by ``np.bincount`` over
    the positions ``index`` picks in the flattened array."""
    out = _rt.as_array(out, ref=g)  # a NumPy array taking another library's cotangent: of that library
    parts = index if isinstance(index, tuple) else (index,)
    parts = tuple(_rt.as_array(p, ref=out) if isinstance(p, (list, np.ndarray)) else p for p in parts)
    picked = np.arange(out.size, like=out).reshape(out.shape)[parts]
    picked, g = np.broadcast_arrays(picked, _rt.as_array(g, ref=out))  # of one shape, and one chunking on Dask
    picked, size = np.ravel(picked), out.size
    if g.dtype.kind == "c":  # bincount sums real weights
        summed = np.bincount(picked, np.ravel(g.real), size) + 1j * np.bincount(picked, np.ravel(g.imag), size)
    else:
        summed = np.bincount(picked, np.ravel(g), size)
    return out + summed.reshape(out.shape).astype(out.dtype)


def scatter_add(acc, g, a, index):
    """``acc + scatter(g, a, index)``. When nothing but the caller's variable refers to
    ``acc`` and it is a float array of ``a``'s shape that owns its data, ``g``
    is added into it in place, so a loop over entries costs one array, not one per entry.
    (Adjoints can share an array, e.g. ``_dy = _rt.unbroadcast(_dx, y)`` returns
    ``_dx``; a shared array is never changed.)"""
    if isinstance(a, (list, tuple, dict)) or type(index) is str:
        count = sys.getrefcount(acc)
        return _rt.container_adjoints.scatter_add(acc, g, a, index, count)
    own = (
        alone(sys.getrefcount(acc))
        and isinstance(acc, np.ndarray)
        and acc.flags.owndata
        and acc.flags.writeable
        and acc.shape == np.shape(a)
        and acc.dtype.kind == "f"
    )
    if not own:
        acc = acc + _rt.zeros_for(a, acc, g)
    return _add_at(acc, g, index)


# -- where and select --------------------------------------------------------------------


@vjp(np.where, elementwise=True, complex=True)
def where(g, ans, condition, x, y):
    return None, _rt.unbroadcast(np.where(condition, g, 0.0), x), _rt.unbroadcast(np.where(condition, 0.0, g), y)


@vjp(np.select)
def select(g, ans, condlist, choicelist, default=0):
    # entry i comes from the first choice whose condition holds there, else from default
    taken = np.zeros(np.shape(g), bool, like=_rt.like(g, *choicelist))
    d_choices = []
    for cond, choice in zip(condlist, choicelist):
        mine = np.logical_and(cond, ~taken)
        d_choices.append(_rt.unbroadcast(np.where(mine, g, 0.0), choice))
        taken = taken | mine
    return None, _rt.Adj(d_choices), _rt.unbroadcast(np.where(taken, 0.0, g), default)


@vjp(np.choose, np.ndarray.choose)
def choose(g, ans, a, choices, mode="raise"):
    n = len(choices)
    a = _rt.as_array(a)
    if mode == "wrap":
        a = np.mod(a, n)
    elif mode == "clip":
        a = np.clip(a, 0, n - 1)
    d_choices = [_rt.unbroadcast(np.where(a == k, g, 0.0), choices[k]) for k in range(n)]
    if is_array(choices):
        return None, np.stack(d_choices)  # one array for an array of choices
    return None, _rt.Adj(d_choices)


# -- clip --------------------------------------------------------------------------------
# clip(a, lo, hi) is minimum(maximum(a, lo), hi). Each entry of g goes to the one
# operand the result entry equals; on ties it goes to a, and between lo and hi (lo == hi
# > a) to lo. A missing bound (None) gets no cotangent.


def _clip_masks(a, lo, hi):
    """Boolean masks: where the result is a, where it is lo, where it is hi."""
    low = a if lo is None else np.maximum(a, lo)
    at_hi = np.False_ if hi is None else low > hi
    at_lo = np.False_ if lo is None else (a < lo) & ~at_hi
    return ~(at_hi | at_lo), at_lo, at_hi


def _masked(g, mask, x):
    return None if x is None else _rt.unbroadcast(np.where(mask, g, 0.0), x)


@vjp(np.clip, elementwise=True)
def clip(g, ans, a, a_min=None, a_max=None, min=None, max=None):
    # NumPy 2 also spells the bounds min= and max=; only one spelling may be given
    lo = a_min if min is None else min
    hi = a_max if max is None else max
    at_a, at_lo, at_hi = _clip_masks(a, lo, hi)
    return (
        _masked(g, at_a, a),
        _masked(g, at_lo, a_min),
        _masked(g, at_hi, a_max),
        _masked(g, at_lo, min),
        _masked(g, at_hi, max),
    )


@vjp(np.ndarray.clip, elementwise=True)
def ndarray_clip(g, ans, a, min=None, max=None):
    at_a, at_lo, at_hi = _clip_masks(a, min, max)
    return _masked(g, at_a, a), _masked(g, at_lo, min), _masked(g, at_hi, max)


# -- take --------------------------------------------------------------------------------


@vjp(np.take, np.ndarray.take, complex=True)
def take(g, ans, a, indices, axis=None, mode="raise"):
    n = np.size(a) if axis is None else np.shape(a)[axis]
    if mode == "wrap":
        indices = np.mod(_rt.as_array(indices, ref=a), n)
    elif mode == "clip":
        indices = np.clip(_rt.as_array(indices, ref=a), 0, n - 1)
    out = _rt.zeros_for(a, g)
    if axis is None:  # indices into the flattened array
        return np.reshape(_add_at(np.ravel(out), g, indices), np.shape(a))
    return _add_at(out, g, (slice(None),) * (axis % np.ndim(a)) + (indices,))


@vjp(np.take_along_axis)
def take_along_axis(g, ans, arr, indices, axis=-1):
    out = _rt.zeros_for(arr, g)
    if axis is None:  # indices into the flattened array
        return np.reshape(_add_at(np.ravel(out), g, indices), np.shape(arr))
    axis = axis % np.ndim(arr)
    # the full fancy index: indices along axis, a broadcast arange along every other axis
    index = []
    for d, n in enumerate(np.shape(arr)):
        if d == axis:
            index.append(indices)
        else:
            index.append(np.arange(n, like=_rt.like(indices)).reshape((-1,) + (1,) * (np.ndim(arr) - d - 1)))
    return _add_at(out, g, tuple(index))


# -- triangles ---------------------------------------------------------------------------
# For a 1-D m, triu/tril first broadcast it to a square matrix; unbroadcast sums back.


@vjp(np.triu, complex=True)
def triu(g, ans, m, k=0):
    return _rt.unbroadcast(np.triu(g, k), m)


@vjp(np.tril, complex=True)
def tril(g, ans, m, k=0):
    return _rt.unbroadcast(np.tril(g, k), m)


# -- sort --------------------------------------------------------------------------------
# Sorted entry j came from position argsort(a)[j]; scatter g back through that
# permutation. Equal entries may be matched either way: both are valid.


@vjp(np.sort)
def sort(g, ans, a, axis=-1, kind=None):
    if axis is None:
        order = np.argsort(a, axis=None, kind="stable")
        out = np.zeros(np.size(a), _rt.float_dtype(a), like=_rt.like(a))
        out[order] = np.ravel(g)
        return np.reshape(out, np.shape(a))
    order = np.argsort(a, axis=axis, kind="stable")
    out = _rt.zeros_for(a)
    np.put_along_axis(out, order, g, axis=axis)
    return out


# np.sort_complex sorts along the last axis by real, then imaginary part (NumPy's order
# for complex values, which argsort of a complex array follows), and returns complex
# values. A real input's cotangent is the real part of g scattered back.
@vjp(np.sort_complex, complex=True)
def sort_complex(g, ans, a):
    order = np.argsort(a, axis=-1, kind="stable")
    out = _rt.zeros_for(a)
    np.put_along_axis(out, order, g if np.iscomplexobj(a) else np.real(g), axis=-1)
    return out
