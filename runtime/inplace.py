"""Cotangents through in-place stores into arrays (``y[i] = v``, ``y[a:b] += v``,
``np.add.at(y, i, v)``, ``np.put_along_axis(y, i, v, axis)`` written as ``y[along_axis(...)] = v``).

A store overwrites the entries ``y[index]``: their cotangent goes to the stored
value, and the entries before the store get none. The adjoint ``dy`` is changed
in place when nothing else refers to it, so a loop of stores costs the stored
entries, not a copy of ``y`` per store.
"""

import sys

import numpy as np

from adgen.runtime import errors
from adgen.runtime.backends import as_array, foreign, is_array, like
from adgen.runtime.core import float_dtype, sum_to
from adgen.runtime.refs import alone


def may_repeat(index):
    """Whether ``index`` has an integer array or list part, which can pick an entry twice."""
    if type(index) in (int, slice):
        return False
    parts = index if isinstance(index, tuple) else (index,)
    for part in parts:
        if isinstance(part, list) and np.asarray(part).dtype.kind != "b" or is_array(part) and part.dtype.kind != "b":
            return True
    return False


def cut_at(dy, y, index):
    """``(dy[index], dy with those entries zeroed)``: split the cotangent of ``y`` after
    ``y[index] = v`` into the stored value's part and the rest."""
    count = sys.getrefcount(dy)  # first: ``_owned(dy, ...)`` would hold a reference of its own
    _check_store(y, index)
    _check_floats(y)
    if _is_zero(dy):
        return 0.0, dy
    dy = _owned(dy, y, count)
    part = dy[index].copy()
    dy[index] = 0.0
    return part, dy


def zero_at(dy, y, index):
    """``dy`` with the entries ``y[index] = v`` overwrote zeroed (``v`` has no cotangent)."""
    count = sys.getrefcount(dy)
    _check_store(y, index)
    if _is_zero(dy):
        return dy
    dy = _owned(dy, y, count)
    dy[index] = 0.0
    return dy


def take_at(dy, y, index, repeats=False):
    """``dy[index]``, the cotangent of what ``y[index] += v`` added (or, with ``repeats``,
    ``np.add.at(y, index, v)``, which adds once per repeat)."""
    _check_store(y, () if repeats else index)  # np.add.at sums repeated entries
    _check_floats(y)
    if np.ndim(dy) == 0:
        return dy  # a scalar cotangent is the same for every entry
    return sum_to(dy, y.shape)[index]


def along_axis(indices, axis, shape):
    """The index through which ``np.put_along_axis(a, indices, values, axis)`` stores into
    an ``a`` of ``shape``: ``a[along_axis(indices, axis, a.shape)] = values`` is that call,
    as a store the gradient differentiates (``axis=None``: into ``a.flat``)."""
    indices = as_array(indices)
    if axis is None:
        return np.unravel_index(indices, shape)
    ndim = len(shape)
    if indices.ndim != ndim:
        raise ValueError(f"`indices` and `arr` must have the same number of dimensions ({indices.ndim} != {ndim})")
    if not -ndim <= axis < ndim:
        raise getattr(np, "exceptions", np).AxisError(axis, ndim)
    axis %= ndim
    return tuple(indices if d == axis else np.arange(n, like=like(indices)).reshape([n if k == d else 1 for k in range(ndim)]) for d, n in enumerate(shape))


def _is_zero(dy):
    return type(dy) is float and dy == 0.0


def _check_store(y, index):
    if not is_array(y):
        _not_an_array(y)
    if may_repeat(index):
        picked = np.arange(y.size, like=like(y)).reshape(y.shape)[index]
        if np.unique(picked).size != np.size(picked):
            raise errors.AD404_REPEATED_INDEX.error()


def _check_floats(y):
    """A differentiated value stored into an array of integers or booleans is truncated."""
    if y.dtype.kind in "biu":
        raise errors.AD408_INTEGER_ARRAY.error(dtype=y.dtype)


def _not_an_array(y):
    raise errors.AD404_NOT_AN_ARRAY.error(kind=type(y).__name__)


def _owned(dy, y, references):
    """``dy`` as a float array of ``y``'s shape that nothing else refers to: ``dy`` itself
    when it already is one (``references``: its count as ``cut_at``/``zero_at`` saw it
    on entry), else a copy."""
    if (
        alone(references)
        and type(dy) is np.ndarray
        and dy.shape == y.shape
        and dy.flags.owndata
        and dy.flags.writeable
        and dy.dtype.kind == "f"
    ):
        return dy
    if is_array(dy) and dy.shape == y.shape and dy.dtype == float_dtype(y):
        return dy.copy()
    if foreign(y):  # its library's array, a new one
        return np.broadcast_to(sum_to(dy, y.shape), y.shape).astype(float_dtype(y))
    out = np.empty(y.shape, float_dtype(y))
    out[...] = sum_to(dy, y.shape)
    return out


IMMUTABLE = (int, float, complex, bool, str, bytes, tuple, frozenset, type(None), np.generic)


def immutable(value, where):
    """Check, before an in-place change (``z += v``) that adgen differentiated as binding
    a new value, that ``value`` cannot change in place: a number, not an array."""
    if not isinstance(value, IMMUTABLE):
        raise errors.AD408_NOT_A_NUMBER.error(where=where, kind=type(value).__name__)


def apart(a, b, where):
    """Check, on entry, that two arguments share no memory (the caller passed one array
    for both, or one inside the other) where adgen's gradient needs them apart."""
    if _arrays(a) and _arrays(b) and any(x is y or _overlap(x, y) for x in _arrays(a) for y in _arrays(b)):
        raise errors.AD408_SHARED_ARGUMENTS.error(where=where)


def _overlap(x, y):
    """May NumPy arrays ``x`` and ``y`` share memory? (Other libraries' arrays: only when one
    is the other, which ``apart`` asks first.)"""
    return isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and np.may_share_memory(x, y)


def _arrays(value, depth=3):
    """The arrays in ``value`` (and in the lists, tuples and dicts it holds, a few deep)."""
    if is_array(value):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) and depth else ()
    return [a for item in items for a in _arrays(item, depth - 1)]


def lent(value):
    """Before a call adgen cannot follow, which must leave ``value`` as it is: ``(value, a
    copy of it)``, or None for a value that cannot change in place."""
    if isinstance(value, IMMUTABLE):
        return None
    return value, _snapshot(value)


def returned(lent, where):
    """After that call: if it changed the value, put it back as it was (a caller's array
    must not change) and refuse."""
    if lent is None:
        return
    value, before = lent
    if not _same(value, before):
        _restore(value, before)
        raise errors.AD408_CHANGED.error(where=where)


def _snapshot(value):
    if is_array(value):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return [_snapshot(v) for v in value]
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, IMMUTABLE):
        return value
    raise errors.AD408_CANNOT_FOLLOW.error(kind=type(value).__name__)


def _same(value, before):
    if is_array(value):
        try:
            return np.array_equal(value, before, equal_nan=True)
        except TypeError:  # entries NaN cannot be told of
            return np.array_equal(value, before)
    if isinstance(value, (list, tuple)):
        return len(value) == len(before) and all(_same(v, b) for v, b in zip(value, before))
    if isinstance(value, dict):
        return value.keys() == before.keys() and all(_same(value[k], before[k]) for k in value)
    return value is before or value == before


def _restore(value, before):
    if is_array(value) and value.shape == before.shape:
        value[...] = before
    elif isinstance(value, list):
        value[:] = before
    elif isinstance(value, dict):
        value.clear()
        value.update(before)
