"""The values of module-level constants, worked out without running the user's code
(``adgen check --no-import``): ``LOG_2PI = math.log(2.0 * math.pi)``,
``IDX = np.array([0, 2, 2, 1])``, ``W = 0.1 * np.eye(3)``.

Only literals, names already resolved, arithmetic on numbers and NumPy arrays, and
calls of a fixed list of pure functions of Python, ``math`` and NumPy are evaluated;
sizes are bounded first, so a file cannot make the check allocate or compute without
end (``[0] * 10**12``, ``np.zeros(10**12)``, ``10 ** 10 ** 9``). Anything else is not
a constant.
"""

import ast
import math
import operator
import warnings

import numpy as np

MAX_SIZE = 10**6  # elements of an array, items of a container
MAX_BITS = 10**4  # of an integer

_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg, ast.Not: operator.not_, ast.Invert: operator.invert}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow, ast.MatMult: operator.matmul}
_MATH = {getattr(math, n) for n in ("sqrt", "exp", "log", "log2", "log10", "log1p", "expm1", "sin", "cos", "tan", "asin",
                                    "acos", "atan", "atan2", "sinh", "cosh", "tanh", "hypot", "fabs", "floor", "ceil", "radians", "degrees")}
_NUMPY = {np.sqrt, np.exp, np.log, np.log2, np.log10, np.sin, np.cos, np.tan, np.tanh, np.abs, np.float64, np.float32,
          np.int64, np.int32, np.complex128, np.transpose}
_FROM_DATA = {np.array, np.asarray, np.matrix, np.asmatrix, np.ma.array, np.ma.masked_array, float, int, complex, bool, abs,
              min, max, round, len, tuple, list}
_SHAPED = {np.zeros: 0, np.ones: 0, np.full: 0, np.empty: 0}  # -> the index of the shape argument


def evaluate(node, lookup):
    """``(True, value)`` for a constant expression, else ``(False, None)``. ``lookup(node)``:
    ``(True, value)`` for a name or attribute chain already resolved."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # np.matrix is deprecated; log(0) warns
            return True, _value(node, lookup)
    except (_NotConstant, ArithmeticError, ValueError, TypeError, MemoryError, RecursionError):
        return False, None


class _NotConstant(Exception):
    pass


def _value(node, lookup):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Name, ast.Attribute)):
        ok, value = lookup(node)
        if not ok:
            raise _NotConstant
        return value
    if isinstance(node, (ast.Tuple, ast.List)) and not any(isinstance(e, ast.Starred) for e in node.elts):
        items = [_value(e, lookup) for e in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _checked(_UNARY[type(node.op)](_number(_value(node.operand, lookup))))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _number(_value(node.left, lookup)), _number(_value(node.right, lookup))
        if isinstance(node.op, ast.Pow) and isinstance(left, int) and isinstance(right, int) and abs(right) * max(left.bit_length(), 1) > MAX_BITS:
            raise _NotConstant  # computing it would take long, whatever comes of it
        _bounded_arrays(node.op, left, right)
        return _checked(_BINARY[type(node.op)](left, right))
    if isinstance(node, ast.Call):
        return _call(node, lookup)
    raise _NotConstant


def _number(value):
    """``value`` when arithmetic on it is bounded: a number or a NumPy array (not a list or
    a string, which ``*`` repeats)."""
    if isinstance(value, (bool, int, float, complex, np.number, np.ndarray)):
        return value
    raise _NotConstant


def _checked(value):
    if isinstance(value, int) and value.bit_length() > MAX_BITS:
        raise _NotConstant
    if isinstance(value, np.ndarray) and value.size > MAX_SIZE:
        raise _NotConstant
    return value


def _call(node, lookup):
    ok, fn = lookup(node.func) if isinstance(node.func, (ast.Name, ast.Attribute)) else (False, None)
    if not ok or not _allowed(fn):
        raise _NotConstant
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        raise _NotConstant
    args = [_value(a, lookup) for a in node.args]
    kwargs = {k.arg: _value(k.value, lookup) for k in node.keywords}
    if fn in _SHAPED or fn in (np.eye, np.identity, np.arange, np.linspace):
        _bounded(fn, args, kwargs)
    return _checked(fn(*args, **kwargs))


def _allowed(fn):
    try:
        return fn in _MATH or fn in _NUMPY or fn in _FROM_DATA or fn in _SHAPED or fn in (np.eye, np.identity, np.arange, np.linspace)
    except TypeError:  # unhashable
        return False


def _bounded_arrays(op, left, right):
    """Refuse arithmetic on arrays whose result would have more than ``MAX_SIZE`` elements
    (broadcasting ``np.ones((n, 1)) * np.ones(n)``), or a product costing more than
    ``MAX_SIZE`` multiplications per element of the result."""
    shapes = [np.shape(v) for v in (left, right)]
    if not any(shapes):
        return
    if isinstance(op, ast.MatMult):
        if not all(shapes):
            raise _NotConstant  # NumPy refuses a scalar operand of @
        inner = shapes[0][-1]
        shapes = [shapes[0][:-1] + (1,) if len(shapes[0]) > 1 else (1,), shapes[1][:-2] + shapes[1][-1:] if len(shapes[1]) > 1 else (1,)]
        if inner > MAX_SIZE:
            raise _NotConstant
    try:
        size = math.prod(np.broadcast_shapes(*shapes))
    except ValueError:
        raise _NotConstant from None
    if size > MAX_SIZE or (isinstance(op, ast.MatMult) and size * inner > 100 * MAX_SIZE):
        raise _NotConstant


def _bounded(fn, args, kwargs):
    """Refuse a call that would make more than ``MAX_SIZE`` elements."""
    if fn in _SHAPED:
        shape = args[0] if args else kwargs.get("shape", ())
        count = math.prod(shape) if isinstance(shape, (tuple, list)) else shape
    elif fn in (np.eye, np.identity):
        n = args[0] if args else kwargs.get("N", 0)
        count = n * (args[1] if len(args) > 1 and args[1] is not None else n)
    elif fn is np.linspace:
        count = args[2] if len(args) > 2 else kwargs.get("num", 50)
    else:
        start, stop, step = (list(args) + [None, None])[:3] if len(args) > 1 else (0, args[0] if args else 0, None)
        count = (stop - start) / (step or 1)
    if not isinstance(count, (int, float)) or not 0 <= count <= MAX_SIZE:
        raise _NotConstant
