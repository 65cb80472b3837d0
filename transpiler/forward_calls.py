"""Forward mode's calls to your own functions: each gets a tangent function of its own in
the module (``Callees``), called with every argument in order and the tangents of those
that carry one: ``_t1, _dot_t1 = jvp_g(x, k, _dot_x)``. Nested defs (lifted, their free
variables passed along), functions with keyword-only parameters, with ``*args`` (a tangent
function per count, as ``variadic`` specialises reverse mode's callees), and functions a
call passes (a default ``act=np.tanh``, ``apply(np.sin, x)``: a tangent function made for
each, as ``passed`` makes reverse mode's) are followed; anything else is AD224."""

import ast
import hashlib
import inspect
import types

import numpy as np

from adgen import errors, instances, lift, repeats, source, variadic
from adgen.calls import is_user_function
from adgen.names import JVP
from adgen.runtime import registry
from adgen.syntax import clone, load, rt_call


class Callees:
    """The tangent functions of the user's functions a tangent module calls, one per
    function and set of parameters with a tangent, made by ``make(fn, active)`` (the
    pipeline's forward stages) and written after the module's own function. A function is
    named before it is made, so recursion finds it."""

    def __init__(self, make, reserved=()):
        self.make = make
        self.reserved = set(reserved)  # the names they must not take: the module's own function's
        self.made = {}  # (function, active parameters) -> the name of its tangent function
        self.defs = []
        self.imports = {}
        self.sources = []  # the source.Source of each, for the guards and the header's hash
        self.making = set()  # id of each function whose tangent function is being made

    def function(self, fn, active, statics=None, variant=None, samples=None, arg_shapes=None):
        """The name of the tangent function of ``fn`` in its parameters ``active``, made for
        the functions ``statics`` (parameter -> function) its call passes; ``variant``:
        ``(source, key)`` of ``fn`` specialised to a call's count of ``*args``, or None;
        ``samples``: parameter -> the object of the user's the call passes it (``instances``),
        made per structure of those objects as reverse mode's callees are; ``arg_shapes``:
        parameter -> the shape of the array (or number) the call passes, where known: the
        tangent function is specialised to them, as reverse mode's callees are."""
        statics, samples = statics or {}, samples or {}
        arg_shapes = {} if id(fn) in self.making else arg_shapes or {}  # a recursion: one tangent function for any shapes, not one per depth
        shapes = tuple((p, instances.structure(v)) for p, v in sorted(samples.items())) + tuple(sorted(arg_shapes.items()))
        key = (id(fn), tuple(active), tuple((k, id(v)) for k, v in sorted(statics.items())), variant and variant[1], shapes)  # a Lifted is not hashable
        if key not in self.made:
            taken = self.reserved | set(self.made.values())
            name = fn.name if isinstance(fn, lift.Lifted) else fn.__name__
            base = JVP + (name if name.isidentifier() else "lambda")
            name, k = base, 0
            while name in taken:
                k += 1
                name = f"{base}_{k}"
            self.made[key] = name
            self.making.add(id(fn))
            try:
                func, imports = self.make(fn, active, statics, variant and variant[0], samples, arg_shapes)
            finally:
                self.making.discard(id(fn))
            func.name = name
            self.defs.append(func)
            self.imports.update(imports)
        return self.made[key]

    def digest(self, sha):
        """``sha`` (the module's function's source hash) with the callees' sources in it."""
        found = hashlib.sha256(sha.encode())
        for src in self.sources:
            found.update(f"\0{src.module}.{src.name}\0{src.sha256}".encode())
        return found.hexdigest() if self.sources else sha



def own(fwd, node):
    """``(function, call, holder)``: the user's function the call ``node`` runs, when the
    module can call its tangent function; the call as that function takes it: a method's
    object first, a ``functools.partial``'s arguments before the call's (``instances.callee``:
    ``self.subtract(x, y)``, ``layer.apply(x)``, ``TanH()(x)``, ``self.cost.fn(a, y)``); and
    the expression that is the function, whose closure variables are read (None when it is
    reached through an object). None for any other call."""
    if fwd.callees is None:
        return None
    ok, fn = fwd.resolver.value_of(node.func)
    if ok and (isinstance(fn, lift.Lifted) or _yours(fn)):  # a lifted nested def's free variables are parameters
        return fn, node, node.func
    samples = fwd.resolver.instances
    found = samples.callee(node.func) if samples is not None and not ok else None
    if found is None or not _yours(found[0]):
        return None
    fn, receiver, (args, keywords) = found
    args = ([receiver] if receiver is not None else []) + list(args) + list(node.args)
    return fn, ast.copy_location(ast.Call(func=node.func, args=args, keywords=list(keywords) + list(node.keywords)), node), None


def _yours(fn):
    return is_user_function(fn) and registry.lookup(fn) is None


def own_call(fwd, found, pre):
    """``_t1, _dot_t1 = jvp_g(<every argument, in order>, <its closure variables>, <the
    active ones' tangents>)`` for ``own``'s ``found``."""
    fn, node, holder = found
    found = _arguments(node, fn)
    closure = closure_of(fn)
    name = fn.qualname if isinstance(fn, lift.Lifted) else fn.__qualname__
    if found is None or (closure and holder is None):
        fwd.diags.report(node, errors.AD224_OWN_FUNCTION, name=name)
        return node, None
    arguments, variant = found
    lowered, statics = {}, {}
    for param, value in arguments.items():
        held = _function_held(fwd, value)
        if held is not None and not isinstance(fn, lift.Lifted):  # a function passed (or the default): the callee is made for it
            statics[param] = held
            passed = value if isinstance(value, ast.AST) else rt_call("default", clone(node.func), ast.Constant(param))
            lowered[param] = (passed, None)
        else:
            lowered[param] = fwd.expr(value, pre) if isinstance(value, ast.AST) else (_literal(value), None)
    active = [param for param, (_, tan) in lowered.items() if tan is not None]
    if not active:
        return node, None
    if any(not isinstance(v, ast.AST) and _literal(v) is None and param not in statics for param, v in arguments.items()):
        fwd.diags.report(node, errors.AD224_OWN_FUNCTION, name=name)
        return node, None
    samples = {p: fwd.resolver.instances.of(v) for p, v in arguments.items() if isinstance(v, ast.AST)} if fwd.resolver.instances else {}
    known = {p: fwd.shapes.of(v) for p, v in arguments.items() if isinstance(v, ast.AST) and p not in statics} if variant is None else {}
    callee = fwd.callees.function(fn, active, statics, variant, {p: v for p, v in samples.items() if v is not None},
                                  {p: s for p, s in known.items() if isinstance(s, tuple)})
    cells = [rt_call("freevar", clone(holder), ast.Constant(v)) for v in closure]
    args = [clone(p) for p, _ in lowered.values()] + cells + [lowered[param][1] for param in active]
    kept = fwd.names.temp()
    dot = fwd.tangent(kept)
    target = ast.Tuple(elts=[ast.Name(id=kept, ctx=ast.Store()), ast.Name(id=dot, ctx=ast.Store())], ctx=ast.Store())
    pre.append(ast.Assign(targets=[target], value=ast.Call(func=ast.Name(id=callee, ctx=ast.Load()), args=args, keywords=[]),
                          lineno=getattr(node, "lineno", 0)))
    return load(kept), load(dot)


def closure_of(fn):
    """The closure variables of the user's function ``fn`` its tangent function takes, after
    its arguments, in this order (a lifted nested def, or its ``fn`` None: none, its free
    variables are parameters already)."""
    if fn is None or isinstance(fn, lift.Lifted):
        return []
    cells = [v for v in fn.__code__.co_freevars if v != "__class__"]
    if not cells:
        return []
    src = source.load(fn)
    return [v for v in cells if v in src.closure]


def _arguments(node, fn):
    """``({parameter: argument node, or the default's value}, variant)`` in the order the
    tangent function takes them, for the call ``node`` of ``fn``; ``variant``: None, or,
    for a function with ``*args`` or ``**kwargs``, ``(its source specialised to this call's
    values, key)`` (``variadic``, as reverse mode's callees), as for one with a parameter
    counting spread repetitions (``f(*[a] * n)``, ``repeats``). None when the call cannot be
    bound."""
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return None
    keywords = {k.arg: k.value for k in node.keywords}
    signature = fn.signature if isinstance(fn, lift.Lifted) else inspect.signature(fn)
    kinds = {p.kind for p in signature.parameters.values()}
    plain = kinds <= {inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY}
    if isinstance(fn, lift.Lifted) and not plain:
        return None
    if isinstance(fn, lift.Lifted) or not repeats.count_parameters(source.load(fn).func) and plain:
        try:
            bound = signature.bind(*node.args, **keywords)
        except TypeError:
            return None
        bound.apply_defaults()
        return dict(bound.arguments), None
    src = source.load(fn)
    try:
        site = variadic.bind(signature, src.func, list(node.args), keywords)
    except TypeError:
        return None
    spec = variadic.specialise(src, site)
    defaults = {name: p.default for name, p in signature.parameters.items()}
    order = [a.arg for a in spec.func.args.args + spec.func.args.kwonlyargs]
    return {name: site.bound[name] if name in site.bound else defaults[name] for name in order}, (spec, site.key)

def _function_held(fwd, value):
    """The function ``value`` (an argument's expression, or a default's value) is, when it
    is one a tangent function can be made for (a library's with a rule, or one of yours);
    else None."""
    if isinstance(value, ast.AST):
        ok, value = fwd.resolver.value_of(value)
        if not ok:
            return None
    if isinstance(value, (np.ufunc, types.BuiltinFunctionType)) or (callable(value) and registry.lookup(value) is not None):
        return value
    return value if is_user_function(value) else None


def _literal(value):
    """A default value as an expression, or None when it is not a literal."""
    try:
        node = ast.parse(repr(value), mode="eval").body
        return node if ast.literal_eval(node) == value else None
    except (SyntaxError, ValueError):
        return None
