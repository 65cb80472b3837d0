"""Which memory a value may share, by how it was made (value-based aliasing).

An abstract *object* stands for memory: ``("param", p)``, the argument ``p``, and
``("param", p, "items")``, whatever it holds (a list's arrays); ``OUTSIDE`` (and
``OUTSIDE_ITEMS``), memory the function neither made nor was passed (globals, closure
variables, what a call adgen cannot see into returns); ``("site", ...)``, the values
one statement makes. While an expression is evaluated, the memory it makes itself is
``NEW``; its statement names that site.

The ``Value`` of an expression says which objects the value may be (``own``: an
array or a view of one, a list), which it may hold references to (``held``: a
list's items), whether it is certainly a new array nothing else refers to
(``fresh``: a store into it changes nothing else), and its ``kind``:

- ``IMM``: it cannot change in place: a Python or NumPy scalar, a tuple, a string.
  ``z += y`` then binds a new value. Claimed only when certain.
- ``MUT``: an array, a list, a dict: ``z += y`` changes it in place.
- ``UNK``: either (a parameter of shape ``()``: a float or a 0-d array).

Whether a call makes new memory is looked up by the callee's *value*, resolved
statically: NumPy functions in ``FRESH``/``FRESH_SCALAR`` (checked by the tests to
return no memory of their arguments), the runtime's zero and given tangents, every
ufunc, ``math``, a few builtins.
Anything else may return its arguments or what they hold, as NumPy's conversions do
(``np.asarray``, ``x.astype(t, copy=False)``, ``np.require``, ``as_strided``);
a callable adgen does not know may also return outside memory.
"""

import ast
import functools
import inspect
import operator
import types
from dataclasses import dataclass, replace

import numpy as np

from adgen import instances
from adgen.runtime import tangents
from adgen.runtime.items import array_copy
from adgen.syntax import literal

NEW = "new"
OUTSIDE = ("outside",)
OUTSIDE_ITEMS = ("outside", "items")
IMM, MUT, UNK = "immutable", "mutable", "unknown"


def param(name, kind=None):
    """The value of the parameter ``name`` on entry."""
    return Value(own=frozenset({("param", name)}), held=frozenset({("param", name, "items")}), kind=kind or UNK)


def is_outside(obj):
    return obj in (OUTSIDE, OUTSIDE_ITEMS)


@dataclass(frozen=True)
class Value:
    own: frozenset = frozenset()
    held: frozenset = frozenset()
    fresh: bool = False
    kind: str = UNK
    integer: bool = False  # certainly an array of integers or booleans
    items: tuple = None  # a tuple, list or dict display: ((key, Value), ...)

    @property
    def reach(self):
        """Every object whose change the value may see."""
        return self.own | self.held

    def join(self, other):
        if self == other:
            return self
        kind = self.kind if self.kind == other.kind else UNK
        items = None
        if self.items is not None and other.items is not None and [k for k, _ in self.items] == [k for k, _ in other.items]:
            items = tuple((k, a.join(b)) for (k, a), (_, b) in zip(self.items, other.items))
        return Value(self.own | other.own, self.held | other.held, self.fresh and other.fresh, kind, self.integer and other.integer, items)

    def mapped(self, old, new):
        """The value with the object ``old`` replaced by ``new``."""
        swap = lambda objs: frozenset(new if o == old else o for o in objs)  # noqa: E731
        items = None if self.items is None else tuple((k, v.mapped(old, new)) for k, v in self.items)
        return replace(self, own=swap(self.own), held=swap(self.held), items=items)

    def named(self, site):
        """The value with the memory its expression made given to ``site``."""
        return self.mapped(NEW, site)

    def item(self, key):
        """The value of a display's item ``key`` (a literal index or key), or None."""
        if self.items is None:
            return None
        keys = [k for k, _ in self.items]
        if type(key) is int and keys == list(range(len(keys))) and -len(keys) <= key < 0:
            key += len(keys)
        return next((v for k, v in self.items if k == key and type(k) is type(key)), None)


EMPTY = Value(kind=IMM)  # a number, a string, a function: nothing to share
NEW_ARRAY = Value(own=frozenset({NEW}), fresh=True, kind=MUT)
FROM_OUTSIDE = Value(own=frozenset({OUTSIDE}), held=frozenset({OUTSIDE_ITEMS}))


def _numpy(*paths):
    """The NumPy functions at ``paths`` (``"linalg.inv"``) that this NumPy has."""
    found = set()
    for path in paths:
        obj = np
        for part in path.split("."):
            obj = getattr(obj, part, None)
        if obj is not None:
            found.add(obj)
    return found


# NumPy functions that always return new arrays (never memory of an argument) ...
FRESH = _numpy(
    "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like", "array",
    "astype", "copy", "arange", "linspace", "logspace", "geomspace", "eye", "identity", "tri", "triu", "tril",
    "diagflat", "vander", "concatenate", "stack", "vstack", "hstack", "dstack", "column_stack",
    "block", "append", "insert", "delete", "tile", "repeat", "pad", "roll", "sort", "argsort",
    "lexsort", "partition", "argpartition", "unique", "cumsum", "cumprod", "nancumsum",
    "nancumprod", "where", "select", "choose", "interp", "convolve", "correlate", "polyval", "cov",
    "corrcoef", "bincount", "digitize", "searchsorted", "argwhere", "flatnonzero", "take",
    "take_along_axis", "compress", "extract", "outer", "kron", "cross", "tensordot", "isclose",
    "meshgrid", "indices", "diff", "ediff1d", "gradient", "unwrap", "sinc", "i0", "fix", "angle",
    "nan_to_num", "sort_complex", "histogram", "nonzero", "linalg.inv", "linalg.pinv",
    "linalg.solve", "linalg.lstsq", "linalg.eig", "linalg.eigh", "linalg.eigvals",
    "linalg.eigvalsh", "linalg.svd", "linalg.qr", "linalg.cholesky", "linalg.multi_dot",
    "linalg.tensorinv", "linalg.tensorsolve",
)
# the tangent module's helpers that make new arrays (hvp differentiates that module; ``tangent_arg(copy=False)`` does not)
RUNTIME_FRESH = {tangents.zero_tangent, tangents.tangent_arg}
# ... or scalars (a NumPy scalar where the result has shape ``()``, without ``keepdims``)
FRESH_SCALAR = _numpy(
    "sum", "prod", "mean", "std", "var", "average", "median", "percentile", "quantile", "nansum",
    "nanprod", "nanmean", "nanstd", "nanvar", "nanmedian", "nanpercentile", "nanquantile", "max",
    "min", "amax", "amin", "nanmax", "nanmin", "ptp", "argmax", "argmin", "nanargmax", "nanargmin",
    "all", "any", "count_nonzero", "dot", "vdot", "inner", "trace", "clip", "round", "around",
    "trapezoid", "allclose", "array_equal", "linalg.norm", "linalg.det", "linalg.slogdet",
    "linalg.matrix_rank", "linalg.cond",
)
# functions that return their argument itself for some arguments: when they do not
FRESH_WHEN = {np.diff: lambda call: _literal_argument(call, 1, "n", 1) not in (0, None)}
# keyword -> the literal values with which the call still makes new memory
KEEPS_FRESH = {"copy": (True,), "overwrite_input": (False,)}
# NumPy functions and ndarray methods that change their first argument (or receiver) in place
MUTATORS = {
    np.copyto, np.put, np.place, np.putmask, np.fill_diagonal, np.put_along_axis,
    np.random.shuffle, operator.setitem, operator.iadd, operator.isub, operator.imul,
    operator.itruediv, operator.ifloordiv, operator.imod, operator.ipow, operator.imatmul,
    operator.iand, operator.ior, operator.ixor, operator.ilshift, operator.irshift, operator.iconcat,
}
MUTATING_METHODS = {
    "fill", "sort", "put", "itemset", "resize", "partition", "setfield", "setflags", "byteswap",
    "shuffle", "clear", "update", "remove", "reverse", "setdefault", "popitem", "add", "discard",
    "__setitem__", "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ipow__", "__imatmul__",
}
# methods that return new memory, whatever their receiver (a list's ``copy`` still holds its items)
FRESH_METHODS = {
    "copy", "astype", "sum", "prod", "mean", "std", "var", "max", "min", "ptp", "argmax", "argmin",
    "all", "any", "cumsum", "cumprod", "dot", "round", "clip", "trace", "nonzero", "tolist", "item",
    "flatten", "repeat", "take", "compress", "choose", "searchsorted", "argsort", "tobytes",
    # random generators (np.random.Generator, RandomState)
    "normal", "standard_normal", "uniform", "random", "integers", "random_sample", "rand", "randn",
    "randint", "choice", "permutation", "exponential", "poisson", "binomial", "beta", "gamma",
    "laplace", "logistic", "lognormal", "multivariate_normal", "dirichlet", "standard_t",
}
# NumPy functions that always return an array, perhaps their argument or a view of it
ALWAYS_ARRAY = _numpy(
    "asarray", "asanyarray", "ascontiguousarray", "asfortranarray", "asarray_chkfinite", "require",
    "array", "reshape", "ravel", "transpose", "squeeze", "expand_dims", "broadcast_to", "diagonal",
    "swapaxes", "moveaxis", "fliplr", "flipud", "rot90", "lib.stride_tricks.as_strided",
    "lib.stride_tricks.sliding_window_view", "matrix_transpose", "linalg.matrix_power", "diff",
)
# ... whose entries may share memory with each other (a store into one changes others)
OVERLAPPING = _numpy("lib.stride_tricks.as_strided", "lib.stride_tricks.sliding_window_view")
# methods that return their receiver or a view of it: an array when the receiver is one
VIEW_METHODS = {"reshape", "ravel", "view", "transpose", "squeeze", "swapaxes", "diagonal", "conj", "conjugate", "astype", "copy"}
IMMUTABLE_BUILTINS = {float, int, bool, complex, str, len, repr, hash, id, isinstance, issubclass, callable, hasattr, print, type, range, ord, chr, format}
CONTAINER_BUILTINS = {list: MUT, dict: MUT, set: MUT, sorted: MUT, tuple: IMM, frozenset: IMM,
                      zip: UNK, enumerate: UNK, reversed: UNK, map: UNK, filter: UNK, iter: UNK}
NO_MEMORY = {"shape", "ndim", "size", "dtype", "nbytes", "itemsize", "strides"}
VIEW_ATTRIBUTES = {"T", "mT", "real", "imag", "flat", "base"}
LIBRARIES = ("numpy", "math", "cmath")


def is_library_module(obj):
    return isinstance(obj, types.ModuleType) and obj.__name__.split(".")[0] in LIBRARIES


def _module_of(fn):
    """The top-level package a callable comes from (``"numpy"``, ``"math"``), or ""."""
    module = getattr(fn, "__module__", None)
    return module.split(".")[0] if isinstance(module, str) else ""


def from_library(fn):
    """A callable of NumPy's, Python's or the standard math modules."""
    return _module_of(fn) in LIBRARIES + ("builtins",)


def is_code(obj):
    """A module, class or function: reading one shares no memory of the user's."""
    code = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
            types.MethodDescriptorType, types.WrapperDescriptorType, np.ufunc)
    return isinstance(obj, code) or obj is None


def _hashable(obj):
    try:
        hash(obj)
    except TypeError:
        return False
    return True




def _literal_argument(call, position, keyword, default):
    """The literal value of an argument (``default`` when not passed, None when not a literal)."""
    node = call.args[position] if len(call.args) > position else next((k.value for k in call.keywords if k.arg == keyword), None)
    return default if node is None else literal(node, None)


def keeps_fresh(call):
    """Do the call's keywords keep a fresh function's result new (``copy=False`` and
    ``copy=None`` may return the argument itself)?"""
    for k in call.keywords:
        allowed = KEEPS_FRESH.get(k.arg)
        if k.arg is None or (allowed is not None and literal(k.value, object()) not in allowed):
            return False
    return True


def integer_dtype(value):
    """Is ``value`` (a dtype, a type, a string) an integer or boolean dtype?"""
    try:
        return np.dtype(value).kind in "biu"
    except TypeError:
        return False


class Evaluator:
    """The ``Value`` of expressions of one function body.

    ``resolve(node)``: ``(True, obj)`` when ``node`` statically names a module-level object
    (a callee: the gradient's cache is guarded on it); ``peek(node)``: the same for data,
    without guarding; ``pin(node, fn)``: guard on the method ``fn`` that ``node`` calls;
    ``free(name)``: the ``Value`` of a name the body does not bind (``FROM_OUTSIDE`` for
    data, ``EMPTY`` for modules and functions); ``shape_of(node)``: its static shape or
    None; ``effects``: an ``effects.Effects``, which tells the user's own functions and what
    they do.
    """

    def __init__(self, resolve, free, shape_of=lambda node: None, effects=None, peek=None, pin=lambda node, fn: None):
        self.resolve = resolve
        self.peek = peek or resolve
        self.pin = pin
        self.free = free
        self.shape_of = shape_of
        self.effect_of = effects.of if effects is not None else lambda fn: None
        self.is_user_function = effects.is_user_function if effects is not None else lambda fn: False

    def callee(self, call):
        """``(ok, function, call)`` for what ``call`` calls: a method of a module-level object
        or a class method comes back as its function, and the call with the receiver as
        its first argument (``Class.method(obj, ...)``)."""
        func = call.func
        ok, fn = self.resolve(func)
        if not ok and isinstance(func, ast.Attribute):  # ``MODEL.loss(x)``, ``loss`` an object ``MODEL`` holds
            found, base = self.peek(func.value)
            held = getattr(base, "__dict__", {}).get(func.attr) if found and instances.is_object(base) else None
            ok, fn = (True, held) if instances.is_object(held) else (False, None)
        method = inspect.getattr_static(type(fn), "__call__", None) if ok and instances.is_object(fn) else None
        if isinstance(method, types.FunctionType):  # an object of a class of yours with a ``__call__``
            return True, method, ast.Call(func=func, args=[func] + call.args, keywords=call.keywords)
        if isinstance(fn, types.MethodType) and isinstance(func, ast.Attribute):
            fn = fn.__func__
        elif ok or not isinstance(func, ast.Attribute):
            return ok, fn, call
        else:
            ok, base = self.peek(func.value)
            if not ok or isinstance(base, (type, types.ModuleType, types.SimpleNamespace)) or func.attr in getattr(base, "__dict__", {}):
                return False, None, call
            fn = inspect.getattr_static(type(base), func.attr, None)
            if not isinstance(fn, types.FunctionType):
                return False, None, call
            self.pin(func, fn)
        return True, fn, ast.Call(func=func, args=[func.value] + call.args, keywords=call.keywords)

    def of(self, expr, env):
        """``env``: name -> ``Value`` of the names the body binds."""
        if isinstance(expr, ast.Name):
            return env[expr.id] if expr.id in env else self.free(expr.id)
        if isinstance(expr, (ast.Constant, ast.JoinedStr)):
            return EMPTY
        if isinstance(expr, (ast.BinOp, ast.UnaryOp, ast.Compare)):
            return self._arithmetic(expr, env)
        if isinstance(expr, ast.BoolOp):
            return union([self.of(v, env) for v in expr.values])
        if isinstance(expr, ast.IfExp):
            return self.of(expr.body, env).join(self.of(expr.orelse, env))
        if isinstance(expr, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
            return self._display(expr, env)
        if isinstance(expr, ast.Starred):
            return self.of(expr.value, env)
        if isinstance(expr, ast.Subscript):
            return self._subscript(expr, env)
        if isinstance(expr, ast.Attribute):
            return self._attribute(expr, env)
        if isinstance(expr, ast.Call):
            return self._call(expr, env)
        return union([self.of(c, env) for c in ast.iter_child_nodes(expr) if isinstance(c, ast.expr)] + [FROM_OUTSIDE])

    def kind_by_shape(self, expr, operands):
        """The kind of a computed value (arithmetic, a ufunc, a reduction): a NumPy
        scalar when its shape is ``()`` (NumPy returns scalars there), an array for any
        other known shape."""
        shape = self.shape_of(expr)
        if shape == ():
            return IMM
        if shape is not None or any(v.kind == MUT for v in operands):
            return MUT
        return IMM if operands and all(v.kind == IMM for v in operands) else UNK

    def _arithmetic(self, expr, env):
        operands = [self.of(c, env) for c in ast.iter_child_nodes(expr) if isinstance(c, ast.expr)]
        return Value(own=frozenset({NEW}), fresh=True, kind=self.kind_by_shape(expr, operands))

    def _display(self, expr, env):
        elts = expr.values if isinstance(expr, ast.Dict) else expr.elts
        values = [self.of(e, env) for e in elts]
        value = _container(values, IMM if isinstance(expr, ast.Tuple) else MUT)
        if isinstance(expr, ast.Set) or any(isinstance(e, ast.Starred) for e in elts):
            return value
        keys = [literal(k, None) if k is not None else None for k in expr.keys] if isinstance(expr, ast.Dict) else range(len(values))
        if any(type(k) not in (int, str) for k in keys):
            return value
        return replace(value, items=tuple(zip(keys, values)))

    def _subscript(self, expr, env):
        base = self.of(expr.value, env)
        item = base.item(literal(expr.slice, None)) if isinstance(expr.slice, (ast.Constant, ast.UnaryOp)) else None
        if item is not None:
            return item
        if self.shape_of(expr) == () and _integer_index(expr.slice):
            return EMPTY  # an entry picked by integers: a NumPy scalar, a copy
        if _advanced(expr.slice, base.kind == MUT):
            return NEW_ARRAY  # an array indexed by a list or a mask: a copy
        shape = self.shape_of(expr)
        kind = MUT if shape not in (None, ()) or (base.kind == MUT and _picks_many(expr.slice)) else UNK
        return Value(own=base.reach, held=base.held, fresh=_only_new(base), kind=kind)

    def _attribute(self, expr, env):
        if expr.attr in NO_MEMORY:
            return EMPTY
        ok, obj = self.peek(expr)
        if ok and is_code(obj):
            return EMPTY
        if ok and isinstance(obj, (np.ndarray, list, dict)) and not is_library_module(self.peek(expr.value)[1]):
            return replace(FROM_OUTSIDE, kind=MUT)  # an array now: were it a number when the gradient runs, refusing is only cautious
        ok_base, base_obj = self.peek(expr.value)
        if ok_base and is_library_module(base_obj):
            return EMPTY  # np.pi, np.newaxis
        base = self.of(expr.value, env)
        view = expr.attr in VIEW_ATTRIBUTES
        return Value(own=base.reach, held=base.held, fresh=view and _only_new(base), kind=MUT if view and base.kind == MUT else UNK)

    def unknown_callee(self, call, ok, fn, env):
        """Is ``call``'s callee something adgen cannot see into, which may change its
        arguments (a function in a list or a local name, a callable object, a function of
        the user's without source)? NumPy's, Python's, and the methods of arrays, lists and
        random generators named in this module are not."""
        if ok:
            if isinstance(fn, types.FunctionType):
                return self.effect_of(fn) is None and self.is_user_function(fn)
            return not (is_code(fn) or from_library(fn))
        func = call.func
        if isinstance(func, ast.Attribute):
            known = FRESH_METHODS | VIEW_METHODS | MUTATING_METHODS | {"append", "extend", "insert", "pop", "index", "count", "get", "keys", "values", "items"}
            return self.of(func.value, env).kind != IMM and func.attr not in known
        return True

    def _call(self, call, env):
        ok, fn, call = self.callee(call)
        args = [self.of(a, env) for a in call.args] + [self.of(k.value, env) for k in call.keywords]
        func = call.func
        if ok:
            return self._known_call(call, fn, args)
        if isinstance(func, ast.Attribute):  # a method of a value
            receiver = self.of(func.value, env)
            kind = MUT if func.attr in VIEW_METHODS and receiver.kind == MUT else UNK
            integer = func.attr == "astype" and bool(call.args) and self._is_integer_dtype(call.args[0])
            if func.attr in FRESH_METHODS and keeps_fresh(call):
                return Value(own=frozenset({NEW}), held=receiver.held, fresh=True, kind=kind, integer=integer)
            if func.attr in VIEW_METHODS and all(_only_new(v) or v.kind == IMM for v in [receiver] + args):
                return Value(own=frozenset({NEW}), held=receiver.held, fresh=_only_new(receiver), kind=kind, integer=integer)
            return replace(union([receiver] + args + [made(), FROM_OUTSIDE]), kind=kind, integer=integer)
        return union([self.of(func, env)] + args + [made(), FROM_OUTSIDE])

    def _known_call(self, call, fn, args):
        if fn is tangents.fit and args:  # its first argument itself, or a new array
            return args[0] if _only_new(args[0]) else union([args[0], made()])
        effect = self.effect_of(fn)
        if effect is not None:
            return effect.result(call, args)
        if not _hashable(fn):
            return union(args + [made(), FROM_OUTSIDE])
        fresh = keeps_fresh(call) and (fn not in FRESH_WHEN or FRESH_WHEN[fn](call))
        if isinstance(fn, np.ufunc) or (fresh and fn in FRESH_SCALAR and not _has(call, "keepdims")):
            return Value(own=frozenset({NEW}), fresh=True, kind=self.kind_by_shape(call, args))
        if fn is array_copy:  # runtime/items.py: a copy of an item of a list
            return NEW_ARRAY
        if fresh and (fn in FRESH or fn in RUNTIME_FRESH):
            return replace(NEW_ARRAY, integer=self._makes_integers(call, fn))
        if fresh and fn in FRESH_SCALAR:
            return Value(own=frozenset({NEW}), fresh=True, kind=MUT if self.shape_of(call) not in (None, ()) else UNK)
        if fn in IMMUTABLE_BUILTINS or _module_of(fn) in ("math", "cmath"):
            return EMPTY
        if fn in CONTAINER_BUILTINS:
            return _container(args, CONTAINER_BUILTINS[fn])
        if fn in (abs, sum, round, pow, divmod):
            return Value(own=frozenset({NEW}), fresh=True, kind=self.kind_by_shape(call, args))
        if fn in (min, max, getattr, next):
            return union(args)  # one of the arguments, or one of their items
        shared = union(args + [made()] + ([] if from_library(fn) else [FROM_OUTSIDE]))
        if fn in ALWAYS_ARRAY:  # of new values only (``np.asarray([0.0, 1.0])``): a new array
            return replace(shared, kind=MUT, fresh=fn not in OVERLAPPING and all(v.reach <= {NEW} for v in args))
        return shared

    def _makes_integers(self, call, fn):
        """Does a call of an array maker certainly make an array of integers or booleans
        (``np.zeros(3, dtype=int)``, ``np.arange(4)``, ``np.full(3, 0)``)?"""
        dtype = next((k.value for k in call.keywords if k.arg == "dtype"), None)
        position = {np.zeros: 1, np.ones: 1, np.empty: 1, np.full: 2, np.array: 1, np.eye: 3, np.identity: 1}.get(fn)
        if dtype is None and position is not None and len(call.args) > position:
            dtype = call.args[position]
        if dtype is not None:
            return self._is_integer_dtype(dtype)
        if fn is np.arange:
            return bool(call.args) and all(isinstance(literal(a, None), int) for a in call.args)
        if fn is np.full and len(call.args) > 1:
            return isinstance(literal(call.args[1], None), int)
        if fn is np.array and call.args:
            items = literal(call.args[0], None)
            return isinstance(items, (list, tuple)) and bool(items) and all(type(v) in (int, bool) for v in items)
        return False

    def _is_integer_dtype(self, node):
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str) and integer_dtype(node.value)
        ok, obj = self.peek(node)
        return ok and integer_dtype(obj)


def _only_new(value):
    """Is ``value`` a new array (or list...) whose memory nothing but the expression being
    evaluated refers to: a view of it, or a conversion of it, is new too?"""
    return value.fresh and value.reach <= {NEW}


def _has(call, keyword):
    return any(k.arg == keyword for k in call.keywords)


def made():
    return Value(own=frozenset({NEW}))


def union(values):
    own = frozenset().union(*(v.own for v in values))
    held = frozenset().union(*(v.held for v in values))
    return Value(own, held)


def _container(items, kind):
    """A new list (tuple, dict...) of ``items``."""
    held = frozenset().union(*(v.reach for v in items))
    return Value(own=frozenset({NEW}) if kind != IMM else frozenset(), held=held, kind=kind)


def _integer_index(index):
    """An index of integers only (literals, names, arithmetic): no slice, list, ``None``
    or ``...`` that would keep an axis."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return all(isinstance(p, (ast.Name, ast.BinOp, ast.UnaryOp)) or (isinstance(p, ast.Constant) and type(p.value) is int) for p in parts)


def _advanced(index, array):
    """An index with a list in it (``y[[0, 2]]``: Python's sequences and dicts refuse
    one), or, on an ``array``, a comparison (``y[y > 0]``): advanced indexing, which copies."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return any(isinstance(p, ast.List) or (array and isinstance(p, ast.Compare)) for p in parts)


def _picks_many(index):
    """An index that keeps or adds an axis (a slice, a list, ``None``, ``...``): it picks
    an array, never a scalar."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return any(isinstance(p, (ast.Slice, ast.List)) or (isinstance(p, ast.Constant) and p.value in (None, Ellipsis)) for p in parts)


def free_in(src, locals_):
    """``free(name)`` for a function read from its source (names not yet qualified):
    modules, functions and classes share nothing; any other global or closure value
    is outside memory."""

    def free(name):
        if name in locals_:
            return FROM_OUTSIDE  # read before it is bound: whatever it is
        ok, obj = src.lookup(name)
        if ok and is_code(obj):
            return EMPTY
        return FROM_OUTSIDE

    return free


def resolver_in(src, locals_):
    """``resolve(node)`` for a function read from its source (``locals_``: the names it binds)."""

    def resolve(node):
        if isinstance(node, ast.Name):
            return (False, None) if node.id in locals_ else src.lookup(node.id)
        if isinstance(node, ast.Attribute):
            ok, base = resolve(node.value)
            if ok and isinstance(base, (types.ModuleType, type)) and hasattr(base, node.attr):
                return True, getattr(base, node.attr)
        return False, None

    return resolve


def changed_by(call, resolve):
    """``(expression, how)`` for each value ``call`` changes in place: the first argument
    of ``np.copyto``-like functions, the receiver of ``y.fill(...)``-like methods, ``out``
    arguments (by keyword, or by position: ``np.sin(x, y)``), ``overwrite_input=True``."""
    func = call.func
    ok, fn = resolve(func)
    found = []
    if ok and call.args and ((_hashable(fn) and fn in MUTATORS) or _mutating_method(fn)):
        found.append((call.args[0], f"`{ast.unparse(func)}` changes its first argument in place"))
    elif not ok and isinstance(func, ast.Attribute) and func.attr in MUTATING_METHODS:
        found.append((func.value, f"`.{func.attr}()` changes `{ast.unparse(func.value)}` in place"))
    out = _out_position(fn) if ok else None
    if out is not None and len(call.args) > out:
        found.extend((a, "an `out` argument is written in place") for a in call.args[out:])
    for k in call.keywords:
        if k.arg == "out" or (k.arg == "overwrite_input" and literal(k.value, True) is not False):
            target = call.args[0] if k.arg == "overwrite_input" and call.args else k.value
            found.append((target, f"`{k.arg}=` writes into an existing array in place"))
    return found


def _mutating_method(fn):
    """A method of a built-in type that changes its receiver, called through the type
    (``np.ndarray.fill(y, 0.0)``, ``list.append(xs, v)``)."""
    owner = getattr(fn, "__objclass__", None)
    return owner in (np.ndarray, list, dict, set) and getattr(fn, "__name__", "") in MUTATING_METHODS | {"append", "extend", "insert", "pop"}


@functools.lru_cache(maxsize=None)
def _out_position_of(fn):
    if isinstance(fn, np.ufunc):
        return fn.nin
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    for i, p in enumerate(params):
        if p.name == "out" and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            return i
    return None


def _out_position(fn):
    """Where a NumPy function takes ``out`` by position, or None."""
    if not _hashable(fn) or _module_of(fn) != "numpy":
        return None
    return _out_position_of(fn)
