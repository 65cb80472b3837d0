"""Forward-mode rules of ``scipy.stats``' multivariate densities, registered with their
reverse rules (the end of ``scipy_stats`` imports this module: only once the user's code
has imported SciPy). Each point's density depends on its own point and on the shared
parameters; a covariance matrix's tangent is taken as symmetric, as the reverse rule's
cotangent is (SciPy reads one triangle)."""

import numpy as np
from scipy import special, stats

from adgen.runtime.rules.scipy_stats import _mvn_points
from adgen.runtime.tangent_registry import jvp


def _as_full(t, kind, dim):
    t = np.asarray(t, dtype=float)
    return 0.5 * (t + t.T) if kind == 2 else (np.diag(t) if kind == 1 else t * np.eye(dim))


def _mvn_log_tangent(t, ans, x, mean, cov, allow_singular, k):
    """The tangent of ``logpdf`` for the tangent ``t`` of parameter ``k`` (0 x, 1 mean, 2 cov):
    -(P r) . dx, (P r) . dmean, ((P r)^T dC (P r) - tr(P dC)) / 2."""
    points, a, full, kind = _mvn_points(x, mean, cov, allow_singular)
    if k == 0:
        found = -np.sum(a * np.reshape(t, points.shape), axis=-1)
    elif k == 1:
        found = np.sum(a * t, axis=-1)
    else:
        dc = _as_full(t, kind, full.shape[-1])
        found = 0.5 * (np.sum(a * (a @ dc), axis=-1) - np.trace(np.linalg.solve(full, dc)))
    return np.reshape(found, np.shape(ans))


@jvp(stats.multivariate_normal.logpdf, arg=0)
def multivariate_normal_logpdf_tangent_x(t, ans, x, mean=None, cov=1, allow_singular=False):
    return _mvn_log_tangent(t, ans, x, mean, cov, allow_singular, 0)


@jvp(stats.multivariate_normal.pdf, arg=0)
def multivariate_normal_pdf_tangent_x(t, ans, x, mean=None, cov=1, allow_singular=False):
    return ans * _mvn_log_tangent(t, ans, x, mean, cov, allow_singular, 0)


@jvp(stats.multivariate_normal.logpdf, arg=1)
def multivariate_normal_logpdf_tangent_mean(t, ans, x, mean=None, cov=1, allow_singular=False):
    return _mvn_log_tangent(t, ans, x, mean, cov, allow_singular, 1)


@jvp(stats.multivariate_normal.pdf, arg=1)
def multivariate_normal_pdf_tangent_mean(t, ans, x, mean=None, cov=1, allow_singular=False):
    return ans * _mvn_log_tangent(t, ans, x, mean, cov, allow_singular, 1)


@jvp(stats.multivariate_normal.logpdf, arg=2)
def multivariate_normal_logpdf_tangent_cov(t, ans, x, mean=None, cov=1, allow_singular=False):
    return _mvn_log_tangent(t, ans, x, mean, cov, allow_singular, 2)


@jvp(stats.multivariate_normal.pdf, arg=2)
def multivariate_normal_pdf_tangent_cov(t, ans, x, mean=None, cov=1, allow_singular=False):
    return ans * _mvn_log_tangent(t, ans, x, mean, cov, allow_singular, 2)


def _dirichlet_tangent(t, ans, x, alpha, k):
    """The tangent of ``dirichlet.logpdf`` (components along the first axis of ``x``, the
    last one implied when ``x`` leaves it out) for the tangent ``t`` of ``x`` (k 0) or
    ``alpha`` (k 1): sum_i (alpha_i - 1) / x_i dx_i (0 where alpha_i is 1), and
    sum_i (log x_i + digamma(sum alpha) - digamma(alpha_i)) dalpha_i."""
    alpha = np.asarray(alpha, dtype=float)
    xs = np.asarray(x, dtype=float)
    implied = xs.shape[0] == alpha.shape[0] - 1
    full = np.concatenate([xs, 1.0 - np.sum(xs, axis=0, keepdims=True)]) if implied else xs
    along = (-1,) + (1,) * (full.ndim - 1)
    if k == 0:
        t = np.asarray(t, dtype=float)
        dfull = np.concatenate([t, -np.sum(t, axis=0, keepdims=True)]) if implied else t
        am1 = np.reshape(alpha - 1.0, along)
        with np.errstate(divide="ignore", invalid="ignore"):
            found = np.sum(np.where(am1 == 0, 0.0, am1 / full) * dfull, axis=0)
    else:
        slope = np.log(full) + np.reshape(special.digamma(np.sum(alpha)) - special.digamma(alpha), along)
        found = np.sum(slope * np.reshape(t, along), axis=0)
    return np.reshape(found, np.shape(ans))


@jvp(stats.dirichlet.logpdf, arg=0)
def dirichlet_logpdf_tangent_x(t, ans, x, alpha):
    return _dirichlet_tangent(t, ans, x, alpha, 0)


@jvp(stats.dirichlet.logpdf, arg=1)
def dirichlet_logpdf_tangent_alpha(t, ans, x, alpha):
    return _dirichlet_tangent(t, ans, x, alpha, 1)


@jvp(stats.dirichlet.pdf, arg=0)
def dirichlet_pdf_tangent_x(t, ans, x, alpha):
    return ans * _dirichlet_tangent(t, ans, x, alpha, 0)


@jvp(stats.dirichlet.pdf, arg=1)
def dirichlet_pdf_tangent_alpha(t, ans, x, alpha):
    return ans * _dirichlet_tangent(t, ans, x, alpha, 1)


# norm.logpdf: its elementwise reverse rule is called (``_rt.elementwise_jvp``), which hvp cannot
# differentiate again; these one-expression rules are pasted into the tangent module instead
# (a Gaussian prior, as in ``examples/gp_marginal.py``)


@jvp(stats.norm.logpdf, arg=0)
def norm_logpdf_tangent_x(t, ans, x, loc=0.0, scale=1.0):
    return -t * (x - loc) / scale**2


@jvp(stats.norm.logpdf, arg=1)
def norm_logpdf_tangent_loc(t, ans, x, loc=0.0, scale=1.0):
    return t * (x - loc) / scale**2


@jvp(stats.norm.logpdf, arg=2)
def norm_logpdf_tangent_scale(t, ans, x, loc=0.0, scale=1.0):
    return t * (((x - loc) / scale) ** 2 - 1.0) / scale
