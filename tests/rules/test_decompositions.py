"""Finite-difference checks of runtime/rules/decompositions.py (eig, eigvals, qr, lstsq,
matrix_power, multi_dot, tensorinv, tensorsolve) and of svd's forms (compute_uv=False,
hermitian=True), with the refusals where the derivative does not exist."""

import numpy as np
import pytest

from gradcheck import check_complex_grad, check_vjp
from adgen.runtime.core import GradientError
from adgen.runtime.registry import lookup
from tests.rules.harness import Case, check_case

rng = np.random.default_rng(21)


def r(*shape):
    return rng.uniform(-1, 1, shape)


def real_spectrum(values):
    """S diag(values) S^-1 with a well-conditioned S: nonsymmetric, real distinct eigenvalues."""
    s = r(len(values), len(values)) + 2.0 * np.eye(len(values))
    return s @ np.diag(values) @ np.linalg.inv(s)


def well_conditioned(*shape):
    return r(*shape) + 3.0 * np.eye(shape[-1])


REAL3 = real_spectrum([1.0, 2.5, -1.5])
REAL4 = real_spectrum([0.5, -2.0, 1.5, 3.0])
REAL_STACK = np.stack([real_spectrum([1.0, -1.0, 2.0]), real_spectrum([0.3, 1.3, -2.2])])
ROTATION = np.array([[0.3, -1.2, 0.4], [1.1, 0.2, -0.3], [0.2, 0.5, 1.7]])  # a complex pair and a real eigenvalue
SQ = well_conditioned(3, 3)
TALL = r(5, 3)
WIDE = r(2, 4)
TENSOR = (np.eye(6) * 3 + r(6, 6)).reshape(2, 3, 6)


def svd_of_sym(a, hermitian):
    """svd of ``a`` made symmetric, its three results unpacked (as adgen needs them)."""
    u, s, vh = np.linalg.svd(sym(a), hermitian=hermitian)
    return u, s, vh


def sym(a):
    return (a + np.swapaxes(a, -1, -2)) / 2


CASES = [
    # eig and eigvals of nonsymmetric matrices with a real spectrum (complex ones below)
    Case(np.linalg.eig, (REAL3,), fn=lambda a: np.linalg.eig(a)),
    Case(np.linalg.eig, (REAL4,), fn=lambda a: np.linalg.eig(a), zero_outputs=(0,)),
    Case(np.linalg.eig, (REAL4,), fn=lambda a: np.linalg.eig(a), zero_outputs=(1,)),
    Case(np.linalg.eig, (REAL_STACK,), fn=lambda a: np.linalg.eig(a)),
    Case(np.linalg.eigvals, (REAL4,), fn=lambda a: np.linalg.eigvals(a)),
    Case(np.linalg.eigvals, (REAL_STACK,), fn=lambda a: np.linalg.eigvals(a)),
    # qr
    Case(np.linalg.qr, (SQ,)),
    Case(np.linalg.qr, (TALL,)),
    Case(np.linalg.qr, (WIDE,)),
    Case(np.linalg.qr, (r(2, 4, 3),)),
    Case(np.linalg.qr, (r(2, 3, 5),)),
    Case(np.linalg.qr, (TALL,), {"mode": "reduced"}, zero_outputs=(1,)),
    Case(np.linalg.qr, (SQ,), {"mode": "complete"}),
    Case(np.linalg.qr, (WIDE,), {"mode": "complete"}),
    Case(np.linalg.qr, (TALL,), {"mode": "complete"}, zero_outputs=(0,), id="qr[complete, tall, R only]"),
    # lstsq of full-rank problems: tall (residuals), square, wide (minimum norm)
    Case(np.linalg.lstsq, (TALL, r(5))),
    Case(np.linalg.lstsq, (TALL, r(5, 2))),
    Case(np.linalg.lstsq, (SQ, r(3)), {"rcond": None}),
    Case(np.linalg.lstsq, (WIDE, r(2))),
    Case(np.linalg.lstsq, (WIDE, r(2, 3)), {"rcond": 1e-10}),
    Case(np.linalg.lstsq, (TALL, r(5, 2)), zero_outputs=(0, 3), id="lstsq[residuals only]"),
    Case(np.linalg.lstsq, (TALL, r(5)), zero_outputs=(0, 1), wrt=(0,), id="lstsq[singular values only]"),
    # powers and products
    *[Case(np.linalg.matrix_power, (SQ, n), wrt=(0,)) for n in (0, 1, 2, 3, 5, -1, -2)],
    Case(np.linalg.matrix_power, (well_conditioned(2, 3, 3), 3), wrt=(0,)),
    Case(np.linalg.matrix_power, (well_conditioned(2, 3, 3), -2), wrt=(0,)),
    Case(np.linalg.multi_dot, ([r(2, 3), r(3, 4), r(4, 2)],), wrt=(0,)),
    Case(np.linalg.multi_dot, ([r(3), r(3, 4), r(4, 2), r(2)],), wrt=(0,)),
    Case(np.linalg.multi_dot, ([r(3), r(3, 4)],), wrt=(0,)),
    Case(np.linalg.multi_dot, ([r(2, 3), r(3)],), wrt=(0,)),
    # tensor inverses and solves
    Case(np.linalg.tensorinv, (TENSOR,)),
    Case(np.linalg.tensorinv, (np.moveaxis(TENSOR, 2, 0),), {"ind": 1}),
    Case(np.linalg.tensorsolve, (TENSOR, r(2, 3))),
    Case(np.linalg.tensorsolve, (np.moveaxis(TENSOR, 2, 0), r(2, 3)), {"axes": (0,)}),
    Case(np.linalg.tensorsolve, ((np.eye(4) * 3 + r(4, 4)).reshape(2, 2, 2, 2), r(2, 2))),
    # svd of a symmetric matrix
    Case(np.linalg.svd, (sym(r(3, 3)),), {"hermitian": True}, fn=lambda a, hermitian: svd_of_sym(a, hermitian),
         zero_outputs=(0, 2), id="svd[hermitian, s only]"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


# -- eig with complex eigenvalues and eigenvectors -----------------------------------------------------


def eig_phase_free_check(a, seed=0):
    """L = Re(sum(conj(c) * w)) + sum(d * |V|^2): a loss that does not depend on the eigenvectors' phases."""
    local = np.random.default_rng(seed)
    w, v = np.linalg.eig(a)
    c = local.standard_normal(w.shape) + 1j * local.standard_normal(w.shape)
    d = local.standard_normal(v.shape)

    def loss(x):
        w, v = np.linalg.eig(x)
        return float(np.sum(np.real(np.conj(c) * w)) + np.sum(d * np.abs(v) ** 2))

    cot = lookup(np.linalg.eig).fn((np.conj(c), 2 * d * np.conj(v)), (w, v), a)
    grad = np.conj(cot) if np.iscomplexobj(a) else np.real(cot)
    check_complex_grad(loss, [a], 0, grad)


def eigvals_check(a, seed=0):
    local = np.random.default_rng(seed)
    w = np.linalg.eigvals(a)
    c = local.standard_normal(w.shape) + 1j * local.standard_normal(w.shape)
    cot = lookup(np.linalg.eigvals).fn(np.conj(c), w, a)
    grad = np.conj(cot) if np.iscomplexobj(a) else np.real(cot)
    check_complex_grad(lambda x: float(np.sum(np.real(np.conj(c) * np.linalg.eigvals(x)))), [a], 0, grad)


COMPLEX_A = r(3, 3) + 1j * r(3, 3)


@pytest.mark.parametrize("a", [ROTATION, COMPLEX_A, REAL4], ids=["real-complex-pair", "complex", "real-spectrum"])
def test_eig_with_complex_values(a):
    eig_phase_free_check(a)
    eigvals_check(a)


def test_eig_at_a_repeated_eigenvalue():
    a = np.diag([2.0, 2.0, 1.0])
    w, v = np.linalg.eig(a)
    rule = lookup(np.linalg.eig).fn
    # the sum of the repeated eigenvalues has a derivative (here: the projector on their eigenspace)
    cot = rule((np.array([1.0, 1.0, 0.0]), 0.0), (w, v), a)
    assert np.allclose(cot, np.diag([1.0, 1.0, 0.0]))
    with pytest.raises(GradientError, match="AD411"):
        rule((np.array([1.0, 0.0, 0.0]), 0.0), (w, v), a)
    with pytest.raises(GradientError, match="AD411"):
        rule((0.0, np.ones((3, 3))), (w, v), a)
    assert np.allclose(lookup(np.linalg.eigvals).fn(np.ones(3), np.linalg.eigvals(a), a), np.eye(3))


# -- qr refusals and mode='r' ---------------------------------------------------------------------------


def test_qr_refuses_raw_mode():
    refuse = lookup(np.linalg.qr).refuse
    assert "mode='raw'" in refuse(mode="raw")
    assert refuse() is None and refuse(mode="r") is None and refuse(mode="complete") is None


def test_qr_complete_of_a_tall_matrix_needs_no_cotangent_on_the_extra_columns():
    q, rr = np.linalg.qr(TALL, mode="complete")
    rule = lookup(np.linalg.qr).fn
    with pytest.raises(GradientError, match="AD411"):
        rule((np.ones(q.shape), np.ones(rr.shape)), (q, rr), TALL, mode="complete")
    gq = np.zeros(q.shape)
    gq[:, :3] = r(5, 3)
    gr = r(*rr.shape)
    cot = rule((gq, gr), (q, rr), TALL, mode="complete")
    check_vjp(lambda a: np.linalg.qr(a, mode="complete"), (TALL,), 0, (gq, gr), cot)


@pytest.mark.parametrize("a", [SQ, TALL, WIDE, r(2, 4, 3)], ids=["square", "tall", "wide", "stack"])
def test_qr_r_mode(a):
    rule = lookup(np.linalg.qr).pick({"mode": "r"})
    assert rule is not lookup(np.linalg.qr) and not rule.outputs
    ans = np.linalg.qr(a, mode="r")
    g = r(*ans.shape)
    check_vjp(lambda x: np.linalg.qr(x, mode="r"), (a,), 0, g, rule.fn(g, ans, a, mode="r"))


# -- svd(compute_uv=False) ---------------------------------------------------------------------------------


@pytest.mark.parametrize("a", [TALL, WIDE, r(2, 3, 4)], ids=["tall", "wide", "stack"])
def test_svd_values_only(a):
    rule = lookup(np.linalg.svd).pick({"compute_uv": False})
    assert rule is not lookup(np.linalg.svd) and not rule.outputs
    assert lookup(np.linalg.svd).pick({"compute_uv": True}) is lookup(np.linalg.svd)
    assert lookup(np.linalg.svd).pick({}) is lookup(np.linalg.svd)
    ans = np.linalg.svd(a, compute_uv=False)
    g = r(*ans.shape)
    check_vjp(lambda x: np.linalg.svd(x, compute_uv=False), (a,), 0, g, rule.fn(g, ans, a, compute_uv=False))


def test_svd_values_only_at_repeated_singular_values():
    # the nuclear norm of an orthogonal matrix: every singular value is 1; its gradient is U V^T = the matrix
    q, _ = np.linalg.qr(r(3, 3))
    rule = lookup(np.linalg.svd).pick({"compute_uv": False})
    assert np.allclose(rule.fn(np.ones(3), np.ones(3), q, compute_uv=False), q)


# -- lstsq refusal ----------------------------------------------------------------------------------------


def test_lstsq_of_a_rank_deficient_matrix_is_refused():
    a = np.outer(r(4), r(3))
    ans = np.linalg.lstsq(a, r(4))
    with pytest.raises(GradientError, match="AD411"):
        lookup(np.linalg.lstsq).fn((np.ones(3), 0.0, 0.0, 0.0), ans, a, r(4))
    # the singular values alone still have one
    ga, gb = lookup(np.linalg.lstsq).fn((0.0, 0.0, 0.0, np.ones(ans[3].shape)), ans, a, r(4))
    assert np.all(np.isfinite(ga))


def test_svd_values_only_of_a_symmetric_matrix():
    a = sym(r(3, 3))
    rule = lookup(np.linalg.svd).pick({"compute_uv": False, "hermitian": True})
    ans = np.linalg.svd(a, compute_uv=False, hermitian=True)
    g = r(3)
    cot = rule.fn(g, ans, a, compute_uv=False, hermitian=True)
    assert np.allclose(cot, cot.T)
    check_vjp(lambda x: np.linalg.svd(sym(x), compute_uv=False, hermitian=True), (a,), 0, g, cot)
