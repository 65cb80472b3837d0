"""Stores written in one assignment that ``inplace`` takes one at a time, each into a
named array (``y[index] = v``). Two rewrites keep the user's positions:

- ``split`` (before ``normalize``): several targets in one assignment, in the order
  Python assigns them, through temporaries:
  ``means[t], covs[t] = predict(m, P)`` -> ``_t1, _t2 = predict(m, P)`` /
  ``means[t] = _t1`` / ``covs[t] = _t2``; ``m, covs[t] = e`` -> ``m, _t1 = e`` /
  ``covs[t] = _t1`` (a name is bound with the others unless a store before it
  reads it); ``a[0] = b[0] = e`` -> ``_t1 = e`` / ``a[0] = _t1`` / ``b[0] = _t1``.
  ``a[i][j] += v`` evaluates each index once, as Python does.
- ``chains`` (on the qualified body): a chained store into an array, ``a[i][j] = v``
  -> ``a[_rt.chained_index(np.shape(a), i, j)] = v`` (also in the read of
  ``a[i][j] = a[i][j] + v``). The run-time index picks the entries ``a[i][j]`` picks,
  in the same layout, when ``a[i]`` is a view of ``a`` (a basic ``i``: integers,
  slices); an ``i`` that makes a copy, whose store NumPy drops, is refused: AD217
  when it shows in the source (a list, a mask), AD419 when the gradient runs.
  A store into an item of a list (or dict) ``xs[k][j] = v`` is refused (AD217).
"""

import ast

from adgen import errors
from adgen.normalize import reads_only_names, slice_value
from adgen.syntax import at, call, clone, names_in, walk


def _name(id, ctx, where):
    return at(ast.Name(id=id, ctx=ctx), where)


def _assign(target, value, where):
    return at(ast.Assign(targets=[target], value=value), where)


def chain_of(target):
    """``(name, [index, ...])`` for a store target ``a[i][j]...`` (two indices or more), else None."""
    indices = []
    while isinstance(target, ast.Subscript):
        indices.insert(0, target.slice)
        target = target.value
    if isinstance(target, ast.Name) and len(indices) >= 2:
        return target.id, indices
    return None


def _base(target):
    while isinstance(target, ast.Subscript):
        target = target.value
    return target


# -- split ---------------------------------------------------------------------------


def split(body, names):
    out = []
    for stmt in body:
        if isinstance(stmt, ast.Assign) and _has_stores(stmt):
            out.extend(_split_assign(stmt, names))
        elif isinstance(stmt, ast.AugAssign) and chain_of(stmt.target):
            out.extend(_once(stmt, names))
        else:
            out.append(stmt)
    return out


def _has_stores(stmt):
    """Several targets or a tuple target, with a subscript among them (no starred target:
    ``check`` refuses it)."""
    targets = stmt.targets
    if any(isinstance(n, ast.Starred) for t in targets for n in walk(t)):
        return False
    if len(targets) == 1 and not isinstance(targets[0], (ast.Tuple, ast.List)):
        return False
    return any(isinstance(n, ast.Subscript) for t in targets for n in _leaves(t))


def _leaves(target):
    if isinstance(target, (ast.Tuple, ast.List)):
        return [leaf for elt in target.elts for leaf in _leaves(elt)]
    return [target]


def _split_assign(stmt, names):
    value = stmt.value
    if len(stmt.targets) > 1:  # a = b[0] = e: e once, then each target in order
        temp = names.temp()
        out = [_assign(_name(temp, ast.Store(), stmt), value, stmt)]
        for target in stmt.targets:
            out.extend(_split_assign(_assign(target, _name(temp, ast.Load(), stmt), stmt), names))
        return out
    if not isinstance(stmt.targets[0], (ast.Tuple, ast.List)):
        return [stmt]
    later = []  # (target, temporary) in the order Python assigns them
    read = set()  # names that stores earlier in that order read

    def replace(target):
        if isinstance(target, (ast.Tuple, ast.List)):
            return at(type(target)(elts=[replace(e) for e in target.elts], ctx=ast.Store()), target)
        if isinstance(target, ast.Name) and target.id not in read:
            return target
        read.update(names_in(target, ast.Load))
        temp = names.temp()
        later.append((target, temp))
        return _name(temp, ast.Store(), target)

    out = [_assign(replace(stmt.targets[0]), value, stmt)]
    out.extend(_assign(target, _name(temp, ast.Load(), target), stmt) for target, temp in later)
    return out


def _once(stmt, names):
    """``a[i][j] += v`` with each index that is not cheap to repeat in a temporary."""
    out = []
    target = stmt.target
    node = target
    while isinstance(node, ast.Subscript):
        if not reads_only_names(node.slice):
            temp = names.temp()
            out.insert(0, _assign(_name(temp, ast.Store(), node), slice_value(node.slice), stmt))
            node.slice = _name(temp, ast.Load(), node)
        node = node.value
    return out + [stmt]


# -- chains --------------------------------------------------------------------------


def chains(body, names, diags, lists=None, ints=None):
    """``body`` with each chained store into an array written as one store. ``lists``:
    the names that may hold a list or dict (AD217 for a store into their items);
    ``ints``: names that surely hold integers (the variables of ``range`` loops)."""
    lists = containers(body) if lists is None else lists
    ints = range_variables(body) if ints is None else ints
    out = []
    for stmt in body:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if type(inner) is list:
                setattr(stmt, field, chains(inner, names, diags, lists, ints))
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) else None
        if isinstance(target, ast.Subscript) and not isinstance(_base(target), ast.Name):
            base = _base(target)  # a global, qualified: ``mod.G``
            what = base.attr if isinstance(base, ast.Attribute) else ast.unparse(base)
            diags.report(target, errors.AD305_GLOBAL, name=what)
            out.append(at(ast.Pass(), stmt))
        elif isinstance(stmt, ast.Assign) and chain_of(target):
            out.extend(_one_store(stmt, names, diags, lists, ints))
        else:
            out.append(stmt)
    return out


def containers(body):
    """The names ``body`` binds to a list, tuple or dict (a literal, a comprehension,
    ``list(...)``, ...) or changes as a list (``xs.append(v)``)."""
    found = set()
    copies = []  # (name, name it is bound to)
    for node in walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            if _makes_container(node.value):
                found.add(node.targets[0].id)
            elif isinstance(node.value, ast.Name):
                copies.append((node.targets[0].id, node.value.id))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            if node.func.attr in ("append", "extend", "pop", "insert"):
                found.add(node.func.value.id)
    while any(b in found and a not in found for a, b in copies):  # ys = _l1, a comprehension's list
        found |= {a for a, b in copies if b in found}
    return found


def _makes_container(value):
    """A list, tuple or dict display or comprehension, ``list(...)``, ``dict(...)``,
    ``tuple(...)``, or ``[...] * n``."""
    if isinstance(value, (ast.List, ast.Tuple, ast.Dict, ast.ListComp, ast.DictComp)):
        return True
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mult):
        return isinstance(value.left, (ast.List, ast.Tuple)) or isinstance(value.right, (ast.List, ast.Tuple))
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("list", "dict", "tuple")


def _one_store(stmt, names, diags, lists, ints):
    target = stmt.targets[0]
    name, indices = chain_of(target)
    if name in lists:
        return _into_item(stmt, names, diags, lists, ints)
    for index in indices[:-1]:
        bad = _advanced(index)
        if bad is not None:
            diags.report(bad, errors.AD217_ADVANCED_INDEX, name=name)
            return [at(ast.Pass(), stmt)]  # refused: the diagnostic stops the transform
    head = [p for i in indices[:-1] for p in _parts(i)]
    last = _parts(indices[-1])
    if all(_is_int(p, ints) for p in head) and all(_is_basic(p, ints) for p in last):
        index = ast.Tuple(elts=[clone(p) for p in head + last], ctx=ast.Load())  # a[i][j] is a[i, j]
        pre = []
    else:
        chained = call("_rt.chained_index", call("np.shape", ast.Name(id=name, ctx=ast.Load())), *[slice_value(clone(i)) for i in indices])
        temp = names.temp()
        pre = [_assign(_name(temp, ast.Store(), target), chained, stmt)]
        index = _name(temp, ast.Load(), target)
    new = ast.Subscript(value=ast.Name(id=name, ctx=ast.Load()), slice=index, ctx=ast.Store())
    through = ast.Subscript(value=ast.Name(id=name, ctx=ast.Load()), slice=index, ctx=ast.Load())  # a[i][j] read as a[index]
    value = _StoredReads(target, lambda node: clone(through)).visit(stmt.value)
    return pre + [at(ast.Assign(targets=[at(new, target)], value=value), stmt)]


def _into_item(stmt, names, diags, lists, ints):
    """``xs[k][j] = v`` for a list or dict ``xs``: ``_t1 = xs[k].copy()`` /
    ``_t1[j] = v`` / ``xs = _rt.with_item(xs, k, _t1)`` (``runtime/items.py``); a key
    that is not a name or a literal is evaluated once, first."""
    target = stmt.targets[0]
    name, indices = chain_of(target)
    pre = []
    key = indices[0]
    if isinstance(key, ast.Slice) or (isinstance(key, ast.Tuple) and any(isinstance(p, ast.Slice) for p in key.elts)):
        diags.report(target, errors.AD217_LIST_SLICE, name=name)
        return [at(ast.Pass(), stmt)]  # refused: the diagnostic stops the transform
    if not reads_only_names(key):
        temp = names.temp()
        pre.append(_assign(_name(temp, ast.Store(), target), slice_value(clone(key)), stmt))
        key = _name(temp, ast.Load(), target)
    item = names.temp()
    read = ast.Subscript(value=ast.Name(id=name, ctx=ast.Load()), slice=clone(key), ctx=ast.Load())
    if len(indices) > 2:  # the item is indexed by a chain: an array, checked when it runs
        copied = call("_rt.array_copy", read)
    else:
        copied = ast.Call(func=ast.Attribute(value=read, attr="copy", ctx=ast.Load()), args=[], keywords=[])
    pre.append(_assign(_name(item, ast.Store(), target), copied, stmt))
    rest = at(ast.Name(id=item, ctx=ast.Load()), target)
    for index in indices[1:]:
        rest = at(ast.Subscript(value=rest, slice=clone(index), ctx=ast.Load()), target)
    rest.ctx = ast.Store()
    value = _StoredReads(target, lambda node: _read_in_item(node, item)).visit(stmt.value)
    store = at(ast.Assign(targets=[rest], value=value), stmt)
    stored = _one_store(store, names, diags, lists, ints) if chain_of(rest) else [store]
    put = call("_rt.with_item", ast.Name(id=name, ctx=ast.Load()), clone(key), ast.Name(id=item, ctx=ast.Load()))
    back = _assign(_name(name, ast.Store(), target), put, stmt)
    return pre + stored + [back]


def _read_in_item(node, item):
    """``xs[k][j]`` read as ``_t1[j]``, in the copy ``item`` of the item ``xs[k]``."""
    _, indices = chain_of(node)
    out = ast.Name(id=item, ctx=ast.Load())
    for index in indices[1:]:
        out = ast.Subscript(value=out, slice=clone(index), ctx=ast.Load())
    return out


def _parts(index):
    return index.elts if isinstance(index, ast.Tuple) else [index]


def _is_int(node, ints):
    """Is ``node`` surely an integer: a literal, a ``range`` loop's variable ``ints``, and
    ``+ - * //`` of them?"""
    if isinstance(node, ast.Constant):
        return type(node.value) is int
    if isinstance(node, ast.Name):
        return node.id in ints
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _is_int(node.operand, ints)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv)):
        return _is_int(node.left, ints) and _is_int(node.right, ints)
    return False


def _is_basic(node, ints):
    """Is ``node`` surely a basic index part: an integer, a slice of integers, ``None``, ``...``?"""
    if isinstance(node, ast.Slice):
        return all(p is None or _is_int(p, ints) for p in (node.lower, node.upper, node.step))
    if isinstance(node, ast.Constant) and (node.value is None or node.value is Ellipsis):
        return True
    return _is_int(node, ints)


def range_variables(body):
    """The names bound only as the variable of ``for v in range(...)`` loops: integers."""
    loops, other = set(), set()
    for node in walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            it = node.iter
            is_range = isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"
            (loops if is_range else other).add(node.target.id)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            for target in getattr(node, "targets", None) or [node.target]:
                other |= names_in(target, ast.Store)
    return loops - other


def _advanced(index):
    """The part of ``index`` that is an advanced index as written (a list, a comparison, a
    boolean), or None."""
    for part in _parts(index):
        if isinstance(part, (ast.List, ast.ListComp, ast.Compare)):
            return part
        if isinstance(part, ast.Constant) and isinstance(part.value, bool):
            return part
        if isinstance(part, ast.UnaryOp) and isinstance(part.op, (ast.Not, ast.Invert)):
            return part
    return None


class _StoredReads(ast.NodeTransformer):
    """In a store's value, each read of the entry it stores (``a[i][j] = a[i][j] + v``)
    replaced by ``read(node)``."""

    def __init__(self, target, read):
        self.target = ast.dump(_loaded(target))
        self.read = read

    def visit_Subscript(self, node):
        if ast.dump(_loaded(node)) == self.target:
            return at(self.read(node), node)
        return self.generic_visit(node)


def _loaded(node):
    node = clone(node)
    for n in walk(node):
        if hasattr(n, "ctx"):
            n.ctx = ast.Load()
    return node
