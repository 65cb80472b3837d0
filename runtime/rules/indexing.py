"""Rules for NumPy's index tricks that build arrays: ``np.r_[...]`` and ``np.c_[...]``.

``np.r_[a, 1.0, 0:3]`` joins its items along the first axis (numbers become
one entry, slices become ranges); ``np.c_[a, b]`` joins them along the last
axis, 1-D items as columns. Each item's cotangent is its piece of ``g``, in
its own shape; a slice gets none. A directive string (``np.r_['0,2', a]``,
``np.r_['r', ...]``, which makes a matrix) is not differentiated: AD210 where
the transpiler sees it, AD411 when the gradient runs. Every other index trick
(``np.s_``, ``np.index_exp``, ``np.mgrid``, ``np.ogrid``, objects of yours)
has no rule: AD209.
"""

import numpy as np

import adgen.runtime as _rt
from adgen.runtime import errors
from adgen.runtime.registry import vjp


def refuse(items=()):
    if items and isinstance(items[0], str):
        return f"np.r_ and np.c_ with a directive string ({items[0]!r}) are not differentiated; use np.concatenate or np.stack"
    return None


@vjp(np.r_, refuse=refuse)
def r_(g, ans, *items):
    return tuple(_rt.rules.indexing.pieces(g, ans, items, np.r_, 0))


@vjp(np.c_, refuse=refuse)
def c_(g, ans, *items):
    return tuple(_rt.rules.indexing.pieces(g, ans, items, np.c_, -1))


def pieces(g, ans, items, trick, axis):
    """One cotangent per item: ``g`` cut along ``axis`` where ``trick`` joined the items."""
    if items and isinstance(items[0], str):
        raise errors.AD411_RULE_REFUSES.error(reason=refuse(items))
    widths = [np.shape(trick[item])[axis] for item in items]  # what each item became alone
    cut = np.split(np.broadcast_to(g, np.shape(ans)), np.cumsum(widths)[:-1], axis=axis)
    return [None if isinstance(item, slice) else _rt.rules.shape._unpack(np.reshape(c, np.shape(item)), item) for c, item in zip(cut, items)]
