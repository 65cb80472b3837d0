"""Defaults of nested ``def``s that are not literals, passed at each call.

A nested ``def`` evaluates its defaults where it stands, each time the enclosing function
runs; each call that leaves one out reads that value. So the value is bound where the
``def`` stands and every call passes it, and the ``def`` (lifted by ``lift.py``) keeps only
literal defaults::

    def f(x):                                   def f(x):
        def g(v, w=np.ones(3), act=np.tanh):        _g_w = np.ones(3)
            return w * act(v)            ->         def g(v, w=None, act=None):
        return np.sum(g(x))                             return w * act(v)
                                                    return np.sum(g(x, w=_g_w, act=np.tanh))

A default that is a name or a dotted name the enclosing function does not bind
(``np.tanh``, ``SCALE``, ``act`` of a closure) is passed as it is written: a function there
is then resolved like any function passed (``passed.py``). A ``def`` used other than by
calling it (passed as a value, to a library's solver say) or called with ``*args`` or
``**kwargs`` is left as it is (``lift.py`` refuses it, AD105).
"""

import ast
import copy

from adgen.names import default_of
from adgen.syntax import is_literal


def run(body, local, fresh):
    """``body`` with the non-literal defaults of its top-level nested defs passed at each
    call (``local``: the names the enclosing function binds; ``fresh(name)``: a new local name)."""
    calls = [n for s in body for n in ast.walk(s) if isinstance(n, ast.Call)]
    out = []
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef) and not stmt.decorator_list and _plain_calls(stmt.name, body, calls):
            bound, passed = _defaults(stmt, local, fresh)
            for call in calls:
                if isinstance(call.func, ast.Name) and call.func.id == stmt.name:
                    _pass(call, stmt.args, passed)
            out += bound
        out.append(stmt)
    return out


def _plain_calls(name, body, calls):
    """Is the nested def ``name`` only ever called, with arguments that can be told apart
    statically? (Passed as a value, something else would call it without its defaults.)"""
    mine = [c for c in calls if isinstance(c.func, ast.Name) and c.func.id == name]
    funcs = {id(c.func) for c in mine}
    loads = [n for s in body for n in ast.walk(s) if isinstance(n, ast.Name) and n.id == name and id(n) not in funcs]
    return not loads and all(not any(isinstance(a, ast.Starred) for a in c.args) and all(k.arg is not None for k in c.keywords) for c in mine)




def _free_name(node, local):
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id not in local


def _defaults(func, local, fresh):
    """``(assignments binding the defaults, {parameter: the node a call passes for it})``;
    ``func``'s non-literal defaults become ``None``."""
    args = func.args
    positional = args.posonlyargs + args.args
    pairs = [(a, k, "defaults") for k, a in enumerate(positional[len(positional) - len(args.defaults) :]) if a not in args.posonlyargs]
    pairs += [(a, k, "kw_defaults") for k, a in enumerate(args.kwonlyargs) if args.kw_defaults[k] is not None]
    bound, passed = [], {}
    for param, k, field in pairs:
        value = getattr(args, field)[k]
        if is_literal(value):
            continue
        if _free_name(value, local):
            passed[param.arg] = value
        else:
            name = fresh(default_of(func.name, param.arg))
            bound.append(ast.fix_missing_locations(ast.copy_location(ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=value), value)))
            passed[param.arg] = ast.Name(id=name, ctx=ast.Load())
        getattr(args, field)[k] = ast.copy_location(ast.Constant(None), value)
    return bound, passed


def _pass(call, args, passed):
    """Add to ``call`` a keyword for each parameter in ``passed`` it leaves to its default."""
    positional = [a.arg for a in args.posonlyargs + args.args]
    given = set(positional[: len(call.args)]) | {k.arg for k in call.keywords}
    for param, value in passed.items():
        if param not in given:
            call.keywords.append(ast.keyword(arg=param, value=ast.fix_missing_locations(ast.copy_location(copy.deepcopy(value), call))))
