"""Algebraic clean-ups of generated expressions, exact in floating point.

- ``fold``: arithmetic on number literals that pasting a rule leaves behind
  (``2 - 1``, ``x ** 1``, ``g * 1``, ``np.negative(1)``), and conditionals on
  literal constants.
- ``signs``: negations move outward and into the sign of a sum.
"""

import ast
import functools
import inspect
import operator

import numpy as np

from adgen.syntax import Transformer, path_of


def is_literal(node):
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) and is_literal(node.operand)


def literal_value(node):
    """The number an ``is_literal`` node stands for (``--0.3`` is 0.3)."""
    if isinstance(node, ast.Constant):
        return node.value
    value = literal_value(node.operand)
    return -value if isinstance(node.op, ast.USub) else value


def fold(expr):
    """Fold arithmetic on number literals that pasting a rule leaves behind (``2 - 1``,
    ``x ** 1``, ``g * 1``)."""
    return Folder().visit(expr)


class Folder(Transformer):
    """What ``fold`` does, node by node (a base for passes that fold as they go)."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        left, right = node.left, node.right
        if is_literal(left) and is_literal(right) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
            value = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}[type(node.op)](
                literal_value(left), literal_value(right)
            )
            return ast.Constant(value) if value >= 0 else ast.UnaryOp(op=ast.USub(), operand=ast.Constant(-value))
        if isinstance(node.op, ast.Pow) and _equals(right, 1):
            return left
        if isinstance(node.op, ast.Mult) and _equals(right, 1):
            return left
        if isinstance(node.op, ast.Mult) and _equals(left, 1):
            return right
        return node

    def visit_Subscript(self, node):
        self.generic_visit(node)
        index, items = node.slice, node.value
        if isinstance(items, ast.Call) and path_of(items.func) == "_rt.per_output" and items.args and isinstance(items.args[0], ast.Tuple):
            items = items.args[0]  # per_output((g1, g2), ans) is the tuple (g1, g2) itself
        if isinstance(items, ast.Tuple) and isinstance(index, ast.Constant) and type(index.value) is int:
            if -len(items.elts) <= index.value < len(items.elts):
                return items.elts[index.value]  # (g, 0.0)[1]: an unused output's cotangent
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        known, truth = _static_truth(node.test)
        if known:
            return node.body if truth else node.orelse
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        if path_of(node.func) == "np.power" and len(node.args) == 2 and _equals(node.args[1], 1):
            return node.args[0]
        if path_of(node.func) == "np.negative" and len(node.args) == 1 and is_literal(node.args[0]):
            return fold(ast.BinOp(left=ast.Constant(0), op=ast.Sub(), right=node.args[0]))
        defaults = _defaults(path_of(node.func))
        if defaults:  # np.reshape(g, s, order='C'): NumPy's default said again (other libraries may lack the keyword)
            node.keywords = [k for k in node.keywords if not (isinstance(k.value, ast.Constant) and defaults.get(k.arg, _NO_DEFAULT) == k.value.value)]
        return _unguarded(node)


_NO_DEFAULT = object()


@functools.cache
def _defaults(path):
    """The literal defaults of the parameters of the NumPy function at ``path`` ("np.reshape"),
    by name: strings and None only (a number's type can matter)."""
    fn = getattr(np, path[len("np."):], None) if path and path.startswith("np.") and path.count(".") == 1 else None
    try:
        params = inspect.signature(fn).parameters.values() if callable(fn) else ()
    except (TypeError, ValueError):  # a builtin without a signature
        return {}
    return {p.name: p.default for p in params if p.default is None or type(p.default) is str}


def _unguarded(node):
    """``_rt.over(g, d[, n])`` / ``_rt.times(g, f)`` (runtime/singular.py) as plain arithmetic
    where the local factor cannot be infinite: ``d`` a non-zero literal, ``f`` made of
    ``+ - *`` and powers with literal exponents >= 0 (``x ** 2``'s ``2 * x``)."""
    path, args = path_of(node.func), node.args
    if node.keywords:
        return node
    if path == "_rt.over" and len(args) in (2, 3) and is_literal(args[1]) and literal_value(args[1]) != 0:
        top = args[0] if len(args) == 2 else ast.BinOp(left=args[0], op=ast.Mult(), right=args[2])
        return ast.BinOp(left=top, op=ast.Div(), right=args[1])
    if path == "_rt.times" and len(args) == 2 and _finite_factor(args[1]):
        return ast.BinOp(left=args[0], op=ast.Mult(), right=args[1])
    return node


def _finite_factor(node):
    """Is ``node`` finite wherever its names are (no division, no negative or unknown power)?"""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.UnaryOp):
        return _finite_factor(node.operand)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
        return _finite_factor(node.left) and _finite_factor(node.right)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return _finite_factor(node.left) and _natural(node.right)
    if isinstance(node, ast.Call) and path_of(node.func) in ("np.power", "np.float_power") and len(node.args) == 2:
        return _finite_factor(node.args[0]) and _natural(node.args[1])
    return False


def _natural(node):
    return is_literal(node) and literal_value(node) >= 0


COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Is: operator.is_, ast.IsNot: operator.is_not}


def _static_truth(test):
    """``(True, value)`` when a condition compares literal constants only
    (``"C" != "A"``, ``None is None``), as pasting a rule's defaults leaves behind."""
    if isinstance(test, ast.Constant):
        return True, bool(test.value)
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and type(test.ops[0]) in COMPARE
        and isinstance(test.left, ast.Constant)
        and isinstance(test.comparators[0], ast.Constant)
    ):
        return True, bool(COMPARE[type(test.ops[0])](test.left.value, test.comparators[0].value))
    return False, None


def _equals(node, number):
    return isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value == number


# functions linear in their first argument: f(-a, ...) == -f(a, ...)
LINEAR = {"np.roll", "_rt.sum_to", "_rt.unbroadcast", "_rt.expand", "_rt.scatter", "_rt.over", "_rt.times"}


class _Signs(Transformer):
    """Move negations outward and into the sign of a sum: ``a + f(-b)`` -> ``a - f(b)``,
    ``-a * b`` -> ``-(a * b)``, ``-(-a)`` -> ``a``. Exact in floating point."""

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.USub) and _negated(node.operand):
            return node.operand.operand
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        if node.args and _negated(node.args[0]) and path_of(node.func) in LINEAR:
            node.args[0] = node.args[0].operand
            return ast.UnaryOp(op=ast.USub(), operand=node)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        op = node.op
        if isinstance(op, (ast.Mult, ast.Div)) and _negated(node.left):
            node.left = node.left.operand
            return ast.UnaryOp(op=ast.USub(), operand=node)
        if isinstance(op, ast.Mult) and _negated(node.right):
            node.right = node.right.operand
            return ast.UnaryOp(op=ast.USub(), operand=node)
        if isinstance(op, (ast.Add, ast.Sub)) and _negated(node.right):
            node.op = ast.Sub() if isinstance(op, ast.Add) else ast.Add()
            node.right = node.right.operand
        return node


def _negated(node):
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and not isinstance(node.operand, ast.Constant)


def signs(expr):
    return _Signs().visit(expr)
