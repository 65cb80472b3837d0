"""Rules for elementwise functions of two arguments, the arithmetic operators,
and the builtins ``max``, ``min``, ``sum`` (plus ``math.fsum``/``prod``/``dist``).

Binary ufuncs broadcast their operands, so each cotangent is unbroadcast back
to its operand's shape (the transpiler drops that call when the other operand
is a number literal).
"""

import math
import operator

import numpy as np

import adgen.runtime as _rt
from adgen.runtime import tangents
from adgen.runtime.registry import vjp

# -- arithmetic --------------------------------------------------------------------


@vjp(np.add, operator.add, elementwise=True, complex=True)
def add(g, ans, x, y):
    return _rt.unbroadcast(g, x), _rt.unbroadcast(g, y)


@vjp(np.subtract, operator.sub, elementwise=True, complex=True)
def subtract(g, ans, x, y):
    return _rt.unbroadcast(g, x), _rt.unbroadcast(-g, y)


@vjp(np.multiply, operator.mul, elementwise=True, complex=True)
def multiply(g, ans, x, y):
    return _rt.unbroadcast(g * y, x), _rt.unbroadcast(g * x, y)


@vjp(np.divide, operator.truediv, elementwise=True, complex=True)
def divide(g, ans, x, y):
    return _rt.unbroadcast(_rt.over(g, y), x), _rt.unbroadcast(-_rt.over(g, y, ans), y)


# x ** y: the base cotangent y * x**(y-1) works for negative bases with integer
# exponents. The exponent cotangent ans * log(x) is taken as 0 where x == 0 (the
# limit for y > 0); for x < 0 it is NaN, as x ** y is not real for nearby y.
def power_complex(g, ans, x, y):
    # the same, with the complex logarithm (a negative real base to a complex power)
    return (
        _rt.unbroadcast(g * y * np.power(x, y - 1), x),
        _rt.unbroadcast(g * ans * np.log(np.where(x == 0, 1.0, x) + 0j), y),
    )


@vjp(np.power, operator.pow, pow, math.pow, elementwise=True, complex=power_complex)
def power(g, ans, x, y):
    return (
        _rt.unbroadcast(_rt.times(g * y, np.power(x, y - 1)), x),
        _rt.unbroadcast(_rt.times(g, ans * np.log(np.where(x == 0, 1.0, x))), y),
    )


@vjp(np.float_power, elementwise=True)
def float_power(g, ans, x, y):
    return (
        _rt.unbroadcast(_rt.times(g * y, np.float_power(x, y - 1)), x),
        _rt.unbroadcast(_rt.times(g, ans * np.log(np.where(x == 0, 1.0, x))), y),
    )


# x mod y = x - floor(x / y) * y, and the quotient is piecewise constant.
@vjp(np.remainder, operator.mod, elementwise=True)
def remainder(g, ans, x, y):
    return _rt.unbroadcast(g, x), _rt.unbroadcast(-g * np.floor_divide(x, y), y)


# fmod rounds the quotient toward zero: x - trunc(x / y) * y.
@vjp(np.fmod, math.fmod, elementwise=True)
def fmod(g, ans, x, y):
    return _rt.unbroadcast(g, x), _rt.unbroadcast(-g * np.trunc(x / y), y)


# IEEE remainder rounds the quotient to the nearest integer: x - round(x / y) * y.
@vjp(math.remainder, elementwise=True)
def math_remainder(g, ans, x, y):
    return g, -g * np.rint(x / y)


# divmod returns (floor quotient, remainder); only the remainder carries a derivative.
@vjp(np.divmod, divmod, elementwise=True, outputs=2)
def divmod_(g, ans, x, y):
    return _rt.unbroadcast(g[1], x), _rt.unbroadcast(-g[1] * ans[0], y)


# ldexp(x, i) = x * 2**i with an integer exponent i.
@vjp(np.ldexp, math.ldexp, elementwise=True)
def ldexp(g, ans, x, i):
    return _rt.unbroadcast(g * np.exp2(i), x), None


# -- extrema -----------------------------------------------------------------------

# maximum/minimum/fmax/fmin: the operand equal to the result gets g; at a tie
# (x == y) each gets half. fmax/fmin ignore a NaN operand, so the other one,
# which equals the result, gets all of g.


@vjp(np.maximum, np.minimum, np.fmax, np.fmin, elementwise=True)
def maximum(g, ans, x, y):
    return (
        _rt.unbroadcast(g * np.where(x == y, 0.5, x == ans), x),
        _rt.unbroadcast(g * np.where(x == y, 0.5, y == ans), y),
    )


# Builtin max(a, b, ...) / min(a, b, ...) return one of their arguments (the
# first extreme one at a tie): that argument gets all of g, the others 0.
# With one argument, max(iterable) does the same over the iterable's items.
@vjp(max, min)
def max_min(g, ans, *args):
    if len(args) == 1:
        cots = [_one_hot(g, ans, args[0])]
    else:
        k = tangents.position_of(ans, args)
        cots = [g if i == k else 0.0 for i in range(len(args))]
    return tuple(cots)


def _one_hot(g, ans, items):
    """The cotangent of the iterable in max(iterable): g at the chosen item, 0 elsewhere."""
    k = tangents.position_of(ans, list(items))
    if isinstance(items, np.ndarray) or _rt.like(items) is not None:  # an array, NumPy's or another library's
        out = np.zeros_like(items, dtype=float)
        if k is not None:
            out[k] = g
        return out
    return _rt.Adj([g if i == k else 0.0 for i in range(len(items))])


# -- angles and norms --------------------------------------------------------------


# arctan2(x1, x2) is the angle of the point (x2, x1).
@vjp(np.arctan2, math.atan2, elementwise=True)
def arctan2(g, ans, x1, x2):
    return (
        _rt.unbroadcast(_rt.over(g, x1**2 + x2**2, x2), x1),
        _rt.unbroadcast(-_rt.over(g, x1**2 + x2**2, x1), x2),
    )


# hypot has a kink at the origin; the cotangent there is 0 (like abs at 0).
@vjp(np.hypot, elementwise=True)
def hypot(g, ans, x, y):
    return (
        _rt.unbroadcast(g * x / np.where(ans == 0, 1.0, ans), x),
        _rt.unbroadcast(g * y / np.where(ans == 0, 1.0, ans), y),
    )


@vjp(math.hypot)
def math_hypot(g, ans, *coordinates):
    scale = g / ans if ans != 0 else 0.0
    return tuple(scale * c for c in coordinates)


# math.dist(p, q) = |p - q| for two points given as sequences of coordinates.
@vjp(math.dist)
def dist(g, ans, p, q):
    d = np.asarray(p, dtype=float) - np.asarray(q, dtype=float)
    d = d * (g / ans) if ans != 0 else np.zeros_like(d)
    return _like_sequence(d, p), _like_sequence(-d, q)


def _like_sequence(c, seq):
    """A cotangent array for ``seq``: a list of entries when ``seq`` is a list or tuple."""
    return list(c) if isinstance(seq, (list, tuple)) else c


# -- copysign ----------------------------------------------------------------------


# copysign(x, y) is x or -x; it is piecewise constant in y, which gets no cotangent.
@vjp(np.copysign, math.copysign, elementwise=True)
def copysign(g, ans, x, y):
    return _rt.unbroadcast(g * np.where(np.equal(np.signbit(x), np.signbit(y)), 1.0, -1.0), x), None


# heaviside(x, h0) is 0 for x < 0, 1 for x > 0 and h0 where x == 0: piecewise
# constant in x, but the value at 0 is h0 itself.
@vjp(np.heaviside, elementwise=True)
def heaviside(g, ans, x, h0):
    return None, _rt.unbroadcast(g * (x == 0), h0)


# -- logaddexp ---------------------------------------------------------------------


# log(e^x + e^y): d/dx = e^x / (e^x + e^y) = e^(x - ans)
@vjp(np.logaddexp, elementwise=True)
def logaddexp(g, ans, x, y):
    return _rt.unbroadcast(g * np.exp(x - ans), x), _rt.unbroadcast(g * np.exp(y - ans), y)


# log2(2^x + 2^y): d/dx = 2^x / (2^x + 2^y) = 2^(x - ans)
@vjp(np.logaddexp2, elementwise=True)
def logaddexp2(g, ans, x, y):
    return _rt.unbroadcast(g * np.exp2(x - ans), x), _rt.unbroadcast(g * np.exp2(y - ans), y)


# -- sums and products of sequences -------------------------------------------------


# Builtin sum(iterable, start): over a list or tuple each item gets g (unbroadcast
# to its shape); over an array the rows are summed, so each row gets g.
@vjp(sum)
def builtin_sum(g, ans, iterable, start=0):
    if isinstance(iterable, np.ndarray) or _rt.like(iterable) is not None:  # an array, NumPy's or another library's
        if len(iterable) == 0:
            return np.zeros_like(iterable, dtype=float), _rt.unbroadcast(g, start)
        row = _rt.unbroadcast(g, iterable[0])
        return np.broadcast_to(row, iterable.shape), _rt.unbroadcast(g, start)
    return _rt.Adj([_rt.unbroadcast(g, a) for a in iterable]), _rt.unbroadcast(g, start)


# math.fsum(seq): an exactly rounded sum of numbers; each gets g.
@vjp(math.fsum)
def fsum(g, ans, seq):
    if isinstance(seq, np.ndarray) or _rt.like(seq) is not None:  # an array, NumPy's or another library's
        return np.full_like(seq, g, dtype=float)
    return _rt.Adj([g for _ in seq])


# math.prod(iterable, start): the cotangent of item k is g times the product of
# everything else, built from prefix and suffix products (no division, so zeros are fine).
@vjp(math.prod)
def math_prod(g, ans, iterable, *, start=1):
    items = list(iterable)
    before = [start]
    for a in items:
        before.append(before[-1] * a)
    after = [1]
    for a in reversed(items):
        after.append(after[-1] * a)
    after.reverse()
    cots = [g * before[k] * after[k + 1] for k in range(len(items))]
    dstart = g * after[0]
    if isinstance(iterable, np.ndarray) or _rt.like(iterable) is not None:  # an array, NumPy's or another library's
        return np.array(cots, dtype=float, like=_rt.like(iterable)).reshape(iterable.shape), dstart
    return cots, dstart
