"""Defaults, ``*args`` and ``**kwargs``: a callee specialised to what each call passes.

A function of yours called on differentiated values is differentiated for the
arguments each call site passes, so what Python would decide when the call runs
is decided when the gradient is made, where the call shows it:

- **Defaults** that are not literals (``strain=np.zeros((3, 3))``,
  ``scale=SCALE``, keyword-only ones) are read when the gradient runs from the
  function object, as Python evaluated them: the call site passes
  ``strain=_rt.default(model.f, 'strain')``. A default that is a function
  (``act=np.tanh``), called in the body, is resolved when the gradient is made
  (``act(h)`` then has ``tanh``'s rule); the function's ``__defaults__`` and
  ``__kwdefaults__`` are guarded like any baked-in name (``guards.py``).
- **``*args`` and ``**kwargs``** take the count (and keys) of this call's
  values: ``def cat(w, *args)`` called with two values is differentiated as
  ``def cat(w, args_0, args_1)`` whose body reads ``(args_0, args_1)`` for
  ``args``, and ``**kw`` called with ``s=`` as a keyword-only ``kw_s``, read
  through ``{'s': kw_s}``. Displays are then folded where the structure decides
  the result (``fold``): ``args[0]``, ``args[1:]``, ``len(args)``, ``args + (c,)``,
  ``kw['s']``, ``kw.get('s', 1.0)``, ``'s' in kw``, ``g(*args, **kw)``.
- **Spread calls** ``f(*t)`` and ``f(**d)`` of any function are written out
  where the structure is static (``spread``): a display, a name bound once to a
  tuple display, the tuple a function of yours returns (``f(*polar(r, t))``),
  ``x.shape`` of an argument whose shape the gradient is specialised to, a
  repeated display with a static count (``f(*[a] * n)``, ``repeats``).
  Elsewhere a call that passes a differentiated value, or calls a function of
  yours, that way is AD215.

The differentiated function itself may have ``*args``/``**kwargs``: ``grad()``
specialises it to each call's count and keys (``specialise_top``); ``adgen emit``,
which sees no call, reports AD104.
"""

import ast
import builtins
import inspect
from dataclasses import dataclass, field, replace

from adgen import repeats
from adgen.guards import DATA
from adgen.names import Names, identifiers, member
from adgen.syntax import Transformer, clone, load, names_in, rt_call, walk

# -- folding displays ----------------------------------------------------------------


def _display(node):
    """A tuple or list display without ``*``."""
    return isinstance(node, (ast.Tuple, ast.List)) and not any(isinstance(e, ast.Starred) for e in node.elts)


def _dict_display(node):
    return isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys)


def _const(node, types):
    return isinstance(node, ast.Constant) and type(node.value) in types


class _Fold(Transformer):
    """Rewrites, bottom up, what a display's structure decides (see the module's doc)."""

    def __init__(self, builtin):
        self.builtin = builtin  # name -> does it mean Python's builtin here?

    def generic_visit(self, node):
        node = super().generic_visit(node)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            node.elts = _splice(node.elts)  # (*args, c)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        node.args = _splice(node.args)
        keywords = []
        for k in node.keywords:
            if k.arg is None and _dict_display(k.value):
                keywords += [ast.copy_location(ast.keyword(arg=key.value, value=v), k) for key, v in zip(k.value.keys, k.value.values)]
            else:
                keywords.append(k)
        node.keywords = keywords
        func = node.func
        if isinstance(func, ast.Name) and self.builtin(func.id) and len(node.args) == 1 and not node.keywords:
            arg = node.args[0]
            if func.id == "len" and (_display(arg) or _dict_display(arg)):
                return ast.copy_location(ast.Constant(len(arg.elts) if _display(arg) else len(arg.keys)), node)
            if func.id in ("tuple", "list") and _display(arg):
                kind = ast.Tuple if func.id == "tuple" else ast.List
                return ast.copy_location(kind(elts=arg.elts, ctx=ast.Load()), node)
        if isinstance(func, ast.Attribute) and func.attr == "get" and _dict_display(func.value) and 1 <= len(node.args) <= 2 and not node.keywords:
            key = node.args[0]
            if _const(key, (str,)):
                found = _lookup(func.value, key.value)
                if found is not None:
                    return found
                return node.args[1] if len(node.args) == 2 else ast.copy_location(ast.Constant(None), node)
        return node

    def visit_Subscript(self, node):
        self.generic_visit(node)
        value, index = node.value, node.slice
        if not isinstance(node.ctx, ast.Load):
            return node
        if _display(value) and _const(index, (int,)) and -len(value.elts) <= index.value < len(value.elts):
            return value.elts[index.value]
        if _display(value) and isinstance(index, ast.Slice) and all(p is None or _const(p, (int,)) for p in (index.lower, index.upper, index.step)):
            if index.step is None or index.step.value != 0:
                bounds = slice(*(None if p is None else p.value for p in (index.lower, index.upper, index.step)))
                return ast.copy_location(type(value)(elts=value.elts[bounds], ctx=ast.Load()), node)
        if _dict_display(value) and _const(index, (str,)):
            found = _lookup(value, index.value)
            if found is not None:
                return found
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        left, right = node.left, node.right
        if isinstance(node.op, ast.Add) and _display(left) and _display(right) and type(left) is type(right):
            return ast.copy_location(type(left)(elts=left.elts + right.elts, ctx=ast.Load()), node)
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)) and _const(node.left, (str,)) and _dict_display(node.comparators[0]):
            inside = _lookup(node.comparators[0], node.left.value) is not None
            return ast.copy_location(ast.Constant(inside == isinstance(node.ops[0], ast.In)), node)
        return node


def _lookup(display, key):
    for k, v in zip(display.keys, display.values):
        if k.value == key:
            return v
    return None


def _splice(items):
    """``[a, *(b, c)]`` -> ``[a, b, c]``."""
    out = []
    for item in items:
        if isinstance(item, ast.Starred) and _display(item.value):
            out.extend(item.value.elts)
        else:
            out.append(item)
    return out


def fold(body, builtin):
    """``body`` with what displays' structure decides folded (``builtin(name)``: does
    ``name`` mean Python's builtin there, for ``len``, ``tuple`` and ``list``)."""
    folder = _Fold(builtin)
    return [folder.visit(s) for s in body]


# -- spread calls in any function's body ---------------------------------------------


def spread(body, builtin, fresh, params, fold_anyway=False):
    """Write out ``f(*t)`` where ``t``'s structure is static (see the module's doc; the
    calls of functions returning tuples are unpacked before, by ``tuples.unpack``).
    ``fresh(base)``: a new local name. ``params``: the function's parameters (whose
    structure is not known). ``fold_anyway``: fold displays even without a spread."""
    if not any(isinstance(n, ast.Starred) or (isinstance(n, ast.keyword) and n.arg is None) for s in body for n in walk(s)):
        return fold(body, builtin) if fold_anyway else body
    tuples = {n: k for n, k in _tuple_names(body).items() if n not in params}
    if tuples:
        body = [_Spread(tuples).visit(s) for s in body]
    return fold(body, builtin)


def _tuple_names(body):
    """Names bound once, by an assignment of a tuple display, and never otherwise: -> width."""
    bound = {}
    for node in walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound[node.id] = bound.get(node.id, 0) + 1
    widths = {}
    for node in walk(ast.Module(body=body, type_ignores=[])):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and _display(node.value)
            and isinstance(node.value, ast.Tuple)
        ):
            if bound.get(node.targets[0].id) == 1:
                widths[node.targets[0].id] = len(node.value.elts)
    return widths


class _Spread(Transformer):
    """``*t`` -> ``*(t[0], t[1])`` for a name bound once to a tuple display of two values."""

    def __init__(self, widths):
        self.widths = widths

    def visit_Starred(self, node):
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id in self.widths:
            items = [
                ast.copy_location(ast.Subscript(value=load(node.value.id), slice=ast.Constant(k), ctx=ast.Load()), node)
                for k in range(self.widths[node.value.id])
            ]
            return ast.copy_location(ast.Starred(value=ast.Tuple(elts=items, ctx=ast.Load()), ctx=ast.Load()), node)
        return node


def shape_spread(node, ndim_of):
    """``f(*x.shape)`` -> ``f(x.shape[0], x.shape[1])`` where ``ndim_of(x)`` knows the number
    of axes; the call unchanged otherwise."""
    if not any(isinstance(a, ast.Starred) for a in node.args):
        return node
    args = []
    for a in node.args:
        shaped = isinstance(a, ast.Starred) and isinstance(a.value, ast.Attribute) and a.value.attr == "shape"
        ndim = ndim_of(a.value.value) if shaped else None
        if ndim is None:
            args.append(a)
            continue
        args += [ast.copy_location(ast.Subscript(value=clone(a.value), slice=ast.Constant(k), ctx=ast.Load()), a) for k in range(ndim)]
    return ast.copy_location(ast.Call(func=node.func, args=args, keywords=node.keywords), node)


def spread_left(node):
    """Does ``node`` (a call) still pass ``*t`` or ``**d``?"""
    return any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords)


# -- a callee specialised to one call site -------------------------------------------


@dataclass
class Site:
    """How one call binds a callee's parameters, once its spread arguments are written out."""

    bound: dict  # parameter of the specialised callee -> the argument node passed for it
    read: list  # parameters whose non-literal default the call site reads from the function
    statics: dict = field(default_factory=dict)  # parameter -> the function its default holds
    varargs: tuple = None  # the specialised names standing for *args' values
    kwargs: dict = None  # key passed through **kwargs -> the specialised parameter standing for it
    counts: dict = field(default_factory=dict)  # parameter -> the count of spread repetitions it is here (repeats.py)

    @property
    def key(self):
        """What tells this specialisation of the callee from its others."""
        varargs = None if self.varargs is None else len(self.varargs)
        kwargs = None if self.kwargs is None else tuple(self.kwargs)
        return (varargs, kwargs, tuple((p, id(v)) for p, v in sorted(self.statics.items())), tuple(sorted(self.counts.items())))


def is_literal(value):
    """A default the forward's signature can repeat as a literal."""
    if value is inspect.Parameter.empty or value is None or isinstance(value, (bool, int, float, complex, str)):
        return True
    if isinstance(value, tuple):
        return all(is_literal(v) for v in value)
    return False


def is_static(value):
    """A default the gradient resolves when it is made: a function (or another object
    that is not data), which the body may call."""
    return not isinstance(value, DATA) and callable(value)


def bind(signature, func, args, keywords):
    """The ``Site`` of a call passing ``args`` (nodes) and ``keywords`` (name -> node) to a
    function of ``signature`` whose definition is ``func`` (its AST). Raises TypeError as
    Python would."""
    bound = signature.bind(*args, **keywords).arguments
    names = Names(identifiers(func))
    site = Site({}, [])
    for name, p in signature.parameters.items():
        if p.kind is p.VAR_POSITIONAL:
            values = bound.get(name, ())
            site.varargs = tuple(names.fresh(member(name, k)) for k in range(len(values)))
            site.bound.update(zip(site.varargs, values))
        elif p.kind is p.VAR_KEYWORD:
            values = bound.get(name, {})
            site.kwargs = {key: names.fresh(member(name, key)) for key in values}
            site.bound.update((site.kwargs[k], v) for k, v in values.items())
        elif name in bound:
            site.bound[name] = bound[name]
        elif not is_literal(p.default):
            site.read.append(name)
            if is_static(p.default):
                site.statics[name] = p.default
    defaults = {name: p.default for name, p in signature.parameters.items() if name not in bound}
    site.counts = repeats.static_counts(func, site.bound, defaults)
    return site


def specialise(src, site):
    """``src`` (a ``source.Source``) with its function specialised to ``site``: ``*args``
    and ``**kwargs`` become the parameters that stand for this call's values, the
    defaults that are functions are resolved (``statics``), and the counts of spread
    repetitions this call fixes written in (``counts``)."""
    if site.varargs is None and site.kwargs is None and not site.statics and not site.counts:
        return src
    func = clone(src.func)
    func.args = _expanded(func.args, site.varargs, site.kwargs)
    func.body = repeats.substitute(_substituted(func, src, src.func.args, site.varargs, site.kwargs), site.counts)
    return replace(src, func=func, statics=dict(site.statics))


def _expanded(args, varargs, kwargs):
    new = clone(args)
    if varargs is not None:
        new.args = new.args + [ast.copy_location(ast.arg(arg=v), args.vararg) for v in varargs]
        new.vararg = None
    if kwargs is not None:
        new.kwonlyargs = new.kwonlyargs + [ast.copy_location(ast.arg(arg=v), args.kwarg) for v in kwargs.values()]
        new.kw_defaults = new.kw_defaults + [None] * len(kwargs)
        new.kwarg = None
    return new


def _substituted(func, src, old, varargs, kwargs):
    """The body reading the displays of the new parameters for ``*args`` and ``**kwargs``."""
    displays = {}
    if varargs is not None:
        displays[old.vararg.arg] = ast.Tuple(elts=[load(v) for v in varargs], ctx=ast.Load())
    if kwargs is not None:
        displays[old.kwarg.arg] = ast.Dict(keys=[ast.Constant(k) for k in kwargs], values=[load(v) for v in kwargs.values()])
    body = func.body
    stored = names_in(body, ast.Store)
    rebind = [
        ast.fix_missing_locations(ast.copy_location(ast.Assign(targets=[ast.Name(id=n, ctx=ast.Store())], value=d), body[0]))
        for n, d in displays.items()
        if n in stored
    ]
    body = rebind + clone(body, replace={n: d for n, d in displays.items() if n not in stored})
    local = {a.arg for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs} | stored
    return fold(body, lambda name: name not in local and src.lookup(name) == (True, getattr(builtins, name, None)))


def default_reads(site, func_node):
    """The keywords a call site passes for the parameters whose default it reads from the
    function object: ``strain=_rt.default(model.f, 'strain')``."""
    return [ast.keyword(arg=name, value=rt_call("default", clone(func_node), ast.Constant(name))) for name in site.read]


# -- the differentiated function itself ----------------------------------------------


def layout(signature, args, kwargs):
    """For a call of a function with ``*args`` or ``**kwargs`` (``args``, ``kwargs`` bound
    as ``inspect.BoundArguments`` gives them): ``(count of *args' values, **kwargs' keys)``,
    else None."""
    kinds = {p.kind for p in signature.parameters.values()}
    if not kinds & {inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD}:
        return None
    positional = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in signature.parameters.values())
    named = {p.name for p in signature.parameters.values() if p.kind is p.KEYWORD_ONLY}
    count = max(len(args) - positional, 0) if inspect.Parameter.VAR_POSITIONAL in kinds else None
    keys = tuple(k for k in kwargs if k not in named) if inspect.Parameter.VAR_KEYWORD in kinds else None
    return count, keys


def specialise_top(src, shape, statics, counts=()):
    """``(src, {key: parameter})``: the differentiated function specialised to a call's
    ``layout`` (or None), to the parameters whose function-valued default the call
    leaves as it is (``statics``: name -> that function) and to the integers it gives
    parameters that count spread repetitions (``counts``: name -> int, ``repeats``), and
    the parameter each key passed through its ``**kwargs`` became."""
    site = Site({}, [], dict(statics), counts=dict(counts))
    if shape is not None:
        count, keys = shape
        args, names = src.func.args, Names(identifiers(src.func))
        if args.vararg is not None:
            site.varargs = tuple(names.fresh(member(args.vararg.arg, k)) for k in range(count))
        if args.kwarg is not None:
            site.kwargs = {key: names.fresh(member(args.kwarg.arg, key)) for key in keys}
    for attr in ("__defaults__", "__kwdefaults__"):  # a function default resolved: guarded
        if statics:
            src.baked.attribute(src.fn, attr)
    return specialise(src, site), dict(site.kwargs or {})


def parameters(func):
    """The parameter names of ``func`` (an AST), in the order a bound call passes them."""
    args = func.args
    return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
