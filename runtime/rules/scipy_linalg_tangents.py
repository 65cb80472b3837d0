"""Forward-mode rules of ``scipy.linalg``, registered with its reverse rules (the end of
``scipy_linalg`` imports this module: only once the user's code has imported SciPy).
They follow the reverse rules' conventions (``scipy_linalg``'s docstring): a symmetric
input's tangent is that of the matrix its triangle stands for; a factor's tangent is
zero on the triangle the factor does not use; the flag of ``cho_factor`` and the pivots
of ``lu_factor`` carry a zero tangent. A tuple result gets the tuple of tangents
(``tangent_registry``).
"""

import numpy as np
from scipy import linalg

import adgen.runtime as _rt
from adgen.runtime import errors
from adgen.runtime.rules import tangents_linalg
from adgen.runtime.rules.scipy_linalg import _all_eigenpairs, _effective, _lu_parts, _op, _row_order, _rows, _structure, _symmetric, _ties
from adgen.runtime.tangent_registry import joint, jvp, linear

# linear in the right-hand side
linear(linalg.solve, linalg.solve_triangular, args=(1,))
linear(linalg.cho_solve, linalg.lu_solve, args=(1,))
linear(linalg.solve_banded, args=(2,))
joint(linalg.block_diag, args=(0,))  # linear in its blocks together: block_diag of their tangents


def _T(x):
    """The transpose of the last two axes."""
    return np.swapaxes(x, -1, -2)


def _column(b, x):
    """``x``, a solution for ``b``, as columns: one column for a 1-D ``b``."""
    return np.asarray(x)[..., None] if np.ndim(b) == 1 else np.asarray(x)


def _as_b(found, b):
    """A solution found for ``b`` taken as columns (``_column``), given back 1-D for a
    1-D ``b``. (No function passed in: hvp differentiates these rules' source, ``calls.FOLLOWED``.)"""
    return found[..., 0] if np.ndim(b) == 1 else found


@jvp(linalg.solve_triangular, arg=0)
def scipy_solve_triangular_tangent(t, ans, a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, check_finite=True):
    """op(A) x = b: dx = -op(A)^-1 op(dA) x, dA on the triangle read."""
    k = 1 if unit_diagonal else 0
    da = np.tril(t, -k) if lower else np.triu(t, k)
    x = _column(b, ans)
    rhs = -((_T(da) if _op(trans) else da) @ x)
    return _as_b(linalg.solve_triangular(a, rhs, trans=trans, lower=lower, unit_diagonal=unit_diagonal), b)


def _chol_tangent(dsym, low):
    """dL = L Phi(L^-1 dA L^-T), Phi: the lower triangle with half the diagonal."""
    inner = linalg.solve_triangular(low, _T(linalg.solve_triangular(low, dsym, lower=True)), lower=True)
    return low @ (np.tril(inner, -1) + 0.5 * inner * np.eye(np.shape(low)[-1]))


def _factor_tangent(t, factor, lower):
    """The tangent of ``cholesky``'s (or ``cho_factor``'s) factor, L or U = L^T, for the
    symmetric matrix the triangle read stands for (this module's own helpers: hvp follows
    the Cholesky rules, ``calls.FOLLOWED``)."""
    if lower:
        return _chol_tangent(np.tril(t) + _T(np.tril(t, -1)), np.tril(factor))
    return _T(_chol_tangent(np.triu(t) + _T(np.triu(t, 1)), _T(np.triu(factor))))


@jvp(linalg.cholesky)
def scipy_cholesky_tangent(t, ans, a, lower=False, overwrite_a=False, check_finite=True):
    return _factor_tangent(t, ans, lower)


@jvp(linalg.cho_factor)
def cho_factor_tangent(t, ans, a, lower=False, overwrite_a=False, check_finite=True):
    # (c, lower): the flag carries none
    return _factor_tangent(t, ans[0], lower), 0.0


@jvp(linalg.cho_solve, arg=0)
def cho_solve_tangent(t, ans, c_and_lower, b, overwrite_b=False, check_finite=True):
    """x = A^-1 b, A = L L^T (U^T U): dx = -A^-1 dA x, dA = dL L^T + L dL^T, dL on the factor's triangle."""
    c = c_and_lower[0]
    lower = bool(np.ravel(c_and_lower[1])[0])  # cho_factor of a stack gives one flag per matrix
    dc = t[0]
    low = np.tril(c) if lower else _T(np.triu(c))
    dl = np.tril(dc) if lower else _T(np.triu(dc))
    da = dl @ _T(low) + low @ _T(dl)
    if np.ndim(b) == 1:  # one right-hand side (with a stack of factors too)
        return -np.squeeze(linalg.cho_solve((c, lower), da @ np.expand_dims(ans, -1)), -1)
    return -linalg.cho_solve((c, lower), da @ ans)


def _lu_square_tangent(dp, low, up):
    """A = L U square: F = L^-1 dA U^-1, dL = L tril(F, -1), dU = triu(F) U."""
    f = _T(linalg.solve_triangular(up, _T(linalg.solve_triangular(low, dp, lower=True, unit_diagonal=True)), trans=1))
    return low @ np.tril(f, -1), np.triu(f) @ up


@jvp(linalg.lu_factor)
def lu_factor_tangent(t, ans, a, overwrite_a=False, check_finite=True):
    """a[perm] = L U, L (m, k) unit lower, U (k, n): the square part's factors, then a tall a's
    extra rows dL2 = (dA2 - L2 dU) U^-1, a wide a's extra columns dU2 = L^-1 (dA2 - dL U2);
    packed as ``lu`` is. The pivots carry none."""
    lu, piv = ans
    lu = np.asarray(lu)
    m, n = lu.shape[-2:]
    k = min(m, n)
    low = np.tril(lu[..., :, :k], -1) + np.eye(m, k)
    up = np.triu(lu[..., :k, :])
    perm = _row_order(piv, m)
    dp = np.take_along_axis(np.asarray(t, dtype=float), _rows(perm, lu.shape), axis=-2)
    dl, du = _lu_square_tangent(dp[..., :k, :k], low[..., :k, :], up[..., :, :k])
    found = np.tril(dl, -1) + du
    if m > n:
        extra = _T(linalg.solve_triangular(up, _T(dp[..., n:, :] - low[..., n:, :] @ du), trans=1))
        found = np.concatenate([found, extra], axis=-2)
    elif m < n:
        extra = linalg.solve_triangular(low, dp[..., :, m:] - dl @ up[..., :, m:], lower=True, unit_diagonal=True)
        found = np.concatenate([found, extra], axis=-1)
    return found, np.zeros(np.shape(piv))


@jvp(linalg.lu_solve, arg=0)
def lu_solve_tangent(t, ans, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """x = A^-1 b (A^-T b), A[perm] = L U: dx = -op(A)^-1 op(dA) x, dA[perm] = dL U + L dU."""
    lu, piv = lu_and_piv
    low, up, perm = _lu_parts(lu, piv)
    dlu = np.asarray(t[0])
    dp = np.tril(dlu, -1) @ up + low @ np.triu(dlu)
    da = np.empty_like(dp)
    np.put_along_axis(da, _rows(perm, dp.shape), dp, axis=-2)
    x = _column(b, ans)
    rhs = -((_T(da) if _op(trans) else da) @ x)
    return _as_b(linalg.lu_solve((lu, piv), rhs, trans=trans), b)


@jvp(linalg.solve, arg=0)
def scipy_solve_tangent(t, ans, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True, assume_a=None, transposed=False):
    """x = M^-1 b (M^-T b): dx = -M^-1 dM x, M the matrix the solver reads of a (linear in a)."""
    kind = _structure(assume_a, lower)
    m, dm = _effective(a, kind), _effective(t, kind)
    x = _column(b, ans)
    op, dop = (_T(m), _T(dm)) if transposed else (m, dm)
    return _as_b(np.linalg.solve(op, -(dop @ x)), b)


@jvp(linalg.inv)
def scipy_inv_tangent(t, ans, a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
    if assume_a == "diagonal":
        raise errors.AD411_RULE_REFUSES.error(reason="assume_a='diagonal' has no derivative rule")
    return -ans @ _effective(t, _structure(assume_a, lower)) @ ans


@jvp(linalg.det)
def scipy_det_tangent(t, ans, a, overwrite_a=False, check_finite=True):
    return np.sum(_rt.cofactors(a, ans) * t, axis=(-2, -1))


def _eigh_parts(da, db, w, v, ties):
    """A V = B V diag(w), V^T B V = I: with dA, dB (symmetric), P = V^T dA V, Q = V^T dB V:
    dw_i = P_ii - w_i Q_ii (the mean over exactly tied eigenvalues, as the reverse rule's
    tie split), dV = V C, C_ij = (P - Q diag(w))_ij / (w_j - w_i) off the diagonal, C_ii = -Q_ii / 2."""
    p = 0.0 if da is None else _T(v) @ da @ v
    q = 0.0 if db is None else _T(v) @ db @ v
    inner = p - q * np.expand_dims(w, -2)
    dw = np.diagonal(inner, axis1=-2, axis2=-1)
    dw = np.sum(ties * np.expand_dims(dw, -2), axis=-1) / np.sum(ties, axis=-1)
    if np.any(ties & ~np.eye(w.shape[-1], dtype=bool) & (inner != 0)):
        return dw, None  # the eigenvectors of the tied ones are not determined
    c = _rt.times(inner, tangents_linalg._off_diagonal_inverse_gaps(w)) - 0.5 * np.eye(w.shape[-1]) * q
    return dw, v @ c


def _scipy_eigh_tangent(da, db, ans, a, b, lower, subset_by_index, subset_by_value, name):
    """The tangent of ``eigh``'s (w, v), or w alone, for the tangents of the matrices."""
    m = _symmetric(a, lower)
    mb = None if b is None else _symmetric(b, lower)
    vectors = isinstance(ans, (tuple, list))
    w, v, pick = _all_eigenpairs(m, mb, ans[0] if vectors else ans, ans[1] if vectors else None, subset_by_index, subset_by_value)
    dw, dv = _eigh_parts(da, db, w, v, _ties(w))
    if not vectors:
        return dw[..., pick]
    if dv is None:
        raise errors.AD411_TIED_EIGENVECTORS.error(name=name)
    return dw[..., pick], dv[..., pick]


@jvp(linalg.eigh, arg=0)
def scipy_eigh_tangent_a(t, ans, a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False, type=1, check_finite=True,
                         subset_by_index=None, subset_by_value=None, driver=None):
    return _scipy_eigh_tangent(_symmetric(t, lower), None, ans, a, b, lower, subset_by_index, subset_by_value, "scipy.linalg.eigh")


@jvp(linalg.eigh, arg=1)
def scipy_eigh_tangent_b(t, ans, a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False, type=1, check_finite=True,
                         subset_by_index=None, subset_by_value=None, driver=None):
    return _scipy_eigh_tangent(None, _symmetric(t, lower), ans, a, b, lower, subset_by_index, subset_by_value, "scipy.linalg.eigh")


@jvp(linalg.eigvalsh, arg=0)
def scipy_eigvalsh_tangent_a(t, ans, a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1, check_finite=True,
                             subset_by_index=None, subset_by_value=None, driver=None):
    return _scipy_eigh_tangent(_symmetric(t, lower), None, ans, a, b, lower, subset_by_index, subset_by_value, "scipy.linalg.eigvalsh")


@jvp(linalg.eigvalsh, arg=1)
def scipy_eigvalsh_tangent_b(t, ans, a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1, check_finite=True,
                             subset_by_index=None, subset_by_value=None, driver=None):
    return _scipy_eigh_tangent(None, _symmetric(t, lower), ans, a, b, lower, subset_by_index, subset_by_value, "scipy.linalg.eigvalsh")


@jvp(linalg.svd)
def scipy_svd_tangent(t, ans, a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True, lapack_driver="gesdd"):
    return tangents_linalg.svd_tangent(t, ans, a, full_matrices, isinstance(ans, (tuple, list)))


@jvp(linalg.qr)
def scipy_qr_tangent(t, ans, a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    """(dQ, dR), (dR,) for mode='r', and a zero tangent of the column order P last with
    pivoting (a[:, P] = Q R, P held)."""
    a, t = np.asarray(a), np.asarray(t)
    if pivoting:
        order = np.expand_dims(ans[-1], -2)
        a, t = np.take_along_axis(a, np.broadcast_to(order, a.shape[:-2] + order.shape[-2:]), axis=-1), np.take_along_axis(t, order, axis=-1)
    m, n = a.shape[-2:]
    if mode == "r":  # R of the full factorization: zero rows below the reduced one
        dr = tangents_linalg.qr_tangent(t, None, a, "r")
        found = (np.concatenate([dr, np.zeros(dr.shape[:-2] + (m - dr.shape[-2], n))], axis=-2),)
    else:
        found = tangents_linalg.qr_tangent(t, ans[:2], a, "complete" if mode == "full" else "reduced")
    return found + (np.zeros(np.shape(ans[-1])),) if pivoting else found


@jvp(linalg.expm)
def scipy_expm_tangent(t, ans, A):
    """The Frechet derivative L(A, dA), matrix by matrix for a stack."""
    a = np.asarray(A)
    if a.ndim == 2:
        return linalg.expm_frechet(a, t, compute_expm=False)
    flat_a, flat_t = a.reshape((-1,) + a.shape[-2:]), np.broadcast_to(t, a.shape).reshape((-1,) + a.shape[-2:])
    return np.stack([linalg.expm_frechet(x, y, compute_expm=False) for x, y in zip(flat_a, flat_t)]).reshape(a.shape)


@jvp(linalg.sqrtm)
def scipy_sqrtm_tangent(t, ans, A, disp=None, blocksize=None):
    """X X = A: X dX + dX X = dA (Sylvester)."""
    if np.iscomplexobj(ans) and not np.iscomplexobj(A):
        raise errors.AD411_SQRTM_COMPLEX.error()
    return linalg.solve_sylvester(ans, ans, t)


@jvp(linalg.solve_banded, arg=1)
def solve_banded_tangent(t, ans, l_and_u, ab, b, overwrite_ab=False, overwrite_b=False, check_finite=True):
    """A x = b, A[i, j] = ab[u + i - j, j]: dx = -A^-1 dA x, dA from the band's tangent."""
    lower, upper = l_and_u
    dab = np.asarray(t)
    if dab.ndim != 2:
        raise errors.AD411_BANDED_STACK.error(shape=dab.shape)
    n = dab.shape[-1]
    x = _column(b, ans)
    rows = np.arange(lower + upper + 1)[:, None] - upper + np.arange(n)[None, :]  # the row of A each entry of ab stands for
    inside = (rows >= 0) & (rows < n)
    dax = np.zeros(x.shape)
    np.add.at(dax, np.where(inside, rows, 0), np.where(inside, dab, 0.0)[..., None] * x[np.arange(n)][None, :, :])
    return _as_b(linalg.solve_banded((lower, upper), ab, -dax), b)
