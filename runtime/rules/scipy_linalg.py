"""Rules for ``scipy.linalg``, registered when the user's code has imported it
(``registry.optional``): importing adgen never imports SciPy.

Real matrices (the rules are not declared ``complex``): ``solve_triangular``, ``cholesky``,
``cho_factor``/``cho_solve``, ``lu_factor``/``lu_solve``, ``solve``, ``inv``, ``det``,
``eigh``/``eigvalsh``, ``svd``, ``qr``, ``expm``, ``sqrtm``, ``block_diag``, ``solve_banded``.

Functions returning a tuple (``cho_factor``, ``lu_factor``, ``eigh``, ``svd``, ``qr``) have
single-result rules, as ``np.gradient`` has (``arrays.py``): the cotangent of the tuple
arrives as a list, stacked or ``0.0`` (``_per_output``), so the result may be unpacked,
indexed (``cho_factor(K)[0]``) or handed on whole (``cf = cho_factor(K); cho_solve(cf, y)``).
A tuple argument (``cho_solve((c, lower), b)``, ``lu_solve((lu, piv), b)``) gets a list of
cotangents, ``0.0`` for the flag and the pivots; ``(l, u)`` of ``solve_banded`` gets none.

Triangles: SciPy reads one triangle of a symmetric input (``cholesky``, ``cho_factor``:
the upper one unless ``lower=True``; ``eigh``: the lower one unless ``lower=False``;
``solve``/``inv`` with ``assume_a='sym'``, ``'her'``, ``'pos'``: the upper one unless
``lower=True``) and ignores the other. The rules give the derivative of the function
SciPy computes: the cotangent of the triangle read (an off-diagonal entry stands for
itself and its mirror image, so it gets both cotangents), zero on the triangle ignored.
For a symmetric ``K`` built from parameters this is the usual gradient. Likewise the
factor ``c`` of ``cho_factor`` holds arbitrary values in the triangle it does not use,
and ``lu`` of ``lu_factor`` holds L strictly below the diagonal and U on and above it:
the rules read (and ``cho_solve``/``lu_solve`` differentiate) the factors alone, so
a cotangent on ``c``'s unused triangle is ignored.

At a point without a derivative: ``det`` of a singular matrix has one (the adjugate,
computed from the SVD, never ``inv``); ``eigh``'s eigenvalues at an exactly (to
rounding) repeated eigenvalue get the mean of their cotangents (the tie split of
``max``: the true derivative where the cotangents are equal, e.g. for ``sum`` or
``trace`` of them); its eigenvectors there have none (AD411) unless they are unused (a
cotangent exactly 0 on each of the repeated ones). ``svd`` and ``qr``
follow ``np.linalg``'s rules (``linalg.py``, ``decompositions.py``); ``qr(pivoting=True)``
differentiates ``a[:, P] = Q R`` with the column order ``P`` held (it is piecewise constant).

Refused where the transpiler sees them (AD210): ``overwrite_a``/``overwrite_b``/
``overwrite_ab=True`` (SciPy may overwrite an array the gradient reads), ``eigh`` with
``type`` other than 1 (``eigh(a, b)``, the generalized problem, is differentiated in both
``a`` and ``b``), ``qr`` with ``mode='raw'``, ``solve``/``inv`` with an ``assume_a`` they
do not list (``inv(assume_a='diagonal')`` inverts the diagonal and passes the other entries
through), ``sqrtm`` with ``disp=False``. When the gradient runs (AD411): an ``ab`` that
is not one banded matrix, a real matrix whose ``sqrtm`` is complex. ``lu_factor`` takes
rectangular matrices too.

Stacks of matrices (SciPy's batch axes; their tuple results come as lists) work except
for ``solve_banded``.
"""

import numpy as np
from scipy import linalg

import adgen.runtime as _rt
from adgen.runtime import errors
from adgen.runtime.registry import vjp


def _T(x):
    """The transpose of the last two axes."""
    return np.swapaxes(x, -1, -2)


def _eye(x):
    return np.eye(np.shape(x)[-1])


def _refuse(**known):
    """Keyword values no rule here takes (by name, as the transpiler sees them)."""
    for name in ("overwrite_a", "overwrite_b", "overwrite_ab"):
        if known.get(name) not in (None, False, 0):
            return f"{name}=True lets SciPy overwrite an argument that the gradient reads; leave it False"
    return None


# -- triangles and structure --------------------------------------------------------------------


def _solved(matrix, b, *_):
    """The static shape of a solve's result: ``b``'s, for one matrix (not a stack; a
    factorisation's items as a list, the factor first) and a 1-D or 2-D ``b``."""
    if isinstance(matrix, list):
        matrix = matrix[0]
    return b if matrix is not None and len(matrix) == 2 and b is not None and len(b) in (1, 2) else None


def _factored(a, *_):
    """The static shapes of a factorisation's items: the factor has ``a``'s."""
    return [a, None]


def _fold(s, lower):
    """The cotangent of the triangle (``lower`` or upper) that stands for a symmetric matrix,
    from ``s``, the cotangent of that matrix: an entry off the diagonal stands for two."""
    both = s + _T(s)
    return (np.tril(both, -1) if lower else np.triu(both, 1)) + _eye(s) * s


def _symmetric(a, lower):
    """The symmetric matrix that ``a``'s ``lower`` (or upper) triangle stands for."""
    return np.tril(a) + _T(np.tril(a, -1)) if lower else np.triu(a) + _T(np.triu(a, 1))


_ASSUME = {  # assume_a -> which entries of a the solver reads
    None: "full", "general": "full", "gen": "full", "banded": "full",
    "symmetric": "sym", "sym": "sym", "hermitian": "sym", "her": "sym", "positive definite": "sym", "pos": "sym",
    "upper triangular": "upper", "lower triangular": "lower", "diagonal": "diagonal", "tridiagonal": "tridiagonal",
}


def _structure(assume_a, lower):
    """Which entries a solver reads, for ``assume_a`` (known only now where it was not a literal)."""
    kind = _ASSUME.get(assume_a) if isinstance(assume_a, str) or assume_a is None else None
    if kind is None:
        raise errors.AD411_ASSUME_A.error(assume_a=assume_a)
    return ("lower" if lower else "upper") + "-sym" if kind == "sym" else kind


def _effective(a, kind):
    """The matrix a solver reads from ``a`` (``kind`` from ``_structure``)."""
    if kind.endswith("-sym"):
        return _symmetric(a, kind.startswith("lower"))
    return _restrict(np.asarray(a), kind)


def _restrict(s, kind):
    """``s`` (a cotangent of the effective matrix) on the entries of ``a`` the solver reads."""
    if kind == "full":
        return s
    if kind.endswith("-sym"):
        return _fold(s, kind.startswith("lower"))
    if kind == "upper":
        return np.triu(s)
    if kind == "lower":
        return np.tril(s)
    if kind == "diagonal":
        return _eye(s) * s
    return np.triu(np.tril(s, 1), -1)  # tridiagonal


def _as_columns(b, *more):
    """1-D right-hand sides (and the arrays that go with them) as one column."""
    if np.ndim(b) == 1:
        return tuple(np.asarray(m)[..., None] for m in more)
    return tuple(np.asarray(m) for m in more)


# -- triangular and Cholesky solves -------------------------------------------------------------


_TRANS = {0: 0, "N": 0, "n": 0, 1: 1, "T": 1, "t": 1, 2: 1, "C": 1, "c": 1}  # real: A^H = A^T


def _refuse_trans(trans=0, **known):
    if trans not in _TRANS and not isinstance(trans, bool):
        return f"trans={trans!r} is not one of 0, 1, 2, 'N', 'T', 'C'"
    return _refuse(**known)


def _op(trans):
    """0 for A, 1 for A^T (and A^H: the matrices are real), from SciPy's spellings."""
    if isinstance(trans, (str, int, np.integer)) and trans in _TRANS:
        return _TRANS[trans]
    raise errors.AD411_TRANS.error(trans=trans)


def _solve_triangular_cot(g, x, a, b, trans, lower, unit_diagonal):
    t = _op(trans)
    g2, x2 = _as_columns(b, g, x)  # a 1-D b stands for one column (with a stack of a too)
    gb2 = linalg.solve_triangular(a, g2, trans=1 - t, lower=lower, unit_diagonal=unit_diagonal)
    gop = _rt.unbroadcast(-gb2 @ _T(x2), a)  # the cotangent of op(A) in op(A) x = b
    ga = _T(gop) if t else gop
    k = 1 if unit_diagonal else 0  # a unit diagonal is not read
    return (np.tril(ga, -k) if lower else np.triu(ga, k)), _rt.unbroadcast(gb2[..., 0] if np.ndim(b) == 1 else gb2, b)


@vjp(linalg.solve_triangular, refuse=_refuse_trans, shape=_solved)
def solve_triangular(g, ans, a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, check_finite=True):
    ga, gb = _rt.rules.scipy_linalg._solve_triangular_cot(g, ans, a, b, trans, lower, unit_diagonal)
    return ga, gb


def _chol_cot(gl, low):
    """The symmetric cotangent of A = L L^T from that of its lower factor L:
    sym(L^-T Phi(L^T Lbar) L^-1), Phi taking the lower triangle with the diagonal halved."""
    m = _T(low) @ gl
    p = np.tril(m) - 0.5 * _eye(m) * m
    s = linalg.solve_triangular(low, p, trans=1, lower=True)  # L^-T P
    s = _T(linalg.solve_triangular(low, _T(s), trans=1, lower=True))  # ... L^-1
    return 0.5 * (s + _T(s))


def _cholesky_cot(g, factor, lower):
    """``factor`` is L (lower) or U = L^T, and only its triangle carries a cotangent."""
    g = np.broadcast_to(g, np.shape(factor))
    low, gl = (np.tril(factor), np.tril(g)) if lower else (_T(np.triu(factor)), _T(np.triu(g)))
    return _fold(_chol_cot(gl, low), lower)


@vjp(linalg.cholesky, refuse=_refuse)
def scipy_cholesky(g, ans, a, lower=False, overwrite_a=False, check_finite=True):
    return _rt.rules.scipy_linalg._cholesky_cot(g, ans, lower)


@vjp(linalg.cho_factor, refuse=_refuse, shape=_factored)
def cho_factor(g, ans, a, lower=False, overwrite_a=False, check_finite=True):
    # ans is (c, lower); the triangle of c that the factor does not use is ignored
    return _rt.rules.scipy_linalg._cholesky_cot(_rt.rules.arrays._per_output(g, ans)[0], ans[0], lower)


def _cho_solve_cot(g, x, c, lower, b):
    """x = (L L^T)^-1 b: bbar = A^-1 g, Abar = -sym(bbar x^T), Lbar = 2 Abar L (its triangle)."""
    lower = bool(np.ravel(lower)[0])  # cho_factor of a stack gives one flag per matrix
    low = np.tril(c) if lower else _T(np.triu(c))
    g2, x2 = _as_columns(b, g, x)  # a 1-D b stands for one column (with a stack of c too)
    gb2 = linalg.cho_solve((c, lower), g2)
    s = _rt.unbroadcast(gb2 @ _T(x2), c)
    gl = np.tril(-(s + _T(s)) @ low)
    return (gl if lower else _T(gl)), _rt.unbroadcast(gb2[..., 0] if np.ndim(b) == 1 else gb2, b)


@vjp(linalg.cho_solve, refuse=_refuse, shape=_solved)
def cho_solve(g, ans, c_and_lower, b, overwrite_b=False, check_finite=True):
    gc, gb = _rt.rules.scipy_linalg._cho_solve_cot(g, ans, c_and_lower[0], c_and_lower[1], b)
    return _rt.Adj([gc, 0.0]), gb


# -- LU ---------------------------------------------------------------------------------------------


def _row_order(piv, m):
    """The row order ``perm`` of LAPACK's row swaps ``piv`` (last axis) on ``m`` rows: a[perm] = L U."""
    piv = np.asarray(piv)
    perm = np.broadcast_to(np.arange(m), piv.shape[:-1] + (m,)).copy()
    for i in range(piv.shape[-1]):  # the swaps, in order
        p = piv[..., i:i + 1]
        row = perm[..., i:i + 1].copy()
        perm[..., i:i + 1] = np.take_along_axis(perm, p, -1)
        np.put_along_axis(perm, p, row, -1)
    return perm


def _lu_parts(lu, piv):
    """L (unit lower), U and the row order ``perm`` with a[perm] = L U (along the last two axes),
    from lu_factor's result for square matrices (a stack of them too)."""
    lu = np.asarray(lu)
    if lu.ndim < 2 or lu.shape[-1] != lu.shape[-2]:
        raise errors.AD411_LU_SQUARE.error(shape=lu.shape)
    return np.tril(lu, -1) + _eye(lu), np.triu(lu), _row_order(piv, lu.shape[-1])


def _rows(perm, shape):
    """Row indices for take/put_along_axis: row ``perm[i]`` of each matrix."""
    return np.broadcast_to(np.expand_dims(perm, -1), shape)


def _lu_square_cot(gl, gu, low, up):
    """The cotangent of a square A = L U from those of L's strict lower and U's upper triangle:
    with F = L^-1 dA U^-1, dL = L tril(F, -1) and dU = triu(F) U."""
    gf = np.tril(_T(low) @ gl, -1) + np.triu(gu @ _T(up))
    ga = linalg.solve_triangular(low, gf, trans=1, lower=True, unit_diagonal=True)  # L^-T gF
    return _T(linalg.solve_triangular(up, _T(ga), lower=False))  # ... U^-T


def _lu_factor_cot(glu, lu, piv):
    """a[perm] = L U, L (m, k) unit lower, U (k, n) upper, k = min(m, n). A tall a's extra rows
    have L2 = A2 U^-1; a wide a's extra columns have U2 = L^-1 A2; the square part is A1 = L1 U1."""
    lu = np.asarray(lu)
    m, n = lu.shape[-2:]
    k = min(m, n)
    glu = np.broadcast_to(glu, lu.shape)
    low = np.tril(lu[..., :, :k], -1) + np.eye(m, k)
    up = np.triu(lu[..., :k, :])
    gl, gu = np.tril(glu[..., :, :k], -1), np.triu(glu[..., :k, :])
    if m > n:
        low, extra, gl, gextra = low[..., :n, :], low[..., n:, :], gl[..., :n, :], gl[..., n:, :]
        ga2 = _T(linalg.solve_triangular(up, _T(gextra), lower=False))  # L2bar U^-T
        gp = np.concatenate([_lu_square_cot(gl, np.triu(gu - _T(extra) @ ga2), low, up), ga2], axis=-2)
    elif m < n:
        up, extra, gu, gextra = up[..., :, :m], up[..., :, m:], gu[..., :, :m], gu[..., :, m:]
        ga2 = linalg.solve_triangular(low, gextra, trans=1, lower=True, unit_diagonal=True)  # L^-T U2bar
        gp = np.concatenate([_lu_square_cot(np.tril(gl - ga2 @ _T(extra), -1), gu, low, up), ga2], axis=-1)
    else:
        gp = _lu_square_cot(gl, gu, low, up)
    ga = np.empty_like(gp)
    np.put_along_axis(ga, _rows(_row_order(piv, m), gp.shape), gp, axis=-2)
    return ga


@vjp(linalg.lu_factor, refuse=_refuse, shape=_factored)
def lu_factor(g, ans, a, overwrite_a=False, check_finite=True):
    # ans is (lu, piv); the pivots are integers and carry no cotangent
    return _rt.rules.scipy_linalg._lu_factor_cot(_rt.rules.arrays._per_output(g, ans)[0], ans[0], ans[1])


def _lu_solve_cot(g, x, lu, piv, b, trans):
    """x = A^-1 b (or A^-T b), A = P L U: the cotangent of A as for solve, then of L and U."""
    low, up, perm = _lu_parts(lu, piv)
    t = _op(trans)
    g2, x2 = _as_columns(b, g, x)  # a 1-D b stands for one column (with a stack of lu too)
    gb2 = linalg.lu_solve((lu, piv), g2, trans=1 - t)
    gb = gb2[..., 0] if np.ndim(b) == 1 else gb2
    ga = _rt.unbroadcast(-x2 @ _T(gb2) if t else -gb2 @ _T(x2), lu)  # b's own stack axes summed
    gp = np.take_along_axis(ga, _rows(perm, ga.shape), axis=-2)  # the cotangent of L U = a[perm]
    return np.tril(gp @ _T(up), -1) + np.triu(_T(low) @ gp), _rt.unbroadcast(gb, b)


@vjp(linalg.lu_solve, refuse=_refuse_trans, shape=_solved)
def lu_solve(g, ans, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    glu, gb = _rt.rules.scipy_linalg._lu_solve_cot(g, ans, lu_and_piv[0], lu_and_piv[1], b, trans)
    return _rt.Adj([glu, 0.0]), gb


# -- solve, inv, det --------------------------------------------------------------------------------


def _refuse_assume(assume_a=None, **known):
    if isinstance(assume_a, str) or assume_a is None:
        if assume_a not in _ASSUME:
            return f"assume_a={assume_a!r} has no derivative rule; use one of {', '.join(repr(k) for k in _ASSUME if k)}"
    return _refuse(**known)


def _solve_cot(g, x, a, b, lower, assume_a, transposed):
    """x = M^-1 b (M^-T b when transposed), M the matrix the solver reads from a."""
    kind = _structure(assume_a, lower)
    m = _effective(a, kind)
    g2, x2 = _as_columns(b, g, x)
    gb = np.linalg.solve(m if transposed else _T(m), g2)
    gm = _rt.unbroadcast(-gb @ _T(x2), a)  # b's own stack axes summed
    ga = _restrict(_T(gm) if transposed else gm, kind)
    return ga, _rt.unbroadcast(gb[..., 0] if np.ndim(b) == 1 else gb, b)


@vjp(linalg.solve, refuse=_refuse_assume, shape=_solved)
def scipy_solve(g, ans, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True, assume_a=None, transposed=False):
    ga, gb = _rt.rules.scipy_linalg._solve_cot(g, ans, a, b, lower, assume_a, transposed)
    return ga, gb


def _refuse_inv(assume_a=None, **known):
    if assume_a == "diagonal":
        return "assume_a='diagonal' has no derivative rule; use np.diag(1 / np.diag(a)) or assume_a=None"
    return _refuse_assume(assume_a, **known)


def _inv_cot(g, x, lower, assume_a):
    if assume_a == "diagonal":
        raise errors.AD411_RULE_REFUSES.error(reason=_refuse_inv(assume_a))
    kind = _structure(assume_a, lower)
    return _restrict(-_T(x) @ g @ _T(x), kind)


@vjp(linalg.inv, refuse=_refuse_inv)
def scipy_inv(g, ans, a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
    return _rt.rules.scipy_linalg._inv_cot(g, ans, lower, assume_a)


@vjp(linalg.det, refuse=_refuse)
def scipy_det(g, ans, a, overwrite_a=False, check_finite=True):
    return np.expand_dims(g, (-2, -1)) * _rt.rules.linalg.cofactors(a, ans)


# -- eigh, svd, qr ----------------------------------------------------------------------------------


def _refuse_eigh(type=1, **known):
    if type != 1:
        return f"eigh(a, b, type={type!r}) has no derivative rule; only type=1 (a v = w b v)"
    return _refuse(**known)


def _ties(w):
    """Which eigenvalues are equal to rounding (last axis), as a boolean matrix."""
    scale = np.max(np.abs(w), axis=-1, keepdims=True)[..., None]
    tol = 64 * w.shape[-1] * np.finfo(np.float64).eps * np.maximum(scale, 1e-300)
    return np.abs(np.expand_dims(w, -1) - np.expand_dims(w, -2)) <= tol



def _all_eigenpairs(m, mb, w, v, subset_by_index, subset_by_value):
    """``(w, v, pick)`` of every eigenpair of ``m`` (of the pencil ``m``, ``mb``), ``pick``
    placing those ``eigh`` returned (``w``, and ``v`` unless None) among them, the
    eigenvectors with the signs of those returned."""
    if subset_by_index is None and subset_by_value is None and v is not None:
        return w, v, slice(None)
    wa, va = np.linalg.eigh(m) if mb is None else linalg.eigh(m, mb)
    if subset_by_index is not None:
        pick = np.arange(subset_by_index[0], subset_by_index[1] + 1)
    elif subset_by_value is not None:
        pick = np.flatnonzero((wa > subset_by_value[0]) & (wa <= subset_by_value[1]))
    else:
        pick = slice(None)
    if v is not None:
        va = va.copy()
        va[..., pick] = va[..., pick] * np.where(np.sum(va[..., pick] * v, axis=-2, keepdims=True) < 0, -1.0, 1.0)
    return wa, va, pick


def _eigh_cot(name, g, ans, a, b, type, lower, subset_by_index, subset_by_value):
    """The cotangents ``(a, b)`` of ``eigh`` and ``eigvalsh`` (``name``); ``b`` only with
    ``type=1`` (AD411 otherwise).

    A V = B V diag(w), V^T B V = I (B = I without b). With dV = V C:
    C_ij = (V^T dA V - V^T dB V diag(w))_ij / (w_j - w_i) off the diagonal, C_ii = -(V^T dB V)_ii / 2,
    dw_i = (V^T dA V - w_i V^T dB V)_ii. So, with M = F o (V^T Vbar):
    Abar = V (diag(wbar) + M) V^T, Bbar = -V (diag(wbar w) + M diag(w) + diag(V^T Vbar) / 2) V^T,
    each symmetrized and folded onto the triangle read. A subset of the eigenpairs is placed
    among all of them."""
    if b is not None and type != 1:
        raise errors.AD411_EIGH_TYPE.error(name=name, type=type)
    if isinstance(ans, (tuple, list)):  # a list for a stack of matrices
        w, v = ans
        gw, gv = _rt.rules.arrays._per_output(g, ans)
    else:
        w, v, gw, gv = ans, None, g, 0.0
    m = _symmetric(a, lower)
    mb = None if b is None else _symmetric(b, lower)
    wa, va, pick = _all_eigenpairs(m, mb, w, v, subset_by_index, subset_by_value)
    full_gw = np.zeros(np.shape(wa))
    full_gw[..., pick] = np.broadcast_to(gw, np.shape(w))
    ties = _ties(wa)
    full_gw = np.sum(ties * np.expand_dims(full_gw, -2), axis=-1) / np.sum(ties, axis=-1)  # the tie split
    inner_a = _eye(m) * np.expand_dims(full_gw, -2)
    inner_b = _eye(m) * np.expand_dims(full_gw * wa, -2)
    if v is not None and np.any(gv):
        full_gv = np.zeros(np.shape(va))
        full_gv[..., pick] = np.broadcast_to(gv, np.shape(v))
        p = _T(va) @ full_gv
        _rt.rules.linalg._refuse_tied_vectors(ties, full_gv, "scipy.linalg.eigh")  # unused ones (cotangent 0) are fine
        mixed = _rt.times(p, _rt.rules.linalg._off_diagonal_inverse_gaps(wa))
        inner_a = inner_a + mixed
        inner_b = inner_b + mixed * np.expand_dims(wa, -2) + 0.5 * _eye(m) * p
    s = va @ inner_a @ _T(va)
    ga = _fold(0.5 * (s + _T(s)), lower)
    if mb is None:
        return ga, None
    s = va @ inner_b @ _T(va)
    return ga, -_fold(0.5 * (s + _T(s)), lower)


@vjp(linalg.eigh, refuse=_refuse_eigh)
def scipy_eigh(g, ans, a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False, type=1, check_finite=True,
         subset_by_index=None, subset_by_value=None, driver=None):
    ga, gb = _rt.rules.scipy_linalg._eigh_cot("eigh", g, ans, a, b, type, lower, subset_by_index, subset_by_value)
    return ga, gb


@vjp(linalg.eigvalsh, refuse=_refuse_eigh)
def scipy_eigvalsh(g, ans, a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1, check_finite=True,
             subset_by_index=None, subset_by_value=None, driver=None):
    # eigh(..., eigvals_only=True)
    ga, gb = _rt.rules.scipy_linalg._eigh_cot("eigvalsh", g, ans, a, b, type, lower, subset_by_index, subset_by_value)
    return ga, gb


@vjp(linalg.svd, refuse=_refuse)
def scipy_svd(g, ans, a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True, lapack_driver="gesdd"):
    # (U, s, Vh), or s alone (compute_uv=False): np.linalg.svd's rules
    if isinstance(ans, (tuple, list)):
        return _rt.rules.linalg.svd(_rt.rules.arrays._per_output(g, ans), ans, a, full_matrices)
    return _rt.rules.linalg.svd_values(g, ans, a)


def _refuse_qr(mode="full", **known):
    if mode not in ("full", "economic", "r"):
        return f"scipy.linalg.qr(a, mode={mode!r}) has no derivative rule; use mode='full', 'economic' or 'r'"
    return _refuse(**known)


def _qr_cot(g, ans, a, pivoting):
    """(Q, R), (R,) for mode='r', and the column order P last with pivoting: a[:, P] = Q R, with P
    locally constant (it changes only where two columns tie)."""
    gs = _rt.rules.arrays._per_output(g, ans)
    a = np.asarray(a)
    if pivoting:
        order = ans[-1]
        a = np.take_along_axis(a, np.expand_dims(order, -2), axis=-1) if a.ndim > 2 else a[:, order]
        ans, gs = ans[:-1], gs[:-1]
    if len(ans) == 1:  # mode='r': R of the full factorization
        ga = _rt.rules.decompositions._qr_cot(0.0, gs[0], *np.linalg.qr(a, mode="complete"), a)
    else:
        ga = _rt.rules.decompositions._qr_cot(gs[0], gs[1], ans[0], ans[1], a)
    if not pivoting:
        return ga
    out = np.empty_like(ga)
    np.put_along_axis(out, np.broadcast_to(np.expand_dims(order, -2), ga.shape), ga, axis=-1)
    return out


@vjp(linalg.qr, refuse=_refuse_qr)
def scipy_qr(g, ans, a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    return _rt.rules.scipy_linalg._qr_cot(g, ans, a, pivoting)


# -- matrix functions ------------------------------------------------------------------------------


def _expm_cot(g, a):
    """The adjoint of the Frechet derivative L(A, .) is L(A^T, .)."""
    a = np.asarray(a)
    g = np.broadcast_to(g, a.shape)
    if a.ndim == 2:
        return linalg.expm_frechet(a.T, g, compute_expm=False)
    flat_a, flat_g = a.reshape((-1,) + a.shape[-2:]), g.reshape((-1,) + a.shape[-2:])
    return np.stack([linalg.expm_frechet(x.T, y, compute_expm=False) for x, y in zip(flat_a, flat_g)]).reshape(a.shape)


@vjp(linalg.expm)
def expm(g, ans, A):
    return _rt.rules.scipy_linalg._expm_cot(g, A)


def _refuse_sqrtm(disp=None, **_):
    if disp is not None and not disp:
        return "sqrtm(A, disp=False) returns an error estimate too and has no derivative rule; leave disp out"
    return None


def _sqrtm_cot(g, x, a):
    """X X = A: dX X + X dX = dA, so Abar solves X^T Abar + Abar X^T = Xbar (Sylvester)."""
    if np.iscomplexobj(x) and not np.iscomplexobj(a):
        raise errors.AD411_SQRTM_COMPLEX.error()
    return linalg.solve_sylvester(_T(x), _T(x), np.broadcast_to(g, np.shape(x)))


@vjp(linalg.sqrtm, refuse=_refuse_sqrtm)
def sqrtm(g, ans, A, disp=None, blocksize=None):
    return _rt.rules.scipy_linalg._sqrtm_cot(g, ans, A)


def _block_diag_cot(g, arrs):
    """Each argument (a number: 1x1, a vector: one row) gets its block of g."""
    out, r, c = [], 0, 0
    for x in arrs:
        rows, cols = np.atleast_2d(x).shape
        out.append(np.reshape(g[r:r + rows, c:c + cols], np.shape(x)))
        r, c = r + rows, c + cols
    return out


@vjp(linalg.block_diag)
def block_diag(g, ans, *arrs):
    return tuple(_rt.rules.scipy_linalg._block_diag_cot(g, arrs))


# -- banded solves -----------------------------------------------------------------------------------


def _solve_banded_cot(g, x, lower, upper, ab, b):
    """A x = b with A[i, j] = ab[upper + i - j, j]: bbar = A^-T g, solved in A^T's band storage
    (lower and upper swapped), and abar = -bbar x^T on the band."""
    ab = np.asarray(ab)
    if ab.ndim != 2:
        raise errors.AD411_BANDED_STACK.error(shape=ab.shape)
    n = ab.shape[-1]
    k = np.arange(lower + upper + 1)[:, None]
    src = np.arange(n)[None, :] + k - lower  # A^T's band: abT[k, j] = ab[lower + upper - k, j + k - lower]
    abt = np.where((src >= 0) & (src < n), ab[lower + upper - k, np.clip(src, 0, n - 1)], 0.0)
    gb = linalg.solve_banded((upper, lower), abt, g)
    gb2, x2 = _as_columns(b, gb, x)
    rows = k - upper + np.arange(n)[None, :]  # the row of A each entry of ab stands for
    inside = (rows >= 0) & (rows < n)
    gab = -np.sum(gb2[np.clip(rows, 0, n - 1)] * x2[np.arange(n)][None, :, :], axis=-1)
    return np.where(inside, gab, 0.0), gb


@vjp(linalg.solve_banded, refuse=_refuse)
def solve_banded(g, ans, l_and_u, ab, b, overwrite_ab=False, overwrite_b=False, check_finite=True):
    gab, gb = _rt.rules.scipy_linalg._solve_banded_cot(g, ans, l_and_u[0], l_and_u[1], ab, b)
    return None, gab, gb
