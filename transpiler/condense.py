"""Condensing the gradient function's body: fewer statements, the same operations in
the same order, as a person would write them (part of ``optimize.run``).

- ``name_saved``: ``z = e`` and ``_z0 = z`` (the value kept before ``z`` is rebound) are ``_z0 = e``.
- ``propagate_copies``: ``a = b`` goes when ``a`` is read only before ``b`` changes.
- ``inline_once``: a temporary read once, by the next statement, is put in its place.
- ``inline_later``: a backward value read once, by a later statement of its block, is
  put in its place (``_dsf2 = _dK * _t3`` ... ``_dlog_sf = _dlog_sf + _dsf2 * sf2``).
- ``merge_sums``: ``v = e1`` and a later ``v = v + e2`` under one ``# line`` comment
  are one ``v = e1 + e2``, with the factors both share written once (``factor.py``).
- ``return_originals``: ``x = _x0`` just before the ``return`` goes; the return reads ``_x0``.
- ``merge_pops``: pops of the tape with nothing between that uses them are one statement.
- ``merge_pushes``: pushes of the tape with nothing between that changes what they
  record are one statement.
- ``chain_inits``: adjoints started at the same number one after the other are one
  ``_da = _db = 0.0``.
- ``number_in_reading_order``: the backward's temporaries are numbered as one reads them.

Nothing is moved past a statement that could change what it reads, and no name that
one of the runtime's in-place helpers would count is dropped.
"""

import ast
import itertools
import re

from adgen import factor
from adgen.marks import mark, marks
from adgen.names import GRAD, RESULT, TEMP
from adgen.syntax import clone, name_nodes, names_in, path_of, walk
from adgen.syntax import kind_of as _tag
from adgen.syntax import target as _target
from adgen.syntax import targets as _targets

COMPOUND = (ast.If, ast.For, ast.While)


def run(body, large=frozenset(), debug=False):
    """The statement-merging passes, in order. ``large``: temporaries ``free_temporaries``
    will free as soon as they are read for the last time (not merged across). ``debug``:
    each adjoint keeps its statement, so that the check after it names its line."""
    body = inline_once(propagate_copies(name_saved(body)))
    if not debug:
        body = inline_later(body, large)
    return return_originals(merge_sums(body, large))


def run_records(body):
    """The tape's pops and pushes merged, once the body is final."""
    return merge_pushes(merge_pops(body))


def pops(node):
    """Does ``node`` pop something?"""
    return any(isinstance(n, ast.Attribute) and n.attr == "pop" for n in walk(node))


def _reads(node):
    return names_in(node, ast.Load)


# runtime helpers that change an adjoint in place when no other name refers to it
# (``adgen.runtime.refs``): dropping or adding a name can change what they do
IN_PLACE = ("scatter_add", "zero_at", "cut_at", "drop_last", "push")
IMPURE = IN_PLACE + ("pop", "take_at")  # calls that change something (or check it) as they run


def _calls(node, which):
    return any(isinstance(n, ast.Call) and (path_of(n.func) or "").rsplit(".", 1)[-1] in which for n in walk(node))


KNOWN = ("np.", "math.", "_rt.")  # modules whose functions change nothing but what IMPURE names


def _pure(node):
    """Does evaluating ``node`` change nothing, so it may move past other statements? (Not
    when it calls a generated function, ``_bwd_f``, one of the user's rules or functions,
    or draws random numbers.)"""
    paths = [path_of(n.func) or "" for n in walk(node) if isinstance(n, ast.Call)]
    known = all(p.startswith(KNOWN) and not p.startswith("np.random.") for p in paths)
    return known and not _calls(node, IMPURE)


def _read_counts(body):
    counts = {}
    for n in name_nodes(body):
        if type(n.ctx) is ast.Load:
            counts[n.id] = counts.get(n.id, 0) + 1
    return counts


def _renamed(node, old, new):
    """``node`` with each read of the name ``old`` reading ``new``."""
    for n in name_nodes(node):
        if n.id == old and type(n.ctx) is ast.Load:
            n.id = new
    return node


def _copy(stmt):
    """``(a, b)`` for a generated ``a = b`` of two names, else None."""
    if _tag(stmt)[0] == "set" and isinstance(stmt.value, ast.Name) and _target(stmt) is not None:
        return _target(stmt), stmt.value.id
    return None


def name_saved(body):
    """A forward ``x = e`` followed by ``_x0 = x`` (which keeps the value for the backward)
    is ``_x0 = e`` when the block rebinds ``x`` further down with only plain statements
    between: their reads of ``x`` read ``_x0``, as a person would name the first value."""
    out = []
    for k, stmt in enumerate(body):
        if isinstance(stmt, COMPOUND):
            stmt.body = name_saved(stmt.body)
            stmt.orelse = name_saved(stmt.orelse)
        elif out and _named_at_birth(out[-1], stmt, body[k + 1 :]):
            continue
        out.append(stmt)
    return out


def _named_at_birth(before, save, rest):
    if _tag(save)[0] != "save" or not isinstance(save.value, ast.Name) or _target(save) is None:
        return False
    x, kept = save.value.id, _target(save)
    if _tag(before)[0] is not None or not isinstance(before, ast.Assign) or _target(before) != x:
        return False
    for end, later in enumerate(rest):
        if not isinstance(later, (ast.Assign, ast.Expr)) or _hands_in_place(later, {x, kept}):
            return False
        if any(isinstance(n, ast.Lambda) for n in walk(later)) or kept in _targets(later):
            return False  # a lambda would read ``x`` when called, after it is rebound
        if x in _targets(later):
            break
    else:
        return False
    before.targets = [ast.Name(id=kept, ctx=ast.Store())]
    for later in rest[:end]:
        _renamed(later, x, kept)
    _renamed(rest[end].value, x, kept)
    return True


def propagate_copies(body, counts=None):
    """``a = b`` goes when every read of ``a`` in the function comes after it in its block
    and before anything rebinds ``a`` or ``b`` (or the function returns): those reads
    read ``b``."""
    counts = _read_counts(body) if counts is None else counts
    out = []
    for k, stmt in enumerate(body):
        if isinstance(stmt, COMPOUND):
            stmt.body = propagate_copies(stmt.body, counts)
            stmt.orelse = propagate_copies(stmt.orelse, counts)
        pair = _copy(stmt)
        # ``_dx = _r1`` keeps the adjoint's name (``inline_once`` puts the value there)
        named = pair is not None and TEMPORARY.match(pair[1]) and not TEMPORARY.match(pair[0])
        if pair is not None and not named and _propagate(body, k + 1, *pair, counts):
            continue
        out.append(stmt)
    return out


def _propagate(body, start, a, b, counts):
    """Rename the reads of ``a`` from ``body[start]`` on to ``b`` if all of the function's
    are there, up to (the value of) the first statement rebinding ``a`` or ``b``, or up
    to the last read (what follows it may rebind either)."""
    seen, end, total = 0, None, counts.get(a, 0)
    for j in range(start, len(body)):
        stmt = body[j]
        if isinstance(stmt, ast.Return):  # the function ends: nothing rebinds either name
            seen += sum(1 for n in name_nodes(stmt) if n.id == a and type(n.ctx) is ast.Load)
            end = j
            break
        if isinstance(stmt, COMPOUND) or not isinstance(stmt, (ast.Assign, ast.Expr)) or _hands_in_place(stmt, {a, b}):
            return False
        seen += sum(1 for n in name_nodes(stmt) if n.id == a and type(n.ctx) is ast.Load)
        if {a, b} & _targets(stmt) or (seen and seen == total):
            end = j
            break
    if seen != total or (end is None and seen):
        return False
    for stmt in body[start : (end if end is not None else start) + 1]:
        if isinstance(stmt, ast.Assign):
            _renamed(stmt.value, a, b)
        else:
            _renamed(stmt, a, b)
    counts[b] = counts.get(b, 0) + seen
    counts[a] = 0
    return True


def _hands_in_place(stmt, names):
    """Does ``stmt`` pass one of ``names`` as it is to a runtime helper that counts the
    references to what it is given (``IN_PLACE``)? One name fewer could let it change
    the other's value; a name read inside an argument's expression is not counted."""
    for n in walk(stmt):
        if isinstance(n, ast.Call) and (path_of(n.func) or "").rsplit(".", 1)[-1] in IN_PLACE:
            if any(isinstance(arg, ast.Name) and arg.id in names for arg in n.args):
                return True
    return False


LONGEST = 100  # characters: a temporary is not inlined into a statement that would grow longer


def inline_once(body, counts=None):
    """``_g1 = e`` followed by a statement that reads ``_g1``, the only read of it in the
    function, becomes that statement with ``e`` in the place of ``_g1`` (if not too long)."""
    counts = _read_counts(body) if counts is None else counts
    out = []
    for stmt in body:
        if isinstance(stmt, COMPOUND):
            stmt.body = inline_once(stmt.body, counts)
            stmt.orelse = inline_once(stmt.orelse, counts)
        elif out and _inlined(out[-1], stmt, counts):
            out[-1] = stmt
            continue
        out.append(stmt)
    return out


FORWARD_TEMPORARY = re.compile(re.escape(TEMP) + r"\d+$")  # ``Names.temp``: a subexpression the forward pass kept


def _inlined(before, stmt, counts):
    """Put the value of ``before`` (a backward ``_g1 = e``, or a forward ``_t1 = e``
    nothing else reads) into ``stmt``, its only reader; ``_r1 = e`` and ``_dc = _r1``
    become ``_dc = e``."""
    name, kind = _target(before), _tag(before)[0]
    backward = kind == "set" and name is not None and TEMPORARY.match(name) is not None
    forward = kind is None and name is not None and FORWARD_TEMPORARY.match(name)
    if not (backward or forward) or counts.get(name) != 1:
        return False
    if backward and _copy(stmt) is not None and _copy(stmt)[1] == name:
        stmt.value = before.value
        return True
    readers = ("set", "accum") if backward else (None,)
    if not (isinstance(stmt, ast.Assign) and _tag(stmt)[0] in readers) or not (_pure(before.value) and _pure(stmt.value)):
        return False
    uses = [n for n in name_nodes(stmt.value) if n.id == name and type(n.ctx) is ast.Load]
    if len(uses) != 1 or len(ast.unparse(stmt)) + len(ast.unparse(before.value)) - len(name) > LONGEST:
        return False
    stmt.value = clone(stmt.value, {name: before.value})
    return True


def inline_later(body, large=frozenset(), counts=None):
    """A backward ``v = e`` whose only read in the function is in a later assignment of
    its block becomes that read, when nothing between rebinds ``v`` or what ``e`` reads
    or changes anything (each is pure), and ``e`` is pure: the same value, computed later. Not
    where ``e`` reads one of the ``large`` temporaries (they would live longer)."""
    counts = _read_counts(body) if counts is None else counts
    out = []
    for k, stmt in enumerate(body):
        if isinstance(stmt, COMPOUND):
            stmt.body = inline_later(stmt.body, large, counts)
            stmt.orelse = inline_later(stmt.orelse, large, counts)
        elif _sunk(body, k, large, counts):
            continue
        out.append(stmt)
    return out


def _sunk(body, k, large, counts):
    """Put the value of ``body[k]`` into its one reader further down ``body``; done?"""
    stmt, name = body[k], _target(body[k])
    if _tag(stmt)[0] != "set" or name is None or counts.get(name) != 1 or not _pure(stmt.value):
        return False
    reads = _reads(stmt.value)
    if reads & large:
        return False
    for later in body[k + 1 :]:
        if _tag(later)[0] == "comment":
            continue
        if not isinstance(later, (ast.Assign, ast.Expr)) or not _pure(later.value):
            return False  # it could change what ``e`` reads
        if name in _reads(later):
            uses = [n for n in name_nodes(later) if n.id == name and type(n.ctx) is ast.Load]
            if not (_tag(later)[0] in ("set", "accum") and _pure(later.value) and len(uses) == 1):
                return False
            if len(ast.unparse(later)) + len(ast.unparse(stmt.value)) - len(name) > LONGEST:
                return False
            later.value = clone(later.value, {name: stmt.value})
            return True
        if _targets(later) & (reads | {name}):
            return False
    return False


def merge_sums(body, large=frozenset()):
    """``v = e1`` (or ``v = v + e1``) and a later ``v = v + e2`` (or ``- e2``) under the same
    ``# line`` comment become ``v = e1 + e2`` when the statements between neither read
    ``v`` nor rebind what ``e2`` reads: the same operations, in the same order, but that
    factors both products share are multiplied once. Not where either reads one of the
    ``large`` temporaries, which ``free_temporaries`` frees between, unless factors are
    shared (one product of the result's size fewer)."""
    out = []
    for stmt in body:
        if isinstance(stmt, COMPOUND):
            stmt.body = merge_sums(stmt.body, large)
            stmt.orelse = merge_sums(stmt.orelse, large)
        elif _merged(out, stmt, large):
            continue
        out.append(stmt)
    return out


def _merged(out, stmt, large):
    value, name = stmt.value if isinstance(stmt, ast.Assign) else None, _target(stmt)
    if _tag(stmt)[0] != "accum" or not (isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub))):
        return False
    if not (isinstance(value.left, ast.Name) and value.left.id == name) or not _pure(value.right):
        return False
    reads = _reads(value.right)
    if name in reads:
        return False
    for before in reversed(out):
        if not isinstance(before, ast.Assign) or _tag(before)[0] == "comment":
            return False
        if name in _targets(before):
            if _tag(before)[0] not in ("set", "accum") or _target(before) != name:
                return False
            merged = _factored_sum(before.value, value.op, value.right, name)
            if merged is None and (reads | _reads(before.value)) & large:
                return False  # the shared factors computed once make up for the larger temporaries kept
            before.value = merged or ast.BinOp(left=before.value, op=value.op, right=value.right)
            return True
        if name in _reads(before) or _targets(before) & reads:
            return False
    return False


def _factored_sum(earlier, op, later, name):
    """``earlier op later`` with shared factors written once (``factor.py``), ``earlier``
    a value of ``name`` or ``name + e``; None when none is shared."""
    accum = isinstance(earlier, ast.BinOp) and isinstance(earlier.op, ast.Add)
    if accum and isinstance(earlier.left, ast.Name) and earlier.left.id == name:
        part = factor.factored(earlier.right, op, later)
        return None if part is None else ast.BinOp(left=earlier.left, op=ast.Add(), right=part)
    return factor.factored(earlier, op, later)


def return_originals(body):
    """``x = _x0`` (putting back a parameter the function rebound) right before the
    ``return``: the return reads ``_x0`` itself."""
    while len(body) >= 2 and isinstance(body[-1], ast.Return) and _tag(body[-2])[0] == "restore":
        restore = body[-2]
        if not (isinstance(restore.value, ast.Name) and _target(restore) is not None):
            break
        _renamed(body[-1], _target(restore), restore.value.id)
        del body[-2]
    return body


def merge_pops(body):
    """A tape's pop joins the one before it, ``r, d = _tape.pop(), _tape.pop()``, when the
    statements between (``# line`` comments included) neither use its names nor the tape:
    the same pops in the same order (if not too long)."""
    out = []
    for stmt in body:
        if isinstance(stmt, COMPOUND):
            stmt.body = merge_pops(stmt.body)
            stmt.orelse = merge_pops(stmt.orelse)
        elif _single_pop(stmt):
            at = _earlier_pop(out, stmt)
            if at is not None:
                before = out[at]
                names = before.targets[0].elts if isinstance(before.targets[0], ast.Tuple) else [before.targets[0]]
                calls = before.value.elts if isinstance(before.value, ast.Tuple) else [before.value]
                targets = [ast.Tuple(elts=names + stmt.targets, ctx=ast.Store())]
                merged = ast.Assign(targets=targets, value=ast.Tuple(elts=calls + [stmt.value], ctx=ast.Load()), type_comment=None)
                kind, via = _tag(before)
                mark(ast.copy_location(merged, before), kind=kind, via=via)  # its kind, no other fact
                if len(ast.unparse(merged)) <= LONGEST:
                    out[at] = merged
                    continue
        out.append(stmt)
    return out


def _earlier_pop(out, stmt):
    """The index in ``out`` of the pop that ``stmt``, a pop, may join, or None."""
    tape, names = _reads(stmt.value), _targets(stmt)
    for at in range(len(out) - 1, -1, -1):
        before = out[at]
        if _tag(before)[0] == "pop" and (_single_pop(before) or isinstance(before.value, ast.Tuple)):
            return at if not names & names_in(before) else None
        if isinstance(before, COMPOUND) or pops(before) or (tape | names) & names_in(before):
            return None
    return None


def merge_pushes(body, tape=None):
    """``_tape.push(a)`` and a later ``_tape.push(b)`` become ``_tape.extend((a, b))``
    where the first can move down and the second up to meet (``_meeting``): the same
    values recorded in the same order (if not too long; not on a debug tape, whose
    pushes carry a tag each)."""
    if tape is None:
        tape = next((_target(s) for s in body if isinstance(s, ast.Assign) and isinstance(s.value, ast.Call) and path_of(s.value.func) == "_rt.Tape"), None)
        if tape is None:
            return body
    out = []
    for stmt in body:
        if isinstance(stmt, COMPOUND):
            stmt.body = merge_pushes(stmt.body, tape)
            stmt.orelse = merge_pushes(stmt.orelse, tape)
        elif _recorded(stmt, tape, "push"):
            found = _meeting(out, stmt, tape)
            if found is not None:
                at, place = found
                func = ast.Attribute(value=ast.Name(id=tape, ctx=ast.Load()), attr="extend", ctx=ast.Load())
                values = ast.Tuple(elts=_values(out[at]) + stmt.value.args, ctx=ast.Load())
                merged = ast.copy_location(ast.Expr(ast.Call(func=func, args=[values], keywords=[])), out[at])
                if len(ast.unparse(merged)) <= LONGEST:
                    out.insert(place, merged)
                    del out[at]
                    continue
        out.append(stmt)
    return out


def _meeting(out, stmt, tape):
    """``(at, place)``: the push (or extend) ``out[at]`` that the push ``stmt`` after
    ``out`` may join, and the place in ``out`` where both can meet; else None. The
    statements between are pure and leave the tape alone; each push moves only past
    statements that rebind nothing it records (so it records the same objects)."""
    for at in range(len(out) - 1, -1, -1):
        before = out[at]
        if _recorded(before, tape, "push") or _recorded(before, tape, "extend"):
            between = out[at + 1 :]
            up = len(between)  # how far up ``stmt`` may move
            while up and _may_pass(stmt, stmt.value.args, between[up - 1]):
                up -= 1
            down = 0  # how far down ``before`` may move
            while down < len(between) and _may_pass(before, _values(before), between[down]):
                down += 1
            return (at, at + 1 + down) if up <= down else None  # as late as both can be
        if not (isinstance(before, ast.Assign) and _pure(before.value)) or tape in names_in(before):
            return None
    return None


def _may_pass(push, values, stmt):
    """May ``push`` (recording ``values``) move past ``stmt``: it rebinds nothing the push
    reads, and a store into an array only where the push records arrays or shapes (a
    recorded ``x[0]`` would read it changed)?"""
    if _targets(stmt) & _reads(push.value):
        return False
    return all(_names_only(t) for t in stmt.targets) or all(_reference(v) for v in values)


def _values(push):
    """What a ``push(v)`` or ``extend((a, b))`` records."""
    return push.value.args if push.value.func.attr == "push" else push.value.args[0].elts


def _reference(value):
    """Is a recorded ``value`` an array itself or its shape, the same object (or shape) if
    recorded after a store into the array?"""
    if isinstance(value, ast.Call) and path_of(value.func) == "np.shape" and len(value.args) == 1:
        value = value.args[0]
    return isinstance(value, ast.Name)


def _names_only(target):
    return isinstance(target, ast.Name) or (isinstance(target, ast.Tuple) and all(_names_only(e) for e in target.elts))


def _recorded(stmt, tape, method):
    """Is ``stmt`` ``<tape>.push(value)`` (``method``: or ``<tape>.extend((...))``)?"""
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    if not (isinstance(call, ast.Call) and path_of(call.func) == f"{tape}.{method}" and len(call.args) == 1 and not call.keywords):
        return False
    return method == "push" or isinstance(call.args[0], ast.Tuple)


def _single_pop(stmt):
    """A tape's ``name = _tape.pop(...)`` (not a list's restore)."""
    return _tag(stmt)[0] == "pop" and _target(stmt) is not None and not marks(stmt).restore and pops(stmt.value)


def chain_inits(body):
    """``_da = 0.0`` and ``_db = 0.0`` one after the other become ``_da = _db = 0.0``: a
    number is immutable, so the names may share it (each is rebound, never changed in
    place). Last of the passes: the others read one target per assignment."""
    out = []
    for stmt in body:
        if isinstance(stmt, COMPOUND):
            stmt.body = chain_inits(stmt.body)
            stmt.orelse = chain_inits(stmt.orelse)
        elif out and _number_init(stmt) and _number_init(out[-1]) and _same_number(stmt.value, out[-1].value):
            out[-1].targets.append(stmt.targets[0])
            continue
        out.append(stmt)
    return out


def _number_init(stmt):
    return _tag(stmt)[0] == "init" and isinstance(stmt.value, ast.Constant) and type(stmt.value.value) in (int, float)


def _same_number(a, b):
    return type(a.value) is type(b.value) and a.value == b.value


TEMPORARY = re.compile(f"({re.escape(GRAD)}|{re.escape(RESULT)})(\\d+)$")  # the backward's temporaries: ``_g1``, ``_r1``


def number_in_reading_order(body, generated):
    """Rename the backward's temporaries ``_g<n>`` (and ``_r<n>``) among themselves so
    that their numbers rise in the order they are first seen: ``_g1, _g2, ...`` as one
    reads, not in the order reversal made them. ``generated``: the names the transform
    made (the user's own ``_g1`` is never renamed, nor taken: a number the function
    reads or binds otherwise is skipped)."""
    first, taken = {}, set()
    for node in _in_order(body):
        if type(node) is ast.Name:
            taken.add(node.id)
            if node.id in generated and TEMPORARY.match(node.id):
                first.setdefault(TEMPORARY.match(node.id).group(1), {}).setdefault(node.id, None)
    renames = {}
    for prefix, seen in first.items():
        free = (f"{prefix}{k}" for k in itertools.count(1) if f"{prefix}{k}" in seen or f"{prefix}{k}" not in taken)
        renames.update((old, new) for old, new in zip(seen, free) if old != new)
    nodes = {id(n): n for n in name_nodes(body)}  # a node may stand in two places: rename it once
    for n in nodes.values():
        n.id = renames.get(n.id, n.id)
    return body


def _in_order(node):
    """The nodes of ``node`` (or of a list of them), depth first, in source order."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, ast.AST):
            yield item
            stack.extend(reversed(list(ast.iter_child_nodes(item))))
