"""The benchmark workloads' primals written for PyTorch, as a PyTorch user writes them:
the same operations as ``benchmarks/workloads.py``'s, on float64 tensors (the default
dtype that ``peers`` sets). ``PORTS``: the port of each workload, by workload name."""

import math

import torch


def scalar_loop(x, w, steps):
    for t in range(steps):
        x = x + 0.01 * (torch.sin(w * x) - 0.1 * x * torch.cos(x))
    return x


def kepler(M, e):
    E = M
    dE = 1.0
    while abs(dE) > 1e-12:
        E_new = M + e * torch.sin(E)
        dE = E_new - E
        E = E_new
    return e * torch.cos(E)


def rnn(Wx, Wh, b, Wo, x, y):
    h = torch.zeros((x.shape[1], Wh.shape[0]))
    for t in range(x.shape[0]):
        h = torch.tanh(x[t] @ Wx + h @ Wh + b)
    return torch.sum((h @ Wo - y) ** 2)


def mlp(W1, b1, W2, b2, X, Y):
    n = X.shape[0]
    h = torch.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    z = z - torch.amax(z, dim=1, keepdim=True)
    logp = z - torch.log(torch.sum(torch.exp(z), dim=1, keepdim=True))
    return -torch.sum(logp * Y) / n


def big_vector(x):
    return torch.sum(torch.exp(x) * torch.sin(x) / (1.0 + x**2))


def springs(q, p, k, L, dt, steps):
    for t in range(steps):
        d = torch.roll(q, -1, dims=0) - q
        r = torch.sqrt(torch.sum(d * d, dim=1, keepdim=True))
        f = k * (r - L) * d / r
        force = f - torch.roll(f, 1, dims=0)
        p = p + dt * force
        q = q + dt * p
    return torch.sum(q[:, 0] * q[:, 1]) + 0.5 * torch.sum(p * p)


def heat(u, r, steps):
    for t in range(steps):
        u_new = torch.empty_like(u)
        u_new[1:-1] = u[1:-1] + r * (u[2:] - 2.0 * u[1:-1] + u[:-2])
        u_new[0] = 0.0
        u_new[-1] = 0.0
        u = u_new
    return torch.sum(u * u)


def gp(log_ell, log_sf, log_sn, X, y):
    Normal = torch.distributions.Normal
    ell, sf2, sn2 = torch.exp(log_ell), torch.exp(2.0 * log_sf), torch.exp(2.0 * log_sn)
    sq = torch.sum((X[:, None, :] - X[None, :, :]) ** 2, dim=-1)
    K = sf2 * torch.exp(-0.5 * sq / ell**2) + sn2 * torch.eye(X.shape[0])
    L = torch.linalg.cholesky(K)
    alpha = torch.cholesky_solve(y[:, None], L)[:, 0]
    log_det = 2.0 * torch.sum(torch.log(torch.diagonal(L)))
    nll = 0.5 * y @ alpha + 0.5 * log_det + 0.5 * X.shape[0] * math.log(2.0 * math.pi)
    prior = Normal(0.0, 1.0).log_prob(log_ell) + Normal(0.0, 1.0).log_prob(log_sf) + Normal(-1.0, 1.0).log_prob(log_sn)
    return nll - prior


def logsumexp(x, w):
    m = torch.amax(x, dim=1, keepdim=True)
    lse = torch.log(torch.sum(torch.exp(x - m), dim=1)) + m[:, 0]
    return torch.sum(w * lse)


def soft_dtw(D, gamma):
    # a list of rows: writing into one tensor would modify values autograd saved
    n, m = D.shape
    R = [[torch.tensor(math.inf)] * (m + 1) for i in range(n + 1)]
    R[0][0] = torch.tensor(0.0)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            r0, r1, r2 = R[i - 1][j - 1], R[i - 1][j], R[i][j - 1]
            rmin = torch.minimum(torch.minimum(r0, r1), r2)
            soft = rmin - gamma * torch.log(torch.exp(-(r0 - rmin) / gamma) + torch.exp(-(r1 - rmin) / gamma) + torch.exp(-(r2 - rmin) / gamma))
            R[i][j] = D[i - 1, j - 1] + soft
    return R[n][m]


def gp_chol(log_ell, log_sf, log_sn, X, y):
    n = X.shape[0]
    sq = torch.sum((X[:, None, :] - X[None, :, :]) ** 2, dim=-1)
    K = torch.exp(2.0 * log_sf) * torch.exp(-0.5 * sq / torch.exp(2.0 * log_ell)) + torch.exp(2.0 * log_sn) * torch.eye(n)
    L = torch.linalg.cholesky(K)
    z = torch.linalg.solve_triangular(L, y[:, None], upper=False)[:, 0]
    return 0.5 * torch.sum(z * z) + torch.sum(torch.log(torch.diagonal(L))) + 0.5 * n * math.log(2.0 * math.pi)


def lorenz(state, sigma, rho, beta):
    x, y, z = state
    return torch.stack([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])


def rk4_step(state, dt, sigma, rho, beta):
    k1 = lorenz(state, sigma, rho, beta)
    k2 = lorenz(state + 0.5 * dt * k1, sigma, rho, beta)
    k3 = lorenz(state + 0.5 * dt * k2, sigma, rho, beta)
    k4 = lorenz(state + dt * k3, sigma, rho, beta)
    return state + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def rk4(state, sigma, rho, beta, dt, steps):
    for t in range(steps):
        state = rk4_step(state, dt, sigma, rho, beta)
    return torch.sum(state**2)


PORTS = {
    "scalar_loop": scalar_loop, "kepler": kepler, "rnn": rnn, "mlp": mlp, "big_vector": big_vector,
    "springs": springs, "heat": heat, "gp": gp, "mlp_tiny": mlp, "logsumexp": logsumexp,
    "dp_table": soft_dtw, "gp_chol": gp_chol, "rk4": rk4,
}
