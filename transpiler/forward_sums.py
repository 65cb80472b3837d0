"""How forward mode adds the contributions of an operation's operands to its tangent, and
keeps the sum lean: ``2 * t`` for ``t + t``, one division for the quotient rule, shared
factors written once, negations taken out of products, constants out of sums, and no
``_rt.fit`` where the tangent already multiplies the operands without one."""

import ast

import numpy as np

from adgen import factor
from adgen.syntax import path_of, rt_call, same


def added(total, part):
    """``total + part``: ``total - p`` for ``part`` ``-p``; ``2 * t`` for ``t + t`` (``x * x``);
    one division for two over one denominator (``_rt.over(a, d) - _rt.over(b, d, q)`` is
    ``_rt.over(a - b * q, d)``, the quotient rule); and the factors both share written
    once (``factor.factored``: ``t * a * b + t * c * a`` is ``t * a * (b + c)``)."""
    op = ast.Add()
    part = _negation_out(part)
    if isinstance(part, ast.UnaryOp) and isinstance(part.op, ast.USub):
        op, part = ast.Sub(), part.operand
    if isinstance(op, ast.Add) and same(total, part):
        return ast.BinOp(left=ast.Constant(2), op=ast.Mult(), right=total)
    over = _over_parts(total), _over_parts(part)
    if over[0] and over[1] and same(over[0][1], over[1][1]):
        return rt_call("over", added(over[0][0], part=over[1][0] if isinstance(op, ast.Add) else ast.UnaryOp(op=ast.USub(), operand=over[1][0])), over[0][1])
    return factor.factored(total, op, part) or ast.BinOp(left=total, op=op, right=part)


def multiplies(total, value):
    """Is ``value`` a factor (or divisor) of every term of the sum ``total`` (``t * y`` for
    ``x * y``), so that the tangent is broadcast to its shape already?"""
    if same(total, value):
        return True
    if isinstance(total, ast.BinOp) and isinstance(total.op, (ast.Add, ast.Sub)):
        return multiplies(total.left, value) and multiplies(total.right, value)
    if isinstance(total, ast.UnaryOp) and isinstance(total.op, ast.USub):
        return multiplies(total.operand, value)
    if isinstance(total, ast.BinOp) and isinstance(total.op, (ast.Mult, ast.Div)):
        return multiplies(total.left, value) or multiplies(total.right, value)
    if isinstance(total, ast.Call) and path_of(total.func) in ("_rt.over", "_rt.times"):  # g / den, g * num / den, g * factor
        return any(multiplies(a, value) for a in total.args)
    return False


SUMS = (np.sum, np.ndarray.sum, np.mean, np.ndarray.mean)


def scale_out(tan):
    """``np.sum(2 * t)`` -> ``2 * np.sum(t)``: a constant factor taken out of a sum (one pass
    over the array fewer)."""
    if isinstance(tan, ast.Call) and tan.args and isinstance(tan.args[0], ast.BinOp) and isinstance(tan.args[0].op, ast.Mult):
        factor_, rest = tan.args[0].left, tan.args[0].right
        if isinstance(factor_, ast.Constant) and isinstance(factor_.value, (int, float)) and not isinstance(factor_.value, bool):
            inner = ast.Call(func=tan.func, args=[rest, *tan.args[1:]], keywords=tan.keywords)
            return ast.BinOp(left=factor_, op=ast.Mult(), right=inner)
    return tan


def _negation_out(expr):
    """A product whose first factor is negated, ``-a * b * c``, as ``-(a * b * c)``, so that
    adding it is a subtraction of a product whose factors ``factor.factored`` can see."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult):
        left = _negation_out(expr.left)
        if isinstance(left, ast.UnaryOp) and isinstance(left.op, ast.USub):
            return ast.UnaryOp(op=ast.USub(), operand=ast.BinOp(left=left.operand, op=ast.Mult(), right=expr.right))
    return expr


def _over_parts(expr):
    """``(numerator, denominator)`` of ``_rt.over(g, den)`` (``g * num`` for ``_rt.over(g, den,
    num)``), else None."""
    if not (isinstance(expr, ast.Call) and path_of(expr.func) == "_rt.over" and not expr.keywords and len(expr.args) in (2, 3)):
        return None
    g, den, *num = expr.args
    return (ast.BinOp(left=g, op=ast.Mult(), right=num[0]) if num else g), den
