"""Forward-mode rules of ``np.linalg`` (the other NumPy ones are in ``tangents``), each
agreeing with its reverse rule (``linalg``, ``decompositions``, ``reductions``): the same
conventions (symmetric inputs of ``eigh``/``eigvalsh`` taken as symmetric: the tangent
``sym(t)``; unit eigenvectors) and the same refusals (AD411 at repeated eigenvalues whose
eigenvectors would be needed, rank-deficient ``lstsq``, the undetermined columns of a
full ``svd``/``qr`` of a non-square matrix).

A tuple-valued primal (``outputs=N`` in its reverse rule) has a rule returning the tuple
of its results' tangents (``tangent_registry``). A real-valued function of each matrix
(``cond``, the norms) takes its tangent from the reverse rule's gradient, ``<grad, t>``
summed over the reduced axes, as each result entry depends only on its own matrix or vector.
"""

import numpy as np

import adgen.runtime as _rt
from adgen.runtime import errors
from adgen.runtime.rules import linalg as _linalg_rules
from adgen.runtime.tangent_registry import jvp, linear

# The helpers are this module's own: reverse mode follows this module's functions (hvp
# differentiates the tangent module, and the rules it calls, again).


def _T(x):
    """The transpose of the last two axes."""
    return np.swapaxes(x, -1, -2)


def _sym(x):
    return 0.5 * (x + _T(x))


def _off_diagonal_inverse_gaps(w):
    """F[i, j] = 1 / (w[j] - w[i]) off the diagonal; 0 on it and where w[i] == w[j] (the
    rules refuse where such an entry would be needed)."""
    gaps = np.expand_dims(w, -2) - np.expand_dims(w, -1)
    zero = gaps == 0
    return np.where(zero, 0.0, 1.0 / np.where(zero, 1.0, gaps))

linear(np.linalg.cross, np.linalg.matmul, np.linalg.outer, np.linalg.tensordot, np.linalg.vecdot, args=(0, 1))
linear(np.linalg.diagonal, np.linalg.trace, np.linalg.matrix_transpose, np.matrix_transpose)
if hasattr(np, "matvec"):
    linear(np.matvec, np.vecmat, args=(0, 1))


@jvp(np.linalg.tensorsolve, arg=1)
def tensorsolve_tangent_b(t, ans, a, b, axes=None):
    return np.linalg.tensorsolve(a, t, axes)


@jvp(np.linalg.tensorsolve, arg=0)
def tensorsolve_tangent_a(t, ans, a, b, axes=None):
    # x solves M x = b (M: a with ``axes`` moved last, as a square matrix): dx = -M^-1 dM x
    order = list(range(np.ndim(a)))
    for k in axes or ():
        order.remove(k)
        order.append(k)
    size = np.size(ans)
    dm = np.reshape(np.transpose(t, order), (size, size)) @ np.ravel(ans)
    return -np.reshape(np.linalg.solve(np.reshape(np.transpose(a, order), (size, size)), dm), np.shape(ans))


@jvp(np.linalg.tensorinv)
def tensorinv_tangent(t, ans, a, ind=2):
    inv = np.reshape(ans, (-1, int(np.prod(np.shape(a)[:ind]))))
    return np.reshape(-inv @ np.reshape(t, (inv.shape[1], -1)) @ inv, np.shape(ans))


@jvp(np.linalg.multi_dot)
def multi_dot_tangent(t, ans, arrays, *, out=None):
    """The product is linear in each matrix: the sum over them of the product with that
    matrix's tangent in its place."""
    return sum(np.linalg.multi_dot([t[k] if j == k else x for j, x in enumerate(arrays)]) for k in range(len(arrays)))


@jvp(np.linalg.matrix_power)
def matrix_power_tangent(t, ans, a, n):
    """A^n: sum_k A^k dA A^(n-1-k); n < 0: that of B^|n|, B = A^-1, dB = -B dA B."""
    if n == 0:
        return np.zeros(np.shape(ans))
    base = np.linalg.inv(a) if n < 0 else np.asarray(a)
    dbase = -base @ t @ base if n < 0 else t
    powers = [np.broadcast_to(np.eye(base.shape[-1]), base.shape)]
    for _ in range(abs(n) - 1):
        powers.append(powers[-1] @ base)
    return sum(powers[k] @ dbase @ powers[abs(n) - 1 - k] for k in range(abs(n)))


@jvp(np.linalg.pinv)
def pinv_tangent(t, ans, a):
    """Where the rank is constant: dA+ = -A+ dA A+ + A+ A+^T dA^T (I - A A+) + (I - A+ A) dA^T A+^T A+."""
    p, pt, tt = ans, _T(ans), _T(t)
    m, n = np.shape(a)[-2:]
    return -p @ t @ p + p @ pt @ tt @ (np.eye(m) - a @ p) + (np.eye(n) - p @ a) @ tt @ pt @ p


@jvp(np.linalg.slogdet)
def slogdet_tangent(t, ans, a):
    # (sign, log|det|): the sign is piecewise constant; d log|det A| = tr(A^-1 dA)
    return np.zeros_like(ans[0], dtype=float), np.trace(np.linalg.solve(a, t), axis1=-2, axis2=-1)


@jvp(np.linalg.cond)
def cond_tangent(t, ans, x, p=None):
    return np.sum(_rt.cond_cot(np.ones(np.shape(ans)), ans, x, p) * t, axis=(-2, -1))


@jvp(np.linalg.vector_norm)
def vector_norm_tangent(t, ans, x, *, axis=None, keepdims=False, ord=2):
    grad = _rt.vjps.vector_norm(np.ones(np.shape(ans)), ans, x, axis=axis, keepdims=keepdims, ord=ord)
    return np.sum(grad * t, axis=axis, keepdims=keepdims)


@jvp(np.linalg.matrix_norm)
def matrix_norm_tangent(t, ans, x, *, keepdims=False, ord="fro"):
    grad = _rt.vjps.matrix_norm(np.ones(np.shape(ans)), ans, x, keepdims=keepdims, ord=ord)
    return np.sum(grad * t, axis=(-2, -1), keepdims=keepdims)


# -- eigenvalues ------------------------------------------------------------------------------------


def _tied(w, c):
    """Are two eigenvalues (or singular values) exactly equal where the tangent couples
    their vectors (``c[i, j]`` non-zero)? Those vectors are not determined (AD411)."""
    same = (np.expand_dims(w, -1) == np.expand_dims(w, -2)) & ~_rt.eye(w.shape[-1], bool, like=_rt.like(w))
    return bool(np.any(same & (c != 0)))


@jvp(np.linalg.eigh)
def eigh_tangent(t, ans, a, UPLO="L"):
    """C = V^T sym(dA) V: dw = diag(C), dV = V (F o C), F[i, j] = 1 / (w_j - w_i)."""
    w, v = ans
    c = _sym(_T(v) @ t @ v)
    if _tied(w, c):
        raise errors.AD411_TIED_EIGENVECTORS.error(name="np.linalg.eigh")
    return np.diagonal(c, axis1=-2, axis2=-1), v @ (c * _off_diagonal_inverse_gaps(w))


@jvp(np.linalg.eigvalsh)
def eigvalsh_tangent(t, ans, a, UPLO="L"):
    # d w_i = v_i^T dA v_i
    v = np.linalg.eigh(a, UPLO)[1]
    return np.sum(v * (_sym(t) @ v), axis=-2)


def _eig_parts(t, w, v):
    """C = V^-1 dA V and the tangents (dw, dV) of unit eigenvectors: dV = V (F o C), less
    each column's part along itself that changes its length (Re(v^H dv) v)."""
    c = np.linalg.solve(v, t @ v)
    same = np.triu(np.expand_dims(w, -1) == np.expand_dims(w, -2), 1)
    if np.any(same):  # the eigenvalues of a repeated one have no derivative one by one
        raise errors.AD411_EIG_REPEATED_VECTORS.error()
    dv = v @ (_off_diagonal_inverse_gaps(w) * c)
    dv = dv - v * np.expand_dims(np.real(np.sum(np.conj(v) * dv, axis=-2)), -2)
    return np.diagonal(c, axis1=-2, axis2=-1), dv


@jvp(np.linalg.eig)
def eig_tangent(t, ans, a):
    return _eig_parts(t, ans[0], ans[1])


@jvp(np.linalg.eigvals)
def eigvals_tangent(t, ans, a):
    w, v = np.linalg.eig(a)
    if not np.array_equal(w, ans):  # matched to eigvals' order, as the reverse rule does
        order = np.argmin(np.abs(np.expand_dims(ans, -1) - np.expand_dims(w, -2)), axis=-1)
        w, v = ans, np.take_along_axis(v, np.expand_dims(order, -2), axis=-1)
    return _eig_parts(t, w, v)[0]


# -- singular values ----------------------------------------------------------------------------------


@jvp(np.linalg.svdvals)
def svdvals_tangent(t, ans, x):
    # d s_i = u_i^T dA v_i
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    return np.sum(u * (t @ _T(vh)), axis=-2)


@jvp(np.linalg.svd)
def svd_tangent(t, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    """C = U^T dA V (reduced factors): ds = diag(C), dU = U (F o (C S + S C^T)) + (I - U U^T) dA V S^-1,
    dV = V (F o (S C + C^T S)) + (I - V V^T) dA^T U S^-1, F[i, j] = 1 / (s_j^2 - s_i^2)."""
    t = _sym(t) if hermitian else t
    if not compute_uv:
        return svdvals_tangent(t, ans, a)
    u, s, vh = ans
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    full = full_matrices and m != n
    if full:  # the extra columns of U (rows of V^T) are not determined by a: their tangents are NaN (``_undetermined``)
        u, vh = u[..., :, :k], vh[..., :k, :]
    v = _T(vh)
    c = _T(u) @ t @ v
    row, col = np.expand_dims(s, -1), np.expand_dims(s, -2)
    if _tied(s, c + _T(c)):
        raise errors.AD411_RULE_REFUSES.error(reason="np.linalg.svd at repeated singular values: their singular vectors are not determined")
    f = _off_diagonal_inverse_gaps(s**2)
    du = u @ (f * (c * col + row * _T(c))) + (t @ v - u @ c) / col
    dv = v @ (f * (row * c + _T(c) * col)) + (_T(t) @ u - v @ _T(c)) / col
    if full:
        du, dv = _undetermined(du, m), _undetermined(dv, n)
    found = (du, np.diagonal(c, axis1=-2, axis2=-1), _T(dv))  # a name: the other path returns one array
    return found


# -- qr, lstsq --------------------------------------------------------------------------------------------


def qr_square_tangent(t, q, r):
    """A = QR, R square and invertible: X = Q^T dA R^-1, Omega = tril(X, -1) - tril(X, -1)^T
    (Q^T dQ), dR = (X - Omega) R, dQ = Q Omega + (I - Q Q^T) dA R^-1."""
    ari = _T(np.linalg.solve(_T(r), _T(t)))  # dA R^-1
    x = _T(q) @ ari
    low = np.tril(x, -1)
    omega = low - _T(low)
    return q @ omega + ari - q @ x, (x - omega) @ r


@jvp(np.linalg.qr)
def qr_tangent(t, ans, a, mode="reduced"):
    """(dQ, dR); mode='r': dR. A wide a = [X | Y] = Q [U | V]: X's factors, and dV = Q^T (dY - dQ V)."""
    q, r = np.linalg.qr(a) if mode == "r" else ans
    m, n = np.shape(a)[-2:]
    complete = q.shape[-1] > n  # mode='complete' of a tall a: Q's extra columns are not determined by a
    if complete:
        q, r = q[..., :n], r[..., :n, :]
    if m >= n:
        dq, dr = qr_square_tangent(t, q, r)
        if complete:  # R's extra rows are zeros
            dq, dr = _undetermined(dq, m), np.concatenate([dr, np.zeros(dr.shape[:-2] + (m - n, n))], axis=-2)
    else:
        dq, du = qr_square_tangent(t[..., :, :m], q, r[..., :, :m])
        dr = np.concatenate([du, _T(q) @ (t[..., :, m:] - dq @ r[..., :, m:])], axis=-1)
    return dr if mode == "r" else (dq, dr)


def _undetermined(d, width):
    """The tangent ``d`` of the determined columns of a factor, with NaN columns up to
    ``width`` for those the matrix does not determine (the full factors of a non-square
    matrix): a result that reads them has no derivative, and shows it (the reverse rule
    raises AD411 there); one that does not, such as the singular values alone, is exact."""
    pad = np.full(d.shape[:-1] + (width - d.shape[-1],), np.nan)
    return np.concatenate([d, pad], axis=-1)


def _lstsq_common(ans, a, b):
    x, res, rank, s = ans
    m, n = np.shape(a)
    if rank < min(m, n):
        raise errors.AD411_LSTSQ_RANK.error(rank=rank, full=min(m, n))
    return x, res, np.linalg.pinv(a)


def _lstsq_result(dx, dres, ds, ans):
    x, res, rank, s = ans
    return dx, (np.reshape(dres, np.shape(res)) if np.size(res) else np.zeros(np.shape(res))), 0.0, ds


@jvp(np.linalg.lstsq, arg=0)
def lstsq_tangent_a(t, ans, a, b, rcond=None):
    """x = A^+ b (full rank): dx = dA^+ b; residuals |b - A x|^2: d = -2 r . (dA x + A dx) per column."""
    x, res, p = _lstsq_common(ans, a, b)
    dx = pinv_tangent(t, p, a) @ b
    resid = b - a @ x
    dres = -2.0 * np.sum(resid * (t @ x + a @ dx), axis=0)
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return _lstsq_result(dx, dres, np.sum(u * (t @ _T(vh)), axis=-2), ans)


@jvp(np.linalg.lstsq, arg=1)
def lstsq_tangent_b(t, ans, a, b, rcond=None):
    x, res, p = _lstsq_common(ans, a, b)
    dx = p @ t
    dres = 2.0 * np.sum((b - a @ x) * (t - a @ dx), axis=0)
    return _lstsq_result(dx, dres, np.zeros(np.shape(ans[3])), ans)


# -- the cofactors det(A) A^-T (what det's forward rule calls; their tangent for a third order) --


@jvp(_linalg_rules.cofactors, arg=0)
def cofactors_tangent_a(t, ans, a, det):
    return -np.expand_dims(det, (-2, -1)) * (np.swapaxes(np.linalg.inv(a), -1, -2) @ np.swapaxes(t, -1, -2) @ np.swapaxes(np.linalg.inv(a), -1, -2))


@jvp(_linalg_rules.cofactors, arg=1)
def cofactors_tangent_det(t, ans, a, det):
    return np.expand_dims(t, (-2, -1)) * np.swapaxes(np.linalg.inv(a), -1, -2)
