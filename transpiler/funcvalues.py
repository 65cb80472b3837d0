"""Function values the gradient can see through, rewritten into plain calls and loops.

``map`` and ``functools.partial`` are resolved when the gradient is made (through the
function's globals and closure, which ``source.Source.lookup`` records so that the
gradient is made again when they change, as for any baked-in value):

- ``partial(f, a, k=b)(x)``           -> ``f(a, x, k=b)``
- ``map(f, xs)``                      -> ``[f(_v) for _v in xs]``
- ``map(f, xs, ys)``                  -> ``[f(_v, _w) for _v, _w in zip(xs, ys)]``
- ``map(lambda v: v ** 2, xs)``       -> ``[v ** 2 for v in xs]``
- ``map(partial(f, theta), data)``    -> ``[f(theta, _v) for _v in data]``
- ``g = partial(f, a)`` ... ``g(x)``   -> ``f(a, x)`` (``g`` bound once, nothing it reads
  rebound, so ``a`` holds the same value wherever ``g`` is called; the binding goes
  when nothing else reads ``g``)

so ``sum(map(partial(loglik, theta), data))`` is a sum over a list the reverse pass
already differentiates. A ``map`` is lazy, but every call it makes is one a list
comprehension makes too, in the same order, once the map is consumed; one that is not
consumed where it stands (kept in a name, passed on) is left alone.

A comprehension or ``list(map(...))`` standing alone as a statement (run for the calls
it makes: ``[print(v) for v in xs]``, ``list(map(plot, frames))``) becomes the loop it
stands for: ``for v in xs: print(v)``. Each call is then a statement run for its side
effects, which ``aliasing`` checks leaves differentiated values as they were.
"""

import ast
import builtins
import copy
import functools

from adgen.names import MAPPED
from adgen.syntax import at, walk

CONSUMERS = ("list", "tuple", "sum", "sorted", "min", "max", "set", "enumerate")  # each consumes every item (not any, all, zip)




class _Lowering(ast.NodeTransformer):
    def __init__(self, names, is_builtin, lookup):
        self.names = names
        self.is_builtin = is_builtin  # name -> does it mean Python's builtin of that name?
        self.lookup = lookup  # name -> (found, value), as Python would resolve it at call time
        self.partials = {}  # name -> the ``partial(...)`` call it is bound to (``bound_partials``)

    def bound_partials(self, body):
        """``g = partial(f, a)`` at the top of ``body``, ``g`` bound nowhere else and nothing
        it reads rebound anywhere: a call ``g(x)`` is then ``f(a, x)``."""
        stores = {}
        for node in walk(ast.Module(body=body, type_ignores=[])):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                stores[node.id] = stores.get(node.id, 0) + 1
        for stmt in body:
            value = stmt.value if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) else None
            if not (isinstance(value, ast.Call) and self._is(value.func, functools.partial) and value.args and _plain(value)):
                continue
            reads = [n.id for n in walk(value) if isinstance(n, ast.Name)]
            if stores[stmt.targets[0].id] == 1 and not any(n in stores for n in reads):
                self.partials[stmt.targets[0].id] = value

    def visit_FunctionDef(self, node):
        return node  # a nested def: its own function, lowered when it is differentiated

    visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = visit_FunctionDef

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in CONSUMERS and self.is_builtin(node.func.id):
            node.args = [self._map(a) for a in node.args]
        return self._unpartial(node)

    def visit_comprehension(self, node):
        self.generic_visit(node)
        node.iter = self._map(node.iter)  # for v in map(f, xs) inside a comprehension
        return node

    def visit_For(self, node):
        self.generic_visit(node)
        node.iter = self._map(node.iter)
        return node

    def _is(self, func, obj, builtin=None):
        """Does the expression ``func`` name ``obj`` (``partial``, ``functools.partial``)?"""
        if isinstance(func, ast.Name):
            return func.id == obj.__name__ and self.is_builtin(func.id) if builtin else self.lookup(func.id) == (True, obj)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and not builtin:
            found, module = self.lookup(func.value.id)
            return found and getattr(module, func.attr, None) is obj and getattr(module, "__name__", "") == "functools"
        return False

    def _unpartial(self, call):
        """``partial(f, a)(x)`` -> ``f(a, x)``, and ``g(x)`` for ``g = partial(f, a)``."""
        if isinstance(call.func, ast.Name) and call.func.id in self.partials:
            call = at(ast.Call(func=copy.deepcopy(self.partials[call.func.id]), args=call.args, keywords=call.keywords), call)
        inner = call.func
        if not (isinstance(inner, ast.Call) and self._is(inner.func, functools.partial) and inner.args and _plain(inner) and _plain(call)):
            return call
        fn = inner.args[0]
        new = at(ast.Call(func=fn, args=inner.args[1:] + call.args, keywords=inner.keywords + call.keywords), call)
        return self._unpartial(new)

    def _map(self, node):
        """``map(f, xs, ...)`` -> a list comprehension making the same calls."""
        if not (isinstance(node, ast.Call) and self._is(node.func, map, builtin=True) and len(node.args) >= 2 and _plain(node)):
            return node
        fn, seqs = node.args[0], node.args[1:]
        if isinstance(fn, ast.Lambda) and _simple_lambda(fn, len(seqs)):
            params = [a.arg for a in fn.args.args]
            elt = fn.body
        else:
            params = [self.names.fresh(MAPPED) for _ in seqs]
            elt = self._unpartial(at(ast.Call(func=fn, args=[at(ast.Name(id=p, ctx=ast.Load()), node) for p in params], keywords=[]), node))
        stores = [at(ast.Name(id=p, ctx=ast.Store()), node) for p in params]
        target = stores[0] if len(stores) == 1 else at(ast.Tuple(elts=stores, ctx=ast.Store()), node)
        seq = seqs[0] if len(seqs) == 1 else at(ast.Call(func=ast.Name(id="zip", ctx=ast.Load()), args=seqs, keywords=[]), node)
        loop = ast.comprehension(target=target, iter=seq, ifs=[], is_async=0)
        return at(ast.ListComp(elt=elt, generators=[loop]), node)


def _plain(call):
    """No ``*args`` or ``**kwargs``: the arguments can be told apart statically."""
    return not any(isinstance(a, ast.Starred) for a in call.args) and all(k.arg is not None for k in call.keywords)


def _simple_lambda(fn, count):
    args = fn.args
    plain = not (args.posonlyargs or args.vararg or args.kwonlyargs or args.kwarg or args.defaults)
    return plain and len(args.args) == count


def _as_loop(stmt):
    """A comprehension (or ``list(...)`` of one) standing alone as a statement, as the
    loop it stands for; ``None`` for any other statement."""
    value = stmt.value if isinstance(stmt, ast.Expr) else None
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id in ("list", "tuple", "set")
        and len(value.args) == 1
        and not value.keywords
    ):
        value = value.args[0]
    if not isinstance(value, (ast.ListComp, ast.SetComp, ast.GeneratorExp)) or any(g.is_async for g in value.generators):
        return None
    body = [at(ast.Expr(value=value.elt), stmt)]
    for gen in reversed(value.generators):
        for cond in reversed(gen.ifs):
            body = [at(ast.If(test=cond, body=body, orelse=[]), stmt)]
        body = [at(ast.For(target=gen.target, iter=gen.iter, body=body, orelse=[]), stmt)]
    return body[0]


def _loops(body):
    out = []
    for stmt in body:
        loop = _as_loop(stmt)
        if loop is not None:
            stmt = loop
        for field in ("body", "orelse"):
            if isinstance(stmt, (ast.If, ast.For, ast.While)):
                setattr(stmt, field, _loops(getattr(stmt, field)))
        out.append(stmt)
    return out


def run(body, names, is_builtin, lookup):
    """``body`` with ``map``/``partial`` calls and statement comprehensions lowered."""
    lowering = _Lowering(names, is_builtin, lookup)
    lowering.bound_partials(body)
    body = _loops([lowering.visit(s) for s in body])
    read = {n.id for n in walk(ast.Module(body=body, type_ignores=[])) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    unread = {name for name in lowering.partials if name not in read}  # every call of it now calls f itself
    return [s for s in body if not (isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name) and s.targets[0].id in unread)]


def mapped_lambdas(src, body, local):
    """The ids of the lambdas ``map(lambda v: ..., xs)`` in ``body`` (``local``: the names
    the function binds) that ``run`` makes the body of a comprehension: where the map is
    consumed whole (``list(map(...))``, ``for v in map(...)``)."""
    if "map" in local or src.lookup("map") != (True, map):
        return set()
    builtin = lambda name: name not in local and src.lookup(name) == (True, getattr(builtins, name, None))  # noqa: E731
    consumed = []
    for node in ast.walk(ast.Module(body=[s for s in body if not isinstance(s, ast.FunctionDef)], type_ignores=[])):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CONSUMERS and builtin(node.func.id):
            consumed += node.args
        elif isinstance(node, (ast.For, ast.comprehension)):
            consumed.append(node.iter)
    found = set()
    for node in consumed:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "map" and len(node.args) >= 2 and _plain(node):
            fn = node.args[0]
            if isinstance(fn, ast.Lambda) and _simple_lambda(fn, len(node.args) - 1):
                found.add(id(fn))
    return found
