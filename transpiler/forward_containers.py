"""Forward mode over containers: the tangents of lists, tuples, dicts and objects (pytrees).

The tangent of a list, tuple or dict display is the same container of its items'
tangents: ``ys = [x, c]`` gets ``_dot_ys = [_dot_x, _rt.zero_tangent(c)]`` (a zero
tangent for an item that does not vary, ``None`` for a constant that is not a number,
such as a dict's string key in a pair). Whatever changes a list changes its tangent the
same way, so the two stay item for item alike: ``ys.append(e)`` is followed by
``_dot_ys.append(<tangent of e>)``, ``ys.extend(e)`` by ``_dot_ys.extend(...)``, and
``v = ys.pop(i)`` by ``_dot_v = _dot_ys.pop(i)``. Reads (``ys[i]``, ``ys[1:]``, ``d[k]``)
go through the linear rule of ``getitem``, so they read the tangent at the same place;
the normalizer writes loops over lists as loops over their positions.

An object's tangent is a copy of it holding its attributes' tangents
(``runtime/tangents.py``), so ``p.W`` reads ``_dot_p.W``. The primals whose tangents are
not a sum of one contribution per parameter (declared ``written`` in
``runtime/rules/tangents.py``) are written here: builtin ``max``/``min`` take the
tangent of the argument they return (``_rt.chosen``), ``math.hypot``/``math.dist``
read every coordinate, and ``_rt.with_item`` (a store into an array held in a list,
``stores.py``) puts the tangent of the new item into the tangent of the list
(``_rt.with_tangent_item``).

Any other use of a list method on a value with a tangent is refused with AD224, never
left to make the tangent and the value disagree.
"""

import ast
import math

import numpy as np

from adgen import errors
from adgen.runtime import items, nested
from adgen.syntax import assign, call, clone, load, rt_call

CHANGES = ("append", "extend", "pop")  # the list methods whose change the tangent follows


# -- expressions ------------------------------------------------------------------------


def expression(fwd, node, pre):
    """``(primal, tangent)`` of a container display, of an object's attribute or of an
    item read at a key that activity marks (a key is never differentiated), or None for
    any other expression (``Forward.expr`` goes on with it)."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return _sequence(fwd, node, pre)
    if isinstance(node, ast.Dict):
        return _mapping(fwd, node, pre)
    if isinstance(node, ast.Subscript) and fwd.act.expr_active(node.slice) and fwd.act.expr_active(node.value):
        # an index carries no tangent: ``d[k]`` with ``k`` a key taken from an active
        # dict (``for k in d``) reads the tangent at the same key
        value, tan = fwd.expr(node.value, pre)
        plain = not isinstance(node.slice, (ast.Slice, ast.Tuple))  # a slice or a tuple of indices is read twice as written
        index = _kept(fwd, node.slice, pre) if plain else node.slice
        primal = ast.copy_location(ast.Subscript(value=value, slice=index, ctx=ast.Load()), node)
        return primal, ast.Subscript(value=tan, slice=clone(index), ctx=ast.Load())
    if isinstance(node, ast.Attribute) and getattr(np.ndarray, node.attr, None) is None:
        value, tan = fwd.expr(node.value, pre)
        primal = ast.copy_location(ast.Attribute(value=value, attr=node.attr, ctx=ast.Load()), node)
        if tan is None:
            return primal, None
        return primal, ast.Attribute(value=tan, attr=node.attr, ctx=ast.Load())
    return None


def _sequence(fwd, node, pre):
    if any(isinstance(e, ast.Starred) for e in node.elts):
        fwd.diags.report(node, errors.AD224_SPREAD_DISPLAY)
        return node, None
    parts = [_item(fwd, e, pre) for e in node.elts]
    primal = ast.copy_location(type(node)(elts=[p for p, _ in parts], ctx=ast.Load()), node)
    if all(t is None for _, t in parts):
        return primal, None
    return primal, type(node)(elts=[_filled(fwd, p, t) for p, t in parts], ctx=ast.Load())


def _mapping(fwd, node, pre):
    if any(k is None for k in node.keys):  # {**d}
        fwd.diags.report(node, errors.AD224_SPREAD_DISPLAY)
        return node, None
    keys = [_kept(fwd, k, pre) for k in node.keys]
    parts = [_item(fwd, v, pre) for v in node.values]
    primal = ast.copy_location(ast.Dict(keys=keys, values=[p for p, _ in parts]), node)
    if all(t is None for _, t in parts):
        return primal, None
    return primal, ast.Dict(keys=[clone(k) for k in keys], values=[_filled(fwd, p, t) for p, t in parts])


def _item(fwd, node, pre):
    """An item of a display: its primal (kept in a temporary when it has no tangent and
    the zero tangent must read it again) and its tangent."""
    primal, tan = fwd.expr(node, pre)
    if tan is None:
        primal = _kept(fwd, primal, pre)
    return primal, tan


def _kept(fwd, node, pre):
    if fwd._cheap(node):
        return node
    kept = fwd.names.temp()
    pre.append(assign(kept, node))
    return load(kept)


def _filled(fwd, primal, tan):
    if tan is not None:
        return tan
    return zero_of(fwd, primal)


def zero_of(fwd, primal):
    """The zero tangent of a value that does not vary: ``0.0`` for a number, ``None`` for
    a constant that is not one (a string), else ``_rt.zero_tangent(value)``."""
    if isinstance(primal, ast.Constant):
        number = isinstance(primal.value, (int, float)) and not isinstance(primal.value, bool)
        return ast.Constant(0.0) if number else ast.Constant(None)
    if fwd.shapes.of(primal) == ():
        return ast.Constant(0.0)
    return rt_call("zero_tangent", clone(primal))


# -- primals whose tangents are written here ------------------------------------------------


def written(fwd, node, fn, args, keywords, rebuild, pre):
    """``(primal, tangent)`` of a call of a primal declared ``written``."""
    if keywords or any(isinstance(a, ast.Starred) for a in args):
        fwd.diags.report(node, errors.AD224_WRITTEN_CALL, name=getattr(fn, "__name__", fn))
        return node, None
    parts = [fwd.expr(a, pre) for a in args]
    if all(t is None for _, t in parts):
        return rebuild([p for p, _ in parts], []), None
    parts = [(_kept(fwd, p, pre), t) for p, t in parts]  # read again by the tangent
    primal = rebuild([clone(p) for p, _ in parts], [])
    if fn is items.with_item:
        (xs, txs), (key, _), (new, tnew) = parts
        tan = rt_call("with_tangent_item", _filled(fwd, xs, txs), clone(key), _filled(fwd, new, tnew))
        return primal, tan
    if fn is nested.gradient_of:  # grad(g)(x): the Hessian of g along the arguments' tangents
        (gradient, _), *rest = parts
        tuples = [ast.Tuple(elts=elts, ctx=ast.Load()) for elts in ([clone(p) for p, _ in rest], [_filled(fwd, p, t) for p, t in rest])]
        return primal, rt_call("gradient_tangent", clone(gradient), *tuples)
    kept = fwd.names.temp()  # the result, which the tangents below read
    pre.append(assign(kept, primal))
    ans = load(kept)
    if fn in (max, min):
        tan = _chosen(fwd, parts, ans)
    elif fn is math.hypot:
        tan = rt_call("over", _weighted(parts), ans)
    else:  # math.dist(p, q): (p - q) . (dp - dq) / |p - q|
        (p, tp), (q, tq) = parts
        difference = call("np.subtract", clone(p), clone(q))
        moved = call("np.subtract", _filled_number(tp), _filled_number(tq))
        tan = rt_call("over", call("np.sum", ast.BinOp(left=difference, op=ast.Mult(), right=moved)), ans)
    return ans, tan


def _chosen(fwd, parts, ans):
    """The tangent of the argument (or item) ``max``/``min`` returned."""
    position = rt_call("chosen", clone(ans), *[clone(p) for p, _ in parts])
    if len(parts) == 1:
        return ast.Subscript(value=parts[0][1], slice=position, ctx=ast.Load())
    options = ast.Tuple(elts=[_filled(fwd, p, t) for p, t in parts], ctx=ast.Load())
    return ast.Subscript(value=options, slice=position, ctx=ast.Load())


def _weighted(parts):
    """``x * dx + y * dy + ...`` over the coordinates with a tangent."""
    total = None
    for p, t in parts:
        if t is None:
            continue
        term = ast.BinOp(left=clone(p), op=ast.Mult(), right=t)
        total = term if total is None else ast.BinOp(left=total, op=ast.Add(), right=term)
    return total


def _filled_number(tan):
    return ast.Constant(0.0) if tan is None else tan


# -- statements -----------------------------------------------------------------------------


def statement(fwd, stmt):
    """The statements of a change of a list with a tangent (``ys.append(e)``,
    ``ys.extend(e)``, ``ys.pop(i)``, ``v = ys.pop(i)``) and its tangent's same change; None
    for any other statement."""
    if isinstance(stmt, ast.Expr):
        target, found = None, _change(fwd, stmt.value)
    elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        target, found = stmt.targets[0].id, _change(fwd, stmt.value)
        if found is not None and found[1] != "pop":
            found = None  # ``v = ys.append(e)``: None, left to the general case
    else:
        return None
    if found is None:
        return None
    name, method, node = found
    dot = load(fwd.tangent(name))
    pre = []
    if method == "pop":
        node.args = [_kept(fwd, a, pre) for a in node.args]
        tan = ast.Call(func=ast.Attribute(value=dot, attr="pop", ctx=ast.Load()), args=[clone(a) for a in node.args], keywords=[])
        if target is None:
            return pre + [stmt, ast.copy_location(ast.Expr(value=tan), stmt)]
        if not fwd.act.active(target):  # a value without a tangent taken out of a list with one: the tangent goes too
            return pre + [stmt, ast.copy_location(ast.Expr(value=tan), stmt)]
        return pre + [stmt, ast.copy_location(assign(fwd.tangent(target), tan), stmt)]
    value, item = fwd.expr(node.args[0], pre)
    value = _kept(fwd, value, pre) if item is None else value
    node.args = [value]
    if item is None:
        item = zero_of(fwd, value) if method == "append" else rt_call("zero_tangent", clone(value))
    tan = ast.Call(func=ast.Attribute(value=dot, attr=method, ctx=ast.Load()), args=[item], keywords=[])
    return pre + [stmt, ast.copy_location(ast.Expr(value=tan), stmt)]


def _change(fwd, value):
    """``(list name, method, call)`` for ``ys.<append|extend|pop>(...)`` on a list with a
    tangent, else None. The same call with the wrong arguments, or on a list without a
    tangent given a value with one, is AD224."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and isinstance(value.func.value, ast.Name)):
        return None
    name, method = value.func.value.id, value.func.attr
    if method not in CHANGES or not fwd.act.active(name):
        return None
    one = method != "pop"
    if value.keywords or any(isinstance(a, ast.Starred) for a in value.args) or len(value.args) != 1 and one or len(value.args) > 1:
        fwd.diags.report(value, errors.AD224_CONTAINER_METHOD, method=method)
        return None
    return name, method, value
