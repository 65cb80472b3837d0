"""Functions passed as arguments to functions of the user's, resolved when the gradient
is made.

At a call ``apply(np.sin, x)`` of ``def apply(fn, x): return fn(x)``, the argument
``np.sin`` names one function statically (the caller's resolver finds it, and records it
in the gradient's guard like any baked-in value: a rebound global makes the gradient
again). The callee is then differentiated for that function: its parameter ``fn``
becomes a value it reads from outside, like a closure variable, so ``fn(x)`` resolves
to ``np.sin`` (its rule) or to a function of the user's (differentiated too). Its
forward takes ``fn`` as a keyword argument, and the call site passes the argument
itself::

    y, _rec1 = _fwd_apply(x, fn=np.sin)

Each function passed gets its own forward and backward (``_fwd_apply``,
``_fwd_apply_1``). An argument that is not a name or attribute bound to a function
(a parameter of the caller, ``fns[i]``, ``partial(f, a)``) is left as it is:
``fn(x)`` in the callee is then refused (AD202).
"""

import ast
import dataclasses
import types

import numpy as np

from adgen import funcargs, lift
from adgen.marks import marks
from adgen.resolve import reads_a_default
from adgen.syntax import clone


def function_arguments(resolver, bound, ops):
    """``{parameter: function}`` for the arguments in ``bound`` (parameter -> argument
    node) that name a function statically and carry no derivative (``ops``: id of an
    argument node -> its ``Op``, None when not differentiated)."""
    found = {}
    for param, arg in bound.items():
        static = isinstance(arg, (ast.Name, ast.Attribute)) or funcargs.literal_index(arg) or marks(arg).resolved is not None or reads_a_default(arg)
        if not static or ops.get(id(arg)) is not None:
            continue
        ok, value = resolver.value_of(arg)
        if ok and _is_function(value):
            found[param] = value
    return found


def _is_function(value):
    if isinstance(value, lift.Lifted):
        return False  # a nested def: called through its lifted name, not passed on
    return isinstance(value, (types.FunctionType, types.BuiltinFunctionType, np.ufunc))  # not a bound method: its object is not the name passed


def specialised(src, fixed):
    """``src`` with the parameters in ``fixed`` read from outside, as ``fixed`` gives them."""
    func = clone(src.func)
    args = func.args
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    kept = [(a, d) for a, d in zip(positional, defaults) if a.arg not in fixed]
    args.posonlyargs = [a for a in args.posonlyargs if a.arg not in fixed]
    args.args = [a for a in args.args if a.arg not in fixed]
    first = next((k for k, (_, d) in enumerate(kept) if d is not None), len(kept))
    args.defaults = [d for _, d in kept[first:]]
    keywords = [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if a.arg not in fixed]
    args.kwonlyargs = [a for a, _ in keywords]
    args.kw_defaults = [d for _, d in keywords]
    return dataclasses.replace(src, func=func, closure={**src.closure, **fixed}, baked=type(src.baked)())


def key(fixed):
    """What tells two specialisations apart, for ``calls.Program.variant``."""
    return tuple(sorted((p, id(f)) for p, f in fixed.items()))
