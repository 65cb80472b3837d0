"""Functions whose results carry no derivative, and the array constructors that do.

A ``nondiff`` function's result is piecewise constant in every argument (shapes,
indices, rounding, comparisons, fresh zeros/ones), so no cotangent flows
through it. ``np.full``, ``np.full_like``, ``np.linspace`` and ``np.arange``
build arrays from values, so they get real rules at the end of this module.
"""

import math
import operator

import numpy as np

import adgen.runtime as _rt
from adgen.runtime import backends
from adgen.runtime.registry import nondiff, vjp

# -- shapes, sizes, types -----------------------------------------------------------

nondiff(
    np.shape, np.ndim, np.size,
    np.ndarray.shape, np.ndarray.ndim, np.ndarray.size, np.ndarray.dtype,
    len, range, isinstance, type,
    np.result_type, np.isscalar, np.isrealobj, np.iscomplexobj,
    np.einsum_path,  # a contraction order for einsum's optimize=
    backends.like,  # which library a rule's new array belongs to (a differentiated rule reads it)
    backends.eye,  # an identity matrix, of a library
)

# -- indices ------------------------------------------------------------------------

nondiff(
    np.argmax, np.argmin, np.argsort, np.argpartition, np.lexsort,
    np.ndarray.argmax, np.ndarray.argmin, np.ndarray.argsort, np.ndarray.argpartition,
    np.nonzero, np.ndarray.nonzero, np.flatnonzero, np.argwhere, np.count_nonzero,
    np.searchsorted, np.ndarray.searchsorted, np.digitize,
    np.unravel_index, np.ravel_multi_index, np.indices,
    np.tril_indices, np.triu_indices, np.diag_indices,
    np.tril_indices_from, np.triu_indices_from, np.diag_indices_from, np.mask_indices, np.ix_,
    np.linalg.matrix_rank,  # an integer, piecewise constant in the matrix
    np.spacing,  # the gap to the next float: a step function of the magnitude
    np.bartlett, np.blackman, np.hamming, np.hanning,  # windows of an integer length
)

# -- rounding, sign, integer division -----------------------------------------------

nondiff(
    np.floor, np.ceil, np.round, np.around, np.rint, np.trunc, np.fix, np.ndarray.round,
    np.sign, np.signbit,
    np.floor_divide, operator.floordiv,
    round, int, bool, operator.index, operator.truth,
    math.floor, math.ceil, math.trunc,
)

# -- comparisons and logic ----------------------------------------------------------

nondiff(
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
    operator.is_, operator.is_not,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor, operator.not_,
    # bitwise operators on booleans and integers (masks like `(x > 0) & (x < 1)`)
    operator.and_, operator.or_, operator.xor, operator.invert,
    np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert,
    np.isfinite, np.isnan, np.isinf, np.isposinf, np.isneginf, np.isreal, np.iscomplex,
    np.isclose, np.allclose, np.array_equal, np.array_equiv,
    np.any, np.all, np.ndarray.any, np.ndarray.all,
    math.isfinite, math.isnan, math.isinf, math.isclose,
)

# -- fresh arrays whose values do not come from the arguments -----------------------

nondiff(
    np.zeros, np.ones, np.empty, np.eye, np.identity, np.tri,
    np.zeros_like, np.ones_like, np.empty_like,
)

# FFT sample frequencies: functions of the (integer) length and the sample spacing,
# which is a constant in practice (a differentiated `d` gets no cotangent).
nondiff(np.fft.fftfreq, np.fft.rfftfreq)

# -- constructors that carry their value arguments ---------------------------------


def _fill(g, ans, fill_value):
    """The cotangent of a fill value broadcast to the whole result.

    An integer result (``dtype=int``, or ``full_like`` of an integer array)
    truncates the fill value and is then piecewise constant in it.
    """
    if not np.issubdtype(ans.dtype, np.inexact):
        return np.zeros(np.shape(fill_value), like=_rt.like(fill_value, ans))
    return _rt.unbroadcast(g, fill_value)


@vjp(np.full)
def full(g, ans, shape, fill_value, dtype=None):
    return None, _fill(g, ans, fill_value)


# `shape` is keyword-only here: positionally it is full_like's sixth argument.
@vjp(np.full_like)
def full_like(g, ans, a, fill_value, dtype=None, *, shape=None):
    return None, _fill(g, ans, fill_value)


# linspace: sample k is start + t_k (stop - start) along `axis`, with t_k = k / (num - 1),
# or k / num without the endpoint. num and endpoint only pick the t_k.
@vjp(np.linspace)
def linspace(g, ans, start, stop, num=50, endpoint=True, axis=0):
    div = num - 1 if endpoint else num
    like = _rt.like(g)
    t = np.arange(num, like=like) / div if div > 0 else np.zeros(num, like=like)
    g = np.moveaxis(_rt.as_array(g), axis, 0)  # the sample axis first
    dstop = np.tensordot(t, g, axes=1)
    dstart = np.sum(g, axis=0) - dstop
    return _rt.unbroadcast(dstart, start), _rt.unbroadcast(dstop, stop)


# arange(start, stop, step) is start + step * k for k = 0 .. n-1; stop (and
# arange(stop) with a single argument) only decides n, so it gets no cotangent.
@vjp(np.arange)
def arange(g, ans, start, stop=None, step=None):
    if stop is None:
        return 0.0, None, None
    dstep = None if step is None else np.sum(g * np.arange(np.size(ans)))
    return np.sum(g), None, dstep


def _fractions(num, endpoint, like):
    """linspace's t_k: k / (num - 1), or k / num without the endpoint (0 for one sample)."""
    div = num - 1 if endpoint else num
    return np.arange(num, like=like) / div if div > 0 else np.zeros(num, like=like)


# logspace: base ** linspace(start, stop): the linspace cotangent of g * ans * log(base);
# an array `base` is broadcast with start and stop and gets a length-1 sample axis.
@vjp(np.logspace)
def logspace(g, ans, start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    like = _rt.like(ans)
    if not np.issubdtype(ans.dtype, np.inexact):
        return np.zeros(np.shape(start), like=like), np.zeros(np.shape(stop), like=like), None, None, np.zeros(np.shape(base), like=like)
    nd = max(np.ndim(start), np.ndim(stop), np.ndim(base))  # NumPy's layout, as in np.logspace
    first, last = np.array(start, ndmin=nd, like=like), np.array(stop, ndmin=nd, like=like)
    b = np.expand_dims(np.array(base, ndmin=nd, like=like), axis)
    lin = np.linspace(first, last, num, endpoint, axis=axis)
    dstart, dstop = linspace(g * ans * np.log(b), lin, first, last, num, endpoint, axis)
    dbase = np.reshape(_rt.unbroadcast(g * ans * lin / b, b), np.shape(base))
    return np.reshape(dstart, np.shape(start)), np.reshape(dstop, np.shape(stop)), None, None, dbase


# geomspace: sample k is start * (stop / start) ** t_k (start and stop of one sign), so
# d/dstart = (1 - t_k) ans_k / start and d/dstop = t_k ans_k / stop.
@vjp(np.geomspace)
def geomspace(g, ans, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    like = _rt.like(ans)
    if not np.issubdtype(ans.dtype, np.inexact):
        return np.zeros(np.shape(start), like=like), np.zeros(np.shape(stop), like=like)
    t = np.reshape(_fractions(num, endpoint, like), (-1,) + (1,) * (np.ndim(ans) - 1))
    weighted = np.moveaxis(g * ans, axis, 0)
    return _rt.unbroadcast(np.sum(weighted * (1 - t), axis=0) / start, start), _rt.unbroadcast(np.sum(weighted * t, axis=0) / stop, stop)


# kaiser(M, beta)[n] = i0(beta s_n) / i0(beta), s_n = sqrt(1 - ((n - a) / a)^2), a = (M - 1) / 2:
# differentiable in beta (M is an integer length).
@vjp(np.kaiser)
def kaiser(g, ans, M, beta):
    if M <= 1:
        return None, 0.0
    a = (M - 1) / 2.0
    s = np.sqrt(np.clip(1.0 - ((np.arange(M) - a) / a) ** 2, 0.0, None))
    i1 = _rt.rules.elementwise._i1
    return None, np.sum(g * (s * i1(beta * s) - ans * i1(beta)) / np.i0(beta))
