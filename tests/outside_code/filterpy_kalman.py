# rlabbe/filterpy@3b51149, filterpy/kalman/kalman_filter.py (module-level functions) and
# filterpy/common/helpers.py (reshape_z), MIT licence (c) 2015 Roger R. Labbe Jr. Changed:
# docstrings and comment-only lines left out; `from filterpy.stats import logpdf` -> our copy in
# filterpy_stats.py. The code of each function is unchanged.
import numpy as np
from numpy import dot, zeros, eye, isscalar, shape
import numpy.linalg as linalg

from outside_code.filterpy_stats import logpdf


def reshape_z(z, dim_z, ndim):
    z = np.atleast_2d(z)
    if z.shape[1] == dim_z:
        z = z.T

    if z.shape != (dim_z, 1):
        raise ValueError(
            "z (shape {}) must be convertible to shape ({}, 1)".format(z.shape, dim_z)
        )

    if ndim == 1:
        z = z[:, 0]

    if ndim == 0:
        z = z[0, 0]

    return z


def update(x, P, z, R, H=None, return_all=False):
    #pylint: disable=bare-except

    if z is None:
        if return_all:
            return x, P, None, None, None, None
        return x, P

    if H is None:
        H = np.array([1])

    if np.isscalar(H):
        H = np.array([H])

    Hx = np.atleast_1d(dot(H, x))
    z = reshape_z(z, Hx.shape[0], x.ndim)

    # error (residual) between measurement and prediction
    y = z - Hx

    # project system uncertainty into measurement space
    S = dot(dot(H, P), H.T) + R


    # map system uncertainty into kalman gain
    try:
        K = dot(dot(P, H.T), linalg.inv(S))
    except:
        # can't invert a 1D array, annoyingly
        K = dot(dot(P, H.T), 1./S)


    # predict new x with residual scaled by the kalman gain
    x = x + dot(K, y)

    # P = (I-KH)P(I-KH)' + KRK'
    KH = dot(K, H)

    try:
        I_KH = np.eye(KH.shape[0]) - KH
    except:
        I_KH = np.array([1 - KH])
    P = dot(dot(I_KH, P), I_KH.T) + dot(dot(K, R), K.T)


    if return_all:
        # compute log likelihood
        log_likelihood = logpdf(z, dot(H, x), S)
        return x, P, y, K, S, log_likelihood
    return x, P


def predict(x, P, F=1, Q=0, u=0, B=1, alpha=1.):
    if np.isscalar(F):
        F = np.array(F)
    x = dot(F, x) + dot(B, u)
    P = (alpha * alpha) * dot(dot(F, P), F.T) + Q

    return x, P


def rts_smoother(Xs, Ps, Fs, Qs):
    if len(Xs) != len(Ps):
        raise ValueError('length of Xs and Ps must be the same')

    n = Xs.shape[0]
    dim_x = Xs.shape[1]

    # smoother gain
    K = zeros((n, dim_x, dim_x))
    x, P, pP = Xs.copy(), Ps.copy(), Ps.copy()

    for k in range(n-2, -1, -1):
        pP[k] = dot(dot(Fs[k], P[k]), Fs[k].T) + Qs[k]

        #pylint: disable=bad-whitespace
        K[k]  = dot(dot(P[k], Fs[k].T), linalg.inv(pP[k]))
        x[k] += dot(K[k], x[k+1] - dot(Fs[k], x[k]))
        P[k] += dot(dot(K[k], P[k+1] - pP[k]), K[k].T)

    return (x, P, K, pP)


# -- ours: scalars of the results, for grad -----------------------------------------------------


def kf_predict_summary(x, P, F, Q):
    x, P = predict(x, P, F, Q)
    return np.sum(x) + np.sum(P * P)


def kf_update_summary(x, P, z, R, H):
    x, P = update(x, P, z, R, H)
    return np.sum(x) + np.sum(P * P)


def rts_summary(Xs, Ps, Fs, Qs):
    x, P, K, pP = rts_smoother(Xs, Ps, Fs, Qs)
    return np.sum(x * x) + np.sum(P) + np.sum(K)
