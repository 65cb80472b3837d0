"""Rules for elementwise functions of one argument (NumPy ufuncs, ``math``, builtins).

A one-expression body that names only its parameters, ``np`` and ``_rt`` is
inlined into generated code as written, so keep these as plain NumPy. Every
rule here is ``elementwise``: ``g`` may carry broadcast axes beyond ``x``'s
shape and the result is then unbroadcast where it is used.
"""

import math
import operator

import numpy as np

import adgen.runtime as _rt
from adgen.runtime.registry import vjp

# -- trigonometric -----------------------------------------------------------------


@vjp(np.sin, math.sin, elementwise=True, complex=True)
def sin(g, ans, x):
    return g * np.cos(x)


@vjp(np.cos, math.cos, elementwise=True, complex=True)
def cos(g, ans, x):
    return -g * np.sin(x)


@vjp(np.tan, math.tan, elementwise=True, complex=True)
def tan(g, ans, x):
    return g * (1.0 + ans**2)


@vjp(np.arcsin, math.asin, elementwise=True, complex=True)
def arcsin(g, ans, x):
    return _rt.over(g, np.sqrt(1.0 - x**2))


@vjp(np.arccos, math.acos, elementwise=True, complex=True)
def arccos(g, ans, x):
    return -_rt.over(g, np.sqrt(1.0 - x**2))


@vjp(np.arctan, math.atan, elementwise=True, complex=True)
def arctan(g, ans, x):
    return g / (1.0 + x**2)


@vjp(np.sinc, elementwise=True, complex=True)
def sinc(g, ans, x):
    # sinc(x) = sin(pi x) / (pi x), so sinc'(x) = (cos(pi x) - sinc(x)) / x, and 0 at x = 0
    return g * np.where(x == 0, 0.0, (np.cos(np.pi * x) - ans) / np.where(x == 0, 1.0, x))


@vjp(np.deg2rad, np.radians, math.radians, elementwise=True)
def deg2rad(g, ans, x):
    return g * (np.pi / 180.0)


@vjp(np.rad2deg, np.degrees, math.degrees, elementwise=True)
def rad2deg(g, ans, x):
    return g * (180.0 / np.pi)


# -- hyperbolic --------------------------------------------------------------------


@vjp(np.sinh, math.sinh, elementwise=True, complex=True)
def sinh(g, ans, x):
    return g * np.cosh(x)


@vjp(np.cosh, math.cosh, elementwise=True, complex=True)
def cosh(g, ans, x):
    return g * np.sinh(x)


@vjp(np.tanh, math.tanh, elementwise=True, complex=True)
def tanh(g, ans, x):
    return g * (1.0 - ans**2)


@vjp(np.arcsinh, math.asinh, elementwise=True, complex=True)
def arcsinh(g, ans, x):
    return g / np.sqrt(x**2 + 1.0)


def arccosh_complex(g, ans, x):
    # sqrt(z^2 - 1) has the wrong sign where Re z < 0; sqrt(z - 1) sqrt(z + 1) has arccosh's branch cut
    return _rt.over(g, np.sqrt(x - 1.0) * np.sqrt(x + 1.0))


@vjp(np.arccosh, math.acosh, elementwise=True, complex=arccosh_complex)
def arccosh(g, ans, x):
    return _rt.over(g, np.sqrt(x**2 - 1.0))


@vjp(np.arctanh, math.atanh, elementwise=True, complex=True)
def arctanh(g, ans, x):
    return _rt.over(g, 1.0 - x**2)


# -- exponentials and logarithms ---------------------------------------------------


@vjp(np.exp, math.exp, elementwise=True, complex=True)
def exp(g, ans, x):
    return g * ans


@vjp(np.expm1, math.expm1, elementwise=True, complex=True)
def expm1(g, ans, x):
    return g * (ans + 1.0)


@vjp(np.exp2, math.exp2, elementwise=True, complex=True)
def exp2(g, ans, x):
    return g * ans * np.log(2.0)


@vjp(np.log, elementwise=True, complex=True)
def log(g, ans, x):
    return _rt.over(g, x)


@vjp(math.log, elementwise=True)
def math_log(g, ans, x, base=None):
    # math.log(x, base) = ln(x) / ln(base)
    if base is None:
        return _rt.over(g, x), None
    return _rt.over(g, x * np.log(base)), -_rt.over(g, base * np.log(base), ans)


@vjp(np.log1p, math.log1p, elementwise=True, complex=True)
def log1p(g, ans, x):
    return _rt.over(g, 1.0 + x)


@vjp(np.log2, math.log2, elementwise=True, complex=True)
def log2(g, ans, x):
    return _rt.over(g, x * np.log(2.0))


@vjp(np.log10, math.log10, elementwise=True, complex=True)
def log10(g, ans, x):
    return _rt.over(g, x * np.log(10.0))


# -- powers and roots --------------------------------------------------------------


@vjp(np.sqrt, math.sqrt, elementwise=True, complex=True)
def sqrt(g, ans, x):
    return _rt.over(g, ans, 0.5)


@vjp(np.cbrt, math.cbrt, elementwise=True)
def cbrt(g, ans, x):
    return _rt.over(g, 3.0 * ans**2)


@vjp(np.square, elementwise=True, complex=True)
def square(g, ans, x):
    return g * 2.0 * x


@vjp(np.reciprocal, elementwise=True, complex=True)
def reciprocal(g, ans, x):
    return -_rt.over(g, x, ans)


# -- sign and identity-like --------------------------------------------------------


def absolute_complex(g, ans, x):
    # |z| = sqrt(x^2 + y^2): dL/dx - i dL/dy = g (x - iy) / |z| = g conj(sign(z)) (0 at z = 0)
    return g * np.conj(np.sign(x))


# abs has a kink at 0; np.sign(0) = 0 gives the zero subgradient there.
@vjp(np.absolute, np.fabs, math.fabs, abs, operator.abs, elementwise=True, complex=absolute_complex)
def absolute(g, ans, x):
    return g * np.sign(x)


@vjp(np.negative, operator.neg, elementwise=True, complex=True)
def negative(g, ans, x):
    return -g


@vjp(np.positive, operator.pos, elementwise=True, complex=True)
def positive(g, ans, x):
    return g


# float(x) and np.float64(x) only change the type of a real number.
@vjp(float, np.float64, elementwise=True)
def float_(g, ans, x):
    return g


# The real part of a real value is the value itself; of a complex one, it depends on
# x alone, so dL/dx - i dL/dy = g (real: the result is real).
@vjp(np.real, elementwise=True, complex=True)
def real(g, ans, val):
    return g


@vjp(np.ndarray.real, elementwise=True, complex=True)
def ndarray_real(g, ans, x):
    return g


# imag and angle are constant for real values (0, and 0 or pi). For complex ones,
# imag(z) = y gives dL/dx - i dL/dy = -i g, and angle(z) = atan2(y, x) gives
# g (-y - ix) / |z|^2 = -i g / z. Taking the imaginary part or the angle of a value
# is a sign it may be complex: the rule for real values checks that it is real (a
# complex value adgen did not see, such as Python's (-2.0) ** 0.5, is AD411).
def imag_complex(g, ans, val):
    return -1j * g


@vjp(np.imag, elementwise=True, complex=imag_complex)
def imag(g, ans, val):
    return _rt.zero_for_real(g, val)


@vjp(np.ndarray.imag, elementwise=True, complex=imag_complex)
def ndarray_imag(g, ans, x):
    return _rt.zero_for_real(g, x)


def angle_complex(g, ans, z, deg=False):
    return -1j * g / z * (180.0 / np.pi if deg else 1.0)


@vjp(np.angle, elementwise=True, complex=angle_complex)
def angle(g, ans, z, deg=False):
    return _rt.zero_for_real(g, z)


# The conjugate of a real value is the value itself; for a complex one,
# w = conj(z) gives dL/dx - i dL/dy = conj(dL/du - i dL/dv).
@vjp(np.conjugate, np.ndarray.conjugate, np.ndarray.conj, elementwise=True, complex=True)
def conjugate(g, ans, x):
    return np.conj(g)


# -- special functions (math module, Python floats only) ---------------------------


@vjp(math.erf, elementwise=True)
def erf(g, ans, x):
    return g * (2.0 / np.sqrt(np.pi)) * np.exp(-(x**2))


@vjp(math.erfc, elementwise=True)
def erfc(g, ans, x):
    return -g * (2.0 / np.sqrt(np.pi)) * np.exp(-(x**2))


@vjp(math.gamma, elementwise=True)
def gamma(g, ans, x):
    return g * ans * _digamma(x)


# lgamma(x) = log|gamma(x)|, whose derivative is digamma(x) for negative x too.
@vjp(math.lgamma, elementwise=True)
def lgamma(g, ans, x):
    return g * _digamma(x)


def _digamma(x):
    """psi(x) = d/dx log gamma(x) for a real scalar x that is not a pole (0, -1, -2, ...).

    Negative x use the reflection psi(x) = psi(1 - x) - pi / tan(pi x); small x
    are shifted up with psi(x) = psi(x + 1) - 1/x until x >= 6, where the
    asymptotic series is accurate to about 1e-12.
    """
    x = float(x)
    if x < 0.5:
        return _digamma(1.0 - x) - math.pi / math.tan(math.pi * x)
    acc = 0.0
    while x < 6.0:
        acc -= 1.0 / x
        x += 1.0
    # psi(x) ~ log(x) - 1/(2x) - sum_k B_2k / (2k x^2k), with the Bernoulli numbers B_2 .. B_12
    series = 0.0
    for c in (-691 / 32760, 1 / 132, -1 / 240, 1 / 252, -1 / 120, 1 / 12):  # Horner in 1/x^2
        series = (series + c) / (x * x)
    return acc + math.log(x) - 0.5 / x - series


# -- Bessel ------------------------------------------------------------------------------


@vjp(np.i0, elementwise=True)
def i0(g, ans, x):
    # I0' = I1
    return g * _rt.rules.elementwise._i1(x)


def _i1(x):
    """The modified Bessel function I1 (NumPy has only I0), from its power series
    sum_k (x/2)^(2k+1) / (k! (k+1)!): every term has the sign of x, so the sum has no
    cancellation; it needs about |x|/2 + 10 sqrt(|x|) terms (a few hundred where I0 is
    still finite)."""
    x = _rt.as_array(x)
    x = x.astype(np.result_type(x.dtype, np.float64), copy=False)
    half = x / 2.0
    quarter = half * half
    term = half.copy()
    total = half.copy()
    k = 0
    while np.any(np.abs(term) > 1e-17 * np.abs(total)) and k < 2000:
        term = term * quarter / ((k + 1) * (k + 2))
        total = total + term
        k += 1
    return total


# -- splitting a float -----------------------------------------------------------------------


@vjp(np.modf, elementwise=True, outputs=2)
def modf(g, ans, x):
    # x = fractional part + integral part: the fractional part moves with x, the integral
    # part is piecewise constant
    return g[0]


@vjp(np.frexp, elementwise=True, outputs=2)
def frexp(g, ans, x):
    # x = mantissa * 2**exponent: the mantissa moves as x / 2**exponent, the integer exponent
    # is piecewise constant (at a power of two, the right-hand derivative)
    return g[0] * np.ldexp(1.0, -ans[1])
