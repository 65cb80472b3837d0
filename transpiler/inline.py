"""Derivative rules as templates: bind a call's arguments to a rule's
parameters, and paste one-expression rules into generated code.

A rule whose body is ``return <expr>`` (or a tuple of expressions) naming only
its parameters, ``np`` and the runtime's public helpers (``_rt.expand``, written so
even where the rule reaches it by its file, ``_rt.rules.reductions.expand``) becomes a
template: generated code gets the expression with the call's own arguments in place of
the parameters. Any other rule is called: a built-in one as ``_rt.vjps.<name>``, a
user's by its module path, or, when its module does not hold it by its name (a rule
defined inside a function, a lambda, one whose source Python did not keep), found
through the registry by the primal when the gradient runs.
"""

import ast
import functools
import inspect
import textwrap
from dataclasses import dataclass

import numpy as np

from adgen import runtime, source
from adgen.errors import RuleError
from adgen.marks import mark, marks
from adgen.shapes import plain
from adgen.simplify import Folder
from adgen.syntax import Transformer, clone, names_in, path_of, walk

INLINE_GLOBALS = {"np": np, "_rt": runtime}


@dataclass
class Template:
    name: str  # module.qualname, for messages
    rule: object  # the registry's Rule
    g: str  # the rule's name for the cotangent parameter
    ans: str  # ... and for the result parameter
    signature: inspect.Signature  # the primal's parameters as the rule lists them
    outputs: list  # per cotangent slot: an expression over g/ans/parameters, or None (no cotangent)
    inlined: bool  # False: ``outputs[k]`` reads slot k of the rule's returned value
    rest: int  # slots from this index on are all live (a called rule returning ``tuple(...)``); -1: none
    module: str  # where the rule lives, for a call when not inlined
    attr: str
    by_primal: bool = False  # called as ``_rt.rule_of(primal, qualname)``: no module holds it by name
    sourceless: bool = False  # Python kept no source: every slot is live, the result normalised when it runs
    reads_ans: bool = True  # False: the rule's body never reads its result, which is then neither kept nor passed

    @property
    def params(self):
        return list(self.signature.parameters.values())

    def output(self, k):
        """The cotangent template of slot ``k``, or ``None`` when the slot gets none."""
        if k < len(self.outputs):
            return self.outputs[k]
        return _slot(k) if 0 <= self.rest <= k else None


_TEMPLATES = {}


def template(rule):
    fn = rule.fn
    if fn not in _TEMPLATES:
        _TEMPLATES[fn] = _make_template(rule)
    return _TEMPLATES[fn]


def _make_template(rule):
    fn = rule.fn
    name = f"{fn.__module__}.{fn.__qualname__}"
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise RuleError(name, f"cannot read its signature ({exc})") from None
    params = list(sig.parameters.values())
    if len(params) < 2:
        raise RuleError(name, "a rule takes (g, ans, <the primal's parameters>)")
    g, ans = params[0].name, params[1].name
    primal_sig = sig.replace(parameters=params[2:])
    func = _definition(fn)
    by_primal = func is None or fn.__globals__.get(fn.__name__) is not fn
    if func is None:
        return Template(name, rule, g, ans, primal_sig, [], False, 0, fn.__module__ or "", fn.__name__, True, True)
    body = [s for s in func.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    allowed = {p.name for p in params}
    module_ok = all(fn.__globals__.get(k, v) is v for k, v in INLINE_GLOBALS.items())
    if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None and module_ok:
        expr = body[0].value
        free = names_in(expr)
        scoped = any(isinstance(n, (ast.Lambda, ast.comprehension, ast.NamedExpr)) for n in walk(expr))
        public = _published(expr)
        if free <= allowed | set(INLINE_GLOBALS) and not scoped and public is not None and not _dynamic(expr):  # one cotangent per argument: called
            outputs = public.elts if isinstance(public, ast.Tuple) else [public]
            outputs = [None if _is_none(o) else o for o in outputs]
            return Template(name, rule, g, ans, primal_sig, outputs, True, -1, fn.__module__ or "", fn.__name__)
    slots, rest = _returned_slots(func, name)
    reads_ans = ans in names_in(func.body)
    return Template(name, rule, g, ans, primal_sig, slots, False, rest, fn.__module__ or "", fn.__name__, by_primal, reads_ans=reads_ans)


def _definition(fn):
    """The rule's ``def`` (a lambda as ``def <lambda>(...): return ...``), or None when
    Python kept no source for it (``exec()`` of a string) or its lines do not parse
    alone (a lambda inside a longer bracket)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    code = fn.__code__
    if code.co_name != "<lambda>":
        first = tree.body[0] if tree.body else None
        return first if isinstance(first, (ast.FunctionDef, ast.AsyncFunctionDef)) and first.name == code.co_name else None
    wanted = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    lambdas = [n for n in walk(tree) if isinstance(n, ast.Lambda) and [a.arg for a in n.args.posonlyargs + n.args.args + n.args.kwonlyargs] == wanted]
    if len(lambdas) != 1:  # two lambdas of one signature on a line: not told apart
        return None
    return source.as_function(lambdas[0], "<lambda>")


def _published(expr):
    """``expr`` with every runtime helper it reaches by its place written by its public
    name (``_rt.rules.reductions.expand`` -> ``_rt.expand``), or None when one has none
    (the rule is then called, not pasted: generated code reaches only ``runtime.PUBLIC``)."""

    class Publish(Transformer):
        missing = False

        def visit_Attribute(self, node):
            path = path_of(node)
            if path is None or not path.startswith("_rt."):
                return self.generic_visit(node)
            name = runtime.public_name(path[len("_rt.") :])
            self.missing |= name is None
            return ast.copy_location(ast.Attribute(value=ast.Name(id="_rt", ctx=ast.Load()), attr=name or "", ctx=ast.Load()), node)

    publish = Publish()
    expr = publish.visit(clone(expr))
    return None if publish.missing else expr


def _is_none(node):
    return isinstance(node, ast.Constant) and node.value is None


def _returned_slots(func, name):
    """For a called rule: which slots of its result can hold a cotangent."""
    returns = [n for n in walk(func) if isinstance(n, ast.Return)]
    if not returns or any(r.value is None for r in returns):
        raise RuleError(name, "every path must return the cotangent(s)")
    if all(_dynamic(r.value) for r in returns):
        # one cotangent per argument, however many: ``return tuple(...)`` or ``return None, *rest``
        first = returns[0].value
        if isinstance(first, ast.Call):
            return [], 0
        star = next(k for k, e in enumerate(first.elts) if isinstance(e, ast.Starred))
        return [None if _is_none(e) else _slot(k) for k, e in enumerate(first.elts[:star])], star
    if any(_dynamic(r.value) for r in returns):
        raise RuleError(name, "return `tuple(...)` on every path or on none")
    if all(isinstance(r.value, ast.Tuple) for r in returns):
        width = max(len(r.value.elts) for r in returns)
        slots = []
        for k in range(width):
            dead = all(k >= len(r.value.elts) or _is_none(r.value.elts[k]) for r in returns)
            slots.append(None if dead else _slot(k))
        return slots, -1
    if any(isinstance(r.value, ast.Tuple) for r in returns):
        raise RuleError(name, "return either a tuple literal on every path or a single cotangent")
    return [_slot(None)], -1


def _dynamic(value):
    """``tuple(...)`` or ``(a, *rest)``: a tuple whose length is the number of arguments."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "tuple":
        return True
    return isinstance(value, ast.Tuple) and any(isinstance(e, ast.Starred) for e in value.elts)


def _slot(k):
    """Placeholder for slot k of a called rule's result (filled in by ``instantiate``)."""
    return ast.Name(id="__result__", ctx=ast.Load()) if k is None else ast.Subscript(
        value=ast.Name(id="__result__", ctx=ast.Load()), slice=ast.Constant(k), ctx=ast.Load()
    )


class BindError(Exception):
    pass


def bind(tpl, args, keywords):
    """Map the rule's parameters to argument expressions.

    Returns ``(mapping, slots)``: ``mapping`` from parameter name to an
    expression (a varargs parameter maps to a list of them), and ``slots``, the
    argument expression of each cotangent slot in order (``None`` for a
    parameter left at its default).
    """
    params = tpl.params
    mapping, slots = {}, []
    positional = list(args)
    for p in params:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and positional:
            mapping[p.name] = positional.pop(0)
        elif p.kind == p.VAR_POSITIONAL:
            mapping[p.name] = positional
            positional = []
    if positional:
        raise BindError(f"takes at most {len(mapping)} positional arguments here")
    for key, value in keywords:
        p = tpl.signature.parameters.get(key)
        if p is None or p.kind in (p.VAR_POSITIONAL, p.POSITIONAL_ONLY):
            raise BindError(f"does not accept the keyword argument `{key}`")
        if key in mapping:
            raise BindError(f"got `{key}` twice")
        mapping[key] = value
    for p in params:
        if p.name in mapping:
            continue
        if p.kind == p.VAR_POSITIONAL:
            mapping[p.name] = []
        elif p.default is p.empty:
            raise BindError(f"is missing the argument `{p.name}`")
        else:
            mapping[p.name] = _literal(p.default, tpl.name)
    for p in params:
        value = mapping[p.name]
        if p.kind == p.VAR_POSITIONAL:
            slots.extend(value)
        else:
            slots.append(None if is_default(value) else value)
    return mapping, slots


def _literal(value, name):
    try:
        node = ast.parse(repr(value), mode="eval").body
        if ast.literal_eval(node) != value:
            raise ValueError
    except (SyntaxError, ValueError):
        raise RuleError(name, f"default {value!r} is not a literal constant") from None
    return mark(node, default=True)


def is_default(node):
    return marks(node).default


def instantiate(expr, values, moved=()):
    """A copy of ``expr`` with each name in ``values`` replaced by (a copy of) its expression
    (a list of expressions: a tuple of them); ``moved``: names that occur once in ``expr``,
    whose expressions the caller hands over (they are put in as they are, not copied)."""
    exprs = {k: ast.Tuple(elts=v, ctx=ast.Load()) if isinstance(v, list) else v for k, v in values.items()}
    return clone(expr, exprs, moved)


def paste(expr, values, moved=()):
    """``instantiate``, tidied in one more pass: arithmetic on number literals folded
    (``simplify.fold``), and in calls to runtime helpers the trailing positional arguments
    that are the literal default of their parameter left out (``expand(g, shape, None,
    False)`` -> ``expand(g, shape)``)."""
    return _Tidy().visit(instantiate(expr, values, moved))


class _Tidy(Folder):
    def visit_Call(self, node):
        node = super().visit_Call(node)
        if not isinstance(node, ast.Call):
            return node
        params = _runtime_params(_runtime_object(node.func))
        if params is None:
            return node
        while node.args and len(node.args) <= len(params) and not node.keywords:
            last, param = node.args[-1], params[len(node.args) - 1]
            literal = isinstance(last, ast.Constant) and param.default is not param.empty
            if not (literal and type(last.value) is type(param.default) and last.value == param.default):
                break
            node.args.pop()
        return node


@functools.lru_cache(maxsize=None)
def _runtime_params(fn):
    """The parameters of a runtime helper (``[]`` for anything not callable), or None
    when its signature cannot be read; looked up once per helper."""
    if not callable(fn):
        return []
    try:
        return list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None


def _runtime_object(func):
    """The object ``_rt.a.b`` names, or ``None``."""
    path = []
    while isinstance(func, ast.Attribute):
        path.append(func.attr)
        func = func.value
    if not (isinstance(func, ast.Name) and func.id == "_rt"):
        return None
    obj = runtime
    for attr in reversed(path):
        obj = getattr(obj, attr, None)
    return obj


_SPECIALISED = {}  # (id of a rule's output, keep, shapes) -> (the output, its specialisation)
_READS = {}  # id of a rule's output -> (the output, the names in it)


def specialise(expr, keep, shapes):
    """A rule's output ``expr`` for one call: ``_rt.unbroadcast(e, p)`` becomes ``e`` for
    parameters ``p`` not in ``keep``, ``np.shape(p)`` the literal shape ``shapes[p]``
    where it is known statically, and helpers plain NumPy where the shapes fix their case
    (``shapes.plain``). Made once per rule output, ``keep`` and shapes, and
    shared: callers read it (``instantiate`` copies it), never change it."""
    reads = _READS.get(id(expr))
    if reads is None or reads[0] is not expr:
        reads = _READS[id(expr)] = (expr, names_in(expr))
    reads = reads[1]
    key = (id(expr), frozenset(keep & reads), tuple(sorted((p, shapes[p]) for p in reads if shapes.get(p) is not None)))
    found = _SPECIALISED.get(key)
    if found is not None and found[0] is expr:
        return found[1]

    class Specialise(Transformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            path = path_of(node.func)
            simpler = plain(path, node.args, shapes)
            if simpler is not None:
                return ast.copy_location(simpler, node)
            if path == "_rt.unbroadcast" and len(node.args) == 2 and isinstance(node.args[1], ast.Name) and node.args[1].id not in keep:
                return node.args[0]
            if path == "np.shape" and len(node.args) == 1 and isinstance(node.args[0], ast.Name):
                shape = shapes.get(node.args[0].id)
                if shape is not None:
                    return ast.copy_location(ast.Constant(shape), node)
            return node

    if len(_SPECIALISED) > 4096:
        _SPECIALISED.clear()
        _READS.clear()
    result = Specialise().visit(clone(expr))
    _SPECIALISED[key] = (expr, result)
    return result
