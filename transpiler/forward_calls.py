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

from adgen import errors, lift, source, variadic
from adgen.calls import is_user_function
from adgen.names import JVP
from adgen.runtime import registry
from adgen.syntax import clone, load, rt_call


class Callees:
    """The tangent functions of the user's functions a tangent module calls, one per
    function and set of parameters with a tangent, made by ``make(fn, active)`` (the
    pipeline's forward stages) and written after the module's own function. A function is
    named before it is made, so recursion finds it."""

    def __init__(self, make):
        self.make = make
        self.made = {}  # (function, active parameters) -> the name of its tangent function
        self.defs = []
        self.imports = {}
        self.sources = []  # the source.Source of each, for the guards and the header's hash

    def function(self, fn, active, statics=None, variant=None):
        """The name of the tangent function of ``fn`` in its parameters ``active``, made for
        the functions ``statics`` (parameter -> function) its call passes; ``variant``:
        ``(source, key)`` of ``fn`` specialised to a call's count of ``*args``, or None."""
        statics = statics or {}
        key = (id(fn), tuple(active), tuple((k, id(v)) for k, v in sorted(statics.items())), variant and variant[1])  # a Lifted is not hashable
        if key not in self.made:
            taken = set(self.made.values())
            name = fn.name if isinstance(fn, lift.Lifted) else fn.__name__
            base = JVP + (name if name.isidentifier() else "lambda")
            name, k = base, 0
            while name in taken:
                k += 1
                name = f"{base}_{k}"
            self.made[key] = name
            func, imports = self.make(fn, active, statics, variant and variant[0])
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
    """The user's function ``node`` calls, when the module can call its tangent function."""
    ok, fn = fwd.resolver.value_of(node.func)
    if fwd.callees is None or not ok:
        return None
    if isinstance(fn, lift.Lifted):  # a nested def, lifted (its free variables keyword-only parameters)
        return fn
    if not is_user_function(fn) or registry.lookup(fn) is not None:
        return None
    return fn

def own_call(fwd, node, fn, pre):
    """``_t1, _dot_t1 = jvp_g(<every argument, in order>, <the active ones' tangents>)``."""
    found = _arguments(node, fn)
    if found is None:
        fwd.diags.report(node, errors.AD224_OWN_FUNCTION, name=fn.__qualname__ if not isinstance(fn, lift.Lifted) else fn.qualname)
        return node, None
    arguments, variant = found
    lowered, statics = {}, {}
    for name, value in arguments.items():
        held = _function_held(fwd, value)
        if held is not None and not isinstance(fn, lift.Lifted):  # a function passed (or the default): the callee is made for it
            statics[name] = held
            passed = value if isinstance(value, ast.AST) else rt_call("default", clone(node.func), ast.Constant(name))
            lowered[name] = (passed, None)
        else:
            lowered[name] = fwd.expr(value, pre) if isinstance(value, ast.AST) else (_literal(value), None)
    active = [name for name, (_, tan) in lowered.items() if tan is not None]
    if not active:
        return node, None
    if any(not isinstance(v, ast.AST) and _literal(v) is None and name not in statics for name, v in arguments.items()):
        fwd.diags.report(node, errors.AD224_OWN_FUNCTION, name=fn.__qualname__ if not isinstance(fn, lift.Lifted) else fn.qualname)
        return node, None
    callee = fwd.callees.function(fn, active, statics, variant)
    args = [clone(p) for p, _ in lowered.values()] + [lowered[name][1] for name in active]
    kept = fwd.names.temp()
    dot = fwd.tangent(kept)
    target = ast.Tuple(elts=[ast.Name(id=kept, ctx=ast.Store()), ast.Name(id=dot, ctx=ast.Store())], ctx=ast.Store())
    pre.append(ast.Assign(targets=[target], value=ast.Call(func=ast.Name(id=callee, ctx=ast.Load()), args=args, keywords=[]),
                          lineno=getattr(node, "lineno", 0)))
    return load(kept), load(dot)

def _arguments(node, fn):
    """``({parameter: argument node, or the default's value}, variant)`` in the order the
    tangent function takes them, for the call ``node`` of ``fn``; ``variant``: None, or,
    for a function with ``*args`` or ``**kwargs``, ``(its source specialised to this call's
    values, key)`` (``variadic``, as reverse mode's callees). None when the call cannot be bound."""
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return None
    keywords = {k.arg: k.value for k in node.keywords}
    signature = fn.signature if isinstance(fn, lift.Lifted) else inspect.signature(fn)
    kinds = {p.kind for p in signature.parameters.values()}
    if kinds <= {inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY}:
        try:
            bound = signature.bind(*node.args, **keywords)
        except TypeError:
            return None
        bound.apply_defaults()
        return dict(bound.arguments), None
    if isinstance(fn, lift.Lifted):
        return None
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
