"""Functions of the user's passed to a library function ("callbacks"), and their
vector-Jacobian products, for rules such as ``scipy.integrate.odeint``'s.

A rule registered with ``callbacks={"func": layout}`` (``registry.vjp``) differentiates a
library function one of whose parameters, ``func``, is a function of the user's that the
library calls. The rule needs that function's VJP, which only generated code can provide
(the runtime never differentiates source). So the transpiler differentiates the callback
like any function the gradient calls (``calls.py``: a ``_fwd_f``/``_bwd_f`` pair in the
generated module), with respect to the positions of its arguments that ``layout`` marks,
and passes the rule the keyword argument ``func_vjp``::

    _rt.vjps.odeint(_dys, ys, f, y0, t, (c, k),
        func_vjp=_rt.callback_vjp(f, _fwd_f, _bwd_f, (0, 2, 3)))

``func_vjp(ct, *call_args)`` is ``(cotangents of call_args, cotangent of func)``: the
first a tuple with one entry per argument the callback was called with (``None`` where
it is not differentiated, else an array of the argument's shape), the second the
cotangents of the values the callback captures (see ``Closure``), or ``None``.

A nested ``def`` or a ``lambda`` passed as a callback is lifted to module level like any
nested function (``lift.py``); the values of the enclosing function's variables it reads
are passed with it, as ``_rt.closure(_f, ("k",), (k,))`` (a ``Closure``). Their
cotangents are the cotangent of ``func`` (the rule's first slot), which the ``closure``
rule (``rules/callbacks.py``) hands to those variables.
"""

import numpy as np

from adgen.runtime.core import freevar


class Closure:
    """A lifted nested function with the values of the enclosing function's variables
    it reads: calling it calls ``fn(*args, name=value, ...)``."""

    __slots__ = ("fn", "names", "values")

    def __init__(self, fn, names, values):
        self.fn = fn
        self.names = tuple(names)
        self.values = tuple(values)

    def __call__(self, *args):
        return self.fn(*args, **dict(zip(self.names, self.values)))

    def __repr__(self):
        return f"<closure of {getattr(self.fn, '__name__', self.fn)} over {', '.join(self.names)}>"


def closure(fn, names, values):
    """``fn`` (a lifted nested function) with the captured ``values`` of ``names``."""
    return Closure(fn, names, values)


class CallbackVJP:
    """The VJP of a callback, from the generated forward ``fwd`` and backward ``bwd`` of
    the user's function, differentiated with respect to the arguments at ``positions``
    and then the captured variables ``captured`` (their order in ``bwd``'s result).
    ``cells``: closure variables of a module-level function, which its generated
    forward takes as keyword arguments (read from ``func`` when it runs)."""

    def __init__(self, func, fwd, bwd, positions, captured=(), cells=()):
        self.func = func
        self.fwd = fwd
        self.bwd = bwd
        self.positions = tuple(positions)
        self.captured = tuple(captured)
        self.cells = tuple(cells)

    def __call__(self, ct, *args):
        func = self.func
        keywords = dict(zip(func.names, func.values)) if isinstance(func, Closure) else {}
        for name in self.cells:
            keywords[name] = freevar(func, name)
        _, record = self.fwd(*args, **keywords)
        out = self.bwd(record, ct)
        if len(self.positions) + len(self.captured) == 1:
            out = (out,)
        dargs = [None] * len(args)
        for k, p in enumerate(self.positions):
            dargs[p] = _shaped(out[k], args[p])
        dfunc = None
        if self.captured:
            got = dict(zip(self.captured, out[len(self.positions):]))
            dfunc = tuple(_shaped(got[n], v) if n in got else None for n, v in zip(func.names, func.values))
        return tuple(dargs), dfunc


def callback_vjp(func, fwd, bwd, positions, captured=(), cells=()):
    """A ``CallbackVJP`` (see the module's docstring)."""
    return CallbackVJP(func, fwd, bwd, positions, captured, cells)


def _shaped(cot, value):
    """A cotangent as a float array of ``value``'s shape (a generated backward may give
    the scalar ``0.0`` for a parameter the result does not depend on)."""
    shape = np.shape(value)
    cot = np.asarray(cot)
    if cot.shape != shape:
        cot = np.broadcast_to(cot, shape)
    return np.array(cot, dtype=np.result_type(cot.dtype, np.float64))


def attribute(obj, name):
    """``obj.name``, where ``obj`` is the result of a library function whose rule
    differentiates that attribute (``sol.y`` of ``solve_ivp``: ``Rule.attribute``)."""
    return getattr(obj, name)


def constant_attribute(obj, name):
    """``obj.name``, another attribute of such a result (``sol.t``): not differentiated."""
    return getattr(obj, name)
