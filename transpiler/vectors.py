"""Short vectors of numbers, taken apart and built as a person would write their adjoints.

State vectors in simulation code are unpacked into numbers and built again from them::

    x, y, z = state
    return np.array([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])

The general backward of the unpack scatters each number's cotangent into a zero array,
one helper call per entry, and that of ``np.array`` splits the cotangent along the
nested list it was built from (so the record keeps the list and the array). For a 1-D
array of known length unpacked entry by entry, and an array built from a flat list of
numbers, the adjoints are simpler::

    if _rt.nonzero(_dz):                          ->  _dstate = np.array([_dx, _dy, _dz])
        _dstate = _rt.scatter(_dz, state, 2)
    else:
        _dstate = 0.0
    if _rt.nonzero(_dy):
        _dstate = _rt.scatter_add(_dstate, _dy, state, 1)
    ...

    _r1 = _rt.vjps.array(_dans, _ans, _t1)        ->  _r1 = _rt.entries_of(_dans, 3)

The first applies where the updates, in a row, put one cotangent at each entry
``0 .. n-1`` of an array whose shape the gradient is specialised to, ``(n,)``: a
cotangent of an entry is a number, and a zero one stands as ``0.0`` in the new array.
The second where the list is a display of numbers (``scalars.numbers_of``) assigned once.
"""

import ast

from adgen.scalars import is_number, numbers_of
from adgen.syntax import kind_of, path_of, rt_call, walk


def simplified(forward, backward, shapes):
    """``backward`` with both rewrites applied (``shapes``: the primal's ``shapes.Shapes``)."""
    lists = _number_lists(forward, shapes)
    if lists:
        tree = ast.Module(body=backward, type_ignores=[])
        made, assigned = set(), {}
        for node in walk(tree):
            if isinstance(node, ast.Assign):
                for name in (n for t in node.targets for n in walk(t) if isinstance(n, ast.Name)):
                    assigned[name.id] = assigned.get(name.id, 0) + 1
                if _is_call(node.value, "_rt.vjps.array") and _plain_array(node.value, lists) and isinstance(node.targets[0], ast.Name):
                    node.value = ast.copy_location(rt_call("entries_of", node.value.args[0], ast.Constant(lists[node.value.args[2].id])), node.value)
                    made.add(node.targets[0].id)
        entries = {name for name in made if assigned[name] == 1}  # surely an array of n entries: _rt.part(_r1, 0) -> _r1[0]
        if entries:
            backward = [_Entries(entries).visit(s) for s in backward]
    return _unpacks(backward, shapes)


class _Entries(ast.NodeTransformer):
    def __init__(self, names):
        self.names = names

    def visit_Call(self, node):
        self.generic_visit(node)
        if (_is_call(node, "_rt.part") and len(node.args) == 2 and isinstance(node.args[0], ast.Name) and node.args[0].id in self.names
                and isinstance(node.args[1], ast.Constant) and type(node.args[1].value) is int):
            return ast.copy_location(ast.Subscript(value=node.args[0], slice=node.args[1], ctx=ast.Load()), node)
        return node


def _number_lists(forward, shapes):
    """Name -> length, for the names assigned once, in ``forward``, a list display of numbers,
    and read once (by the ``np.array`` call: nothing appends to the list or stores into it)."""
    assigned, found, reads = {}, {}, {}
    for node in walk(ast.Module(body=forward, type_ignores=[])):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            reads[node.id] = reads.get(node.id, 0) + 1
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                for name in walk(target):
                    if isinstance(name, ast.Name):
                        assigned[name.id] = assigned.get(name.id, 0) + 1
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.List):
                found[node.targets[0].id] = node.value
    if not found:
        return {}
    numbers = numbers_of(forward, shapes)
    return {name: len(value.elts) for name, value in found.items()
            if assigned[name] == 1 and reads.get(name) == 1 and value.elts and all(is_number(e, numbers, shapes) for e in value.elts)}


def _plain_array(call, lists):
    """``_rt.vjps.array(g, ans, xs)`` with ``xs`` a list of numbers and no dtype given (``like=``,
    which picks the library, may be)."""
    plain = all(k.arg == "like" for k in call.keywords)
    return plain and len(call.args) == 3 and isinstance(call.args[2], ast.Name) and call.args[2].id in lists


def _is_call(node, path):
    return isinstance(node, ast.Call) and path_of(node.func) == path


# -- an array taken apart into its entries -----------------------------------------------------


def _unpacks(block, shapes):
    """``block`` (and the blocks inside it) with each run of updates that fill an array's
    adjoint entry by entry replaced by one ``np.array`` of the entries' cotangents."""
    for stmt in block:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and not isinstance(stmt, ast.FunctionDef):
                setattr(stmt, field, _unpacks(inner, shapes))
    out, k = [], 0
    while k < len(block):
        run = _run(block, k, shapes)
        if run is None:
            out.append(block[k])
            k += 1
            continue
        end, adj, cotangents = run
        made = ast.Assign(targets=[ast.Name(id=adj, ctx=ast.Store())],
                          value=ast.Call(func=ast.Attribute(value=ast.Name(id="np", ctx=ast.Load()), attr="array", ctx=ast.Load()),
                                         args=[ast.List(elts=cotangents, ctx=ast.Load())], keywords=[]))
        out.append(ast.fix_missing_locations(ast.copy_location(made, block[k])))
        k = end
    return out


def _run(block, start, shapes):
    """``(end, adjoint, cotangents in entry order)`` for the run of updates starting at
    ``block[start]`` that gives each entry of a 1-D array of known length one cotangent,
    or None."""
    first = _update(block[start], fresh=True)
    if first is None:
        return None
    adj, array, entry, g = first
    shape = shapes.names.get(array)
    if not (isinstance(shape, tuple) and len(shape) == 1):
        return None
    found = {entry: g}
    end = start + 1
    while len(found) < shape[0] and end < len(block):
        if kind_of(block[end])[0] == "comment":  # ``# line 4: x, y, z = state`` again: the new statement stands for them all
            end += 1
            continue
        step = _update(block[end], fresh=False)
        if step is None or step[0] != adj or step[1] != array or step[2] in found:
            return None
        found[step[2]] = step[3]
        end += 1
    if sorted(found) != list(range(shape[0])):
        return None
    return end, adj, [ast.Name(id=found[i], ctx=ast.Load()) for i in range(shape[0])]


def _update(stmt, fresh):
    """``(adjoint, array, entry, cotangent)`` of ``_dA = _rt.scatter(g, A, k)`` (``fresh``;
    in ``if _rt.nonzero(g):`` with ``else: _dA = 0.0``) or ``_dA = _rt.scatter_add(_dA, g, A, k)``
    (in ``if _rt.nonzero(g):`` alone), with ``g`` a name and ``k`` a literal int; else None."""
    if isinstance(stmt, ast.If):
        test = stmt.test
        if not (_is_call(test, "_rt.nonzero") and len(test.args) == 1 and isinstance(test.args[0], ast.Name) and len(stmt.body) == 1):
            return None
        found = _update(stmt.body[0], fresh)
        if found is None or found[3] != test.args[0].id:
            return None
        zeroed = len(stmt.orelse) == 1 and _zeroes(stmt.orelse[0], found[0])
        return found if (zeroed if fresh else not stmt.orelse) else None
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
        return None
    adj, call = stmt.targets[0].id, stmt.value
    path = "_rt.scatter" if fresh else "_rt.scatter_add"
    args = call.args if _is_call(call, path) and not call.keywords else []
    if not fresh:
        if not (len(args) == 4 and isinstance(args[0], ast.Name) and args[0].id == adj):
            return None
        args = args[1:]
    if len(args) != 3 or not all(isinstance(a, ast.Name) for a in args[:2]) or not (isinstance(args[2], ast.Constant) and type(args[2].value) is int):
        return None
    return adj, args[1].id, args[2].value, args[0].id


def _zeroes(stmt, adj):
    return (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == adj
            and isinstance(stmt.value, ast.Constant) and stmt.value.value == 0.0)
