"""Control flow rewritten into a small structured language that reverses simply.

After ``run`` the body holds only assignments, ``if``/``else``, ``while``,
``for <name> in <range>`` and ``break``, and a ``break`` is always the last
statement of its branch. Each rewrite keeps the user's positions, so ``# line``
comments and diagnostics still point at their code.

- ``for`` over a sequence, ``enumerate``, ``zip`` or ``reversed`` iterates by
  index: ``for i, v in enumerate(xs)`` -> ``for i in range(len(xs)): v = xs[i]``.
- ``return`` inside a loop sets the result and a flag and breaks; after the
  loop, ``if <flag>: break`` (or ``return``) carries it outward.
- ``for``/``while`` ``else`` becomes ``if not <broke>: ...`` after the loop.
- Tail form: the statements after an ``if`` that may jump move into the
  branches that fall through (``if c: break`` + rest -> ``if c: break`` /
  ``else: rest``). ``continue`` is then always last, so it is dropped.
- ``return e`` (all in tail position now) becomes ``<result> = e``.

``hoist_conditionals`` runs later, once activity is known: a conditional
expression (``a if c else b``, ``a or b``) on differentiated values becomes an
``if`` statement, whose branch the backward pass replays.
"""

import ast

from adgen import errors
from adgen.names import BROKE, INDEX, RETURNED, SEQUENCE
from adgen.normalize import nested
from adgen.syntax import Transformer, call, clone, load, names_in, walk

LOOPS = (ast.For, ast.While)


def _at(new, old):
    """``new`` at ``old``'s position; a simple statement made from a loop or branch header
    spans only the header's line."""
    ast.copy_location(new, old)
    if isinstance(old, (ast.For, ast.While, ast.If)) and not isinstance(new, (ast.For, ast.While, ast.If)):
        new.end_lineno = new.lineno
    return ast.fix_missing_locations(new)


def _store(name, value, where):
    return _at(ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=value), where)


def _own(body, kinds):
    """Statements of ``kinds`` in ``body`` that belong to it (not to a nested loop)."""
    for stmt in body:
        if isinstance(stmt, kinds):
            yield stmt
        if isinstance(stmt, ast.If):
            yield from _own(stmt.body + stmt.orelse, kinds)
        elif isinstance(stmt, LOOPS):
            yield from _own(stmt.orelse, kinds)  # a loop's else belongs to the enclosing level


def _returns(body):
    return any(isinstance(n, ast.Return) for s in body for n in walk(s))


def _negate(test):
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    return _at(ast.UnaryOp(op=ast.Not(), operand=test), test)


def _simplify_ifs(body):
    """``if c: (nothing) else: B`` -> ``if not c: B``; an ``if`` with nothing in it goes."""
    out = []
    for stmt in body:
        if isinstance(stmt, ast.If) and not stmt.body:
            if not stmt.orelse:
                continue
            stmt.test, stmt.body, stmt.orelse = _negate(stmt.test), stmt.orelse, []
        out.append(stmt)
    return out


class Structure:
    def __init__(self, names, result, is_builtin, diags):
        """``result``: the name returns assign; ``is_builtin(name)``: the name is Python's builtin."""
        self.names = names
        self.result = result
        self.is_builtin = is_builtin
        self.diags = diags
        self.returned = None  # the flag a return inside a loop sets

    def run(self, body):
        body = self._lift_returns(body, in_loop=False)
        if self.returned:
            body.insert(0, _store(self.returned, ast.Constant(False), body[0]))
        body = nested(body, self._loops)
        body = self._tail(body, (ast.Return,))
        return nested(body, self._results)

    # -- return inside loops -------------------------------------------------------------

    def _lift_returns(self, body, in_loop):
        out = []
        for stmt in body:
            if isinstance(stmt, ast.Return) and in_loop:
                self.returned = self.returned or self.names.fresh(RETURNED)
                out += [
                    _store(self.result, stmt.value, stmt),
                    _store(self.returned, ast.Constant(True), stmt),
                    _at(ast.Break(), stmt),
                ]
                continue
            if isinstance(stmt, ast.If):
                stmt.body = self._lift_returns(stmt.body, in_loop)
                stmt.orelse = self._lift_returns(stmt.orelse, in_loop)
            elif isinstance(stmt, LOOPS):
                inside = _returns(stmt.body)
                stmt.body = self._lift_returns(stmt.body, True)
                stmt.orelse = self._lift_returns(stmt.orelse, in_loop)
                out.append(stmt)
                if inside:
                    leave = ast.Break() if in_loop else ast.Return(value=None)
                    out.append(_at(ast.If(test=load(self.returned), body=[_at(leave, stmt)], orelse=[]), stmt))
                continue
            out.append(stmt)
        return out

    # -- loops ---------------------------------------------------------------------------

    def _loops(self, body):
        """Each loop of ``body`` (its own body already done): index form, else clause, tail form."""
        out = []
        for stmt in body:
            if not isinstance(stmt, LOOPS):
                out.append(stmt)
                continue
            after = self._else_clause(stmt, out)
            stmt.body = _simplify_ifs(self._drop_continues(self._tail(stmt.body, (ast.Break, ast.Continue))))
            if isinstance(stmt, ast.For):
                out.extend(self._index_form(stmt))
            else:
                out.append(stmt)
            out.extend(after)
        return out

    def _else_clause(self, loop, before):
        """Remove ``loop``'s else clause; return the statements that replace it after the loop."""
        orelse, loop.orelse = loop.orelse, []
        if not orelse:
            return []
        breaks = list(_own(loop.body, ast.Break))
        if not breaks:
            return orelse
        flag = self.names.fresh(BROKE)
        before.append(_store(flag, ast.Constant(False), loop))
        self._flag_breaks(loop.body, flag)
        return [_at(ast.If(test=_negate(load(flag)), body=orelse, orelse=[]), orelse[0])]

    def _flag_breaks(self, body, flag):
        k = 0
        while k < len(body):
            stmt = body[k]
            if isinstance(stmt, ast.Break):
                body.insert(k, _store(flag, ast.Constant(True), stmt))
                k += 1
            elif isinstance(stmt, ast.If):
                self._flag_breaks(stmt.body, flag)
                self._flag_breaks(stmt.orelse, flag)
            k += 1

    def _tail(self, body, jumps):
        """Tail form: a statement that may jump is the last of its list."""
        out = []
        for k, stmt in enumerate(body):
            out.append(stmt)
            if isinstance(stmt, jumps):
                return out
            if isinstance(stmt, ast.If) and any(True for _ in _own([stmt], jumps)):
                rest = body[k + 1 :]
                stmt.body = self._tail(stmt.body + clone(rest), jumps)
                stmt.orelse = self._tail(stmt.orelse + rest, jumps)
                return out
        return out

    def _drop_continues(self, body):
        out = []
        for stmt in body:
            if isinstance(stmt, ast.Continue):
                continue
            if isinstance(stmt, ast.If):
                stmt.body = _simplify_ifs(self._drop_continues(stmt.body))
                stmt.orelse = _simplify_ifs(self._drop_continues(stmt.orelse))
            out.append(stmt)
        return _simplify_ifs(out)

    # -- for over sequences --------------------------------------------------------------

    def _is(self, node, func):
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == func
            and self.is_builtin(func)
            and not any(isinstance(a, ast.Starred) for a in node.args)
        )

    def is_range(self, node):
        """``range(...)`` or ``reversed(range(...))``: loops over these stay as written."""
        if self._is(node, "reversed") and len(node.args) == 1:
            node = node.args[0]
        return self._is(node, "range") and not node.keywords

    def _index_form(self, loop):
        if self.is_range(loop.iter):
            if not isinstance(loop.target, ast.Name):
                self.diags.report(loop.target, errors.AD103_RANGE_TARGET)
            return [loop]
        prologue = []
        written = names_in(loop.body, ast.Store)
        written |= names_in(loop.target)
        it, backwards = loop.iter, False
        if self._is(it, "reversed") and len(it.args) == 1 and not it.keywords:
            it, backwards = it.args[0], True
        index = self._index_name(it, loop.target)
        length, binds = self._elements(it, loop.target, index, prologue, written, loop)
        header = call("range", length)
        if backwards:
            header = call("reversed", header)
        loop.target = _at(ast.Name(id=index, ctx=ast.Store()), loop.target)
        loop.iter = _at(header, loop.iter)
        loop.body = binds + loop.body
        return prologue + [loop]

    def _index_name(self, it, target):
        """The user's own index name for ``for i, v in enumerate(xs)``, else a fresh one."""
        if (
            self._is(it, "enumerate")
            and len(it.args) == 1
            and not it.keywords
            and isinstance(target, ast.Tuple)
            and isinstance(target.elts[0], ast.Name)
        ):
            return target.elts[0].id
        return self.names.numbered(INDEX)

    def _elements(self, it, target, index, prologue, written, loop):
        """``(length, assignments)``: how many items ``it`` yields, and how item ``index``
        reaches ``target``."""
        elts = target.elts if isinstance(target, (ast.Tuple, ast.List)) else None
        if self._is(it, "enumerate") and elts and len(elts) == 2 and len(it.args) <= 2:
            start = it.args[1] if len(it.args) == 2 else next((k.value for k in it.keywords if k.arg == "start"), None)
            count = load(index) if start is None else ast.BinOp(left=load(index), op=ast.Add(), right=start)
            length, binds = self._elements(it.args[0], elts[1], index, prologue, written, loop)
            first = elts[0]
            if isinstance(first, ast.Name) and first.id == index:
                return length, binds
            return length, self._bind(first, count, loop) + binds
        if self._is(it, "zip") and not it.keywords and elts and len(elts) == len(it.args):
            parts = [self._elements(a, t, index, prologue, written, loop) for a, t in zip(it.args, elts)]
            length = parts[0][0] if len(parts) == 1 else call("min", *[p[0] for p in parts])
            return length, [b for p in parts for b in p[1]]
        if isinstance(it, ast.Name) and it.id not in written:
            seq = it.id
        else:
            seq = self.names.numbered(SEQUENCE)
            prologue.append(_store(seq, it, loop))
        item = ast.Subscript(value=load(seq), slice=load(index), ctx=ast.Load())
        return call("len", load(seq)), self._bind(target, item, loop)

    def _bind(self, target, value, loop):
        if isinstance(target, ast.Name):
            return [_store(target.id, value, loop)]
        if isinstance(target, (ast.Tuple, ast.List)) and not any(isinstance(e, ast.Starred) for e in target.elts):
            out = []
            for k, elt in enumerate(target.elts):
                out += self._bind(elt, ast.Subscript(value=clone(value), slice=ast.Constant(k), ctx=ast.Load()), loop)
            return out
        self.diags.report(target, errors.AD103_LOOP_TARGET)
        return []

    # -- returns -> the result -----------------------------------------------------------

    def _results(self, body):
        out = []
        for stmt in body:
            if isinstance(stmt, ast.Return):
                if stmt.value is not None:
                    out.append(_store(self.result, stmt.value, stmt))
                continue
            out.append(stmt)
        return _simplify_ifs(out)


# -- conditional expressions on differentiated values ------------------------------------


def hoist_conditionals(body, active, names):
    """``active(expr)``: the expression reads a differentiated value."""
    return nested(body, lambda b: [s for stmt in b for s in _hoist(stmt, active, names)])


def _conditional(node, active):
    return isinstance(node, (ast.IfExp, ast.BoolOp)) and active(node)


def _first_conditional(node, active):
    """The outermost active conditional in ``node``, not inside a comprehension or lambda."""
    if _conditional(node, active):
        return node
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda)):
        return None
    for child in ast.iter_child_nodes(node):
        found = _first_conditional(child, active)
        if found is not None:
            return found
    return None


def _hoist(stmt, active, names):
    if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
        return [stmt]
    target, value = stmt.targets[0], stmt.value
    if isinstance(target, ast.Name) and _conditional(value, active) and not isinstance(value, ast.BoolOp):
        branches = [_store(target.id, value.body, stmt), _store(target.id, value.orelse, stmt)]
        body, orelse = (_hoist(s, active, names) for s in branches)
        return [_at(ast.If(test=value.test, body=body, orelse=orelse), stmt)]
    node = _first_conditional(value, active)
    if node is None:
        return [stmt]
    temp = names.temp()
    out = _expand(node, temp, stmt, active, names)
    replaced = _Replace(node, load(temp)).visit(value)
    return out + _hoist(_at(ast.Assign(targets=[target], value=replaced), stmt), active, names)


def _expand(node, temp, where, active, names):
    """Statements leaving the value of the conditional ``node`` in ``temp``."""
    if isinstance(node, ast.IfExp):
        return _hoist(_store(temp, node, where), active, names)
    first, *rest = node.values
    out = _hoist(_store(temp, first, where), active, names)
    if not rest:
        return out
    more = rest[0] if len(rest) == 1 else ast.BoolOp(op=node.op, values=rest)
    test = load(temp) if isinstance(node.op, ast.And) else _negate(load(temp))
    inner = _expand(more, temp, where, active, names) if isinstance(more, ast.BoolOp) else _hoist(_store(temp, more, where), active, names)
    return out + [_at(ast.If(test=test, body=inner, orelse=[]), where)]


class _Replace(Transformer):
    def __init__(self, old, new):
        self.old, self.new = old, new

    def visit(self, node):
        if node is self.old:
            return ast.copy_location(self.new, node)
        return super().visit(node)
