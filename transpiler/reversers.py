"""The one dispatch from a statement's kind to the function that reverses it.

``REVERSERS`` maps each kind (``kind_of``) to a function ``(rev, stmt, in_loop)``
that returns the statement's ``Block``: the (forward, backward) pair the layout
consumes, with the names the forward assigns. ``rev`` is the ``Reverser`` whose
public methods they share (``lower``, ``backprop``, ``adjoint``...); ``in_loop``:
the statement runs inside a loop. ``reverse`` then fills in what the block's
backward reads, which the layout records. Plain assignments are reversed here,
in-place stores in ``inplace``, list appends and pops in ``container_reversal``; any other
statement (a bare call, ``pass``) runs forward only.
"""

import ast

from adgen import container_reversal, inplace
from adgen.activity import is_add_at
from adgen.container_rewrites import is_append, is_pop
from adgen.marks import mark, marks
from adgen.reverse import Block
from adgen.syntax import Transformer, as_result, assign, call, clone, load, names_in, recomputable, shape_operand, tag, walk


def kind_of(stmt):
    """The statement's kind: a key of ``REVERSERS``."""
    if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Subscript):
        return "store"  # y[i] = v
    if is_add_at(stmt):
        return "add_at"  # np.add.at(y, i, v)
    if is_append(stmt):
        return "append"  # xs.append(v)
    if is_pop(stmt):
        return "pop"  # v = xs.pop(i)
    if isinstance(stmt, ast.Assign):
        return "assign"  # v = e, a, b = e
    return "forward only"


def reverse(rev, stmt, in_loop):
    """The ``Block`` of one statement, with what its backward reads."""
    block = REVERSERS[kind_of(stmt)](rev, stmt, in_loop)
    block.reads_pre, block.reads_post = rev.reads(block)
    return block


def assignment(rev, stmt, in_loop):
    """``v = e`` (or ``a, b = e``): the backward sets the targets' adjoints to the
    cotangents that reach them (``0.0`` when none does: the value they held before is
    another variable), after adding ``e``'s contributions to its operands' adjoints."""
    target = stmt.targets[0]
    if isinstance(target, ast.Name):
        tnames = [target.id]
        root_ans = as_result(target.id)
    else:
        tnames = [e.id for e in target.elts]
        root_ans = ast.Tuple(elts=[as_result(n) for n in tnames], ctx=ast.Load())
    if not any(rev.activity.active(n) for n in tnames):
        return Block(stmt, [stmt], [], tnames, [])
    unpacked = not isinstance(target, ast.Name)  # ``a, b = e``, and ``a, = e`` too
    fwd = []
    expr, op = rev.lower(stmt.value, fwd, root_ans, tuple_width=len(tnames) if unpacked else 0)
    fwd.append(ast.copy_location(ast.Assign(targets=stmt.targets, value=expr), stmt))
    if rev.calls is not None:
        fwd = rev.calls.merge(fwd)
    temps = [n.id for s in fwd for n in walk(s.targets[0]) if isinstance(n, ast.Name) and n.id not in tnames]
    if not unpacked:
        g, via = load(rev.adjoint(tnames[0])), rev.adjoint(tnames[0])
    else:
        adjs = [rev.adjoint(n) for n in tnames]
        g, via = ast.Tuple(elts=[load(a) for a in adjs], ctx=ast.Load()), tuple(adjs)
    bwd = []
    if not unpacked and rev.maybe_complex(target) and not rev.maybe_complex(stmt.value):
        g = call("np.real", g)  # the name holds a real value here: only the real part is its cotangent
    pending = rev.backprop_into(op, g, via, tnames, bwd) if op is not None else {}
    for n in tnames:
        bwd.append(_set_adjoint(rev.adjoint(n), pending.get(n), via))
    if not unpacked and in_loop:
        bwd = _recompute_result(tnames[0], expr, bwd)
    return Block(stmt, fwd, bwd, tnames, temps)


def _set_adjoint(adj, cotangents, via):
    """``adj = c1 + c2 + ...`` (``adj = 0.0`` for none)."""
    if not cotangents:
        return tag(assign(adj, ast.Constant(0.0)), "zero", None)
    total = cotangents[0]
    for c in cotangents[1:]:
        total = ast.BinOp(left=total, op=ast.Add(), right=c)
    summed = tag(assign(adj, total), "set", via)
    mark(summed, zero=all(marks(c).zero for c in cotangents))
    return summed


def _recompute_result(name, value, bwd):
    """Inside a loop, a backward that reads the statement's own result computes it
    again from operands it reads anyway, when that is cheap arithmetic, so the
    result need not be recorded (``f = k * (r - L) * d / r``: ``f`` is not pushed)."""
    ans = {id(n) for s in bwd for n in walk(s) if isinstance(n, ast.Name) and n.id == name and marks(n).ans}
    if not ans or not recomputable(value, budget=4):
        return bwd
    needed = names_in(value)
    shaped = {id(shape_operand(n)) for s in bwd for n in walk(s) if shape_operand(n) is not None}
    read = {n.id for s in bwd for n in walk(s) if isinstance(n, ast.Name) and id(n) not in ans | shaped}
    if name in needed or not needed <= read:
        return bwd

    class Recompute(Transformer):
        def visit_Name(self, node):
            return clone(value) if id(node) in ans else node

    return [Recompute().visit(s) for s in bwd]


def forward_only(rev, stmt, in_loop):
    """A statement with nothing to reverse (a bare call, ``pass``): it runs forward only."""
    return Block(stmt, [stmt], [], [], [])


REVERSERS = {
    "store": inplace.store,
    "add_at": inplace.add_at,
    "append": container_reversal.append,
    "pop": container_reversal.pop,
    "assign": assignment,
    "forward only": forward_only,
}
