"""A Gaussian-process-like likelihood for ``test_lean_code.py``: the shapes of new axes,
identities, factorisations and solves (a module of its own, as a user's would be)."""

import numpy as np
from scipy.linalg import cho_factor, cho_solve, solve_triangular
from scipy.stats import norm


def kernel_likelihood(X, y, s):
    K = np.exp(-np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)) + s * np.eye(X.shape[0])
    c, lower = cho_factor(K, lower=True)
    alpha = cho_solve((c, lower), y)
    f = cho_factor(K)
    beta = solve_triangular(f[0], y)
    prior = norm.logpdf(s, 0.0, 1.0)
    return 0.5 * y @ alpha + np.pi * np.sum(beta) - prior
