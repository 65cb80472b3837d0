"""Rules for ``scipy.stats`` distributions, registered when the user's code has imported
it (``registry.optional``): importing adgen never imports SciPy.

The rules are keyed by the distributions' bound methods (``stats.norm.logpdf``), and
their parameters are the ones SciPy documents for each distribution, which SciPy takes
by position or by keyword: ``(x, <shape parameters>, loc=0, scale=1)`` for the
continuous ones, ``(k, <shape parameters>, loc=0)`` for the discrete ones. So
``norm.logpdf(x, mu, s)`` and ``norm.logpdf(x, loc=mu, scale=s)`` bind alike.

Continuous distributions are location-scale families, ``f(x) = f0(z) / scale`` with
``z = (x - loc) / scale``: every derivative comes from ``d log f0 / dz`` and the shape
parameters' ``d log f0 / d shape`` (``_density``); the distribution functions from the
density (``_tail``), ``d cdf/dx = pdf``, their logarithms through SciPy's own
``logpdf - logcdf`` so as to keep its accuracy in the tails. The distribution
functions of ``t``, ``gamma`` and ``beta`` have no cheap closed-form derivative in
their shape parameters: those are ``constant`` (AD311), as are the counts of the
discrete distributions (``k``, ``binom``'s ``n``) and their integer shift ``loc``.

``multivariate_normal`` (in ``x``, ``mean`` and ``cov``; the cotangent of ``cov`` is
symmetric, as for ``np.linalg.eigh``: SciPy reads one triangle) and ``dirichlet`` (in
``x`` and ``alpha``; ``x`` lies on the simplex, and when its last component is left
out, SciPy's ``1 - sum`` is differentiated too) have their own rules.
"""

import math

import numpy as np
from scipy import special, stats

import adgen.runtime as _rt
from adgen.runtime import errors
from adgen.runtime.registry import vjp

# -- shared by the rules -------------------------------------------------------------


def _z(x, loc, scale):
    return np.subtract(x, loc) / scale


def _density(g, ans, log, x, loc, scale, dz, shapes=()):
    """Cotangents ``(x, *shapes, loc, scale)`` of ``logpdf`` (``log``) or ``pdf``, from
    ``dz = d log f0 / dz`` at ``z`` and ``shapes``: ``(value, d log f0 / d value)`` pairs.
    Outside the support (density 0) nothing flows; ``ans`` None: the log-density of a
    distribution supported on the whole line, which needs no mask (so its rule does
    not read its result, and the transpiler does not keep it)."""
    inside = True if ans is None else np.isfinite(ans) if log else np.asarray(ans) > 0
    w = np.where(inside, g if log else g * ans, 0.0)
    dz = np.where(inside, dz, 0.0)
    dx = w * dz / scale
    dscale = -w * (dz * _z(x, loc, scale) + 1.0) / scale
    shares = [_rt.unbroadcast(w * np.where(inside, d, 0.0), s) for s, d in shapes]
    return [_rt.unbroadcast(dx, x), *shares, _rt.unbroadcast(-dx, loc), _rt.unbroadcast(dscale, scale)]


def _tail(g, x, loc, scale, rate, shapes=()):
    """Cotangents ``(x, *shapes, loc, scale)`` of a function of ``z`` alone whose
    derivative in ``x`` is ``rate``: in ``loc`` it is ``-rate``, in ``scale``
    ``-rate * z``; ``shapes``: ``(value, weight)`` pairs, the derivative in the shape
    parameter being ``rate * weight`` (``weight`` None: not differentiated, ``constant``)."""
    flow = g * rate
    shares = [None if w is None else _rt.unbroadcast(np.where(rate == 0, 0.0, flow * w), s) for s, w in shapes]
    return [_rt.unbroadcast(flow, x), *shares, _rt.unbroadcast(-flow, loc), _rt.unbroadcast(-flow * _z(x, loc, scale), scale)]


def _ratio(logpdf, logf):
    """``pdf / F`` from logarithms (0 where the density is)."""
    with np.errstate(invalid="ignore", over="ignore"):
        return np.exp(np.where(np.isneginf(logpdf), -np.inf, logpdf - logf))


def _quiet(fn):
    """Compute ``fn()`` without warnings from points outside the support (masked later)."""
    with np.errstate(all="ignore"):
        return fn()


# -- slopes of the standardised densities (d log f0 / dz, d log f0 / d shape) ---------


def _t_slopes(z, df):
    zz = np.square(z)
    dz = -(np.add(df, 1.0)) * z / (np.add(df, zz))
    ddf = 0.5 * (special.digamma(np.add(df, 1.0) / 2.0) - special.digamma(np.divide(df, 2.0)) - 1.0 / np.asarray(df)
                 - np.log1p(zz / df) + np.add(df, 1.0) * zz / (np.multiply(df, np.add(df, zz))))
    return dz, [(df, ddf)]


def _gamma_slopes(z, a):
    return _quiet(lambda: (np.where(np.equal(a, 1.0), 0.0, np.subtract(a, 1.0) / z) - 1.0, [(a, np.log(z) - special.digamma(a))]))


def _beta_slopes(z, a, b):
    def slopes():
        both = special.digamma(np.add(a, b))
        dz = np.where(np.equal(a, 1.0), 0.0, np.subtract(a, 1.0) / z) - np.where(np.equal(b, 1.0), 0.0, np.subtract(b, 1.0) / (1.0 - z))
        return dz, [(a, np.log(z) - special.digamma(a) + both), (b, np.log1p(-z) - special.digamma(b) + both)]

    return _quiet(slopes)


def _lognorm_slopes(z, s):
    def slopes():
        logz = np.log(z)
        return -(1.0 + logz / np.square(s)) / z, [(s, (np.square(logz) / np.square(s) - 1.0) / s)]

    return _quiet(slopes)


def _lognorm_weight(x, s, loc, scale):
    """d cdf / d s = pdf(x) * this (0 outside the support)."""
    def weight():
        z = _z(x, loc, scale)
        return np.where(z > 0, -np.asarray(scale) * z * np.log(np.where(z > 0, z, 1.0)) / s, 0.0)

    return _quiet(weight)


# -- norm -----------------------------------------------------------------------------


@vjp(stats.norm.logpdf, elementwise=True)
def norm_logpdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_density(g, None, True, x, loc, scale, -_z(x, loc, scale)))


@vjp(stats.norm.pdf, elementwise=True)
def norm_pdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_density(g, ans, False, x, loc, scale, -_z(x, loc, scale)))


@vjp(stats.norm.cdf, elementwise=True)
def norm_cdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, stats.norm.pdf(x, loc, scale)))


@vjp(stats.norm.logcdf, elementwise=True)
def norm_logcdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, _ratio(stats.norm.logpdf(x, loc, scale), ans)))


@vjp(stats.norm.sf, elementwise=True)
def norm_sf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, -stats.norm.pdf(x, loc, scale)))


@vjp(stats.norm.logsf, elementwise=True)
def norm_logsf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, -_ratio(stats.norm.logpdf(x, loc, scale), ans)))


# -- t (its distribution functions in df: no closed form) -------------------------------


@vjp(stats.t.logpdf, elementwise=True)
def t_logpdf(g, ans, x, df, loc=0.0, scale=1.0):
    return tuple(_density(g, None, True, x, loc, scale, *_t_slopes(_z(x, loc, scale), df)))


@vjp(stats.t.pdf, elementwise=True)
def t_pdf(g, ans, x, df, loc=0.0, scale=1.0):
    return tuple(_density(g, ans, False, x, loc, scale, *_t_slopes(_z(x, loc, scale), df)))


@vjp(stats.t.cdf, elementwise=True, constant=("df",))
def t_cdf(g, ans, x, df, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, stats.t.pdf(x, df, loc, scale), [(df, None)]))


@vjp(stats.t.logcdf, elementwise=True, constant=("df",))
def t_logcdf(g, ans, x, df, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, _ratio(stats.t.logpdf(x, df, loc, scale), ans), [(df, None)]))


@vjp(stats.t.sf, elementwise=True, constant=("df",))
def t_sf(g, ans, x, df, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, -stats.t.pdf(x, df, loc, scale), [(df, None)]))


@vjp(stats.t.logsf, elementwise=True, constant=("df",))
def t_logsf(g, ans, x, df, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, -_ratio(stats.t.logpdf(x, df, loc, scale), ans), [(df, None)]))


# -- gamma (its distribution functions in a: no closed form) ----------------------------


@vjp(stats.gamma.logpdf, elementwise=True)
def gamma_logpdf(g, ans, x, a, loc=0.0, scale=1.0):
    return tuple(_density(g, ans, True, x, loc, scale, *_gamma_slopes(_z(x, loc, scale), a)))


@vjp(stats.gamma.pdf, elementwise=True)
def gamma_pdf(g, ans, x, a, loc=0.0, scale=1.0):
    return tuple(_density(g, ans, False, x, loc, scale, *_gamma_slopes(_z(x, loc, scale), a)))


@vjp(stats.gamma.cdf, elementwise=True, constant=("a",))
def gamma_cdf(g, ans, x, a, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, stats.gamma.pdf(x, a, loc, scale), [(a, None)]))


@vjp(stats.gamma.logcdf, elementwise=True, constant=("a",))
def gamma_logcdf(g, ans, x, a, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, _ratio(stats.gamma.logpdf(x, a, loc, scale), ans), [(a, None)]))


@vjp(stats.gamma.sf, elementwise=True, constant=("a",))
def gamma_sf(g, ans, x, a, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, -stats.gamma.pdf(x, a, loc, scale), [(a, None)]))


@vjp(stats.gamma.logsf, elementwise=True, constant=("a",))
def gamma_logsf(g, ans, x, a, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, -_ratio(stats.gamma.logpdf(x, a, loc, scale), ans), [(a, None)]))


# -- beta (its distribution functions in a and b: no closed form) -----------------------


@vjp(stats.beta.logpdf, elementwise=True)
def beta_logpdf(g, ans, x, a, b, loc=0.0, scale=1.0):
    return tuple(_density(g, ans, True, x, loc, scale, *_beta_slopes(_z(x, loc, scale), a, b)))


@vjp(stats.beta.pdf, elementwise=True)
def beta_pdf(g, ans, x, a, b, loc=0.0, scale=1.0):
    return tuple(_density(g, ans, False, x, loc, scale, *_beta_slopes(_z(x, loc, scale), a, b)))


@vjp(stats.beta.cdf, elementwise=True, constant=("a", "b"))
def beta_cdf(g, ans, x, a, b, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, stats.beta.pdf(x, a, b, loc, scale), [(a, None), (b, None)]))


@vjp(stats.beta.logcdf, elementwise=True, constant=("a", "b"))
def beta_logcdf(g, ans, x, a, b, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, _ratio(stats.beta.logpdf(x, a, b, loc, scale), ans), [(a, None), (b, None)]))


@vjp(stats.beta.sf, elementwise=True, constant=("a", "b"))
def beta_sf(g, ans, x, a, b, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, -stats.beta.pdf(x, a, b, loc, scale), [(a, None), (b, None)]))


@vjp(stats.beta.logsf, elementwise=True, constant=("a", "b"))
def beta_logsf(g, ans, x, a, b, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, -_ratio(stats.beta.logpdf(x, a, b, loc, scale), ans), [(a, None), (b, None)]))


# -- expon, laplace, logistic, cauchy ---------------------------------------------------


@vjp(stats.expon.logpdf, elementwise=True)
def expon_logpdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_density(g, ans, True, x, loc, scale, -1.0))


@vjp(stats.expon.pdf, elementwise=True)
def expon_pdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_density(g, ans, False, x, loc, scale, -1.0))


@vjp(stats.expon.cdf, elementwise=True)
def expon_cdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, stats.expon.pdf(x, loc, scale)))


@vjp(stats.expon.logcdf, elementwise=True)
def expon_logcdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, _ratio(stats.expon.logpdf(x, loc, scale), ans)))


@vjp(stats.expon.sf, elementwise=True)
def expon_sf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, -stats.expon.pdf(x, loc, scale)))


@vjp(stats.expon.logsf, elementwise=True)
def expon_logsf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, -_ratio(stats.expon.logpdf(x, loc, scale), ans)))


@vjp(stats.laplace.logpdf, elementwise=True)
def laplace_logpdf(g, ans, x, loc=0.0, scale=1.0):
    # a kink at x = loc: sign(0) = 0 takes the mean of the one-sided slopes, as for np.abs
    return tuple(_density(g, None, True, x, loc, scale, -np.sign(_z(x, loc, scale))))


@vjp(stats.laplace.pdf, elementwise=True)
def laplace_pdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_density(g, ans, False, x, loc, scale, -np.sign(_z(x, loc, scale))))


@vjp(stats.laplace.cdf, elementwise=True)
def laplace_cdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, stats.laplace.pdf(x, loc, scale)))


@vjp(stats.laplace.logcdf, elementwise=True)
def laplace_logcdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, _ratio(stats.laplace.logpdf(x, loc, scale), ans)))


@vjp(stats.laplace.sf, elementwise=True)
def laplace_sf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, -stats.laplace.pdf(x, loc, scale)))


@vjp(stats.laplace.logsf, elementwise=True)
def laplace_logsf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, -_ratio(stats.laplace.logpdf(x, loc, scale), ans)))


@vjp(stats.logistic.logpdf, elementwise=True)
def logistic_logpdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_density(g, None, True, x, loc, scale, -np.tanh(0.5 * _z(x, loc, scale))))


@vjp(stats.logistic.pdf, elementwise=True)
def logistic_pdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_density(g, ans, False, x, loc, scale, -np.tanh(0.5 * _z(x, loc, scale))))


@vjp(stats.logistic.cdf, elementwise=True)
def logistic_cdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, stats.logistic.pdf(x, loc, scale)))


@vjp(stats.logistic.logcdf, elementwise=True)
def logistic_logcdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, _ratio(stats.logistic.logpdf(x, loc, scale), ans)))


@vjp(stats.logistic.sf, elementwise=True)
def logistic_sf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, -stats.logistic.pdf(x, loc, scale)))


@vjp(stats.logistic.logsf, elementwise=True)
def logistic_logsf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, -_ratio(stats.logistic.logpdf(x, loc, scale), ans)))


@vjp(stats.cauchy.logpdf, elementwise=True)
def cauchy_logpdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_density(g, None, True, x, loc, scale, -2.0 * _z(x, loc, scale) / (1.0 + np.square(_z(x, loc, scale)))))


@vjp(stats.cauchy.pdf, elementwise=True)
def cauchy_pdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_density(g, ans, False, x, loc, scale, -2.0 * _z(x, loc, scale) / (1.0 + np.square(_z(x, loc, scale)))))


@vjp(stats.cauchy.cdf, elementwise=True)
def cauchy_cdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, stats.cauchy.pdf(x, loc, scale)))


@vjp(stats.cauchy.logcdf, elementwise=True)
def cauchy_logcdf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, _ratio(stats.cauchy.logpdf(x, loc, scale), ans)))


@vjp(stats.cauchy.sf, elementwise=True)
def cauchy_sf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, -stats.cauchy.pdf(x, loc, scale)))


@vjp(stats.cauchy.logsf, elementwise=True)
def cauchy_logsf(g, ans, x, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, -_ratio(stats.cauchy.logpdf(x, loc, scale), ans)))


# -- lognorm (cdf = Phi(log z / s): differentiable in s too) -----------------------------


@vjp(stats.lognorm.logpdf, elementwise=True)
def lognorm_logpdf(g, ans, x, s, loc=0.0, scale=1.0):
    return tuple(_density(g, ans, True, x, loc, scale, *_lognorm_slopes(_z(x, loc, scale), s)))


@vjp(stats.lognorm.pdf, elementwise=True)
def lognorm_pdf(g, ans, x, s, loc=0.0, scale=1.0):
    return tuple(_density(g, ans, False, x, loc, scale, *_lognorm_slopes(_z(x, loc, scale), s)))


@vjp(stats.lognorm.cdf, elementwise=True)
def lognorm_cdf(g, ans, x, s, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, stats.lognorm.pdf(x, s, loc, scale), [(s, _lognorm_weight(x, s, loc, scale))]))


@vjp(stats.lognorm.logcdf, elementwise=True)
def lognorm_logcdf(g, ans, x, s, loc=0.0, scale=1.0):
    rate = _ratio(stats.lognorm.logpdf(x, s, loc, scale), ans)
    return tuple(_tail(g, x, loc, scale, rate, [(s, _lognorm_weight(x, s, loc, scale))]))


@vjp(stats.lognorm.sf, elementwise=True)
def lognorm_sf(g, ans, x, s, loc=0.0, scale=1.0):
    return tuple(_tail(g, x, loc, scale, -stats.lognorm.pdf(x, s, loc, scale), [(s, _lognorm_weight(x, s, loc, scale))]))


@vjp(stats.lognorm.logsf, elementwise=True)
def lognorm_logsf(g, ans, x, s, loc=0.0, scale=1.0):
    rate = -_ratio(stats.lognorm.logpdf(x, s, loc, scale), ans)
    return tuple(_tail(g, x, loc, scale, rate, [(s, _lognorm_weight(x, s, loc, scale))]))


# -- discrete: poisson, binom, nbinom (in their real parameters) ------------------------


def _counted(k, loc, ans, log, g, slope):
    """The cotangent flowing into a real parameter of a log pmf with ``slope``; nothing
    where the pmf is 0 (outside the support)."""
    inside = np.isfinite(ans) if log else np.asarray(ans) > 0
    return np.where(inside, (g if log else g * ans) * np.where(inside, slope, 0.0), 0.0)


def _poisson_slope(k, mu, loc):
    kk = np.subtract(k, loc)
    return _quiet(lambda: np.where(kk == 0, 0.0, kk / mu) - 1.0)


def _binom_slope(k, n, p, loc):
    kk = np.subtract(k, loc)
    return _quiet(lambda: np.where(kk == 0, 0.0, kk / p) - np.where(np.subtract(n, kk) == 0, 0.0, np.subtract(n, kk) / np.subtract(1.0, p)))


def _nbinom_slopes(k, n, p, loc):
    kk = np.subtract(k, loc)

    def slopes():
        dn = special.digamma(np.add(n, kk)) - special.digamma(n) + np.log(p)
        return dn, np.divide(n, p) - np.where(kk == 0, 0.0, kk / np.subtract(1.0, p))

    return _quiet(slopes)


@vjp(stats.poisson.logpmf, elementwise=True, constant=("k", "loc"))
def poisson_logpmf(g, ans, k, mu, loc=0):
    return None, _rt.unbroadcast(_counted(k, loc, ans, True, g, _poisson_slope(k, mu, loc)), mu), None


@vjp(stats.poisson.pmf, elementwise=True, constant=("k", "loc"))
def poisson_pmf(g, ans, k, mu, loc=0):
    return None, _rt.unbroadcast(_counted(k, loc, ans, False, g, _poisson_slope(k, mu, loc)), mu), None


@vjp(stats.binom.logpmf, elementwise=True, constant=("k", "n", "loc"))
def binom_logpmf(g, ans, k, n, p, loc=0):
    return None, None, _rt.unbroadcast(_counted(k, loc, ans, True, g, _binom_slope(k, n, p, loc)), p), None


@vjp(stats.binom.pmf, elementwise=True, constant=("k", "n", "loc"))
def binom_pmf(g, ans, k, n, p, loc=0):
    return None, None, _rt.unbroadcast(_counted(k, loc, ans, False, g, _binom_slope(k, n, p, loc)), p), None


@vjp(stats.nbinom.logpmf, elementwise=True, constant=("k", "loc"))
def nbinom_logpmf(g, ans, k, n, p, loc=0):
    dn, dp = _nbinom_slopes(k, n, p, loc)
    return None, _rt.unbroadcast(_counted(k, loc, ans, True, g, dn), n), _rt.unbroadcast(_counted(k, loc, ans, True, g, dp), p), None


@vjp(stats.nbinom.pmf, elementwise=True, constant=("k", "loc"))
def nbinom_pmf(g, ans, k, n, p, loc=0):
    dn, dp = _nbinom_slopes(k, n, p, loc)
    return None, _rt.unbroadcast(_counted(k, loc, ans, False, g, dn), n), _rt.unbroadcast(_counted(k, loc, ans, False, g, dp), p), None


# -- multivariate_normal ---------------------------------------------------------------


_COVARIANCE = getattr(stats, "Covariance", ())  # SciPy 1.10 on


def _refuse_mvn(cov=None, allow_singular=False, **_):
    if allow_singular is True:
        return "allow_singular=True is not differentiated (a singular covariance has no density to differentiate); leave it False"
    if isinstance(cov, _COVARIANCE):
        return "a scipy.stats.Covariance object as cov is not differentiated; pass the covariance matrix"
    return None


def _mvn_points(x, mean, cov, allow_singular):
    """``(points, P r per point, the full covariance, its kind: 0 number, 1 diagonal, 2
    matrix)``, ``r = x - mean`` and ``P = inv(cov)``: what the derivatives of
    ``multivariate_normal``'s densities read (forward rules too)."""
    if allow_singular or isinstance(cov, _COVARIANCE):
        raise errors.AD411_RULE_REFUSES.error(reason=_refuse_mvn(cov, True if allow_singular else False) or "")
    c = np.asarray(cov, dtype=float)
    dim = math.prod(np.shape(mean)) if mean is not None and np.ndim(mean) else (c.shape[-1] if c.ndim else 1)
    full = c if c.ndim == 2 else (np.diag(c) if c.ndim == 1 else c * np.eye(dim))
    xs = np.asarray(x, dtype=float)
    points = xs[..., None] if dim == 1 and (xs.ndim == 0 or xs.shape[-1] != 1) else xs
    r = points - (0.0 if mean is None else np.asarray(mean, dtype=float))
    a = np.reshape(np.linalg.solve(full, np.reshape(r, (-1, dim)).T).T, r.shape)
    return points, a, full, c.ndim


def _mvn(g, ans, x, mean, cov, allow_singular):
    """Cotangents ``(x, mean, cov)`` of ``multivariate_normal.logpdf`` for the weights
    ``g`` of its points: with ``r = x - mean`` and ``P = inv(cov)``, ``d/dx = -P r``,
    ``d/dmean = P r``, ``d/dcov = (P r r^T P - P) / 2`` (symmetric). A vector ``cov`` is a
    diagonal, a number ``cov * I``: their cotangents are the diagonal's, the trace's."""
    points, a, full, kind = _mvn_points(x, mean, cov, allow_singular)
    w = np.reshape(np.broadcast_to(g, np.shape(ans)), points.shape[:-1])
    a = np.reshape(a, (-1, full.shape[-1]))  # rows: P r
    wa = np.reshape(w, (-1, 1)) * a
    dfull = 0.5 * (a.T @ wa - np.sum(w) * np.linalg.inv(full))
    dfull = 0.5 * (dfull + dfull.T)
    dcov = dfull if kind == 2 else (np.diag(dfull) if kind == 1 else np.trace(dfull))
    dx = np.reshape(-wa, np.shape(points))
    return np.reshape(dx, np.shape(x)), (None if mean is None else _rt.unbroadcast(np.sum(wa, axis=0), mean)), dcov


@vjp(stats.multivariate_normal.logpdf, refuse=_refuse_mvn)
def multivariate_normal_logpdf(g, ans, x, mean=None, cov=1, allow_singular=False):
    return tuple(_mvn(g, ans, x, mean, cov, allow_singular))


@vjp(stats.multivariate_normal.pdf, refuse=_refuse_mvn)
def multivariate_normal_pdf(g, ans, x, mean=None, cov=1, allow_singular=False):
    return tuple(_mvn(np.multiply(g, ans), ans, x, mean, cov, allow_singular))


# -- dirichlet -------------------------------------------------------------------------


def _dirichlet(g, ans, x, alpha):
    """Cotangents ``(x, alpha)`` of ``dirichlet.logpdf`` for the weights ``g`` of its points
    (components along the first axis of ``x``). ``d/dx_i = (alpha_i - 1) / x_i`` (0 where
    ``alpha_i`` is 1, as ``xlogy``), minus the last component's when ``x`` leaves it out;
    ``d/dalpha_i = log x_i + digamma(sum alpha) - digamma(alpha_i)``."""
    alpha = np.asarray(alpha, dtype=float)
    xs = np.asarray(x, dtype=float)
    implied = xs.shape[0] == alpha.shape[0] - 1
    full = np.concatenate([xs, 1.0 - np.sum(xs, axis=0, keepdims=True)]) if implied else xs
    w = np.broadcast_to(g, np.shape(ans))
    am1 = np.reshape(alpha - 1.0, (-1,) + (1,) * (full.ndim - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        dfull = w * np.where(am1 == 0, 0.0, am1 / full)
        logs = np.log(full)  # -inf at x_i = 0, as xlogy's rule: no derivative in alpha_i there
    dx = dfull[:-1] - dfull[-1] if implied else dfull
    spread = np.sum(w) * (special.digamma(np.sum(alpha)) - special.digamma(alpha))
    with np.errstate(invalid="ignore"):
        dalpha = np.reshape(np.sum(np.reshape(w * logs, (alpha.shape[0], -1)), axis=1), alpha.shape) + spread
    return np.reshape(dx, np.shape(x)), dalpha


@vjp(stats.dirichlet.logpdf)
def dirichlet_logpdf(g, ans, x, alpha):
    return tuple(_dirichlet(g, ans, x, alpha))


@vjp(stats.dirichlet.pdf)
def dirichlet_pdf(g, ans, x, alpha):
    return tuple(_dirichlet(np.multiply(g, ans), ans, x, alpha))


# -- frozen distributions (``norm(mu, s)``): what generated code reads of one -------------


def unfrozen(frozen):
    """The distribution (``stats.norm``) of a frozen one, whose methods have the rules."""
    dist = getattr(frozen, "dist", None) or getattr(frozen, "_dist", None)
    return getattr(stats, dist.name) if hasattr(dist, "name") else _MULTIVARIATE[type(dist)]


def parameters(frozen):
    """The parameters a frozen distribution appends to its methods' arguments, in the
    order the distribution's methods take them, defaults filled in."""
    if isinstance(frozen, stats._multivariate.multivariate_normal_frozen):
        return frozen.mean, frozen.cov, frozen.allow_singular
    if isinstance(frozen, stats._multivariate.dirichlet_frozen):
        return (frozen.alpha,)
    shapes, loc, scale = frozen.dist._parse_args(*frozen.args, **frozen.kwds)
    return (*shapes, loc) if isinstance(frozen.dist, stats.rv_discrete) else (*shapes, loc, scale)


_MULTIVARIATE = {type(stats.multivariate_normal): stats.multivariate_normal, type(stats.dirichlet): stats.dirichlet}
