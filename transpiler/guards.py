"""What a gradient baked in, and a cheap check that it still holds.

A transform resolves names to objects and writes what it found into the generated
code: ``act(x)`` with ``act`` holding ``np.sin`` becomes a ``cos`` in the backward
pass, ``lib.helper(x)`` becomes ``_fwd_helper``/``_bwd_helper``, ``range`` a counted
loop. Each such resolution is recorded (``Baked``) with how to make it again: a name
in a module's globals (or the builtins, when the globals lack it), a closure cell, an
attribute of a function (its defaults), then a chain of attributes. Values are read
by the generated code when it runs and are not baked in (numbers, arrays, lists...),
nor are NumPy's own attributes, which are taken as fixed. But what the transform
concluded from a value's kind is baked in: a real number or array later rebound to a
complex one, an ``np.matrix``, a masked array, or an object whose ``[...]`` computes
would be read by code made for a real array. So a value that was ``plain`` must stay
plain, and another value must keep the kinds it holds (``kinds_in``); else the
gradient is made again, and the transform looks at the value as it is now.

``Guard.holds(fn)`` makes every recorded resolution again for the function about to
be run (a closure's cells are its own: two closures from one factory differ) and
compares identities; any difference means the gradient is transformed again.
"""

import builtins
import numbers
import operator
import types

import numpy as np

from adgen.runtime import registry

DATA = (np.ndarray, np.generic, numbers.Number, str, bytes, type(None), list, tuple, dict, set, frozenset, range, slice)
_MISSING = object()
PLAIN = object()  # what a check expects of a value that must stay plain data
_PLAIN = frozenset({float, int, bool, type(None), str, bytes, slice, range, type(Ellipsis)})
_CONTAINERS = frozenset({list, tuple, set, frozenset, dict})
_DEPTH = 8  # containers nested deeper are not looked into


def _depends(obj):
    """Does generated code depend on which object this is (a function, a class, a
    module...), rather than on a value it reads when it runs?"""
    return not isinstance(obj, DATA)


class _Empty:
    """What a closure variable not yet assigned holds for the transform: its check fails
    until it is assigned, and the function is then transformed again."""

    def __repr__(self):
        return "<closure variable not yet assigned>"


EMPTY = _Empty()


def plain(value, depth=0):
    """Is ``value`` data of the kinds every gradient is made for? Real (or integer, boolean,
    string) numbers and arrays, strings, ``None``, and lists, tuples, sets and dicts of
    them, of exactly those types: not complex values, array kinds of other meaning
    (``np.matrix``, masked, record arrays), subclasses, or objects of other types (whose
    ``[...]`` or operators may compute)."""
    t = type(value)
    if t in _PLAIN:
        return True
    if t is np.ndarray or t is np.memmap or isinstance(value, np.generic):
        return value.dtype.kind not in "cOV"
    if t not in _CONTAINERS or depth >= _DEPTH:
        return False
    items = value.values() if t is dict else value
    return set(map(type, items)) <= _PLAIN or all(plain(v, depth + 1) for v in items)


def kinds_in(value, depth=0):
    """The kinds of the values in ``value`` (itself, or the leaves of its containers): their
    types, and for arrays whether they are complex."""
    t = type(value)
    if t in _CONTAINERS and depth < _DEPTH:
        items = value.values() if t is dict else value
        return frozenset({t}).union(*(kinds_in(v, depth + 1) for v in items))
    if isinstance(value, (np.ndarray, np.generic)):
        return frozenset({(t, value.dtype.kind == "c")})
    return frozenset({t})


class Check:
    """What a check expects of a value that must keep a property (``instances.Same``: the
    structure of an object of the user's) rather than be a given object."""

    def matches(self, value):
        raise NotImplementedError


class Baked:
    """The resolutions one function's transform made: key -> (kind, owner, key, attrs, object, method)."""

    def __init__(self):
        self.items = {}

    def name(self, namespace, name, attrs, obj, method=False):
        """``namespace[name].attrs...`` (the builtin ``name`` when the namespace lacks it) is ``obj``;
        ``method``: compare the function a method calls, not the method."""
        kind = "check" if isinstance(obj, Check) else "name"
        self.items[(kind, id(namespace), name, attrs)] = ("name", namespace, name, attrs, _expected(obj, method), method)

    def cell(self, fn, name, attrs, obj, method=False):
        """``fn``'s closure variable ``name``, then ``attrs``, is ``obj``."""
        if fn is not None and name in fn.__code__.co_freevars:  # else a function passed to it (``passed``), guarded where it was resolved
            index = fn.__code__.co_freevars.index(name)
            kind = "check" if isinstance(obj, Check) else "cell"
            self.items[(kind, id(fn), index, attrs)] = ("cell", fn, index, attrs, _expected(obj, method), method)

    def attribute(self, fn, attr):
        """``fn.attr`` (``__defaults__``) is the object it is now, whatever it holds."""
        self.items[("attr", id(fn), attr, ())] = ("attr", fn, attr, (), getattr(fn, attr), False)


class Guard:
    """Every resolution the transforms of ``sources`` made, checked for a function with
    the code of ``top`` (the function transformed): ``top``'s own closure cells and
    attributes are read from the function checked."""

    def __init__(self, top, sources):
        checks = {}
        for src in sources:
            for key, (kind, owner, name, attrs, obj, method) in src.baked.items.items():
                own = owner is top and kind != "name"
                checks[key] = (kind, None if own else owner, name, attrs, obj, method)
        self._set(checks.values(), {id(src.fn): src.fn for src in sources if src.fn is not None}.values())

    @classmethod
    def restored(cls, checks, functions):
        """A guard for checks made again in another process (``persist.py``): ``checks`` as
        ``recorded`` gives them, with the objects found now."""
        guard = cls.__new__(cls)
        guard._set(checks, functions)
        return guard

    def _set(self, checks, functions):
        self.version = registry.version()
        self.recorded = tuple(checks)  # (kind, owner or None for the function checked, name, attrs, expected, method)
        self.functions = tuple(functions)  # the functions whose sources the gradient was made from
        self.checks = tuple((kind, owner, name, _path(attrs) if attrs else None, obj, method) for kind, owner, name, attrs, obj, method in self.recorded)

    def holds(self, fn):
        if registry.version() != self.version:
            return False
        try:
            for kind, owner, name, tail, expected, method in self.checks:
                if owner is None:
                    owner = fn
                if kind == "name":
                    value = owner[name] if name in owner else getattr(builtins, name, _MISSING)
                elif kind == "cell":
                    value = owner.__closure__[name].cell_contents
                else:
                    value = getattr(owner, name)
                if tail is not None:
                    value = tail(value)
                if isinstance(expected, Check):
                    if not expected.matches(value):
                        return False
                    continue
                if expected is PLAIN or isinstance(expected, frozenset):
                    if not plain(value) and (expected is PLAIN or kinds_in(value) != expected):
                        return False
                    continue
                if method:
                    value = getattr(value, "__func__", value)
                if value is not expected and not _same_method(value, expected):
                    return False
        except Exception:  # noqa: BLE001 - a name gone, a cell emptied: transform again, which reports it
            return False
        return True

    def __len__(self):
        return len(self.checks)


class Calling:
    """A step of a recorded path: the value called with these literal arguments (a factory
    of functions, ``make_act("tanh")``: ``funcargs.py``)."""

    def __init__(self, args, keywords):
        self.args, self.keywords = tuple(args), tuple(sorted(keywords.items()))

    def __eq__(self, other):
        return isinstance(other, Calling) and (self.args, self.keywords) == (other.args, other.keywords)

    def __hash__(self):
        return hash((self.args, self.keywords))

    def __call__(self, fn):
        return fn(*self.args, **dict(self.keywords))


def follow(value, attrs):
    """``value`` read through ``attrs`` as a check reads it (``_path``)."""
    return _path(attrs)(value)


def _path(attrs):
    """Reads ``attrs`` (attribute names; ``(key,)`` for an item, ``FNS[1]``; ``Calling`` for
    a call) from a value."""
    if all(isinstance(a, str) for a in attrs):
        return operator.attrgetter(".".join(attrs))

    def read(value):
        for a in attrs:
            value = a(value) if isinstance(a, Calling) else value[a[0]] if isinstance(a, tuple) else getattr(value, a)
        return value

    return read


def _expected(obj, method=False):
    """What a check of ``obj`` expects: ``obj`` itself when generated code depends on which
    object it is (for a ``method``, the function it calls, as ``Guard.holds`` reads it),
    ``PLAIN`` for plain data, the kinds it holds for other data (complex values,
    subclasses...: a gradient made for them is right for plain values too)."""
    if isinstance(obj, Check):
        return obj
    if method:
        obj = getattr(obj, "__func__", obj)
    if _depends(obj):
        return obj
    return PLAIN if plain(obj) else kinds_in(obj)


def _same_method(a, b):
    """Bound methods are made anew on each attribute access: the same function bound to
    the same object is the same method."""
    return type(a) is type(b) and isinstance(a, (types.MethodType, types.BuiltinMethodType)) and a == b
