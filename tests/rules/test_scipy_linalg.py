"""scipy.linalg's rules, checked against finite differences (and end to end by
test_through_transpiler, which spells them ``scipy.linalg.f(...)``; by the Gaussian-process
and triangular-solve functions below)."""

import numpy as np
import pytest
from scipy import linalg

from adgen import grad
from adgen.errors import TranspileError
from adgen.runtime.core import GradientError
from adgen.runtime.registry import lookup
from gradcheck import check_grad
from tests.rules.harness import Case, check_case, check_cotangent_shapes, cotangents

rng = np.random.default_rng(14)


def r(*shape):
    return rng.uniform(-2, 2, shape)


def well_conditioned(n):
    return rng.uniform(-1, 1, (n, n)) + 3.0 * np.eye(n)


def spd(n):
    b = rng.uniform(-1, 1, (n, n))
    return b @ b.T + n * np.eye(n)


def with_junk(a, lower):
    """``a`` with random values in the triangle SciPy does not read."""
    junk = rng.uniform(-5, 5, a.shape)
    return a + (np.triu(junk, 1) if lower else np.tril(junk, -1))


def triangular(n, lower):
    t = rng.uniform(-1, 1, (n, n)) + 3.0 * np.eye(n)
    return np.tril(t) if lower else np.triu(t)


def masked_cho_factor(a, lower=False):
    """cho_factor with its unused triangle zeroed: the values there are arbitrary, not a function of a."""
    c, low = linalg.cho_factor(a, lower=lower)  # for a stack, low is an array of flags
    return (np.tril(c) if lower else np.triu(c)), low


def signed_eigh(a, b=None, **kw):
    """eigh with each eigenvector's first entry positive: LAPACK's signs may flip between the
    points finite differences take (the derivative is that of either choice)."""
    w, v = linalg.eigh(a, b, **kw)
    return w, v * np.where(v[..., :1, :] < 0, -1.0, 1.0)


def sym3():
    x = rng.uniform(-2, 2, (3, 3))
    return x + x.T


S = spd(4)
STACK = rng.uniform(-1, 1, (2, 3, 3)) + 3.0 * np.eye(3)
SPD_STACK = np.stack([spd(3), spd(3)])
SQ = well_conditioned(4)
B4, B43 = r(4), r(4, 3)
TALL, WIDE = r(5, 3), r(3, 5)

LU = linalg.lu_factor(well_conditioned(4)[[2, 0, 3, 1]])
C_UP, C_LOW = linalg.cho_factor(S), linalg.cho_factor(S, lower=True)

# a banded matrix, l = 1 below and u = 2 above the diagonal, in band storage (the unused corners are junk)
AB = rng.uniform(-1, 1, (4, 5))
AB[2] += 4.0

CASES = [
    # solve_triangular: every trans spelling, both triangles, unit diagonal, vector and matrix b
    *(Case(linalg.solve_triangular, (with_junk(triangular(4, lower), lower), b), {"trans": t, "lower": lower},
           id=f"solve_triangular[{t!r},lower={lower},b{np.ndim(b)}]")
      for t in (0, 1, 2, "N", "T", "C") for lower in (True, False) for b in (B4, B43)),
    *(Case(linalg.solve_triangular, (with_junk(triangular(4, lower), lower), B43), {"lower": lower, "unit_diagonal": True, "trans": t},
           id=f"solve_triangular[unit,lower={lower},{t}]")
      for lower in (True, False) for t in (0, 1)),
    Case(linalg.solve_triangular, (triangular(4, False), B4), id="solve_triangular[defaults]"),
    # cholesky: upper by default; only the triangle read gets a cotangent
    Case(linalg.cholesky, (with_junk(S, False),), id="cholesky[upper]"),
    Case(linalg.cholesky, (with_junk(S, True),), {"lower": True}, id="cholesky[lower]"),
    Case(linalg.cholesky, (spd(1),), id="cholesky[1x1]"),
    Case(linalg.cho_factor, (with_junk(S, False),), fn=masked_cho_factor, id="cho_factor[upper]"),
    Case(linalg.cho_factor, (with_junk(S, True),), {"lower": True}, fn=masked_cho_factor, id="cho_factor[lower]"),
    # cho_solve: the factor's junk triangle is not read (nor differentiated)
    Case(linalg.cho_solve, (C_UP, B4), wrt=(0, 1), id="cho_solve[upper,b1]"),
    Case(linalg.cho_solve, (C_UP, B43), wrt=(0, 1), id="cho_solve[upper,b2]"),
    Case(linalg.cho_solve, (C_LOW, B4), wrt=(0, 1), id="cho_solve[lower,b1]"),
    Case(linalg.cho_solve, (C_LOW, B43), wrt=(0, 1), id="cho_solve[lower,b2]"),
    # LU
    Case(linalg.lu_factor, (well_conditioned(4)[[2, 0, 3, 1]],), id="lu_factor[pivoted]"),
    Case(linalg.lu_factor, (well_conditioned(3),), id="lu_factor"),
    Case(linalg.lu_factor, (np.vstack([well_conditioned(3), r(2, 3)])[[3, 0, 4, 1, 2]],), id="lu_factor[tall]"),
    Case(linalg.lu_factor, (np.hstack([well_conditioned(3), r(3, 2)])[[2, 0, 1]],), id="lu_factor[wide]"),
    Case(linalg.lu_factor, (r(2, 4, 2),), id="lu_factor[stack,tall]"),
    *(Case(linalg.lu_solve, (LU, b), {"trans": t}, wrt=(0, 1), id=f"lu_solve[{t!r},b{np.ndim(b)}]")
      for t in (0, 1, 2) for b in (B4, B43)),
    Case(linalg.lu_solve, (LU, B4), wrt=(0, 1), id="lu_solve[defaults]"),
    # solve: every assume_a spelling reads its own entries
    *(Case(linalg.solve, (SQ, b), {"assume_a": k}, id=f"solve[{k},b{np.ndim(b)}]")
      for k in ("gen", "general", "banded", "upper triangular", "lower triangular", "diagonal", "tridiagonal") for b in (B4, B43)),
    *(Case(linalg.solve, (with_junk(S, lower), b), {"assume_a": k, "lower": lower}, id=f"solve[{k},lower={lower},b{np.ndim(b)}]")
      for k in ("sym", "symmetric", "her", "hermitian", "pos", "positive definite") for lower in (True, False) for b in (B4, B43)),
    Case(linalg.solve, (SQ, B43), {"transposed": True}, id="solve[transposed]"),
    Case(linalg.solve, (with_junk(S, True), B4), {"transposed": True, "assume_a": "pos", "lower": True}, id="solve[pos,transposed]"),
    Case(linalg.solve, (SQ, B4), id="solve[defaults,b1]"),
    Case(linalg.solve, (SQ, B43), id="solve[defaults,b2]"),
    # inv, det
    Case(linalg.inv, (SQ,)),
    *(Case(linalg.inv, (with_junk(S, lower),), {"assume_a": k, "lower": lower}, id=f"inv[{k},lower={lower}]")
      for k in ("sym", "her", "pos") for lower in (True, False)),
    Case(linalg.inv, (triangular(4, False),), {"assume_a": "upper triangular"}, id="inv[upper triangular]"),
    Case(linalg.inv, (triangular(4, True),), {"assume_a": "lower triangular"}, id="inv[lower triangular]"),
    Case(linalg.det, (SQ,)),
    Case(linalg.det, (-SQ[:3, :3],), id="det[negative]"),
    Case(linalg.det, (np.array([[1.0, 2.0], [2.0, 4.0]]),), id="det[singular]"),
    Case(linalg.det, (np.zeros((3, 3)),), id="det[zero]"),
    Case(linalg.det, (r(2, 3, 3),), id="det[stack]"),
    # eigh: the lower triangle by default
    Case(linalg.eigh, (with_junk(S, True),), fn=signed_eigh, id="eigh[lower]"),
    Case(linalg.eigh, (with_junk(S, False),), {"lower": False}, fn=signed_eigh, id="eigh[upper]"),
    Case(linalg.eigh, (with_junk(S, True),), zero_outputs=(0,), fn=signed_eigh, id="eigh[vectors]"),
    Case(linalg.eigh, (with_junk(S, True),), zero_outputs=(1,), fn=signed_eigh, id="eigh[values]"),
    Case(linalg.eigh, (with_junk(S, True),), {"eigvals_only": True}, id="eigh[eigvals_only]"),
    Case(linalg.eigh, (with_junk(S, False),), {"eigvals_only": True, "lower": False}, id="eigh[eigvals_only,upper]"),
    Case(linalg.eigh, (with_junk(S, True),), {"subset_by_index": [1, 2]}, fn=signed_eigh, id="eigh[subset_by_index]"),
    Case(linalg.eigh, (with_junk(S, True),), {"subset_by_index": (0, 1), "eigvals_only": True}, id="eigh[subset_by_index,values]"),
    Case(linalg.eigh, (np.diag([1.0, 2.0, 3.0, 4.0]) + 0.1 * np.ones((4, 4)),), {"subset_by_value": (1.5, 3.5)}, fn=signed_eigh, id="eigh[subset_by_value]"),
    Case(linalg.eigh, (np.diag([1.0, 2.0, 3.0, 4.0]) + 0.1 * np.ones((4, 4)),), {"subset_by_value": (1.5, 3.5), "eigvals_only": True},
         id="eigh[subset_by_value,values]"),
    Case(linalg.eigvalsh, (with_junk(S, True),)),
    Case(linalg.eigvalsh, (with_junk(S, False),), {"lower": False}, id="eigvalsh[upper]"),
    Case(linalg.eigvalsh, (with_junk(sym3(), True), with_junk(spd(3), True)), id="eigvalsh[generalized]"),
    Case(linalg.eigvalsh, (SPD_STACK,), {"subset_by_index": (0, 1)}, id="eigvalsh[stack,subset]"),
    # the generalized problem a v = w b v, in a and b (the lower triangles of both)
    Case(linalg.eigh, (with_junk(sym3(), True), with_junk(spd(3), True)), fn=signed_eigh, id="eigh[generalized]"),
    Case(linalg.eigh, (with_junk(sym3(), False), with_junk(spd(3), False)), {"lower": False}, fn=signed_eigh, id="eigh[generalized,upper]"),
    Case(linalg.eigh, (with_junk(sym3(), True), with_junk(spd(3), True)), {"eigvals_only": True}, id="eigh[generalized,values]"),
    Case(linalg.eigh, (with_junk(sym3(), True), with_junk(spd(3), True)), {"subset_by_index": (1, 2)}, fn=signed_eigh,
         id="eigh[generalized,subset]"),
    Case(linalg.eigh, (with_junk(sym3(), True), with_junk(spd(3), True)), zero_outputs=(0,), fn=signed_eigh, id="eigh[generalized,vectors]"),
    Case(linalg.eigh, (np.stack([sym3(), sym3()]), SPD_STACK), fn=signed_eigh, id="eigh[generalized,stack]"),
    # svd, qr
    Case(linalg.svd, (SQ,)),
    Case(linalg.svd, (TALL,), {"full_matrices": False}, id="svd[tall,reduced]"),
    Case(linalg.svd, (WIDE,), {"full_matrices": False}, id="svd[wide,reduced]"),
    Case(linalg.svd, (TALL,), zero_outputs=(0,), id="svd[tall,full,no U]"),
    Case(linalg.svd, (TALL,), {"compute_uv": False}, id="svd[values]"),
    Case(linalg.svd, (WIDE,), {"compute_uv": False}, id="svd[wide,values]"),
    Case(linalg.qr, (SQ,)),
    Case(linalg.qr, (TALL,), {"mode": "economic"}, id="qr[tall,economic]"),
    Case(linalg.qr, (WIDE,), {"mode": "economic"}, id="qr[wide,economic]"),
    Case(linalg.qr, (WIDE,), id="qr[wide,full]"),
    Case(linalg.qr, (TALL,), {"mode": "r"}, id="qr[tall,r]"),
    Case(linalg.qr, (SQ,), {"mode": "r"}, id="qr[r]"),
    Case(linalg.qr, (WIDE,), {"mode": "r"}, id="qr[wide,r]"),
    # pivoting: a[:, P] = Q R, the order P locally constant
    Case(linalg.qr, (SQ,), {"pivoting": True}, id="qr[pivoting]"),
    Case(linalg.qr, (TALL,), {"pivoting": True, "mode": "economic"}, id="qr[tall,economic,pivoting]"),
    Case(linalg.qr, (WIDE,), {"pivoting": True}, id="qr[wide,pivoting]"),
    Case(linalg.qr, (TALL,), {"pivoting": True, "mode": "r"}, id="qr[tall,r,pivoting]"),
    # matrix functions
    Case(linalg.expm, (0.5 * r(3, 3),)),
    Case(linalg.expm, (0.5 * r(1, 1),), id="expm[1x1]"),
    Case(linalg.expm, (0.5 * r(2, 3, 3),), id="expm[stack]"),
    Case(linalg.sqrtm, (spd(3),)),
    Case(linalg.sqrtm, (well_conditioned(3),), id="sqrtm[non-symmetric]"),
    Case(linalg.block_diag, (r(2, 2), r(3), 1.5, r(2, 1))),
    Case(linalg.block_diag, (r(2, 3),), id="block_diag[one]"),
    Case(linalg.block_diag, (r(1, 2), r(3, 1)), id="block_diag[two]"),
    # stacks of matrices (SciPy's batch axes)
    Case(linalg.solve_triangular, (np.triu(STACK), r(2, 3, 2)), id="solve_triangular[stack]"),
    Case(linalg.cholesky, (SPD_STACK,), id="cholesky[stack]"),
    Case(linalg.cho_factor, (SPD_STACK,), fn=masked_cho_factor, id="cho_factor[stack]"),
    Case(linalg.cho_solve, (linalg.cho_factor(SPD_STACK), r(2, 3, 2)), wrt=(0, 1), id="cho_solve[stack]"),
    Case(linalg.solve, (STACK, r(2, 3, 2)), id="solve[stack]"),
    Case(linalg.solve, (SPD_STACK, r(2, 3, 2)), {"assume_a": "pos"}, id="solve[stack,pos]"),
    Case(linalg.inv, (STACK,), id="inv[stack]"),
    Case(linalg.eigh, (SPD_STACK,), fn=signed_eigh, id="eigh[stack]"),
    Case(linalg.eigh, (SPD_STACK,), {"eigvals_only": True}, id="eigh[stack,values]"),
    Case(linalg.eigh, (SPD_STACK,), {"subset_by_index": (1, 2)}, fn=signed_eigh, id="eigh[stack,subset]"),
    Case(linalg.svd, (STACK,), id="svd[stack]"),
    Case(linalg.qr, (STACK,), id="qr[stack]"),
    Case(linalg.qr, (r(2, 4, 3),), {"pivoting": True, "mode": "economic"}, id="qr[stack,pivoting]"),
    Case(linalg.sqrtm, (SPD_STACK,), id="sqrtm[stack]"),
    Case(linalg.lu_factor, (STACK[:, [2, 0, 1]],), id="lu_factor[stack]"),
    Case(linalg.solve_triangular, (np.tril(STACK), r(3)), {"lower": True, "trans": 1}, id="solve_triangular[stack,one b]"),
    Case(linalg.solve_triangular, (np.tril(STACK), r(3, 2)), {"lower": True}, id="solve_triangular[stack,one b2]"),
    Case(linalg.cho_solve, (linalg.cho_factor(SPD_STACK), r(3)), wrt=(0, 1), id="cho_solve[stack,one b]"),
    Case(linalg.cho_solve, (linalg.cho_factor(SPD_STACK, lower=True), r(3, 2)), wrt=(0, 1), id="cho_solve[stack,one b2]"),
    Case(linalg.solve, (STACK, r(3)), id="solve[stack,one b]"),
    Case(linalg.lu_solve, (linalg.lu_factor(STACK[:, [1, 2, 0]]), r(2, 3, 2)), wrt=(0, 1), id="lu_solve[stack]"),
    Case(linalg.lu_solve, (linalg.lu_factor(STACK), r(3)), {"trans": 1}, wrt=(0, 1), id="lu_solve[stack,one b]"),
    Case(linalg.lu_solve, (linalg.lu_factor(STACK), r(3, 2)), wrt=(0, 1), id="lu_solve[stack,one b2]"),
    # banded
    Case(linalg.solve_banded, ((1, 2), AB, r(5)), id="solve_banded[b1]"),
    Case(linalg.solve_banded, ((1, 2), AB, r(5, 2)), id="solve_banded[b2]"),
    Case(linalg.solve_banded, ((0, 0), rng.uniform(2, 3, (1, 4)), r(4)), id="solve_banded[diagonal]"),
    Case(linalg.solve_banded, ((2, 0), np.vstack([rng.uniform(3, 4, 4), r(2, 4)]), r(4, 2)), id="solve_banded[lower]"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


def _plain(case):
    """A case with array arguments and one array result (the harness's shape check takes those)."""
    ans = case.primal(*case.args, **case.kwargs)
    return case.fn is None and not isinstance(ans, (tuple, list)) and not any(isinstance(a, (tuple, list)) for a in case.args)


@pytest.mark.parametrize("case", [c for c in CASES if _plain(c)], ids=lambda c: c.id)
def test_cotangent_shapes(case):
    check_cotangent_shapes(case)


def test_tuple_cotangents_reach_the_factor():
    """cho_solve's and lu_solve's first argument is a tuple: its cotangent is a list, with 0.0 for
    the flag and the pivots; cho_factor's cotangent on the unused triangle of c is ignored."""
    x = linalg.cho_solve(C_LOW, B4)
    gc, gb = cotangents(lookup(linalg.cho_solve), np.ones(4), x, (C_LOW, B4), {})
    assert isinstance(gc, list) and len(gc) == 2 and gc[1] == 0.0
    assert np.array_equal(gc[0], np.tril(gc[0]))  # nothing on the junk triangle
    c = linalg.cho_factor(S)
    junk = np.tril(np.ones((4, 4)), -1)
    (with_junk_cot,) = cotangents(lookup(linalg.cho_factor), (np.triu(B43 @ B43.T) + junk, 0.0), c, (S,), {})
    (without,) = cotangents(lookup(linalg.cho_factor), [np.triu(B43 @ B43.T), 0.0], c, (S,), {})
    assert np.allclose(with_junk_cot, without) and np.array_equal(without, np.triu(without))


# -- end to end: Gaussian-process negative log marginal likelihoods -------------------------------


def kernel(log_ell, log_sf, log_noise, X):
    d = X[:, None, :] - X[None, :, :]
    K = np.exp(2.0 * log_sf) * np.exp(-0.5 * np.sum(d * d, axis=-1) / np.exp(2.0 * log_ell))
    return K + np.exp(2.0 * log_noise) * np.eye(X.shape[0])


def gp_nlml_cho(log_ell, log_sf, log_noise, X, y):
    K = kernel(log_ell, log_sf, log_noise, X)
    cf = linalg.cho_factor(K)
    alpha = linalg.cho_solve(cf, y)
    logdet = 2.0 * np.sum(np.log(np.diag(cf[0])))
    return 0.5 * y @ alpha + 0.5 * logdet + 0.5 * len(y) * np.log(2.0 * np.pi)


def gp_nlml_cho_lower(log_ell, log_sf, log_noise, X, y):
    K = kernel(log_ell, log_sf, log_noise, X)
    c, lower = linalg.cho_factor(K, lower=True)
    alpha = linalg.cho_solve((c, lower), y)
    return 0.5 * np.dot(y, alpha) + np.sum(np.log(np.diag(c)))


def gp_nlml_slogdet(log_ell, log_sf, log_noise, X, y):
    K = kernel(log_ell, log_sf, log_noise, X)
    sign, logdet = np.linalg.slogdet(K)
    alpha = linalg.cho_solve(linalg.cho_factor(K, lower=True), y)
    return 0.5 * y @ alpha + 0.5 * logdet


def gp_nlml_triangular(log_ell, log_sf, log_noise, X, y):
    K = kernel(log_ell, log_sf, log_noise, X)
    L = linalg.cholesky(K, lower=True)
    v = linalg.solve_triangular(L, y, lower=True)
    alpha = linalg.solve_triangular(L, v, lower=True, trans="T")
    return 0.5 * v @ v + np.sum(np.log(np.diag(L))) + 0.0 * np.sum(alpha)


def gp_nlml_upper_triangular(log_ell, log_sf, log_noise, X, y):
    U = linalg.cholesky(kernel(log_ell, log_sf, log_noise, X))
    v = linalg.solve_triangular(U, y, trans=1)  # U^T v = y
    return 0.5 * np.sum(v ** 2) + np.sum(np.log(np.diag(U)))


def gp_nlml_numpy_factor(log_ell, log_sf, log_noise, X, y):
    L = np.linalg.cholesky(kernel(log_ell, log_sf, log_noise, X))  # NumPy's factor, SciPy's solve
    alpha = linalg.cho_solve((L, True), y)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L)))


def gp_nlml_lu(log_ell, log_sf, log_noise, X, y):
    K = kernel(log_ell, log_sf, log_noise, X)
    lu, piv = linalg.lu_factor(K)
    alpha = linalg.lu_solve((lu, piv), y)
    return 0.5 * y @ alpha + 0.5 * np.sum(np.log(np.abs(np.diag(lu))))


def gp_nlml_solve(log_ell, log_sf, log_noise, X, y):
    K = kernel(log_ell, log_sf, log_noise, X)
    alpha = linalg.solve(K, y, assume_a="pos")
    return 0.5 * y @ alpha + 0.5 * np.log(linalg.det(K))


def gp_nlml_inv(log_ell, log_sf, log_noise, X, y):
    K = kernel(log_ell, log_sf, log_noise, X)
    return 0.5 * y @ linalg.inv(K) @ y + 0.5 * np.sum(np.log(linalg.eigh(K, eigvals_only=True)))


GP = [gp_nlml_cho, gp_nlml_cho_lower, gp_nlml_slogdet, gp_nlml_triangular, gp_nlml_upper_triangular, gp_nlml_numpy_factor, gp_nlml_lu, gp_nlml_solve, gp_nlml_inv]


@pytest.mark.parametrize("f", GP, ids=lambda f: f.__name__)
def test_gaussian_process_nlml_end_to_end(f):
    """The gradient in the kernel's hyperparameters and in the data, against finite differences."""
    data = np.random.default_rng(3)
    X, y = data.normal(size=(6, 2)), data.normal(size=6)
    args = (0.2, -0.1, -1.0, X, y)
    grads = grad(f, wrt=(0, 1, 2, 3, 4))(*args)
    for i, g in enumerate(grads):
        check_grad(f, args, i, g, rtol=1e-5, atol=1e-6)


def test_gaussian_process_spellings_agree():
    """The same likelihood through cho_factor, slogdet, solve(assume_a='pos') with det, inv with eigh."""
    data = np.random.default_rng(4)
    X, y = data.normal(size=(5, 3)), data.normal(size=5)
    args = (0.1, 0.3, -0.7, X, y)
    same = [gp_nlml_cho, gp_nlml_slogdet, gp_nlml_solve, gp_nlml_inv]  # 1/2 y^T K^-1 y + 1/2 log det K (+ const)
    grads = [grad(f, wrt=(0, 1, 2, 3, 4))(*args) for f in same]
    for other in grads[1:]:
        for a, b in zip(grads[0], other):
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


def test_matrix_functions_end_to_end():
    def f(a, b):
        m = linalg.expm(0.3 * a) @ linalg.sqrtm(b @ b.T + 3.0 * np.eye(3))
        q, r_ = linalg.qr(m)
        r2, order = linalg.qr(a, mode="r", pivoting=True)
        big = linalg.block_diag(m, a[:2, :2], 2.0)
        return np.sum(r_ ** 2) + np.sum(np.abs(np.diag(r_))) + np.sum(np.abs(np.diag(r2))) + np.sum(big * big) + np.sum(linalg.svd(m, compute_uv=False))

    a, b = r(3, 3), r(3, 3)
    ga, gb = grad(f, wrt=(0, 1))(a, b)
    check_grad(f, (a, b), 0, ga)
    check_grad(f, (a, b), 1, gb)


def test_solve_banded_end_to_end():
    def f(diag, off, b):
        ab = np.stack([np.concatenate([[0.0], off]), diag, np.concatenate([off, [0.0]])])
        return np.sum(linalg.solve_banded((1, 1), ab, b) ** 2)

    diag, off, b = rng.uniform(3, 4, 5), r(4), r(5)
    gs = grad(f, wrt=(0, 1, 2))(diag, off, b)
    for i, g in enumerate(gs):
        check_grad(f, (diag, off, b), i, g)


# -- degenerate points -------------------------------------------------------------------------------


def test_eigvals_only_at_repeated_eigenvalues_is_the_true_derivative():
    """sum(w), sum(w**2) are smooth at a repeated eigenvalue: the gradient there is the true one
    (I and 2A on the lower triangle, folded), never NaN; the largest eigenvalue alone has none,
    and gets the tie split (the mean of the cotangents over the repeated ones)."""
    def total(a):
        return np.sum(linalg.eigh(a, eigvals_only=True))

    def squares(a):
        return np.sum(linalg.eigh(a, eigvals_only=True) ** 2)

    def largest(a):
        return linalg.eigh(a, eigvals_only=True)[-1]

    for a in (np.eye(3), 2.0 * np.eye(4), np.diag([1.0, 1.0, 3.0])):
        assert np.allclose(grad(total)(a), np.eye(len(a)))
        g = grad(squares)(a)
        assert np.allclose(g, 2.0 * np.diag(np.diag(a)))
        check_grad(squares, (a,), 0, g)
    q = linalg.qr(r(3, 3))[0]
    a = q @ np.diag([2.0, 2.0, -1.0]) @ q.T  # repeated to rounding, not exactly
    g = grad(squares)(a)
    assert np.all(np.isfinite(g))
    check_grad(squares, (a,), 0, g)
    np.testing.assert_allclose(grad(largest)(np.eye(3)), np.eye(3) / 3.0)


def test_eigenvectors_at_repeated_eigenvalues_are_ad411():
    def f(a):
        w, v = linalg.eigh(a)
        return np.sum(v[:, 0] ** 3)

    with pytest.raises(GradientError, match="AD411"):
        grad(f)(np.eye(3))

    def values_only(a):
        w, v = linalg.eigh(a)
        return np.sum(w)

    assert np.allclose(grad(values_only)(np.eye(3)), np.eye(3))


def test_det_of_a_singular_matrix_has_its_derivative():
    def f(a):
        return linalg.det(a)

    for a in (np.array([[1.0, 2.0], [2.0, 4.0]]), np.zeros((3, 3)), np.diag([1.0, 0.0, 2.0])):
        g = grad(f)(a)
        assert np.all(np.isfinite(g))
        check_grad(f, (a,), 0, g)
    np.testing.assert_allclose(grad(f)(np.diag([1.0, 0.0, 2.0])), np.diag([0.0, 2.0, 0.0]), atol=1e-12)


# -- refusals ----------------------------------------------------------------------------------------


def refused_overwrite(a, b):
    return np.sum(linalg.solve(a, b, overwrite_a=True))


def refused_raw(a):
    return np.sum(linalg.qr(a, mode="raw")[0][0])


def refused_type(a):
    return np.sum(linalg.eigh(a, np.eye(3), type=2))


def refused_eigvalsh_type(a):
    return np.sum(linalg.eigvalsh(a, np.eye(3), type=3))


def refused_inv_diagonal(a):
    return np.sum(linalg.inv(a, assume_a="diagonal"))


def refused_disp(a):
    return np.sum(linalg.sqrtm(a, disp=False)[0])


def refused_trans(a, b):
    return np.sum(linalg.solve_triangular(a, b, trans=3))


def refused_cho_overwrite(a):
    return np.sum(linalg.cho_factor(a, overwrite_a=True)[0])


REFUSED = [refused_overwrite, refused_raw, refused_type, refused_eigvalsh_type, refused_inv_diagonal, refused_disp,
           refused_trans, refused_cho_overwrite]


@pytest.mark.parametrize("f", REFUSED, ids=lambda f: f.__name__)
def test_refused_keywords_are_ad210(f):
    nargs = f.__code__.co_argcount
    args = (spd(3), r(3))[:nargs]
    with pytest.raises(TranspileError) as err:
        grad(f, wrt=tuple(range(nargs)))(*args)
    assert "AD210" in [d.code for d in err.value.diagnostics]


def test_generalized_eigh_end_to_end():
    def f(a, b):
        w, v = linalg.eigh(a, b)
        return np.sum(w * np.arange(3.0)) + np.sum(v[:, 1] ** 3)

    def values(a, b):
        return np.sum(np.sin(linalg.eigh(a, b, eigvals_only=True)))

    a, b = with_junk(sym3(), True), with_junk(spd(3), True)
    for fn in (f, values):
        ga, gb = grad(fn, wrt=(0, 1))(a, b)
        check_grad(fn, (a, b), 0, ga)
        check_grad(fn, (a, b), 1, gb)
    assert np.array_equal(ga, np.tril(ga)) and np.array_equal(gb, np.tril(gb))


def test_log_determinant_spellings():
    """log det K read from cho_factor's factor, from cholesky, from lu_factor and from
    np.linalg.slogdet: each is differentiated as the function it is. SciPy's factorizations read
    one triangle of K (the upper one by default), so their gradient in K is the folded one;
    slogdet reads all of K, so its gradient is K^-T, and both agree on symmetric perturbations."""
    def by_cho_factor(K):
        return 2 * np.sum(np.log(np.diag(linalg.cho_factor(K)[0])))

    def by_cholesky(K):
        return 2.0 * np.sum(np.log(np.diag(linalg.cholesky(K, lower=True))))

    def by_lu(K):
        lu, piv = linalg.lu_factor(K)
        return np.sum(np.log(np.abs(np.diag(lu))))

    def by_slogdet(K):
        sign, logdet = np.linalg.slogdet(K)
        return logdet

    K = spd(4)
    full = grad(by_slogdet)(K)
    np.testing.assert_allclose(full, np.linalg.inv(K).T)
    upper = grad(by_cho_factor)(K)
    np.testing.assert_allclose(upper, np.triu(full + full.T) - np.diag(np.diag(full)))
    np.testing.assert_allclose(grad(by_cholesky)(K), np.tril(full + full.T) - np.diag(np.diag(full)))
    np.testing.assert_allclose(grad(by_lu)(K), full)
    for f in (by_cho_factor, by_cholesky, by_lu, by_slogdet):
        check_grad(f, (K,), 0, grad(f)(K))


def test_what_the_rules_do_not_take_is_ad411_when_the_gradient_runs():
    """A keyword the transpiler cannot see (a name, not a literal) is checked when the rule runs;
    so is a real matrix whose square root is complex."""
    def inverse(a, how):
        return np.sum(linalg.inv(a, assume_a=how))

    with pytest.raises(GradientError, match="AD411"):
        grad(inverse, wrt=0)(SQ, "diagonal")
    np.testing.assert_allclose(grad(inverse, wrt=0)(S, "pos"), grad(inverse, wrt=0)(S, "sym"))

    def root(a):
        return np.sum(np.real(linalg.sqrtm(a)))

    with pytest.raises(GradientError, match="AD411"):
        grad(root)(np.diag([-1.0, 2.0, 3.0]) + 0.1)
