"""Adjoints of lists, tuples, dicts and objects (pytrees), and the gradients of container arguments.

The adjoint of a list or tuple is an ``Adj``: a list with one adjoint per item;
that of a dict is an ``AdjDict`` with the same keys. An item's adjoint may be
``0.0`` (broadcasting fixes its shape later), and so may a whole container's:
``0.0`` stands for "zero everywhere", whatever the structure.

Objects are containers whose items are read by name, ``p.W`` (the transpiler
writes it as a subscript ``p["W"]`` in the backward pass, ``scatter(g, p, "W")``):
a namedtuple is a tuple, its field ``W`` the item ``p._fields.index("W")``, so
``p.W``, ``p[0]`` and ``W, b = p`` share one ``Adj``; any other object
(``is_object``: a dataclass instance or an object with a ``__dict__``) has an
``AdjDict`` keyed by attribute name. Only the object's own attributes
(``attributes``) are parameters: a class attribute read through it is a constant
(no cotangent), a property or other computed attribute is refused (AD416).

Adding adjoints adds them item by item (``Adj + Adj``, ``0.0 + Adj``), and never
changes either operand. Only the helpers below change an adjoint in place, and
only one nothing else refers to (the caller's variable alone), as
``_rt.scatter_add`` does for arrays.
"""

import copy
import dataclasses
import enum
import functools
import numbers
import sys
import types

import numpy as np

from adgen.runtime import backends, errors, kinds, registry
from adgen.runtime.refs import alone

__all__ = ["Adj", "AdjDict", "part", "scatter", "scatter_add", "drop_last", "push", "put_back", "like", "as_grad", "leaves", "is_object", "attributes",
           "array_names", "check_objects", "map_floats"]

def _is_zero(g):
    return not isinstance(g, (np.ndarray, list, tuple, dict)) and not backends.foreign(g) and np.ndim(g) == 0 and g == 0


class _Arithmetic:
    """Item-by-item ``+``, ``-`` and scaling; NumPy defers to these (``array + Adj``)."""

    __array_ufunc__ = None

    def __add__(self, other):
        return add(self, other)

    __radd__ = __add__

    def __mul__(self, k):
        return _map(self, lambda v: v * k)

    __rmul__ = __mul__

    def __neg__(self):
        return _map(self, lambda v: -v)

    def __sub__(self, other):
        return add(self, -other)

    def __rsub__(self, other):
        return add(-self, other)


class Adj(_Arithmetic, list):
    """The adjoint of a list or tuple: one adjoint per item."""

    def __repr__(self):
        return f"Adj({list.__repr__(self)})"


class AdjDict(_Arithmetic, dict):
    """The adjoint of a dict: one adjoint per key."""

    def __repr__(self):
        return f"AdjDict({dict.__repr__(self)})"


def _map(tree, fn):
    if isinstance(tree, dict):
        return AdjDict((k, fn(v)) for k, v in tree.items())
    return Adj(fn(v) for v in tree)


def add(a, b):
    """``a + b`` for adjoints of which at least one is a container's."""
    if _is_zero(b):
        return a
    if _is_zero(a):
        return b
    if backends.is_array(a) or backends.is_array(b):  # a list the NumPy code read as an array
        arr, items = (a, b) if backends.is_array(a) else (b, a)
        return arr + to_array(items, arr.shape, arr)
    if isinstance(a, dict) or isinstance(b, dict):
        if not isinstance(a, dict):
            a, b = b, a
        if not isinstance(b, dict):
            return _map(a, lambda v: v + b)
        out = AdjDict(a)
        for k, v in b.items():
            out[k] = out[k] + v if k in out else v
        return out
    if not isinstance(a, (list, tuple)):
        a, b = b, a
    if not isinstance(b, (list, tuple)):
        return _map(a, lambda v: v + b)  # a number or array cotangent for every item
    if len(a) != len(b):
        raise ValueError(f"adgen: adjoints of lists of lengths {len(a)} and {len(b)} cannot be added")
    return Adj(x + y for x, y in zip(a, b))


def to_array(items, shape, ref=None):
    """The adjoints of the rows of an array of ``shape``, as one array (of ``ref``'s library)."""
    out = np.zeros(shape, like=backends.like(ref, *items))
    for k, item in enumerate(items):
        out[k] += to_array(item, shape[1:], out) if isinstance(item, (list, tuple)) else item
    return out


def zeros(x):
    """A zero adjoint with the structure of the container ``x``."""
    if isinstance(x, dict):
        return AdjDict.fromkeys(x, 0.0)
    if isinstance(x, (list, tuple)):
        return Adj([0.0] * len(x))
    return AdjDict()  # an object's: attributes are added as they get cotangents


def part(g, key):
    """The adjoint of item ``key`` (``g[key]``; ``0.0`` when ``g`` is zero)."""
    if isinstance(g, dict):
        return g.get(key, 0.0)
    if isinstance(g, (list, tuple)) or backends.is_array(g):
        return g[key]
    return 0.0


# -- in place, when nothing else refers to the adjoint -----------------------------------


def _own(acc, count):
    """``acc`` itself when only the caller's variable refers to it (``count``: its
    reference count as the helper the caller called saw it), else a copy."""
    if alone(count) and type(acc) in (Adj, AdjDict):
        return acc
    return AdjDict(acc) if isinstance(acc, dict) else Adj(acc)


def scatter(g, a, index):
    """A zero adjoint of the container ``a`` with ``g`` at ``a[index]``."""
    return scatter_add(zeros(a), g, a, index)


def scatter_add(acc, g, a, index, count=None):
    """``acc`` plus ``g`` at ``a[index]`` (``index`` a key, an int, a slice, or the name
    of an object's attribute). ``count``: ``acc``'s reference count as the caller's caller
    saw it, when called through a helper."""
    count = sys.getrefcount(acc) if count is None else count
    if type(index) is str and not isinstance(a, dict):
        index = _slot(a, index)
        if index is None:
            return acc  # a class attribute: a constant
        if not _is_zero(acc) and not isinstance(acc, (list, dict)):
            raise _used_as_array(a)
    acc = zeros(a) if _is_zero(acc) else _own(acc, count)
    if isinstance(index, slice):
        for j, k in enumerate(range(len(a))[index]):
            acc[k] = acc[k] + part(g, j)
    else:
        held = part(acc, index)
        acc[index] = g if _is_zero(held) else held + g  # the first cotangent as it is, not copied
    return acc


# -- objects -------------------------------------------------------------------------------

_NOT_OBJECTS = (np.ndarray, np.generic, numbers.Number, list, tuple, dict, set, frozenset, str, bytes, bytearray, type(None), type, enum.Enum,
                types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType, functools.partial)
# objects of classes of these packages are values, not containers of parameters (a Path, an Enum, a
# frozen distribution), but for the standard library's plain namespaces (SimpleNamespace, argparse's)
_LIBRARIES = (frozenset(sys.stdlib_module_names) | {"numpy", "scipy"}) - {"types", "argparse"}
_PLAIN = frozenset({float, int, bool, str, type(None), np.float64})


@functools.cache
def array_names():
    """The attribute names that adgen reads as an array's wherever it cannot tell an array
    from an object (``x.T``, ``x.real``, ``x.shape``: those with a derivative rule or none
    needed); an object's attribute that carries a gradient may not have one (AD416)."""
    found = [(n, getattr(np.ndarray, n)) for n in dir(np.ndarray) if not n.startswith("_")]
    return frozenset(n for n, a in found if not callable(a) and (registry.lookup(a) is not None or registry.is_nondiff(a)))


def is_object(x):
    """Is ``x`` an object whose attributes are parameters: a dataclass instance, or an
    object of a class of yours with a ``__dict__`` or ``__slots__`` (not a number,
    function, class or module, nor an object of NumPy's, SciPy's or the standard
    library's but a namespace, nor an array-like)? Namedtuples are tuples."""
    if isinstance(x, _NOT_OBJECTS):
        return False
    if hasattr(type(x), "__array_ufunc__") or hasattr(type(x), "__array_function__"):
        return False  # an array-like of another library (runtime/kinds.py refuses it)
    if dataclasses.is_dataclass(x):
        return True
    if type(x).__module__.partition(".")[0] in _LIBRARIES:
        return False
    return hasattr(x, "__dict__") or bool(_slots(type(x)))


def attributes(x):
    """The parameters of the object ``x``, by name: a dataclass's fields, then the other
    attributes the object holds itself (its ``__slots__``, its ``__dict__``), in order."""
    names = [f.name for f in dataclasses.fields(x)] if dataclasses.is_dataclass(x) else []
    names += [n for n in _slots(type(x)) + list(getattr(x, "__dict__", {})) if n not in names]
    return {n: getattr(x, n) for n in names if hasattr(x, n)}


@functools.cache
def _slots(cls):
    """The attribute names the ``__slots__`` of ``cls`` and its bases declare."""
    found = []
    for c in reversed(cls.__mro__):
        declared = c.__dict__.get("__slots__", ())
        for n in [declared] if isinstance(declared, str) else declared:
            if n not in ("__dict__", "__weakref__") and n not in found:
                found.append(n)
    return found


def _slot(a, name):
    """Where ``a.name``'s cotangent goes in ``a``'s adjoint: a namedtuple's field position,
    an object's attribute name; ``None`` for a constant class attribute."""
    if isinstance(a, tuple) and name in getattr(type(a), "_fields", ()):
        return type(a)._fields.index(name)
    if not isinstance(a, tuple) and (name in _slots(type(a)) or name in getattr(a, "__dict__", ())):
        return name  # a dataclass's fields are in one or the other
    held = getattr(type(a), name, None)
    computed = callable(held) or hasattr(held, "__get__") or held is None and not hasattr(type(a), name)
    if computed or name.startswith("__"):  # p.__dict__: the attributes, read another way
        raise errors.AD416_COMPUTED_ATTRIBUTE.error(name=name, kind=type(a).__qualname__)
    return None


def drop_last(acc):
    """The adjoint of a list before its last item was appended."""
    count = sys.getrefcount(acc)
    if _is_zero(acc):
        return acc
    acc = _own(acc, count)
    acc.pop()
    return acc


def push(acc, g, xs, index=-1):
    """The adjoint of ``xs`` before ``xs.pop(index)``, given ``acc`` after it and ``g`` of
    the item popped; ``xs`` is the list with the item back in place."""
    count = sys.getrefcount(acc)
    if _is_zero(g) and _is_zero(acc):
        return acc
    acc = Adj([0.0] * (len(xs) - 1)) if _is_zero(acc) else _own(acc, count)
    acc.insert(index if index >= 0 else len(xs) + index, g)
    return acc


def dict_back(g, source):
    """The adjoint of ``source`` in ``dict(source)``: a dict (a copy) gets ``g``; a list
    of ``(key, value)`` pairs gets each value's adjoint in its pair, but only the last
    pair of a repeated key (whose value the dict keeps)."""
    if isinstance(source, dict) or _is_zero(g):
        return g
    last = {key: k for k, (key, _) in enumerate(source)}
    return Adj(Adj([0.0, part(g, key) if last[key] == k else 0.0]) for k, (key, _) in enumerate(source))


def put_back(xs, index, item):
    """Undo ``item = xs.pop(index)``: ``xs.insert`` counts a negative index differently."""
    xs.insert(index if index >= 0 else len(xs) + 1 + index, item)


def like(g, x):
    """The adjoint ``g`` of a copy (``list(x)``, ``tuple(x)``) given back to ``x``."""
    if backends.is_array(x) and isinstance(g, (list, tuple)):
        return to_array(g, x.shape, x)
    if isinstance(x, dict) and isinstance(g, (list, tuple)):
        return 0.0  # list(d) lists the keys: no cotangent flows
    if isinstance(g, (list, tuple)) and not isinstance(g, Adj):
        return Adj(g)
    return g


def seed(value, dout, leaf):
    """The seed of a vjp whose result ``value`` is a container: ``dout`` must have its
    structure (``leaf(value_i, dout_i)`` checks and converts each leaf); an object's, an
    object of its class, whose attributes seed the result's."""
    if is_object(value):
        if type(dout) is not type(value):
            raise _mismatch(value, dout)
        given = attributes(dout)  # None (as a gradient holds for ints, strings...) is no cotangent
        return AdjDict((k, seed(v, given[k], leaf)) for k, v in attributes(value).items() if given.get(k) is not None)
    if isinstance(value, dict):
        if not isinstance(dout, dict) or set(dout) != set(value):
            raise _mismatch(value, dout)
        return AdjDict((k, seed(v, dout[k], leaf)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        if not isinstance(dout, (list, tuple)) or len(dout) != len(value):
            raise _mismatch(value, dout)
        return Adj(seed(v, d, leaf) for v, d in zip(value, dout))
    return leaf(value, dout)


def _mismatch(value, dout):
    return errors.AD402_SEED_STRUCTURE.error(seed=dout, result=value)


# -- gradients of container arguments ----------------------------------------------------


def is_tree(x):
    """Is ``x`` a container whose leaves are parameters: a list, tuple or dict, or an object
    (``is_object``)?"""
    return isinstance(x, (list, tuple, dict)) or is_object(x)


def float_leaves(tree):
    """The leaves of ``tree`` (a value or container, in ``leaves``' order) that hold floats."""
    return [leaf for leaf in leaves(tree) if float_leaf(leaf)]


def leaves_like(tree, like):
    """The leaves of the tangent or cotangent ``tree`` at the places of ``like``'s float
    leaves, each an array of that leaf's shape (a zero may come as ``0.0``)."""
    found, reference = leaves(tree), leaves(like)
    if len(found) != len(reference):
        raise ValueError(f"adgen: a derivative of {len(found)} leaves for a value of {len(reference)}")
    return [np.broadcast_to(backends.as_array(t, float, r), np.shape(r)) for t, r in zip(found, reference) if float_leaf(r)]


def float_leaf(x):
    """Does the leaf ``x`` hold floats (or complex numbers): a float array or number?"""
    if isinstance(x, (bool, np.bool_, int, np.integer, str, bytes)) or x is None:
        return False
    if isinstance(x, np.ndarray) or backends.foreign(x):
        return x.dtype.kind in "fc"
    return isinstance(x, (float, complex, np.floating, np.complexfloating))


def as_grad(g, x, leaf, within=frozenset()):
    """``g`` shaped like the container ``x``: the same structure, ``leaf(g_i, x_i)`` for
    float leaves, ``None`` for the others (ints, bools, strings, None). ``within``: the
    ids of the objects ``x`` is inside of."""
    if is_object(x):
        return _object_grad(g, x, leaf, within)
    if isinstance(x, dict):
        return {k: as_grad(part(g, k), v, leaf, within) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        if (isinstance(g, np.ndarray) or backends.foreign(g)) and np.ndim(g) == 0:
            g = float(g)
        items = [as_grad(part(g, k), v, leaf, within) for k, v in enumerate(x)]
        if hasattr(x, "_fields"):  # a namedtuple keeps its type
            _named_like_arrays(x, zip(x._fields, items))
            return type(x)(*items)
        return tuple(items) if isinstance(x, tuple) else items
    if not float_leaf(x):
        return None
    return leaf(g, x)


def _object_grad(g, x, leaf, within):
    """The gradient of the object ``x``: a copy of it (``copy.copy``: made without calling
    ``__init__`` or ``__post_init__``, so a dataclass's checks and derived values are not
    computed from gradients; frozen ones too) whose every attribute is replaced by its
    gradient, or ``None``. The caller's object is never changed."""
    if not _is_zero(g) and not isinstance(g, dict):
        raise _used_as_array(x)
    if id(x) in within:
        raise errors.AD416_REFERS_TO_ITSELF.error(kind=type(x).__qualname__)
    within = within | {id(x)}
    out = copy.copy(x)
    if out is x:
        raise errors.AD416_COPY_IS_ITSELF.error(kind=type(x).__qualname__)
    items = {}
    for name, value in attributes(x).items():
        _check_kind(x, name, value)
        items[name] = as_grad(part(g, name), value, leaf, within)
    _named_like_arrays(x, items.items())
    for name, item in items.items():
        object.__setattr__(out, name, item)
    return out


def _named_like_arrays(x, items):
    """AD416 for a gradient item of the object ``x`` (``(name, gradient)`` pairs) named like
    an array's attribute: ``x.T`` was read as an array's, its cotangent went astray."""
    for name, item in items:
        if name in array_names() and any(v is not None for v in leaves(item)):
            raise _array_name(x, name)


def check_objects(x, within=frozenset()):
    """AD410 for an attribute of an object in ``x`` (``x`` itself, or inside its lists,
    tuples and dicts) of a kind the gradient does not cover (``_check_kind``): ``grad()``
    checks its ``wrt`` arguments so before the gradient runs."""
    if is_object(x):
        if id(x) in within:
            return
        within = within | {id(x)}
        for name, value in attributes(x).items():
            _check_kind(x, name, value)
            check_objects(value, within)
    elif isinstance(x, dict):
        for value in x.values():
            check_objects(value, within)
    elif isinstance(x, (list, tuple)):
        for value in x:
            check_objects(value, within)


def _check_kind(x, name, value):
    """AD410 for an attribute of a kind the gradient does not cover, as for an item of a
    container argument (``kinds.real_args``, which does not look inside objects: those
    not differentiated are read like globals)."""
    if type(value) in _PLAIN or (type(value) is np.ndarray or backends.foreign(value)) and value.dtype.kind in "biuf":
        return
    why = None if is_object(value) else kinds.odd_kind(value, complex_ok=False)
    if why:
        why = why.replace("complex, and this gradient was generated for real arguments", "complex, and only real values inside an object get gradients")
        raise errors.AD410_ATTRIBUTE.error(name=name, kind=type(x).__qualname__, why=why)


def _array_name(x, name):
    return errors.AD416_ARRAY_NAME.error(name=name, kind=type(x).__qualname__)


def _used_as_array(x):
    """AD416 for an object whose cotangent came out as a number or an array."""
    named = [n for n in attributes(x) if n in array_names()]
    if named:
        return _array_name(x, named[0])
    return errors.AD416_USED_AS_ARRAY.error(kind=type(x).__qualname__)


def map_floats(tree, fn):
    """``tree`` (a value, or a list, tuple, dict or object of them) with ``fn(leaf)`` at
    each float leaf, in ``leaves``' order, the other leaves as they are; new containers
    (an object copied with ``copy.copy``), the caller's never changed."""
    if is_object(tree):
        out = copy.copy(tree)
        for name, value in attributes(tree).items():
            object.__setattr__(out, name, map_floats(value, fn))
        return out
    if isinstance(tree, dict):
        return {k: map_floats(v, fn) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        items = [map_floats(v, fn) for v in tree]
        if hasattr(tree, "_fields"):
            return type(tree)(*items)
        return tuple(items) if isinstance(tree, tuple) else items
    return fn(tree) if float_leaf(tree) else tree


def leaves(tree):
    """The leaves of a gradient tree, depth first."""
    if isinstance(tree, dict):
        return [v for item in tree.values() for v in leaves(item)]
    if isinstance(tree, (list, tuple)):
        return [v for item in tree for v in leaves(item)]
    if is_object(tree):
        return [v for item in attributes(tree).values() for v in leaves(item)]
    return [tree]
