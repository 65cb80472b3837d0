"""The stages from a function to its gradient module, readable on one screen."""

import ast
import builtins
import contextlib
import functools
import gc
import os
import sys
from dataclasses import dataclass, field

from adgen import activity, aliasing, along_axis, auxiliary, calls, complexity, containers, dynamic, emit, errors, fingerprint, frozen, funcargs, funcvalues, guards, inplace, instances, kinds, lists, nested, nesteddefaults, normalize, optimize, repeats, shapes, stores, structure, subset, tuples, unroll, variadic
from adgen.assemble import Layout, build
from adgen.debug import instrument
from adgen.errors import AdgenError, Diagnostics, InternalError, TranspileError
from adgen.names import Names, identifiers
from adgen.resolve import Resolver
from adgen.reverse import Block, Reverser
from adgen.syntax import assign, call, clone, load, name_nodes, names_in, rt_call, tag, walk


@dataclass
class Gradient:
    """A generated gradient module and what callers need to run it."""

    text: str
    funcname: str  # the generated function
    wrt: tuple  # differentiated parameter names
    wrt_tuple: bool  # gradients come back as a tuple
    dout: str  # the name of the seed parameter
    closure: list = field(default_factory=list)  # closure variables passed as keyword arguments
    guard: guards.Guard = None  # what the transform resolved, to check before the gradient is reused
    modules: dict = field(default_factory=dict)  # alias -> source.Binding: the user's modules it reads
    lines: list = None  # with ``transform(lines=True)``: per line of ``text``, where it came from (``origins``)
    has_aux: bool = False  # it returns ``((value, aux), gradients)``
    keywords: dict = field(default_factory=dict)  # keys passed through **kwargs -> their parameters (variadic.py)


@contextlib.contextmanager
def stage(name, src=None):
    """Anything but adgen's own errors escaping a stage is a bug in that stage; but for
    running out of Python's recursion limit on a deeply nested ``src`` (AD113)."""
    try:
        yield
    except (AdgenError, Warning):  # a Warning: one of adgen's, which the user's filters made an error
        raise
    except RecursionError:
        if src is None:
            raise  # to the stage that knows the function
        diags = Diagnostics(src)
        diags.report(src.func, errors.AD113_RECURSION, limit=sys.getrecursionlimit())
        diags.raise_if_any()
    except Exception as exc:  # noqa: BLE001 - turned into a report-this-bug error
        raise InternalError(name, f"{type(exc).__name__}: {exc}") from exc


def transform(src, wrt=0, origin=None, command=None, arg_shapes=None, debug=False, base=None, lines=False, has_aux=False, samples=None):
    """``src``: a ``source.Source``. ``origin``: the path shown in the header. ``base``: the
    folder an emitted module is written to (module files are written relative to it).
    ``arg_shapes``: parameter name -> shape, to specialise the gradient to (``"dict"``:
    the argument is a dict).
    ``debug``: generated code checks the tape and that the backward stays finite.
    ``lines``: also say where each line of the text came from (``Gradient.lines``), for
    ``adgen show --html``; ``grad()`` does without.
    ``has_aux``: the function returns ``(loss, aux)``; the loss is differentiated and the
    generated function returns ``((loss, aux), gradients)`` (``auxiliary``). ``samples``:
    parameter name -> the object of the user's (or class) the call passes, to resolve its
    methods (``instances``)."""
    with stage("transform", src), collector_paused():
        return _transform(src, wrt, origin, command, arg_shapes, debug, base, lines, has_aux, samples)


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector off while a transform runs (as it was after): the
    transform makes a great many short-lived nodes, and the collector would scan the
    growing heap again and again (a tenth of the time of a 1,300-statement function)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _transform(src, wrt, origin, command, arg_shapes, debug, base, lines=False, has_aux=False, samples=None):
    with stage("check"):
        subset.raise_if_unsupported(src)
    wrt_names, wrt_tuple = parse_wrt(src, src.func, wrt)
    program = calls.Program(src, functools.partial(differentiate, debug=debug))
    part = differentiate(src, wrt_names, program, arg_shapes, debug=debug, has_aux=has_aux, samples=samples)
    func, names, rev, resolver, result, dout = part.func, part.names, part.rev, part.resolver, part.result, part.dout
    adjoints = [load(rev.adjoint(w)) for w in wrt_names]
    # a real parameter that the function rebinds to a complex value: only the real part is its gradient
    adjoints = [call("np.real", a) if w in rev.complexity.names and w not in complex_params(arg_shapes) else a for a, w in zip(adjoints, wrt_names)]
    grads = _grads_expr(adjoints, wrt_names, wrt_tuple)
    value = ast.Tuple(elts=[load(result), load(part.aux)], ctx=ast.Load()) if has_aux else load(result)
    body = part.body + [ast.Return(value=ast.Tuple(elts=[value, grads], ctx=ast.Load()))]
    with stage("optimize"):
        body = optimize.run(body, rev.backward_names, rev.large)
        body = lists.drop_unread_restores(body)
    if debug:
        body = instrument(body, rev.rule_modules.values())
        if part.tape:
            body.insert(-1, ast.Expr(ast.Call(func=ast.Attribute(value=load(part.tape), attr="check_empty", ctx=ast.Load()), args=[], keywords=[])))

    spec = {p: s for p, s in _shapes_only(arg_shapes).items() if p in params(func)}
    if spec:
        values = ast.Tuple(elts=[load(p) for p in spec], ctx=ast.Load())
        body.insert(0, ast.Expr(rt_call("check_shapes", values, ast.Constant(tuple(spec.values())), ast.Constant(", ".join(spec)))))
    if params(func):  # arguments of kinds the gradient does not cover: AD410
        entry = "plain_args" if complex_params(arg_shapes) else "real_args"
        values = ast.Tuple(elts=[load(p) for p in params(func)], ctx=ast.Load())
        body.insert(0, ast.Expr(rt_call(entry, values, ast.Constant(", ".join(params(func))))))
    closure = sorted(n for n in src.closure if any(isinstance(x, ast.Name) and x.id == n for s in body for x in walk(s)))
    gen = _function(names.fresh(f"value_and_grad_{src.name}"), func.args, closure, dout, body, src.name, wrt_names, spec, has_aux)
    main = dict(rev.rule_bindings)
    if calls.used(resolver.module_alias, body):
        main[resolver.module_alias] = src.binding()
    with stage("emit"):
        functions = program.functions(gen)
        modules = program.modules(main)
        found = [] if lines else None
        body = emit.body(emit.imports(modules, _spelling(src, base, modules)), functions, found)
        code = fingerprint.of_code(body) if command else None  # for `emit --check`; grad()'s modules go without
        head = emit.header(origin or src.filename, src.name, wrt_names, program.sha256(), command, spec, code)
        text = head + body
        compile(text, f"<gradient of {src.name}>", "exec")  # generated code must at least parse
    gradient = Gradient(text, gen.name, wrt_names, wrt_tuple, dout, closure, guards.Guard(src.fn, program.sources()), modules, has_aux=has_aux)
    if lines:
        gradient.lines = origins(head, found, [program.source_of(f) for f in functions])
    return gradient


def origins(head, found, sources):
    """``Gradient.lines``: per line of the text, ``None`` outside the functions, else
    ``(source, line)``: the ``source.Source`` of the user's function the function it is in
    was made from, and ``line`` as ``emit.function`` gives it (``None`` where no statement
    starts, ``0`` for a statement of adgen's own or a comment, else the line of that
    source's file the statement was made from)."""
    return [None] * head.count("\n") + [None if o is None else (sources[o[0]], o[1]) for o in found]


def _spelling(src, base, modules):
    """How module files are written in an emitted module: relative to ``base``, its
    folder (AD208 for a module without a file); ``None`` (absolute) for ``grad()``."""
    if base is None:
        return None
    for binding in modules.values():
        if not os.path.isfile(binding.path):
            line = src.func.lineno
            raise TranspileError([errors.AD208_NO_FILE.at(src.filename, line, src.func.col_offset + 1, 0, src.line(line), name=binding.name, path=binding.path)])
    return lambda path: relative_path(path, base)


def relative_path(path, start):
    """``path`` relative to the folder ``start``, with ``/`` (absolute on another drive)."""
    try:
        rel = os.path.relpath(os.path.abspath(path), start)
    except ValueError:  # another drive on Windows
        rel = os.path.abspath(path)
    return rel.replace(os.sep, "/")


@dataclass
class Part:
    """A function differentiated up to optimisation: the forward, the seed, the backward."""

    func: ast.FunctionDef
    body: list
    names: Names
    rev: Reverser
    resolver: Resolver
    result: str  # the name the result is assigned to
    dout: str  # the seed's name
    tape: str = None  # the tape's name, if the gradient records anything
    debug: bool = False  # generated with debug checks
    aux: str = None  # with ``has_aux``: the name the auxiliary value is assigned to


def differentiate(src, wrt_names, program, arg_shapes=None, callee=False, debug=False, has_aux=False, samples=None):
    """``callee``: a function the gradient calls (``calls.py``): no AD304 warnings, and
    the seed is the cotangent its caller passes, as it is. ``debug``, ``has_aux``, ``samples``: see
    ``transform``."""
    func = clone(src.func)
    names = Names(identifiers(func) | set(src.closure))
    diags = Diagnostics(src)

    with stage("normalize"):
        local = set(params(func)) | names_in(func.body, ast.Store) | {s.name for s in func.body if isinstance(s, ast.FunctionDef)}
        body = nesteddefaults.run(func.body, local, names.fresh)  # def g(v, act=np.tanh)
        body = funcargs.run(body, src, local, getattr(func, "adgen_statics", {}), lambda n: _is_builtin(src, local, n), names.fresh)  # for f in fns: ...
        body, lifted = program.lift(src, body, diags)  # nested defs, to module level
        body = normalize.nested(body, lambda b: stores.split(b, names))  # a[t], b[t] = e; a = b[0] = e
        local = set(params(func)) | names_in(body, ast.Store) | set(lifted)
        width_of = functools.partial(calls.width_of, src, local)
        body, unpacked = tuples.unpack(body, width_of, names.fresh)  # p = polar(r, t) -> p_0, p_1 = polar(r, t); p = (p_0, p_1)
        body = repeats.expand(body, set(params(func)), _shapes_only(arg_shapes), names.fresh, lambda n: _is_builtin(src, local, n))  # f(*[a] * 2) -> f(*(a, a))
        body = variadic.spread(body, lambda n: _is_builtin(src, local, n), names.fresh, set(params(func)), unpacked)  # f(*(a, b)) -> f(a, b)
        body = funcvalues.run(body, names, lambda n: _is_builtin(src, local, n), lambda n: (False, None) if n in local else src.lookup(n))
        body = normalize.run(body, names)
        dicts = {p for p, s in (arg_shapes or {}).items() if s == "dict"}
        body = containers.run(body, names, diags, params(func), dicts)
        result = names.fresh("_ans")
        local = set(params(func)) | names_in(body, ast.Store)
        body = structure.Structure(names, result, lambda n: _is_builtin(src, local, n), diags).run(body)
    diags.raise_if_any()
    resolver = Resolver(src, names, diags)
    resolver.bound.update(lifted)
    resolver.bound.update(getattr(func, "adgen_statics", {}))  # parameters holding functions (variadic.py, funcargs.py)
    body = resolver.qualify(body, set(params(func)) | names_in(body, ast.Store) | set(lifted))
    held = {p: v for p, v in getattr(func, "adgen_statics", {}).items() if isinstance(v, functools.partial)}  # a partial given: its function and arguments
    resolver.instances = instances.Samples(resolver, {**held, **(samples or {})}, diags)
    resolver.instances.scan(body, params(func))
    body, unrolled = unroll.run(body, resolver.instances, names)  # for act in [TanH(), Sigmoid()]
    if unrolled:
        resolver.instances = instances.Samples(resolver, {**held, **(samples or {})}, diags)
        resolver.instances.scan(body, params(func))
    body = resolver.instances.spell_super(body)
    dynamic.check(body, resolver, diags)
    aux = None
    if has_aux:  # the loss to <result>, the aux beside it
        body, aux = auxiliary.split(body, result, names, diags, src, resolver)
        diags.raise_if_any()
    with stage("frozen"):
        body = frozen.run(body, resolver, names, params(func))  # norm(mu, s).logpdf(x) -> norm.logpdf(x, loc=mu, scale=s)
        body = along_axis.run(body, resolver)  # np.put_along_axis(a, i, v, axis) -> a[_rt.along_axis(i, axis, np.shape(a))] = v
        body = stores.chains(body, names, diags)  # a[i][j] = v -> a[_rt.chained_index(np.shape(a), i, j)] = v
    kinds.check(body, resolver, diags)
    with stage("activity"):
        constant = functools.partial(activity.carries_no_derivative, resolver=resolver, real_only=complexity.COMPLEX_NONDIFF)
        act = activity.analyze(body, wrt_names, {result}, constant)
        body = structure.hoist_conditionals(body, act.expr_active, names)
        act = activity.analyze(body, wrt_names, {result}, constant)
    with stage("shapes"):
        known = shapes.Shapes(body, params(func), _shapes_only(arg_shapes), resolver)
    with stage("aliasing"):
        outside = set(src.closure) | ({resolver.module_alias} if resolver.module_alias else set())
        sharing = aliasing.check(body, params(func), diags, known, act, _shapes_only(arg_shapes), outside, names.temp)
        body = sharing.guarded(body)
    if not callee:
        _warn_independent(src, body, wrt_names, act, diags)
    with stage("reverse"):
        rev = Reverser(resolver, act, known, names, diags, calls=program.caller(src, diags),
                       parameters=frozenset() if callee else frozenset(params(func)),
                       gradient_names=nested.gradient_names(body, resolver),
                       complexity=complexity.analyze(body, complex_params(arg_shapes), resolver))
        nodes, seeded = _nodes(rev, act, body, result, names)
        undone = inplace.drop_needless_undo(rev, nodes, sharing.members)
        sharing.check_calls(nodes)
    diags.raise_if_any()

    dout = names.fresh("_dout")
    seed = load(dout) if callee else rt_call("seed", load(result), load(dout))
    seed_stmt = tag(assign(seeded, seed), "seed", None)
    with stage("layout"):
        layout = Layout(src, names, debug)
        body = layout.function_body(nodes, seed_stmt, params(func), wrt_names)
        for returned in [result] + ([aux] if aux else []):
            if any(sharing.at_end(returned, name) for name in undone):
                # the backward puts back what stores overwrote: what is returned must not see it
                start = next(k for k, s in enumerate(body) if getattr(s, "adgen", (None,))[0] == "seed") - 1
                body.insert(start, assign(returned, rt_call("copied", load(returned))))
    return Part(func, body, names, rev, resolver, result, dout, layout.tape, debug, aux)


def complex_params(arg_shapes):
    """The parameters whose arguments are complex (``"complex"`` in ``arg_shapes``)."""
    return {p for p, s in (arg_shapes or {}).items() if s == "complex"}


def _shapes_only(arg_shapes):
    """The known shapes among ``arg_shapes`` (not ``None`` or ``"dict"``)."""
    return {p: s for p, s in (arg_shapes or {}).items() if isinstance(s, tuple)}


def _nodes(rev, act, body, result, names):
    """The node tree of the body, and the adjoint the seed goes into.

    When the result is assigned once, by the last statement, from an active
    name, that name's adjoint is seeded directly."""
    last = body[-1]
    once = sum(1 for n in name_nodes(body) if n.id == result) == 1
    assigns = isinstance(last, ast.Assign) and isinstance(last.targets[0], ast.Name) and last.targets[0].id == result
    if once and assigns and isinstance(last.value, ast.Name) and act.active(last.value.id):
        nodes = build(body[:-1], rev, names)
        nodes.append(Block(last, [last], [], [result], []))
        return nodes, rev.adjoint(last.value.id)
    return build(body, rev, names), rev.adjoint(result)


def _warn_independent(src, body, wrt_names, act, diags):
    """AD304 for each ``wrt`` parameter the result does not depend on (its gradient is zero);
    not when errors found so far make the dependencies meaningless."""
    if any(d.severity == "error" for d in diags.items):
        return
    params = {a.arg: a for a in src.func.args.posonlyargs + src.func.args.args + src.func.args.kwonlyargs}
    for name in wrt_names:
        if name in act.useful:
            continue
        stmt = activity.last_read(body, name, act.constant)
        if stmt is None:
            diags.warn(params[name], errors.AD304_UNUSED, name=name)
        else:
            diags.warn(stmt, errors.AD304_LAST_USE, name=name)



def _is_builtin(src, local, name):
    """Does ``name`` in the user's function mean Python's builtin of that name?"""
    return name not in local and src.lookup(name) == (True, getattr(builtins, name, None))


def _grads_expr(adjoints, wrt_names, wrt_tuple):
    if not wrt_tuple:
        return rt_call("as_grad", adjoints[0], load(wrt_names[0]))
    adjs = ast.Tuple(elts=adjoints, ctx=ast.Load())
    args = ast.Tuple(elts=[load(w) for w in wrt_names], ctx=ast.Load())
    return rt_call("as_grads", adjs, args)


def _function(name, args, closure, dout, body, primal_name, wrt_names, spec, has_aux=False):
    value = f"Value of {primal_name}, its auxiliary value" if has_aux else f"Value of {primal_name}"
    doc = f"{value} and its gradient with respect to {', '.join(wrt_names)}."
    if spec:
        doc += "\n\n    For arguments of these shapes only: " + ", ".join(f"{p} {s}" for p, s in spec.items()) + ".\n    "
    return ast.FunctionDef(
        name=name,
        args=_signature(args, closure, dout),
        body=[ast.Expr(ast.Constant(doc))] + body,
        decorator_list=[],
        returns=None,
        type_params=[],
    )


def params(func):
    return [a.arg for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs]


def _signature(args, closure, dout):
    """The user's parameters (literal defaults kept), closure variables as keywords, the seed."""
    new = clone(args)
    literal = all(_is_literal(d) for d in new.defaults + [d for d in new.kw_defaults if d is not None])
    if not literal:
        new.defaults = []
        new.kw_defaults = [None] * len(new.kwonlyargs)
    extra = [ast.arg(arg=n) for n in closure]
    if new.kwonlyargs or closure:
        new.kwonlyargs += extra + [ast.arg(arg=dout)]
        new.kw_defaults += [None] * len(extra) + [ast.Constant(None)]
    else:
        new.args.append(ast.arg(arg=dout))
        new.defaults.append(ast.Constant(None))
    for a in new.posonlyargs + new.args + new.kwonlyargs:
        a.annotation = None
    return new


def _is_literal(node):
    try:
        ast.literal_eval(node)
        return True
    except ValueError:
        return False


def parse_wrt(src, func, wrt):
    """``wrt`` (int, name, or a tuple of them) -> (parameter names, as a tuple?)."""
    names = params(func)
    as_tuple = isinstance(wrt, (tuple, list))
    items = list(wrt) if as_tuple else [wrt]
    out = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            _bad_wrt(src, errors.AD301_ENTRY, item=item)
        if isinstance(item, int):
            if not -len(names) <= item < len(names):
                _bad_wrt(src, errors.AD301_OUT_OF_RANGE, item=item, name=src.name, count=len(names), params=", ".join(names))
            item = names[item]
        elif item not in names:
            _bad_wrt(src, errors.AD301_NOT_A_PARAMETER, item=item, name=src.name, params=", ".join(names))
        out.append(item)
    if not out or len(set(out)) != len(out):
        _bad_wrt(src, errors.AD301_NOT_DISTINCT, wrt=wrt)
    return tuple(out), as_tuple


def _bad_wrt(src, message, **parts):
    line = src.func.lineno
    raise TranspileError([message.at(src.filename, line, src.func.col_offset + 1, 0, src.line(line), **parts)])
