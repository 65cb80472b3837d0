"""Functions from public code that call SciPy and NumPy library functions, adapted as
little as possible: ``autograd.numpy`` -> ``numpy``, ``autograd.scipy.X`` -> the same
``scipy.X`` (``multivariate_normal``, a module in autograd, is SciPy's object), a
factory's inner function kept with its factory. ``tests/test_corpus_public_libraries.py``
checks each against finite differences at three seeds.

Source: HIPS/autograd, examples/ at commit bff107b, MIT licence, "Copyright (c) 2025 by
the President and Fellows of Harvard University". What changed is noted at each
function; the maths and the style are theirs.
"""

from functools import partial

import numpy as np
from numpy.linalg import solve
from scipy.special import gammaln, logsumexp
from scipy.stats import multivariate_normal as mvn
from scipy.stats import norm, t

from corpus import registry
from corpus_straight import mat, scalar, vec

CASES, case = registry()


def _spd_chol(k, d):
    return lambda r: np.tril(r.uniform(-0.3, 0.3, (k, d, d))) + np.eye(d)


# -- examples/gaussian_process.py: unchanged but for the imports ----------------------------------


def make_gp_funs(cov_func, num_cov_params):
    def unpack_kernel_params(params):
        mean = params[0]
        cov_params = params[2:]
        noise_scale = np.exp(params[1]) + 0.0001
        return mean, cov_params, noise_scale

    def predict(params, x, y, xstar):
        """Returns the predictive mean and covariance at locations xstar,
        of the latent function value f (without observation noise)."""
        mean, cov_params, noise_scale = unpack_kernel_params(params)
        cov_f_f = cov_func(cov_params, xstar, xstar)
        cov_y_f = cov_func(cov_params, x, xstar)
        cov_y_y = cov_func(cov_params, x, x) + noise_scale * np.eye(len(y))
        pred_mean = mean + np.dot(solve(cov_y_y, cov_y_f).T, y - mean)
        pred_cov = cov_f_f - np.dot(solve(cov_y_y, cov_y_f).T, cov_y_f)
        return pred_mean, pred_cov

    def log_marginal_likelihood(params, x, y):
        mean, cov_params, noise_scale = unpack_kernel_params(params)
        cov_y_y = cov_func(cov_params, x, x) + noise_scale * np.eye(len(y))
        prior_mean = mean * np.ones(len(y))
        return mvn.logpdf(y, prior_mean, cov_y_y)

    return num_cov_params + 2, predict, log_marginal_likelihood


def rbf_covariance(kernel_params, x, xp):
    output_scale = np.exp(kernel_params[0])
    lengthscales = np.exp(kernel_params[1:])
    diffs = np.expand_dims(x / lengthscales, 1) - np.expand_dims(xp / lengthscales, 0)
    return output_scale * np.exp(-0.5 * np.sum(diffs**2, axis=2))


_, gp_predict, gp_log_marginal_likelihood = make_gp_funs(rbf_covariance, num_cov_params=2)
case(vec(4, -0.5, 0.5), mat(8, 1, -2.0, 2.0), vec(8))(gp_log_marginal_likelihood)


@case(vec(4, -0.5, 0.5), mat(8, 1, -2.0, 2.0), vec(8), mat(3, 1, -2.0, 2.0), wrt=(0, 2, 3))
def gp_prediction_summary(params, x, y, xstar):  # ours: a scalar of both predictions
    pred_mean, pred_cov = gp_predict(params, x, y, xstar)
    return np.sum(pred_mean) + np.trace(pred_cov)


# -- examples/bayesian_optimization.py: unchanged --------------------------------------------------


def expected_new_max(mean, std, max_so_far):
    return (
        max_so_far
        - (mean - max_so_far) * norm.cdf(mean, max_so_far, std)
        + std * norm.pdf(mean, max_so_far, std)
    )


@case(vec(5), vec(5, 0.2, 1.0), scalar(), wrt=(0, 1, 2))
def total_expected_new_max(mean, std, max_so_far):  # ours: summed over candidate points
    return np.sum(expected_new_max(mean, std, max_so_far))


# -- examples/gmm.py: unchanged but for the imports --------------------------------------------------


def log_normalize(x):
    return x - logsumexp(x)


def unpack_gmm_params(params):
    normalized_log_proportions = log_normalize(params["log proportions"])
    return normalized_log_proportions, params["means"], params["lower triangles"]


@case(lambda r: {"log proportions": r.normal(0, 0.5, 3), "means": r.normal(0, 1, (3, 2)), "lower triangles": _spd_chol(3, 2)(r)},
      mat(10, 2, -2.0, 2.0))
def gmm_log_likelihood(params, data):
    cluster_lls = []
    for log_proportion, mean, cov_sqrt in zip(*unpack_gmm_params(params)):
        cov = np.dot(cov_sqrt.T, cov_sqrt)
        cluster_lls.append(log_proportion + mvn.logpdf(data, mean, cov))
    return np.sum(logsumexp(np.vstack(cluster_lls), axis=0))


# -- examples/ica.py: logprob and predict taken out of make_ica_funs (which only closes over sizes) ---


def predict(weights, latents):
    return np.dot(weights, latents).T


@case(mat(3, 2), mat(2, 6), scalar(0.5, 1.5), mat(6, 3), wrt=(0, 1, 2))
def ica_logprob(weights, latents, noise_std, observed):
    preds = predict(weights, latents)
    log_lik = np.sum(t.logpdf(preds, 2.4, observed, noise_std))
    return log_lik


# -- examples/negative_binomial_maxlike.py: unchanged ---------------------------------------------


def negbin_loglike(r, p, x):
    # the log probability mass function of the negative binomial distribution
    return gammaln(r + x) - gammaln(r) - gammaln(x + 1) + x * np.log(p) + r * np.log(1 - p)


@case(scalar(1.0, 4.0), scalar(0.2, 0.8), lambda r: r.integers(0, 10, 7).astype(float), wrt=(0, 1))
def negbin_total_loglike(r, p, x):  # ours: the example's objective sums it
    return np.sum(negbin_loglike(r, p, x))


# -- examples/black_box_svi.py: log_density taken out of its script (it closes over nothing) ------


def black_box_log_density(x, t):
    mu, log_sigma = x[:, 0], x[:, 1]
    sigma_density = norm.logpdf(log_sigma, 0, 1.35)
    mu_density = norm.logpdf(mu, 0, np.exp(log_sigma))
    return sigma_density + mu_density


@case(mat(5, 2), scalar())
def black_box_mean_log_density(x, t):  # ours: the example's objective averages it over samples
    return np.mean(black_box_log_density(x, t))


# -- examples/mixture_variational_inference.py: unchanged ----------------------------------------


def diag_gaussian_log_density(x, mu, log_std):
    return np.sum(norm.logpdf(x, mu, np.exp(log_std)), axis=-1)


@case(mat(4, 3), vec(3), vec(3, -1.0, 0.5), wrt=(0, 1, 2))
def diag_gaussian_mean_log_density(x, mu, log_std):  # ours: averaged over samples
    return np.mean(diag_gaussian_log_density(x, mu, log_std))


# -- examples/hmm_em.py: unchanged (data: a list of integer arrays, as its build_dataset makes) -----------


def _hmm_params(r):
    return (r.normal(0, 1, 3), r.normal(0, 1, (3, 3)), r.normal(0, 1, (3, 4)))


@case(_hmm_params, lambda r: [r.integers(0, 4, 5), r.integers(0, 4, 3)])
def log_partition_function(natural_params, data):
    if isinstance(data, list):
        return sum(map(partial(log_partition_function, natural_params), data))

    log_pi, log_A, log_B = natural_params

    log_alpha = log_pi
    for y in data:
        log_alpha = logsumexp(log_alpha[:, None] + log_A, axis=0) + log_B[:, y]

    return logsumexp(log_alpha)
