"""What generated forward-mode code (``jvp_f``) calls: the tangents it is given, checked;
zero tangents; a tangent brought to its value's shape; and the contribution of a
tangent through an elementwise rule that generated code calls rather than pastes."""

import numpy as np


def tangent_arg(x, v, name, copy=True):
    """The tangent ``v`` given for the argument ``x`` (named ``name``), as a float array of
    ``x``'s shape (a float for a number); with ``copy``, never the caller's own array (for
    generated code that stores into it)."""
    shape, given = np.shape(x), np.shape(v)
    if given != shape:
        raise ValueError(f"the tangent of `{name}` has shape {given}, but `{name}` has shape {shape}")
    kind = np.result_type(np.asarray(x).dtype, np.asarray(v).dtype, float)
    if kind.kind not in "fc":
        raise TypeError(f"the tangent of `{name}` must be a float array or number, not {np.asarray(v).dtype}")
    if isinstance(x, np.ndarray):
        return np.array(v, dtype=kind) if copy else np.asarray(v, dtype=kind)
    return kind.type(v).item() if kind.kind == "f" and np.ndim(v) == 0 else np.array(v, dtype=kind)


def zero_tangent(v):
    """The zero tangent of the value ``v``: ``0.0`` for a number, else float zeros of its
    shape (complex for a complex value)."""
    if isinstance(v, tuple):  # a tuple-valued result (``np.linalg.svd``'s): one per entry
        return tuple(zero_tangent(x) for x in v)
    if np.ndim(v) == 0 and not isinstance(v, np.ndarray):
        return 0.0
    kind = np.result_type(np.asarray(v).dtype, float)
    return np.zeros(np.shape(v), kind)


def fit(t, *others):
    """The tangent ``t`` of an elementwise operation's result, made of its operands' with
    a tangent, spread to the shape the ``others`` (the operands without one) broadcast it
    to (``x + b`` with ``b`` larger than ``x``), a new array; ``t`` itself when that
    shape is its own."""
    shape = np.broadcast_shapes(np.shape(t), *map(np.shape, others))
    if np.shape(t) == shape:
        return t
    return np.broadcast_to(t, shape).copy()


def elementwise_jvp(rule, k, t, ans, *args, **kwargs):
    """The contribution of ``t``, the tangent of the ``k``-th parameter, through the
    elementwise reverse ``rule``: called with every array operand (and ``t``) broadcast to
    the result's shape, it sums over no axis, and its cotangent of the parameter is
    ``t`` times the partial derivative, entry by entry (a parameter it gives none for has
    none)."""
    shape = np.shape(ans)
    spread = [np.broadcast_to(a, shape) if _numeric(a) else a for a in args]
    kwargs = {k: np.broadcast_to(a, shape) if _numeric(a) else a for k, a in kwargs.items()}
    found = rule(np.broadcast_to(t, shape), ans, *spread, **kwargs)
    found = found if isinstance(found, (tuple, list)) else (found,)
    return 0.0 if k >= len(found) or found[k] is None else found[k]  # None: no derivative, by the rules' contract


def _numeric(a):
    return isinstance(a, (np.ndarray, np.generic, float, int, complex)) and not isinstance(a, bool)


def tuple_tangent_sum(*parts):
    """The tangent of a tuple-valued result (``lstsq``'s) made of several arguments'
    contributions, each a tuple: their sum entry by entry."""
    return tuple(sum(entries) for entries in zip(*parts))
