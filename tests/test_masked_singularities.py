"""Finite gradients at masked singularities: a cotangent that is exactly zero contributes
exactly zero, even where a rule's local derivative is infinite (``sqrt`` at 0, ``1 / r``
at 0, ``log`` at 0, ``arcsin`` at 1, repeated eigenvalues of ``eigh``).

Checked against central finite differences at points where the function is
differentiable (no two particles coincide: only the diagonal of the pairwise
distances is 0). autograd, JAX and PyTorch return NaN for all of these.
"""

import warnings

import numpy as np
import pytest
import scipy.linalg

from adgen import grad
from tests.gradcheck import check_grad, numerical_grad

# -- an N-body potential energy: gravity, 1/r, the diagonal (r = 0) masked out ----------------


def nbody_mask_store(x, y, m):
    dx = x[:, None] - x[None, :]
    dy = y[:, None] - y[None, :]
    r = np.sqrt(dx**2 + dy**2)
    inv_r = np.zeros_like(r)
    inv_r[r > 0] = 1 / r[r > 0]
    return -0.5 * np.sum(m[:, None] * m[None, :] * inv_r)


def nbody_where(x, y, m):
    dx = x[:, None] - x[None, :]
    dy = y[:, None] - y[None, :]
    r = np.sqrt(dx**2 + dy**2)
    return -0.5 * np.sum(np.where(r > 0, m[:, None] * m[None, :] / r, 0))


def nbody_double_where(x, y, m):
    dx = x[:, None] - x[None, :]
    dy = y[:, None] - y[None, :]
    r = np.sqrt(dx**2 + dy**2)
    return -0.5 * np.sum(np.outer(m, m) * np.where(r > 0, 1 / np.where(r > 0, r, 1), 0))


def nbody_half_power(x, y, m):
    # r ** -1 spelt as a power of the squared distance; the mask an identity shift
    n = x.shape[0]
    r2 = (x[:, None] - x[None, :]) ** 2 + (y[:, None] - y[None, :]) ** 2
    inv_r = (r2 + np.eye(n)) ** -0.5 * (1.0 - np.eye(n))
    return -0.5 * m @ inv_r @ m


def nbody_eye_shift(x, y, m):
    n = len(x)
    r = np.sqrt((np.expand_dims(x, 1) - np.expand_dims(x, 0)) ** 2 + (np.expand_dims(y, 1) - np.expand_dims(y, 0)) ** 2)
    return -0.5 * np.sum(np.outer(m, m) * (1.0 - np.eye(n)) / (r + np.eye(n)))


def nbody_loops(x, y, m):
    # the pair sum as loops over rows, the row's own entry masked by np.where
    energy = 0.0
    for i in range(len(x)):
        r = np.sqrt((x - x[i]) ** 2 + (y - y[i]) ** 2)
        energy = energy - 0.5 * m[i] * np.sum(np.where(r > 0, m / np.where(r > 0, r, 1.0), 0.0))
    return energy


def nbody_3d_norm(pos, m):
    d = pos[:, None, :] - pos[None, :, :]
    r = np.linalg.norm(d, axis=-1)
    mask = ~np.eye(len(m), dtype=bool)
    return -0.5 * np.sum(np.outer(m, m)[mask] / r[mask])


def nbody_3d_sqrt_sum(pos, m):
    d = pos[:, None, :] - pos[None, :, :]
    r = np.sqrt(np.sum(d * d, axis=-1))
    pot = np.where(r > 0, np.outer(m, m) / r, 0.0)
    return -0.5 * pot.sum()


NBODY_2D = [nbody_mask_store, nbody_where, nbody_double_where, nbody_half_power, nbody_eye_shift, nbody_loops]


def _particles(n=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=n), rng.normal(size=n), rng.uniform(0.5, 2.0, n)


@pytest.mark.parametrize("f", NBODY_2D, ids=lambda f: f.__name__)
def test_nbody_energy_matches_finite_differences(f):
    x, y, m = _particles()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the primal's own 1 / 0 on the diagonal
        gx, gy, gm = grad(f, wrt=(0, 1, 2))(x, y, m)
        for i, g in enumerate((gx, gy, gm)):
            assert np.all(np.isfinite(g))
            check_grad(f, (x, y, m), i, g)


@pytest.mark.parametrize("f", [nbody_3d_norm, nbody_3d_sqrt_sum], ids=lambda f: f.__name__)
def test_nbody_3d_matches_finite_differences(f):
    rng = np.random.default_rng(1)
    pos, m = rng.normal(size=(4, 3)), rng.uniform(0.5, 2.0, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        gpos, gm = grad(f, wrt=(0, 1))(pos, m)
        check_grad(f, (pos, m), 0, gpos)
        check_grad(f, (pos, m), 1, gm)


@pytest.mark.parametrize("f", [nbody_mask_store, nbody_where], ids=lambda f: f.__name__)
def test_nbody_many_particles(f):
    # 60 particles: 3600 pairwise distances, past the size where the check changes method
    x, y, m = _particles(n=60, seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        gx, gy = grad(f, wrt=(0, 1))(x, y, m)
        check_grad(f, (x, y, m), 0, gx)
        check_grad(f, (x, y, m), 1, gy)


def test_nbody_gradient_by_hand():
    # two unit masses 2 apart on the x axis: E = -1 / (x1 - x0), so dE/dx1 = 1 / r^2 = 0.25
    # and dE/dx0 = -0.25; nothing changes along y to first order
    x, y, m = np.array([0.0, 2.0]), np.array([0.0, 0.0]), np.array([1.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        gx, gy = grad(nbody_where, wrt=(0, 1))(x, y, m)
    assert np.array_equal(gx, [-0.25, 0.25])
    assert np.array_equal(gy, [0.0, 0.0])


def test_no_warning_from_the_backward_pass():
    x, y, m = _particles()
    dE = grad(nbody_double_where, wrt=0)  # its primal divides by no zero
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dE(x, y, m)


# -- an SPH density: a kernel of the pairwise distances, r = 0 on the diagonal included --------


def sph_gaussian(x, y, m, h):
    r = np.sqrt((x[:, None] - x[None, :]) ** 2 + (y[:, None] - y[None, :]) ** 2)
    w = np.exp(-((r / h) ** 2)) / (np.pi * h**2)
    rho = w @ m
    return np.sum(m * rho**2)


def sph_cubic_spline(x, y, m, h):
    r = np.sqrt((x[:, None] - x[None, :]) ** 2 + (y[:, None] - y[None, :]) ** 2)
    q = r / h
    w = np.where(q < 1.0, 1.0 - 1.5 * q**2 + 0.75 * q**3, np.where(q < 2.0, 0.25 * (2.0 - q) ** 3, 0.0))
    rho = 10.0 / (7.0 * np.pi * h**2) * np.sum(m[None, :] * w, axis=1)
    return np.sum(rho**2) + np.sum(m / rho)


def sph_loop(x, y, m, h):
    n = len(x)
    rho = np.zeros(n)
    for i in range(n):
        for j in range(n):
            r = ((x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2) ** 0.5  # 0 when i == j
            rho[i] = rho[i] + m[j] * np.exp(-(r * r) / (h * h))
    return np.sum(rho * rho)


@pytest.mark.parametrize("f", [sph_gaussian, sph_cubic_spline, sph_loop], ids=lambda f: f.__name__)
def test_sph_kernel_sum_matches_finite_differences(f):
    x, y, m = _particles(n=4, seed=2)
    h = 1.3
    grads = grad(f, wrt=(0, 1, 2, 3))(x, y, m, h)
    for i, g in enumerate(grads):
        assert np.all(np.isfinite(g))
        check_grad(f, (x, y, m, h), i, g)


# -- each singular rule, masked: the gradient is that of the function with the entry left out ---
# ``keep`` (not differentiated) masks the entries where the rule is singular, so the function
# is differentiable there with a zero derivative; finite differences check every entry.


def masked_sqrt(x, keep):
    return np.sum(np.where(keep, np.sqrt(x), 0.0) * np.arange(1.0, 5.0))


def masked_half_power(x, keep):
    return np.sum(np.where(keep, x**0.5, 0.0) ** 3)


def masked_log(x, keep):
    return np.sum(np.where(keep, np.log(x), 0.0)) + np.sum(x**2)


def masked_reciprocal(x, keep):
    return np.sum(np.where(keep, 1 / x, 0.0) + np.where(keep, np.reciprocal(x), 0.0) * x[0])


def masked_by_weight(x, keep):
    weight = keep * 1.0  # a cotangent of exactly 0 from a product, not a np.where
    return np.sum(weight * np.sqrt(x * x)) + np.sum(weight * np.cbrt(x) ** 2)


def masked_store(x, keep):
    out = np.zeros_like(x)
    out[keep] = np.log(x)[keep] + np.sqrt(x)[keep]
    return np.sum(out**2)


def masked_arcsin(x, keep):
    return np.sum(np.where(keep, np.arcsin(x), 0.0) + np.where(keep, np.arccos(x), 0.0) * x)


def masked_power(x, keep):
    return np.sum(np.where(keep, np.power(x, 0.25) + x**-1.0 + np.float_power(x, -0.5), 0.0))


def masked_log_family(x, keep):
    return np.sum(np.where(keep, np.log2(x) + np.log10(x) + np.log1p(x - 1.0) + np.cbrt(x), 0.0))


def masked_arctan2(x, keep):
    return np.sum(np.where(keep, np.arctan2(x, 0.5 * x), 0.0) * x)


MASKED = [
    (masked_sqrt, 0.0), (masked_half_power, 0.0), (masked_log, 0.0), (masked_reciprocal, 0.0), (masked_by_weight, 0.0),
    (masked_store, 0.0), (masked_arcsin, 1.0), (masked_arcsin, -1.0), (masked_power, 0.0), (masked_log_family, 0.0),
    (masked_arctan2, 0.0),
]


@pytest.mark.parametrize("f, singular", MASKED, ids=lambda v: getattr(v, "__name__", str(v)))
def test_masked_rule_at_its_singularity(f, singular):
    x = np.array([0.3, singular, 0.7, singular])
    keep = np.array([True, False, True, False])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the primal's own log(0), 1 / 0, ...
        g = grad(f)(x, keep)
        assert np.all(np.isfinite(g)), g
        assert g[1] == 0.0 and g[3] == 0.0
        check_grad(f, (x, keep), 0, g)


def test_scalar_masked_sqrt():
    def f(x):
        r = np.sqrt(x * x)
        return np.where(r > 0, 1.0 / r, 0.0) + x
    assert grad(f)(0.0) == 1.0
    assert grad(f)(np.float64(0.0)) == 1.0


def test_unmasked_singularity_stays_infinite():
    # where the function has no derivative, the gradient says so
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = grad(lambda x: np.sum(np.sqrt(x)))(np.array([0.0, 4.0]))
    assert g[0] == np.inf and g[1] == 0.25


# -- eigh with repeated eigenvalues, the eigenvectors of the repeated ones unused --------------


def _repeated(seed=3):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(4, 4)))
    return q @ np.diag([1.0, 1.0, 2.0, 5.0]) @ q.T, np.array([0.3, -1.0, 0.5, 2.0])


def eigh_top_vector(a, b):
    w, v = np.linalg.eigh(0.5 * (a + a.T))
    return w[-1] + (v[:, -1] @ b) ** 2 + np.sum(w**2)


def scipy_eigh_top_vector(a, b):
    w, v = scipy.linalg.eigh(0.5 * (a + a.T))
    return w[-1] + (v[:, 2] @ b) ** 2


@pytest.mark.parametrize("f", [eigh_top_vector, scipy_eigh_top_vector], ids=lambda f: f.__name__)
def test_eigh_repeated_eigenvalues_unused_vectors(f):
    a, b = _repeated()
    assert np.isclose(*np.linalg.eigvalsh(a)[:2], rtol=0, atol=1e-12)
    g = grad(f)(a, b)
    assert np.all(np.isfinite(g))
    assert np.allclose(g, numerical_grad(f, (a, b), 0), rtol=1e-5, atol=1e-6)


def test_eigh_exactly_repeated_eigenvalues():
    # diag(1, 1, 3): the tie is exact; the third eigenvector is e2, so for
    # f = w2 + (v2 . b)^2 the gradient is e2 e2^T (1 + 2 b2^2) plus b2 (e2 b'^T + b' e2^T) over
    # the other two directions (first-order perturbation of v2): checked by finite differences
    a, b = np.diag([1.0, 1.0, 3.0]), np.array([0.5, -1.0, 2.0])

    def f(a, b):
        w, v = np.linalg.eigh(0.5 * (a + a.T))
        return w[2] + (v[:, 2] @ b) ** 2 + w[0] + w[1]

    g = grad(f)(a, b)
    assert np.allclose(g, numerical_grad(f, (a, b), 0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("eigh", [np.linalg.eigh, scipy.linalg.eigh], ids=["numpy", "scipy"])
def test_eigh_used_vector_of_repeated_eigenvalue_has_no_gradient(eigh):
    def f(a):
        w, v = eigh(a)
        return np.sum(v[:, 0] ** 3)

    with pytest.raises(Exception, match="AD411"):
        grad(f)(np.diag([1.0, 1.0, 3.0]))


# -- the guard costs no generality: a broadcast divisor's cotangent is still summed statically --


def _rows_over_norms(d, k):
    r = np.sqrt(np.sum(d * d, axis=1, keepdims=True))
    return np.sum(k * (r - 0.5) * d / r) + np.sum((d + 1.0) / r)


def _rows_over_scale(d, s):
    return np.sum(np.arctan2(d, s) + (d + 1.0) / s)


@pytest.mark.parametrize("f, args, wrt", [
    (_rows_over_norms, ([[3.0, 4.0, 1.0], [0.5, 0.0, 0.0], [1.0, -2.0, 2.0]], 2.0), 0),
    (_rows_over_scale, ([[3.0, 4.0, 1.0], [0.5, 0.0, -1.0]], [[2.0], [-0.5]]), 1),
], ids=["divide_by_row_norms", "divide_and_arctan2_by_column"])
def test_broadcast_divisor_cotangent_is_summed_statically(f, args, wrt):
    args = tuple(np.array(a) for a in args)
    g = grad(f, wrt=wrt)
    text = g.source_for(*args)
    assert "_rt.unbroadcast" not in text and "keepdims=True" in text
    check_grad(f, args, wrt, g(*args))


# -- known gaps: a masked entry whose value is itself not finite -----------------------------


def _sqrt_of_negative_masked(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


def _overflow_masked(x):
    return np.sum(np.where(x < 700.0, np.exp(x), 0.0))


@pytest.mark.xfail(strict=True, reason="the masked entry's value is NaN (sqrt of a negative) or inf (exp overflow), "
                                       "not a singular derivative at a finite value: 0 * NaN stays NaN")
@pytest.mark.parametrize("f, x", [(_sqrt_of_negative_masked, [-1.0, 4.0]), (_overflow_masked, [800.0, 1.0])],
                         ids=["sqrt_negative", "exp_overflow"])
def test_masked_non_finite_value(f, x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = grad(f)(np.array(x))
    assert np.all(np.isfinite(g))
