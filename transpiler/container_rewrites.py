"""Lists, tuples and dicts: rewrites that run before control flow is structured, so
that the loop machinery and ``transpiler/container_reversal.py`` (which reverses appends and
pops) see a small language. Each keeps the user's positions:

- list comprehensions and generator expressions become loops that append:
  ``ys = [f(x) for x in xs if c(x)]`` ->
  ``ys = []`` / ``for x in xs:`` / ``if c(x):`` / ``ys.append(f(x))``;
  one nested in an expression fills a temporary list first
  (``sum(x * x for x in xs)`` -> ``_l1 = []`` ... ``sum(_l1)``). A loop
  variable that the function uses elsewhere is renamed.
- ``xs.extend([a, b])`` and ``xs = xs + [a, b]`` (or ``xs += [a, b]``) ->
  ``xs.append(a)`` / ``xs.append(b)``; ``xs.extend(e)``
  -> ``for _item in e: xs.append(_item)``; a bare ``xs.pop()`` -> ``_t = xs.pop()``.
- unpacking anything but a tuple literal, and nested targets:
  ``W, b = layer`` -> ``W = layer[0]`` / ``b = layer[1]``;
  ``a, (b, c) = e`` -> ``_t1 = e`` / ``a = _t1[0]`` / ``b = _t1[1][0]`` / ...
- ``for k, v in d.items()`` -> ``for k in list(d):`` / ``v = d[k]`` (also
  ``.keys()``, ``.values()``, and in expressions, as comprehensions); a dict
  comprehension builds its pairs in a list: ``dict([(k, v) for ...])``.
- a list parameter the function changes in place is copied first
  (``xs = list(xs)``), so the caller's list is never changed; a returned list
  is a copy (``return list(xs)``), so undoing the appends never changes the
  result.

A list changed in place (``append``, ``extend``, ``pop``) must be the only name
for its list: one made by the function (a literal, a comprehension, ``list(...)``)
and never assigned to another name or put into another container (AD111), as
the backward pass undoes the changes on that name's list and on its adjoint.
"""

import ast

from adgen import errors
from adgen.marks import mark, marks
from adgen.names import ITEM, KEY, LIST
from adgen.normalize import nested, unpack_tuples
from adgen.syntax import Transformer, at, clone, names_in, walk

MUTATORS = ("append", "extend", "pop")




def load_at(name, where):
    """A read of ``name`` at ``where``'s place in the source."""
    return at(ast.Name(id=name, ctx=ast.Load()), where)


def _store(name, value, where):
    return at(ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=value), where)


def _method(node, names=MUTATORS):
    """``(receiver, method)`` for ``xs.append(...)``-like calls on a plain name, else None."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in names
        and isinstance(node.func.value, ast.Name)
    ):
        return node.func.value.id, node.func.attr
    return None


def call_stmt(receiver, method, args, where):
    """The statement ``receiver.method(*args)`` at ``where``'s place (``xs.pop()``)."""
    func = ast.Attribute(value=load_at(receiver, where), attr=method, ctx=ast.Load())
    return at(ast.Expr(ast.Call(func=func, args=args, keywords=[])), where)


def is_append(stmt):
    return isinstance(stmt, ast.Expr) and _method(stmt.value, ("append",)) is not None and len(stmt.value.args) == 1


def is_pop(stmt):
    return (
        isinstance(stmt, ast.Assign)
        and isinstance(stmt.targets[0], ast.Name)
        and _method(stmt.value, ("pop",)) is not None
        and len(stmt.value.args) <= 1
        and not stmt.value.keywords
    )


# -- the rewrites ------------------------------------------------------------------------


class Rewriter:
    def __init__(self, names, diags, params, passed_dicts=()):
        self.names = names
        self.diags = diags
        self.params = params
        self.passed_dicts = set(passed_dicts)  # parameters given dicts (never rebound: certainly dicts)
        self.used = set()  # every name the function mentions, outside comprehensions
        self.dicts = set()  # names that certainly hold dicts

    def run(self, body):
        self.used = _names_outside_comprehensions(body)
        self.dicts = _known_dicts(body) | {p for p in self.passed_dicts if p not in names_in(body, ast.Store)}
        body = nested(body, self._statements)
        body = nested(body, self._conditional_items)
        mutated = _mutated(body)
        body = nested(body, lambda b: [_copy_returned(s, mutated) for s in b])
        self._check_aliases(body, _mutated(body, by_user=True))
        copies = [p for p in self.params if p in mutated]
        first = body[0] if body else None
        prologue = [_store(p, ast.Call(func=load_at("list", first), args=[load_at(p, first)], keywords=[]), first) for p in copies]
        return prologue + body

    def _statements(self, body):
        out = []
        for stmt in body:
            out.extend(self._statement(stmt))
        return out

    def _statement(self, stmt):
        pre = []
        if isinstance(stmt, ast.For):
            stmt, pre = self._comprehensions(stmt)  # for v in [f(x) for x in xs]
            return pre + [self._dict_loop(stmt)]
        if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Expr)) and stmt.value is not None:
            stmt.value = _DictViews(self.names).visit(stmt.value)
            stmt, pre = self._comprehensions(stmt)
            if stmt is None:
                return pre
        if isinstance(stmt, ast.Expr) and _method(stmt.value) and not stmt.value.keywords:
            return pre + self._mutation(stmt)
        if isinstance(stmt, ast.Assign) and _method(stmt.value, ("pop",)) and _dict_pop(stmt.value):
            self.diags.report(stmt.value, errors.AD102_DICT_POP)
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], (ast.Tuple, ast.List)):
            return pre + self._unpack(stmt)
        if _grows(stmt):  # xs = xs + [a, b]
            return pre + [self._append(stmt.targets[0].id, e, stmt) for e in stmt.value.right.elts]
        return pre + [stmt]

    def _conditional_items(self, body):
        """``xs.append(a if c else b)`` -> ``_t1 = a if c else b`` / ``xs.append(_t1)``, so
        that the conditional becomes an ``if`` statement (``structure.hoist_conditionals``)."""
        out = []
        for stmt in body:
            if is_append(stmt) and any(isinstance(n, (ast.IfExp, ast.BoolOp)) for n in walk(stmt.value.args[0])):
                temp = self.names.temp()
                out.append(_store(temp, stmt.value.args[0], stmt))
                stmt.value.args[0] = load_at(temp, stmt)
            out.append(stmt)
        return out

    def _dict_loop(self, loop):
        """``for k, v in d.items()`` -> ``for k in list(d): v = d[k]``; likewise ``.keys()``
        and ``.values()`` (a loop over a dict goes by its keys, which carry no gradient)."""
        view = _dict_view(loop.iter)
        if isinstance(loop.iter, ast.Name) and loop.iter.id in self.dicts:
            view = (loop.iter.id, "keys")  # for k in d
        if view is None:
            return loop
        d, method = view
        if method == "keys":
            loop.iter = _keys(d, loop.iter)
            return loop
        target = loop.target
        if method == "items" and isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(target.elts[0], ast.Name):
            key, target = target.elts[0], target.elts[1]
            binds = []
        else:
            key = ast.Name(id=self.names.fresh(KEY), ctx=ast.Store())
            binds = [] if method == "values" else None
        item = at(ast.Subscript(value=load_at(d, loop), slice=load_at(key.id, loop), ctx=ast.Load()), loop)
        if binds is None:  # for pair in d.items()
            item = at(ast.Tuple(elts=[load_at(key.id, loop), item], ctx=ast.Load()), loop)
        bind = at(ast.Assign(targets=[target], value=item), loop)
        loop.target, loop.iter = at(key, loop.target), _keys(d, loop.iter)
        loop.body = self._statement(bind) + loop.body
        return loop

    def _mutation(self, stmt):
        receiver, method = _method(stmt.value)
        args = stmt.value.args
        if method == "pop" and _dict_pop(stmt.value):
            self.diags.report(stmt, errors.AD109_DICT_POP, receiver=receiver)
            return [stmt]
        if method == "pop":
            return [at(ast.Assign(targets=[ast.Name(id=self.names.temp(), ctx=ast.Store())], value=stmt.value), stmt)]
        if method == "extend" and len(args) == 1:
            if isinstance(args[0], (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in args[0].elts):
                return [self._append(receiver, e, stmt) for e in args[0].elts]
            item = self.names.fresh(ITEM)
            loop = ast.For(target=ast.Name(id=item, ctx=ast.Store()), iter=args[0], body=[], orelse=[])
            loop.body = [self._append(receiver, load_at(item, stmt), stmt)]
            return [at(loop, stmt)]
        if method == "append" and len(args) == 1:
            new = self._append(receiver, args[0], stmt)
            mark(new, comprehension=marks(stmt).comprehension)
            return [new]
        self.diags.report(stmt, errors.AD109_ONE_ARGUMENT, receiver=receiver, method=method)
        return [stmt]

    def _append(self, receiver, value, where):
        return call_stmt(receiver, "append", [value], where)

    # -- unpacking -----------------------------------------------------------------------

    def _unpack(self, stmt):
        target, value = stmt.targets[0], stmt.value
        flat = all(isinstance(e, ast.Name) for e in target.elts)
        if isinstance(value, (ast.Tuple, ast.List)):
            pairs = _pairs(target, value)
            if pairs is not None:
                if flat:
                    return [stmt]
                names = ast.Tuple(elts=[t for t, _ in pairs], ctx=ast.Store())
                values = ast.Tuple(elts=[v for _, v in pairs], ctx=ast.Load())
                return unpack_tuples([at(ast.Assign(targets=[names], value=values), stmt)], self.names)
        if isinstance(value, ast.Call) and flat and not _method(value, ("pop",)):
            return [stmt]  # a function returning a tuple: its rule unpacks it
        if any(isinstance(e, ast.Starred) for e in walk(target)):
            return [stmt]  # refused by check
        out = []
        written = names_in(target)
        if isinstance(value, ast.Dict) or (isinstance(value, ast.Name) and value.id in self.dicts):  # a dict unpacks into its keys, in order
            value = ast.copy_location(ast.Call(func=ast.Name(id="list", ctx=ast.Load()), args=[value], keywords=[]), value)
        if isinstance(value, ast.Name) and value.id not in written:
            source = value
        else:
            temp = self.names.temp()
            out.append(_store(temp, value, stmt))
            source = load_at(temp, stmt)
        out.extend(self._bind(target, source, stmt))
        return out

    def _bind(self, target, value, where):
        if isinstance(target, ast.Name):
            return [at(ast.Assign(targets=[target], value=value), where)]
        out = []
        for k, elt in enumerate(target.elts):
            item = at(ast.Subscript(value=clone(value), slice=ast.Constant(k), ctx=ast.Load()), where)
            out.extend(self._bind(elt, item, where))
        return out

    # -- comprehensions ------------------------------------------------------------------

    def _comprehensions(self, stmt):
        """``(statement, loops that run before it)`` with each list comprehension and
        generator expression of ``stmt`` replaced by a list the loops fill; the
        statement is None when the loops replace it (``ys = [... for ...]``)."""
        pre = []
        direct = (
            isinstance(stmt, ast.Assign)
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.ListComp)
            and stmt.targets[0].id not in names_in(stmt.value)
        )
        if direct:
            name = stmt.targets[0].id
            return None, [_store(name, at(ast.List(elts=[], ctx=ast.Load()), stmt), stmt)] + self._loops(stmt.value, name, stmt)
        field = "iter" if isinstance(stmt, ast.For) else "value"
        for node in _outermost(getattr(stmt, field)):
            name = self.names.numbered(LIST)
            pre.append(_store(name, at(ast.List(elts=[], ctx=ast.Load()), stmt), stmt))
            pre.extend(self._loops(node, name, stmt))
            setattr(stmt, field, _Replace(node, load_at(name, stmt)).visit(getattr(stmt, field)))
        return stmt, pre

    def _loops(self, comp, name, where):
        """The loops of ``comp`` that append its items to ``name``."""
        comp = self._rename(comp)
        body = [self._append(name, comp.elt, where)]
        mark(body[0], comprehension=True)  # its list has no other name while it is filled
        for gen in reversed(comp.generators):
            if gen.is_async:
                self.diags.report(gen, errors.AD102_ASYNC_COMPREHENSION)
            for cond in reversed(gen.ifs):
                body = [at(ast.If(test=cond, body=body, orelse=[]), cond)]
            body = [at(ast.For(target=gen.target, iter=gen.iter, body=body, orelse=[]), where)]
        inner = []
        for stmt in body:  # comprehensions nested in the item
            inner.extend(nested([stmt], self._statements))
        return inner

    def _rename(self, comp):
        """The comprehension's loop variables, renamed where the function uses the name
        outside it (a comprehension has its own scope; a loop does not)."""
        bound = [n.id for gen in comp.generators for n in walk(gen.target) if isinstance(n, ast.Name)]
        renames = {b: self.names.fresh(b) for b in bound if b in self.used}
        for b in bound:
            self.used.add(renames.get(b, b))
        if not renames:
            return comp
        comp = clone(comp)
        for node in walk(comp):
            if isinstance(node, ast.Name) and node.id in renames:
                node.id = renames[node.id]
        return comp

    # -- lists changed in place ----------------------------------------------------------

    def _check_aliases(self, body, mutated):
        """AD111 where a list changed in place has a second name, or comes from elsewhere."""
        if not mutated:
            return
        allowed = set()
        for node in walk(ast.Module(body=body, type_ignores=[])):
            if isinstance(node, ast.Call):
                method = _method(node)
                if method and method[0] in mutated:
                    allowed.add(id(node.func.value))
                for arg in node.args + [k.value for k in node.keywords] if not _method(node) else []:
                    if isinstance(arg, ast.Name):
                        allowed.add(id(arg))  # a call reads it; NumPy and the builtins keep no reference
            elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
                allowed.add(id(node.value))
            elif isinstance(node, ast.For) and isinstance(node.iter, ast.Name):
                allowed.add(id(node.iter))
                if node.iter.id in _mutated(node.body):
                    self.diags.report(node.iter, errors.AD111_LOOP_CHANGES_LIST, name=node.iter.id)
            elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id in mutated:
                if not _fresh_list(node.value):
                    self.diags.report(node, errors.AD111_NOT_NEW, name=node.targets[0].id)
        for node in walk(ast.Module(body=body, type_ignores=[])):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in mutated and id(node) not in allowed:
                self.diags.report(node, errors.AD111_SECOND_NAME, name=node.id)


def _dict_pop(call):
    """``d.pop("k")`` or ``d.pop(k, default)``: a dict's pop, not a list's."""
    args = call.args
    return len(args) > 1 or bool(args) and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str)


def _known_dicts(body):
    """Names that certainly hold dicts: assigned a dict display, comprehension or
    ``dict(...)``, or indexed with a string (``params["W"]``: not an array or a list)."""
    found = set()
    for node in walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                found.add(node.value.id)
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, (ast.Dict, ast.DictComp)) or isinstance(value, ast.Call) and getattr(value.func, "id", None) == "dict":
                found.add(node.targets[0].id)
    return found


def _dict_view(node):
    """``(name, method)`` for ``d.items()``, ``d.keys()``, ``d.values()`` on a plain name."""
    found = _method(node, ("items", "keys", "values"))
    return found if found and not node.args and not node.keywords else None


def _keys(d, where):
    """``list(d)``: the keys, in order, as a list the loop can index."""
    return at(ast.Call(func=load_at("list", where), args=[load_at(d, where)], keywords=[]), where)


class _DictViews(Transformer):
    """``d.values()`` -> ``[d[_key] for _key in list(d)]``, ``d.items()`` -> ``[(_key, d[_key]) ...]``,
    ``d.keys()`` -> ``list(d)``, ``{k: v for ...}`` -> ``dict([(k, v) for ...])``, in
    expressions; the list comprehensions become loops."""

    def __init__(self, names):
        self.names = names

    def visit_DictComp(self, node):
        """``{k: v for ...}`` -> ``dict([(k, v) for ...])``: the list comprehension becomes a loop."""
        self.generic_visit(node)
        pair = at(ast.Tuple(elts=[node.key, node.value], ctx=ast.Load()), node)
        pairs = at(ast.ListComp(elt=pair, generators=node.generators), node)
        return at(ast.Call(func=load_at("dict", node), args=[pairs], keywords=[]), node)

    def visit_comprehension(self, node):
        if _dict_view(node.iter) is None:  # one that is stays: its loop goes over the keys
            node.iter = self.visit(node.iter)
        node.ifs = [self.visit(c) for c in node.ifs]
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        view = _dict_view(node)
        if view is None:
            return node
        d, method = view
        if method == "keys":
            return _keys(d, node)
        key = self.names.fresh(KEY)
        item = at(ast.Subscript(value=load_at(d, node), slice=load_at(key, node), ctx=ast.Load()), node)
        if method == "items":
            item = at(ast.Tuple(elts=[load_at(key, node), item], ctx=ast.Load()), node)
        target = ast.Name(id=key, ctx=ast.Store())
        gen = ast.comprehension(target=target, iter=_keys(d, node), ifs=[], is_async=0)
        return at(ast.ListComp(elt=item, generators=[gen]), node)


def joins(node):
    """``+`` or ``*`` with a list or tuple literal: joining or repeating sequences."""
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, (ast.Add, ast.Mult))
        and any(isinstance(side, (ast.List, ast.Tuple)) for side in (node.left, node.right))
    )


def _grows(stmt):
    """``xs = xs + [a, b]``: appends to ``xs``."""
    return (
        isinstance(stmt, ast.Assign)
        and isinstance(stmt.targets[0], ast.Name)
        and isinstance(stmt.value, ast.BinOp)
        and isinstance(stmt.value.op, ast.Add)
        and isinstance(stmt.value.left, ast.Name)
        and stmt.value.left.id == stmt.targets[0].id
        and isinstance(stmt.value.right, ast.List)
        and not any(isinstance(e, ast.Starred) for e in stmt.value.right.elts)
    )


def _copy_returned(stmt, mutated):
    """``return xs`` -> ``return list(xs)`` (also inside a returned tuple, list or dict)
    for a list changed in place: the backward pass undoes the changes on ``xs``, never on
    the result."""
    if not isinstance(stmt, ast.Return) or stmt.value is None:
        return stmt

    def copy_of(node):
        if isinstance(node, ast.Name) and node.id in mutated:
            return at(ast.Call(func=load_at("list", node), args=[node], keywords=[]), node)
        if isinstance(node, (ast.Tuple, ast.List)):
            node.elts = [copy_of(e) for e in node.elts]
        elif isinstance(node, ast.Dict):
            node.values = [copy_of(v) for v in node.values]
        return node

    stmt.value = copy_of(stmt.value)
    return stmt


def _fresh_list(value):
    """A new list no other name refers to: a literal, a comprehension, ``list(...)``,
    ``xs.copy()`` or ``xs[:]``."""
    if isinstance(value, (ast.List, ast.ListComp)):
        return True
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "list":
        return True
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "copy" and not value.args:
        return True
    return isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Slice) and value.slice.lower is value.slice.upper is value.slice.step is None



def _mutated(body, by_user=False):
    """Names of lists changed in place (``by_user``: other than by filling a comprehension's
    list; by a statement, ``xs.append(v)``, or by a list's pop in an expression, ``v = xs.pop()``)."""
    found = set()
    for node in walk(ast.Module(body=body, type_ignores=[])):
        if by_user and marks(node).comprehension:
            continue
        statement = isinstance(node, ast.Expr)
        method = _method(node.value if statement else node)
        if method and (statement or not by_user or method[1] == "pop" and not _dict_pop(node)):
            found.add(method[0])
    return found


def _pairs(target, value):
    """``[(name, expr)]`` matching a (nested) target with a literal of the same shape, or None."""
    if isinstance(target, ast.Name):
        return [(target, value)]
    if not isinstance(value, (ast.Tuple, ast.List)) or len(value.elts) != len(target.elts):
        return None
    if any(isinstance(e, ast.Starred) for e in value.elts + target.elts):
        return None
    out = []
    for t, v in zip(target.elts, value.elts):
        inner = _pairs(t, v)
        if inner is None:
            return None
        out.extend(inner)
    return out


def _outermost(node):
    """The list comprehensions and generator expressions in ``node`` that are not inside
    another one or a lambda, in evaluation order."""
    if isinstance(node, (ast.ListComp, ast.GeneratorExp)):
        return [node]
    if isinstance(node, (ast.Lambda, ast.SetComp, ast.DictComp)):
        return []
    return [found for child in ast.iter_child_nodes(node) for found in _outermost(child)]


def _names_outside_comprehensions(body):
    found = set()

    def walk(node):
        if isinstance(node, (ast.ListComp, ast.GeneratorExp)):
            return
        if isinstance(node, ast.Name):
            found.add(node.id)
        for child in ast.iter_child_nodes(node):
            walk(child)

    for stmt in body:
        walk(stmt)
    return found


class _Replace(Transformer):
    def __init__(self, old, new):
        self.old, self.new = old, new

    def visit(self, node):
        if node is self.old:
            return self.new
        return super().visit(node)


def run(body, names, diags, params, dicts=()):
    """``dicts``: parameters the caller passes dicts to (``grad()`` knows at call time)."""
    return Rewriter(names, diags, params, dicts).run(body)
