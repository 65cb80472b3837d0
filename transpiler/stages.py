"""The stages of ``pipeline.STAGES``: each takes the ``Job`` and one form (``forms``) and
returns the next. The same stages make the gradient function and each callee's forward
and backward functions (``Job.variant``); where the two differ, the stage says so."""

import ast
import builtins
import functools
import itertools
from dataclasses import dataclass

from adgen import (
    activity,
    aliasing,
    along_axis,
    array_methods,
    auxiliary,
    broadcasts,
    calls,
    complexity,
    container_reversal,
    container_rewrites,
    dynamic,
    entries,
    errors,
    forward,
    forward_calls,
    frozen,
    funcargs,
    funcvalues,
    inplace,
    instances,
    kinds,
    nested,
    nesteddefaults,
    repeats,
    scalars,
    shapes,
    shifts,
    stores,
    structure,
    tuples,
    unroll,
    variadic,
    vectors,
)
from adgen import normalize as normalizing
from adgen import optimize as optimizing
from adgen.assemble import Layout, build
from adgen.debug import instrument as checks
from adgen.errors import Diagnostics
from adgen.forms import Analyzed, ForwardPackaged, Laid, Normalized, Optimized, Packaged, Parsed, Resolved, Reversed, Tangented, advance
from adgen.names import ANSWER, GRADIENT, JVP, SEED, Names, identifiers
from adgen.resolve import Resolver
from adgen.reverse import Block, Reverser
from adgen.syntax import assign, call, clone, comment, load, name_nodes, names_in, rt_call, statements, walk


@dataclass
class Job:
    """What the stages are asked: ``src``'s function (a ``source.Source``) differentiated
    with respect to the parameters ``wrt``, for ``program`` (``calls.Program``: the
    module's callees). ``variant``: a callee's ``calls.Variant`` (its forward and backward
    functions are made), else None (the gradient function is). The options are
    ``pipeline.transform``'s."""

    src: object
    wrt: tuple
    program: object
    arg_shapes: dict = None
    debug: bool = False
    has_aux: bool = False
    samples: dict = None
    scalars: bool = False  # numbers computed with ``math`` and Python's operators (``scalars``)
    variant: object = None
    wrt_tuple: bool = False  # the gradient function returns the gradients as a tuple
    callees: object = None  # forward mode: the tangent functions of the user's functions it calls (``forward_calls.Callees``)
    tangent_callee: bool = False  # forward mode: this is such a function (called with every argument, in order)

    @property
    def callee(self):
        return self.variant is not None

    @property
    def static_shapes(self):
        """The known shapes among ``arg_shapes`` (not ``None`` or ``"dict"``)."""
        return {p: s for p, s in (self.arg_shapes or {}).items() if isinstance(s, tuple)}


def parse(job, src):
    """A copy of the function to change; names and diagnostics for it."""
    func = clone(src.func)
    return Parsed(func, Names(identifiers(func) | set(src.closure)), Diagnostics(src))


def normalize(job, form):
    """Nested defs lifted, stores and tuples split, calls spread, containers and control
    flow rewritten into the structured language the later stages read."""
    src, func, names, diags = job.src, form.func, form.names, form.diags
    statics = src.statics
    local = set(params(func)) | names_in(func.body, ast.Store) | {s.name for s in func.body if isinstance(s, ast.FunctionDef)}
    builtin = lambda n: _is_builtin(src, local, n)  # noqa: E731 - ``local`` grows below
    body = nesteddefaults.run(func.body, local, names.fresh)  # def g(v, act=np.tanh)
    body = funcargs.run(body, src, local, statics, builtin, names.fresh)  # for f in fns: ...
    body, lifted = job.program.lift(src, body, diags)  # nested defs, to module level
    body = normalizing.nested(body, lambda b: stores.split(b, names))  # a[t], b[t] = e; a = b[0] = e
    local = set(params(func)) | names_in(body, ast.Store) | set(lifted)
    width_of = functools.partial(calls.width_of, src, local)
    body, unpacked = tuples.unpack(body, width_of, names.fresh)  # p = polar(r, t) -> p_0, p_1 = polar(r, t); p = (p_0, p_1)
    body = repeats.expand(body, set(params(func)), job.static_shapes, names.fresh, builtin)  # f(*[a] * 2) -> f(*(a, a))
    body = variadic.spread(body, builtin, names.fresh, set(params(func)), unpacked)  # f(*(a, b)) -> f(a, b)
    body = funcvalues.run(body, names, builtin, lambda n: (False, None) if n in local else src.lookup(n))
    body = normalizing.run(body, names)
    dicts = {p for p, s in (job.arg_shapes or {}).items() if s == "dict"}
    body = container_rewrites.run(body, names, diags, params(func), dicts)
    result = names.fresh(ANSWER)
    local = set(params(func)) | names_in(body, ast.Store)
    body = structure.Structure(names, result, builtin, diags).run(body)
    diags.raise_if_any()
    return advance(form, Normalized, body=body, lifted=lifted, result=result)


def resolve(job, form):
    """Each name qualified by what it is; the objects the function reads resolved (loops
    over them unrolled), library objects' methods spelled as calls; the auxiliary value
    split off (``has_aux``)."""
    src, func, names, diags = job.src, form.func, form.names, form.diags
    statics = src.statics  # parameters holding functions (variadic.py, funcargs.py)
    resolver = Resolver(src, names, diags)
    resolver.bound.update(form.lifted)
    resolver.bound.update(statics)
    body = resolver.qualify(form.body, set(params(func)) | names_in(form.body, ast.Store) | set(form.lifted))
    held = {p: v for p, v in statics.items() if isinstance(v, functools.partial)}  # a partial given: its function and arguments
    resolver.instances = instances.Samples(resolver, {**held, **(job.samples or {})}, diags)
    resolver.instances.scan(body, params(func))
    body, unrolled = unroll.run(body, resolver.instances, names)  # for act in [TanH(), Sigmoid()]
    if unrolled:
        resolver.instances = instances.Samples(resolver, {**held, **(job.samples or {})}, diags)
        resolver.instances.scan(body, params(func))
    body = resolver.instances.spell_super(body)
    dynamic.check(body, resolver, diags)
    aux = None
    if job.has_aux:  # the loss to <result>, the aux beside it
        body, aux = auxiliary.split(body, form.result, names, diags, src, resolver)
        diags.raise_if_any()
    body = frozen.run(body, resolver, names, params(func))  # norm(mu, s).logpdf(x) -> norm.logpdf(x, loc=mu, scale=s)
    body = along_axis.run(body, resolver)  # np.put_along_axis(a, i, v, axis) -> a[_rt.along_axis(i, axis, np.shape(a))] = v
    body = stores.chains(body, names, diags)  # a[i][j] = v -> a[_rt.chained_index(np.shape(a), i, j)] = v
    kinds.check(body, resolver, diags)
    return advance(form, Resolved, body=body, resolver=resolver, aux=aux)


def analyze(job, form):
    """Activity (conditional expressions on active values become ``if`` statements, whose
    new names are then analysed too: activity runs again only then), shapes, and the
    values that share memory."""
    func, names, diags, resolver, result = form.func, form.names, form.diags, form.resolver, form.result
    constant = functools.partial(activity.carries_no_derivative, resolver=resolver, real_only=complexity.COMPLEX_NONDIFF)
    act = activity.analyze(form.body, job.wrt, {result}, constant)
    before = list(statements(form.body))
    body = structure.hoist_conditionals(form.body, act.expr_active, names)
    if any(a is not b for a, b in itertools.zip_longest(before, statements(body))):
        act = activity.analyze(body, job.wrt, {result}, constant)
    known = shapes.Shapes(body, params(func), job.static_shapes, resolver)
    shifts_dropped = shifts.irrelevant(body, result, known, resolver)
    if shifts_dropped:  # a maximum subtracted for stability: it carries no derivative to the result
        act = activity.analyze(body, job.wrt, {result}, lambda node: id(node) in shifts_dropped or constant(node))
    outside = set(job.src.closure) | ({resolver.module_alias} if resolver.module_alias else set())
    sharing = aliasing.check(body, params(func), diags, known, act, job.static_shapes, outside, names.temp)
    body = sharing.guarded(body)
    if not job.callee and not job.tangent_callee:  # the user's wrt only: a callee's parameters are not theirs to leave out
        _warn_independent(job.src, body, job.wrt, act, diags)
    return advance(form, Analyzed, body=body, activity=act, shapes=known, sharing=sharing)


def reverse(job, form):
    """Each statement's forward and backward, in the tree of its branches and loops."""
    func, names, diags, body = form.func, form.names, form.diags, form.body
    rev = Reverser(form.resolver, form.activity, form.shapes, names, diags, calls=job.program.caller(job.src, diags),
                   parameters=frozenset() if job.callee else frozenset(params(func)),
                   gradient_names=nested.gradient_names(body, form.resolver),
                   complexity=complexity.analyze(body, complex_params(job.arg_shapes), form.resolver))
    nodes, seeded = _nodes(rev, form.activity, body, form.result, names)
    undone = inplace.drop_needless_undo(rev, nodes, form.sharing.members)
    form.sharing.check_calls(nodes)
    diags.raise_if_any()
    return advance(form, Reversed, rev=rev, nodes=nodes, seeded=seeded, undone=undone)


def layout(job, form):
    """The forward pass with what it records, then the backward pass: the seed (the
    cotangent a callee's caller passes, as it is), the statements' backwards in reverse,
    and the return (the gradient function: the value and the gradients; a callee's
    backward: the cotangents of its differentiated parameters)."""
    names, result, aux = form.names, form.result, form.aux
    dout = names.fresh(SEED)
    seed = load(dout) if job.callee else rt_call("seed", load(result), load(dout))
    lay = Layout(job.src, names, job.debug)
    forward, backward = lay.function_body(form.nodes, params(form.func), job.wrt)
    for returned in [result] + ([aux] if aux else []):
        if any(form.sharing.at_end(returned, name) for name in form.undone):
            # the backward puts back what stores overwrote: what is returned must not see it
            forward.append(assign(returned, rt_call("copied", load(returned))))
    backward = [assign(form.seeded, seed)] + backward + [_returned(job, form)]
    return advance(form, Laid, forward=forward, backward=backward, dout=dout, tape=lay.tape)


def optimize(job, form):
    """The expansions broadcasting makes anyway left out, shapes read off the operands
    that have them (``broadcasts``); the clean-ups of
    ``optimize`` on forward and backward together; then lists put back that nothing
    reads go."""
    backward = broadcasts.drop_expands(form.backward, form.forward, form.shapes)
    backward = broadcasts.shapes_of_operands(form.forward, backward, params(form.func), form.shapes)
    forward, backward = optimizing.run(form.forward, backward, form.rev.backward_names, form.rev.large, job.debug)
    backward = container_reversal.drop_unread_restores(backward)
    backward = vectors.simplified(forward, backward, form.shapes)
    if not job.callee:  # a callee's backward reads its arrays from the record: its adjoints stay as they are
        backward = entries.in_place(forward, backward, form.shapes)
    if job.scalars:  # specialised to the arguments' shapes: arrays are NumPy's
        forward, backward, _ = scalars.specialise(forward, backward, form.shapes)
        forward, backward = array_methods.called_as_methods(forward, backward, form.shapes)
    return advance(form, Optimized, forward=forward, backward=backward)


def instrument(job, form):
    """With ``debug``: the backward checks that adjoints stay finite, and the gradient
    function that the tape ends empty."""
    if not job.debug:
        return form
    modules = form.rev.rule_modules.values()
    forward, backward = checks(form.forward, modules), checks(form.backward, modules)
    if form.tape and not job.callee:
        backward.insert(-1, ast.Expr(ast.Call(func=ast.Attribute(value=load(form.tape), attr="check_empty", ctx=ast.Load()), args=[], keywords=[])))
    return advance(form, Optimized, forward=forward, backward=backward)


def package(job, form):
    """The functions: a callee's forward and backward (``calls.split``), or the gradient
    function, which first checks its arguments' kinds (AD410) and shapes."""
    if job.callee:
        defs, imports = calls.split(form, job.variant)
        return advance(form, Packaged, defs=defs, imports=imports, closure=[], spec={})
    src, func, resolver = job.src, form.func, form.resolver
    body = [comment("forward")] + form.forward + [comment("backward")] + form.backward
    spec = {p: s for p, s in job.static_shapes.items() if p in params(func)}
    if params(func):  # arguments of kinds (AD410) or shapes (AD403) the gradient does not cover
        entry = "plain_args" if complex_params(job.arg_shapes) else "real_args"
        values = ast.Tuple(elts=[load(p) for p in params(func)], ctx=ast.Load())
        checked = [values, ast.Constant(", ".join(params(func)))]
        if spec:
            checked.append(ast.Constant(tuple(spec.get(p) for p in params(func))))
        body.insert(0, ast.Expr(rt_call(entry, *checked)))
    closure = sorted(n for n in src.closure if any(isinstance(x, ast.Name) and x.id == n for s in body for x in walk(s)))
    gen = _function(form.names.fresh(GRADIENT + src.name), func.args, closure, form.dout, body, src.name, job.wrt, spec, job.has_aux)
    imports = dict(form.rev.rule_bindings)
    if calls.used(resolver.module_alias, body):
        imports[resolver.module_alias] = src.binding()
    return advance(form, Packaged, defs=[gen], imports=imports, closure=closure, spec=spec)


# -- forward mode ----------------------------------------------------------------------


def tangents(job, form):
    """Forward mode: each active value's tangent computed beside it (``forward``)."""
    func, names, diags = form.func, form.names, form.diags
    found = complexity.Complexity(complex_params(job.arg_shapes), form.resolver)
    at = next((stmt for stmt in statements(form.body) if found.anywhere(stmt)), None)
    if complex_params(job.arg_shapes) or at is not None:  # a value that may be complex, anywhere
        diags.report(at or func, errors.AD224_COMPLEX)
        diags.raise_if_any()
    body = forward.Forward(form.resolver, form.activity, form.shapes, names, diags, job.callees).run(form.body)
    diags.raise_if_any()
    if job.scalars:  # the tangent of a number is a number (``_rt.tangent_arg`` checks its shape)
        known = {names.tangent(p) for p in job.wrt if form.shapes.names.get(p) == ()}
        body, _, _ = scalars.specialise(body, [], form.shapes, known)
    return advance(form, Tangented, body=body)


def package_jvp(job, form):
    """Forward mode: ``jvp_f(<parameters>, <a tangent per wrt>)``, which checks the tangents
    it is given (a copy of each where the body stores into arrays), gives the other active
    parameters zero tangents, and returns the value and its tangent."""
    src, func, names, result, act = job.src, form.func, form.names, form.result, form.activity
    dots = [names.tangent(w) for w in job.wrt]
    stores = forward.stores_into_arrays(form.body)
    entry = [assign(d, rt_call("tangent_arg", load(w), load(d), ast.Constant(w))) for w, d in zip(job.wrt, dots)]
    if job.tangent_callee:  # called by a tangent module, with tangents it made: nothing to check
        entry = [assign(d, rt_call("copied", load(d))) for d in dots] if stores else []  # containers too
    elif not stores:  # nothing stores into a tangent: the caller's may be read as it is
        for stmt in entry:
            stmt.value.keywords = [ast.keyword(arg="copy", value=ast.Constant(False))]
    entry += [assign(names.tangent(p), rt_call("zero_tangent", load(p))) for p in params(func) if p not in job.wrt and act.active(p)]
    out = load(names.tangent(result)) if act.active(result) else rt_call("zero_tangent", load(result))
    body = entry + form.body + [ast.Return(value=ast.Tuple(elts=[load(result), out], ctx=ast.Load()))]
    closure = sorted(n for n in src.closure if any(isinstance(x, ast.Name) and x.id == n for s in body for x in walk(s)))
    if job.tangent_callee:  # its caller passes them all, in this order (forward_calls.own_call)
        closure = forward_calls.closure_of(src.fn)
    doc = f"Value of {src.name} and its tangent along {', '.join(dots)}, the tangent of {', '.join(job.wrt)} (J v)."
    if job.tangent_callee and (func.args.vararg or func.args.kwarg):
        form.diags.report(func, errors.AD224_OWN_FUNCTION, name=src.name)
        form.diags.raise_if_any()
    name = names.fresh(JVP + src.name)
    while not job.tangent_callee and name in job.callees.made.values():  # a callee of the same name took it (a user's identifier came first)
        name = names.fresh(JVP + src.name)
    gen = ast.FunctionDef(name=name, args=_tangent_signature(func.args, closure, dots, job.tangent_callee),
                          body=[ast.Expr(ast.Constant(doc))] + body, decorator_list=[], returns=None, type_params=[])
    imports = {}
    if calls.used(form.resolver.module_alias, body):
        imports[form.resolver.module_alias] = src.binding()
    return advance(form, ForwardPackaged, defs=[gen], imports=imports, closure=closure, spec={}, tangents=dots)


def _tangent_signature(args, closure, dots, callee=False):
    """The user's parameters, closure variables as keywords, then the tangents: positional
    after plain parameters, keyword-only after parameters with defaults. A function the
    tangent module calls is given every argument in order (keyword-only ones too: a lifted
    nested def's free variables): no defaults, no keywords."""
    new = _signature(args, closure, "_")
    if new.kwonlyargs:
        new.kwonlyargs, new.kw_defaults = new.kwonlyargs[:-1], new.kw_defaults[:-1]  # the seed's place
    else:
        new.args, new.defaults = new.args[:-1], new.defaults[:-1]
    if callee:
        new.args, new.defaults, new.kwonlyargs, new.kw_defaults = new.args + new.kwonlyargs, [], [], []
    if new.defaults or new.kwonlyargs:
        new.kwonlyargs += [ast.arg(arg=d) for d in dots]
        new.kw_defaults += [None] * len(dots)
    else:
        new.args += [ast.arg(arg=d) for d in dots]
    return new


# -- helpers ---------------------------------------------------------------------------


def params(func):
    return [a.arg for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs]


def complex_params(arg_shapes):
    """The parameters whose arguments are complex (``"complex"`` in ``arg_shapes``)."""
    return {p for p, s in (arg_shapes or {}).items() if s == "complex"}


def _returned(job, form):
    """The return of the backward: a callee's cotangents of its differentiated parameters,
    or the gradient function's value (with ``has_aux``, and its auxiliary value) and
    gradients."""
    rev = form.rev
    adjoints = [load(rev.adjoint(w)) for w in job.wrt]
    if job.callee:
        return ast.Return(value=adjoints[0] if len(adjoints) == 1 else ast.Tuple(elts=adjoints, ctx=ast.Load()))
    # a real parameter that the function rebinds to a complex value: only the real part is its gradient
    adjoints = [call("np.real", a) if w in rev.complexity.names and w not in complex_params(job.arg_shapes) else a for a, w in zip(adjoints, job.wrt)]
    value = ast.Tuple(elts=[load(form.result), load(form.aux)], ctx=ast.Load()) if job.has_aux else load(form.result)
    return ast.Return(value=ast.Tuple(elts=[value, _grads_expr(adjoints, job.wrt, job.wrt_tuple)], ctx=ast.Load()))


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
