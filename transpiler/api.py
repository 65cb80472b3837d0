"""``grad``, ``value_and_grad``, ``vjp`` and ``elementwise_grad``, their decorator forms, and
the cache of gradients.

Transformation is lazy (on the first call, so a decorated function may read
globals defined below it) and cached three times: in memory per code object and
``wrt`` (checked against the globals the transform resolved, so rebinding a
helper never serves a stale gradient); on disk as a real module, so
tracebacks, ``pdb`` and ``inspect.getsource`` show the generated lines; and, for
later processes, with a manifest that lets them check everything the gradient
depends on and run it without transforming (``persist.py``).
"""

import functools
import inspect
import linecache
import types
import warnings

import numpy as np

from adgen import binding, calls, errors, funcargs, instances, nested, persist, pipeline, primitives, repeats, shapes, source, variadic
from adgen.cache import LRU, MAX_MODULES, load_module
from adgen.errors import AdgenWarning, TranspileError
from adgen.runtime import backends, container_adjoints, modules
from adgen.runtime.core import ONES

_MEMO = LRU(MAX_MODULES)  # bounded: 10^4 functions do not keep 10^4 gradients alive
_VARIANTS = LRU(MAX_MODULES)  # (function, wrt) -> the argument shapes it has been specialised to
MAX_SPECIALISATIONS = 8
MAX_BINDINGS = 4  # gradients kept per function and shapes, for what its names are bound to (guards.py)


def _compiled(fn, wrt, shapes=(), debug=False, has_aux=False, call=None, args=(), scalars=True):
    """The gradient of ``fn`` specialised to ``shapes`` (one per parameter, None where
    unknown; ``()`` for no specialisation), and its generated function. ``debug``: with
    run-time checks; ``has_aux``: ``fn`` returns ``(loss, aux)`` (``pipeline.transform``);
    ``scalars``: numbers the shapes prove computed with ``math`` (``scalars.py``).
    ``call``: ``(layout, statics, counts)`` of a call (``variadic.layout``; the parameters
    holding a function, given or left to a default: ``funcargs.Static``; ``(parameter, int)``
    for the parameters that count spread repetitions, ``repeats``), or None. ``args``: the
    call's arguments, whose objects of the user's classes the gradient resolves methods
    through (``instances``; their structures are in ``shapes``)."""
    # code objects compare equal across files: the file and the globals are part of the key;
    # closures of one factory share it, and differ in what their guards check (guards.py)
    base = (fn.__code__, fn.__code__.co_filename, id(fn.__globals__), repr(wrt), debug, has_aux, call, scalars)
    entries = _MEMO.get((base, shapes)) or ()
    for gradient, generated, _ in entries:
        if gradient.guard.holds(fn):
            return gradient, generated
    variants = _VARIANTS.setdefault(base, set())
    if shapes and shapes not in variants and len(variants) >= MAX_SPECIALISATIONS:
        markers = any(isinstance(k, (str, instances.Key)) for k in shapes)  # keep "dict", "complex", objects
        general = tuple(k if isinstance(k, (str, instances.Key)) else None for k in shapes) if markers else ()
        if general != shapes:
            return _compiled(fn, wrt, general, debug, has_aux, call, args, scalars)  # called with many shapes: one general gradient serves them all
    variants.add(shapes)
    wanted = persist.key(fn, wrt, shapes, debug, has_aux, call, scalars)  # None: not kept for later processes
    kept = persist.load(fn, wanted, call) if wanted is not None else None
    if kept is not None:  # made by an earlier process, every check made again
        gradient, stem = kept
    else:
        src = source.load(fn)
        renamed = {}
        if call is not None:  # *args, **kwargs and function defaults, as this call has them
            src, renamed = variadic.specialise_top(src, call[0], {p: value.value() for p, value in call[1]}, dict(call[2]))
        params = variadic.parameters(src.func)
        samples = {p: a for p, a, k in zip(params, args, shapes) if isinstance(k, instances.Key)}
        with errors.hearing() as heard:
            gradient = pipeline.transform(src, wrt, arg_shapes=dict(zip(params, shapes)), debug=debug, has_aux=has_aux, samples=samples,
                                          scalars=scalars and bool(shapes))
        gradient.keywords = renamed
        stem = src.name
    with modules.deferred():  # imported without looking any module up: bound to fn's own below
        module = load_module(gradient.text, stem)
    generated = binding.bound(module, gradient.modules)[gradient.funcname]
    if kept is None and wanted is not None:
        persist.store(fn, wanted, gradient, stem, heard, call)
    entry = (gradient, generated, fn.__globals__)  # holding the globals keeps their id
    _MEMO[(base, shapes)] = (entry,) + tuple(entries[: MAX_BINDINGS - 1])
    return entry[0], entry[1]


class GradFunction:
    """What ``grad``/``value_and_grad``/``vjp``/``elementwise_grad`` return: call it like
    the function."""

    adgen_gradient = "function"  # nested.py: called on a differentiated value inside a differentiated function, refused

    def __init__(self, fn, wrt, mode, debug=False, has_aux=False):
        self.primal = fn
        fn, self._args, self._kwargs = _parts(fn)
        self._fn = fn
        self.wrt = _names_for(self.primal, wrt, fn) if self._args or self._kwargs else wrt
        self.mode = mode
        self.debug = debug
        self.has_aux = has_aux
        self._signature = inspect.signature(fn)
        self._defaults = (fn.__defaults__, fn.__kwdefaults__)  # the ones the signature holds
        # a call passing every parameter positionally needs no binding (the common, hot case)
        params = self._signature.parameters.values()
        plain = all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
        self._positional = len(params) if plain else -1
        self._index = {name: i for i, name in enumerate(self._signature.parameters)}
        self._positionals = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]  # not *args
        self._variadic = any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params)
        self._statics = _static_defaults(self._signature)
        self._counted = None  # the parameters that count spread repetitions (repeats.py), once known
        self._hot = {}  # _hot_key of a call's arguments -> the gradient and function it ran (_gradient_for)
        # not __wrapped__: inspect.unwrap must reach the generated function instead
        for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(self, attr, getattr(self.primal, attr, None))

    def _generated(self, shapes=(), call=None, args=()):
        return _compiled(self._fn, self.wrt, shapes, self.debug, self.has_aux, call, args)

    def _call_spec(self, args, kwargs):
        """``(layout, statics, counts)`` of a call with these bound arguments (see
        ``_compiled``), or None."""
        shape = variadic.layout(self._signature, args, kwargs) if self._variadic else None
        statics = counts = ()
        # functions given (or left as defaults): the gradient is made for them
        if self._statics or funcargs.may_hold(args) or funcargs.may_hold(kwargs.values()):
            named = self._statics | dict(zip(self._positionals, args)) | {k: v for k, v in kwargs.items() if k in self._index}
            statics = funcargs.statics(named, self._statics)
        if self._counted is None:
            self._counted = _count_parameters(self._fn)
        if self._counted:
            named = dict(zip(self._signature.parameters, args)) | kwargs
            values = {p: named.get(p, self._signature.parameters[p].default) for p in self._counted}
            counts = tuple((p, v) for p, v in sorted(values.items()) if type(v) is int)
        return (shape, statics, counts) if shape is not None or statics or counts else None

    def _general(self):
        """The gradient for arguments of any shape (objects bound before, as they are)."""
        if not any(map(instances.key_of, self._args)):
            return self._generated()
        shapes = tuple(k if isinstance(k, instances.Key) else None for k in map(_key_of, self._args))
        return self._generated(shapes, args=self._args)

    @property
    def source(self):
        """The text of the generated module for arguments of any shape."""
        return self._general()[0].text

    def source_for(self, *args, **kwargs):
        """The text of the generated module a call with these arguments runs."""
        args, kwargs = self._bind(args, kwargs)
        return self._generated(_shapes(args, kwargs), self._call_spec(args, kwargs), args)[0].text

    @property
    def __wrapped__(self):
        return self._general()[1]

    def _bind(self, args, kwargs):
        """All parameters in order, positionally, and keyword-only ones by keyword (after
        the object of a bound method, the arguments of a ``functools.partial``)."""
        if self._args or self._kwargs:
            args, kwargs = self._args + tuple(args), {**self._kwargs, **kwargs}
        if kwargs or len(args) != self._positional:  # defaults or keywords: bind as Python would
            fn = self._fn
            if fn.__defaults__ is not self._defaults[0] or fn.__kwdefaults__ is not self._defaults[1]:
                self._signature, self._defaults = inspect.signature(fn), (fn.__defaults__, fn.__kwdefaults__)  # reassigned
                self._statics = _static_defaults(self._signature)
            bound = self._signature.bind(*args, **kwargs)
            bound.apply_defaults()
            return bound.args, bound.kwargs
        return args, kwargs

    def __call__(self, *args, **kwargs):
        seed = ONES if self.mode == "elementwise_grad" else None
        if self.mode == "vjp":
            if not args:
                raise TypeError("a vjp function takes the function's arguments followed by the seed")
            *args, seed = args
        args, kwargs = self._bind(args, kwargs)
        key = None if kwargs else _hot_key(args)
        hot = self._hot.get(key) if key is not None else None
        if hot is not None and hot[0].guard.holds(self._fn):
            gradient, gen = hot
        else:
            gradient, gen = self._gradient_for(args, kwargs, key)
        if gradient.keywords:  # keywords passed through **kwargs: the parameters standing for them
            kwargs = {gradient.keywords.get(k, k): v for k, v in kwargs.items()}
        extra = {gradient.dout: seed}
        if gradient.closure:
            extra.update(closure_values(self._fn, gradient.closure))
        try:
            value, grads = gen(*args, **kwargs, **extra)
        except (ArithmeticError, ValueError):
            if not gradient.scalars:
                raise
            # math raised where NumPy gives inf or nan (math.log(0.0), 1.0 / 0.0): NumPy's numbers, or the function's own error
            gen = _compiled(self._fn, self.wrt, _shapes(args, kwargs), self.debug, self.has_aux, self._call_spec(args, kwargs), args, False)[1]
            value, grads = gen(*args, **kwargs, **extra)
        if self.mode == "value_and_grad":
            return value, grads  # ((value, aux), gradients) with has_aux, as JAX's
        return (grads, value[1]) if self.has_aux else grads

    def _gradient_for(self, args, kwargs, key):
        """The gradient for a call with these bound arguments, made or found by
        ``_compiled``, and the warnings its differentiated arguments call for. Kept for
        the next call whose arguments have the same ``_hot_key`` where that call needs
        nothing else: no function values or counts (``_call_spec``), no warning."""
        call = self._call_spec(args, kwargs)
        gradient, gen = self._generated(_shapes(args, kwargs), call, args)
        values = []
        for name in gradient.wrt:
            i = self._index.get(name, self._positional)  # a value of *args: by its position
            values.append(args[i] if 0 <= i < len(args) else kwargs.get(name))
            self._check_wrt_type(name, values[-1])
        if key is not None and call is None and all(type(v) is float or (type(v) is np.ndarray and v.dtype.kind == "f") for v in values):
            if len(self._hot) >= MAX_SPECIALISATIONS:
                self._hot.clear()
            self._hot[key] = (gradient, gen)
        return gradient, gen

    def _check_wrt_type(self, name, value):
        """AD303: warn when a differentiated argument is an integer or a boolean. AD410 for
        an attribute of an object in it of a kind the gradient does not cover."""
        if not isinstance(value, (np.ndarray, float)):
            container_adjoints.check_objects(value)
        kind = _integer_kind(value)
        if kind is None:
            return
        code = self._fn.__code__
        line = code.co_firstlineno
        diag = errors.AD303_INTEGER_WRT.at(code.co_filename, line, 1, 0, linecache.getline(code.co_filename, line), severity="warning", name=name, kind=kind)
        warnings.warn(AdgenWarning(diag), stacklevel=4)  # the line calling the gradient (through __call__, _gradient_for)

    def __repr__(self):
        return f"<{self.mode} of {self.primal.__qualname__} wrt {self.wrt!r}>"


def _count_parameters(fn):
    """``repeats.count_parameters`` of ``fn``'s source; none where it has no source (the
    transform reports that)."""
    try:
        return persist.counted(fn, lambda f: repeats.count_parameters(source.load(f).func))  # kept on disk: no source read again
    except (TranspileError, TypeError):
        return set()


def _static_defaults(signature):
    """Parameter -> its default, for the defaults that are functions (``act=np.tanh``): a
    call leaving one as it is gets a gradient that resolved it (``variadic.py``)."""
    return {p.name: p.default for p in signature.parameters.values() if p.default is not p.empty and variadic.is_static(p.default)}


def closure_values(fn, names):
    """The values ``fn``'s closure variables ``names`` hold now (the NameError the function
    would raise for one not assigned yet)."""
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    values = {}
    for name in names:
        try:
            values[name] = cells[name].cell_contents
        except ValueError:
            raise NameError(f"cannot access free variable {name!r} where it is not associated with a value in enclosing scope") from None
    return values


def _parts(fn):
    """``(function, arguments bound before, keywords bound before)`` of what ``grad`` was
    given: a Python function, or a bound method (its object comes first), a
    ``functools.partial``, an ``lru_cache`` wrapper or an object with a ``__call__`` method
    of one; a function with a derivative rule (``np.sin``) through ``primitives.stand_in``.
    AD108 for anything else (a builtin or ufunc without a rule): adgen reads Python source."""
    given, args, kwargs = fn, (), {}
    for _ in range(16):
        made = primitives.stand_in(fn)
        if made is not None:  # grad(np.sin): a function with a derivative rule
            return made, args, kwargs
        if isinstance(fn, types.FunctionType):
            return fn, args, kwargs
        if isinstance(fn, types.MethodType):
            fn, args = fn.__func__, (fn.__self__,) + args
        elif isinstance(fn, functools.partial):
            fn, args, kwargs = fn.func, fn.args + args, {**fn.keywords, **kwargs}
        elif type(fn).__module__ == "functools" and hasattr(fn, "__wrapped__"):  # lru_cache, cache
            fn = fn.__wrapped__
        elif calls.is_user_function(getattr(type(fn), "__call__", None)):  # an object of a class of yours
            fn = fn.__call__
        else:
            break
    what = getattr(given, "__qualname__", None) or type(given).__qualname__
    raise TranspileError([errors.AD108_NOT_PYTHON.at("<grad>", 0, 0, what=what, kind=f"{type(fn).__module__}.{type(fn).__qualname__}")])


def _names_for(given, wrt, fn):
    """``wrt`` with parameter numbers of ``given`` (a bound method or partial, whose
    first parameters are bound) replaced by their names, which are ``fn``'s too."""
    names = list(inspect.signature(given).parameters)

    def name(item):
        if isinstance(item, int) and not isinstance(item, bool):
            if not -len(names) <= item < len(names):
                code = fn.__code__
                what = getattr(given, "__qualname__", fn.__qualname__)
                raise TranspileError(
                    [errors.AD301_OUT_OF_RANGE.at(code.co_filename, code.co_firstlineno, 1, item=item, name=what, count=len(names), params=", ".join(names))]
                )
            return names[item]
        return item

    return tuple(map(name, wrt)) if isinstance(wrt, (tuple, list)) else name(wrt)


def _shapes(args, kwargs):
    """The specialisation key of a call: each argument's shape, ``"dict"`` for a dict
    (a loop over it goes over its keys), or None."""
    return tuple(map(_key_of, args)) + tuple(map(_key_of, kwargs.values()))


def _hot_key(args):
    """A key that arguments of plain kinds (arrays of a shape and dtype, floats, ints)
    share with those of the same kinds and shapes, which get the same gradient; None for
    any other."""
    try:
        return tuple([(v.shape, v.dtype) if type(v) is np.ndarray else _PLAIN[type(v)] for v in args])
    except KeyError:
        return None


_PLAIN = {float: float, int: int}  # what _hot_key keys a number by: its type


def _key_of(value):
    if type(value) is np.ndarray:
        return "complex" if value.dtype.kind == "c" else value.shape
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, (complex, np.complexfloating)):
        return "complex"  # a gradient generated for complex values (pipeline.complex_params)
    if backends.foreign(value):
        return None  # another library's array (CuPy's, Dask's): the general gradient, which makes no Python numbers of its entries
    key = shapes.of_argument(value)
    if key is None:  # an object of the user's: the structure its methods are resolved for
        key = instances.key_of(value)
    return key


def _integer_kind(value):
    """"a bool", "an int", "an array of int64", ... for integer and boolean values, else None."""
    if isinstance(value, (bool, np.bool_)):
        return "a bool"
    if isinstance(value, (int, np.integer)):
        return f"an integer ({type(value).__name__})"
    if isinstance(value, np.ndarray) and value.dtype.kind in "biu":
        return f"an array of {value.dtype}"
    return None


def _make(mode, fn, wrt, debug, has_aux=False):
    if fn is None:
        return lambda f: GradFunction(f, wrt, mode, debug, has_aux)
    if not callable(fn):
        raise TypeError(f"{mode}() takes a function, not {type(fn).__name__}")
    return GradFunction(fn, wrt, mode, debug, has_aux)


@nested.makes_gradients
def grad(fn=None, wrt=0, debug=False, has_aux=False):
    """The gradient of ``fn``'s scalar result with respect to ``wrt``.

    ``wrt``: an int or a parameter name (one gradient) or a tuple of them (a
    tuple of gradients). Works as ``grad(f)``, ``@grad`` and ``@grad(wrt=...)``.
    A result of one element (shape ``(1,)``, ``(1, 1)``) counts as a scalar.
    ``debug=True``: the generated code checks its tape on every pop and raises AD407,
    naming your line, where the backward pass first makes a NaN or an infinity.
    ``has_aux=True``: ``fn`` returns a pair ``(loss, aux)``; the gradient is the loss's,
    ``aux`` is passed through undifferentiated, and the call returns ``(gradient, aux)``.
    """
    return _make("grad", fn, wrt, debug, has_aux)


@nested.makes_gradients
def value_and_grad(fn=None, wrt=0, debug=False, has_aux=False):
    """Like ``grad``, but the function returns ``(value, gradient)``; with ``has_aux=True``,
    ``((value, aux), gradient)`` (JAX's convention)."""
    return _make("value_and_grad", fn, wrt, debug, has_aux)


@nested.makes_gradients
def vjp(fn=None, wrt=0, debug=False, has_aux=False):
    """The vector-Jacobian product: call it with ``fn``'s arguments followed by a
    seed of the result's shape; it returns the cotangent(s) of ``wrt``. With
    ``has_aux=True``, ``fn`` returns ``(result, aux)``, the seed is the result's, and the
    call returns ``(cotangents, aux)``."""
    return _make("vjp", fn, wrt, debug, has_aux)


@nested.makes_gradients
def elementwise_grad(fn=None, wrt=0, debug=False):
    """The vector-Jacobian product of ``fn`` with a seed of ones of the result's shape:
    for a function applied elementwise (each entry of the result depends only on the
    entry of the argument at the same place), the derivative of each entry, in an array of
    the argument's shape. For any other function it is the sum of the Jacobian's rows, not
    a derivative per entry."""
    return _make("elementwise_grad", fn, wrt, debug)
