"""The stages from a function to its gradient module, readable on one screen.

``transform`` runs ``STAGES`` on the function, and the same stages on each function of
the user's its gradient calls (``calls.Program``), then prints the module. Each stage
takes the ``stages.Job`` and one form (``forms``) and returns the next; every form
prints (``print_stages``, ``adgen show --stages``)."""

import contextlib
import dataclasses
import gc
import os
import sys
from dataclasses import dataclass, field

from adgen import calls, emit, errors, fingerprint, forward_calls, guards, lift, shapes, source, stages, subset
from adgen.errors import AdgenError, Diagnostics, InternalError, TranspileError
from adgen.names import JVP
from adgen.stages import Job, params

STAGES = [
    stages.parse,  # Source -> Parsed: a copy of the function
    stages.normalize,  # -> Normalized: the structured language the later stages read
    stages.resolve,  # -> Resolved: what each name is
    stages.analyze,  # -> Analyzed: activity, shapes, memory shared
    stages.reverse,  # -> Reversed: each statement's forward and backward
    stages.layout,  # -> Laid: the forward pass and the backward pass
    stages.optimize,  # -> Optimized
    stages.instrument,  # -> Optimized: with debug checks, when asked
    stages.package,  # -> Packaged: the gradient function, or a callee's forward and backward
]

FORWARD_STAGES = [  # forward mode (``jvp``): the same front end, then the tangents
    stages.parse,
    stages.normalize,
    stages.resolve,
    stages.analyze,
    stages.tangents,  # -> Tangented: each active value's tangent beside it
    stages.package_jvp,  # -> ForwardPackaged: the function returning the value and its tangent
]


def run(job, seen=None, steps=STAGES):
    """The forms ``steps`` make of ``job``'s function, the last returned; ``seen``: a
    list to which ``(stage name, form's class name, form's text)`` is added as each form
    is made (later stages change the statements they are given)."""
    form = job.src
    for step in steps:
        with stage(step.__name__):
            form = step(job, form)
        if seen is not None:
            seen.append((step.__name__, type(form).__name__, str(form)))
    return form


def _callee(job, variant, samples):
    """The forward and backward functions of a callee (``calls.Program.variant``): the
    same stages, with the callee's differentiated parameters as ``wrt``."""
    done = run(Job(variant.src, tuple(variant.active), job.program, arg_shapes=variant.shapes, debug=job.debug, samples=samples, variant=variant,
                   scalars=job.scalars))
    return done.defs, done.imports


@dataclass
class Gradient:
    """A generated gradient module and what callers need to run it."""

    text: str
    funcname: str  # the generated function
    wrt: tuple  # differentiated parameter names
    wrt_tuple: bool  # gradients come back as a tuple
    dout: str  # the name of the seed parameter (forward mode: the list of the tangent parameters)
    closure: list = field(default_factory=list)  # closure variables passed as keyword arguments
    guard: guards.Guard = None  # what the transform resolved, to check before the gradient is reused
    modules: dict = field(default_factory=dict)  # alias -> source.Binding: the user's modules it reads
    lines: list = None  # with ``transform(lines=True)``: per line of ``text``, where it came from (``origins``)
    has_aux: bool = False  # it returns ``((value, aux), gradients)``
    scalars: bool = False  # it computes numbers with ``math`` (``scalars.py``): run it again unspecialised where that raises
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


def transform(src, wrt=0, origin=None, command=None, arg_shapes=None, debug=False, base=None, lines=False, has_aux=False, samples=None,
              mode="reverse", scalars=False):
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
    methods (``instances``). ``mode``: ``"reverse"`` (the gradient) or ``"forward"``
    (``jvp_f``: the value and its tangent along the tangents of ``wrt``)."""
    with stage("transform", src), collector_paused(), shapes.remembered():
        return _transform(src, wrt, origin, command, arg_shapes, debug, base, lines, has_aux, samples, mode, scalars)


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


def _transform(src, wrt, origin, command, arg_shapes, debug, base, lines=False, has_aux=False, samples=None, mode="reverse", scalars=False):
    with stage("check"):
        subset.raise_if_unsupported(src)
    job = _job(src, wrt, arg_shapes=arg_shapes, debug=debug, has_aux=has_aux, samples=samples, scalars=scalars)
    done = run(job, steps=FORWARD_STAGES if mode == "forward" else STAGES)
    gen, program = done.defs[0], job.program
    with stage("emit"):
        functions = program.functions(gen) + (job.callees.defs if mode == "forward" else [])
        modules = program.modules({**(job.callees.imports if mode == "forward" else {}), **done.imports})
        found = [] if lines else None
        used = emit.uses_math(functions)
        body = emit.body(emit.imports(modules, _spelling(src, base, modules), used), functions, found)
        code = fingerprint.of_code(body) if command else None  # for `emit --check`; grad()'s modules go without
        sha = job.callees.digest(program.sha256()) if mode == "forward" else program.sha256()
        head = emit.header(origin or src.filename, src.name, job.wrt, sha, command, done.spec, code)
        text = head + body
        compile(text, f"<gradient of {src.name}>", "exec")  # generated code must at least parse
    dout = done.tangents if mode == "forward" else done.dout
    sources = program.sources() + (job.callees.sources if mode == "forward" else [])
    gradient = Gradient(text, gen.name, job.wrt, job.wrt_tuple, dout, done.closure, guards.Guard(src.fn, sources), modules, has_aux=has_aux,
                        scalars=used)
    if lines:
        gradient.lines = origins(head, found, [program.source_of(f) for f in functions])
    return gradient


def _job(src, wrt, **options):
    """The ``Job`` for ``src``'s gradient function, with a program for its callees."""
    wrt_names, wrt_tuple = parse_wrt(src, src.func, wrt)
    job = Job(src, wrt_names, None, wrt_tuple=wrt_tuple, **options)
    job.program = calls.Program(src, lambda variant, samples: _callee(job, variant, samples))
    make = lambda fn, active, statics, spec, samples, shapes: _tangent_callee(job, fn, active, statics, spec, samples, shapes)  # noqa: E731
    job.callees = forward_calls.Callees(make, reserved={JVP + src.name})
    return job


def _tangent_callee(job, fn, active, statics, src=None, samples=None, arg_shapes=None):
    """Forward mode: the tangent function of the user's function ``fn`` in its parameters
    ``active`` (``forward_calls.Callees``), made for the functions ``statics`` (parameter ->
    function) its call passes, from ``src`` when given (``fn`` specialised to a call's
    ``*args`` or counts), for the objects ``samples`` (parameter -> object) and the shapes
    ``arg_shapes`` (parameter -> shape) it passes: the same stages, its result ``(value, tangent)``."""
    src = src or (fn.src if isinstance(fn, lift.Lifted) else source.load(fn))
    if statics:
        src = dataclasses.replace(src, statics={**src.statics, **statics})
    job.callees.sources.append(src)
    sub = Job(src, tuple(active), None, callees=job.callees, tangent_callee=True, samples=samples, arg_shapes=arg_shapes or None)
    sub.program = calls.Program(src, lambda variant, samples: _callee(sub, variant, samples))
    sub.program.lifted.update(job.program.lifted)  # a lifted nested def calls its siblings by their names
    with stage("check"):
        subset.raise_if_unsupported(src)
    done = run(sub, steps=FORWARD_STAGES)
    return done.defs[0], done.imports


def stage_texts(src, wrt=0, **options):
    """``[(stage name, form's class name, form's text)]`` for ``src``'s gradient function.
    ``options``: ``arg_shapes``, ``debug``, ``has_aux``, ``samples``."""
    seen = []
    with stage("transform", src), collector_paused(), shapes.remembered():
        with stage("check"):
            subset.raise_if_unsupported(src)
        run(_job(src, wrt, **options), seen)
    return seen


def print_stages(src, wrt=0, **options):
    """The form after each stage, as ``adgen show --stages`` prints it."""
    return "\n".join(f"== {name}: {kind} ==\n{text}\n" for name, kind, text in stage_texts(src, wrt, **options))


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
            raise TranspileError(
                [errors.AD208_NO_FILE.at(src.filename, line, src.func.col_offset + 1, 0, src.line(line), name=binding.name, path=binding.path)]
            )
    return lambda path: relative_path(path, base)


def relative_path(path, start):
    """``path`` relative to the folder ``start``, with ``/`` (absolute on another drive)."""
    try:
        rel = os.path.relpath(os.path.abspath(path), start)
    except ValueError:  # another drive on Windows
        rel = os.path.abspath(path)
    return rel.replace(os.sep, "/")


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
