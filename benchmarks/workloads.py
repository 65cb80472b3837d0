"""The benchmark workloads: what a user writes, and what an expert would write instead.

Each workload has

- a primal function written as a user would write it for adgen: plain
  assignments, ``for``/``while`` loops, NumPy calls, operators, subscript
  reads and (heat) stores into an array it creates;
- a hand-written NumPy gradient with the same arguments, returning one
  gradient per ``wrt`` entry (always a tuple). It runs the forward pass
  keeping exactly what the backward pass needs, then loops backwards. It uses
  the same NumPy operations as the primal (no switch to ``math`` for scalars,
  no cheaper replacement for ``np.roll``), so the comparison measures the cost
  of automatic differentiation, not of a different choice of primitives;
- an input builder ``build(scale)`` with a fixed seed: ``scale=1`` gives the
  benchmark sizes, a small ``scale`` gives tiny inputs for tests;
- ``wrt``: the names of the parameters to differentiate.

The hand gradients are the exact derivatives of the iterated programs
(reversing every iteration), not of the limits the iterations approach.
``fd_error`` checks a gradient against finite differences of the primal.
"""

import inspect
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.linalg import cho_factor, cho_solve, solve_triangular

from examples.gp_marginal import gp_neg_log_marginal


@dataclass(frozen=True)
class Workload:
    name: str
    primal: Callable  # the user's function, returns a scalar
    hand: Callable  # same arguments; returns the tuple of gradients w.r.t. ``wrt``
    build: Callable  # build(scale=1.0) -> the tuple of positional arguments
    wrt: tuple  # parameter names
    summary: str
    scalar: bool = False  # a loop of operations on numbers: where a tracer's cost per operation shows


def _dim(full, scale, least=2):
    """``full`` scaled down by ``scale``, at least ``least``."""
    return max(least, int(round(full * scale)))


# --- scalar_loop: a long chain of scalar operations --------------------------------------


def scalar_loop(x, w, steps):
    for t in range(steps):
        x = x + 0.01 * (np.sin(w * x) - 0.1 * x * np.cos(x))
    return x


def scalar_loop_grad(x, w, steps):
    """Forward: keep each step's two partial derivatives; backward: chain them."""
    dnext_dx = []
    dnext_dw = []
    for t in range(steps):
        wx = w * x
        cos_x = np.cos(x)
        cos_wx = np.cos(wx)
        dnext_dx.append(1.0 + 0.01 * (w * cos_wx - 0.1 * cos_x + 0.1 * x * np.sin(x)))
        dnext_dw.append(0.01 * x * cos_wx)
        x = x + 0.01 * (np.sin(wx) - 0.1 * x * cos_x)
    gx, gw = 1.0, 0.0
    for dx, dw in zip(reversed(dnext_dx), reversed(dnext_dw)):
        gw += gx * dw
        gx *= dx
    return float(gx), float(gw)


def build_scalar_loop(scale=1.0):
    return 0.5, 1.3, _dim(1000, scale)


# --- kepler: a while loop iterated to convergence ----------------------------------------


def kepler(M, e):
    E = M
    dE = 1.0
    while np.abs(dE) > 1e-12:
        E_new = M + e * np.sin(E)
        dE = E_new - E
        E = E_new
    return e * np.cos(E)


def kepler_grad(M, e):
    """Forward: keep sin(E) of each iteration; backward through every iteration."""
    Es = []
    sines = []
    E = M
    dE = 1.0
    while np.abs(dE) > 1e-12:
        sin_E = np.sin(E)
        Es.append(E)
        sines.append(sin_E)
        E_new = M + e * sin_E
        dE = E_new - E
        E = E_new
    gE = -e * np.sin(E)
    ge = np.cos(E)
    gM = 0.0
    for E_k, sin_E in zip(reversed(Es), reversed(sines)):
        gM += gE
        ge += gE * sin_E
        gE *= e * np.cos(E_k)
    return float(gM + gE), float(ge)


def build_kepler(scale=1.0):
    return 3.0, 0.95


# --- rnn: a vanilla tanh recurrent network ------------------------------------------------


def rnn(Wx, Wh, b, Wo, x, y):
    h = np.zeros((x.shape[1], Wh.shape[0]), like=x)  # like=: of x's library (NumPy's, CuPy's, Dask's)
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ Wx + h @ Wh + b)
    return np.sum((h @ Wo - y) ** 2)


def rnn_grad(Wx, Wh, b, Wo, x, y):
    """Forward: keep every hidden state; backward: one matmul per step, then the
    weight gradients of all steps as one matmul each."""
    T, B, n_in = x.shape
    H = Wh.shape[0]
    hs = np.zeros((T + 1, B, H))  # hs[t + 1] is the state after step t
    for t in range(T):
        hs[t + 1] = np.tanh(x[t] @ Wx + hs[t] @ Wh + b)
    gout = 2.0 * (hs[T] @ Wo - y)
    gWo = hs[T].T @ gout
    gz = np.empty((T, B, H))  # cotangents of the pre-activations
    gh = gout @ Wo.T
    for t in range(T - 1, 0, -1):
        gz[t] = gh * (1.0 - hs[t + 1] ** 2)
        gh = gz[t] @ Wh.T
    gz[0] = gh * (1.0 - hs[1] ** 2)  # the initial state is constant: no gh for it
    gz_flat = gz.reshape(T * B, H)
    gWx = x.reshape(T * B, n_in).T @ gz_flat
    gWh = hs[:-1].reshape(T * B, H).T @ gz_flat
    gb = gz_flat.sum(axis=0)
    return gWx, gWh, gb, gWo


def build_rnn(scale=1.0):
    rng = np.random.default_rng(1)
    T, B, n_in, H, n_out = _dim(50, scale), _dim(32, scale), _dim(32, scale), _dim(64, scale), 4
    Wx = rng.standard_normal((n_in, H)) / np.sqrt(n_in)
    Wh = rng.standard_normal((H, H)) / np.sqrt(H)
    b = 0.1 * rng.standard_normal(H)
    Wo = rng.standard_normal((H, n_out)) / np.sqrt(H)
    x = rng.standard_normal((T, B, n_in))
    y = rng.standard_normal((B, n_out))
    return Wx, Wh, b, Wo, x, y


# --- mlp: a two-layer classifier, straight-line code --------------------------------------


def mlp(W1, b1, W2, b2, X, Y):
    n = X.shape[0]
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(logp * Y) / n


def mlp_grad(W1, b1, W2, b2, X, Y):
    """The textbook backward pass: softmax minus labels, then two layers."""
    n = X.shape[0]
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    dz = (p - Y) / n  # the rows of the one-hot Y sum to 1
    gW2 = h.T @ dz
    gb2 = dz.sum(axis=0)
    da = (dz @ W2.T) * (1.0 - h * h)
    gW1 = X.T @ da
    gb1 = da.sum(axis=0)
    return gW1, gb1, gW2, gb2


def build_mlp(scale=1.0):
    return _mlp_inputs(2, _dim(64, scale), _dim(256, scale), _dim(256, scale), _dim(10, scale, least=3))


def _mlp_inputs(seed, n, n_in, H, C):
    """Weights scaled by fan-in, a batch of ``n`` inputs and one-hot labels of ``C`` classes."""
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((n_in, H)) / np.sqrt(n_in)
    b1 = 0.1 * rng.standard_normal(H)
    W2 = rng.standard_normal((H, C)) / np.sqrt(H)
    b2 = 0.1 * rng.standard_normal(C)
    X = rng.standard_normal((n, n_in))
    Y = np.eye(C)[rng.integers(0, C, n)]
    return W1, b1, W2, b2, X, Y


# --- big_vector: elementwise work on a large array -----------------------------------------


def big_vector(x):
    return np.sum(np.exp(x) * np.sin(x) / (1.0 + x ** 2))


def big_vector_grad(x):
    """d/dx e^x sin x / (1 + x^2) = e^x / (1 + x^2) * (sin x + cos x - 2 x sin x / (1 + x^2))."""
    sin_x = np.sin(x)
    inv = 1.0 / (1.0 + x * x)
    return (np.exp(x) * inv * (sin_x + np.cos(x) - 2.0 * x * sin_x * inv),)


def build_big_vector(scale=1.0):
    rng = np.random.default_rng(3)
    return (rng.standard_normal(_dim(10**6, scale)),)


# --- springs: a ring of masses integrated with symplectic Euler ----------------------------


def springs(q, p, k, L, dt, steps):
    for t in range(steps):
        d = np.roll(q, -1, axis=0) - q
        r = np.sqrt(np.sum(d * d, axis=1, keepdims=True))
        f = k * (r - L) * d / r
        force = f - np.roll(f, 1, axis=0)
        p = p + dt * force
        q = q + dt * p
    return np.sum(q[:, 0] * q[:, 1]) + 0.5 * np.sum(p * p)


def springs_grad(q, p, k, L, dt, steps):
    """Forward: keep each step's spring vectors d and lengths r; backward per step."""
    ds = []
    rs = []
    for t in range(steps):
        d = np.roll(q, -1, axis=0) - q
        r = np.sqrt(np.sum(d * d, axis=1, keepdims=True))
        f = k * (r - L) * d / r
        force = f - np.roll(f, 1, axis=0)
        p = p + dt * force
        q = q + dt * p
        ds.append(d)
        rs.append(r)
    gq = q[:, ::-1].copy()  # d/dq of sum(q0 * q1) is (q1, q0)
    gp = p.copy()
    gk = 0.0
    for d, r in zip(reversed(ds), reversed(rs)):
        gp = gp + dt * gq  # q = q + dt * p
        gforce = dt * gp  # p = p + dt * force
        gf = gforce - np.roll(gforce, -1, axis=0)
        stretch = 1.0 - L / r  # f = k * stretch * d
        gk += np.sum(stretch * d * gf)
        gd = k * (stretch * gf + (L / r**3) * np.sum(gf * d, axis=1, keepdims=True) * d)
        gq = gq + np.roll(gd, 1, axis=0) - gd
    return gq, gp, float(gk)


def build_springs(scale=1.0):
    rng = np.random.default_rng(4)
    n, steps = _dim(100, scale, least=3), _dim(200, scale)
    angle = 2 * np.pi * np.arange(n) / n
    q = np.stack([np.cos(angle), np.sin(angle)], axis=1) + 0.01 * rng.standard_normal((n, 2))
    p = 0.1 * rng.standard_normal((n, 2))
    rest = 0.8 * 2 * np.sin(np.pi / n)  # springs start stretched by 25%
    return q, p, 50.0, rest, 0.01, steps


# --- heat: explicit finite differences, each step filling a new array in place -------------


def heat(u, r, steps):
    for t in range(steps):
        u_new = np.empty_like(u)
        u_new[1:-1] = u[1:-1] + r * (u[2:] - 2.0 * u[1:-1] + u[:-2])
        u_new[0] = 0.0
        u_new[-1] = 0.0
        u = u_new
    return np.sum(u * u)


def heat_grad(u, r, steps):
    """Forward: keep each step's Laplacian; backward: spread the interior cotangent to the
    three cells each interior cell read (the boundary cells, set to 0, get none)."""
    laps = []
    for t in range(steps):
        lap = u[2:] - 2.0 * u[1:-1] + u[:-2]
        u_new = np.empty_like(u)
        u_new[1:-1] = u[1:-1] + r * lap
        u_new[0] = 0.0
        u_new[-1] = 0.0
        laps.append(lap)
        u = u_new
    gu = 2.0 * u
    gr = 0.0
    for lap in reversed(laps):
        g = gu[1:-1]
        gr += np.sum(g * lap)
        rg = r * g
        before = np.zeros_like(gu)
        before[1:-1] = g - 2.0 * rg
        before[2:] += rg
        before[:-2] += rg
        gu = before
    return gu, float(gr)


def build_heat(scale=1.0):
    rng = np.random.default_rng(5)
    n, steps = _dim(1000, scale, least=5), _dim(200, scale)
    x = np.linspace(0.0, 1.0, n)
    u = np.sin(np.pi * x) + 0.1 * rng.standard_normal(n)
    return u, 0.2, steps


# --- gp: a Gaussian-process likelihood through cho_factor/cho_solve and scipy.stats priors -----


gp = gp_neg_log_marginal  # the user's function: examples/gp_marginal.py


def gp_grad(log_ell, log_sf, log_sn, X, y):
    ell, sf2, sn2 = np.exp(log_ell), np.exp(2.0 * log_sf), np.exp(2.0 * log_sn)
    sq = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    E = np.exp(-0.5 * sq / ell**2)
    K = sf2 * E + sn2 * np.eye(X.shape[0])
    factor = cho_factor(K, lower=True)
    alpha = cho_solve(factor, y)
    dK = 0.5 * (cho_solve(factor, np.eye(X.shape[0])) - np.outer(alpha, alpha))  # d nll / d K
    sE = sf2 * E
    d_ell = np.sum(dK * sE * sq) / ell**2 + log_ell
    d_sf = 2.0 * np.sum(dK * sE) + log_sf
    d_sn = 2.0 * sn2 * np.trace(dK) + (log_sn + 1.0)
    return d_ell, d_sf, d_sn


def build_gp(scale=1.0):
    return _gp_inputs(5, scale)


def _gp_inputs(seed, scale):
    """Log hyperparameters, 150 (scaled) points in the plane and noisy targets."""
    rng = np.random.default_rng(seed)
    n = _dim(150, scale, least=4)
    X = rng.uniform(-3.0, 3.0, (n, 2))
    y = np.sin(X[:, 0]) * np.cos(X[:, 1]) + 0.1 * rng.standard_normal(n)
    return 0.2, 0.1, -1.5, X, y


# --- mlp_tiny: the mlp at a size where the cost of each call dominates ---------------------


def build_mlp_tiny(scale=1.0):
    return _mlp_inputs(6, _dim(4, scale), _dim(16, scale), _dim(16, scale), _dim(4, scale, least=3))


# --- logsumexp: a numerically stable log-sum-exp of each row, weighted and summed -----------


def logsumexp(x, w):
    m = np.max(x, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(x - m), axis=1)) + m[:, 0]
    return np.sum(w * lse)


def logsumexp_grad(x, w):
    """Each row's softmax, weighted. The derivative through the shift m is 1 - sum(softmax),
    zero but for rounding, so it is left out."""
    m = np.max(x, axis=1, keepdims=True)
    e = np.exp(x - m)
    s = np.sum(e, axis=1)
    return (e * (w / s)[:, None],)


def build_logsumexp(scale=1.0):
    rng = np.random.default_rng(7)
    n = _dim(1000, scale)
    return 3.0 * rng.standard_normal((n, n)), rng.uniform(0.5, 1.5, n)


# --- dp_table: soft dynamic time warping, a table filled cell by cell -----------------------


def soft_dtw(D, gamma):
    n, m = D.shape
    R = np.full((n + 1, m + 1), np.inf)
    R[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            r0, r1, r2 = R[i - 1, j - 1], R[i - 1, j], R[i, j - 1]
            rmin = np.minimum(np.minimum(r0, r1), r2)
            soft = rmin - gamma * np.log(np.exp(-(r0 - rmin) / gamma) + np.exp(-(r1 - rmin) / gamma) + np.exp(-(r2 - rmin) / gamma))
            R[i, j] = D[i - 1, j - 1] + soft
    return R[n, m]


def soft_dtw_grad(D, gamma):
    """Forward: keep the weight each cell gives its three predecessors (their softmin
    weights; a predecessor at infinity gets 0). Backward: the table E of d R[n, m] / d R[i, j],
    filled from the last cell, each cell passing its E to its predecessors by their weights;
    d R[n, m] / d D[i - 1, j - 1] is E[i, j]. The derivative through rmin is zero but for
    rounding, so it is left out."""
    n, m = D.shape
    R = np.full((n + 1, m + 1), np.inf)
    R[0, 0] = 0.0
    weights = np.empty((n + 1, m + 1, 3))
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            r0, r1, r2 = R[i - 1, j - 1], R[i - 1, j], R[i, j - 1]
            rmin = np.minimum(np.minimum(r0, r1), r2)
            e0 = np.exp(-(r0 - rmin) / gamma)
            e1 = np.exp(-(r1 - rmin) / gamma)
            e2 = np.exp(-(r2 - rmin) / gamma)
            total = e0 + e1 + e2
            R[i, j] = D[i - 1, j - 1] + (rmin - gamma * np.log(total))
            weights[i, j, 0] = e0 / total
            weights[i, j, 1] = e1 / total
            weights[i, j, 2] = e2 / total
    E = np.zeros((n + 1, m + 1))
    E[n, m] = 1.0
    for i in range(n, 0, -1):
        for j in range(m, 0, -1):
            e = E[i, j]
            E[i - 1, j - 1] += e * weights[i, j, 0]
            E[i - 1, j] += e * weights[i, j, 1]
            E[i, j - 1] += e * weights[i, j, 2]
    return (E[1:, 1:],)


def build_soft_dtw(scale=1.0):
    rng = np.random.default_rng(8)
    n = _dim(40, scale)
    a = np.cumsum(rng.standard_normal((n, 2)), axis=0) / 4.0  # two random walks in the plane
    b = np.cumsum(rng.standard_normal((n, 2)), axis=0) / 4.0
    D = np.sum((a[:, None, :] - b[None, :, :]) ** 2, axis=-1)
    return D, 1.0


# --- gp_chol: a Gaussian-process likelihood through np.linalg.cholesky and solve_triangular --


def gp_chol(log_ell, log_sf, log_sn, X, y):
    n = X.shape[0]
    sq = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    K = np.exp(2.0 * log_sf) * np.exp(-0.5 * sq / np.exp(2.0 * log_ell)) + np.exp(2.0 * log_sn) * np.eye(n)
    L = np.linalg.cholesky(K)
    z = solve_triangular(L, y, lower=True)
    return 0.5 * np.sum(z * z) + np.sum(np.log(np.diag(L))) + 0.5 * n * np.log(2.0 * np.pi)


def gp_chol_grad(log_ell, log_sf, log_sn, X, y):
    """d nll / d K = (K^-1 - alpha alpha^T) / 2 with K^-1 from the inverse of the factor,
    then the chain rule through the three hyperparameters."""
    n = X.shape[0]
    sq = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    sf2, ell2, sn2 = np.exp(2.0 * log_sf), np.exp(2.0 * log_ell), np.exp(2.0 * log_sn)
    sE = sf2 * np.exp(-0.5 * sq / ell2)
    L = np.linalg.cholesky(sE + sn2 * np.eye(n))
    L_inv = solve_triangular(L, np.eye(n), lower=True)
    alpha = L_inv.T @ (L_inv @ y)
    dK = 0.5 * (L_inv.T @ L_inv - np.outer(alpha, alpha))
    dK_sE = dK * sE
    return np.sum(dK_sE * sq) / ell2, 2.0 * np.sum(dK_sE), 2.0 * sn2 * np.trace(dK)


def build_gp_chol(scale=1.0):
    return _gp_inputs(9, scale)


# --- rk4: the Lorenz system integrated by a fourth-order Runge-Kutta step function ----------


def lorenz(state, sigma, rho, beta):
    x, y, z = state
    return np.array([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])


def rk4_step(state, dt, sigma, rho, beta):
    k1 = lorenz(state, sigma, rho, beta)
    k2 = lorenz(state + 0.5 * dt * k1, sigma, rho, beta)
    k3 = lorenz(state + 0.5 * dt * k2, sigma, rho, beta)
    k4 = lorenz(state + dt * k3, sigma, rho, beta)
    return state + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def rk4(state, sigma, rho, beta, dt, steps):
    for t in range(steps):
        state = rk4_step(state, dt, sigma, rho, beta)
    return np.sum(state**2)


def lorenz_vjp(state, sigma, rho, beta, g):
    """The cotangents of ``lorenz``'s four arguments, given its output's cotangent ``g``."""
    x, y, z = state
    g0, g1, g2 = g
    g_state = np.array([-sigma * g0 + (rho - z) * g1 + y * g2, sigma * g0 - g1 + x * g2, -x * g1 - beta * g2])
    return g_state, (y - x) * g0, x * g1, -z * g2


def rk4_grad(state, sigma, rho, beta, dt, steps):
    """Forward: keep the four stage states of each step; backward: each step's stages in
    reverse order, every stage's cotangent passed back to the state and the stage before."""
    stages = []
    for t in range(steps):
        k1 = lorenz(state, sigma, rho, beta)
        s2 = state + 0.5 * dt * k1
        k2 = lorenz(s2, sigma, rho, beta)
        s3 = state + 0.5 * dt * k2
        k3 = lorenz(s3, sigma, rho, beta)
        s4 = state + dt * k3
        k4 = lorenz(s4, sigma, rho, beta)
        stages.append((state, s2, s3, s4))
        state = state + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    g = 2.0 * state
    g_sigma = g_rho = g_beta = 0.0
    for s1, s2, s3, s4 in reversed(stages):
        g_k = dt / 6.0 * g  # the cotangent of k1 and k4; k2's and k3's are twice it
        g_s, d_sigma, d_rho, d_beta = lorenz_vjp(s4, sigma, rho, beta, g_k)
        g_state = g + g_s
        g_sigma, g_rho, g_beta = g_sigma + d_sigma, g_rho + d_rho, g_beta + d_beta
        g_s, d_sigma, d_rho, d_beta = lorenz_vjp(s3, sigma, rho, beta, 2.0 * g_k + dt * g_s)
        g_state = g_state + g_s
        g_sigma, g_rho, g_beta = g_sigma + d_sigma, g_rho + d_rho, g_beta + d_beta
        g_s, d_sigma, d_rho, d_beta = lorenz_vjp(s2, sigma, rho, beta, 2.0 * g_k + 0.5 * dt * g_s)
        g_state = g_state + g_s
        g_sigma, g_rho, g_beta = g_sigma + d_sigma, g_rho + d_rho, g_beta + d_beta
        g_s, d_sigma, d_rho, d_beta = lorenz_vjp(s1, sigma, rho, beta, g_k + 0.5 * dt * g_s)
        g = g_state + g_s
        g_sigma, g_rho, g_beta = g_sigma + d_sigma, g_rho + d_rho, g_beta + d_beta
    return g, float(g_sigma), float(g_rho), float(g_beta)


def build_rk4(scale=1.0):
    return np.array([1.0, 1.0, 20.0]), 10.0, 28.0, 8.0 / 3.0, 0.01, _dim(1000, scale)


WORKLOADS = [
    Workload("scalar_loop", scalar_loop, scalar_loop_grad, build_scalar_loop, ("x", "w"), "1000 scalar steps", scalar=True),
    Workload("kepler", kepler, kepler_grad, build_kepler, ("M", "e"), "while loop to convergence", scalar=True),
    Workload("rnn", rnn, rnn_grad, build_rnn, ("Wx", "Wh", "b", "Wo"), "tanh RNN, T=50 B=32 I=32 H=64"),
    Workload("mlp", mlp, mlp_grad, build_mlp, ("W1", "b1", "W2", "b2"), "256-256-10 MLP, batch 64"),
    Workload("big_vector", big_vector, big_vector_grad, build_big_vector, ("x",), "elementwise, 10**6 entries"),
    Workload("springs", springs, springs_grad, build_springs, ("q", "p", "k"), "100 masses, 200 steps"),
    Workload("heat", heat, heat_grad, build_heat, ("u", "r"), "1000 cells, 200 steps, u_new[1:-1] = ..."),
    Workload("gp", gp, gp_grad, build_gp, ("log_ell", "log_sf", "log_sn"), "GP likelihood, n=150, cho_factor/cho_solve"),
    Workload("mlp_tiny", mlp, mlp_grad, build_mlp_tiny, ("W1", "b1", "W2", "b2"), "16-16-4 MLP, batch 4"),
    Workload("logsumexp", logsumexp, logsumexp_grad, build_logsumexp, ("x",), "stable row-wise logsumexp, 1000x1000"),
    Workload("dp_table", soft_dtw, soft_dtw_grad, build_soft_dtw, ("D",), "soft-DTW table, 40x40, cell by cell", scalar=True),
    Workload("gp_chol", gp_chol, gp_chol_grad, build_gp_chol, ("log_ell", "log_sf", "log_sn"), "GP likelihood, n=150, cholesky/solve_triangular"),
    Workload("rk4", rk4, rk4_grad, build_rk4, ("state", "sigma", "rho", "beta"), "Lorenz, RK4 step function, 1000 steps"),
]

BY_NAME = {w.name: w for w in WORKLOADS}


def argnums(workload):
    """The positions of ``workload.wrt`` among the primal's parameters."""
    params = list(inspect.signature(workload.primal).parameters)
    return tuple(params.index(name) for name in workload.wrt)


def fd_error(workload, args, grads, seed=0, h=1e-5):
    """Relative error of ``grads`` (one per ``wrt``) along a random direction.

    The directional derivative of the primal at ``args`` comes from a
    fourth-order central difference; it is compared with the sum over ``wrt``
    of <gradient, direction>, relative to the sum of their absolute values.
    """
    rng = np.random.default_rng(seed)
    positions = argnums(workload)
    directions = [rng.standard_normal(np.shape(args[i])) for i in positions]

    def along(t):
        moved = list(args)
        for i, d in zip(positions, directions):
            moved[i] = args[i] + t * d if np.ndim(args[i]) else args[i] + t * float(d)
        return workload.primal(*moved)

    fd = (8.0 * (along(h) - along(-h)) - (along(2 * h) - along(-2 * h))) / (12.0 * h)
    terms = [float(np.sum(g * d)) for g, d in zip(grads, directions)]
    scale = sum(abs(t) for t in terms) or 1.0
    return abs(fd - sum(terms)) / scale
