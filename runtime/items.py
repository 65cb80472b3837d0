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

import numpy as np

from adgen.runtime.core import GradientError
from adgen.runtime.registry import vjp
from adgen.runtime.trees import Adj, AdjDict, part


def with_item(xs, key, new):
    """A new list (or dict) ``xs`` with ``new`` at ``key``: ``xs[key]`` after the store
    into it that made ``new`` from a copy of it."""
    old = xs[key]
    if isinstance(xs, list):
        key = range(len(xs))[key]  # xs[-1] is the last item
    if not isinstance(old, np.ndarray):
        raise GradientError("AD422", f"a store `xs[k][j] = v` went into an item of type {type(old).__name__}, not an array: adgen follows stores into arrays held in a list or dict only")
    pairs = xs.items() if isinstance(xs, dict) else enumerate(xs)
    for k, item in pairs:
        if k != key and isinstance(item, np.ndarray) and np.may_share_memory(item, old):
            raise GradientError(
                "AD422",
                f"a store `xs[{key!r}][j] = v` went into an array that item {k!r} of the same list or dict also holds "
                "(the same array twice, or views of one array): the change would show in both. "
                "Put copies in the list (`xs = [a.copy() for a in xs]`, `[np.zeros(n) for _ in range(k)]`)",
            )
    if isinstance(xs, dict):
        out = dict(xs)
    elif isinstance(xs, list):
        out = list(xs)
    else:
        raise GradientError("AD422", f"a store `xs[k][j] = v` went into an item of a {type(xs).__name__}: adgen follows stores into arrays held in a list or dict only")
    out[key] = new
    return out


def array_copy(item):
    """A copy of the array ``item`` (``xs[i]`` of a store ``xs[i][j][k] = v``): a store
    into it by a chained index needs an array, not a list."""
    if not isinstance(item, np.ndarray):
        raise GradientError("AD422", f"a store `xs[k][i][j] = v` went into an item of type {type(item).__name__}, not an array: adgen follows stores into arrays held in a list or dict only")
    return item.copy()


@vjp(array_copy)
def _array_copy(g, ans, item):
    return g


@vjp(with_item)
def _with_item(g, ans, xs, key, new):
    if isinstance(g, float) and g == 0.0:
        return 0.0, None, 0.0
    if isinstance(g, dict):
        rest = AdjDict(g)
        rest.pop(key, None)
    else:
        rest = Adj(g)
        rest[key] = 0.0
    return rest, None, part(g, key)
