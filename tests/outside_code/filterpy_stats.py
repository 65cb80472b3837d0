# rlabbe/filterpy@3b51149, filterpy/stats/stats.py, MIT licence (c) 2015 Roger R. Labbe Jr.
# Changed: docstrings left out; only the functions below kept (with the module's test of
# `allow_singular` support, which sets _support_singular). The code of each is unchanged.
import math

import numpy as np
from numpy.linalg import inv
from scipy.stats import multivariate_normal

_support_singular = True
try:
    multivariate_normal.logpdf(1, 1, 1, allow_singular=True)
except TypeError:
    _support_singular = False


def _validate_vector(u, dtype=None):
    # this is taken from scipy.spatial.distance. Internal function, so
    # redefining here.

    u = np.asarray(u, dtype=dtype).squeeze()
    # Ensure values such as u=1 and u=[1] still return 1-D arrays.
    u = np.atleast_1d(u)
    if u.ndim > 1:
        raise ValueError("Input vector should be 1-D.")
    return u


def mahalanobis(x, mean, cov):
    x = _validate_vector(x)
    mean = _validate_vector(mean)

    if x.shape != mean.shape:
        raise ValueError("length of input vectors must be the same")

    y = x - mean
    S = np.atleast_2d(cov)

    dist = float(np.dot(np.dot(y.T, inv(S)), y))
    return math.sqrt(dist)


def log_likelihood(z, x, P, H, R):
    S = np.dot(H, np.dot(P, H.T)) + R
    return logpdf(z, np.dot(H, x), S)


def logpdf(x, mean=None, cov=1, allow_singular=True):
    if mean is not None:
        flat_mean = np.asarray(mean).flatten()
    else:
        flat_mean = None

    flat_x = np.asarray(x).flatten()

    if _support_singular:
        return multivariate_normal.logpdf(flat_x, flat_mean, cov, allow_singular)
    return multivariate_normal.logpdf(flat_x, flat_mean, cov)


def gaussian(x, mean, var, normed=True):
    pdf = ((2*math.pi*var)**-.5) * np.exp((-0.5*(np.asarray(x)-mean)**2.) / var)
    if normed and len(np.shape(pdf)) > 0:
        pdf = pdf / sum(pdf)

    return pdf


def mul_pdf(mean1, var1, mean2, var2):
    mean = (var1*mean2 + var2*mean1) / (var1 + var2)
    var = 1. / (1./var1 + 1./var2)

    S = math.exp(-(mean1 - mean2)**2 / (2*(var1 + var2))) / \
                 math.sqrt(2 * math.pi * (var1 + var2))

    return mean, var, S


def multivariate_multiply(m1, c1, m2, c2):
    C1 = np.asarray(c1)
    C2 = np.asarray(c2)
    M1 = np.asarray(m1)
    M2 = np.asarray(m2)

    sum_inv = np.linalg.inv(C1+C2)
    C3 = np.dot(C1, sum_inv).dot(C2)

    M3 = (np.dot(C2, sum_inv).dot(M1) +
          np.dot(C1, sum_inv).dot(M2))

    return M3, C3


# -- ours: scalars of the results, for grad -----------------------------------------------------


def gaussian_weighted_mean(xs, mean, var):
    return np.dot(gaussian(xs, mean, var), xs)


def mul_pdf_scale(mean1, var1, mean2, var2):
    return mul_pdf(mean1, var1, mean2, var2)[2]


def multivariate_multiply_summary(m1, c1, m2, c2):
    M3, C3 = multivariate_multiply(m1, c1, m2, c2)
    return np.sum(M3) + np.trace(C3)
