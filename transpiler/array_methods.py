"""Reductions of NumPy's values called as their methods: ``_dz.sum(axis=0)``.

``np.sum(x, axis=0)`` goes through NumPy's Python wrapper (it looks for an ``__array_function__``
and for a ``sum`` method of ``x``) before it reaches ``x.sum(axis=0)``: about a microsecond a
call, which a small network's gradient makes a dozen times. Where ``x`` is surely one of
NumPy's values, an array or a NumPy scalar, whose ``sum``, ``max``, ``min`` and ``mean``
methods take the function's arguments after the first in the same order and do the same,
a gradient specialised to its arguments' shapes calls the method, as a person writes it.
A Python number or list has no such methods, so a value that may be one (an adjoint that
may be ``0.0``, what the tape gives back) keeps the function.

A name surely holds one of NumPy's values when every value assigned to it is one: a name
of the primal whose shape is known and not ``()`` (an array: a specialised gradient's
arguments are arrays of exactly those shapes, and NumPy makes arrays of them), arithmetic
with such a value on one side (NumPy's result, whatever the other side is), a NumPy
ufunc's or reduction's result, an array's ``.T``, and the runtime's helpers that return
what NumPy computes from such a value (``_rt.over``, ``_rt.expand``, ``_rt.unbroadcast``).
"""

import ast

import numpy as np

from adgen.scalars import assigned_values, surely
from adgen.syntax import path_of, walk

_FUNCTIONS = {"np.sum": "sum", "np.max": "max", "np.amax": "max", "np.min": "min", "np.amin": "min", "np.mean": "mean"}
_HELPERS = {"_rt.over": (0, 1), "_rt.expand": (0,), "_rt.unbroadcast": (0,)}  # returns NumPy's value when one of these arguments is


def called_as_methods(forward, backward, shapes):
    """``(forward, backward)`` with ``np.sum(x, ...)`` and its kin as ``x.sum(...)`` where
    ``x`` surely holds one of NumPy's values (``shapes``: the primal's ``shapes.Shapes``)."""
    body = forward + backward
    if not any(isinstance(n, ast.Call) and path_of(n.func) in _FUNCTIONS for n in walk(ast.Module(body=body, type_ignores=[]))):
        return forward, backward
    rewriter = _Rewriter(_numpy_names(body, shapes), shapes)
    return [rewriter.visit(s) for s in forward], [rewriter.visit(s) for s in backward]


def _numpy_names(body, shapes):
    """The names surely holding an array or a NumPy scalar (a greatest fixed point)."""
    assigned = assigned_values(body)
    arrays = {n for n, s in shapes.names.items() if isinstance(s, tuple) and s and n not in assigned}
    candidates = {n for n, values in assigned.items() if all(v is not None for v in values)}
    return surely(assigned, arrays, candidates, lambda v, names: _is_numpy(v, names, shapes))


def _is_numpy(node, names, shapes):
    """Is ``node``'s value surely an array or a NumPy scalar, given ``names`` hold one?"""
    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, ast.BinOp):
        return _is_numpy(node.left, names, shapes) or _is_numpy(node.right, names, shapes)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _is_numpy(node.operand, names, shapes)
    if isinstance(node, ast.Attribute) and node.attr == "T":
        return _is_numpy(node.value, names, shapes)
    if not isinstance(node, ast.Call):
        return False
    path = path_of(node.func)
    if path in _FUNCTIONS:
        return True
    if path in _HELPERS:
        return any(k < len(node.args) and _is_numpy(node.args[k], names, shapes) for k in _HELPERS[path])
    if path and path.startswith("np.") and path.count(".") == 1:
        return isinstance(getattr(np, path[3:], None), np.ufunc)
    return False


class _Rewriter(ast.NodeTransformer):
    def __init__(self, names, shapes):
        self.names = names
        self.shapes = shapes

    def visit_Call(self, node):
        self.generic_visit(node)
        method = _FUNCTIONS.get(path_of(node.func))
        if method is None or not node.args or isinstance(node.args[0], ast.Starred) or not _is_numpy(node.args[0], self.names, self.shapes):
            return node
        func = ast.Attribute(value=node.args[0], attr=method, ctx=ast.Load())  # printed ``(-_dz).sum(...)`` where it needs brackets
        return ast.copy_location(ast.Call(func=func, args=node.args[1:], keywords=node.keywords), node)
