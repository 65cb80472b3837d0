"""What a gradient baked in, and a cheap check that it still holds.

A transform resolves names to objects and writes what it found into the generated
code: ``act(x)`` with ``act`` holding ``np.sin`` becomes a ``cos`` in the backward
pass, ``lib.helper(x)`` becomes ``_fwd_helper``/``_bwd_helper``, ``range`` a counted
loop. Each such resolution is recorded (``Baked``) with how to make it again: a name
in a module's globals (or the builtins, when the globals lack it), a closure cell, an
attribute of a function (its defaults), then a chain of attributes. Values are read
by the generated code when it runs and are not recorded (numbers, arrays, lists...),
nor are NumPy's own attributes, which are taken as fixed.

``Guard.holds(fn)`` makes every recorded resolution again for the function about to
be run (a closure's cells are its own: two closures from one factory differ) and
compares identities; any difference means the gradient is transformed again.
"""

import builtins
import numbers
import operator
import types

import numpy as np

from runtime import registry

_DATA = (np.ndarray, np.generic, numbers.Number, str, bytes, type(None), list, tuple, dict, set, frozenset, range, slice)
_MISSING = object()


def _depends(obj):
    """Does generated code depend on which object this is (a function, a class, a
    module...), rather than on a value it reads when it runs?"""
    return not isinstance(obj, _DATA)


class Baked:
    """The resolutions one function's transform made: key -> (kind, owner, key, attrs, object, method)."""

    def __init__(self):
        self.items = {}

    def name(self, namespace, name, attrs, obj, method=False):
        """``namespace[name].attrs...`` (the builtin ``name`` when the namespace lacks it) is ``obj``;
        ``method``: compare the function a method calls, not the method."""
        if _depends(obj):
            self.items[("name", id(namespace), name, attrs)] = ("name", namespace, name, attrs, obj, method)

    def cell(self, fn, name, attrs, obj, method=False):
        """``fn``'s closure variable ``name``, then ``attrs``, is ``obj``."""
        if fn is not None and _depends(obj):
            index = fn.__code__.co_freevars.index(name)
            self.items[("cell", id(fn), index, attrs)] = ("cell", fn, index, attrs, obj, method)

    def attribute(self, fn, attr):
        """``fn.attr`` (``__defaults__``) is the object it is now, whatever it holds."""
        self.items[("attr", id(fn), attr, ())] = ("attr", fn, attr, (), getattr(fn, attr), False)


class Guard:
    """Every resolution the transforms of ``sources`` made, checked for a function with
    the code of ``top`` (the function transformed): ``top``'s own closure cells and
    attributes are read from the function checked."""

    def __init__(self, top, sources):
        self.version = registry.version()
        checks = {}
        for src in sources:
            for key, (kind, owner, name, attrs, obj, method) in src.baked.items.items():
                own = owner is top and kind != "name"
                tail = operator.attrgetter(".".join(attrs)) if attrs else None
                checks[key] = (kind, None if own else owner, name, tail, obj, method)
        self.checks = tuple(checks.values())

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
                if method:
                    value = getattr(value, "__func__", value)
                if value is not expected and not _same_method(value, expected):
                    return False
        except Exception:  # noqa: BLE001 - a name gone, a cell emptied: transform again, which reports it
            return False
        return True

    def __len__(self):
        return len(self.checks)


def _same_method(a, b):
    """Bound methods are made anew on each attribute access: the same function bound to
    the same object is the same method."""
    return type(a) is type(b) and isinstance(a, (types.MethodType, types.BuiltinMethodType)) and a == b
