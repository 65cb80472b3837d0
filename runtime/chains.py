"""Chained stores into an array, ``a[i][j] = v``, as one store ``a[index] = v``.

NumPy runs ``a[i][j] = v`` as ``w = a[i]`` then ``w[j] = v``: a store into ``a``
when ``a[i]`` is a view, that is when ``i`` is a basic index (integers, slices,
``None``, ``...``), and a store into a copy, which NumPy drops, otherwise.
``chained_index(np.shape(a), i, j)`` is the one index that picks the entries
``a[i][j]`` picks, in the same layout, so the gradient differentiates the store
as any ``a[index] = v``; an ``i`` that is not basic is refused (AD419).
"""

import numpy as np

from adgen.runtime import errors


def chained_index(shape, *indices):
    """The index ``k`` such that ``a[k]`` is ``a[indices[0]][indices[1]]...`` for an
    array ``a`` of ``shape``, entry for entry and in the same layout."""
    for index in indices[:-1]:
        if not all(_is_int(p) or p is None or p is Ellipsis or isinstance(p, slice) for p in _parts(index)):
            raise errors.AD419_COPY_INDEX.error(kind=_kind(index))
    head = [p for index in indices[:-1] for p in _parts(index)]
    last = _parts(indices[-1])
    if all(_is_int(p) for p in head) and _keeps_layout(last):
        return tuple(head) + last  # a[i][j] is a[i, j]: integers first keep j's layout
    coords = [np.broadcast_to(np.arange(n).reshape([n if k == d else 1 for k in range(len(shape))]), shape) for d, n in enumerate(shape)]
    for index in indices:
        coords = [c[index] for c in coords]
    return tuple(int(c) if np.ndim(c) == 0 else c for c in coords)


def _parts(index):
    return index if isinstance(index, tuple) else (index,)


def _is_int(part):
    return isinstance(part, (int, np.integer)) and not isinstance(part, (bool, np.bool_))


def _kind(index):
    if isinstance(index, (np.ndarray, list)):
        return f"an array of {np.asarray(index).dtype}" if isinstance(index, np.ndarray) else "a list"
    return f"type {type(index).__name__}"


def _keeps_layout(parts):
    """Does ``a[i, *parts]`` (``i`` integers) lay out what it picks as ``a[i][parts]``
    does? NumPy puts the axes of advanced indices (arrays, and then integers too) in
    place when they stand together, else first: integers put before ``parts`` keep
    that unless ``parts``' advanced indices stand together after a basic one."""
    arrays = [k for k, p in enumerate(parts) if not (_is_int(p) or p is None or p is Ellipsis or isinstance(p, slice))]
    if not arrays:
        return True
    advanced = [k for k, p in enumerate(parts) if k in arrays or _is_int(p)]
    together = advanced == list(range(advanced[0], advanced[-1] + 1))
    return not together or advanced[0] == 0
