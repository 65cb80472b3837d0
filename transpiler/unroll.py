"""Loops over a sequence of objects of several classes, unrolled: ``for act in ACTIVATIONS:
x = act(x)`` with ``ACTIVATIONS = [LeakyReLU(0.2), Sigmoid()]``, ``for f in [np.sin, np.cos]``.

Which method ``act(x)`` runs depends on the class of the item, and one loop body cannot
call a different function on each trip. When the transform knows the sequence (a global,
a closure variable, an attribute of an object it knows, a list or tuple display of the
function's: ``instances.Samples``) and its items are not all of one structure, the loop
(``for _k1 in range(len(S)): act = S[_k1]; ...`` after ``structure.py``) becomes one copy
of its body per item, each reading its item by a constant index under a name of its own
(``act = S[0]`` ... ``act_1 = S[1]`` ...), so that each copy resolves its calls through its
own item's class. The length and the classes are part of the structure the gradient is
specialised to (``instances.structure``): another length or class makes it again.

Names each trip binds before reading them (the item, temporaries) get a name of their
own in each copy unless they are read after the loop; the index becomes a constant. A
loop that cannot be unrolled this way (a ``break`` or ``return`` in it, its index read
after it, more than ``LIMIT`` items) stays as it is, and a call through its item is
refused (AD218) as before.
"""

import ast

from adgen import instances
from adgen.syntax import clone, names_in, walk

LIMIT = 32  # longer sequences are not unrolled


def run(body, samples, names):
    """``body`` with the loops over sequences of mixed objects unrolled (and whether any was)."""
    changed = False

    def visit(stmts):
        nonlocal changed
        out = []
        for stmt in stmts:
            for field in ("body", "orelse"):
                if isinstance(stmt, (ast.If, ast.For, ast.While)):
                    setattr(stmt, field, visit(getattr(stmt, field)))
            copies = _unrolled(stmt, samples, names, body) if isinstance(stmt, ast.For) else None
            changed |= copies is not None
            out.extend(copies if copies is not None else [stmt])
        return out

    body = visit(body)
    return body, changed


def _unrolled(loop, samples, names, function_body):
    """The copies of ``loop``'s body, one per item of the sequence it counts through, or None."""
    seq = _counted(loop)
    items = samples.of(seq) if seq is not None else None
    if not _dispatched(items):
        return None
    index = loop.target.id
    if any(isinstance(n, (ast.Break, ast.Continue, ast.Return)) for s in loop.body for n in walk(s)) or index in names_in(loop.body, ast.Store):
        return None
    inside = {id(n) for n in walk(loop)}
    outside = {n.id for s in function_body for n in walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and id(n) not in inside}
    if index in outside:  # read after the loop: it would not be bound
        return None
    own = [v for v in _per_trip(loop.body) if v not in outside]
    copies = []
    for k in range(len(items)):
        copy = clone(loop.body, {index: ast.copy_location(ast.Constant(k), loop)})
        renames = {v: names.fresh(v) for v in own} if k else {}
        for node in (n for s in copy for n in walk(s)):
            if isinstance(node, ast.Name) and node.id in renames:
                node.id = renames[node.id]
        copies.extend(copy)
    return copies


def _dispatched(items):
    """Do the items of ``items`` call different functions: objects of the user's of several
    structures, or different functions (``[np.sin, np.cos]``)?"""
    if not isinstance(items, (list, tuple)) or not 1 < len(items) <= LIMIT:
        return False
    callables = all(instances.is_object(v) or (callable(v) and not isinstance(v, type)) for v in items)
    return callables and len({instances.structure(v) for v in items}) > 1


def _counted(loop):
    """``sequence`` for ``for i in range(len(sequence)): ...`` (what ``structure.py`` makes
    of ``for item in sequence``), else None."""
    it = loop.iter
    if loop.orelse or not isinstance(loop.target, ast.Name) or not _is_call(it, "range", 1) or not _is_call(it.args[0], "len", 1):
        return None
    return it.args[0].args[0]


def _per_trip(body):
    """Names each trip of a loop with ``body`` binds before it reads them (``layer =
    layers[i]``): a copy of the body may have them to itself."""
    read, found = set(), []
    for stmt in body:
        simple = isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
        read |= names_in(stmt.value if simple else stmt, ast.Load)
        if simple and stmt.targets[0].id not in read and stmt.targets[0].id not in found:
            found.append(stmt.targets[0].id)
    stored_deeper = names_in([s for s in body if not isinstance(s, ast.Assign)], ast.Store)
    return [v for v in found if v not in stored_deeper]


def _is_call(node, name, count):
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name and len(node.args) == count and not node.keywords
