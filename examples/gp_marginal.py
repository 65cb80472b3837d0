"""Negative log marginal likelihood of a Gaussian process with a squared-exponential
kernel, in the form of Rasmussen & Williams' Algorithm 2.1, with log-normal priors on
the hyperparameters. Its gradient w.r.t. the log hyperparameters is what a type-II
maximum-likelihood fit (scipy.optimize.minimize(..., jac=True)) needs."""

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.stats import norm


def gp_neg_log_marginal(log_ell, log_sf, log_sn, X, y):
    """X: n x d inputs, y: n targets; log length-scale, log signal and noise std."""
    ell, sf2, sn2 = np.exp(log_ell), np.exp(2.0 * log_sf), np.exp(2.0 * log_sn)
    sq = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    K = sf2 * np.exp(-0.5 * sq / ell**2) + sn2 * np.eye(X.shape[0])
    c, lower = cho_factor(K, lower=True)
    alpha = cho_solve((c, lower), y)
    log_det = 2.0 * np.sum(np.log(np.diag(c)))
    nll = 0.5 * y @ alpha + 0.5 * log_det + 0.5 * X.shape[0] * np.log(2.0 * np.pi)
    prior = norm.logpdf(log_ell, 0.0, 1.0) + norm.logpdf(log_sf, 0.0, 1.0) + norm.logpdf(log_sn, -1.0, 1.0)
    return nll - prior
