"""Lay out the gradient function: the forward pass with what it records, then the
backward pass, which mirrors the forward's structure in reverse.

A value is recorded only when the forward overwrites it *and* a backward
statement reads it (to-be-recorded analysis):

- Outside loops a statement that overwrites a needed name first keeps its value
  in a local (``_y0 = y``); the backward reads the local, and puts it back into
  ``y`` only when an earlier backward statement reads ``y`` too.
- Inside a loop a statement pushes, just before it runs, the names it reads that
  the loop changes, and just after, the values it creates that its own backward
  reads; the backward pops them right before that statement's backward. Names
  the loop does not change are never pushed. References are pushed, never copies.
- An ``if`` keeps its condition in a local (``_c1``) outside loops and pushes it
  inside them; a ``break`` first pushes the conditions of the ``if``s it leaves.
- A ``for`` over ``range`` loops back over ``reversed(range(...))``; a ``while``
  or a loop that can ``break`` counts its trips (``_n1``) and loops back that
  many times.
"""

import ast
import copy
from dataclasses import dataclass, field

from adgen import reversers
from adgen.marks import marks
from adgen.names import COUNT, FLAG, INDEX, RANGE, TAPE, saved_as, shape_name
from adgen.reverse import Block
from adgen.syntax import Transformer, assign, call, clone, comment, load, names_in, shape_operand, tag, walk

EPILOGUE = "epilogue"
CHEAP_CALLS = ("len", "min", "max", "abs")


def source_comment(src, stmt):
    text = src.line(stmt.lineno).strip()
    compound = isinstance(stmt, (ast.If, ast.For, ast.While))
    if getattr(stmt, "end_lineno", stmt.lineno) != stmt.lineno and not compound:
        text += " ..."
    return comment(f"line {stmt.lineno}: {text}")


# -- the structured program ------------------------------------------------------------


@dataclass
class If:
    stmt: ast.If
    body: list
    orelse: list
    flag: str = None  # the recorded condition, when the backward needs it


@dataclass
class Loop:
    stmt: ast.stmt  # ast.For (over a range) or ast.While
    body: list
    breaks: bool = False
    counter: str = None  # the trip count, for while loops and loops that break
    span: str = None  # the range, evaluated once, when the backward cannot evaluate it again


@dataclass
class Break:
    stmt: ast.Break


def build(stmts, rev, names, in_loop=False):
    """The node tree of a structured body; each single statement is reversed by
    ``reversers.reverse`` with ``rev`` (``in_loop``: the body is inside a loop)."""
    nodes = []
    for stmt in stmts:
        if isinstance(stmt, ast.If):
            node = If(stmt, build(stmt.body, rev, names, in_loop), build(stmt.orelse, rev, names, in_loop))
            if has_backward(node):
                node.flag = names.numbered(FLAG)
        elif isinstance(stmt, (ast.For, ast.While)):
            node = Loop(stmt, build(stmt.body, rev, names, in_loop=True))
            node.breaks = any(isinstance(n, Break) for n in _own(node.body))
            if has_backward(node):
                if isinstance(stmt, ast.While) or node.breaks:
                    node.counter = names.numbered(COUNT)
                if isinstance(stmt, ast.For) and not _reusable(stmt):
                    node.span = names.numbered(RANGE)
        elif isinstance(stmt, ast.Break):
            node = Break(stmt)
        else:
            node = reversers.reverse(rev, stmt, in_loop)
        nodes.append(node)
    return nodes


def _own(nodes):
    """Nodes of this loop level: through ``if``s, not into nested loops."""
    for node in nodes:
        yield node
        if isinstance(node, If):
            yield from _own(node.body + node.orelse)


def _reusable(loop):
    """Can the backward evaluate the ``range(...)`` header again? Yes when it is cheap
    and the body does not change the names it reads."""
    written = names_in(loop.body, ast.Store)
    for node in walk(loop.iter):
        if isinstance(node, ast.Name) and node.id in written:
            return False
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in CHEAP_CALLS + ("range", "reversed")):
            return False
    return True


def has_backward(node):
    if isinstance(node, Block):
        return bool(node.backward)
    if isinstance(node, If):
        return any(has_backward(n) for n in node.body + node.orelse)
    if isinstance(node, Loop):
        return any(has_backward(n) for n in node.body)
    return False


def assigned(node):
    """Every name the node's forward code assigns."""
    if isinstance(node, Block):
        return set(node.targets) | set(node.temps)
    if isinstance(node, If):
        return {node.flag} - {None} | _union(assigned, node.body + node.orelse)
    if isinstance(node, Loop):
        own = {node.counter, node.span} - {None}
        if isinstance(node.stmt, ast.For):
            own.add(node.stmt.target.id)
        return own | _union(assigned, node.body)
    return set()


def backward_reads(node):
    """Every user or forward name the node's backward code reads."""
    if isinstance(node, Block):
        return node.reads_pre | node.reads_post
    if isinstance(node, If):
        return {node.flag} - {None} | _union(backward_reads, node.body + node.orelse)
    if isinstance(node, Loop):
        return _header_reads(node) | _union(backward_reads, node.body)
    return set()


def _header_reads(loop):
    names = {loop.counter, loop.span} - {None}
    if isinstance(loop.stmt, ast.For) and loop.span is None:
        names |= {n.id for n in walk(loop.stmt.iter) if isinstance(n, ast.Name) and n.id not in CHEAP_CALLS + ("range", "reversed")}
    return names


def _union(fn, nodes):
    out = set()
    for n in nodes:
        out |= fn(n)
    return out


# -- layout ----------------------------------------------------------------------------


@dataclass
class _InLoop:
    varying: set  # names the innermost loop's body assigns
    flags: list = field(default_factory=list)  # conditions of the enclosing ifs in this loop


class Layout:
    def __init__(self, src, names, debug=False):
        """``debug``: a ``_rt.DebugTape``, whose pushes and pops name what they record."""
        self.src = src
        self.names = names
        self.debug = debug
        self.tape = None  # the tape's name, once something is pushed

    def function_body(self, nodes, params, wrt):
        """``(forward, backward)`` of the function's node tree."""
        readers = {name: {EPILOGUE} for name in wrt}
        self.defined = {}
        _surely_assigned(nodes, set(params), self.defined)
        self.unassigned = set()
        forward, backward = self._straight(nodes, readers)
        if self.unassigned:
            # a loop records these after it runs; your code may not have assigned them yet
            # (then its backward never reads them)
            forward[:0] = [comment("names a loop records that may not be assigned yet")]
            forward[1:1] = [assign(v, ast.Constant(None)) for v in sorted(self.unassigned)]
        if self.tape:
            tape = "DebugTape" if self.debug else "Tape"
            forward.insert(0, assign(self.tape, ast.Call(func=_attr("_rt", tape), args=[], keywords=[])))
        return forward, backward

    # -- outside loops ------------------------------------------------------------------

    def _straight(self, nodes, readers):
        """``(forward, backward)`` of nodes outside any loop. ``readers``: for each name,
        the earlier nodes whose backward reads its current value (updated)."""
        forward, groups = [], []
        for node in nodes:
            if isinstance(node, Block):
                f, b = self._block_outside(node, readers)
            elif isinstance(node, If):
                f, b = self._if_outside(node, readers)
            else:
                f, b = self._loop_outside(node, readers)
            forward += f
            groups.append(b)
        return forward, [s for g in reversed(groups) for s in g]

    def _block_outside(self, b, readers):
        mine = {}
        for v in b.targets:
            restore = bool(readers.get(v))
            if restore or v in b.reads_pre:
                mine[v] = restore
        for v in b.reads_pre:
            if v not in b.targets:
                readers.setdefault(v, set()).add(id(b))
        for v in b.targets:
            readers[v] = {id(b)} if v in b.reads_post else set()
        forward, renames = [], {}
        for v in mine:
            renames[v] = self.names.fresh(saved_as(v))
            forward.append(tag(assign(renames[v], load(v)), "save", None))
        body = _renamed(b.backward, renames)
        body += [tag(assign(v, load(renames[v])), "restore", None) for v, restore in mine.items() if restore]
        return forward + b.forward, self._commented(b.stmt, body)

    def _if_outside(self, node, readers):
        other = {k: set(v) for k, v in readers.items()}
        fb, bb = self._straight(node.body, readers)
        fo, bo = self._straight(node.orelse, other)
        for k, v in other.items():
            readers.setdefault(k, set()).update(v)
        stmt = node.stmt
        if not (bb or bo):
            return [_if(stmt.test, fb, fo, stmt)], []
        if node.flag is None:  # nothing to differentiate, but a value to put back
            node.flag = self.names.numbered(FLAG)
        forward = [assign(node.flag, stmt.test, stmt), _if(load(node.flag), fb, fo, stmt)]
        return forward, self._commented(stmt, [_if(load(node.flag), bb, bo, stmt)])

    def _loop_outside(self, node, readers):
        written = assigned(node)
        saves = sorted(v for v in written if readers.get(v))
        kept = {v: self.names.fresh(saved_as(v)) for v in saves}
        forward, backward = self._loop(node)
        for v in written:
            readers[v] = set()
        for v in backward_reads(node) - written:
            readers.setdefault(v, set()).add(id(node))
        before = [tag(assign(kept[v], load(v)), "save", None) for v in saves]
        after = [tag(assign(v, load(kept[v])), "restore", None) for v in saves]
        return before + forward, backward + after

    # -- loops --------------------------------------------------------------------------

    def _loop(self, node):
        """``(forward, backward)`` of the loop itself; its body is laid out inside it."""
        stmt = node.stmt
        ctx = _InLoop(varying=_union(assigned, node.body))
        fb, bb = self._inside(node.body, ctx)
        if not has_backward(node):
            return [_with_body(stmt, fb)], []
        before, count = [], []
        if node.counter:
            before.append(assign(node.counter, ast.Constant(0), stmt))
            count = [_at(ast.AugAssign(target=_store(node.counter), op=ast.Add(), value=ast.Constant(1)), stmt)]
        if isinstance(stmt, ast.While):
            forward = _with_body(stmt, count + fb)
            back = ast.For(target=_store(self.names.numbered(INDEX)), iter=call("range", load(node.counter)), body=bb, orelse=[])
        else:
            header = stmt.iter
            if node.span:
                before.insert(0, assign(node.span, header, stmt))
                header = load(node.span)
            forward = ast.For(target=stmt.target, iter=header, body=count + fb, orelse=[])
            back = ast.For(target=clone(stmt.target), iter=self._back_header(node, header), body=bb, orelse=[])
        forward = _at(forward, stmt)
        return before + [forward], self._commented(stmt, [_at(back, stmt)])

    def _back_header(self, node, header):
        header = clone(header)
        inner = _reversed_range(header)
        if node.counter is None:
            return inner if inner is not None else call("reversed", header)
        if inner is not None:  # reversed(range(...)) -> range(...)[::-1], which slices
            header = ast.Subscript(value=inner, slice=ast.Slice(step=ast.Constant(-1)), ctx=ast.Load())
        done = ast.Subscript(value=header, slice=ast.Slice(upper=load(node.counter)), ctx=ast.Load())
        return call("reversed", done)

    def _inside(self, nodes, ctx):
        """``(forward, backward)`` of nodes inside a loop body."""
        forward, groups = [], []
        plan = _push_plan(nodes, ctx)
        for node in nodes:
            if isinstance(node, Block):
                f, b = self._block_inside(node, *plan[id(node)])
            elif isinstance(node, If):
                f, b = self._if_inside(node, ctx)
            elif isinstance(node, Loop):
                f, b = self._loop_inside(node, ctx)
            else:
                f, b = [self.push(flag) for flag in reversed(ctx.flags)] + [node.stmt], []
            forward += f
            groups.append(b)
        return forward, [s for g in reversed(groups) for s in g]

    def _block_inside(self, b, before, after):
        """Pushes around the block's forward, pops before its backward. A name the backward
        reads only for its shape has its shape pushed, so the array itself can go."""
        before, after = sorted(before), sorted(after)
        # a name read both as it was and as it is after: the old value pops into a local
        # (also when the new value's push was left out for a later block's)
        renames = {v: self.names.fresh(saved_as(v)) for v in before if v in b.reads_post}
        shape_only = _shape_only(b.backward) - set(renames)
        shapes = {v: self.names.fresh(shape_name(v)) for v in before + after if v in shape_only}
        forward = [self._push_recorded(v, shapes) for v in before] + b.forward + [self._push_recorded(v, shapes) for v in after]
        pops = [self.pop(shapes.get(v, v), v) for v in reversed(after)]
        pops += [self.pop(shapes.get(v, renames.get(v, v)), v) for v in reversed(before)]
        body = [_ShapeReads(shapes).visit(s) for s in _renamed(b.backward, renames)]
        return forward, self._commented(b.stmt, pops + body) if body else []

    def _push_recorded(self, name, shapes):
        """Push ``name``, or its shape when ``shapes`` names a local for that."""
        return self._push_expr(call("np.shape", load(name)) if name in shapes else load(name), name)

    def _if_inside(self, node, ctx):
        stmt = node.stmt
        if node.flag is None:
            fb, _ = self._inside(node.body, ctx)
            fo, _ = self._inside(node.orelse, ctx)
            return [_if(stmt.test, fb, fo, stmt)], []
        inner = _InLoop(ctx.varying, ctx.flags + [node.flag])
        fb, bb = self._inside(node.body, inner)
        fo, bo = self._inside(node.orelse, inner)
        forward = [assign(node.flag, stmt.test, stmt), _if(load(node.flag), fb, fo, stmt)]
        if _falls_through(fb) or _falls_through(fo):
            forward.append(self.push(node.flag))
        return forward, self._commented(stmt, [_if(self._popcall(node.flag), bb, bo, stmt)])

    def _loop_inside(self, node, ctx):
        forward, backward = self._loop(node)
        if not backward:
            return forward, []
        header = {node.counter, node.span} - {None}
        if node.span and not (_header_reads_of(node.stmt) & ctx.varying):
            header.discard(node.span)  # the same range every time: no need to record it
        # names the loop reads but does not change have the same value after it, where
        # they are pushed with the header values, so that they pop before its backward
        after = sorted(header | ((backward_reads(node) & ctx.varying) - assigned(node)))
        self.unassigned |= set(after) - header - self.defined[id(node)]
        return forward + [self.push(v) for v in after], [self.pop(v) for v in reversed(after)] + backward

    # -- statements ---------------------------------------------------------------------

    def _commented(self, stmt, body):
        return [source_comment(self.src, stmt)] + body if body else []

    def _tape(self):
        if self.tape is None:
            self.tape = self.names.fresh(TAPE)
        return self.tape

    def push(self, name):
        return self._push_expr(load(name), name)

    def _push_expr(self, value, what):
        """``_tape.push(value)``; in debug mode ``_tape.push(value, what)``."""
        args = [value, ast.Constant(what)] if self.debug else [value]
        return ast.Expr(value=ast.Call(func=_attr(self._tape(), "push"), args=args, keywords=[]))

    def _popcall(self, what):
        args = [ast.Constant(what)] if self.debug else []
        return ast.Call(func=_attr(self._tape(), "pop"), args=args, keywords=[])

    def pop(self, name, what=None):
        """``name = _tape.pop()``; ``what``: the name pushed, when ``name`` is its local."""
        return tag(assign(name, self._popcall(what or name)), "pop", None)


def _shape_only(stmts):
    """The names ``stmts`` read, all of whose reads need only the name's shape."""
    shape_reads = {id(shape_operand(n)) for s in stmts for n in walk(s) if shape_operand(n) is not None}
    reads = [n for s in stmts for n in walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    return {n.id for n in reads} - {n.id for n in reads if id(n) not in shape_reads}


class _ShapeReads(Transformer):
    """``_rt.unbroadcast(g, v)`` -> ``_rt.sum_to(g, _v_shape)``; ``np.shape(v)`` -> ``_v_shape``."""

    def __init__(self, shapes):
        self.shapes = shapes

    def visit_Call(self, node):
        self.generic_visit(node)
        operand = shape_operand(node)
        if operand is None or operand.id not in self.shapes:
            return node
        shape = load(self.shapes[operand.id])
        if operand is node.args[0]:  # np.shape(v)
            return ast.copy_location(shape, node)
        return ast.copy_location(ast.Call(func=_attr("_rt", "sum_to"), args=[node.args[0], shape], keywords=[]), node)


def _push_plan(nodes, ctx):
    """For each block of a loop body, ``(names pushed before it, names pushed after it)``:
    the names it reads that the loop changes. A push is left out when a later block pushes
    the same, unchanged value: that block's pop restores the name before this one's
    backward runs."""
    plan, pending = {}, {}
    for node in nodes:
        if not isinstance(node, Block):
            for v in assigned(node):
                pending.pop(v, None)
            continue
        before, after = node.reads_pre & ctx.varying, node.reads_post & ctx.varying
        plan[id(node)] = (before, after)
        shape_only = _shape_only(node.backward)
        for v in sorted(before):
            if v in after:  # popped into a renamed local: it does not restore v
                pending.pop(v, None)
                continue
            if v in shape_only:
                continue  # only its shape is pushed, which does not restore v
            if v in pending:
                pending[v].discard(v)
            pending[v] = before
        for v in node.targets + node.temps:
            pending.pop(v, None)
        for v in sorted(after):
            if v in shape_only:
                continue
            if v in pending:
                pending[v].discard(v)
            pending[v] = after
    return plan


def _surely_assigned(nodes, defined, before_loops):
    """The names surely assigned after ``nodes`` run, given ``defined`` before; records in
    ``before_loops`` (by node id) the names surely assigned when each loop starts."""
    defined = set(defined)
    for node in nodes:
        if isinstance(node, Block):
            defined |= assigned(node)
        elif isinstance(node, If):
            start = defined | ({node.flag} - {None})
            defined = _surely_assigned(node.body, start, before_loops) & _surely_assigned(node.orelse, start, before_loops)
        elif isinstance(node, Loop):
            before_loops[id(node)] = set(defined)
            inner = defined | ({node.stmt.target.id} if isinstance(node.stmt, ast.For) else set())
            _surely_assigned(node.body, inner, before_loops)
    return defined


def _header_reads_of(stmt):
    return names_in(stmt.iter)


class _RenameOperands(Transformer):
    def __init__(self, renames):
        self.renames = renames

    def visit_Name(self, node):
        if node.id in self.renames and isinstance(node.ctx, ast.Load) and not marks(node).ans:
            return ast.copy_location(load(self.renames[node.id]), node)
        return node


def _renamed(stmts, renames):
    if not renames:
        return list(stmts)
    return [_RenameOperands(renames).visit(clone(s)) for s in stmts]


def _falls_through(stmts):
    if not stmts:
        return True
    last = stmts[-1]
    if isinstance(last, ast.Break):
        return False
    if isinstance(last, ast.If):
        return _falls_through(last.body) or _falls_through(last.orelse)
    return True


def _if(test, body, orelse, where):
    """``if test: body else: orelse``, as ``if not test: orelse`` when body is empty."""
    if not body:
        test, body, orelse = ast.UnaryOp(op=ast.Not(), operand=test), orelse, []
    return _at(ast.If(test=test, body=body or [ast.Pass()], orelse=orelse), where)


def _with_body(stmt, body):
    new = copy.copy(stmt)
    new.body = body or [ast.Pass()]
    new.orelse = []
    return new


def _reversed_range(header):
    """``range(...)`` when ``header`` is ``reversed(range(...))``."""
    if isinstance(header, ast.Call) and isinstance(header.func, ast.Name) and header.func.id == "reversed":
        return header.args[0]
    return None


def _at(node, where):
    """``node`` at ``where``'s position (its children keep theirs: the generated text,
    not the tree, is what gets compiled)."""
    return ast.copy_location(node, where)


def _attr(name, attr):
    return ast.Attribute(value=load(name), attr=attr, ctx=ast.Load())


def _store(name):
    return ast.Name(id=name, ctx=ast.Store())

