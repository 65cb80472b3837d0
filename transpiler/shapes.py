"""Static shapes: which values have a shape known before the function runs,
given the shapes of its arguments.

``grad()`` specialises a gradient to the shapes of the arguments it is called
with (``adgen show --shape x=3x2`` prints the same specialisation). Knowing
that an operand already has its result's shape removes the
``_rt.unbroadcast`` that would otherwise sum its cotangent back to shape at
run time, and with it the shape a loop would record for it.

A name has a known shape when its parameter (if it is one) and every value
assigned to it have that same shape, iterated to a fixed point over the whole
body (flow-insensitive, like ``activity``). Anything not modelled below is
unknown, which only ever costs an ``unbroadcast``, never a wrong gradient:

    names, numbers               a parameter's shape; ``()``
    + - * / ** // % and unary    the operands broadcast together
    elementwise rules            np.sin(x), np.maximum(x, y), math.exp(x), ...
    @, np.dot, np.matmul         1-D and 2-D operands
    np.sum/mean/max/min/prod     with a literal ``axis`` and ``keepdims``
    np.roll, np.negative, x.T    the operand's shape (reversed for .T)
    x.shape[0], x.ndim, len(x)   ``()``
    for i in range(...)          ``i`` is ``()``
    np.zeros_like(x), ...        ``x``'s shape (without ``shape=``/``dtype=`` changes of shape)
    np.zeros((m, n)), ...        a shape of literal ints, ``x.shape[k]`` and ``len(x)`` of known shapes
    np.eye(n), np.identity(n)    ``(n, n)``, ``n`` as for ``np.zeros``
    x[1:-1], x[t + 1], x[i, :]   literal slices, ``None`` (a new axis), and integers made of ``range`` loop variables
    rules declaring ``shape``    ``cho_solve(cf, b)``: ``b``'s; a tuple result's items by unpacking or ``r[k]``
"""

import ast
import contextlib
import threading
import types

import numpy as np

from adgen import errors, source
from adgen.names import Names, identifiers
from adgen.resolve import Resolver, yours
from adgen.runtime import registry
from adgen.runtime.tangents import tangent_arg
from adgen.syntax import clone, same, walk

_NOTHING = "nothing yet"  # a name no assignment has given a shape to so far
_UNSEEN = object()  # not in the memo yet
SAME_SHAPE = {np.roll, np.negative, np.positive, np.copy, np.ascontiguousarray}
LIKE = {np.zeros_like, np.ones_like, np.empty_like, np.full_like}
FILLED = {np.zeros, np.ones, np.empty, np.full}  # the shape is the first argument
REDUCTIONS = {np.sum, np.mean, np.max, np.amax, np.min, np.amin, np.prod}
MATMUL = {np.dot, np.matmul}
SQUARE = {np.eye, np.identity}  # the first argument is the side
SCALAR_BUILTINS = {float, int, len, bool}


LARGE = 1 << 16  # elements: an array worth freeing as soon as it is no longer needed


def size(shape):
    return int(np.prod(shape, dtype=np.int64))


def of_argument(value):
    """The shape specialisation key of one argument: its shape, or None."""
    if type(value) is np.ndarray:
        return value.shape
    if isinstance(value, (float, int, np.generic)):  # bool is an int
        return ()
    return None


def parse(text):
    """``"100x2"`` -> ``(100, 2)``, ``"7"`` -> ``(7,)``, ``"scalar"`` or ``"()"`` -> ``()``."""
    text = text.strip()
    if text in ("scalar", "()", ""):
        return ()
    dims = text.split("x")
    if not all(d.isdigit() for d in dims):
        raise ValueError(f"bad shape {text!r}: expected dimensions like 100x2, or 'scalar'")
    return tuple(int(d) for d in dims)


def spell(shape):
    """The inverse of ``parse``."""
    return "x".join(map(str, shape)) if shape else "scalar"


class Shapes:
    """The known shape of each name of a function body, and of its expressions."""

    def __init__(self, body, params, known, resolver):
        """``params``: every parameter name; ``known``: parameter name -> shape, for
        the parameters whose shapes the gradient is specialised to."""
        self.resolver = resolver
        self.params = list(params)
        self.names = {n: known.get(n) for n in params}
        self.counters = set()  # names only ever bound by ``for ... in range(...)``: ints
        self.once = {}  # name -> the one value assigned to it (not a parameter): ``n = x.shape[0]``
        self._memo = None
        self._infer(body)
        self._memo = {}  # node -> shape, once the names' shapes are final (reverse asks for
        # the shape of each subexpression of a nested one: without it, quadratic in its depth)

    def of(self, node):
        """The shape of ``node``'s value, or None when it is not known statically."""
        shape = self._of(node)
        return None if shape is _NOTHING else shape

    def _infer(self, body):
        stores = list(_stores(body))
        for name, _ in stores:
            self.names.setdefault(name, _NOTHING)
        bound = {}
        for name, value in stores:
            bound.setdefault(name, set()).add(value == "range")
        self.counters = {n for n, kinds in bound.items() if kinds == {True}} - set(self.params)
        counts = {}
        for name, value in stores:
            counts[name] = counts.get(name, 0) + 1
        self.once = {name: value for name, value in stores if counts[name] == 1 and isinstance(value, ast.AST) and name not in self.params}
        changed = True
        while changed:
            changed = False
            for name, value in stores:
                new = () if value == "range" else self._of(value, whole=True) if value is not None else None
                old = self.names[name]
                if new is _NOTHING or new == old:
                    continue
                joined = new if old is _NOTHING else None
                if joined != old:
                    self.names[name] = joined
                    changed = True
        for name, shape in self.names.items():
            if shape is _NOTHING:  # never assigned a known value: read before it could be
                self.names[name] = None

    def _of(self, node, whole=False):
        """``whole``: a tuple's item shapes (a list) stand as they are, for ``x[k]`` to pick one."""
        if self._memo is None:
            shape = self._shape(node)
        else:
            shape = self._memo.get(node, _UNSEEN)
            if shape is _UNSEEN:
                shape = self._memo[node] = self._shape(node)
        return None if isinstance(shape, list) and not whole else shape

    def result_of(self, node):
        """The shape of a returned value ``node``: a tuple display's, the list of its items'
        (None for an item not known)."""
        if isinstance(node, ast.Tuple):
            items = [self.of(e) for e in node.elts]
            return items if any(isinstance(i, tuple) for i in items) else None
        return None if node is None else self.of(node)

    def _shape(self, node):
        if isinstance(node, ast.Constant):
            ok = isinstance(node.value, (int, float)) and not isinstance(node.value, complex)
            return () if ok else None
        if isinstance(node, ast.Name) and node.id in self.names:
            return self.names[node.id]
        if isinstance(node, ast.Attribute) and self._library_number(node):
            return ()  # ``np.pi``, ``math.e``
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.MatMult):
                return _matmul(self._of(node.left), self._of(node.right))
            return _broadcast([self._of(node.left), self._of(node.right)])
        if isinstance(node, ast.UnaryOp):
            return self._of(node.operand)
        if isinstance(node, ast.Compare):
            return _broadcast([self._of(node.left)] + [self._of(c) for c in node.comparators])
        if isinstance(node, ast.IfExp):
            a, b = self._of(node.body), self._of(node.orelse)
            return a if a == b else None
        if isinstance(node, ast.Attribute) and node.attr in ("ndim", "size"):
            return ()
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "shape":
            return () if isinstance(node.slice, (ast.Constant, ast.UnaryOp)) else None
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.Attribute) and node.attr == "T":
            shape = self._of(node.value)
            return shape[::-1] if isinstance(shape, tuple) else shape
        if isinstance(node, ast.Call):
            return self._call(node)
        return None

    def _library_number(self, node):
        """Is ``node`` a number constant of NumPy, ``math`` or SciPy (not a user's global,
        which the program may rebind)?"""
        ok, owner = self.resolver.value_of(node.value)
        if not (ok and isinstance(owner, types.ModuleType) and owner.__name__.split(".")[0] in ("numpy", "math", "scipy")):
            return False
        value = getattr(owner, node.attr, None)
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    def _call(self, node):
        ok, fn = self.resolver.value_of(node.func)
        if not ok:  # a method of a library's object: norm.logpdf(x)
            ok, fn = self.resolver.method_of(node.func)
        if not ok or not _hashable(fn) or any(isinstance(a, ast.Starred) for a in node.args):
            return None
        args = [self._of(a) for a in node.args]
        keywords = {k.arg: k.value for k in node.keywords}
        rule = registry.lookup(fn)
        if rule is not None and rule.shape is not None:
            return self._declared(rule.shape, node.args)
        if rule is not None and rule.elementwise and rule.outputs is None and not keywords:
            return _broadcast(args)
        if fn in SCALAR_BUILTINS:
            return ()
        if (fn in SAME_SHAPE or fn is tangent_arg) and args:  # a tangent module's check of a tangent: its value's shape
            return args[0]
        if fn in LIKE and args and not set(keywords) & {"shape", "subok"}:
            return args[0]
        if fn in SQUARE and len(node.args) == 1 and set(keywords) <= {"k", "dtype", "like"}:
            n = self.int_value(node.args[0])
            return None if n is None else (n, n)
        if fn in FILLED and (node.args or "shape" in keywords):
            return self._filled(node.args[0] if node.args else keywords["shape"])
        if fn in MATMUL and len(args) == 2 and not keywords:
            return _matmul(*args)
        if fn is np.array and len(node.args) == 1 and set(keywords) <= {"like"} and isinstance(node.args[0], (ast.List, ast.Tuple)):
            items = {self._of(e) for e in node.args[0].elts}
            one = items.pop() if len(items) == 1 else None
            return (len(node.args[0].elts),) + one if isinstance(one, tuple) else None
        if rule is None and yours(fn) and not keywords:
            return returned(fn, args)
        if fn in REDUCTIONS and len(node.args) in (1, 2):
            axis = node.args[1] if len(node.args) == 2 else keywords.pop("axis", ast.Constant(None))
            keepdims = keywords.pop("keepdims", ast.Constant(False))
            if keywords:
                return None
            return _reduce(args[0], _literal(axis), _literal(keepdims))
        return None


    def _declared(self, shape_of, operands):
        """The shape a rule's ``shape`` function gives for these operand nodes (a tuple
        operand as the list of its items' shapes); a list for a tuple result."""
        shapes = [[self._of(e) for e in a.elts] if isinstance(a, ast.Tuple) else self._of(a) for a in operands]
        if any(s is _NOTHING or (isinstance(s, list) and _NOTHING in s) for s in shapes):
            return _NOTHING
        try:
            return shape_of(*shapes)
        except (TypeError, ValueError, IndexError):
            return None

    def _filled(self, node):
        """The shape ``np.zeros(node)`` makes: ``node`` an int or a tuple of ints known statically."""
        dims = node.elts if isinstance(node, ast.Tuple) else [node]
        values = [self.int_value(d) for d in dims]
        return None if None in values else tuple(values)

    def int_value(self, node, seen=frozenset()):
        """The value of an int expression known statically (a literal, ``x.shape[k]`` or
        ``len(x)`` of an ``x`` of known shape, sums and products of them, a name assigned
        one of those once: ``n, m = D.shape``), else None."""
        if isinstance(node, ast.Name) and node.id in self.once and node.id not in seen:
            return self.int_value(self.once[node.id], seen | {node.id})
        if isinstance(node, ast.Constant):
            return node.value if type(node.value) is int else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
            a, b = self.int_value(node.left, seen), self.int_value(node.right, seen)
            if a is None or b is None:
                return None
            return a + b if isinstance(node.op, ast.Add) else a - b if isinstance(node.op, ast.Sub) else a * b
        if isinstance(node, ast.Subscript):
            shape, k = self._shape_value(node.value, seen), _literal(node.slice)
            if isinstance(shape, tuple) and type(k) is int and -len(shape) <= k < len(shape):
                return shape[k]
        if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and self.resolver.value_of(node.func) == (True, len):
            shape = self._of(node.args[0])
            return shape[0] if isinstance(shape, tuple) and shape else None
        return None

    def _shape_value(self, node, seen):
        """The value of ``x.shape`` for an ``x`` of known shape, read directly or through a
        name assigned it once (``_t1 = D.shape``), else None."""
        if isinstance(node, ast.Name) and node.id in self.once and node.id not in seen:
            return self._shape_value(self.once[node.id], seen | {node.id})
        if isinstance(node, ast.Attribute) and node.attr == "shape":
            shape = self._of(node.value)
            return shape if isinstance(shape, tuple) else None
        return None

    def alike(self, a, b):
        """Do the expressions ``a`` and ``b``, evaluated together, surely have the same
        shape, known or not? (``np.roll(q, 1, axis=0)`` and ``-q`` have ``q``'s.)"""
        return same(self.root(a), self.root(b))

    def root(self, node):
        """The operand whose shape ``node`` has: through shape-keeping calls and unary operators."""
        while True:
            if isinstance(node, ast.UnaryOp):
                node = node.operand
                continue
            if not (isinstance(node, ast.Call) and node.args) or any(isinstance(a, ast.Starred) for a in node.args):
                return node
            ok, fn = self.resolver.value_of(node.func)
            if not ok or not _hashable(fn):
                return node
            rule = registry.lookup(fn)
            unary = rule is not None and rule.elementwise and rule.outputs is None and len(node.args) == 1 and not node.keywords
            if not (unary or fn in SAME_SHAPE):
                return node
            node = node.args[0]

    def _subscript(self, node):
        """The shape of ``x[index]`` for an index of literal slices and integers."""
        base = self._of(node.value, whole=True)
        if isinstance(base, list):  # an item of a tuple result
            k = self._literal_int(node.slice)
            return base[k] if type(k) is int and -len(base) <= k < len(base) else None
        if not isinstance(base, tuple):
            return base  # None or _NOTHING
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        index = []
        for part in parts:
            if isinstance(part, ast.Constant) and part.value is None:
                index.append(None)  # a new axis
            elif isinstance(part, ast.Slice):
                bounds = [self._literal_int(b) if b is not None else "open" for b in (part.lower, part.upper, part.step)]
                if any(b is _NOTHING or b is None for b in bounds):
                    return None  # a bound that is not a literal
                bounds = [None if b == "open" else b for b in bounds]
                index.append(slice(*bounds))
            else:
                k = self._literal_int(part)
                if k is _NOTHING:
                    return None
                index.append(0 if k is None else k)  # an int from loop counters: any entry will do
        try:
            return np.broadcast_to(np.empty((), bool), base)[tuple(index)].shape
        except (IndexError, TypeError, ValueError):
            return None

    def _literal_int(self, node):
        """An int literal's value; None for an int made of ``range`` counters (value
        unknown); ``_NOTHING`` for anything else."""
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            k = self._literal_int(node.operand)
            return -k if isinstance(k, int) else k
        if isinstance(node, ast.Name) and node.id in self.counters:
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            a, b = self._literal_int(node.left), self._literal_int(node.right)
            return _NOTHING if _NOTHING in (a, b) else None
        return _NOTHING


_ANALYSED = set()  # the code of the functions whose results are being found (recursion: unknown)
_RUN = threading.local()  # per thread: .found, while a transform runs (``remembered``): (code,
# globals, shapes) -> what ``returned`` found; .cuts, how many times ``returned`` met a recursion


@contextlib.contextmanager
def remembered():
    """``returned``'s answers kept while a transform runs (its callees' shapes are asked
    for at every call, in every pass), and forgotten after: a name may be rebound before
    the next."""
    if getattr(_RUN, "found", None) is not None:  # a transform inside one (a callee's): the outer one's answers hold
        yield
        return
    _RUN.found, _RUN.cuts = {}, 0
    try:
        yield
    finally:
        _RUN.found = None


def returned(fn, shapes):
    """The shape every ``return`` of the user's function ``fn`` gives, called with
    arguments of ``shapes`` (positional, in order; None where unknown), or None; for
    ``return a, b``, the list of the items' shapes (``_subscript`` picks one). Its body is
    read as the transform reads a callee's: its names resolved as they are now (and
    recorded for the guards)."""
    code = fn.__code__
    memo = getattr(_RUN, "found", None)
    if code in _ANALYSED:
        _RUN.cuts = getattr(_RUN, "cuts", 0) + 1
        return None  # a recursion: unknown
    if code.co_flags & 0x0C or code.co_kwonlyargcount or len(shapes) > code.co_argcount:
        return None  # *args or **kwargs, keyword-only parameters, or a call Python would refuse
    key = (code, id(fn.__globals__), tuple(shapes))
    if memo is not None and key in memo:
        return memo[key]
    cuts = getattr(_RUN, "cuts", 0)
    found = _returned(fn, shapes)
    if memo is not None and getattr(_RUN, "cuts", 0) == cuts:  # not where a recursion was cut short: that is unknown only there
        memo[key] = found
    return found


def _returned(fn, shapes):
    code = fn.__code__
    try:
        src = source.load(fn)
    except errors.AdgenError:
        return None
    func = src.func
    params = [a.arg for a in func.args.posonlyargs + func.args.args]
    body = clone(func.body)
    resolver = Resolver(src, Names(identifiers(func)), errors.Diagnostics(src))
    stored = {n.id for n in walk(ast.Module(body=body, type_ignores=[])) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    body = resolver.qualify(body, set(params) | stored)
    _ANALYSED.add(code)
    try:
        inner = Shapes(body, params, {p: s for p, s in zip(params, shapes) if isinstance(s, tuple)}, resolver)
        found = [inner.result_of(n.value) for n in _returns(body)]
    finally:
        _ANALYSED.discard(code)
    return found[0] if found and all(f == found[0] for f in found) and found[0] is not None else None


def _returns(body):
    """The ``return`` statements of ``body``, not of functions defined in it."""
    todo = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Return):
            yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))


def plain(path, args, known):
    """A call of a rule's runtime helper ``path`` on ``args`` (a rule's parameter names)
    as plain NumPy, when ``known`` (parameter name -> shape) fixes which case of the
    helper runs; else None. ``matmul_x1(g, x1, x2)`` is ``g @ x2.T`` for matrices."""
    if path not in ("_rt.matmul_x1", "_rt.matmul_x2") or len(args) != 3:
        return None
    if not all(isinstance(a, ast.Name) for a in args):
        return None
    g, x1, x2 = (a.id for a in args)
    a, b = known.get(x1), known.get(x2)
    if a is None or b is None or not (1 <= len(a) <= 2 and 1 <= len(b) <= 2) or a[-1] != b[0]:
        return None
    first = path.endswith("x1")
    if len(a) == 2 and len(b) == 2:  # g @ x2.T, x1.T @ g
        return _matmul_of(g, _T(x2)) if first else _matmul_of(_T(x1), g)
    if len(a) == 1 and len(b) == 2:  # g is a vector of b's columns
        return _matmul_of(x2, g) if first else _np("outer", x1, g)
    if len(a) == 2:  # x1 @ vector: g is a vector of a's rows
        return _np("outer", g, x2) if first else _matmul_of(_T(x1), g)
    return ast.BinOp(left=_load(g), op=ast.Mult(), right=_load(x2 if first else x1))  # a dot product


def _load(name):
    return name if isinstance(name, ast.expr) else ast.Name(id=name, ctx=ast.Load())


def _T(name):
    return ast.Attribute(value=_load(name), attr="T", ctx=ast.Load())


def _matmul_of(a, b):
    return ast.BinOp(left=_load(a), op=ast.MatMult(), right=_load(b))


def _np(attr, *names):
    func = ast.Attribute(value=ast.Name(id="np", ctx=ast.Load()), attr=attr, ctx=ast.Load())
    return ast.Call(func=func, args=[_load(n) for n in names], keywords=[])


def reduction(expr, source, target):
    """``expr`` (of shape ``source``) summed down to ``target``, the shape of an operand
    that broadcast to ``source``: ``np.sum(g, axis=0)``, as a hand-written gradient
    would; None when ``target`` does not broadcast to ``source``."""
    lead = len(source) - len(target)
    if lead < 0 or any(t not in (1, s) for t, s in zip(target, source[lead:])):
        return None
    kept = tuple(i for i, (t, s) in enumerate(zip(target, source[lead:])) if t == 1 and s != 1)
    if not target:
        return _np_sum(expr, None, False)
    if lead:
        expr = _np_sum(expr, tuple(range(lead)), False)
    if kept:
        expr = _np_sum(expr, kept, True)
    return expr


def _np_sum(expr, axes, keepdims):
    func = ast.Attribute(value=ast.Name(id="np", ctx=ast.Load()), attr="sum", ctx=ast.Load())
    keywords = []
    if axes is not None:
        axis = axes[0] if len(axes) == 1 else axes
        keywords.append(ast.keyword(arg="axis", value=ast.Constant(axis)))
    if keepdims:
        keywords.append(ast.keyword(arg="keepdims", value=ast.Constant(True)))
    return ast.Call(func=func, args=[expr], keywords=keywords)


def _stores(body):
    """``(name, value)`` for every assignment to a name; ``value`` is the assigned
    expression, ``"range"`` for the target of a ``for`` over ``range``, or None
    when the value is not modelled."""
    for node in walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    yield target.id, node.value
                elif isinstance(target, ast.Subscript):
                    continue  # a store keeps the array's shape
                elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple) and len(target.elts) == len(node.value.elts):
                    for t, v in zip(target.elts, node.value.elts):
                        yield from ((n.id, v if t is n else None) for n in walk(t) if isinstance(n, ast.Name))
                elif isinstance(target, ast.Tuple) and all(isinstance(t, ast.Name) for t in target.elts):
                    for k, t in enumerate(target.elts):  # ``c, lower = cho_factor(K)``: item k
                        yield t.id, ast.Subscript(value=node.value, slice=ast.Constant(k), ctx=ast.Load())
                else:
                    yield from ((n.id, None) for n in walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.For):
            counted = isinstance(node.target, ast.Name) and _is_range(node.iter)
            for n in walk(node.target):
                if isinstance(n, ast.Name):
                    yield n.id, "range" if counted else None
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and isinstance(node.target, ast.Name):
            yield node.target.id, None  # normalised away before this pass; unknown if not
        elif isinstance(node, ast.NamedExpr):
            yield node.target.id, None


def _is_range(node):
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "reversed" and node.args:
        node = node.args[0]
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range"


def _hashable(fn):
    try:
        hash(fn)
    except TypeError:
        return False
    return True


def _literal(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return _NOTHING


def _broadcast(shapes):
    if any(s is None for s in shapes):
        return None
    if any(s is _NOTHING for s in shapes):
        return _NOTHING
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None  # the program fails here at run time anyway


def _matmul(a, b):
    if a is None or b is None:
        return None
    if a is _NOTHING or b is _NOTHING:
        return _NOTHING
    if not (1 <= len(a) <= 2 and 1 <= len(b) <= 2) or a[-1] != b[0]:
        return None
    return a[:-1] + b[1:]


def _reduce(shape, axis, keepdims):
    if axis is None and keepdims is False:
        return ()
    if shape is None or shape is _NOTHING:
        return shape
    if axis is _NOTHING or not isinstance(keepdims, bool):
        return None
    if axis is None:
        axes = set(range(len(shape)))
    else:
        axes = set(axis) if isinstance(axis, tuple) else {axis}
        if not all(isinstance(a, int) and -len(shape) <= a < len(shape) for a in axes):
            return None
        axes = {a % len(shape) for a in axes}
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)
