"""Functions for forward mode (``tests/test_forward.py``): loops, branches, in-place
stores, linear algebra and reductions, each with arguments to differentiate at."""

import math

import numpy as np
from scipy.integrate import odeint, solve_ivp
from scalar_programs import soft_dtw  # a soft minimum of numbers, cell by cell (its minimum carries no derivative: shifts.py)
from scipy.linalg import block_diag, cho_factor, cho_solve, lu_factor, lu_solve, solve, solve_banded, solve_triangular


def poly_loop(x, n):
    s = 0.0
    for k in range(n):
        s = s + (k + 1) * x ** k
    return s


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


def branchy(x):
    if x[0] > 0:
        y = np.sin(x) * x[1]
    else:
        y = np.cos(x) / (1.0 + x ** 2)
    return np.sum(y)


def heat_steps(u, k):
    u = u.copy()
    for _ in range(5):
        new = u.copy()
        for i in range(1, u.shape[0] - 1):
            new[i] = u[i] + k * (u[i - 1] - 2.0 * u[i] + u[i + 1])
        u = new
    return u


def rnn(h, W, U, xs):
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t])
    return h


def mlp(W1, b1, W2, x):
    h = np.maximum(W1 @ x + b1, 0.0)
    return np.sum((W2 @ h) ** 2)


def logsumexp_rows(a):
    m = np.max(a, axis=1, keepdims=True)
    return m[:, 0] + np.log(np.sum(np.exp(a - m), axis=1))


def stacked(a, b):
    c = np.concatenate([a, 2.0 * b, np.ones(2)])
    return np.outer(c, c[::-1]).T.reshape(-1)


def solve_and_det(A, b):
    x = np.linalg.solve(A, b)
    return np.sum(x ** 2) + np.log(np.abs(np.linalg.det(A)))


def chol_quad(A, y):
    L = np.linalg.cholesky(A @ A.T + 3.0 * np.eye(A.shape[0]))
    z = np.linalg.inv(L) @ y
    return z @ z


def break_early(x):
    total = 0.0
    for i in range(x.shape[0]):
        if x[i] < -0.5:
            break
        total = total + np.exp(x[i]) * i
    return total


def iterate_rows(X):
    acc = np.zeros(X.shape[1])
    for row in X:
        acc = acc + row * np.sum(row)
    return acc


def stats(x):
    return np.var(x) + np.std(x) * np.prod(x[:3]) + np.mean(x ** 3)


def einsum_trace(A, B):
    return np.einsum("ij,jk->ik", A, B) + np.trace(A) * B


def clip_where(x):
    y = np.where(x > 0.2, x ** 2, -x)
    return np.clip(y, -0.3, 0.9) + np.abs(x) * x


def broadcast_add(s, M):
    return M + s


def norms(x, A):
    return np.linalg.norm(x) + np.linalg.norm(A) + np.linalg.norm(x, 3) + np.linalg.norm(x, np.inf)


def kepler(M, e):
    E = M
    for _ in range(30):
        E = E - (E - e * np.sin(E) - M) / (1.0 - e * np.cos(E))
    return E


def springs(x, v, k):
    x = x.copy()
    v = v.copy()
    for _ in range(10):
        f = -k * x
        f[1:] = f[1:] - k * (x[1:] - x[:-1])
        v = v + 0.01 * f
        x = x + 0.01 * v
    return np.concatenate([x, v])


def index_store(x):
    out = np.zeros((3, x.shape[0]))
    out[0] = x
    out[1, :] = x ** 2
    out[2] = out[0] * out[1]
    out[:, 0] = out[:, 0] + 1.0
    return out


def max_min(A):
    return np.max(A, axis=0) - np.min(A) + np.max(A)


def softplus_sum(x, w):
    z = x * w
    return np.sum(np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0))


def nested_loops(x):
    s = x * 0.0
    for i in range(3):
        for j in range(i + 1):
            if (i + j) % 2 == 0:
                s = s + x ** (i + j) / (1.0 + j)
            else:
                s = s - np.sin(x * j)
    return s


def scalar_abs(a, b):
    c = a * b - np.sqrt(a ** 2 + b ** 2)
    return c if c > 0 else -c * a


def heat_energy(u, r):
    for _ in range(4):
        new = np.empty_like(u)
        new[1:-1] = u[1:-1] + r * (u[2:] - 2.0 * u[1:-1] + u[:-2])
        new[0] = 0.0
        new[-1] = 0.0
        u = new
    return np.sum(u * u)


def rnn_loss(h, W, U, xs):
    return np.sum(rnn(h, W, U, xs) ** 2)


def logsumexp_total(a):
    return np.sum(logsumexp_rows(a))


def stacked_energy(a, b):
    return np.sum(stacked(a, b) ** 2) / 10.0


def heat_total(u, k):
    return np.sum(heat_steps(u, k) ** 2)


def rows_energy(X):
    return np.sum(iterate_rows(X) ** 2)


def einsum_energy(A, B):
    return np.sum(einsum_trace(A, B) * A)


def clipped_sum(x):
    return np.sum(clip_where(x) ** 2)


def springs_energy(x, v, k):
    s = springs(x, v, k)
    return np.sum(s * s) * 0.5


def stored_energy(x):
    return np.sum(index_store(x) ** 2)


def col_max_energy(A):
    return np.sum(max_min(A) ** 2)


def wave_mix(x):
    return np.sum(nested_loops(x) * np.cos(x))


# -- calls reached through objects and closures, and spreads counted at the call -----------------


class _Scaled:  # a callable object built inside the function (mlfromscratch's activations)
    def __init__(self, k, act=np.tanh):
        self.k = k
        self.act = act

    def __call__(self, x):
        return self.act(self.k * x)


class _Bent:
    def __init__(self, c):
        self.c = c

    def __call__(self, x):
        return x + self.c * x ** 2


_STACK = [_Scaled(0.5), _Bent(0.3), _Scaled(2.0, np.sin)]


def objects_built_and_called(x):
    y = _Scaled(1.5)(x)
    for layer in _STACK:
        y = layer(y)
    return _Bent(0.1)(y) * x


class _Spread:  # a module-level object whose method calls the function it holds (filterpy's sigma points)
    def __init__(self, subtract=None):
        self.subtract = subtract or np.subtract

    def points(self, x, P):
        out = np.zeros((3, x.shape[0]))
        out[0] = x
        out[1] = self.subtract(x, P[0])
        out[2] = self.subtract(x, -P[1])
        return out


_SPREAD = _Spread()


def method_of_a_global_object(x, P):
    return np.sum(_SPREAD.points(x, P) ** 2)


def _make_loss(n):
    def loss(p):
        return np.sum(np.sin(p[:n]) ** 2)

    return loss


def _make_outer(n, scale):
    inner = _make_loss(n)

    def head(p):
        return p[:n] * scale

    def loss(p):  # calls closures of other factories, one of the same name (autograd's deep GP)
        return inner(head(p)) + np.sum(p[n:] ** 2)

    return loss


factory_loss = _make_outer(2, 1.5)


def _blocks(q, var, size=2):
    return block_diag(*[q] * size) * var


def blocks_counted_at_the_call(q, var):  # filterpy's Q_discrete_white_noise(block_size=...)
    return np.sum(_blocks(q, var, size=3) ** 2) + np.sum(_blocks(q, var))


def blocks_counted_by_an_argument(q, n):
    return block_diag(*[q] * n)


def star_parameters(*xs):
    return xs[0] * np.sin(xs[1])


def activation_default(x, w, act=np.tanh):
    return act(x @ w)


def index_tricks(a, b):  # np.r_ and np.c_ index an object that does not vary with what does
    return np.sum(np.r_[a, 0:3, 2.0 * b, 1.5] ** 2) + np.sum(np.c_[a, b[:3]] ** 3)


def indexed_by_values(x):  # a constant array indexed by a mask of x, x by its own argmax
    table = np.array([1.0, 2.0, 3.0, 4.0])
    return np.sum(table[x > 0]) * np.sum(x[:3]) + np.sum(x[np.argmax(x)] * x)


def _rng(seed):
    return np.random.default_rng(seed)


def cases():
    """``(function, args, wrt)`` for every case."""
    r = _rng(5)
    spd = r.standard_normal((3, 3))
    return [
        (poly_loop, (0.7, 6), 0),
        (newton_sqrt, (2.5,), 0),
        (branchy, (np.array([0.4, -1.1, 0.8]),), 0),
        (branchy, (np.array([-0.4, -1.1, 0.8]),), 0),
        (heat_steps, (r.standard_normal(6), 0.2), (0, 1)),
        (rnn, (r.standard_normal(3), r.standard_normal((3, 3)) * 0.5, r.standard_normal((3, 2)), r.standard_normal((4, 2))), (0, 1, 2)),
        (mlp, (r.standard_normal((4, 3)), r.standard_normal(4), r.standard_normal((2, 4)), r.standard_normal(3)), (0, 1, 2)),
        (logsumexp_rows, (r.standard_normal((3, 4)),), 0),
        (stacked, (r.standard_normal(2), r.standard_normal(3)), (0, 1)),
        (solve_and_det, (spd + 3 * np.eye(3), r.standard_normal(3)), (0, 1)),
        (chol_quad, (spd, r.standard_normal(3)), (0, 1)),
        (break_early, (np.array([0.3, 0.1, 1.2, -0.9, 0.5]),), 0),
        (iterate_rows, (r.standard_normal((4, 3)),), 0),
        (stats, (r.standard_normal(5),), 0),
        (einsum_trace, (r.standard_normal((3, 3)), r.standard_normal((3, 3))), (0, 1)),
        (clip_where, (np.array([-0.7, 0.1, 0.35, 0.6, 1.3]),), 0),
        (broadcast_add, (0.3, r.standard_normal((2, 3))), 0),
        (norms, (r.standard_normal(4), r.standard_normal((2, 3))), (0, 1)),
        (kepler, (0.8, 0.3), (0, 1)),
        (springs, (r.standard_normal(4), r.standard_normal(4), 1.7), (0, 1, 2)),
        (index_store, (r.standard_normal(4),), 0),
        (max_min, (r.standard_normal((3, 4)),), 0),
        (softplus_sum, (r.standard_normal(5), r.standard_normal(5)), (0, 1)),
        (nested_loops, (r.standard_normal(3),), 0),
        (scalar_abs, (0.6, 1.3), (0, 1)),
        (scalar_abs, (2.0, 3.0), (0, 1)),
        (heat_energy, (r.standard_normal(7), 0.3), (0, 1)),
        (shifted_store, (r.standard_normal(4), 0.5), 0),
        (store_after_call, (r.standard_normal(3),), 0),
        (rnn_loss, (r.standard_normal(3), r.standard_normal((3, 3)) * 0.5, r.standard_normal((3, 2)), r.standard_normal((4, 2))), (0, 1)),
        (logsumexp_total, (r.standard_normal((3, 4)),), 0),
        (stacked_energy, (r.standard_normal(2), r.standard_normal(3)), (0, 1)),
        (heat_total, (r.standard_normal(6), 0.2), (0, 1)),
        (rows_energy, (r.standard_normal((4, 3)),), 0),
        (einsum_energy, (r.standard_normal((3, 3)), r.standard_normal((3, 3))), (0, 1)),
        (clipped_sum, (np.array([-0.7, 0.1, 0.35, 0.6, 1.3]),), 0),
        (springs_energy, (r.standard_normal(4), r.standard_normal(4), 1.7), (0, 1, 2)),
        (stored_energy, (r.standard_normal(4),), 0),
        (col_max_energy, (r.standard_normal((3, 4)),), 0),
        (wave_mix, (r.standard_normal(3),), 0),
        (sorted_weights, (r.standard_normal(5), 3), 0),
        (interp_branch, (np.array([0.3, 0.7, 1.4]), r.standard_normal(4)), (0, 1)),
        (interp_branch, (np.array([-0.3, -0.7, -1.4]), r.standard_normal(4)), (0, 1)),
        (cumprod_loop, (r.standard_normal(4),), 0),
        (padded_smooth, (r.standard_normal(5),), 0),
        (shifted_spectrum, (r.standard_normal(6),), 0),
        (polyval_newton, (np.array([1.0, 0.0, -2.0]), 1.3), (0, 1)),
        (median_rows, (r.standard_normal((3, 4)),), 0),
        (median_rows, (r.standard_normal((3, 5)),), 0),
        (joined, (r.standard_normal(3), 0.7), (0, 1)),
        (inverted_in_place, (np.array([0.3, -1.2, 0.8, 1.5, -0.4]),), 0),
        (nested_defs, (r.standard_normal(3), 0.7), (0, 1)),
        (functions_passed, (r.standard_normal(3), r.standard_normal((3, 3))), (0, 1)),
        (star_args_rnn, (0.5 * r.standard_normal((5, 3)), r.standard_normal((3, 2, 1))), 0),
        (keyword_options, (r.standard_normal(3), 0.7), (0, 1)),
        (positional_only, (r.standard_normal(3), 0.7), (0, 1)),
        # containers in the body
        (appended_loop, (r.standard_normal(3),), 0),
        (dict_mlp, (r.standard_normal((4, 3)), r.standard_normal(4), r.standard_normal((2, 4)), r.standard_normal(3)), (0, 1, 2)),
        (summed_list, (r.standard_normal(3),), 0),
        (list_item_store, (r.standard_normal(3),), 0),
        (tuple_result, (r.standard_normal(3),), 0),
        (popped_extended, (r.standard_normal(3),), 0),
        (extremes_of_items, (np.array([0.3, -0.8, 0.6]),), 0),
        (layers_in_a_list, (r.standard_normal((3, 3)) * 0.5, r.standard_normal((3, 3)) * 0.5, r.standard_normal(3)), (0, 1, 2)),
        # calls reached through objects and closures, spreads counted at the call
        (objects_built_and_called, (r.standard_normal(3),), 0),
        (method_of_a_global_object, (r.standard_normal(2), r.standard_normal((2, 2))), (0, 1)),
        (factory_loss, (r.standard_normal(4),), 0),
        (blocks_counted_at_the_call, (r.standard_normal((2, 2)), 0.7), (0, 1)),
        (blocks_counted_by_an_argument, (r.standard_normal((2, 2)), 3), 0),
        (star_parameters, (r.standard_normal(3), r.standard_normal(3)), (0, 1)),
        (activation_default, (r.standard_normal((2, 3)), r.standard_normal((3, 2))), (0, 1)),
        (index_tricks, (r.standard_normal(3), r.standard_normal(4)), (0, 1)),
        (index_tricks, (r.standard_normal(3), r.standard_normal(4)), 1),
        (indexed_by_values, (np.array([0.3, -0.2, 0.5, 1.2]),), 0),
    ] + tuple_cases()


def shifted_store(x, c):
    y = x + c
    y[0] = 0.0
    return np.sum(y * x) + np.sum(x)


def _shifted(x):
    return x + 1.0


def store_after_call(x):
    y = _shifted(x)
    y[1] = 2.0 * y[0]
    return np.sum(y * x)


# -- NumPy routines with forward rules of their own (sort, interp, cumprod, pad, fftshift, polyval, median, joining) --
def sorted_weights(x, n):
    total = 0.0
    for k in range(n):
        s = np.sort(x * (k + 1.0))
        total = total + np.sum(s * np.arange(s.shape[0])) ** 2
    return total


def interp_branch(x, fp):
    xp = np.array([0.0, 0.5, 1.0, 2.0])
    if np.sum(x) > 0:
        y = np.interp(x, xp, fp) * x
    else:
        y = np.interp(-x, xp, fp) ** 2
    return np.sum(y ** 2)


def cumprod_loop(x):
    y = x
    for _ in range(3):
        y = np.cumprod(1.0 + 0.1 * y)
    return np.sum(y * x)


def padded_smooth(x):
    p = np.pad(x, 2, mode="reflect")
    q = np.pad(p, (1, 1), mode="constant", constant_values=0.5)
    return np.sum(np.sin(q) * np.arange(q.shape[0]))


def shifted_spectrum(x):
    s = np.fft.fftshift(x)
    return np.sum(s * np.cos(s) * np.arange(1.0, s.shape[0] + 1.0))


def polyval_newton(p, x0):
    x = x0
    for _ in range(4):
        x = x - np.polyval(p, x) / np.polyval(np.polyder(p), x)
    return x


def median_rows(A):
    total = 0.0
    for row in A:
        if np.median(row) > 0:
            total = total + np.median(row * row)
        else:
            total = total - np.median(np.abs(row)) ** 2
    return total


def _layer(x, W, act=np.tanh):
    return act(W @ x)


def _softly(h):
    return np.log1p(np.exp(h))


def functions_passed(x, W):
    """Functions as arguments of a function of yours: a default (np.tanh), a library
    function passed, one of yours passed (its tangent functions made for each)."""
    a = _layer(x, W)
    b = _layer(a, W, np.sin)
    return np.sum(_layer(b, W, _softly) * a)


def _concat_and_multiply(weights, *args):  # (autograd's examples/rnn.py writes this helper so)
    cat_state = np.hstack(args + (np.ones((args[0].shape[0], 1)),))
    return np.dot(cat_state, weights)


def star_args_rnn(W, xs):
    """A function of yours taking ``*args``, called with two and with one: a tangent function
    made for each count."""
    h = np.zeros((xs.shape[1], W.shape[1]))
    for t in range(xs.shape[0]):
        h = np.tanh(_concat_and_multiply(W, xs[t], h))
    return np.sum(_concat_and_multiply(W[1:], h) ** 2)


def _scaled(x, **options):
    return np.tanh(x * options["scale"]) + options.get("shift", 0.0)


def keyword_options(x, s):
    """A function of yours taking ``**kwargs``, with two sets of keys."""
    return np.sum(_scaled(x, scale=s) * _scaled(x, scale=2.0, shift=s))


def _posonly(x, /, k=2.0):
    return np.sin(x) * k


def positional_only(x, k):
    """A function of yours with positional-only parameters, a default left out once."""
    return np.sum(_posonly(x, k) * _posonly(x))


def nested_defs(x, w):
    """Nested defs (lifted, their free variables passed along), one reading a differentiated
    value of the enclosing function and calling the other, in a loop."""
    scale = w * 2.0

    def squash(z):
        return np.tanh(z * scale)

    def step(z, k):
        return squash(z) + 0.1 * k * z

    for k in range(3):
        x = step(x, k)
    return np.sum(x ** 2)


def inverted_in_place(x):
    """A store whose value's tangent reads the array it changes (the entries it replaces):
    the tangent must be stored before the value is (pmocz/nbody-python's ``inv_r``)."""
    r = x * x + 0.5
    r[r > 1.0] = 1.0 / r[r > 1.0]
    r[1:] = r[1:] * r[:-1]
    return np.sum(r * x)


def joined(x, a):
    y = np.append(x, a * x[0])
    z = np.linspace(a, x[1], 5)
    w = np.insert(y, 1, a ** 2)
    return np.sum(y ** 2) + np.sum(z * np.arange(5.0)) + np.sum(np.sin(w))


def split_parts(x):  # (not in ``cases``: reverse mode wants np.split's tuple unpacked, forward mode cannot unpack yet)
    parts = np.split(x, 2)
    grid = np.meshgrid(parts[0], parts[1] ** 2)
    return np.sum(grid[0] * grid[1]) + np.sum(parts[1] * np.exp(parts[0]))


# -- containers in the body ----------------------------------------------------------------


def appended_loop(x):
    states = []
    h = x
    for t in range(3):
        h = np.tanh(h * (t + 1.0)) + x
        states.append(h)
    return np.stack(states).reshape(-1)


def dict_mlp(W1, b1, W2, x):
    params = {"W1": W1, "b1": b1, "W2": W2}
    h = np.tanh(params["W1"] @ x + params["b1"])
    penalty = 0.0
    for name in params:
        penalty = penalty + np.sum(params[name] ** 2)
    return np.sum((params["W2"] @ h) ** 2) + 0.01 * penalty


def summed_list(x):
    ys = [x, np.sin(x), x ** 2]
    return sum(ys) + sum([x[0], x[1]], 1.0)


def list_item_store(x):
    ys = [np.zeros(3), x * 2.0]
    for i in range(3):
        ys[0][i] = x[i] * x[(i + 1) % 3]
    ys[1][1:] += ys[0][:2]
    return ys[0] * ys[1]


def tuple_result(x):
    return np.sin(x) * x[0], x * 2.0


def popped_extended(x):
    ys = [x, np.cos(x)]
    last = ys.pop()
    ys.extend([last * x, last])
    first = ys.pop(0)
    return first * ys[0] + ys[1]


def extremes_of_items(x):
    items = [x[0] * 2.0, x[1], np.sin(x[2])]
    return max(items) * min(x[0], x[2]) + max(x) + math.hypot(x[0], x[1]) + math.prod(items)


def layers_in_a_list(W1, W2, x):
    stack = [(W1, 0.1), (W2, -0.2)]
    for W, b in stack:
        x = np.tanh(W @ x + b)
    return x


# -- tuple-valued results (q, r = np.linalg.qr(a)), kept whole or unpacked -------------------------


def qr_energy(A):
    q, r = np.linalg.qr(A)
    return np.sum(q[:, 0]) * r[0, 0] + np.sum(r ** 2) + np.sum(q @ np.triu(r))


def svd_energy(A):
    u, s, vh = np.linalg.svd(A, full_matrices=False)
    return np.sum(s ** 2) + np.sum(u[:, 0]) * np.sum(vh[0]) + s[0] * s[-1]


def slogdet_energy(A):
    sign, logdet = np.linalg.slogdet(A)
    return sign * logdet + logdet ** 2


def eigh_energy(A):
    w, v = np.linalg.eigh(A + A.T)
    return np.sum(w ** 3) + np.sum(v[:, -1] ** 4)


def gp_nll(A, y):
    K = A @ A.T + np.eye(A.shape[0])
    c, low = cho_factor(K)
    alpha = cho_solve((c, low), y)
    factor = cho_factor(K, lower=True)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(c))) + np.sum(cho_solve(factor, y) ** 2)


def scipy_solves(A, b):
    """SciPy's solvers, whose forward rules hvp differentiates in its turn."""
    low = np.tril(A) + 3.0 * np.eye(3)
    x = solve_triangular(low, b, lower=True) + solve_triangular(low.T, b, trans=1)
    y = solve(A, x) + lu_solve(lu_factor(A), b, trans=1)
    X = solve_triangular(low, np.outer(b, x), lower=True)
    band = np.array([[0.0, A[0, 1], A[1, 2]], [4.0 + A[0, 0], 4.0 + A[1, 1], 4.0 + A[2, 2]], [A[1, 0], A[2, 1], 0.0]])
    return np.sum(x * y) + np.sum(X ** 2) + np.sum(solve_banded((1, 1), band, y) ** 2)


def _one(m):
    return (m * 2.0,)


def one_item_unpacks(x):
    """A target of one name in brackets unpacks a sequence of one item."""
    (a,) = tuple(v * 1.5 for v in [x])
    [b] = [a * x]
    (c,) = _one(b)
    for (d,) in [(a,), (c,)]:
        c = c + d * x
    return np.sum(a * b * c)


def tuple_cases():
    """``(function, args, wrt)`` of the functions unpacking a tuple-valued result."""
    r = _rng(7)
    square = r.standard_normal((3, 3)) + 2.0 * np.eye(3)
    return [
        (qr_energy, (square,), 0),
        (qr_energy, (r.standard_normal((4, 3)),), 0),
        (svd_energy, (r.standard_normal((4, 3)),), 0),
        (slogdet_energy, (square,), 0),
        (eigh_energy, (r.standard_normal((3, 3)),), 0),
        (gp_nll, (r.standard_normal((3, 3)), r.standard_normal(3)), (0, 1)),
        (scipy_solves, (square, r.standard_normal(3)), (0, 1)),
        (one_item_unpacks, (r.standard_normal(3),), 0),
        (soft_dtw, (np.abs(r.standard_normal((3, 3))), 0.7), 0),
    ]


def ode_cases():
    """``(function, args, wrt)`` of the functions solving an ODE (forward mode and reverse mode only)."""
    return [
        (ode_energy, (np.array([1.0, 0.5]), 0.7, 0.3), (0, 1, 2)),
        (ivp_energy, (np.array([1.0, -0.5]), 0.7), (0, 1)),
    ]


# -- a function of the user's that a library calls (forward sensitivity of an ODE) ----------------


def _decay(y, t, k, c):
    return -k * y + c * np.sin(t) * y[::-1]


def _decay_tfirst(t, y, k):
    return -k * y * np.cos(t)


def ode_energy(y0, k, c):
    ys = odeint(_decay, y0, np.linspace(0.0, 1.0, 5), args=(k, c), rtol=1e-11, atol=1e-11)
    return np.sum(ys ** 2)


def ivp_energy(y0, k):
    sol = solve_ivp(_decay_tfirst, (0.0, 1.0), y0, t_eval=np.linspace(0.0, 1.0, 4), args=(k,), rtol=1e-11, atol=1e-11)
    return np.sum(sol.y ** 2)
