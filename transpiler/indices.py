"""Literal indices (``y[1:3]``, ``y[0, ::2]``, ``y[np.s_[1:-1]]``): the entries they pick,
and whether two of them pick none in common whatever the array's shape. ``optimize``
asks this to keep an adjoint's entries apart across stores into one array.
"""

import ast

from adgen.syntax import literal_int, path_of


def literal_index(node):
    """The index as a tuple of ints and slices when it is made of literals only, else None."""
    parts = node.elts if isinstance(node, ast.Tuple) else [node]
    if isinstance(node, ast.Subscript) and path_of(node.value) == "np.s_":  # np.s_[1:-1]
        return literal_index(node.slice)
    out = []
    for part in parts:
        if isinstance(part, ast.Slice):
            given = (part.lower, part.upper, part.step)
            bounds = [None if b is None else literal_int(b) for b in given]
            if any(v is None and b is not None for v, b in zip(bounds, given)):
                return None
            out.append(slice(*bounds))
        else:
            k = literal_int(part)
            if k is None:
                return None
            out.append(k)
    return tuple(out)


def disjoint(a, b):
    """Do the literal indices ``a`` and ``b`` pick no entry in common, whatever the array's
    length along each axis? (Checked for every length up to past the literals' size: beyond
    that, which entries they pick in common no longer changes.)"""
    a, b = literal_index(a), literal_index(b)
    if a is None or b is None:
        return False
    for i, j in zip(a, b):  # basic indices: disjoint along one axis is enough
        reach = 2 * max([abs(v) for p in (i, j) for v in _numbers(p)] + [1]) + 2
        if all(not (_picked(i, n) & _picked(j, n)) for n in range(1, reach)):
            return True
    return False


def _numbers(part):
    return [v for v in ((part.start, part.stop, part.step) if isinstance(part, slice) else (part,)) if v is not None]


def _picked(part, n):
    if isinstance(part, slice):
        return set(range(n)[part])
    return {part % n} if -n <= part < n else set()
