"""Stores into an array held in a list or dict: ``xs[i][j] = v``.

``transpiler/stores.py`` writes the store as a change of a copy of the item, put back
in a new list::

    xs[i][j] = v    ->    _t1 = xs[i].copy()
                          _t1[j] = v                      (an in-place store, as any other)
                          xs = _rt.with_item(xs, i, _t1)

so the gradient follows the list as it follows any value bound again, and the item
the forward pass held before the store is never changed (the backward pass may read
it). That is the store NumPy makes only when nothing else sees the item: ``aliasing``
refuses the names that may (AD306) and items that may be the caller's (AD221);
``with_item`` checks, when it runs, that no other item of the list is (or shares
memory with) the item it replaces (AD422).
"""

from itertools import repeat
from operator import attrgetter, is_, is_not

import numpy as np

from adgen.runtime import errors
from adgen.runtime.container_adjoints import Adj, AdjDict, part
from adgen.runtime.registry import vjp

_BASE = attrgetter("base")


def with_item(xs, key, new):
    """A new list (tuple, dict) ``xs`` with ``new`` at ``key``: ``xs[key]`` after the
    store into it that made ``new`` from a copy of it."""
    if type(xs) not in (list, tuple, dict):
        raise errors.AD422_NOT_A_CONTAINER.error(kind=type(xs).__name__)
    old = xs[key]
    if type(xs) is not dict:
        key = range(len(xs))[key]  # xs[-1] is the last item
    if not isinstance(old, np.ndarray):
        raise errors.AD422_NOT_AN_ARRAY.error(kind=type(old).__name__)
    for k, item in _others(xs, key, old):
        if _holds(item, old, set()):
            raise errors.AD422_SHARED_ITEM.error(key=key, other=k)
    out = dict(xs) if type(xs) is dict else list(xs)
    out[key] = new
    return tuple(out) if type(xs) is tuple else out


def _others(xs, key, old):
    """The other items of ``xs`` that may hold ``old``: none, found by passes in C, when
    every item is an array that owns its memory (``np.zeros``, a copy, arithmetic) and
    ``old`` shows once; else all of them. (A cost of ``len(xs)`` per store.)"""
    values = list(xs.values()) if type(xs) is dict else xs
    if (
        sum(map(is_, values, repeat(old))) == 1
        and all(map(isinstance, values, repeat(np.ndarray)))
        and not any(map(is_not, map(_BASE, values), repeat(None)))
    ):
        return []
    pairs = xs.items() if type(xs) is dict else enumerate(xs)
    return [(k, item) for k, item in pairs if k != key]


def _holds(value, array, seen):
    """May ``value`` (an array, or a list, tuple, dict or object holding arrays) see a
    change of ``array``?"""
    if isinstance(value, np.ndarray):
        return np.may_share_memory(value, array)
    if id(value) in seen:
        return False
    seen.add(id(value))
    if isinstance(value, (list, tuple)):
        return any(_holds(v, array, seen) for v in value)
    if isinstance(value, dict):
        return any(_holds(v, array, seen) for v in value.values())
    items = getattr(value, "__dict__", None)
    return isinstance(items, dict) and any(_holds(v, array, seen) for v in items.values())


def array_copy(item):
    """A copy of the array ``item`` (``xs[i]`` of a store ``xs[i][j][k] = v``): a store
    into it by a chained index needs an array, not a list."""
    if not isinstance(item, np.ndarray):
        raise errors.AD422_NESTED_NOT_AN_ARRAY.error(kind=type(item).__name__)
    return item.copy()


@vjp(array_copy)
def array_copy_back(g, ans, item):
    return g


@vjp(with_item)
def with_item_back(g, ans, xs, key, new):
    if isinstance(g, float) and g == 0.0:
        return 0.0, None, 0.0
    if isinstance(g, dict):
        rest = AdjDict(g)
        rest.pop(key, None)
    else:
        rest = Adj(g)
        rest[key] = 0.0
    return rest, None, part(g, key)
