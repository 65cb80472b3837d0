"""Sums of products that share factors, written with the shared factors once:
``_g1 * _t2 * _t1 + _g1 * _t1 * np.cos(x)`` is ``_g1 * _t1 * (_t2 + np.cos(x))``,
as a person writes the derivative of ``exp(x) * sin(x)``: one multiplication of
the shared part where there were two (``condense.merge_sums`` asks).

``a * b + a * c`` and ``a * (b + c)`` are the same for numbers and for arrays
(the shapes broadcast alike) but for booleans, which NumPy adds as ``or`` and
refuses to subtract: the sum is factored only when one of its remaining parts is
surely not boolean (a float literal, a quotient, a function like ``np.cos``).
"""

import ast

from adgen.syntax import path_of, same

# NumPy functions whose value is never boolean
NUMERIC = {"sin", "cos", "tan", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "cbrt", "tanh", "sinh",
           "cosh", "arcsin", "arccos", "arctan", "arctan2", "arcsinh", "arccosh", "arctanh", "reciprocal", "square",
           "hypot", "sum", "mean", "exp2", "power", "float_power", "divide", "true_divide"}


def factored(left, op, right):
    """``left op right`` (``op`` an ``ast.Add`` or ``ast.Sub``) with the factors both
    products share multiplied once, or None when they share none (or the sum could be
    of booleans)."""
    a, b = _factors(left), _factors(right)
    common, rest_b = [], list(b)
    for f in a:
        match = next((k for k, g in enumerate(rest_b) if same(f, g)), None)
        if match is not None:
            common.append(f)
            del rest_b[match]
    rest_a = [f for f in a if not any(f is c for c in common)]
    if not common or not rest_a or not rest_b:
        return None
    if not any(_numeric(f) for f in rest_a + rest_b):
        return None
    inner = ast.BinOp(left=_product(rest_a), op=op, right=_product(rest_b))
    return ast.BinOp(left=_product(common), op=ast.Mult(), right=inner)


def _factors(expr):
    """The factors of a product ``a * b * c`` (``[expr]`` for anything else), left to right."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult):
        return _factors(expr.left) + _factors(expr.right)
    return [expr]


def _product(factors):
    expr = factors[0]
    for f in factors[1:]:
        expr = ast.BinOp(left=expr, op=ast.Mult(), right=f)
    return expr


def _numeric(node):
    """Is ``node``'s value surely not boolean?"""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (float, complex))
    if isinstance(node, ast.Call):
        path = path_of(node.func) or ""
        return path == "_rt.over" or (path.startswith("np.") and path[3:] in NUMERIC)
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, ast.Div) or _numeric(node.left) or _numeric(node.right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _numeric(node.operand)
    return False
