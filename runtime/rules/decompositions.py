"""Rules for general matrix decompositions and solvers of np.linalg (eig, eigvals, qr,
lstsq) and for matrix_power, multi_dot, tensorinv and tensorsolve.

Matrix functions act on the last two axes, so stacks of matrices work where NumPy
allows them (eig, eigvals, qr, matrix_power).

Where the derivative does not exist the rules say so instead of returning a number
(AD411 when the gradient runs; AD210 where the transpiler sees the argument):

- ``eig``: eigenvectors need distinct eigenvalues; ``eig``'s and ``eigvals``'
  eigenvalues at an exactly repeated eigenvalue have a derivative only for a
  cotangent equal on the repeated ones (their sum); the matrix must be
  diagonalizable. Eigenvectors are normalized to unit length (NumPy's choice):
  for real eigenvectors that fixes them up to a sign, which is locally constant.
  A complex eigenvector's phase is LAPACK's choice: only a loss that does not
  depend on it (``abs``, ``v * conj(v)``, ...) has a gradient, and the rule gives
  that one (JAX's convention, the phase's tangent taken as 0).
- ``qr``: a full-rank ``a`` (R invertible on its leading square); ``mode='complete'`` of a
  tall ``a``: the result must not depend on Q's columns beyond ``n``, which ``a`` does not
  determine; ``mode='raw'`` has no rule (AD210).
- ``lstsq``: a full-rank ``a`` (rank as ``rcond`` decides); a rank-deficient one is
  AD411: its solution jumps where the rank changes.
"""

import numpy as np

import adgen.runtime as _rt
from adgen.runtime import errors
from adgen.runtime.registry import variant, vjp
from adgen.runtime.rules.linalg import _T, _off_diagonal_inverse_gaps
from adgen.runtime.rules.linalg import pinv as _pinv_rule

# -- eig, eigvals ---------------------------------------------------------------------------------


def _repeats(w):
    """Pairs (i, j), i < j, of exactly equal eigenvalues (last axis), as a boolean matrix."""
    same = np.expand_dims(w, -1) == np.expand_dims(w, -2)
    return np.triu(same, 1)


def _eig_cot(gw, gv, w, v, a):
    """The cotangent of ``a`` for ``w, v = eig(a)`` (see the module docstring):

    abar = V^-T (diag(wbar) + F o (V^T Vbar - V^T conj(V) diag(Re diag(V^T Vbar)))) V^T,
    F[i, j] = 1 / (w[j] - w[i]) off the diagonal.
    """
    n = w.shape[-1]
    gw = np.broadcast_to(_rt.as_array(gw, ref=w), w.shape)
    same = _repeats(w)
    if np.any(same & (np.expand_dims(gw, -1) != np.expand_dims(gw, -2))):
        raise errors.AD411_EIG_REPEATED_VALUES.error()
    inner = _rt.eye(n, like=_rt.like(w)) * np.expand_dims(gw, -2)
    if np.any(gv):  # unused eigenvectors add nothing (not inf * 0 at repeated eigenvalues)
        if np.any(same):
            raise errors.AD411_EIG_REPEATED_VECTORS.error()
        vtg = _T(v) @ np.broadcast_to(gv, v.shape)
        norm = np.real(np.diagonal(vtg, axis1=-2, axis2=-1))
        inner = inner + _off_diagonal_inverse_gaps(w) * (vtg - (_T(v) @ np.conj(v)) * np.expand_dims(norm, -2))
    cot = np.linalg.solve(_T(v), inner @ _T(v))
    return cot if np.iscomplexobj(a) else np.real(cot)


@vjp(np.linalg.eig, outputs=2, complex=True)
def eig(g, ans, a):
    return _rt.rules.decompositions._eig_cot(g[0], g[1], ans[0], ans[1], a)


def _eigvals_cot(g, ans, a):
    w, v = np.linalg.eig(a)
    if not np.array_equal(w, ans):  # the same order as eigvals' (it is, with LAPACK), else matched
        order = np.argmin(np.abs(np.expand_dims(ans, -1) - np.expand_dims(w, -2)), axis=-1)
        w, v = ans, np.take_along_axis(v, np.expand_dims(order, -2), axis=-1)
    return _eig_cot(g, 0.0, w, v, a)


@vjp(np.linalg.eigvals, complex=True)
def eigvals(g, ans, a):
    # d w_i = (V^-1 dA V)_ii: abar = V^-T diag(wbar) V^T
    return _rt.rules.decompositions._eigvals_cot(g, ans, a)


# -- qr ------------------------------------------------------------------------------------------------


def _qr_refuse(mode="reduced", **_):
    if mode not in ("reduced", "complete", "r"):
        return f"np.linalg.qr(a, mode={mode!r}) has no derivative rule; use mode='reduced', 'complete' or 'r'"
    return None


def _copyltu(m):
    """The symmetric matrix with ``m``'s lower triangle."""
    return np.tril(m) + _T(np.tril(m, -1))


def _qr_square_cot(gq, gr, q, r):
    """A = QR with Q (m, n), R (n, n) invertible: abar = (Qbar + Q copyltu(M)) R^-T, M = R Rbar^T - Qbar^T Q."""
    m = r @ _T(gr) - _T(gq) @ q
    return _T(np.linalg.solve(r, _T(gq + q @ _copyltu(m))))


def _qr_cot(gq, gr, q, r, a):
    m, n = np.shape(a)[-2:]
    gq, gr = np.broadcast_to(_rt.as_array(gq, ref=q), q.shape), np.broadcast_to(_rt.as_array(gr, ref=r), r.shape)
    if q.shape[-1] > n:  # mode='complete' of a tall a: Q's extra columns are not determined by a
        if np.any(gq[..., n:]):
            raise errors.AD411_QR_COMPLETE.error()
        q, gq, r, gr = q[..., :n], gq[..., :n], r[..., :n, :], gr[..., :n, :]  # R's extra rows are zeros
    if m >= n:
        return _qr_square_cot(gq, gr, q, r)
    # wide: a = [X | Y] = Q [U | V] with X square; V = Q^T Y
    y, gv = _rt.as_array(a)[..., :, m:], gr[..., :, m:]
    gx = _qr_square_cot(gq + y @ _T(gv), gr[..., :, :m], q, r[..., :, :m])
    return np.concatenate([gx, q @ gv], axis=-1)


@vjp(np.linalg.qr, outputs=2, refuse=_qr_refuse)
def qr(g, ans, a, mode="reduced"):
    return _rt.rules.decompositions._qr_cot(g[0], g[1], ans[0], ans[1], a)


@variant(np.linalg.qr, lambda mode=None, **_: mode == "r")
def qr_r(g, ans, a, mode="reduced"):
    # mode='r' returns R alone (of the reduced factorization's shape for a wide a, else (min(m, n), n))
    return _rt.rules.decompositions._qr_cot(0.0, g, *np.linalg.qr(a), a)


# -- lstsq ---------------------------------------------------------------------------------------------


def _lstsq_cot(g, ans, a, b):
    """x = A^+ b for a full-rank A; residuals[j] = |b_j - A x_j|^2 (A tall); s the singular values."""
    x, res, rank, s = ans
    gx, gres, gs = g[0], g[1], g[3]
    m, n = np.shape(a)
    used = np.any(gx) or np.any(gres)
    if used and rank < min(m, n):
        raise errors.AD411_LSTSQ_RANK.error(rank=rank, full=min(m, n))
    like = _rt.like(a, b)
    ga, gb = np.zeros(np.shape(a), like=like), np.zeros(np.shape(b), like=like)
    if np.any(gx):
        p = np.linalg.pinv(a)
        gx = np.broadcast_to(gx, np.shape(x))
        gb = gb + _T(p) @ gx
        gp = np.outer(gx, b) if np.ndim(b) == 1 else gx @ _T(b)
        ga = ga + _pinv_rule(gp, p, a)
    if np.size(res) and np.any(gres):
        resid = np.asarray(b, like=like) - np.asarray(a, like=like) @ x  # orthogonal to the columns of a
        weighted = 2.0 * resid * np.broadcast_to(gres, np.shape(res))  # b 1-D: res has one entry
        gb = gb + weighted
        ga = ga - (np.outer(weighted, x) if np.ndim(b) == 1 else weighted @ _T(x))
    if np.any(gs):
        u, _, vh = np.linalg.svd(a, full_matrices=False)
        ga = ga + (u * np.broadcast_to(gs, np.shape(s))) @ vh
    return ga, gb


@vjp(np.linalg.lstsq, outputs=4)
def lstsq(g, ans, a, b, rcond=None):
    ga, gb = _rt.rules.decompositions._lstsq_cot(g, ans, a, b)
    return ga, gb


# -- powers and products -------------------------------------------------------------------------------


def _matrix_power_cot(g, a, n):
    """A^n, n >= 0: abar = sum_k (A^T)^k G (A^T)^(n-1-k); n < 0: through B = A^-1, Bbar -> -B^T Bbar B^T."""
    if n == 0:
        return np.zeros(np.shape(a), dtype=np.result_type(a, g, np.float64), like=_rt.like(a, g))
    base = np.linalg.inv(a) if n < 0 else _rt.as_array(a)
    k = abs(n)
    powers = [np.broadcast_to(_rt.eye(base.shape[-1], like=_rt.like(base)), base.shape)]
    for _ in range(k - 1):
        powers.append(powers[-1] @ _T(base))  # (B^T)^j
    cot = sum(powers[j] @ g @ powers[k - 1 - j] for j in range(k))
    return -_T(base) @ cot @ _T(base) if n < 0 else cot


@vjp(np.linalg.matrix_power, complex=True)
def matrix_power(g, ans, a, n):
    return _rt.rules.decompositions._matrix_power_cot(g, a, n), None


def _multi_dot_cot(g, arrays):
    """A_0 A_1 ... A_k: the cotangent of A_i is (A_0...A_{i-1})^T G (A_{i+1}...A_k)^T (1-D ends as a row, a column)."""
    like = _rt.like(*arrays)
    mats = [np.asarray(x, like=like) for x in arrays]
    first, last = mats[0].ndim == 1, mats[-1].ndim == 1
    if first:
        mats[0] = mats[0][None, :]
    if last:
        mats[-1] = mats[-1][:, None]
    g = np.reshape(np.asarray(g, like=like), (mats[0].shape[0], mats[-1].shape[1]))
    left = [_rt.eye(mats[0].shape[0], like=like)]
    for x in mats[:-1]:
        left.append(left[-1] @ x)
    right = [_rt.eye(mats[-1].shape[1], like=like)]
    for x in reversed(mats[1:]):
        right.append(x @ right[-1])
    right.reverse()
    return _rt.Adj([np.reshape(_T(lo) @ g @ _T(hi), np.shape(x)) for lo, hi, x in zip(left, right, arrays)])


@vjp(np.linalg.multi_dot, complex=True)
def multi_dot(g, ans, arrays, *, out=None):
    return _rt.rules.decompositions._multi_dot_cot(g, arrays)


# -- tensor inverses and solves -------------------------------------------------------------------------


def _tensorinv_cot(g, ans, a, ind):
    """tensorinv(a, ind) is inv(a as a (P, Q) matrix) viewed with the shape a.shape[ind:] + a.shape[:ind]."""
    shape = np.shape(a)
    p = int(np.prod(shape[:ind]))
    inv = np.reshape(ans, (-1, p))
    return np.reshape(-_T(inv) @ np.reshape(g, inv.shape) @ _T(inv), shape)


@vjp(np.linalg.tensorinv)
def tensorinv(g, ans, a, ind=2):
    return _rt.rules.decompositions._tensorinv_cot(g, ans, a, ind)


def _tensorsolve_cot(g, ans, a, b, axes):
    """tensorsolve moves ``axes`` of a to the end, then solves a as a square matrix against b's entries."""
    a = _rt.as_array(a)
    order = list(range(a.ndim))
    if axes is not None:
        for k in axes:
            order.remove(k)
            order.insert(a.ndim, k)
    moved = np.transpose(a, order)
    size = np.size(ans)
    gb = np.linalg.solve(_T(np.reshape(moved, (size, size))), np.ravel(g))
    ga = -np.reshape(np.outer(gb, np.ravel(ans)), moved.shape)
    return np.transpose(ga, np.argsort(order).tolist()), np.reshape(gb, np.shape(b))


@vjp(np.linalg.tensorsolve)
def tensorsolve(g, ans, a, b, axes=None):
    ga, gb = _rt.rules.decompositions._tensorsolve_cot(g, ans, a, b, axes)
    return ga, gb
