"""``np.put_along_axis(a, indices, values, axis)`` as the store it is:
``a[_rt.along_axis(indices, axis, np.shape(a))] = values``.

Run on the qualified body (the callee resolves statically). The store is then
checked and differentiated like any ``a[i] = v``: ``a`` must be an array the function
made (AD305 otherwise), repeated indices are AD404 when the gradient runs, and the
stored values get the cotangent of the entries they replace. A call whose array is not
a plain name is left as it is, and refused as a call that changes its argument (AD109).
"""

import ast

import numpy as np

from adgen.syntax import call, clone, load

_PARAMS = ("arr", "indices", "values", "axis")


def run(body, resolver):
    """``body`` with every ``np.put_along_axis(...)`` statement written as a store."""
    return [_rewritten(stmt, resolver) for stmt in body]


def _rewritten(stmt, resolver):
    for field in ("body", "orelse", "finalbody"):
        inner = getattr(stmt, field, None)
        if type(inner) is list:
            setattr(stmt, field, run(inner, resolver))
    value = stmt.value if isinstance(stmt, ast.Expr) else None
    if not isinstance(value, ast.Call) or resolver.value_of(value.func, record=False) != (True, np.put_along_axis):
        return stmt
    bound = _bind(value)
    if bound is None or not isinstance(bound["arr"], ast.Name):
        return stmt
    resolver.value_of(value.func)  # which function it is is baked in: guard it
    arr = bound["arr"].id
    index = call("_rt.along_axis", bound["indices"], bound["axis"], call("np.shape", load(arr)))
    target = ast.Subscript(value=ast.Name(id=arr, ctx=ast.Store()), slice=index, ctx=ast.Store())
    return ast.fix_missing_locations(ast.copy_location(ast.Assign(targets=[target], value=bound["values"]), stmt))


def _bind(node):
    """The call's arguments by parameter name, or None when they are not all written out."""
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return None
    bound = dict(zip(_PARAMS, node.args))
    for k in node.keywords:
        if k.arg not in _PARAMS or k.arg in bound:
            return None
        bound[k.arg] = k.value
    if set(bound) != set(_PARAMS):
        return None
    return {name: clone(expr) for name, expr in bound.items()}
