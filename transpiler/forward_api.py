"""``jvp``: forward mode, the Jacobian-vector product of a function, as generated source.

``jvp(f, wrt=0)(*args, v)`` returns ``(f(*args), J v)``, ``J`` the Jacobian of ``f``'s
result with respect to the argument ``wrt`` and ``v`` a tangent of that argument's
shape (a tuple of tangents, one per parameter, for a tuple ``wrt``). The module it runs
is ``pipeline.transform(..., mode="forward")``'s, made on the first call with arguments
of new shapes (specialised to them: shapes known statically need no run-time
broadcasting) and kept per function, ``wrt``, shapes and the globals it resolved
(``guards``); ``.source`` is the module for arguments of any shape.
"""

import inspect

from adgen import api, binding, instances, pipeline, source, variadic
from adgen.cache import LRU, MAX_MODULES, load_module
from adgen.runtime import modules

_MEMO = LRU(MAX_MODULES)


def _compiled(fn, wrt, arg_shapes=None, samples=None, call=None, args=(), scalars=False):
    """``(Gradient, generated function)`` of ``fn``'s forward mode, specialised to
    ``arg_shapes``: parameter -> shape, ``"dict"``, an object's ``instances.Key`` or None,
    or, as ``grad``'s (``api._shapes``), one per argument in order; None: for any shapes.
    ``samples``: parameter -> the object of the user's the call passes, whose methods the
    module resolves (``instances``; found in ``args`` for shapes given in order). ``call``:
    ``(layout, statics, counts)`` of the call, as ``api._compiled`` takes it (``*args`` and
    ``**kwargs``, functions given or left to defaults, counts of spread repetitions).
    ``scalars``: numbers the shapes prove computed with ``math`` (``scalars.py``)."""
    key = (fn.__code__, fn.__code__.co_filename, id(fn.__globals__), repr(wrt), shapes_key(arg_shapes), call, scalars)
    found = _MEMO.get(key)
    if found is not None and found[0].guard.holds(fn):
        return found[0], found[1]
    src, renamed = source.load(fn), {}
    if call is not None:
        src, renamed = variadic.specialise_top(src, call[0], {p: value.value() for p, value in call[1]}, dict(call[2]))
    if isinstance(arg_shapes, tuple):
        params = variadic.parameters(src.func)
        samples = {p: a for p, a, k in zip(params, args, arg_shapes) if isinstance(k, instances.Key)} or None
        arg_shapes = dict(zip(params, arg_shapes))
    made = pipeline.transform(src, wrt, arg_shapes=arg_shapes, mode="forward", samples=samples, scalars=scalars and bool(arg_shapes))
    made.keywords = renamed
    with modules.deferred():
        module = load_module(made.text, fn.__name__)
    generated = binding.bound(module, made.modules)[made.funcname]
    _MEMO[key] = (made, generated, fn.__globals__)
    return made, generated


class JvpFunction:
    """What ``jvp`` returns: call it with ``fn``'s arguments and then the tangent(s)."""

    def __init__(self, fn, wrt):
        if not callable(fn):
            raise TypeError(f"jvp() takes a function (a def or a lambda), not {type(fn).__name__}")
        # a bound method, a functools.partial or an object of a class of yours with __call__:
        # the function, with the arguments bound before it (its object first), as grad takes them;
        # a call binds and specialises the module as grad's does (*args, **kwargs, defaults)
        self._calls = api.GradFunction(fn, wrt, "grad")
        self.primal, self._fn, self.wrt = fn, self._calls._fn, self._calls.wrt
        for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(self, attr, getattr(self._fn, attr, None))

    @property
    def source(self):
        """The text of the generated module."""
        return _compiled(self._fn, self.wrt)[0].text

    def source_for(self, *args, **kwargs):
        """The text of the generated module specialised to these arguments' shapes."""
        return self._made(args, kwargs)[0][0].text

    def _made(self, args, kwargs):
        """``((Gradient, generated function), args, kwargs)`` for a call with these arguments."""
        args, kwargs = self._calls._bind(args, kwargs)
        return self._module(args, kwargs), args, kwargs

    def _module(self, args, kwargs, scalars=True):
        """``(Gradient, generated function)`` for these bound arguments."""
        return _compiled(self._fn, self.wrt, api._shapes(args, kwargs), call=self._calls._call_spec(args, kwargs), args=args, scalars=scalars)

    def __call__(self, *args, **kwargs):
        if not args:
            raise TypeError(f"jvp({self.__name__}) takes the function's arguments, then the tangent")
        *args, v = args
        (made, generated), args, kwargs = self._made(args, kwargs)
        tangents = tuple(v) if made.wrt_tuple else (v,)
        if len(tangents) != len(made.dout):
            raise TypeError(f"jvp({self.__name__}, wrt={self.wrt!r}) takes {len(made.dout)} tangents, got {len(tangents)}")
        named = {made.keywords.get(k, k): value for k, value in kwargs.items()}  # keywords through **kwargs: their parameters
        extra = {**api.closure_values(self._fn, made.closure), **dict(zip(made.dout, tangents))}
        try:
            return generated(*args, **named, **extra)
        except (ArithmeticError, ValueError):
            if not made.scalars:
                raise
            # math raised where NumPy gives inf or nan: NumPy's numbers, or the function's own error
            return self._module(args, kwargs, scalars=False)[1](*args, **named, **extra)


def shapes_key(arg_shapes):
    """``arg_shapes`` as a cache key: the keys themselves, not their text (an object's
    ``instances.Key`` prints its class alone; two objects of one class holding different
    functions must not share a module)."""
    return tuple(arg_shapes.items()) if isinstance(arg_shapes, dict) else arg_shapes


def shapes_of(signature, bound):
    """Parameter -> what the module is specialised to for the arguments ``bound``, as
    ``grad``'s (``api._key_of``): a shape, ``"dict"`` for a dict (a loop over it goes over
    its keys), an object's structure, or None (a list or tuple: any lengths)."""
    return {name: api._key_of(value) for name, value in bound.arguments.items() if _positional(signature, name)}


def samples_of(signature, bound):
    """Parameter -> the object of the user's passed for it, where its methods are resolved."""
    found = {name: value for name, value in bound.arguments.items() if _positional(signature, name) and isinstance(api._key_of(value), instances.Key)}
    return found or None


def _positional(signature, name):
    return signature.parameters[name].kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def jvp(fn=None, wrt=0):
    """Forward mode: ``jvp(f, wrt)(*args, v)`` -> ``(f(*args), J v)``, the value and its
    derivative along the tangent ``v`` of the argument ``wrt`` (a tuple of tangents for a
    tuple ``wrt``). Works as ``jvp(f)`` and ``@jvp(wrt=...)``; ``.source`` is the
    generated module (``adgen emit --mode forward`` writes it)."""
    if fn is None:
        return lambda f: JvpFunction(f, wrt)
    return JvpFunction(fn, wrt)
