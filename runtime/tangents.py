"""What generated forward-mode code (``jvp_f``) calls: the tangents it is given, checked;
zero tangents; a tangent brought to its value's shape; the contribution of a
tangent through an elementwise rule that generated code calls rather than pastes; and
the tangents of containers (pytrees).

The tangent of a list, tuple or dict is the same container of its items' tangents; that
of an object (a dataclass, a namedtuple, an object of the user's: ``container_adjoints.is_object``)
a copy of it whose attributes hold their tangents, so that ``p.W`` reads the tangent of
``p`` as it reads ``p``. An item that is not a float (an int, a string, a function)
has a zero tangent (ints) or ``None`` (anything that is not a number)."""

import copy

import numpy as np

from adgen.runtime import errors
from adgen.runtime.backends import as_array, foreign, like
from adgen.runtime.container_adjoints import attributes, float_leaf, is_object, is_tree


def tangent_arg(x, v, name, copy=True):
    """The tangent ``v`` given for the argument ``x`` (named ``name``), as a float array of
    ``x``'s shape (a float for a number); with ``copy``, never the caller's own array (for
    generated code that stores into it). For a container ``x`` (a pytree), ``v`` has its
    structure and the tangent is a new container of the same structure (``_tree``)."""
    if is_tree(x):
        return _tree(x, v, name, copy)
    shape, given = np.shape(x), np.shape(v)
    if given != shape:
        raise ValueError(f"the tangent of `{name}` has shape {given}, but `{name}` has shape {shape}")
    kind = np.result_type(_dtype(x), _dtype(v), float)
    if kind.kind not in "fc":
        raise TypeError(f"the tangent of `{name}` must be a float array or number, not {_dtype(v)}")
    if foreign(x) or foreign(v):  # another library's array: the tangent in its library
        v = as_array(v, kind, ref=x)
        return v.copy() if copy else v
    if isinstance(x, np.ndarray):
        return np.array(v, dtype=kind) if copy else np.asarray(v, dtype=kind)
    return kind.type(v).item() if kind.kind == "f" and np.ndim(v) == 0 else np.array(v, dtype=kind)


def _dtype(value):
    """``value``'s dtype, asking another library's array rather than converting it."""
    return value.dtype if foreign(value) else np.asarray(value).dtype


def _tree(x, v, name, copy):
    """The tangent of the container ``x`` from the tangent ``v`` the caller gave: the same
    structure, each float leaf's tangent checked by ``tangent_arg``; an int or bool leaf
    gets a zero tangent and any other leaf (a string, None, a function) ``None``, whatever
    ``v`` holds there (``None`` is the usual entry)."""
    if is_object(x):
        out = copy_of(x)
        for attr, item in attributes(x).items():
            given = v.get(attr) if isinstance(v, dict) else getattr(v, attr, None)
            object.__setattr__(out, attr, _leaf_or_tree(item, given, f"{name}.{attr}", copy))
        return out
    if isinstance(x, dict):
        if not isinstance(v, dict) or set(v) != set(x):
            raise TypeError(f"the tangent of `{name}` must be a dict with the keys {sorted(map(repr, x))}, not {_kind(v)}")
        return {k: _leaf_or_tree(item, v[k], f"{name}[{k!r}]", copy) for k, item in x.items()}
    if not isinstance(v, (list, tuple)) or len(v) != len(x):
        raise TypeError(f"the tangent of `{name}` must be a list or tuple of {len(x)} items, not {_kind(v)}")
    items = [_leaf_or_tree(item, t, f"{name}[{k}]", copy) for k, (item, t) in enumerate(zip(x, v))]
    if hasattr(x, "_fields"):  # a namedtuple keeps its type
        return type(x)(*items)
    return tuple(items) if isinstance(x, tuple) else items


def _leaf_or_tree(x, v, name, copy):
    if is_tree(x):
        return _tree(x, v, name, copy)
    if float_leaf(x):
        if v is None:
            raise TypeError(f"the tangent of `{name}` is None, but `{name}` is a float {'array' if np.ndim(x) else 'number'}")
        return tangent_arg(x, v, name, copy)
    if isinstance(x, (bool, int, np.bool_, np.integer)) or isinstance(x, np.ndarray) and x.dtype.kind in "biu":
        return zero_tangent(x)
    return None


def _kind(v):
    return "None" if v is None else f"a {type(v).__name__}"


def copy_of(x):
    """A copy of the object ``x`` made without calling ``__init__`` (``copy.copy``), to hold
    tangents in place of its attributes."""
    out = copy.copy(x)
    if out is x:
        raise TypeError(f"forward mode: a copy of the {type(x).__qualname__} object is the object itself; its tangent cannot be made")
    return out


_WIDE = (np.dtype(float), np.dtype(complex))  # the dtypes a tangent of another's is promoted to


def zero_tangent(v):
    """The zero tangent of the value ``v``: ``0.0`` for a number, else float zeros of its
    shape (complex for a complex value); ``None`` for ``None``; zeros of the range a slice
    stands for; for a list, tuple, dict or object, the same container of its items' zero
    tangents."""
    if type(v) is np.ndarray:  # the common case first: generated code asks in loops
        return np.zeros(v.shape, v.dtype if v.dtype in _WIDE else np.result_type(v.dtype, float))
    if type(v) is float:
        return 0.0
    if v is None:  # an optional argument left out (``np.ediff1d(x, to_end=None)``) stays out
        return None
    if isinstance(v, slice):  # an item of np.r_[...] or np.c_[...]: zeros for the entries it stands for
        return np.zeros(len(np.r_[v]))
    if is_tree(v):
        return _zero_tree(v)
    if np.ndim(v) == 0 and not isinstance(v, np.ndarray) and not foreign(v):
        return 0.0
    return np.zeros(np.shape(v), np.result_type(_dtype(v), float), like=like(v))


def _zero_tree(v):
    if is_object(v):
        out = copy_of(v)
        for attr, item in attributes(v).items():
            object.__setattr__(out, attr, zero_tangent(item))
        return out
    if isinstance(v, dict):
        return {k: zero_tangent(item) for k, item in v.items()}
    items = [zero_tangent(item) for item in v]
    if hasattr(v, "_fields"):
        return type(v)(*items)
    return tuple(items) if isinstance(v, tuple) else items


def with_tangent_item(ts, key, t):
    """The tangent of ``_rt.with_item(xs, key, new)``: a new list (tuple, dict) ``ts`` with
    ``t`` at ``key``. Unlike ``with_item`` it checks nothing: tangents may share arrays
    (``[x + a, x + b]`` holds ``x``'s tangent twice), which nothing stores into."""
    out = dict(ts) if type(ts) is dict else list(ts)
    out[key] = t
    return tuple(out) if type(ts) is tuple else out


def chosen(ans, *items):
    """The position of the argument builtin ``max``/``min`` returned (``max(a, b)``), or of
    the item (``max(xs)``: one argument); 0 for a NaN result that is none of them. Its
    tangent is that item's."""
    found = position_of(ans, list(items[0]) if len(items) == 1 else items)
    return 0 if found is None else found


def position_of(ans, items):
    """The index of the item of ``items`` that ``ans`` is: the very object, else the first
    equal one; None when none is (a NaN)."""
    for k, a in enumerate(items):
        if a is ans:
            return k
    for k, a in enumerate(items):
        if a == ans:
            return k
    return None


def fit(t, *others):
    """The tangent ``t`` of an elementwise operation's result, made of its operands' with
    a tangent, spread to the shape the ``others`` (the operands without one) broadcast it
    to (``x + b`` with ``b`` larger than ``x``), a new array; ``t`` itself when that
    shape is its own."""
    if isinstance(t, (list, tuple)) or any(isinstance(o, (list, tuple)) for o in others):
        # ``xs + ys`` of lists, one of them without a tangent: the tangent of the join is
        # not the tangent of one part (reverse mode refuses it the same way)
        raise errors.AD405_LIST_ARITHMETIC.error()
    shape = np.broadcast_shapes(np.shape(t), *map(np.shape, others))
    if np.shape(t) == shape:
        return t
    return np.broadcast_to(as_array(t, ref=like(*others)), shape).copy()


def elementwise_jvp(rule, k, t, ans, *args, **kwargs):
    """The contribution of ``t``, the tangent of the ``k``-th parameter, through the
    elementwise reverse ``rule``: called with every array operand (and ``t``) broadcast to
    the result's shape, it sums over no axis, and its cotangent of the parameter is
    ``t`` times the partial derivative, entry by entry (a parameter it gives none for has
    none)."""
    shape, ref = np.shape(ans), like(t, ans, *args)  # numbers spread in the arrays' library
    spread = [np.broadcast_to(as_array(a, ref=ref), shape) if _numeric(a) else a for a in args]
    kwargs = {k: np.broadcast_to(as_array(a, ref=ref), shape) if _numeric(a) else a for k, a in kwargs.items()}
    found = rule(np.broadcast_to(t, shape), ans, *spread, **kwargs)
    found = found if isinstance(found, (tuple, list)) else (found,)
    return 0.0 if k >= len(found) or found[k] is None else found[k]  # None: no derivative, by the rules' contract


def _numeric(a):
    return isinstance(a, (np.ndarray, np.generic, float, int, complex)) and not isinstance(a, bool)


def tuple_tangent_sum(*parts):
    """The tangent of a tuple-valued result (``lstsq``'s, and ``np.gradient``'s of a matrix)
    made of several arguments' contributions, each a tuple or list: their sum entry by entry
    (a sequence of the same kind); of an array-valued one (``np.gradient`` of a vector),
    their sum."""
    if isinstance(parts[0], (tuple, list)):
        return type(parts[0])(sum(entries) for entries in zip(*parts))
    return sum(parts[1:], parts[0])
