"""Nested ``def``s of a differentiated function, lifted to module level.

::

    def f(x, w):                           def sq(y, *, w):            (in the generated module)
        def sq(y):                             return w * y * y
            return w * y * y        ->
        return sq(x) + sq(2.0 * x)         f's body: sq(x, w=w) + sq(2.0 * x, w=w)

The nested function's free variables that are locals (or closure variables) of
the enclosing function become keyword-only parameters, passed at every call
with their values at the time of the call, which is what the closure would
read. Calls on differentiated values then go through ``calls.py`` like calls
to any function of yours (``_fwd_sq``/``_bwd_sq``); other calls call the
lifted function itself. Only a ``def`` at the top level of the body, defined
once, without decorators, with literal defaults and only ever called directly
(never passed as a value) is lifted, and so is ``name = lambda ...: e`` there;
anything else is AD105.

A nested ``def`` or a ``lambda`` passed to a library function whose derivative rule
takes a function of the user's (a callback parameter, ``registry.Rule.callbacks``:
``func`` of ``scipy.integrate.odeint``) is lifted too, a ``lambda`` under a new name;
the argument becomes ``_rt.closure(_f, ("k",), (k,))``, the lifted function with the
values of the free variables it reads (``adgen.runtime.callbacks``), or ``_f`` where
it reads none.
"""

import ast
import builtins
import inspect
import types
from dataclasses import dataclass, replace

from adgen import errors
from adgen.marks import mark, marks
from adgen.names import Names, identifiers
from adgen.resolve import Resolver
from adgen.runtime import registry
from adgen.syntax import Transformer, clone, is_literal, names_in, walk


@dataclass(eq=False)
class Lifted:
    """A nested function, lifted: what ``calls.py`` differentiates and emits."""

    name: str  # its name in the generated module
    src: object  # source.Source of the lifted def (free variables as keyword-only parameters)
    parent: str  # the enclosing function's qualified name
    defs: list = None  # [the lifted function itself], for calls on other values, once made
    imports: dict = None  # alias -> source.Binding: the module it reads
    siblings: dict = None  # name -> Lifted: the nested defs of the same function

    def __post_init__(self):
        self.qualname = f"{self.parent}.<locals>.{self.src.name}"

    @property
    def signature(self):
        return inspect.Signature(_parameters(self.src.func.args))


def lift(src, body, diags, fresh):
    """``(body without its nested defs, {name: Lifted})``; ``fresh(name)`` hands out
    module-level names. Problems are added to ``diags`` (AD105)."""
    body = [_as_def(s) for s in body]
    body = body + _callback_lambdas(src, body)
    _result_attributes(src, body)
    defs = [s for s in body if isinstance(s, ast.FunctionDef)]
    if not defs:
        return body, {}
    rest = [s for s in body if not isinstance(s, ast.FunctionDef)]
    names = {d.name for d in defs}
    params = {a.arg for a in _all_args(src.func.args)}
    local = params | names_in(rest, ast.Store) | names
    for d in defs:
        _refuse(d, defs, rest, local - params, diags)
    free = _free_variables(defs, local | set(src.closure), names)
    renamed = {d.name: fresh(d.name) for d in defs}
    lifted = {}
    for d in defs:
        node = clone(d)
        node.name = renamed[d.name]
        node.args.kwonlyargs += [ast.arg(arg=v) for v in free[d.name]]
        node.args.kw_defaults += [None] * len(free[d.name])
        node.body = _pass_free(node.body, free, renamed)
        text = "".join(src.lines[d.lineno - 1 : d.end_lineno])
        lifted_src = replace(src, func=node, text=text, name=d.name, closure={}, fn=None, statics={})
        lifted[renamed[d.name]] = Lifted(renamed[d.name], lifted_src, getattr(src.fn, "__qualname__", src.name))
    return _pass_free(rest, free, renamed), lifted


def named_lambda(stmt):
    """``name = lambda ...: e`` (a statement of the body): lifted like ``def name``."""
    return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Lambda)


def _as_def(stmt):
    if not named_lambda(stmt):
        return stmt
    ret = ast.copy_location(ast.Return(value=stmt.value.body), stmt.value.body)
    func = ast.FunctionDef(name=stmt.targets[0].id, args=stmt.value.args, body=[ret], decorator_list=[], returns=None, type_params=[])
    return ast.fix_missing_locations(ast.copy_location(func, stmt))


def primal(item, diags):
    """The lifted function as plain Python, its globals read through the user's module."""
    node = clone(item.src.func)
    resolver = Resolver(item.src, Names(identifiers(node)), diags)
    local = {a.arg for a in _all_args(node.args)} | names_in(node.body, ast.Store)
    resolver.bound.update(item.siblings)
    node.body = resolver.qualify(node.body, local | set(item.siblings))
    for a in _all_args(node.args):
        a.annotation = None
    node.returns = None
    item.defs = [node]
    item.imports = {resolver.module_alias: item.src.binding()} if resolver.module_alias else {}
    return node


def _refuse(d, defs, rest, assigned, diags):
    if d.decorator_list:
        diags.report(d, errors.AD105_DECORATED, name=d.name)
    elif sum(x.name == d.name for x in defs) > 1 or d.name in assigned - {x.name for x in defs}:
        diags.report(d, errors.AD105_REDEFINED, name=d.name)
    elif hasattr(builtins, d.name):
        diags.report(d, errors.AD105_SHADOWS_BUILTIN, name=d.name)
    elif not all(is_literal(v) for v in d.args.defaults + [k for k in d.args.kw_defaults if k is not None]):
        diags.report(d, errors.AD105_DEFAULT, name=d.name)
    else:
        calls = {id(n.func) for s in rest + defs for n in walk(s) if isinstance(n, ast.Call)}
        for s in rest + defs:
            for n in walk(s):
                if isinstance(n, ast.Name) and n.id == d.name and id(n) not in calls and not marks(n).callback:
                    diags.report(n, errors.AD105_AS_VALUE, name=d.name)
                    return


def _free_variables(defs, outer, names):
    """Nested def name -> the sorted outer names it reads, directly or through the
    nested defs it calls (whose free variables it must pass on)."""
    direct, calls = {}, {}
    for d in defs:
        own = {a.arg for a in _all_args(d.args)} | names_in(d.body, ast.Store)
        reads = names_in(d.body, ast.Load) - own
        direct[d.name] = (reads & outer) - names
        calls[d.name] = reads & names
    changed = True
    while changed:
        changed = False
        for d in defs:
            more = set().union(*[direct[c] for c in calls[d.name]]) if calls[d.name] else set()
            if not more <= direct[d.name]:
                direct[d.name] |= more
                changed = True
    return {k: sorted(v) for k, v in direct.items()}


def _pass_free(stmts, free, renamed):
    """Calls ``g(...)`` -> ``<lifted g>(..., w=w)``, passing ``g``'s free variables."""

    class Pass(Transformer):
        def visit_Name(self, node):
            if not (marks(node).callback and node.id in free):
                return node
            lifted = ast.copy_location(ast.Name(id=renamed[node.id], ctx=ast.Load()), node)
            if not free[node.id]:
                return lifted
            runtime = ast.Name(id="_rt", ctx=ast.Load())
            mark(runtime, runtime=True)  # not the user's: ``Resolver.qualify`` leaves it
            names = ast.Tuple(elts=[ast.Constant(v) for v in free[node.id]], ctx=ast.Load())
            values = ast.Tuple(elts=[ast.Name(id=v, ctx=ast.Load()) for v in free[node.id]], ctx=ast.Load())
            call = ast.Call(func=ast.Attribute(value=runtime, attr="closure", ctx=ast.Load()), args=[lifted, names, values], keywords=[])
            return ast.fix_missing_locations(ast.copy_location(call, node))

        def visit_Call(self, node):
            self.generic_visit(node)
            if isinstance(node.func, ast.Name) and node.func.id in free:
                extra = [ast.keyword(arg=v, value=ast.Name(id=v, ctx=ast.Load())) for v in free[node.func.id]]
                func = ast.copy_location(ast.Name(id=renamed[node.func.id], ctx=ast.Load()), node.func)
                return ast.fix_missing_locations(ast.copy_location(ast.Call(func=func, args=node.args, keywords=node.keywords + extra), node))
            return node

    return [Pass().visit(clone(s)) for s in stmts]


def _callback_lambdas(src, body):
    """Mark the names passed as callbacks (``odeint(f, ...)``: ``f``), and turn each
    ``lambda`` passed as one into a nested def under a new name: those defs, to add to
    the body (the lambdas are replaced in place)."""
    taken = set()
    for s in body:
        taken |= {n.id for n in walk(s) if isinstance(n, ast.Name)} | {a.arg for n in walk(s) if isinstance(n, ast.arguments) for a in _all_args(n)}
    local = names_in(body, ast.Store) | {a.arg for a in _all_args(src.func.args)}
    made = []
    for s in list(body):
        for node in walk(s):
            if not isinstance(node, ast.Call):
                continue
            for holder, key, arg in _callback_arguments(src, node, local):
                if isinstance(arg, ast.Name):
                    mark(arg, callback=True)
                elif isinstance(arg, ast.Lambda) and not isinstance(s, ast.FunctionDef):
                    name = next(f"_lambda{k}" for k in range(1, 10**6) if f"_lambda{k}" not in taken)
                    taken.add(name)
                    ret = ast.copy_location(ast.Return(value=arg.body), arg.body)
                    func = ast.FunctionDef(name=name, args=arg.args, body=[ret], decorator_list=[], returns=None, type_params=[])
                    made.append(ast.fix_missing_locations(ast.copy_location(func, arg)))
                    new = ast.copy_location(ast.Name(id=name, ctx=ast.Load()), arg)
                    mark(new, callback=True)
                    if key is None:
                        holder[holder.index(arg)] = new
                    else:
                        key.value = new
    return made


def _result_attributes(src, body):
    """``sol.y`` -> ``_rt.attribute(sol, "y")``, ``sol.t`` -> ``_rt.constant_attribute(sol,
    "t")``, in place, where ``sol`` is only ever assigned the result of a library function
    whose rule differentiates one attribute of it (``solve_ivp``: ``Rule.attribute``); the
    same for ``solve_ivp(...).y``."""
    local = names_in(body, ast.Store) | {a.arg for a in _all_args(src.func.args)}
    stmts = [s for s in body if not isinstance(s, ast.FunctionDef)]

    def rule_of(call):
        if not isinstance(call, ast.Call):
            return None
        fn = _static_object(src, call.func, local)
        rule = registry.lookup(fn) if fn is not None else None
        return rule if rule is not None and rule.attribute else None

    results, others = {}, set()
    for s in stmts:
        for node in walk(s):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and rule_of(node.value):
                results.setdefault(node.targets[0].id, rule_of(node.value))
                continue
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.For, ast.AnnAssign, ast.NamedExpr, ast.comprehension)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                others |= {n.id for t in targets for n in walk(t) if isinstance(n, ast.Name)}
    results = {k: v for k, v in results.items() if k not in others}

    class Rewrite(ast.NodeTransformer):
        def visit_Attribute(self, node):
            self.generic_visit(node)
            if not isinstance(node.ctx, ast.Load):
                return node
            base = node.value
            rule = results.get(base.id) if isinstance(base, ast.Name) else rule_of(base)
            if rule is None:
                return node
            runtime = ast.Name(id="_rt", ctx=ast.Load())
            mark(runtime, runtime=True)
            helper = "attribute" if node.attr == rule.attribute else "constant_attribute"
            call = ast.Call(func=ast.Attribute(value=runtime, attr=helper, ctx=ast.Load()), args=[base, ast.Constant(node.attr)], keywords=[])
            return ast.fix_missing_locations(ast.copy_location(call, node))

    if results or any(isinstance(n, ast.Attribute) and rule_of(n.value) for s in stmts for n in walk(s)):
        for k, s in enumerate(body):
            if not isinstance(s, ast.FunctionDef):
                body[k] = Rewrite().visit(s)


def callback_lambdas(src, body):
    """The ids of the lambdas passed as callbacks in ``body``'s statements (not inside
    its nested defs), which ``lift`` lifts."""
    local = names_in(body, ast.Store) | {a.arg for a in _all_args(src.func.args)}
    found = set()
    for s in body:
        if isinstance(s, ast.FunctionDef):
            continue
        for node in walk(s):
            if isinstance(node, ast.Call):
                found |= {id(arg) for _, _, arg in _callback_arguments(src, node, local) if isinstance(arg, ast.Lambda)}
    return found


def _callback_arguments(src, node, local):
    """``(list or None, keyword or None, argument)`` for each argument of the call
    ``node`` passed for a callback parameter of its function's derivative rule."""
    fn = _static_object(src, node.func, local)
    rule = registry.lookup(fn) if fn is not None else None
    if rule is None or not rule.callbacks:
        return []
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return []
    found = []
    for name in rule.callbacks:
        if name not in params:
            continue
        at = params.index(name)
        if at < len(node.args) and not any(isinstance(a, ast.Starred) for a in node.args[: at + 1]):
            found.append((node.args, None, node.args[at]))
        for k in node.keywords:
            if k.arg == name:
                found.append((None, k, k.value))
    return found


_MISSING = object()


def _static_object(src, node, local):
    """The object a dotted name of the user's source names (before ``qualify``), or None."""
    attrs = []
    while isinstance(node, ast.Attribute):
        attrs.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id in local:
        return None
    # read without recording it (``Source.lookup`` would bake it into the guard): the
    # transform resolves the call again, and records it, where it differentiates it
    spaces = (src.closure, src.globals, vars(builtins))
    obj = next((space[node.id] for space in spaces if node.id in space), _MISSING)
    if obj is _MISSING:
        return None
    for attr in attrs:
        if not isinstance(obj, (types.ModuleType, type)) or not hasattr(obj, attr):
            return None
        obj = getattr(obj, attr)
    return obj


def _parameters(args):
    out = []
    positional = args.posonlyargs + args.args
    defaults = [inspect.Parameter.empty] * (len(positional) - len(args.defaults)) + [ast.literal_eval(d) for d in args.defaults]
    for i, (a, default) in enumerate(zip(positional, defaults)):
        kind = inspect.Parameter.POSITIONAL_ONLY if i < len(args.posonlyargs) else inspect.Parameter.POSITIONAL_OR_KEYWORD
        out.append(inspect.Parameter(a.arg, kind, default=default))
    if args.vararg:
        out.append(inspect.Parameter(args.vararg.arg, inspect.Parameter.VAR_POSITIONAL))
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        default = inspect.Parameter.empty if d is None else ast.literal_eval(d)
        out.append(inspect.Parameter(a.arg, inspect.Parameter.KEYWORD_ONLY, default=default))
    if args.kwarg:
        out.append(inspect.Parameter(args.kwarg.arg, inspect.Parameter.VAR_KEYWORD))
    return out


def _all_args(args):
    return args.posonlyargs + args.args + args.kwonlyargs


