"""Spreads of a repeated list or tuple, ``f(*[a] * n)``, written out where ``n`` is static.

``block_diag(*[Q] * block_size)`` passes ``block_size`` copies of ``Q``. Where the count
is known when the gradient is made the spread becomes a display, which ``variadic``
writes out as arguments (``block_diag(*(Q, Q))`` -> ``block_diag(Q, Q)``)::

    f(*[a] * 2)           ->  f(*(a, a))
    f(*([a, b] * n))      ->  f(*(a, b, a, b))     n = 2, known
    f(*(g(x),) * 3)       ->  _r = g(x)
                              f(*(_r, _r, _r))     an item that is not a name is computed once

The count is known (``count``) when it is an integer literal, arithmetic on known counts,
``x.shape[k]`` or ``len(x)`` of a parameter whose shape the gradient is specialised to, a
local name bound once to a known count, or a parameter of a function of yours that the
call leaves to a literal default or passes a literal (the callee is then specialised to
that value: ``static_counts`` and ``substitute``, called by ``variadic``). The function
``grad()`` differentiates is specialised the same way to the integers a call gives such a
parameter (``count_parameters``; ``adgen emit``, which sees no call, does not). Elsewhere
the spread stays, and a call passing a differentiated value that way is AD206.
"""

import ast
import operator

from adgen.names import REPEATED
from adgen.syntax import clone, load, walk

_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv}
_MAYBE = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.IfExp, ast.BoolOp)
_ONCE = {ast.Assign: "value", ast.AugAssign: "value", ast.Return: "value", ast.Expr: "value", ast.For: "iter", ast.If: "test"}


def repetition(node):
    """``(items, count expression)`` for ``[a, b] * n``, ``n * (a,)``, else None."""
    if not isinstance(node, ast.BinOp) or not isinstance(node.op, ast.Mult):
        return None
    for seq, count in ((node.left, node.right), (node.right, node.left)):
        if isinstance(seq, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in seq.elts):
            return seq.elts, count
    return None


def _spread_repetitions(tree):
    """The ``[a] * n`` nodes spread (``*[a] * n``) in ``tree`` (a node or a list of them)."""
    trees = tree if isinstance(tree, list) else [tree]
    return [n.value for t in trees for n in walk(t) if isinstance(n, ast.Starred) and repetition(n.value) is not None]


# -- a callee specialised to its counts ------------------------------------------------


def count_parameters(func):
    """The parameters of ``func`` (an AST) that are counts of spread repetitions in its
    body (``f(*[a] * n)``) and are never assigned there."""
    stored = {n.id for n in walk(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    args = func.args
    params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    counts = (repetition(rep)[1] for rep in _spread_repetitions(func))
    return {c.id for c in counts if isinstance(c, ast.Name) and c.id in params and c.id not in stored}


def static_counts(func, bound, defaults):
    """Parameter -> count, for the ``count_parameters`` of ``func`` that a call passes as an
    integer literal (``bound``: parameter -> argument node) or leaves to an integer default
    (``defaults``: parameter -> default value)."""
    counts = {}
    for name in count_parameters(func):
        arg = bound.get(name)
        value = defaults.get(name) if arg is None else getattr(arg, "value", None) if isinstance(arg, ast.Constant) else None
        if type(value) is int:
            counts[name] = value
    return counts


def substitute(body, counts):
    """``body`` with the counts ``counts`` (parameter -> value) written into its spread
    repetitions."""
    for rep in _spread_repetitions(body):
        for side in ("left", "right"):
            operand = getattr(rep, side)
            if isinstance(operand, ast.Name) and operand.id in counts:
                setattr(rep, side, ast.copy_location(ast.Constant(counts[operand.id]), operand))
    return body


# -- writing the spreads out -----------------------------------------------------------


def expand(body, params, shapes, fresh, builtin):
    """``body`` with each spread repetition whose count is known written out as a display
    (see the module's doc). ``params``: the function's parameters; ``shapes``: parameter ->
    the shape the gradient is specialised to; ``fresh(base)``: a new local name;
    ``builtin(name)``: does ``name`` mean Python's builtin (``len``) there?"""
    if not _spread_repetitions(body):
        return body
    counter = _Counts(body, params, shapes, builtin)
    return _expand(body, counter, fresh)


def _expand(body, counter, fresh):
    out = []
    for stmt in body:
        for field_name in ("body", "orelse"):
            inner = getattr(stmt, field_name, None)
            if type(inner) is list and inner and isinstance(inner[0], ast.stmt):
                setattr(stmt, field_name, _expand(inner, counter, fresh))
        field_name = _ONCE.get(type(stmt))
        if field_name and getattr(stmt, field_name, None) is not None:
            writer = _Write(counter, fresh, stmt)
            setattr(stmt, field_name, writer.visit(getattr(stmt, field_name)))
            out += writer.before
        out.append(stmt)
    return out


class _Write(ast.NodeTransformer):
    def __init__(self, counter, fresh, stmt):
        self.counter = counter
        self.fresh = fresh
        self.stmt = stmt
        self.before = []  # items computed once, before the statement

    def generic_visit(self, node):
        if isinstance(node, _MAYBE):
            return node
        return super().generic_visit(node)

    def visit_Starred(self, node):
        self.generic_visit(node)
        found = repetition(node.value)
        n = self.counter.count(found[1]) if found is not None else None
        if n is None:
            return node
        items = [self._once(e) for e in found[0]]
        display = ast.Tuple(elts=[clone(e) for _ in range(max(n, 0)) for e in items], ctx=ast.Load())
        return ast.copy_location(ast.Starred(value=ast.fix_missing_locations(ast.copy_location(display, node.value)), ctx=ast.Load()), node)

    def _once(self, item):
        """``item`` itself where repeating it reads the same object, else a name bound to it."""
        if isinstance(item, (ast.Name, ast.Constant)):
            return item
        name = self.fresh(REPEATED)
        assign = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=item)
        self.before.append(ast.fix_missing_locations(ast.copy_location(assign, self.stmt)))
        return load(name)


class _Counts:
    """The counts known when the gradient is made (see the module's doc)."""

    def __init__(self, body, params, shapes, builtin):
        self.shapes = shapes
        self.builtin = builtin
        stores = {}
        for node in walk(ast.Module(body=body, type_ignores=[])):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                stores[node.id] = stores.get(node.id, 0) + 1
        self.fixed = {p for p in params if p not in stores}  # parameters never rebound
        self.bound = {}  # local name bound once, by `n = e`: e
        for node in walk(ast.Module(body=body, type_ignores=[])):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                if stores.get(name) == 1 and name not in params:
                    self.bound[name] = node.value

    def count(self, node, seen=frozenset()):
        """The integer ``node`` is, known when the gradient is made, else None."""
        if isinstance(node, ast.Constant):
            return node.value if type(node.value) is int else None
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            left, right = self.count(node.left, seen), self.count(node.right, seen)
            if left is None or right is None or (isinstance(node.op, ast.FloorDiv) and right == 0):
                return None
            return _ARITHMETIC[type(node.op)](left, right)
        if isinstance(node, ast.Name) and node.id in self.bound and node.id not in seen:
            return self.count(self.bound[node.id], seen | {node.id})
        return self._shape_read(node)

    def _shape_read(self, node):
        """``x.shape[k]`` or ``len(x)`` of a parameter ``x`` of known shape."""
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "shape":
            shape = self._shape_of(node.value.value)
            k = node.slice.value if isinstance(node.slice, ast.Constant) and type(node.slice.value) is int else None
            return shape[k] if shape is not None and k is not None and -len(shape) <= k < len(shape) else None
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "len"
            and self.builtin("len")
            and len(node.args) == 1
            and not node.keywords
        ):
            shape = self._shape_of(node.args[0])
            return shape[0] if shape else None
        return None

    def _shape_of(self, node):
        if isinstance(node, ast.Name) and node.id in self.fixed and isinstance(self.shapes.get(node.id), tuple):
            return self.shapes[node.id]
        return None
