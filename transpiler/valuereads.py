"""Which reads of a name see what an in-place change did to its array's values.

``aliasing`` makes a name stale when an in-place change may have reached its memory
(AD306 on a later read). Two kinds of read cannot see such a change, and are not
counted:

- Metadata: ``x.shape``, ``x.ndim``, ``x.dtype``, ``x.size`` (also through ``x.T``,
  ``x.real``, ``x[i]`` of an array: ``x.T.shape``, ``x[0].shape[1]``), and ``len(x)``,
  ``np.shape(x)``, ``np.ndim(x)``, ``np.size(x)`` of an array. A store into an array's
  entries, or ``x += v``, never changes its shape or dtype. (A list has no ``.shape``;
  its ``len`` does change, so the calls count only for a value known to be an array.)
- A global or closure value that holds no array the change could have reached: a
  number, a string, ``None`` (a tuple of them); a module, function or class of a
  library; and a function (or class) of the user's whose code, and the code it calls,
  reads only such values. A function of the user's that reads a global array (or a
  list, a dict, an object) still counts: calling it reads that array. What the
  decision rests on is recorded (``guards``), so another value there later makes the
  gradient again.
"""

import ast
import sys
import types

import numpy as np

from adgen import guards, memory
from adgen.calls import is_user_function
from adgen.libraries import installed
from adgen.resolve import names_read
from adgen.syntax import walk

METADATA = {"shape", "ndim", "dtype", "size", "itemsize", "nbytes"}
SAME_SHAPE = {"T", "mT", "real", "imag"}  # an array's view whose metadata follows from the array's
METADATA_CALLS = (len, np.shape, np.ndim, np.size)
# what makes an ndarray (or a number, or a tuple of arrays) of any argument, never a list
MAKES_ARRAYS = tuple((memory.FRESH | memory.FRESH_SCALAR) - {np.gradient, np.meshgrid}) + (  # (lists in older NumPy)
    np.reshape, np.transpose, np.ravel, np.squeeze, np.asarray, np.swapaxes, np.moveaxis, np.expand_dims,
    np.diagonal, np.real, np.imag, float, int, bool, complex, len,
)
ARRAY_METHODS = (memory.FRESH_METHODS | memory.VIEW_METHODS) - {"tolist"}  # of an array
_SCALARS = (int, float, complex, str, bytes, type(None), range, slice, type(Ellipsis), np.generic)


def immutable(value):
    """A value no in-place change can alter: a number, a string, ``None``, a tuple of them."""
    if type(value) in (tuple, frozenset):
        return all(immutable(v) for v in value)
    return isinstance(value, _SCALARS)


def solid_value(value):
    """A value whose metadata no in-place change alters: a NumPy array, or ``immutable``."""
    return type(value) is np.ndarray or immutable(value)


class Immutable(guards.Check):
    """A guard: the value is still one ``immutable`` accepts."""

    def matches(self, value):
        return immutable(value)


class SolidValue(guards.Check):
    """A guard: the value is still one ``solid_value`` accepts."""

    def matches(self, value):
        return solid_value(value)


def subjects(tree, alias, value_of):
    """``{id(name): node read}`` for each name ``tree`` reads: the name itself, or for the
    alias of the user's module (``alias.G``, ``alias.mod.G``), the global it reads."""
    parents = _parents(tree)
    out = {}
    for node in walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            subject = node
            while node.id == alias and isinstance(parents.get(id(subject)), ast.Attribute):
                subject = parents[id(subject)]
                ok, value = value_of(subject)
                if not (ok and isinstance(value, types.ModuleType)):
                    break
            out[id(node)] = subject
    return out


def metadata_reads(tree, nodes, is_array, callee):
    """The ``id``s of those of ``nodes`` (in ``tree``) that are read only for their
    metadata. ``is_array(node)``: is the value of ``node`` surely a NumPy array (or a
    number)? ``callee(call)``: the object a call's function resolves to, or None."""
    parents = _parents(tree)
    found = set()
    for node in nodes:
        top = node
        while True:  # x.T, x[i] of an array: the same question about x
            parent = parents.get(id(top))
            if isinstance(parent, ast.Attribute) and parent.attr in SAME_SHAPE:
                top = parent
            elif isinstance(parent, ast.Subscript) and parent.value is top and is_array(top):
                top = parent
            else:
                break
        if isinstance(parent, ast.Attribute) and parent.attr in METADATA:
            found.add(id(node))
        elif isinstance(parent, ast.Call) and parent.args == [top] and not parent.keywords and is_array(top):
            fn = callee(parent)
            if any(fn is m for m in METADATA_CALLS):
                found.add(id(node))
    return found


class Solid:
    """Which names and expressions surely hold a NumPy array or an immutable value (a
    number, a string, a tuple of them): values whose metadata no in-place change alters.
    A name is solid when every value the body assigns to it is (flow-insensitive, to the
    greatest fixed point); ``shape_of(node)``: its static shape, or None (``shapes``)."""

    def __init__(self, body, shape_of, value_of, pin):
        self.shape_of = shape_of
        self.value_of = value_of  # node -> (ok, object), recording nothing
        self.pin = pin  # (node, guards.Check): records that a global or closure value must pass the check
        self.names = None
        self.body = body

    def __call__(self, node):
        if self.names is None:
            self.names = self._fixed_point()
        return self._solid(node)

    def _fixed_point(self):
        values, simple, stored = {}, set(), set()
        for node in walk(ast.Module(body=self.body, type_ignores=[])):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.For) and isinstance(node.target, ast.Name):
                target, value = node.target, node.iter  # an item of an array is solid too
            else:
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    stored.add(node)
                continue
            values.setdefault(target.id, []).append(value)
            simple.add(target)
        names = set(values) - {n.id for n in stored - simple}
        while True:
            self.names = names
            names = {n for n in names if all(self._solid(v) for v in values[n])}
            if names == self.names:
                return names

    def _solid(self, node):
        if isinstance(node, ast.Constant) or self.shape_of(node) is not None:
            return True
        if isinstance(node, ast.Name) and node.id in self.names:
            return True
        if isinstance(node, ast.Attribute) and node.attr in SAME_SHAPE:
            return self._solid(node.value)
        if isinstance(node, (ast.Name, ast.Attribute)):  # a global or closure value?
            ok, value = self.value_of(node)
            if ok and solid_value(value):
                self.pin(node, SolidValue())
            return ok and solid_value(value)
        if isinstance(node, ast.Subscript):
            return self._solid(node.value)
        if isinstance(node, ast.BinOp):
            return self._solid(node.left) and self._solid(node.right)
        if isinstance(node, ast.UnaryOp):
            return self._solid(node.operand)
        if isinstance(node, ast.IfExp):
            return self._solid(node.body) and self._solid(node.orelse)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ARRAY_METHODS and self._solid(func.value):
                return True
            ok, fn = self.value_of(func)
            return ok and (isinstance(fn, np.ufunc) or any(fn is f for f in MAKES_ARRAYS))
        return False


def _parents(tree):
    return {id(child): node for node in walk(tree) for child in ast.iter_child_nodes(node)}


class Outside:
    """Whether a global or closure value can see an in-place change (``sees``), for one
    transform; what the answer rests on is recorded in ``baked`` (``guards.Baked``)."""

    def __init__(self, baked):
        self.baked = baked
        self.seen = {}  # id(function) -> what it reads that sees a change, or None

    def sees(self, value):
        """None when ``value`` holds nothing an in-place change can reach; else a short
        description of what does."""
        if immutable(value):
            return None
        if isinstance(value, types.ModuleType):
            path = getattr(value, "__file__", None)
            library = value.__name__ in sys.builtin_module_names or (path is not None and installed(path))
            return None if library else "a module of yours"
        if isinstance(value, type):
            return self._class(value)
        if is_user_function(value):
            return self._function(value)
        if isinstance(value, (types.BuiltinFunctionType, types.FunctionType, np.ufunc)):
            return None  # a library's function
        return ""  # it may be, or hold, an array

    def _class(self, cls):
        """What the code and class attributes of a class of the user's read that may see a
        change (a class of a library's: nothing)."""
        for klass in cls.__mro__[:-1]:
            if not _users(klass):
                continue
            for name, attr in vars(klass).items():
                fn = _function_of(attr)
                if fn is not None:
                    found = self._function(fn) if is_user_function(fn) else None
                elif name.startswith("__"):
                    found = None
                elif immutable(attr):
                    self.baked.name(vars(klass), name, (), Immutable())
                    found = None
                else:
                    found = self.sees(attr) if isinstance(attr, (types.ModuleType, type)) else f"`{klass.__name__}.{name}`"
                if found is not None:
                    return found
        return None

    def _function(self, fn):
        """What the code of ``fn`` (and what it calls) reads that may see a change, or None."""
        key = id(fn)
        if key not in self.seen:
            self.seen[key] = None  # a recursive call adds nothing new
            self.seen[key] = next((w for w in (self._read(fn, *r) for r in _reads_of(fn)) if w is not None), None)
        return self.seen[key]

    def _read(self, fn, where, name, value):
        if immutable(value):
            check = Immutable()
        elif isinstance(value, (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, np.ufunc)):
            check = value
        elif where == "default":
            return f"a default value of `{fn.__name__}`"
        else:
            return f"`{name}`"
        if where == "global":
            self.baked.name(fn.__globals__, name, (), check)
        elif where == "cell":
            self.baked.cell(fn, name, (), check)
        else:
            self.baked.attribute(fn, name)
        return self.sees(value)


def _reads_of(fn):
    """``(where, name, value)`` for each global, closure value and default ``fn`` may read."""
    for name in sorted(names_read(fn.__code__)):
        if name in fn.__globals__:
            yield "global", name, fn.__globals__[name]
    for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
        try:
            yield "cell", name, cell.cell_contents
        except ValueError:  # not filled yet: it may hold anything
            yield "cell", name, object()
    for value in fn.__defaults__ or ():
        yield "default", "__defaults__", value
    for value in (fn.__kwdefaults__ or {}).values():
        yield "default", "__kwdefaults__", value


def _function_of(attr):
    """The function a class attribute runs: a method, a static or class method, a property's getter."""
    if isinstance(attr, (staticmethod, classmethod)):
        return attr.__func__
    if isinstance(attr, property):
        return attr.fget
    return attr if isinstance(attr, types.FunctionType) else None


def _users(cls):
    """Is ``cls`` a class of the user's (not of the standard library or a package's)?"""
    module = sys.modules.get(cls.__module__)
    path = getattr(module, "__file__", None)
    return cls.__module__ != "builtins" and (path is None or not installed(path))
