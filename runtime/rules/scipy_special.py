"""Rules for ``scipy.special``, registered when the user's code has imported it
(``registry.optional``): importing adgen never imports SciPy.

Each derivative is the textbook one, written with SciPy's own functions so that it
keeps their accuracy (``log_ndtr`` far in the tail, ``ive`` for large arguments).
Orders and shapes that the rule does not differentiate (``v`` of ``iv``, ``a`` of
``gammainc``) are ``constant``: a differentiated value there is AD311.
"""

import numpy as np
from scipy import special

import adgen.runtime as _rt
from adgen.runtime.registry import vjp

_SQRT_PI = np.sqrt(np.pi)
_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


# -- logistic ----------------------------------------------------------------------


@vjp(special.expit, elementwise=True)
def expit(g, ans, x):
    return g * ans * (1.0 - ans)


@vjp(special.logit, elementwise=True)
def logit(g, ans, x):
    return g / (x * (1.0 - x))


@vjp(special.log_expit, elementwise=True)
def log_expit(g, ans, x):
    return g * special.expit(-x)


def _refuse_sign(return_sign=False, **_):
    return "return_sign=True is not differentiated; use the log of the absolute value" if return_sign else None


@vjp(special.logsumexp, refuse=_refuse_sign)
def logsumexp(g, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    weight = np.exp(a - _rt.rules.reductions._keep(ans, a, axis, keepdims))
    spread = _rt.rules.reductions._keep(g, a, axis, keepdims)
    if b is None:
        return spread * weight, None, None
    return _rt.unbroadcast(spread * weight * b, a), None, _rt.unbroadcast(spread * weight, b)


@vjp(special.softmax)
def softmax(g, ans, x, axis=None):
    return ans * (g - np.sum(g * ans, axis=axis, keepdims=True))


@vjp(special.log_softmax)
def log_softmax(g, ans, x, axis=None):
    return g - np.exp(ans) * np.sum(g, axis=axis, keepdims=True)


# -- gamma and beta ----------------------------------------------------------------


@vjp(special.gammaln, elementwise=True)
def gammaln(g, ans, x):
    return g * special.digamma(x)


@vjp(special.digamma, special.psi, elementwise=True)
def digamma(g, ans, x):
    return g * special.polygamma(1, x)


@vjp(special.polygamma, elementwise=True, constant=("n",))
def polygamma(g, ans, n, x):
    return None, g * special.polygamma(np.add(n, 1), x)


@vjp(special.multigammaln, constant=("d",))
def multigammaln(g, ans, a, d):
    return g * np.sum(special.digamma(np.subtract.outer(a, np.arange(d) / 2.0)), axis=-1)


@vjp(special.betaln, elementwise=True)
def betaln(g, ans, a, b):
    both = special.digamma(np.add(a, b))
    return _rt.unbroadcast(g * (special.digamma(a) - both), a), _rt.unbroadcast(g * (special.digamma(b) - both), b)


@vjp(special.gammainc, elementwise=True, constant=("a",))
def gammainc(g, ans, a, x):
    # d/dx P(a, x) = x^(a-1) e^(-x) / Gamma(a)
    return None, _rt.unbroadcast(g * np.exp((np.subtract(a, 1.0)) * np.log(x) - x - special.gammaln(a)), x)


@vjp(special.gammaincc, elementwise=True, constant=("a",))
def gammaincc(g, ans, a, x):
    return None, _rt.unbroadcast(-g * np.exp((np.subtract(a, 1.0)) * np.log(x) - x - special.gammaln(a)), x)


# -- error function and the normal distribution ------------------------------------


@vjp(special.erf, elementwise=True)
def erf(g, ans, x):
    return g * (2.0 / _SQRT_PI) * np.exp(-x * x)


@vjp(special.erfc, elementwise=True)
def erfc(g, ans, x):
    return -g * (2.0 / _SQRT_PI) * np.exp(-x * x)


@vjp(special.erfinv, elementwise=True)
def erfinv(g, ans, y):
    return g * (_SQRT_PI / 2.0) * np.exp(ans * ans)


@vjp(special.erfcinv, elementwise=True)
def erfcinv(g, ans, y):
    return -g * (_SQRT_PI / 2.0) * np.exp(ans * ans)


@vjp(special.ndtr, elementwise=True)
def ndtr(g, ans, x):
    return g * np.exp(-0.5 * x * x - _LOG_SQRT_2PI)


@vjp(special.log_ndtr, elementwise=True)
def log_ndtr(g, ans, x):
    return g * np.exp(-0.5 * x * x - _LOG_SQRT_2PI - ans)


@vjp(special.ndtri, elementwise=True)
def ndtri(g, ans, y):
    return g * np.exp(0.5 * ans * ans + _LOG_SQRT_2PI)


# -- x log y and entropies ---------------------------------------------------------


@vjp(special.xlogy, elementwise=True)
def xlogy(g, ans, x, y):
    # xlogy(0, y) is 0 for every y: no cotangent for y where x is 0
    return _rt.unbroadcast(g * np.log(y), x), _rt.unbroadcast(g * np.where(x == 0, 0.0, x / np.where(x == 0, 1.0, y)), y)


@vjp(special.xlog1py, elementwise=True)
def xlog1py(g, ans, x, y):
    return _rt.unbroadcast(g * np.log1p(y), x), _rt.unbroadcast(g * np.where(x == 0, 0.0, x / np.where(x == 0, 1.0, 1.0 + y)), y)


@vjp(special.entr, elementwise=True)
def entr(g, ans, x):
    return -g * (np.log(x) + 1.0)


@vjp(special.rel_entr, elementwise=True)
def rel_entr(g, ans, x, y):
    return _rt.unbroadcast(g * (np.log(x / y) + 1.0), x), _rt.unbroadcast(-g * x / y, y)


@vjp(special.kl_div, elementwise=True)
def kl_div(g, ans, x, y):
    return _rt.unbroadcast(g * np.log(x / y), x), _rt.unbroadcast(g * (1.0 - x / y), y)


# -- Bessel functions --------------------------------------------------------------


@vjp(special.i0, elementwise=True)
def i0(g, ans, x):
    return g * special.i1(x)


@vjp(special.i1, elementwise=True)
def i1(g, ans, x):
    # I1' = (I0 + I2) / 2, finite at 0 (where it is 1/2)
    return g * 0.5 * (special.i0(x) + special.iv(2, x))


@vjp(special.i0e, elementwise=True)
def i0e(g, ans, x):
    return g * (special.i1e(x) - np.sign(x) * ans)


@vjp(special.i1e, elementwise=True)
def i1e(g, ans, x):
    return g * (0.5 * (special.i0e(x) + special.ive(2, x)) - np.sign(x) * ans)


@vjp(special.iv, elementwise=True, constant=("v",))
def iv(g, ans, v, z):
    return None, _rt.unbroadcast(g * 0.5 * (special.iv(np.subtract(v, 1), z) + special.iv(np.add(v, 1), z)), z)


@vjp(special.ive, elementwise=True, constant=("v",))
def ive(g, ans, v, z):
    slope = 0.5 * (special.ive(np.subtract(v, 1), z) + special.ive(np.add(v, 1), z)) - np.sign(z) * ans
    return None, _rt.unbroadcast(g * slope, z)


@vjp(special.j0, elementwise=True)
def j0(g, ans, x):
    return -g * special.j1(x)


@vjp(special.j1, elementwise=True)
def j1(g, ans, x):
    return g * 0.5 * (special.j0(x) - special.jv(2, x))


@vjp(special.y0, elementwise=True)
def y0(g, ans, x):
    return -g * special.y1(x)


@vjp(special.y1, elementwise=True)
def y1(g, ans, x):
    return g * 0.5 * (special.y0(x) - special.yv(2, x))
