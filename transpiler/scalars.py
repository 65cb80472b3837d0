"""Scalar code in plain Python: a gradient specialised to its arguments' shapes computes
what is surely a number with ``math`` and Python's operators, not NumPy's functions.

NumPy on one number costs a ufunc call (about a microsecond); ``math.sin`` costs a
twentieth of that. Where the shapes (``shapes.Shapes``) prove a value is a number (a
float or int argument, an entry ``R[i, j]`` of an array of known shape, a ``range``
counter, and what arithmetic and elementwise functions make of those), the finished
forward and backward passes are rewritten::

    np.sin(w * x)            ->  math.sin(w * x)
    np.where(a == b, 0.5, c) ->  (0.5 if a == b else c)
    np.abs(d)                ->  abs(d)
    a ** b, np.power(a, b)   ->  math.pow(a, b)     (unless both are integers, or b an integer literal)

The names of the gradient (temporaries, adjoints) are numbers when every value assigned
to them is one (a fixed point over both passes; what the tape gives back is what it was
given, so pops do not count).

Python floats and ``math`` differ from NumPy's numbers at the edges: ``math.log(0.0)``,
``math.exp(1000.0)`` and ``1.0 / 0.0`` raise where NumPy returns ``-inf``, ``inf`` or
``nan`` (with a warning), and ``(-8.0) ** (1 / 3)`` is a complex number where NumPy's is
``nan``; so every ``**`` that is not surely real becomes ``math.pow``, which raises too.
A specialised gradient that raises ``ArithmeticError`` or ``ValueError`` is run again
unspecialised (``api``), so the user sees NumPy's values, or the error the function
itself raises. A function reading an attribute of a number (``.copy()``, ``.shape``:
NumPy's scalars have them, floats do not) is left as it is.
"""

import ast

from adgen.syntax import dotted, path_of, walk

# NumPy's elementwise functions of real numbers and their ``math`` counterparts
MATH = {
    "np.sin": "sin", "np.cos": "cos", "np.tan": "tan", "np.arcsin": "asin", "np.arccos": "acos", "np.arctan": "atan",
    "np.sinh": "sinh", "np.cosh": "cosh", "np.tanh": "tanh", "np.arcsinh": "asinh", "np.arccosh": "acosh",
    "np.arctanh": "atanh", "np.exp": "exp", "np.expm1": "expm1", "np.log": "log", "np.log1p": "log1p",
    "np.log2": "log2", "np.log10": "log10", "np.sqrt": "sqrt", "np.arctan2": "atan2", "np.hypot": "hypot",
}
_ABS = {"np.abs", "np.absolute", "np.fabs", "abs"}
_POWER = {"np.power", "pow"}
_SAME = {"float", "np.float64", "_rt.over", "_rt.times", "np.minimum", "np.maximum", "np.where", "min", "max"}
_REDUCTIONS = {"np.sum", "np.mean", "np.prod", "np.max", "np.min", "np.amax", "np.amin"}  # with no axis: a number
_FLOAT_ATTRIBUTES = {"real", "imag", "conjugate"}  # what a float has of NumPy's scalars' attributes
_POPS = ("pop",)


def specialise(forward, backward, shapes, known=frozenset()):
    """``(forward, backward, rewritten?)``: the passes with their scalar code in plain
    Python, when their numbers are known (``shapes``: the primal's ``shapes.Shapes``;
    ``known``: other names surely holding numbers, such as a number's tangent parameter)."""
    body = forward + backward
    numbers = numbers_of(body, shapes) | set(known)
    if not numbers or _attribute_of_a_number(body, numbers, shapes):
        return forward, backward, False
    rewriter = _Rewriter(numbers, shapes)
    forward = [rewriter.visit(s) for s in forward]
    backward = [rewriter.visit(s) for s in backward]
    return forward, backward, rewriter.changed


def numbers_of(body, shapes):
    """The names of ``body`` that surely hold a number: the primal's of shape ``()``, and
    the others whose every assigned value is a number (pops from the tape aside)."""
    assigned = assigned_values(body)
    primal = {n for n, s in shapes.names.items() if s == ()}
    candidates = {n for n, values in assigned.items() if n not in shapes.names and any(v is not None for v in values)}
    return surely(assigned, primal, candidates, lambda v, numbers: v is None or is_number(v, numbers, shapes))


def assigned_values(body):
    """Name -> the values ``body`` assigns it (``_assignments``)."""
    assigned = {}
    for node in walk(ast.Module(body=body, type_ignores=[])):
        for target, value in _assignments(node):
            assigned.setdefault(target, []).append(value)
    return assigned


def surely(assigned, known, candidates, holds):
    """``known`` and the ``candidates`` whose every value ``v`` in ``assigned`` ``holds(v,
    names)``: the greatest fixed point, each candidate dropped as soon as one of its values
    may not hold given the names still in."""
    found = set(known) | set(candidates)
    changed = True
    while changed:
        changed = False
        for name in sorted(set(candidates) & found):
            if not all(holds(v, found) for v in assigned[name]):
                found.discard(name)
                changed = True
    return found


def _assignments(node):
    """``(name, value)`` per name ``node`` assigns; ``value`` None for what the tape gives
    back (it is what was pushed) and for loop targets (``range`` counters are the primal's)."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                yield target.id, None if _popped(node.value) else node.value
            elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple) and len(target.elts) == len(node.value.elts):
                for t, v in zip(target.elts, node.value.elts):
                    if isinstance(t, ast.Name):
                        yield t.id, None if _popped(v) else v
                    else:
                        yield from ((n.id, ast.Constant(None)) for n in walk(t) if isinstance(n, ast.Name))
            else:  # unpacking a call's tuple: not modelled
                yield from ((n.id, ast.Constant(None)) for n in walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and isinstance(node.target, ast.Name):
        yield node.target.id, ast.Constant(None)
    elif isinstance(node, (ast.For, ast.With, ast.NamedExpr, ast.ExceptHandler)):
        target = getattr(node, "target", None)
        for n in walk(target) if target is not None else ():
            if isinstance(n, ast.Name):
                yield n.id, ast.Constant(None)


def _popped(value):
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in _POPS and not value.args


def is_number(node, numbers, shapes):
    """Is ``node``'s value surely a (real) number, given the names ``numbers`` hold one?"""
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float, bool)
    if isinstance(node, ast.Name):
        return node.id in numbers
    if isinstance(node, ast.BinOp):
        return not isinstance(node.op, ast.MatMult) and is_number(node.left, numbers, shapes) and is_number(node.right, numbers, shapes)
    if isinstance(node, ast.UnaryOp):
        return is_number(node.operand, numbers, shapes)
    if isinstance(node, ast.IfExp):
        return is_number(node.body, numbers, shapes) and is_number(node.orelse, numbers, shapes)
    if isinstance(node, ast.Compare):
        return all(is_number(n, numbers, shapes) for n in [node.left] + node.comparators)
    if isinstance(node, ast.Subscript):
        return _primal(node, shapes) and shapes.of(node) == ()
    if isinstance(node, ast.Call) and not node.keywords and not any(isinstance(a, ast.Starred) for a in node.args):
        path = path_of(node.func)
        if path in _REDUCTIONS and len(node.args) == 1:
            return True
        if path == "_rt.seed" and node.args:
            return is_number(node.args[0], numbers, shapes)
        if path in MATH or path in _ABS or path in _POWER or path in _SAME:
            return bool(node.args) and all(is_number(a, numbers, shapes) for a in node.args)
    return False


def _primal(node, shapes):
    """Does ``node`` read only the primal's names (whose shapes ``shapes`` knows)?"""
    return all(n.id in shapes.names for n in walk(node) if isinstance(n, ast.Name))


def _attribute_of_a_number(body, numbers, shapes):
    """Does ``body`` read an attribute of a number that a float lacks (``x.copy()``)?"""
    for node in walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Attribute) and node.attr not in _FLOAT_ATTRIBUTES and is_number(node.value, numbers, shapes):
            return True
    return False


class _Rewriter(ast.NodeTransformer):
    def __init__(self, numbers, shapes):
        self.numbers = numbers
        self.shapes = shapes
        self.changed = False

    def _number(self, node):
        return is_number(node, self.numbers, self.shapes)

    def visit_Call(self, node):
        self.generic_visit(node)
        path = path_of(node.func)
        if path == "_rt.over" and not node.keywords and len(node.args) in (2, 3) and self._integer(node.args[1]) and self.shapes.int_value(node.args[1]):
            top = node.args[0] if len(node.args) == 2 else ast.BinOp(left=node.args[0], op=ast.Mult(), right=node.args[2])  # / n, a count known not 0
            return ast.copy_location(ast.BinOp(left=top, op=ast.Div(), right=node.args[1]), node)
        if node.keywords or not node.args or not all(self._number(a) for a in node.args):
            return node
        if path in MATH and len(node.args) == (2 if MATH[path] in ("atan2", "hypot") else 1):
            return self._done(ast.Call(func=dotted("math." + MATH[path]), args=node.args, keywords=[]), node)
        if path in _ABS and path != "abs" and len(node.args) == 1:
            return self._done(ast.Call(func=ast.Name(id="abs", ctx=ast.Load()), args=node.args, keywords=[]), node)
        if path in _POWER and len(node.args) == 2:
            return self._power(node.args[0], node.args[1], node)
        if path == "np.where" and len(node.args) == 3:
            return self._done(ast.IfExp(test=node.args[0], body=node.args[1], orelse=node.args[2]), node)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow) and self._number(node.left) and self._number(node.right):
            return self._power(node.left, node.right, node)
        return node

    def _power(self, base, exponent, node):
        """``math.pow(base, exponent)``, which raises where ``**`` of floats would be complex;
        ``base ** exponent`` as it is when that cannot happen (an integer exponent, or both integers)."""
        literal = isinstance(exponent, ast.Constant) and type(exponent.value) is int
        if literal or (self._integer(base) and self._integer(exponent)):
            return ast.copy_location(ast.BinOp(left=base, op=ast.Pow(), right=exponent), node) if not isinstance(node, ast.BinOp) else node
        return self._done(ast.Call(func=dotted("math.pow"), args=[base, exponent], keywords=[]), node)

    def _integer(self, node):
        if isinstance(node, ast.Constant):
            return type(node.value) is int
        if isinstance(node, ast.Name) and node.id in self.shapes.counters:
            return True
        return _primal(node, self.shapes) and self.shapes.int_value(node) is not None

    def _done(self, new, old):
        self.changed = True
        return ast.copy_location(new, old)
