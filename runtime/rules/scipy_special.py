"""Rules for ``scipy.special``, registered when the user's code has imported it
(``registry.optional``): importing adgen never imports SciPy.

Each derivative is the textbook one, written with SciPy's own functions so that it
keeps their accuracy (``log_ndtr`` far in the tail, ``ive`` for large arguments).
Orders and shapes that the rule does not differentiate (``v`` of ``iv``, ``a`` of
``gammainc``) are ``constant``: a differentiated value there is AD311. Where a
derivative exists at a removable singularity (``exprel`` and ``boxcox`` at 0,
``rgamma`` at the poles of ``gamma``, ``ellipk`` at 0) the rule gives it, from a
series near the point, never NaN.
"""

import numpy as np
from scipy import special

import adgen.runtime as _rt
from adgen.runtime.registry import nondiff, vjp

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
    return g * special.zeta(2.0, x)  # polygamma(1, x), which takes NumPy arrays only


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
def scipy_erf(g, ans, x):
    return g * (2.0 / _SQRT_PI) * np.exp(-x * x)


@vjp(special.erfc, elementwise=True)
def scipy_erfc(g, ans, x):
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
def scipy_i0(g, ans, x):
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


def _recurrence(fn, v, z, sign):
    """``(fn(v - 1, z) + sign * fn(v + 1, z)) / 2``, from the Bessel functions' recurrences:
    the derivative in ``z`` of ``jv`` and ``yv`` (``sign`` -1) and of ``iv`` (+1); that of
    ``kv`` is its negative (+1); the scaled ``ive`` and ``kve`` add a term in ``ans``."""
    return 0.5 * (fn(np.subtract(v, 1), z) + sign * fn(np.add(v, 1), z))


@vjp(special.iv, elementwise=True, constant=("v",))
def iv(g, ans, v, z):
    return None, _rt.unbroadcast(g * _rt.rules.scipy_special._recurrence(special.iv, v, z, 1.0), z)


@vjp(special.ive, elementwise=True, constant=("v",))
def ive(g, ans, v, z):
    slope = _rt.rules.scipy_special._recurrence(special.ive, v, z, 1.0) - np.sign(z) * ans
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


# -- more of the gamma family ------------------------------------------------------

nondiff(special.gammasgn)


@vjp(special.gamma, elementwise=True)
def scipy_gamma(g, ans, x):
    return g * ans * special.digamma(x)


@vjp(special.loggamma, elementwise=True)
def loggamma(g, ans, x):
    return g * special.digamma(x)


def _rgamma_slope(x, ans):
    """d/dx 1/Gamma(x): -digamma(x)/Gamma(x), and (-1)^n n! at x = -n, where Gamma has a pole."""
    pole = np.less_equal(x, 0) & (np.floor(x) == x)
    return np.where(pole, np.cos(np.multiply(np.pi, x)) * special.gamma(1.0 - np.where(pole, x, 0.0)), -ans * special.digamma(np.where(pole, 0.5, x)))


@vjp(special.rgamma, elementwise=True)
def rgamma(g, ans, x):
    return g * _rt.rules.scipy_special._rgamma_slope(x, ans)


@vjp(special.beta, elementwise=True)
def beta(g, ans, a, b):
    both = special.digamma(np.add(a, b))
    return _rt.unbroadcast(g * ans * (special.digamma(a) - both), a), _rt.unbroadcast(g * ans * (special.digamma(b) - both), b)


@vjp(special.poch, elementwise=True)
def poch(g, ans, z, m):
    up = special.digamma(np.add(z, m))
    return _rt.unbroadcast(g * ans * (up - special.digamma(z)), z), _rt.unbroadcast(g * ans * up, m)


def _binom_slopes(n, k, ans):
    """d binom(n, k) / dn and / dk (Gamma(n+1) / (Gamma(k+1) Gamma(n-k+1))); 0 where the value is 0."""
    zero = np.equal(ans, 0)
    rest = special.digamma(np.where(zero, 1.0, np.subtract(n, k) + 1.0))
    dn = np.where(zero, 0.0, ans * (special.digamma(np.where(zero, 1.0, np.add(n, 1.0))) - rest))
    dk = np.where(zero, 0.0, ans * (rest - special.digamma(np.where(zero, 1.0, np.add(k, 1.0)))))
    return dn, dk


@vjp(special.binom, elementwise=True)
def binom(g, ans, n, k):
    dn, dk = _rt.rules.scipy_special._binom_slopes(n, k, ans)
    return _rt.unbroadcast(g * dn, n), _rt.unbroadcast(g * dk, k)


def _refuse_exact(exact=False, **_):
    return "exact=True counts in integers, which carry no derivative; use exact=False (the Gamma function form)" if exact else None


@vjp(special.factorial, refuse=_refuse_exact)
def factorial(g, ans, n, exact=False, extend="zero"):
    # Gamma(n + 1); 0 for n < 0 (extend="zero"), where the derivative is 0 too
    return g * np.where(ans == 0, 0.0, ans * special.digamma(np.add(n, 1.0)))


@vjp(special.comb, refuse=_refuse_exact)
def comb(g, ans, N, k, *, exact=False, repetition=False):
    dn, dk = _rt.rules.scipy_special._binom_slopes(np.add(N, np.subtract(k, 1.0)) if repetition else N, k, ans)
    return _rt.unbroadcast(g * dn, N), _rt.unbroadcast(g * (dk + dn if repetition else dk), k)


# -- exp and log near 0 ------------------------------------------------------------


@vjp(special.expm1, elementwise=True)
def scipy_expm1(g, ans, x):
    return g * (ans + 1.0)


@vjp(special.log1p, elementwise=True)
def scipy_log1p(g, ans, x):
    return g / (1.0 + x)


def _exprel_slope(u, e):
    """d/du (exp(u) - 1) / u, given e = exprel(u): (exp(u) - e) / u, and its series near 0 (1/2 at 0)."""
    small = np.abs(u) < 1e-3
    return np.where(small, 0.5 + u / 3.0 + u * u / 8.0 + u ** 3 / 30.0, (np.exp(u) - e) / np.where(small, 1.0, u))


@vjp(special.exprel, elementwise=True)
def exprel(g, ans, x):
    return g * _rt.rules.scipy_special._exprel_slope(x, ans)


@vjp(special.cosm1, elementwise=True)
def cosm1(g, ans, x):
    return -g * np.sin(x)


if hasattr(special, "softplus"):  # SciPy 1.15+

    @vjp(special.softplus, elementwise=True)
    def softplus(g, ans, x):
        return g * special.expit(x)


# -- Box-Cox: boxcox(x, l) = log(x) exprel(l log(x)) -------------------------------


@vjp(special.boxcox, elementwise=True)
def boxcox(g, ans, x, lmbda):
    log = np.log(x)
    slope = _rt.rules.scipy_special._exprel_slope(lmbda * log, special.exprel(lmbda * log))
    return _rt.unbroadcast(g * np.exp((np.subtract(lmbda, 1.0)) * log), x), _rt.unbroadcast(g * log * log * slope, lmbda)


@vjp(special.boxcox1p, elementwise=True)
def boxcox1p(g, ans, x, lmbda):
    log = np.log1p(x)
    slope = _rt.rules.scipy_special._exprel_slope(lmbda * log, special.exprel(lmbda * log))
    return _rt.unbroadcast(g * np.exp((np.subtract(lmbda, 1.0)) * log), x), _rt.unbroadcast(g * log * log * slope, lmbda)


def _inv_boxcox_slopes(y, lmbda, x):
    """d/dy and d/dlmbda of x = (1 + lmbda y)^(1/lmbda): x^(1 - lmbda), and x y^2 h(lmbda y)
    with h(u) = (u / (1 + u) - log1p(u)) / u^2 (-1/2 at 0, from its series near 0)."""
    u = np.multiply(lmbda, y)
    small = np.abs(u) < 1e-3
    us = np.where(small, 1.0, u)
    h = np.where(small, -0.5 + 2.0 * u / 3.0 - 0.75 * u * u + 0.8 * u ** 3, (us / (1.0 + us) - np.log1p(us)) / (us * us))
    return np.exp(np.subtract(1.0, lmbda) * np.log(x)), x * np.square(y) * h


@vjp(special.inv_boxcox, elementwise=True)
def inv_boxcox(g, ans, y, lmbda):
    dy, dl = _rt.rules.scipy_special._inv_boxcox_slopes(y, lmbda, ans)
    return _rt.unbroadcast(g * dy, y), _rt.unbroadcast(g * dl, lmbda)


@vjp(special.inv_boxcox1p, elementwise=True)
def inv_boxcox1p(g, ans, y, lmbda):
    dy, dl = _rt.rules.scipy_special._inv_boxcox_slopes(y, lmbda, ans + 1.0)
    return _rt.unbroadcast(g * dy, y), _rt.unbroadcast(g * dl, lmbda)


# -- more of the error function ----------------------------------------------------


@vjp(special.erfcx, elementwise=True)
def erfcx(g, ans, x):
    return g * (2.0 * x * ans - 2.0 / _SQRT_PI)


@vjp(special.dawsn, elementwise=True)
def dawsn(g, ans, x):
    return g * (1.0 - 2.0 * x * ans)


# -- more Bessel functions (real arguments) ----------------------------------------


@vjp(special.k0, elementwise=True)
def k0(g, ans, x):
    return -g * special.k1(x)


@vjp(special.k1, elementwise=True)
def k1(g, ans, x):
    return -g * 0.5 * (special.k0(x) + special.kv(2, x))


@vjp(special.k0e, elementwise=True)
def k0e(g, ans, x):
    return g * (ans - special.k1e(x))


@vjp(special.k1e, elementwise=True)
def k1e(g, ans, x):
    return g * (ans - 0.5 * (special.k0e(x) + special.kve(2, x)))


@vjp(special.kv, elementwise=True, constant=("v",))
def kv(g, ans, v, z):
    return None, _rt.unbroadcast(-g * _rt.rules.scipy_special._recurrence(special.kv, v, z, 1.0), z)


@vjp(special.kve, elementwise=True, constant=("v",))
def kve(g, ans, v, z):
    return None, _rt.unbroadcast(g * (ans - _rt.rules.scipy_special._recurrence(special.kve, v, z, 1.0)), z)


@vjp(special.jv, elementwise=True, constant=("v",))
def jv(g, ans, v, z):
    return None, _rt.unbroadcast(g * _rt.rules.scipy_special._recurrence(special.jv, v, z, -1.0), z)


@vjp(special.jve, elementwise=True, constant=("v",))
def jve(g, ans, v, z):
    # for a real z, jve is jv
    return None, _rt.unbroadcast(g * _rt.rules.scipy_special._recurrence(special.jve, v, z, -1.0), z)


@vjp(special.yv, elementwise=True, constant=("v",))
def yv(g, ans, v, z):
    return None, _rt.unbroadcast(g * _rt.rules.scipy_special._recurrence(special.yv, v, z, -1.0), z)


@vjp(special.yve, elementwise=True, constant=("v",))
def yve(g, ans, v, z):
    return None, _rt.unbroadcast(g * _rt.rules.scipy_special._recurrence(special.yve, v, z, -1.0), z)


# -- losses, Owen's T, elliptic integrals, Wright omega ----------------------------


@vjp(special.huber, elementwise=True)
def huber(g, ans, delta, r):
    # r^2/2 inside |r| <= delta, delta (|r| - delta/2) outside: continuous slopes at |r| = delta
    outside = np.abs(r) > delta
    return _rt.unbroadcast(g * np.where(outside, np.abs(r) - delta, 0.0), delta), _rt.unbroadcast(g * np.clip(r, np.negative(delta), delta), r)


@vjp(special.pseudo_huber, elementwise=True)
def pseudo_huber(g, ans, delta, r):
    # with t = sqrt(delta^2 + r^2): d/ddelta = 2 (t - delta) - r^2 / t, d/dr = delta r / t (|r| and 0 at delta = 0)
    t = np.sqrt(np.square(delta) + np.square(r))
    ts = np.where(t == 0, 1.0, t)
    return _rt.unbroadcast(g * (2.0 * (t - delta) - np.square(r) / ts), delta), _rt.unbroadcast(g * np.multiply(delta, r) / ts, r)


@vjp(special.owens_t, elementwise=True)
def owens_t(g, ans, h, a):
    # dT/dh = -phi(h) erf(h a / sqrt 2) / 2, dT/da = exp(-h^2 (1 + a^2) / 2) / (2 pi (1 + a^2))
    spread = 1.0 + np.square(a)
    dh = -0.5 * np.exp(-0.5 * np.square(h) - _LOG_SQRT_2PI) * special.erf(np.multiply(h, a) / np.sqrt(2.0))
    return _rt.unbroadcast(g * dh, h), _rt.unbroadcast(g * np.exp(-0.5 * np.square(h) * spread) / (2.0 * np.pi * spread), a)


def _ellip_slopes(m):
    """K'(m) = (E - (1 - m) K) / (2 m (1 - m)) and E'(m) = (E - K) / (2 m); their series near m = 0."""
    small = np.abs(m) < 1e-3
    ms = np.where(small, 0.5, m)
    k, e = special.ellipk(ms), special.ellipe(ms)
    dk = np.where(small, np.pi / 2 * (0.25 + 9.0 / 32 * m + 75.0 / 256 * np.square(m)), (e - (1.0 - ms) * k) / (2.0 * ms * (1.0 - ms)))
    de = np.where(small, np.pi / 2 * (-0.25 - 3.0 / 32 * m - 15.0 / 256 * np.square(m)), (e - k) / (2.0 * ms))
    return dk, de


@vjp(special.ellipk, elementwise=True)
def ellipk(g, ans, m):
    return g * _rt.rules.scipy_special._ellip_slopes(m)[0]


@vjp(special.ellipe, elementwise=True)
def ellipe(g, ans, m):
    return g * _rt.rules.scipy_special._ellip_slopes(m)[1]


@vjp(special.wrightomega, elementwise=True)
def wrightomega(g, ans, x):
    return g * ans / (1.0 + ans)


# -- incomplete beta and gamma inverses, distribution functions --------------------


@vjp(special.betainc, elementwise=True, constant=("a", "b"))
def betainc(g, ans, a, b, x):
    density = np.exp(special.xlogy(np.subtract(a, 1.0), x) + special.xlog1py(np.subtract(b, 1.0), np.negative(x)) - special.betaln(a, b))
    return None, None, _rt.unbroadcast(g * density, x)


@vjp(special.gammaincinv, elementwise=True, constant=("a",))
def gammaincinv(g, ans, a, y):
    # 1 / (d/dx P(a, x)) at x = ans
    return None, _rt.unbroadcast(g * np.exp(ans - special.xlogy(np.subtract(a, 1.0), ans) + special.gammaln(a)), y)


@vjp(special.gammainccinv, elementwise=True, constant=("a",))
def gammainccinv(g, ans, a, y):
    return None, _rt.unbroadcast(-g * np.exp(ans - special.xlogy(np.subtract(a, 1.0), ans) + special.gammaln(a)), y)


@vjp(special.stdtr, elementwise=True, constant=("df",))
def stdtr(g, ans, df, t):
    half = np.add(df, 1.0) / 2.0
    log_pdf = special.gammaln(half) - special.gammaln(np.divide(df, 2.0)) - 0.5 * np.log(np.multiply(df, np.pi)) - half * np.log1p(np.square(t) / df)
    return None, _rt.unbroadcast(g * np.exp(log_pdf), t)


@vjp(special.chdtr, elementwise=True, constant=("v",))
def chdtr(g, ans, v, x):
    # gammainc(v / 2, x / 2)
    half = np.divide(v, 2.0)
    return None, _rt.unbroadcast(g * np.exp(special.xlogy(half - 1.0, np.divide(x, 2.0)) - np.divide(x, 2.0) - special.gammaln(half)) / 2.0, x)


@vjp(special.pdtr, elementwise=True, constant=("k",))
def pdtr(g, ans, k, m):
    # gammaincc(floor(k) + 1, m): minus the Poisson probability of floor(k)
    n = np.floor(k)
    return None, _rt.unbroadcast(-g * np.exp(special.xlogy(n, m) - m - special.gammaln(n + 1.0)), m)


@vjp(special.bdtr, elementwise=True, constant=("k", "n"))
def bdtr(g, ans, k, n, p):
    # betainc(n - j, j + 1, 1 - p) with j = floor(k): minus n C(n-1, j) p^j (1-p)^(n-j-1); 0 at j = n (the value is 1)
    j = np.floor(k)
    inside = j < n
    rest = np.where(inside, np.subtract(n, j), 1.0)
    return None, None, _rt.unbroadcast(
        -g * np.where(inside, np.exp(special.xlogy(j, p) + special.xlog1py(rest - 1.0, np.negative(p)) - special.betaln(rest, j + 1.0)), 0.0), p
    )


# -- forward mode (the elementwise functions take theirs from the rules above) -----------------

from adgen.runtime.tangent_registry import jvp  # noqa: E402  (forward rules, registered with the reverse ones)


@jvp(special.softmax)
def softmax_tangent(t, ans, x, axis=None):
    return ans * (t - np.sum(t * ans, axis=axis, keepdims=True))


@jvp(special.log_softmax)
def log_softmax_tangent(t, ans, x, axis=None):
    return t - np.sum(np.exp(ans) * t, axis=axis, keepdims=True)


@jvp(special.logsumexp, arg=0)
def logsumexp_tangent_a(t, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    # the weights of the entries, exp(a - lse) (times b)
    weight = np.exp(a - _rt.rules.reductions._keep(ans, a, axis, keepdims))
    return np.sum(weight * t if b is None else weight * b * t, axis=axis, keepdims=keepdims)


@jvp(special.logsumexp, arg=2)
def logsumexp_tangent_b(t, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    return np.sum(np.exp(a - _rt.rules.reductions._keep(ans, a, axis, keepdims)) * t, axis=axis, keepdims=keepdims)


@jvp(special.multigammaln)
def multigammaln_tangent(t, ans, a, d):
    return t * np.sum(special.digamma(np.subtract.outer(a, np.arange(d) / 2.0)), axis=-1)


@jvp(special.factorial)
def factorial_tangent(t, ans, n, exact=False, extend="zero"):
    return t * np.where(ans == 0, 0.0, ans * special.digamma(np.add(n, 1.0)))


@jvp(special.comb, arg=0)
def comb_tangent_n(t, ans, N, k, *, exact=False, repetition=False):
    return t * _binom_slopes(np.add(N, np.subtract(k, 1.0)) if repetition else N, k, ans)[0]


@jvp(special.comb, arg=1)
def comb_tangent_k(t, ans, N, k, *, exact=False, repetition=False):
    dn, dk = _binom_slopes(np.add(N, np.subtract(k, 1.0)) if repetition else N, k, ans)
    return t * (dk + dn if repetition else dk)
