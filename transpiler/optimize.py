"""Clean-ups on the gradient function's body, so it reads like a hand-written one.

- ``fold_zeros`` (``zeros.py``): zero adjoints folded away, possibly zero ones guarded.
- ``drop_dead``: generated assignments nobody reads (adjoints of values that
  never reach an argument, records never used) are removed; liveness flows
  through branches and around loops.
- ``merge_copies``: ``v = v`` goes; a copy followed by an accumulation is one sum.
- ``drop_empty_comments``: a ``# line`` comment left with nothing under it goes.
- ``condense``: copies propagated, single-use temporaries inlined, sums, pops and
  pushes merged, parameters returned as saved (``condense.py``).
- ``free_temporaries``: a forward temporary is deleted after the backward's last read.
- ``condense.number_in_reading_order``: the backward's temporaries numbered as one reads them.
- ``condense.chain_inits``: adjoints started at the same number share one statement.
"""

import ast

from adgen import condense, flow, indices, simplify
from adgen.condense import COMPOUND
from adgen.condense import pops as _pops
from adgen.syntax import comment, names_in, path_of, same, statements
from adgen.syntax import kind_of as _tag
from adgen.syntax import target as _target
from adgen.syntax import targets as _targets
from adgen.zeros import fold_zeros

GENERATED = {"accum", "set", "zero", "save", "restore", "init"}


def _reads(node):
    return names_in(node, ast.Load)


def drop_dead(body):
    """``body`` without the generated assignments nobody reads (``flow.backward``)."""
    return flow.backward(body, set(), _Live(), apply=True)[0]


class _Live(flow.Analysis):
    """The names read later (backward). With ``apply``, generated assignments to names
    nobody reads go."""

    def __init__(self):
        self.known = {}  # id of a statement or header -> the names it reads (loops are gone over again)

    def reads(self, node):
        found = self.known.get(id(node))
        if found is None:
            found = self.known[id(node)] = _reads(node)
        return found

    def step(self, stmt, live, apply):
        targets = _targets(stmt)
        if _tag(stmt)[0] in GENERATED and not targets & live:
            return [], live
        if apply:
            stmt = _uncut(stmt, live)
        live -= targets
        live |= self.reads(stmt)
        return [stmt], live

    def test(self, stmt, live, apply=False):
        live |= self.reads(stmt.iter if isinstance(stmt, ast.For) else stmt.test)
        return live

    def join(self, a, b):
        return a | b


def _uncut(stmt, live):
    """``_g, _dy = _rt.cut_at(_dy, y, i)`` -> ``_g = _rt.take_at(_dy, y, i)`` when ``_dy``
    is not read again: nothing needs its entries zeroed."""
    call = stmt.value if isinstance(stmt, ast.Assign) else None
    if not (isinstance(call, ast.Call) and path_of(call.func) == "_rt.cut_at"):
        return stmt
    part, rest = stmt.targets[0].elts
    if rest.id in live:
        return stmt
    call.func.attr = "take_at"
    stmt.targets = [part]
    return stmt


def drop_dead_zeroing(body):
    """``_dy = _rt.zero_at(_dy, y, i)`` goes when every later read of ``_dy`` takes
    entries disjoint from ``i`` (``_rt.take_at(_dy, y, 1:-1)`` after zeroing the
    boundary entries 0 and -1 of a stencil): the zeros are never seen."""
    zeroing = (s for s in statements(body) if isinstance(s, ast.Assign) and isinstance(s.value, ast.Call))
    if not any(path_of(s.value.func) == "_rt.zero_at" for s in zeroing):  # as inplace.py writes it
        return body
    return flow.backward(body, {}, _Needed(), apply=True)[0]


class _Needed(flow.Analysis):
    """Per adjoint, what is read later (backward): ``None`` (all of it) or the literal
    indices ``take_at`` reads (``{dump: node}``). With ``apply``, the zeroing nobody
    sees goes."""

    def step(self, stmt, need, apply):
        call = stmt.value if isinstance(stmt, ast.Assign) else None
        path = path_of(call.func) if isinstance(call, ast.Call) else ""
        adj = call.args[0].id if path in ("_rt.zero_at", "_rt.take_at") and isinstance(call.args[0], ast.Name) else None
        if path == "_rt.zero_at" and adj in _targets(stmt) and isinstance(need.get(adj, {}), dict):
            if all(indices.disjoint(call.args[2], j) for j in need.get(adj, {}).values()):
                return [], need  # nothing reads the entries it zeroes
        need = dict(need)
        for name in _targets(stmt):
            need.pop(name, None)
        if path == "_rt.take_at" and adj is not None and indices.literal_index(call.args[2]) and isinstance(need.get(adj, {}), dict):
            need[adj] = {**need.get(adj, {}), ast.dump(call.args[2]): call.args[2]}
            need = _join_needs(need, {n: None for n in _reads(stmt) - {adj}})
        elif path == "_rt.zero_at" and adj is not None:
            need = _join_needs(need, {n: None for n in _reads(stmt) - {adj}})
            need.setdefault(adj, {})
        else:
            need = _join_needs(need, {n: None for n in _reads(stmt)})
        return [stmt], need

    def test(self, stmt, need, apply=False):
        return _join_needs(need, {n: None for n in _reads(stmt.iter if isinstance(stmt, ast.For) else stmt.test)})

    def join(self, a, b):
        return _join_needs(a, b)

    def same(self, a, b):
        return _need_keys(a) == _need_keys(b)


def _need_keys(need):
    """``need`` compared by the indices' text (loop bodies are copied, their nodes are new)."""
    return {name: None if parts is None else frozenset(parts) for name, parts in need.items()}


def _join_needs(a, b):
    out = dict(a)
    for name, parts in b.items():
        if name not in out:
            out[name] = parts
        elif out[name] is None or parts is None:
            out[name] = None
        else:
            out[name] = {**out[name], **parts}
    return out


def _is_line_comment(stmt):
    if _tag(stmt)[0] != "comment":
        return False
    return stmt.value.args[0].value.startswith("line ")


def drop_empty_blocks(body):
    """Loops and branches with nothing left in them go (unless their header pops the tape)."""
    out = []
    for stmt in body:
        if isinstance(stmt, COMPOUND):
            stmt.body = drop_empty_blocks(stmt.body)
            stmt.orelse = drop_empty_blocks(stmt.orelse)
            empty = all(_is_line_comment(s) for s in stmt.body + stmt.orelse)
            if empty and not _pops(stmt.test if isinstance(stmt, (ast.If, ast.While)) else stmt.iter):
                continue
        out.append(stmt)
    return out


def drop_empty_comments(body, last=None):
    """Drop ``# line`` comments with nothing under them and repeats of the one above (or
    of the one above the enclosing block)."""
    out = []
    for k, stmt in enumerate(body):
        if isinstance(stmt, COMPOUND):
            stmt.body = drop_empty_comments(stmt.body, last) or [ast.Pass()]
            stmt.orelse = drop_empty_comments(stmt.orelse, last)
            last = None
        if _is_line_comment(stmt):
            following = body[k + 1] if k + 1 < len(body) else None
            if following is None or _tag(following)[0] == "comment" or isinstance(following, ast.Return):
                continue
            text = stmt.value.args[0].value
            if text == last:
                continue
            last = text
        out.append(stmt)
    return out


def tidy_signs(body):
    """``_Signs`` on the generated backward statements."""
    for stmt in statements(body):
        if _tag(stmt)[0] in ("accum", "set"):
            stmt.value = simplify.signs(stmt.value)
    return body


def merge_repeats(body):
    """``v = v + e`` twice in a row (as from ``d * d``) -> ``v = v + 2.0 * e``; the same
    after ``v = e``."""
    out = []
    for stmt in body:
        if isinstance(stmt, COMPOUND):
            stmt.body = merge_repeats(stmt.body)
            stmt.orelse = merge_repeats(stmt.orelse)
        elif out and _tag(stmt)[0] == "accum" and _target(stmt) == _target(out[-1]):
            term, before = _term(stmt), _term(out[-1])
            if term is not None and before is not None and same(term, before) and _target(stmt) not in _reads(term):
                doubled = ast.BinOp(left=ast.Constant(2.0), op=ast.Mult(), right=term)
                if _tag(out[-1])[0] == "set":
                    out[-1].value = doubled
                else:
                    out[-1].value.right = doubled
                continue
        out.append(stmt)
    return out


def _term(stmt):
    """What an ``accum`` adds, or what a ``set`` assigns."""
    kind = _tag(stmt)[0]
    if kind == "set":
        return stmt.value
    if kind == "accum" and isinstance(stmt.value, ast.BinOp) and isinstance(stmt.value.op, ast.Add):
        return stmt.value.right
    return None


SCATTER = "_rt.scatter"


def scatter_in_place(body):
    """``_dx = _dx + scatter(g, x, i)`` -> ``_dx = scatter_add(_dx, g, x, i)``, which adds
    into ``_dx`` itself when it can (see ``_rt.scatter_add``)."""
    for stmt in statements(body):
        term = _term(stmt) if _tag(stmt)[0] == "accum" else None
        if isinstance(term, ast.Call) and path_of(term.func) == SCATTER and len(term.args) == 3:
            func = ast.Attribute(value=term.func.value, attr="scatter_add", ctx=ast.Load())
            stmt.value = ast.Call(func=func, args=[stmt.value.left] + term.args, keywords=[])
    return body


def merge_copies(body):
    """``v = v`` goes; ``v = w`` followed by ``v = v + e`` becomes ``v = w + e``."""
    out = []
    for stmt in body:
        if isinstance(stmt, COMPOUND):
            stmt.body = merge_copies(stmt.body)
            stmt.orelse = merge_copies(stmt.orelse)
        elif _tag(stmt)[0] == "set" and isinstance(stmt.value, ast.Name) and stmt.value.id == _target(stmt):
            continue
        elif out and _tag(stmt)[0] == "accum" and _tag(out[-1])[0] == "set" and _target(stmt) == _target(out[-1]):
            copied, term = out[-1].value, _term(stmt)
            if isinstance(copied, ast.Name) and term is not None and _target(stmt) not in _reads(term):
                out[-1].value = ast.BinOp(left=copied, op=ast.Add(), right=term)
                continue
        out.append(stmt)
    return out


def free_temporaries(forward, backward, temps):
    """``backward`` with ``del _t1, _g2`` after the last of its statements that read them,
    for ``temps`` known to be large arrays, so that they do not all live until the
    function returns.
    Only at the top level: inside loops the tape's pops rebind them anyway."""
    bound = {_target(s) for s in forward + backward if isinstance(s, ast.Assign)} & temps  # surely assigned
    last = {}
    for k, stmt in enumerate(backward):
        for name in _reads(stmt) & bound:
            last[name] = k
    end = max((k for k, s in enumerate(backward) if not isinstance(s, ast.Return) and _tag(s)[0] not in ("restore", "comment")), default=-1)
    out = []
    for k, stmt in enumerate(backward):
        out.append(stmt)
        done = sorted(n for n, at in last.items() if at == k)
        if done and k < end:
            out.append(ast.Delete(targets=[ast.Name(id=n, ctx=ast.Del()) for n in done]))
    return out


def run(forward, backward, adjoints, large=frozenset(), debug=False):
    """``(forward, backward)`` optimised together (what is live flows from one into the
    other); ``adjoints``: every adjoint and cotangent temporary; ``debug``: adjoints are
    not inlined (``condense.run``)."""
    split = comment("backward")
    body = fold_zeros(forward + [split] + backward, adjoints)
    body = drop_dead_zeroing(drop_dead(body))
    body = tidy_signs(merge_repeats(scatter_in_place(merge_copies(body))))
    body = tidy_signs(condense.run(body, set(large), debug))  # again: inlining makes ``a + -b``
    body = drop_empty_comments(drop_empty_blocks(body))
    at = next(k for k, s in enumerate(body) if s is split)
    body = body[:at] + [split] + free_temporaries(body[:at], body[at + 1 :], set(large))
    body = condense.chain_inits(condense.number_in_reading_order(condense.run_records(body), set(adjoints)))
    at = next(k for k, s in enumerate(body) if s is split)
    return body[:at], body[at + 1 :]
