"""Reverse rules of the runtime helpers that generated code calls, so that generated code
can itself be differentiated (higher order: ``hvp`` differentiates the tangent module,
``jvp``'s, in reverse mode)."""

import numpy as np

import adgen.runtime as _rt
from adgen.runtime import core, inplace, nested, singular, tangents
from adgen.runtime.registry import nondiff, vjp
from adgen.runtime.rules import linalg

nondiff(tangents.zero_tangent, tangents.chosen)
# the checks generated code makes around calls it cannot follow: their results are only compared
nondiff(inplace.lent, inplace.returned, inplace.apart, inplace.immutable)


@vjp(tangents.with_tangent_item)
def with_tangent_item(g, ans, ts, key, t):
    """A container with one item replaced: as ``with_item``'s rule, the item's cotangent
    to ``t``, the others' to ``ts``."""
    if isinstance(g, float) and g == 0.0:
        return 0.0, None, 0.0
    if isinstance(g, dict):
        rest = _rt.AdjDict(g)
        rest.pop(key, None)
    else:
        rest = _rt.Adj(g)
        rest[key] = 0.0
    return rest, None, _rt.part(g, key)


@vjp(core.copied)
def copied(g, ans, value):
    """A value with its arrays copied (a tangent a function of the user's returned): the
    cotangent as it is."""
    return g


@vjp(tangents.tangent_arg)
def tangent_arg(g, ans, x, v, name, copy=True):
    """The tangent given, checked: ``x`` is read for its shape only."""
    return None, _rt.unbroadcast(g, v)


@vjp(tangents.fit)
def fit(g, ans, t, *others):
    """A tangent spread to a larger shape: its cotangent summed back (the others are read
    for their shapes only)."""
    return _rt.unbroadcast(g, t)


@vjp(singular.over)
def over(g_, ans, g, den, num=None):
    """``g / den`` (``g * num / den``), 0 where ``g`` is: the same zeros in its cotangents."""
    quotient = singular.over(g_, den) if num is None else singular.over(g_, den, num)
    dden = -singular.times(quotient, singular.over(g, den))
    dnum = None if num is None else _rt.unbroadcast(singular.over(g_ * g, den), num)
    return _rt.unbroadcast(quotient, g), _rt.unbroadcast(dden, den), dnum


@vjp(singular.times)
def times(g_, ans, g, factor):
    """``g * factor``, 0 where ``g`` is."""
    return _rt.unbroadcast(singular.times(g_, factor), g), _rt.unbroadcast(g_ * g, factor)


@vjp(linalg.cofactors)
def cofactors(g, ans, a, det):
    """``det * inv(a)^T`` (``det`` given apart, as the forward rule of ``det`` passes it):
    ``-det B^T g^T B^T`` for ``a`` and ``<g, B^T>`` for ``det``, ``B = inv(a)`` (an
    invertible ``a``: at a singular one this raises)."""
    inverse_t = np.swapaxes(np.linalg.inv(a), -1, -2)
    spread = np.expand_dims(det, (-2, -1))
    da = -spread * (inverse_t @ np.swapaxes(g, -1, -2) @ inverse_t)
    return da, np.sum(g * inverse_t, axis=(-2, -1))


@vjp(nested.gradient_of)
def gradient_of(g, ans, gradient, *args):
    """The derivative of a gradient along ``g``: a Hessian-vector product (the gradient
    function itself gets none)."""
    return None, *nested.hessian_product(gradient, args, g)


@vjp(tangents.tuple_tangent_sum)
def tuple_tangent_sum(g, ans, *parts):
    """A sum, entry by entry for tuples: each part's cotangent is ``g`` (summed back to the
    part's shape, entry by entry)."""
    if isinstance(parts[0], (tuple, list)):
        return tuple(type(part)(_rt.unbroadcast(_rt.part(g, k), e) for k, e in enumerate(part)) for part in parts)
    return tuple(_rt.unbroadcast(g, part) for part in parts)
