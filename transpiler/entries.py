"""Adjoints of arrays updated entry by entry, written as a person would: in place.

A loop reading ``R[i - 1, j]`` and storing ``R[i, j] = v`` gets, per entry, a cotangent
added into ``_dR`` and one taken out of it. The runtime's helpers do that for any
adjoint (``_rt.scatter_add``, ``_rt.cut_at``: they copy one shared with another name,
materialise a zero, check the index), at a microsecond a call. Where the gradient
itself shows that an adjoint is an array of its own, the helpers are not needed::

    _dD = 0.0                                     ->  _dD = _rt.zeros_for(D)
    _dR = _rt.scatter_add(_dR, g, R, (i, j - 1))  ->  _dR[i, j - 1] += g
    _g1, _dR = _rt.cut_at(_dR, R, (i, j))         ->  _g1 = _dR[i, j]
                                                      _dR[i, j] = 0.0

An adjoint ``_dR`` qualifies when every value assigned to it is a fresh array
(``_rt.scatter(...)``; ``0.0`` at the top of the backward pass, which becomes
``_rt.zeros_for(R)``) or the adjoint itself updated by those helpers, all for one array
``R`` of known shape, and nothing else reads it but those helpers and the ``return``
(so no other name can share its array). The index must pick each entry once: numbers
(``i``, ``j - 1``) and slices. ``cut_at`` also checks that a value stored into ``R`` is
not truncated to an integer: it is replaced only where ``R`` is surely a float array
(made by ``np.zeros``/``np.ones``/``np.empty`` or ``np.full`` with a float).
"""

import ast

from adgen.marks import mark, marks
from adgen.scalars import is_number, numbers_of
from adgen.syntax import path_of, rt_call, walk

_HELPERS = ("_rt.scatter_add", "_rt.cut_at")
_FLOAT_MAKERS = ("np.zeros", "np.ones", "np.empty")


def in_place(forward, backward, shapes):
    """``backward`` with the qualifying adjoints updated in place (``shapes``: the primal's
    ``shapes.Shapes``)."""
    found = _qualifying(backward, shapes)
    numbers = numbers_of(forward + backward, shapes) if found else set()
    for adj, array in found:
        floats = _float_array(array, forward, shapes)
        backward = [_rewritten(s, adj, array, floats, numbers, shapes, top=True) for s in backward]
        backward = [s for stmts in backward for s in stmts]
    return backward


def _qualifying(backward, shapes):
    """``[(adjoint, array)]`` of the adjoints updated in place safely (see the docstring)."""
    tree = ast.Module(body=backward, type_ignores=[])
    arrays, given = {}, set()  # adjoint -> the arrays its helpers name; the reads of adjoints they take
    for node in walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and path_of(node.value.func) in _HELPERS:
            call = node.value
            first, array = call.args[0], call.args[1 if path_of(call.func) == "_rt.cut_at" else 2]
            if isinstance(first, ast.Name) and _updates(node, first.id):
                arrays.setdefault(first.id, set()).add(array.id if isinstance(array, ast.Name) else None)
                given.add(id(first))
    if not arrays:
        return []
    returned = {id(n) for r in walk(tree) if isinstance(r, ast.Return) for n in walk(r)}  # ``_rt.as_grad(_dx, x)`` may read it
    other = {n.id for n in walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and id(n) not in given | returned}
    found = []
    for adj, named in sorted(arrays.items()):
        if len(named) != 1 or None in named or adj in other:
            continue
        array = next(iter(named))
        shape = shapes.names.get(array)
        if isinstance(shape, tuple) and shape and _assigned_fresh(backward, adj):
            found.append((adj, array))
    return found


def _updates(stmt, adj):
    """Does the helper call ``stmt`` assigns give its result back to ``adj`` alone
    (``_dR = scatter_add(_dR, ...)``, ``_g, _dR = cut_at(_dR, ...)``)?"""
    if len(stmt.targets) != 1:
        return False
    (target,) = stmt.targets
    if isinstance(target, ast.Tuple):
        return len(target.elts) == 2 and isinstance(target.elts[1], ast.Name) and target.elts[1].id == adj and path_of(stmt.value.func) == "_rt.cut_at"
    return isinstance(target, ast.Name) and target.id == adj and path_of(stmt.value.func) == "_rt.scatter_add"


def _assigned_fresh(backward, adj):
    """Is every value assigned to ``adj`` a fresh array, or ``adj`` through a helper?"""
    for node in walk(ast.Module(body=backward, type_ignores=[])):
        if not isinstance(node, ast.Assign):
            continue
        targets = [n.id for t in node.targets for n in walk(t) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
        if adj not in targets:
            continue
        path = path_of(node.value.func) if isinstance(node.value, ast.Call) else None
        if path == "_rt.scatter" or (path in _HELPERS and _updates(node, adj)):
            continue
        if isinstance(node.value, ast.Constant) and node.value.value == 0.0 and any(node is s for s in backward) and all(
            isinstance(t, ast.Name) for t in node.targets
        ):
            continue  # a zero at the top of the backward (``_dD = 0.0``, ``_dW = _dD = 0.0``): made an array of its own
        return False
    return True


def _float_array(array, forward, shapes):
    """Is ``array`` surely a float array (every value assigned to it made by NumPy as one)?"""
    values = [node.value for node in walk(ast.Module(body=forward, type_ignores=[]))
              if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == array for t in node.targets)]
    if array in shapes.params or not values:
        return False
    return all(_makes_floats(v) for v in values)


def _makes_floats(value):
    if not isinstance(value, ast.Call) or any(k.arg == "dtype" for k in value.keywords):
        return False
    path = path_of(value.func)
    if path in _FLOAT_MAKERS:
        return True
    if path == "np.full" and len(value.args) == 2:
        fill = value.args[1]
        return (isinstance(fill, ast.Constant) and type(fill.value) is float) or path_of(fill) in ("np.inf", "np.nan")
    return False


def _rewritten(stmt, adj, array, floats, numbers, shapes, top=False):
    """``[stmt]``, or what replaces it, with the blocks inside it rewritten too."""
    for field in ("body", "orelse"):
        block = getattr(stmt, field, None)
        if isinstance(block, list) and not isinstance(stmt, ast.FunctionDef):
            setattr(stmt, field, [s for inner in block for s in _rewritten(inner, adj, array, floats, numbers, shapes)])
    if not isinstance(stmt, ast.Assign):
        return [stmt]
    names = [t for t in stmt.targets if isinstance(t, ast.Name)]
    if top and isinstance(stmt.value, ast.Constant) and len(names) == len(stmt.targets) and adj in [t.id for t in names]:
        zeros = ast.Assign(targets=[ast.Name(id=adj, ctx=ast.Store())], value=rt_call("zeros_for", ast.Name(id=array, ctx=ast.Load())))
        rest = [t for t in names if t.id != adj]  # ``_dW = _dD = 0.0``: the others stay zeros
        return ([_at(ast.Assign(targets=rest, value=stmt.value), stmt)] if rest else []) + [_at(zeros, stmt)]
    if len(stmt.targets) != 1:
        return [stmt]
    target, value = stmt.targets[0], stmt.value
    path = path_of(value.func) if isinstance(value, ast.Call) else None
    if path == "_rt.scatter_add" and isinstance(target, ast.Name) and target.id == adj and _once(value.args[3], numbers, shapes):
        add = ast.AugAssign(target=_entry(adj, value.args[3], ast.Store()), op=ast.Add(), value=value.args[1])
        return [_at(add, stmt)]
    if path == "_rt.cut_at" and floats and isinstance(target, ast.Tuple) and _element(value.args[2], numbers, shapes):
        part = target.elts[0]
        read = ast.Assign(targets=[part], value=_entry(adj, value.args[2], ast.Load()))
        zero = ast.Assign(targets=[_entry(adj, value.args[2], ast.Store())], value=ast.Constant(0.0))
        return [_at(read, stmt), _at(zero, stmt)]
    return [stmt]


def _parts(index):
    return index.elts if isinstance(index, ast.Tuple) else [index]


def _element(index, numbers, shapes):
    """Does ``index`` pick one entry (every part a number)?"""
    return all(is_number(p, numbers, shapes) for p in _parts(index))


def _once(index, numbers, shapes):
    """Does ``index`` pick each entry at most once (numbers and slices)?"""
    return all(isinstance(p, ast.Slice) or is_number(p, numbers, shapes) for p in _parts(index))


def _entry(adj, index, ctx):
    return ast.Subscript(value=ast.Name(id=adj, ctx=ast.Load()), slice=index, ctx=ctx)


def _at(new, old):
    """``new`` where ``old`` was, with its marks (its kind: ``syntax.tag``)."""
    found = marks(old)
    mark(new, kind=found.kind, via=found.via)
    return ast.fix_missing_locations(ast.copy_location(new, old))
