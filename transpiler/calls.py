"""Calls to the user's own functions: a forward and a backward function per callee.

Each Python function the gradient calls on differentiated values gets two
functions in the same generated module, emitted once however many call sites
there are::

    def _fwd_step(x, dt):              # runs step: its result, and what _bwd_step needs
        ...
        return _ans, (x, _t1)

    def _bwd_step(_rec, _dout):        # that record and the result's cotangent
        x, _t1 = _rec
        ...
        return _dx                     # the cotangents of the differentiated parameters

A call site's forward is ``y, _rec1 = _fwd_step(x, dt)``, its backward
``_dx = _dx + _bwd_step(_rec1, _dy)``; inside a loop ``_rec1`` goes on the tape
like any other value the backward reads. Both functions come from the pipeline
itself (``pipeline.STAGES`` on the callee, with its differentiated
parameters as ``wrt``), its forward and backward passes made into the two functions. Recursion needs
nothing more: ``_fwd_power`` calls ``_fwd_power``. A callee differentiated with
respect to another set of parameters gets a second pair, ``_fwd_step_wrt_dt``.

The same pair serves a function of the user's passed to a library function whose
derivative rule declares it a callback parameter (``Rule.callbacks``: ``func`` of
``scipy.integrate.odeint``). ``Caller.callbacks`` differentiates it with respect to the
arguments the library calls it with that the rule's layout marks (the state; the items of
``args`` that are differentiated here) and the captured values it reads (a nested def or
lambda, passed as ``_rt.closure(...)``: ``lift.py``), and the rule call gets
``func_vjp=_rt.callback_vjp(func, _fwd_f, _bwd_f, positions, ...)``: a function
``(ct, *call_args) -> (cotangents of call_args, cotangent of func)`` that the rule calls
as often as it needs (``adgen.runtime.callbacks``).
"""

import ast
import hashlib
import inspect
import linecache
import os
import sys
import types
from dataclasses import dataclass, field

import numpy as np

from adgen import errors, flow, instances, lift, objects, passed, source, subset, tuples, variadic
from adgen.errors import Diagnostics, TranspileError
from adgen.libraries import installed
from adgen.marks import mark
from adgen.names import BACKWARD, FORWARD, RECORD, Names
from adgen.reverse import Op
from adgen.runtime import registry
from adgen.syntax import Transformer, assign, clone, comment, load, name_nodes, names_in, path_of, rt_call, tag, walk


@dataclass
class Variant:
    """One callee differentiated with respect to one set of its parameters."""

    fn: object
    src: object  # its source.Source
    active: tuple  # the differentiated parameters
    fwd: str  # the names of its forward and backward functions
    bwd: str
    freevars: tuple  # closure variables: keyword-only parameters of the forward
    width: int  # the length of the tuple it returns (every return is a tuple display), else 0
    defs: list = field(default_factory=list)  # [forward, backward] FunctionDefs, once generated
    imports: dict = field(default_factory=dict)  # alias -> source.Binding: the modules its code reads
    shapes: dict = field(default_factory=dict)  # parameter -> the shape its call passes, where known


def _qualname(fn):
    return fn.qualname if isinstance(fn, lift.Lifted) else fn.__qualname__


# adgen's own functions whose source is differentiated: the forward rules (hvp)
FOLLOWED = ("adgen.runtime.rules.tangents", "adgen.runtime.rules.tangents_arrays", "adgen.runtime.rules.tangents_stats",
            "adgen.runtime.rules.tangents_linalg", "adgen.runtime.rules.scipy_linalg_tangents",
            "adgen.runtime.rules.scipy_linalg")  # the helpers scipy_linalg_tangents shares with the reverse rules


def is_user_function(fn):
    """A Python function of the user's, whose source adgen differentiates: not NumPy's,
    adgen's (but for the forward rules, ``FOLLOWED``), or one from the standard library or
    an installed package (those need rules)."""
    if isinstance(fn, types.FunctionType) and fn.__module__ in FOLLOWED:
        return True
    if not isinstance(fn, types.FunctionType) or (fn.__module__ or "").startswith(("numpy", "adgen.")):
        return False
    return not installed(fn.__code__.co_filename)


class Program:
    """The callees of one gradient module, found while differentiating its function."""

    def __init__(self, top, differentiate):
        self.top = top  # the differentiated function's source.Source
        self.differentiate = differentiate  # (variant, samples) -> (its defs, their imports): the pipeline's stages
        self.variants = {}  # (function, active parameters) -> Variant
        self.making = set()  # the functions whose variants are being made (``variant``)
        self.order = []  # variants in the order they were found (deterministic)
        self.module_names = Names(())  # module-level names handed out
        self.lifted = {}  # name -> lift.Lifted: nested defs, lifted to module level

    def lift(self, src, body, diags):
        """``(body, {name: Lifted})``: ``body`` without its nested defs, which are lifted."""
        body, lifted = lift.lift(src, body, diags, self.module_names.fresh)
        self.lifted.update(lifted)
        siblings = next((item.siblings for item in self.lifted.values() if item.src.func is src.func), {})
        for item in lifted.values():
            item.siblings = lifted  # a lifted def calls the others (and itself) by their new names
        return body, {**siblings, **lifted}

    def sources(self):
        """The sources differentiated: the function's, its callees', its nested defs'."""
        return [self.top] + [v.src for v in self.order] + [item.src for item in self.lifted.values()]

    def source_of(self, func):
        """The ``source.Source`` that a function of ``functions()`` was made from."""
        for owner in self.order + list(self.lifted.values()):
            if any(d is func for d in owner.defs or ()):
                return owner.src
        return self.top

    def caller(self, src, diags):
        return Caller(self, src, diags)

    def sha256(self):
        """The hash in the header: the function's source and every callee's."""
        if not self.order:
            return self.top.sha256
        digest = hashlib.sha256(self.top.sha256.encode())
        for module, name, sha in sorted({(v.src.module, _qualname(v.fn), v.src.sha256) for v in self.order}):
            digest.update(f"\0{module}.{name}\0{sha}".encode())
        return digest.hexdigest()

    def variant(self, fn, src, active, freevars, spec=(), samples=None, fixed=(), shapes=None):
        """``spec``: what tells ``src``'s specialisation to a call site from others
        (``variadic``). ``samples``: parameter -> the object of the user's it holds
        (``instances``): a method of one is differentiated per structure of its objects.
        ``fixed``: the functions passed to it (``passed.key``). ``shapes``: parameter -> the
        shape the call passes it, known statically: the callee is specialised to them as the
        gradient function is to its arguments' (not a function being made: recursion would
        make one per shape)."""
        samples = samples or {}
        shapes = {} if fn in self.making else dict(shapes or {})
        key = (fn, active, spec, fixed, tuple((p, instances.structure(v)) for p, v in sorted(samples.items())), tuple(sorted(shapes.items())))
        if key in self.variants:
            return self.variants[key]
        first = not any(v.fn is fn for v in self.order)
        base = src.name + ("" if first else "_wrt_" + "_".join(active))
        found = Variant(
            fn, src, active, self.module_names.fresh(FORWARD + base), self.module_names.fresh(BACKWARD + base), freevars, source_width(src, frozenset({fn})),
            shapes=shapes,
        )
        self.variants[key] = found  # before generating it: a recursive call finds it
        self.order.append(found)
        self.making.add(fn)
        try:
            found.defs, found.imports = self.differentiate(found, samples)
        finally:
            self.making.discard(fn)
        return found

    def modules(self, main):
        """alias -> ``source.Binding``: the modules the generated code reads, ``main``'s (the
        gradient function's) and its callees' and nested defs'; a callee's alias that names
        another module already is renamed in its code."""
        used = dict(main)
        for v in self.order + [item for item in self.lifted.values() if item.defs]:
            for alias, binding in sorted(v.imports.items()):
                new = alias
                while new in used and used[new].globals is not binding.globals:
                    new += "_"
                if new != alias:
                    v.defs = [_Rename({alias: new}).visit(d) for d in v.defs]
                used.setdefault(new, binding)
        return used

    def functions(self, main):
        """The gradient function, then each callee's forward and backward, then the
        lifted nested defs that code calls on values it does not differentiate."""
        funcs = [main] + [d for v in self.order for d in v.defs]
        pending = True
        while pending:
            read = names_in(funcs)
            pending = [item for name, item in self.lifted.items() if name in read and not item.defs]
            for item in pending:
                funcs.append(lift.primal(item, Diagnostics(item.src)))
        return funcs


class Caller:
    """The hooks ``reverse.Reverser`` calls for one function's call sites."""

    def __init__(self, program, src, diags):
        self.program = program
        self.src = src
        self.diags = diags
        self.holds = {}  # a call's value temporary -> the names its record may hold (see ``merge``)
        self.made = {}  # id -> each ``_t1, _rec1 = _fwd_f(...)`` statement made (see ``merge``)

    def lower(self, rev, node, fwd, tuple_width):
        """``(forward expression, Op)`` for a call to a user function, else None."""
        fn, receiver, (extra, extra_keywords) = self._callee(rev, node.func)
        if fn is None and self._method_of_self(rev, node.func):
            return node, None
        nested = isinstance(fn, lift.Lifted)
        if fn is None or not (nested or is_user_function(fn)) or registry.lookup(fn) is not None or registry.is_nondiff(fn):
            return None
        node = variadic.shape_spread(node, lambda x: _ndim(rev, x))
        if variadic.spread_left(node):
            self.diags.report(node, errors.AD206_UNKNOWN_SPREAD, name=_qualname(fn))
            return node, None
        # a method: self comes first; a functools.partial: the arguments it holds
        call_args = [receiver] * (receiver is not None) + extra + list(node.args)
        call_keywords = extra_keywords + list(node.keywords)
        args = [rev.lower(a, fwd) for a in call_args]
        keywords = [(k.arg, rev.lower(k.value, fwd)) for k in call_keywords]
        ops = {id(a): op for a, (_, op) in zip(call_args, args)}
        ops.update({id(k.value): op for k, (_, (_, op)) in zip(call_keywords, keywords)})
        new_args = [expr for expr, _ in args]
        new_keywords = [ast.keyword(arg=name, value=expr) for name, (expr, _) in keywords]
        if not any(op is not None for op in ops.values()):
            func = node.func
            keep = len(call_args) - len(node.args)
            return ast.copy_location(ast.Call(func=func, args=new_args[keep:], keywords=new_keywords[len(extra_keywords) :]), node), None
        src = fn.src if nested else self._source(fn, node)
        if src is None:
            return node, None
        site = self._bind(fn, src, node, call_args, call_keywords)
        if site is None:
            return node, None
        src = variadic.specialise(src, site)  # to the values *args and **kwargs take here
        subset.raise_if_unsupported(src)  # the callee's own problems, at its own lines
        bound = site.bound
        active = tuple(p for p, value in bound.items() if ops.get(id(value)) is not None)
        freevars = () if nested else tuple(v for v in fn.__code__.co_freevars if v in src.closure and v != "__class__")
        samples = {p: rev.resolver.instances.of(value) for p, value in bound.items() if isinstance(value, ast.AST)}
        fixed = passed.function_arguments(rev.resolver, bound, ops)
        if fixed:  # apply(np.sin, x): the callee differentiated for that function, which it takes by keyword
            src = passed.specialised(src, fixed)
            given = {id(bound[p]) for p in fixed}
            new_args = [e for e, a in zip(new_args, call_args) if id(a) not in given]
            new_keywords = [k for k, a in zip(new_keywords, call_keywords) if id(a.value) not in given]
            new_keywords += [ast.keyword(arg=p, value=bound[p]) for p in fixed]
        shapes = {p: rev.shapes.of(value) for p, value in bound.items() if isinstance(value, ast.AST) and p not in fixed}
        variant = self.program.variant(
            fn, src, active, freevars + tuple(fixed), site.key, {p: v for p, v in samples.items() if v is not None}, passed.key(fixed),
            {p: s for p, s in shapes.items() if isinstance(s, tuple)},
        )
        if variant.width != tuple_width:
            # unpacking an array or a tuple built elsewhere: say so rather than guess its structure
            message = errors.AD302_TUPLE_RESULT if variant.width else errors.AD302_NOT_A_DISPLAY
            self.diags.report(node, message, name=_qualname(fn))
            return node, None
        if not nested:  # its code (autoreload replaces it in place) and the defaults its forward takes
            for attr in ("__code__", "__defaults__", "__kwdefaults__"):
                self.src.baked.attribute(fn, attr)
        for k in new_keywords:
            k.arg = (site.kwargs or {}).get(k.arg, k.arg)  # a keyword **kwargs takes: its own parameter
        new_keywords += variadic.default_reads(site, node.func)
        new_keywords += [ast.keyword(arg=v, value=rt_call("freevar", clone(node.func), ast.Constant(v))) for v in freevars]
        value, record = rev.names.temp(), rev.names.numbered(RECORD)
        targets = ast.Tuple(elts=[ast.Name(id=value, ctx=ast.Store()), ast.Name(id=record, ctx=ast.Store())], ctx=ast.Store())
        stmt = ast.copy_location(ast.Assign(targets=[targets], value=ast.Call(func=load(variant.fwd), args=new_args, keywords=new_keywords)), node)
        self.made[id(stmt)] = stmt
        fwd.append(ast.fix_missing_locations(stmt))
        slots = [ops[id(bound[p])] for p in active]
        expr = ast.copy_location(load(value), node)
        mark(expr, active=True)
        # the record may hold the arguments' values and the result: an in-place store into
        # them later must be undone before this call's backward runs (inplace.py)
        self.holds[value] = {value} | {n.id for a in new_args + [k.value for k in new_keywords] for n in walk(a) if isinstance(n, ast.Name)}
        return expr, Op("call", node, name=variant.bwd, values={"record": record, "holds": self.holds[value]}, slots=slots)

    def callbacks(self, rev, node, tpl, mapping):
        """For a call of a library function whose derivative rule takes functions of the
        user's (``Rule.callbacks``, ``odeint(f, y0, t, args=(c, k))``): ``{parameter: plan}``,
        each callback differentiated (a ``Variant``, like a callee's) with respect to the
        arguments the library calls it with that its rule's layout marks (the state ``y``,
        the differentiated items of ``args``) and the captured variables it reads that are
        differentiated. None when one cannot be (AD212, recorded)."""
        label = tpl.attr  # the rule's name: the function's (``odeint``)
        known = objects.static_arguments(rev, mapping)
        plans = {}
        for param, layout in tpl.rule.callbacks.items():
            markers = layout(**known)
            if isinstance(markers, str):
                self.diags.report(node, errors.AD212_RULE_REFUSES, reason=markers)
                return None
            fn, names, values = self._callback_function(rev, mapping.get(param))
            if fn is None:
                message = errors.AD212_UNKNOWN if values == "unknown" else errors.AD212_NOT_YOURS
                self.diags.report(node, message, name=ast.unparse(mapping.get(param)), label=label, param=param)
                return None
            positions = self._callback_positions(rev, node, label, param, markers, mapping)
            if positions is None:
                return None
            signature = fn.signature if isinstance(fn, lift.Lifted) else inspect.signature(fn)
            positional = [p.name for p in signature.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            if positions and positions[-1] >= len(positional):
                self.diags.report(node, errors.AD212_STAR_ARGS, label=label, name=_qualname(fn), params=", ".join(positional))
                return None
            captured = tuple(n for n, v in zip(names, values) if rev.activity.expr_active(v))
            nested = isinstance(fn, lift.Lifted)
            src = fn.src if nested else self._source(fn, node)
            if src is None:
                return None
            subset.raise_if_unsupported(src)
            cells = () if nested else tuple(v for v in fn.__code__.co_freevars if v in src.closure)
            if not nested:
                for attr in ("__code__", "__defaults__", "__kwdefaults__"):
                    self.src.baked.attribute(fn, attr)
            active = tuple(positional[k] for k in positions) + captured
            variant = self.program.variant(fn, src, active, cells)
            if variant.width:
                self.diags.report(node, errors.AD212_TUPLE_RESULT, name=_qualname(fn), label=label, param=param)
                return None
            plans[param] = (variant, tuple(positions), captured, cells)
        return plans

    def callback_vjp(self, plan, func):
        """``_rt.callback_vjp(func, _fwd_f, _bwd_f, positions, captured, cells)``: the
        callback's VJP, which the rule takes as ``<parameter>_vjp``."""
        variant, positions, captured, cells = plan
        args = [clone(func), load(variant.fwd), load(variant.bwd), ast.Constant(positions)]
        if captured or cells:
            args += [ast.Constant(captured), ast.Constant(cells)]
        return rt_call("callback_vjp", *args)

    def _callback_function(self, rev, arg):
        """``(function or Lifted, captured names, their value expressions)``, or ``(None,
        None, why)``."""
        if isinstance(arg, ast.Call) and path_of(arg.func) == "_rt.closure" and isinstance(arg.args[0], ast.Name):
            fn = rev.resolver.bound.get(arg.args[0].id)
            return fn, ast.literal_eval(arg.args[1]), arg.args[2].elts
        if arg is None:
            return None, None, "unknown"
        ok, fn = rev.resolver.value_of(arg)
        if not ok:
            return None, None, "unknown"
        if isinstance(fn, lift.Lifted) or (is_user_function(fn) and registry.lookup(fn) is None and not registry.is_nondiff(fn)):
            return fn, (), ()
        return None, None, "library"

    def _callback_positions(self, rev, node, label, param, markers, mapping):
        """The positions of the callback's arguments that are differentiated, or None (AD212)."""
        positions, at = [], 0
        for marker in markers:
            if at is None and marker is not False:
                self.diags.report(node, errors.AD212_AFTER_UNKNOWN, label=label, param=param)
                return None
            if isinstance(marker, str):
                items = mapping.get(marker[1:])
                if isinstance(items, ast.Tuple) and not any(isinstance(e, ast.Starred) for e in items.elts):
                    positions += [at + k for k, e in enumerate(items.elts) if rev.activity.expr_active(e)]
                    at += len(items.elts)
                elif items is None or not rev.activity.expr_active(items):
                    at = None  # how many, not known; none differentiated
                else:
                    self.diags.report(node, errors.AD212_ARGS_DISPLAY, label=label, param=marker[1:])
                    return None
            else:
                if marker:
                    positions.append(at)
                if at is not None:
                    at += 1
        return positions

    def tuple_width(self, rev, node):
        """``n`` when ``node`` calls a function of the user's that returns a tuple of ``n``
        values on every path (``tuples.width``), else 0: ``polar(r, t)[0]`` then picks one."""
        fn = self._callee(rev, node.func)[0]
        if not isinstance(fn, lift.Lifted) and (fn is None or not is_user_function(fn) or registry.lookup(fn) is not None or registry.is_nondiff(fn)):
            return 0
        return returned_width(fn) or 0

    def _method_of_self(self, rev, func):
        """``self.method(...)``: which class's method it runs is known only at run time (AD202),
        unless ``self`` holds a sample (``instances``: AD218 was recorded then if need be)."""
        if id(func) in rev.resolver.instances.refused:
            return True
        on_self = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ("self", "cls")
        if not on_self or hasattr(np.ndarray, func.attr):  # else AD205, from the Reverser
            return False
        if rev.resolver.instances.of(func.value) is not None:
            return False  # a function the object holds (``self.act = np.tanh``): its rule, from the Reverser
        self.diags.report(func, errors.AD202_METHOD_OF_SELF, name=ast.unparse(func), method=func.attr, receiver=func.value.id)
        return True

    def _source(self, fn, node):
        linecache.checkcache(fn.__code__.co_filename)  # the file may have been edited and reloaded
        try:
            return source.load(fn)
        except TranspileError as exc:
            if exc.diagnostics and exc.diagnostics[0].code == "AD207":  # at the callee's line: reload it
                self.diags.items.append(exc.diagnostics[0])
                return None
            why = exc.diagnostics[0].message if exc.diagnostics else "no source"
            self.diags.report(node, errors.AD203_NO_SOURCE, name=_qualname(fn), why=why)
            return None

    def _callee(self, rev, func):
        """``(function, receiver expression or None, (arguments, keywords) it adds))`` that
        ``func`` names statically: a function, a method of a module-level object or class (its
        receiver passed as ``self``), or one found through an object of the user's
        (``instances``: a method of ``self``, a callable object, a ``functools.partial``),
        else ``(None, None, ([], []))``."""
        none = ([], [])
        ok, fn = rev.resolver.value_of(func)
        if isinstance(fn, types.MethodType) and isinstance(func, ast.Attribute):  # a classmethod, through its class
            return fn.__func__, func.value, none
        if ok and (is_user_function(fn) or isinstance(fn, lift.Lifted)):
            return fn, None, none
        found = rev.resolver.instances.callee(func)
        if found is not None:
            return found
        if ok or not isinstance(func, ast.Attribute):
            return (fn if ok else None), None, none
        ok, base = rev.resolver.value_of(func.value, record=False)  # which object is read when it runs
        if not ok or isinstance(base, (type, types.ModuleType)) or func.attr in getattr(base, "__dict__", {}):
            return None, None, none
        raw = inspect.getattr_static(type(base), func.attr, None)
        if isinstance(raw, types.FunctionType):
            rev.resolver.pin(func, raw)  # but which function its class gives is baked in
            return raw, func.value, none  # a method of an object of yours: Class.method(obj, ...)
        return None, None, none

    def _bind(self, fn, src, node, args, keywords):
        """The ``variadic.Site``: how the call binds the callee's parameters."""
        signature = fn.signature if isinstance(fn, lift.Lifted) else inspect.signature(fn)
        try:
            return variadic.bind(signature, src.func, args, {k.arg: k.value for k in keywords})
        except TypeError as exc:
            self.diags.report(node, errors.AD204_PARAMETERS, name=_qualname(fn), error=exc)
            return None

    def merge(self, fwd):
        """``_t1, _rec1 = _fwd_f(x); y = _t1`` -> ``y, _rec1 = _fwd_f(x)``."""
        if len(fwd) < 2 or self.made.get(id(fwd[-2])) is not fwd[-2]:
            return fwd
        call, last = fwd[-2], fwd[-1]
        value = call.targets[0].elts[0].id
        if not (isinstance(last.value, ast.Name) and last.value.id == value):
            return fwd
        self.holds.get(value, set()).update(n.id for n in walk(last.targets[0]) if isinstance(n, ast.Name))
        targets = ast.Tuple(elts=[last.targets[0], call.targets[0].elts[1]], ctx=ast.Store())
        merged = ast.copy_location(ast.Assign(targets=[targets], value=call.value), last)
        return fwd[:-2] + [merged]

    def backprop(self, rev, op, g, via, out):
        """``_r1 = _bwd_f(_rec1, g)``, then each differentiated argument's share."""
        result = rev.rtemp()
        stmt = tag(assign(result, ast.Call(func=load(op.name), args=[load(op.values["record"]), g], keywords=[])), "set", via)
        mark(stmt, reads=frozenset(op.values["holds"]))
        out.append(stmt)
        for k, child in enumerate(op.slots):
            share = load(result) if len(op.slots) == 1 else ast.Subscript(value=load(result), slice=ast.Constant(k), ctx=ast.Load())
            mark(share, zero=True)  # the callee's adjoint of a parameter may be 0.0
            rev.backprop(child, share, result, out)


# -- splitting a differentiated callee into its forward and backward functions ----------


def split(form, variant):
    """``([forward def, backward def], {alias: module})`` of a callee's optimised form
    (``forms.Optimized``): the backward's record is what it reads of the forward's values."""
    names, src = form.names, variant.src
    forward, backward = list(form.forward), list(form.backward)
    seed = form.dout
    first = backward[0] if backward else None
    if isinstance(first, ast.Assign) and isinstance(first.value, ast.Name) and first.value.id == seed and isinstance(first.targets[0], ast.Name):
        seed = first.targets[0].id  # ``_dans = _dout``: the parameter takes the adjoint's name
        backward = backward[1:]
    params = [a.arg for a in form.func.args.posonlyargs + form.func.args.args + form.func.args.kwonlyargs]
    available = set(params) | set(variant.freevars) | names_in(forward, ast.Store)
    record = sorted(_exposed(backward) & available, key=_order(forward, params))
    unsure = [v for v in record if v not in set(params) | set(variant.freevars) | _surely_stored(forward)]
    if unsure:
        note = comment("the record holds these; a branch or loop may not assign them")
        forward = [note] + [assign(v, ast.Constant(None)) for v in unsure] + forward
    rec = names.fresh(RECORD)
    packed = ast.Tuple(elts=[load(v) for v in record], ctx=ast.Load())
    forward.append(ast.Return(value=ast.Tuple(elts=[load(form.result), packed], ctx=ast.Load())))
    if record:
        unpack = ast.Tuple(elts=[ast.Name(id=v, ctx=ast.Store()) for v in record], ctx=ast.Store())
        backward.insert(0, ast.Assign(targets=[unpack], value=load(rec)))
    where = f"{src.module}.{_qualname(variant.fn)}"
    what = ", ".join(variant.active)
    fwd_doc = f"Forward pass of {where}: its result, and the record {variant.bwd} reads."
    bwd_doc = (f"Backward pass of {where}: the cotangents of {what},\n    from {seed}, that of its result."
               f" `# line N` is a line of {os.path.basename(src.filename)}.\n    ")
    fwd_def = _def(variant.fwd, _signature(form.func.args, variant.freevars, variant.fn), fwd_doc, forward)
    bwd_args = ast.arguments(posonlyargs=[], args=[ast.arg(arg=rec), ast.arg(arg=seed)], kwonlyargs=[], kw_defaults=[], defaults=[])
    bwd_def = _def(variant.bwd, bwd_args, bwd_doc, backward)
    imports = dict(form.rev.rule_bindings)
    if used(form.resolver.module_alias, forward + backward):
        imports[form.resolver.module_alias] = src.binding()
    return [fwd_def, bwd_def], imports


def used(alias, stmts):
    """``alias`` if the statements read it (a call to the user's function no longer
    reads the module that defines it), else None."""
    reads = any(n.id == alias for n in name_nodes(stmts))
    return alias if alias and reads else None


def _def(name, args, doc, body):
    return ast.FunctionDef(name=name, args=args, body=[ast.Expr(ast.Constant(doc))] + body, decorator_list=[], returns=None, type_params=[])


def _signature(args, freevars, fn):
    """The callee's parameters with literal defaults (others become ``None``: call sites
    always pass those, see ``Caller._bind``), and its closure variables as keywords. The
    defaults are the running function's (``fn``; a nested def's are in its source)."""
    new = clone(args)
    if isinstance(fn, types.FunctionType):
        empty = inspect.Parameter.empty
        params = inspect.signature(fn).parameters  # without those standing for *args, **kwargs
        values = [params[a.arg].default if a.arg in params else empty for a in new.posonlyargs + new.args]
        first = next((i for i, v in enumerate(values) if v is not empty), len(values))
        new.defaults = [_default(v) for v in values[first:]]
        new.kw_defaults = [None if a.arg not in params or params[a.arg].default is empty else _default(params[a.arg].default) for a in new.kwonlyargs]
    new.defaults = [d if _is_literal_node(d) else ast.Constant(None) for d in new.defaults]
    new.kw_defaults = [d if d is None or _is_literal_node(d) else ast.Constant(None) for d in new.kw_defaults]
    new.kwonlyargs += [ast.arg(arg=v) for v in freevars]
    new.kw_defaults += [None] * len(freevars)
    for a in new.posonlyargs + new.args + new.kwonlyargs:
        a.annotation = None
    return new


def _default(value):
    """A default value as a literal expression, or ``None`` when it is none."""
    if value is inspect.Parameter.empty or not variadic.is_literal(value):
        return ast.Constant(None)
    return ast.parse(repr(value), mode="eval").body


def _is_literal_node(node):
    try:
        ast.literal_eval(node)
        return True
    except ValueError:
        return False


def _ndim(rev, node):
    """The number of axes of ``node``'s value where the shapes analysis knows it, else None."""
    shape = rev.shapes.of(node)
    return len(shape) if isinstance(shape, tuple) else None


def width_of(src, local, call, seen=frozenset()):
    """``n`` when ``call`` (in ``src``'s function, its names not yet qualified; ``local``: the
    function's local names) calls a function of yours that returns a tuple of ``n`` values
    (``tuples.width``), or a derivative rule with ``n`` outputs, else 0; None for a function
    in ``seen`` (whose width is being found: a recursive call)."""
    node, attrs = call.func, []
    while isinstance(node, ast.Attribute):
        attrs.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id in local:
        return 0
    found, fn = src.lookup(node.id)
    for attr in attrs:
        if not found or not isinstance(fn, (types.ModuleType, type)):
            return 0
        fn = inspect.getattr_static(fn, attr, None)
    rule = registry.lookup(fn) if found else None
    if rule is not None:
        return rule.outputs if type(rule.outputs) is int and not rule.variants else 0
    if not found or not is_user_function(fn) or registry.is_nondiff(fn):
        return 0
    return returned_width(fn, seen)


def returned_width(fn, seen=frozenset()):
    """``n`` when ``fn`` (a function of yours, or a lifted nested def) returns a tuple of ``n``
    values on every path (``tuples.width``), else 0 (None: ``fn`` is in ``seen``)."""
    if fn in seen:
        return None
    if isinstance(fn, lift.Lifted):
        return source_width(fn.src, seen | {fn})
    linecache.checkcache(fn.__code__.co_filename)
    try:
        return source_width(source.load(fn), seen | {fn})
    except TranspileError:
        return 0  # reported where the call is differentiated


def source_width(src, seen=frozenset()):
    """``returned_width`` of the function of ``src`` (a ``source.Source``)."""
    args = src.func.args
    local = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg] if a is not None}
    local |= names_in(src.func.body, ast.Store)
    return tuples.width(src.func, lambda call: width_of(src, local, call, seen)) or 0


def _surely_stored(stmts):
    """Names assigned by the top-level statements of ``stmts`` (not inside branches or loops)."""
    return {n.id for s in stmts if isinstance(s, ast.Assign) for t in s.targets for n in walk(t) if isinstance(n, ast.Name)}


def _exposed(stmts):
    """Names ``stmts`` may read before assigning them."""
    state = flow.forward(stmts, (set(), set()), _Exposed())[1]
    return state[1] if state is not None else set()


class _Exposed(flow.Analysis):
    """``(names surely assigned, names read before they surely were)``, forward."""

    def step(self, stmt, state, apply):  # an assignment reads its value, and its targets' bases (``y[i] = _t1``)
        defined, found = state
        found |= _reads(stmt) - defined
        if isinstance(stmt, ast.Assign):
            defined |= names_in(stmt.targets, ast.Store)
        return [stmt], state

    def test(self, stmt, state, apply=False):
        defined, found = state
        found |= _reads(stmt.iter if isinstance(stmt, ast.For) else stmt.test) - defined
        return state

    def bind(self, stmt, state):
        state[0].update(names_in([stmt.target], ast.Store))
        return state

    def join(self, a, b):
        return a[0] & b[0], a[1] | b[1]

    def copy(self, state):
        return set(state[0]), set(state[1])


def _reads(node):
    return names_in(node, ast.Load) if node is not None else set()


def _order(forward, params):
    """Sort key: parameters first, in order, then names in the order the forward assigns them."""
    rank = {p: i for i, p in enumerate(params)}
    for s in forward:
        for n in walk(s):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id not in rank:
                rank[n.id] = len(rank)
    return lambda v: (rank.get(v, sys.maxsize), v)


class _Rename(Transformer):
    def __init__(self, renames):
        self.renames = renames

    def visit_Name(self, node):
        if node.id in self.renames:
            return ast.copy_location(ast.Name(id=self.renames[node.id], ctx=node.ctx), node)
        return node
