"""Reversing the statements that change a list in place (after ``container_rewrites`` rewrote
``extend``, comprehensions and ``xs = xs + [v]`` into appends).

- ``xs.append(e)`` runs back as ``xs.pop()``, so that every later read of the
  backward pass sees the list as it was; the last item of ``xs``'s adjoint goes
  to ``e`` and the adjoint drops it:
  ``_g1 = _rt.part(_dxs, -1)`` / ``_dxs = _rt.drop_last(_dxs)``.
- ``v = xs.pop(i)`` runs back as ``xs.append(v)`` (``xs.insert(i, v)``) and
  ``_dxs = _rt.push(_dxs, _dv, xs, i)``.
- ``drop_unread_restores``: once the gradient is optimised, the ``xs.pop()`` of a
  list no other statement of the backward pass reads goes.
"""

import ast

from adgen import optimize
from adgen.container_rewrites import call_stmt, load_at
from adgen.marks import mark, marks
from adgen.reverse import Block
from adgen.syntax import as_result, assign, at, call, clone, is_atomic, literal_int, load, names_in, statements, tag


def append(rev, stmt, in_loop):
    """The ``Block`` of ``xs.append(e)``."""
    xs = stmt.value.func.value.id
    restore = mark(call_stmt(xs, "pop", [], stmt), restore=xs)  # the list as it was before, for the rest of the backward pass
    fwd, op = [], None
    expr = stmt.value.args[0]
    if rev.activity.active(xs):
        expr, op = rev.lower(expr, fwd)
    fwd.append(call_stmt(xs, "append", [expr], stmt))
    bwd = [restore]
    if rev.activity.active(xs):
        adj = rev.adjoint(xs)
        if op is not None:
            g = rev.gtemp()
            item = tag(assign(g, call("_rt.part", load(adj), ast.Constant(-1))), "set", adj)
            mark(item, zero=True)  # the item's adjoint may be 0.0
            bwd.append(item)
        bwd.append(tag(assign(adj, call("_rt.drop_last", load(adj))), "set", adj))
        if op is not None:
            rev.backprop(op, load(g), g, bwd)
    return Block(stmt, fwd, bwd, [], _temps(fwd[:-1]))


def pop(rev, stmt, in_loop):
    """The ``Block`` of ``v = xs.pop(...)``."""
    v = stmt.targets[0].id
    xs = stmt.value.func.value.id
    index = stmt.value.args[0] if stmt.value.args else None
    fwd = []
    if index is not None and not is_atomic(index):
        index = rev.hoist(index, fwd, index)
        stmt = at(ast.Assign(targets=stmt.targets, value=ast.Call(func=stmt.value.func, args=[index], keywords=[])), stmt)
    fwd.append(stmt)
    position = literal_int(index)
    if index is None or position == -1:
        restore = call_stmt(xs, "append", [as_result(v)], stmt)
    elif position is not None and position >= 0:
        restore = call_stmt(xs, "insert", [clone(index), as_result(v)], stmt)
    else:  # a negative or unknown index: insert counts from the end differently
        restore = at(ast.Expr(call("_rt.put_back", load_at(xs, stmt), clone(index), as_result(v))), stmt)
    mark(restore, restore=xs)
    bwd = [restore]
    if rev.activity.active(xs):
        adj, dv = rev.adjoint(xs), rev.adjoint(v)
        item = load(dv) if rev.activity.active(v) else ast.Constant(0.0)
        args = [load(adj), item, load(xs)] + ([clone(index)] if index is not None else [])
        via = (adj, dv) if rev.activity.active(v) else adj
        bwd.append(tag(assign(adj, call("_rt.push", *args)), "set", via))
        if rev.activity.active(v):
            bwd.append(tag(assign(dv, ast.Constant(0.0)), "zero", None))
    return Block(stmt, fwd, bwd, [v], _temps(fwd[:-1]))


def _temps(fwd):
    """The names the forward statements before the user's own one assign: temporaries,
    and a call's result and record (``_t1, _rec1 = _fwd_h(s)``)."""
    return [n.id for s in fwd for t in s.targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def drop_unread_restores(backward):
    """Remove the backward pass's ``xs.pop()`` (and ``xs.append(v)``) that put a list back
    as it was, for each list no other statement of the backward pass reads: nothing needs
    it then. Runs on the optimised backward pass; loops left empty go."""
    backward = _strip(backward, _read_elsewhere(backward))
    return optimize.drop_empty_comments(optimize.drop_empty_blocks(backward))


def _read_elsewhere(body):
    """Names read by backward statements other than restores."""
    found = set()
    for stmt in statements(body):
        if marks(stmt).restore:
            continue
        if isinstance(stmt, (ast.If, ast.For, ast.While)):  # its header; its blocks come next
            found |= names_in(stmt.test if isinstance(stmt, (ast.If, ast.While)) else stmt.iter)
        else:
            found |= names_in(stmt, ast.Load)
    return found


def _strip(body, read):
    out = []
    for stmt in body:
        restored = marks(stmt).restore
        if restored and restored not in read:
            continue
        if isinstance(stmt, (ast.If, ast.For, ast.While)):
            stmt.body = _strip(stmt.body, read)
            stmt.orelse = _strip(stmt.orelse, read)
        out.append(stmt)
    return out
