"""Reverse mode for in-place stores into arrays: ``y[i] = v``, ``y[i] += v`` (after
``normalize``: ``y[i] = y[i] + v``) and ``np.add.at(y, i, v)``.

``aliasing`` has checked that ``y`` is an array the function made and that no
other name sees the change, so a store is a change of ``y`` alone (undone in the
backward pass even when ``y`` has no adjoint: an earlier backward statement may
read it)::

    y[i] = v            forward:  _t1 = y[i].copy()      (only when needed, see below)
                                  y[i] = v
                        backward: y[i] = _t1             (puts back what the store overwrote)
                                  _g1, _dy = _rt.cut_at(_dy, y, i)
                                  _dv = _dv + _g1        (unbroadcast to v's shape)

    y[i] = y[i] + v     backward: _g1 = _rt.take_at(_dy, y, i);  _dv = _dv + _g1
    np.add.at(y, i, v)  the same, with repeated entries of ``i`` allowed

The tape keeps only the overwritten entries (``y[i].copy()``), and only when some
backward statement reads the values of ``y`` (or of a name sharing its memory):
undoing the stores in reverse order gives every backward statement the array as
its forward statement saw it. Otherwise the copy and the undo are left out.
"""

import ast

from adgen.marks import marks
from adgen.reverse import Block, accepts_unshaped
from adgen.syntax import assign, clone, form_operand, index_value, is_atomic, kind_of, load, rt_call, same, tag, walk


def _subscript(name, index, ctx):
    return ast.Subscript(value=load(name), slice=clone(index), ctx=ctx)


def _index(rev, index, fwd):
    """The index as an expression the backward can evaluate again."""
    if is_atomic(index):
        return index
    return rev.hoist(index, fwd, index)


def _accumulated(target, value):
    """``(op, rest)`` when ``value`` is ``y[i] + rest`` or ``y[i] - rest`` for the target ``y[i]``."""
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub)):
        left = value.left
        if isinstance(left, ast.Subscript) and same(left.value, target.value) and same(left.slice, target.slice):
            return value.op, value.right
    return None


def _backprop_value(rev, op, expr, origin, g, via, fwd, bwd, shaped):
    """Send the cotangent ``g`` of the stored entries to the stored value ``expr`` (the
    lowered ``origin``); returns the expression to store. ``g`` has the entries' shape,
    which the value may broadcast to: unless ``shaped`` (statically the same shape) or
    every node below takes a cotangent with broadcast axes, it is first summed down to
    the value's shape (``_rt.unbroadcast(g, value)``, the value kept in a temporary)."""
    if shaped or accepts_unshaped(op):
        rev.backprop(op, g, via, bwd, shaped=shaped)
        return expr
    if not isinstance(expr, ast.Name):
        expr = rev.hoist(expr, fwd, origin)
    rev.backprop(op, rt_call("unbroadcast", g, load(expr.id)), via, bwd, shaped=True)
    return expr


def _fills(rev, target, value):
    """Does ``value`` statically have the shape of the entries ``target`` picks (so their
    cotangent needs no summing over broadcast axes)?"""
    shape = rev.shapes.of(value)
    return shape is not None and shape == rev.shapes.of(ast.Subscript(value=target.value, slice=target.slice, ctx=ast.Load()))


def store(rev, stmt, in_loop):
    """The ``Block`` of ``y[index] = value``."""
    target = stmt.targets[0]
    if not isinstance(target.value, ast.Name):  # a global: ``aliasing`` refused it
        return Block(stmt, [stmt], [], [], [])
    name = target.value.id
    fwd, bwd = [], []
    index = _index(rev, target.slice, fwd)
    if not rev.activity.active(name):  # no adjoint, but an earlier backward statement may read ``y``
        fwd.append(ast.copy_location(ast.Assign(targets=[_subscript(name, index, ast.Store())], value=stmt.value), stmt))
        return _with_undo(rev, stmt, name, index, fwd, bwd)
    adj = rev.adjoint(name)
    accumulated = _accumulated(target, stmt.value)
    if accumulated:
        op_type, rest = accumulated
        expr, op = rev.lower(rest, fwd)
        if op is not None:
            g = rev.gtemp()
            bwd.append(tag(assign(g, rt_call("take_at", load(adj), load(name), index_value(clone(index)))), "set", adj))
            cotangent = ast.UnaryOp(op=ast.USub(), operand=load(g)) if isinstance(op_type, ast.Sub) else load(g)
            expr = _backprop_value(rev, op, expr, rest, cotangent, g, fwd, bwd, _fills(rev, target, rest))
        value = ast.BinOp(left=_subscript(name, index, ast.Load()), op=op_type, right=expr)
    else:
        value, op = rev.lower(stmt.value, fwd)
        where = index_value(clone(index))
        if op is None:
            bwd.append(tag(assign(adj, rt_call("zero_at", load(adj), load(name), where)), "set", adj))
        else:
            g = rev.gtemp()
            both = ast.Tuple(elts=[ast.Name(id=g, ctx=ast.Store()), ast.Name(id=adj, ctx=ast.Store())], ctx=ast.Store())
            bwd.append(tag(ast.Assign(targets=[both], value=rt_call("cut_at", load(adj), load(name), where), lineno=0), "set", adj))
            value = _backprop_value(rev, op, value, stmt.value, load(g), g, fwd, bwd, _fills(rev, target, stmt.value))
    fwd.append(ast.copy_location(ast.Assign(targets=[_subscript(name, index, ast.Store())], value=value), stmt))
    return _with_undo(rev, stmt, name, index, fwd, bwd)


def add_at(rev, stmt, in_loop):
    """The ``Block`` of ``np.add.at(y, index, value)``."""
    call = stmt.value
    array, index, value = call.args
    name = array.id
    fwd, bwd = [], []
    index = _index(rev, index, fwd)
    if not rev.activity.active(name):
        fwd.append(ast.copy_location(ast.Expr(value=ast.Call(func=call.func, args=[array, index, value], keywords=[])), stmt))
        return _with_undo(rev, stmt, name, index, fwd, bwd)
    expr, op = rev.lower(value, fwd)
    if op is not None:
        g = rev.gtemp()
        take = rt_call("take_at", load(rev.adjoint(name)), load(name), index_value(clone(index)))
        take.keywords = [ast.keyword(arg="repeats", value=ast.Constant(True))]
        bwd.append(tag(assign(g, take), "set", rev.adjoint(name)))
        expr = _backprop_value(rev, op, expr, value, load(g), g, fwd, bwd, False)
    new = ast.Call(func=call.func, args=[array, index, expr], keywords=[])
    fwd.append(ast.copy_location(ast.Expr(value=new), stmt))
    return _with_undo(rev, stmt, name, index, fwd, bwd)


def _with_undo(rev, stmt, name, index, fwd, bwd):
    """The block, with the copy of the overwritten entries and its undo (dropped later
    by ``drop_needless_undo`` when nothing needs them)."""
    saved = rev.names.temp()
    save = assign(saved, ast.Call(func=ast.Attribute(value=_subscript(name, index, ast.Load()), attr="copy", ctx=ast.Load()), args=[], keywords=[]))
    undo = tag(ast.Assign(targets=[_subscript(name, index, ast.Store())], value=load(saved), lineno=0), "undo", None)
    temps = [n.id for s in fwd[:-1] for n in walk(s.targets[0]) if isinstance(n, ast.Name)]  # (a call's: _t1, _rec1)
    return Block(stmt, fwd[:-1] + [save, fwd[-1]], [undo] + bwd, [], temps + [saved], undo=(name, save, undo, saved))


def drop_needless_undo(rev, nodes, classes):
    """Leave out the copy and undo of a store when no backward statement reads the array
    (or a name sharing its memory, ``classes(name)``) as it was before the store: none
    of the statements before it, or around it in a loop, reads its values. Returns the
    names of the arrays whose stores are still undone."""
    placed = list(_placed(nodes, ()))
    if not any(b.undo for b, _ in placed):
        return set()
    reads = [_backward_reads(b) for b, _ in placed]  # an undo's removal changes none of these
    before = []  # before[k]: what blocks 0..k read
    for r in reads:
        before.append((before[-1] if before else set()) | r)
    in_loop = {}  # loop -> what the blocks inside it read
    for r, (_, loops) in zip(reads, placed):
        for loop in loops:
            in_loop.setdefault(loop, set()).update(r)
    kept = set()
    for k, (b, loops) in enumerate(placed):
        undo = b.undo
        if undo is None:
            continue
        names = classes(undo[0])
        if names & before[k] or any(names & in_loop[loop] for loop in loops):
            kept.add(undo[0])
            continue
        name, save, restore, saved = undo
        b.forward.remove(save)
        b.backward.remove(restore)
        b.temps.remove(saved)
        b.undo = None
        b.reads_pre, b.reads_post = rev.reads(b)
    return kept


def read_before(nodes, stmt, names):
    """``(read, block)``: does a backward statement read one of ``names`` as it was before
    ``stmt`` ran (one of ``stmt``'s own block, of a block before it, or of one in a loop
    around it)? ``block``: ``stmt``'s block (None, and read, when there is none)."""
    found, block = backward_before(nodes, stmt)
    if block is None:
        return True, None
    return any(names & value_reads(s) for s in found), block


def backward_before(nodes, stmt):
    """``(statements, block)``: the backward statements, other than undos, that may read
    values as they were before ``stmt`` ran (those of ``stmt``'s own block, of a block
    before it, or of one in a loop around it); ``block``: ``stmt``'s (None when it has none)."""
    placed = list(_placed(nodes, ()))
    for k, (block, loops) in enumerate(placed):
        if block.stmt is stmt:
            earlier = [b for j, (b, around) in enumerate(placed) if j <= k or set(around) & set(loops)]
            return [s for b in earlier for s in _backward(b)], block
    return [], None


def _backward(block):
    """A block's backward statements other than undos."""
    return [s for s in block.backward if kind_of(s)[0] != "undo"]


def _backward_reads(block):
    """The names a block's backward statements, other than undos, read for their values."""
    return set().union(*(value_reads(s) for s in _backward(block)))


def value_reads(stmt):
    """The names ``stmt`` reads for their values (not only for their shapes)."""
    found = set(marks(stmt).reads)  # calls.py: the values a call's record holds
    skip = set()
    for node in walk(stmt):  # a call comes before its arguments
        if type(node) is ast.Call:
            operand = form_operand(node)
            if operand is not None:
                skip.add(id(operand))
        elif type(node) is ast.Name and type(node.ctx) is ast.Load and id(node) not in skip:
            found.add(node.id)
    return found


def _placed(nodes, loops):
    """``(block, ids of the loops around it)`` for every block, in program order."""
    for node in nodes:
        if isinstance(node, Block):
            yield node, loops
        else:
            inner = loops + (id(node),) if isinstance(node.stmt, (ast.For, ast.While)) else loops
            for field in ("body", "orelse"):
                yield from _placed(getattr(node, field, []), inner)
