"""Rules for products (dot, matmul, einsum, ...), diagonals and traces, and np.linalg.

Matrix functions act on the last two axes, so stacks of matrices work where
NumPy allows them (inv, solve, det, slogdet, cholesky, eigh, pinv, svd).
The rules are for real arrays except those declared ``complex=True``. eig, eigvals,
qr, lstsq, matrix_power, multi_dot, tensorinv and tensorsolve are in decompositions.py.

Symmetric inputs (cholesky, eigh, eigvalsh): NumPy reads only one triangle of
the input, but the rules treat the input as a symmetric matrix and return the
symmetric cotangent ``abar`` with ``<abar, da> = <gbar, d result>`` for every
symmetric perturbation ``da``. That is exactly the gradient of
``f((a + a.T) / 2)`` with respect to an unconstrained ``a``.
"""

import operator
import sys

import numpy as np

import adgen.runtime as _rt
from adgen.runtime import errors
from adgen.runtime.registry import variant, vjp


def _T(x):
    """The transpose of the last two axes (of a matrix or a stack of matrices)."""
    return np.swapaxes(x, -1, -2)


def _sym(x):
    return 0.5 * (x + _T(x))


# -- products ----------------------------------------------------------------------------


def _tensordot_cot(g, a, b, axes_a, axes_b):
    """The cotangents of ``np.tensordot(a, b, (axes_a, axes_b))`` (axes non-negative).

    The result's axes are a's free axes, then b's free axes; each cotangent
    contracts ``g`` with the other operand over that operand's free axes, and
    its axes are then put back into the operand's order.
    """
    free_a = [k for k in range(np.ndim(a)) if k not in axes_a]
    free_b = [k for k in range(np.ndim(b)) if k not in axes_b]
    g = np.asarray(g, like=_rt.like(a, b))
    na = len(free_a)
    ga = np.tensordot(g, b, axes=(list(range(na, g.ndim)), free_b))
    # ga's axes: a's free axes, then b's contracted axes in increasing order,
    # which pair with these axes of a:
    pair = dict(zip(axes_b, axes_a))
    ga = np.transpose(ga, np.argsort(free_a + [pair[k] for k in sorted(axes_b)]).tolist())
    gb = np.tensordot(a, g, axes=(free_a, list(range(na))))
    pair = dict(zip(axes_a, axes_b))
    gb = np.transpose(gb, np.argsort([pair[k] for k in sorted(axes_a)] + free_b).tolist())
    return ga, gb


def _tensordot_axes(a, b, axes):
    """NumPy's ``axes`` argument of tensordot as two lists of non-negative axes."""
    na, nb = np.ndim(a), np.ndim(b)
    if isinstance(axes, (int, np.integer)):
        return list(range(na - axes, na)), list(range(axes))
    axes_a, axes_b = axes
    axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    return [k % na for k in axes_a], [k % nb for k in axes_b]


@vjp(np.tensordot, np.linalg.tensordot, complex=True)
def tensordot(g, ans, a, b, axes=2):
    ga, gb = _tensordot_cot(g, a, b, *_tensordot_axes(a, b, axes))
    return ga, gb


@vjp(np.dot, np.ndarray.dot, complex=True)
def dot(g, ans, a, b):
    """dot is a product with a scalar, or tensordot over a's last axis and b's
    second-to-last (its only one when b is 1-D)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return _rt.unbroadcast(g * b, a), _rt.unbroadcast(g * a, b)
    ga, gb = _tensordot_cot(g, a, b, [np.ndim(a) - 1], [max(np.ndim(b) - 2, 0)])
    return ga, gb


@vjp(np.inner, complex=True)
def inner(g, ans, a, b):
    """inner is a product with a scalar, or tensordot over both last axes."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return _rt.unbroadcast(g * b, a), _rt.unbroadcast(g * a, b)
    ga, gb = _tensordot_cot(g, a, b, [np.ndim(a) - 1], [np.ndim(b) - 1])
    return ga, gb


@vjp(np.matmul, operator.matmul, np.linalg.matmul, complex=True)
def matmul(g, ans, x1, x2):
    return _rt.rules.linalg.matmul_x1(g, x1, x2), _rt.rules.linalg.matmul_x2(g, x1, x2)


def matmul_x1(g, x1, x2):
    """The cotangent of ``x1`` in ``x1 @ x2``: ``g @ x2.T`` for matrices."""
    if np.ndim(x1) == 2 and np.ndim(x2) == 2 and np.ndim(g) == 2:
        return _rt.unbroadcast(g @ x2.T, x1)
    a, b, g = _as_matrices(g, x1, x2)
    return _rt.unbroadcast(g @ _T(b), a).reshape(np.shape(x1))


def matmul_x2(g, x1, x2):
    """The cotangent of ``x2`` in ``x1 @ x2``: ``x1.T @ g`` for matrices."""
    if np.ndim(x1) == 2 and np.ndim(x2) == 2 and np.ndim(g) == 2:
        return _rt.unbroadcast(x1.T @ g, x2)
    a, b, g = _as_matrices(g, x1, x2)
    return _rt.unbroadcast(_T(a) @ g, b).reshape(np.shape(x2))


def _as_matrices(g, x1, x2):
    """A 1-D operand is a matrix with one row (x1) or one column (x2) whose extra
    axis is dropped from the result: give it, and ``g``, that axis back. Batch axes
    broadcast."""
    like = _rt.like(x1, x2)
    a, b, g = np.asarray(x1, like=like), np.asarray(x2, like=like), np.asarray(g, like=like)
    if b.ndim == 1:
        b, g = b[:, None], g[..., None]
    if a.ndim == 1:
        a, g = a[None, :], np.expand_dims(g, -2)
    return a, b, g


@vjp(np.vdot)
def vdot(g, ans, a, b):
    # vdot flattens both operands (real arrays: no conjugation).
    return np.reshape(g * b, np.shape(a)), np.reshape(g * a, np.shape(b))


@vjp(np.outer, np.linalg.outer, complex=True)
def outer(g, ans, a, b):
    # outer flattens both operands: result[i, j] = a.flat[i] * b.flat[j]
    return np.reshape(g @ np.ravel(_rt.as_array(b, ref=g)), np.shape(a)), np.reshape(np.ravel(_rt.as_array(a, ref=g)) @ g, np.shape(b))


@vjp(np.vecdot, np.linalg.vecdot)
def vecdot(g, ans, x1, x2, *, axis=-1):
    # sum(x1 * x2, axis) with broadcasting (real arrays: no conjugation)
    return (
        _rt.unbroadcast(np.expand_dims(_rt.as_array(g, ref=x2), axis) * x2, x1),
        _rt.unbroadcast(np.expand_dims(_rt.as_array(g, ref=x1), axis) * x1, x2),
    )


@vjp(np.kron, complex=True)
def kron(g, ans, a, b):
    """kron(a, b)[i*p + k, j*q + l] = a[i, j] b[k, l] (in any number of
    dimensions): view g with the axes of a and b interleaved, multiply by the
    other operand and sum over its axes."""
    like = _rt.like(a, b)
    a, b = np.asarray(a, like=like), np.asarray(b, like=like)
    nd = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (nd - np.ndim(a)) + np.shape(a)
    sb = (1,) * (nd - np.ndim(b)) + np.shape(b)
    g = np.reshape(g, [n for pair in zip(sa, sb) for n in pair])
    a_axes = tuple(range(0, 2 * nd, 2))
    b_axes = tuple(range(1, 2 * nd, 2))
    ga = np.sum(g * np.expand_dims(np.reshape(b, sb), a_axes), axis=b_axes)
    gb = np.sum(g * np.expand_dims(np.reshape(a, sa), b_axes), axis=a_axes)
    return np.reshape(ga, np.shape(a)), np.reshape(gb, np.shape(b))


# -- einsum ---------------------------------------------------------------------------------


def _einsum_terms(subscripts, operands):
    """The input terms and the output term of an einsum, with '...' replaced by letters."""
    spec = subscripts.replace(" ", "")
    ins, arrow, out = spec.partition("->")
    terms = ins.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum: {len(terms)} terms in {subscripts!r} but {len(operands)} operands")
    ell = ""
    if "." in spec:
        unused = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in spec]
        dims = [np.ndim(x) - (len(t) - 3) if "..." in t else 0 for t, x in zip(terms, operands)]
        ell = "".join(unused[: max(dims)])
        # Ellipsis dimensions align on the right, as in broadcasting.
        terms = [t.replace("...", ell[len(ell) - d :]) for t, d in zip(terms, dims)]
        out = out.replace("...", ell)
    if not arrow:
        # Implicit form: ellipsis dimensions, then the labels used once, in sorted order.
        joined = "".join(terms)
        out = ell + "".join(sorted(c for c in set(joined) if joined.count(c) == 1 and c not in ell))
    return terms, out


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # NumPy's sublist labels 0..51


def _sublist_term(sublist):
    """A sublist ``[0, 1, Ellipsis]`` as the term ``'AB...'``."""
    return "".join("..." if k is Ellipsis else _LETTERS[operator.index(k)] for k in sublist)


def _einsum_spec(args):
    """``(subscripts, operands, positions)`` for either calling form of einsum:
    ``einsum('ij,jk->ik', a, b)`` or the interleaved ``einsum(a, [0, 1], b, [1, 2], [0, 2])``;
    ``positions[k]`` is operand ``k``'s position among the arguments."""
    if isinstance(args[0], str):
        return args[0], args[1:], range(1, len(args))
    pairs = len(args) // 2
    operands = args[0 : 2 * pairs : 2]
    terms = ",".join(_sublist_term(s) for s in args[1 : 2 * pairs : 2])
    out = "->" + _sublist_term(args[-1]) if len(args) % 2 else ""
    return terms + out, operands, range(0, 2 * pairs, 2)


def _einsum_cot(g, terms, out, operands, k, optimize):
    """The cotangent of operand ``k``: an einsum of ``g`` with the other operands.

    Labels that occur only in operand ``k`` were summed over, so the
    cotangent is constant along them (broadcast); a label repeated within
    operand ``k`` ('ii') selected a diagonal, so the cotangent is put on that
    diagonal and is zero elsewhere.
    """
    term, x = terms[k], operands[k]
    shape = np.shape(x)
    size = dict(zip(term, shape))
    labels = "".join(dict.fromkeys(term))  # without repeats, in order
    others = [j for j in range(len(terms)) if j != k]
    seen = set(out).union(*(terms[j] for j in others))
    target = "".join(c for c in labels if c in seen)
    spec = ",".join([out] + [terms[j] for j in others]) + "->" + target
    c = np.einsum(spec, g, *[operands[j] for j in others], optimize=optimize)
    c = np.reshape(c, [c.shape[target.index(label)] if label in target else 1 for label in labels])
    # An axis of length 1 in x that was broadcast against a longer one: sum it.
    wide = tuple(i for i, label in enumerate(labels) if size[label] == 1 and c.shape[i] != 1)
    if wide:
        c = np.sum(c, axis=wide, keepdims=True)
    c = np.broadcast_to(c, [size[label] for label in labels])
    if len(labels) == len(term):
        return c
    cot = np.zeros(shape, dtype=np.result_type(c, np.float64), like=_rt.like(c))
    index = tuple(np.arange(size[label], like=_rt.like(c)).reshape([-1 if m == label else 1 for m in labels]) for label in term)
    cot[index] = c
    return cot


@vjp(np.einsum, complex=True)
def einsum(g, ans, *args, optimize=False):
    """Both calling forms: subscripts as a string, explicit ('ij,jk->ik') and
    implicit ('ij,jk'), with repeated labels ('ii->i', 'ii') and ellipses; and
    the interleaved form einsum(a, [0, 1], b, [1, 2], [0, 2]), with or without
    the output sublist, Ellipsis in sublists. One cotangent per argument: the
    subscripts and sublists get none."""
    subscripts, operands, positions = _einsum_spec(args)
    terms, out = _einsum_terms(subscripts, operands)
    g = np.asarray(g, like=_rt.like(*operands))
    # A precomputed contraction path fits only the forward einsum: let NumPy choose.
    optimize = optimize if isinstance(optimize, (bool, str)) else True
    cots = [None] * len(args)
    for k, position in enumerate(positions):
        cots[position] = _einsum_cot(g, terms, out, operands, k, optimize)
    return tuple(cots)


# -- diagonals and traces ----------------------------------------------------------------------


def _diagonal_cot(d, shape, offset, axis1, axis2):
    """Put ``d``, the cotangent of ``np.diagonal(a, offset, axis1, axis2)`` (the
    diagonal on its last axis), on that diagonal of a zero array of ``shape``."""
    ndim = len(shape)
    ax1, ax2 = axis1 % ndim, axis2 % ndim
    rest = [n for k, n in enumerate(shape) if k not in (ax1, ax2)]
    like = _rt.like(d)
    if like is not None:  # another library's array, without a store (Dask's take few): d's rows, where the diagonal is
        rows, first = shape[ax1], max(-offset, 0)
        by_row = np.pad(d, [(0, 0)] * (np.ndim(d) - 1) + [(first, rows - np.shape(d)[-1] - first)])
        on = np.arange(rows, like=like)[:, None] + offset == np.arange(shape[ax2], like=like)
        out = np.where(on, by_row[..., :, None], 0).astype(np.result_type(d.dtype, np.float64))
        return np.moveaxis(np.broadcast_to(out, rest + [rows, shape[ax2]]), (-2, -1), (ax1, ax2))
    out = np.zeros(rest + [shape[ax1], shape[ax2]], dtype=np.result_type(d, np.float64))
    i = np.arange(np.shape(d)[-1])
    out[..., i + max(-offset, 0), i + max(offset, 0)] = d
    return np.moveaxis(out, (-2, -1), (ax1, ax2))


@vjp(np.diagonal, np.ndarray.diagonal, complex=True)
def diagonal(g, ans, a, offset=0, axis1=0, axis2=1):
    return _diagonal_cot(g, np.shape(a), offset, axis1, axis2)


def _trace_cot(g, ans, a, offset, axis1, axis2):
    """The trace sums the diagonal: every diagonal entry gets ``g``."""
    n = np.shape(np.diagonal(a, offset, axis1, axis2))[-1]
    d = np.broadcast_to(np.expand_dims(_rt.as_array(g, ref=a), -1), np.shape(ans) + (n,))
    return _diagonal_cot(d, np.shape(a), offset, axis1, axis2)


@vjp(np.trace, np.ndarray.trace, complex=True)
def trace(g, ans, a, offset=0, axis1=0, axis2=1):
    return _trace_cot(g, ans, a, offset, axis1, axis2)


@vjp(np.linalg.diagonal, complex=True)
def linalg_diagonal(g, ans, x, *, offset=0):
    # np.linalg.diagonal takes the diagonals of the last two axes.
    return _diagonal_cot(g, np.shape(x), offset, -2, -1)


@vjp(np.linalg.trace, complex=True)
def linalg_trace(g, ans, x, *, offset=0):
    # np.linalg.trace sums the diagonals of the last two axes.
    return _trace_cot(g, ans, x, offset, -2, -1)


@vjp(np.diag, complex=True)
def diag(g, ans, v, k=0):
    """1-D v: the result has v on its k-th diagonal; 2-D v: the result is that diagonal."""
    if np.ndim(v) == 1:
        return np.diagonal(g, k)
    return _diagonal_cot(g, np.shape(v), k, 0, 1)


@vjp(np.diagflat, complex=True)
def diagflat(g, ans, v, k=0):
    # v, flattened, is the k-th diagonal of the result
    return np.reshape(np.diagonal(g, k), np.shape(v))


# -- inverses and solves -------------------------------------------------------------------------


@vjp(np.linalg.inv, complex=True)
def inv(g, ans, a):
    # d(A^-1) = -A^-1 dA A^-1
    return -np.swapaxes(ans, -1, -2) @ g @ np.swapaxes(ans, -1, -2)


@vjp(np.linalg.solve, complex=True)
def solve(g, ans, a, b):
    """x = A^-1 b: b's cotangent is A^-T g, A's is -(A^-T g) x^T.

    b is one vector when it is 1-D, else a (stack of) matrices, as in NumPy 2."""
    if np.ndim(b) == 1:
        gb = np.linalg.solve(_T(a), np.expand_dims(g, -1))  # (..., M, 1)
        ga = -gb * np.expand_dims(ans, -2)
        gb = gb[..., 0]
    else:
        gb = np.linalg.solve(_T(a), g)
        ga = -gb @ _T(ans)
    return _rt.unbroadcast(ga, a), _rt.unbroadcast(gb, b)


@vjp(np.linalg.pinv)
def pinv(g, ans, a):
    """The derivative of the pseudo-inverse where the rank is constant (e.g. full rank):

    dA+ = -A+ dA A+ + A+ A+^T dA^T (I - A A+) + (I - A+ A) dA^T A+^T A+
    """
    p, pt = ans, _T(ans)
    m, n = np.shape(a)[-2:]
    left = _rt.eye(m, like=_rt.like(p)) - a @ p  # I - A A+, (m, m)
    right = _rt.eye(n, like=_rt.like(p)) - p @ a  # I - A+ A, (n, n)
    gt = _T(g)
    return -pt @ g @ pt + left @ gt @ p @ pt + pt @ p @ gt @ right


# -- determinants ------------------------------------------------------------------------------


@vjp(np.linalg.det, complex=True)
def det(g, ans, a):
    return np.expand_dims(_rt.as_array(g, ref=a), (-2, -1)) * _rt.rules.linalg.cofactors(a, ans)


def cofactors(a, det):
    """The matrix of cofactors of ``a`` (stacked), d det(A) / dA: det(A) A^-T where A is
    invertible, and from the SVD A = U S V^H where it is not, since the cofactors exist
    at every matrix: adj(A) = det(U) det(V^H) V diag(prod_{j != i} s_j) U^H."""
    try:
        with np.errstate(all="ignore"):
            found = np.expand_dims(det, (-2, -1)) * _T(np.linalg.inv(a))
        if np.all(np.isfinite(found)):
            return found
    except np.linalg.LinAlgError:  # an exactly singular matrix
        pass
    u, s, vh = np.linalg.svd(a)
    others = np.prod(np.where(_rt.eye(s.shape[-1], bool, like=_rt.like(s)), 1.0, s[..., None, :]), axis=-1)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    adjugate = np.expand_dims(sign, (-2, -1)) * (np.conj(_T(vh)) * others[..., None, :]) @ np.conj(_T(u))
    return _T(adjugate)


@vjp(np.linalg.slogdet, outputs=2)
def slogdet(g, ans, a):
    # The sign is piecewise constant: only log|det A| has a cotangent, A^-T.
    return np.expand_dims(_rt.as_array(g[1], ref=a), (-2, -1)) * _T(_rt.rules.linalg.inverse_of(a, "np.linalg.slogdet"))


def inverse_of(a, name):
    """``inv(a)``, or AD411 where ``a`` is singular: log|det| is -inf there, with no derivative."""
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise errors.AD411_SINGULAR.error(name=name) from None


# -- symmetric decompositions (see the module docstring for the convention) ---------------------


@vjp(np.linalg.cholesky)
def cholesky(g, ans, a, *, upper=False):
    """A = L L^T. With P = Phi(L^T gL) (lower triangle, diagonal halved),
    the symmetric cotangent is sym(L^-T P L^-1)."""
    upper = upper or _rt.backends.upper_cholesky(ans)
    low, glow = (_T(ans), _T(g)) if upper else (ans, g)
    m = _T(low) @ glow
    p = np.tril(m) - 0.5 * _rt.eye(m.shape[-1], like=_rt.like(m)) * m
    triangular = sys.modules.get("scipy.linalg")  # two triangular solves, where the program has SciPy loaded already (on NumPy's arrays)
    if triangular is not None and type(low) is np.ndarray and low.ndim == 2:
        s = triangular.solve_triangular(low, p, trans=1, lower=True)  # L^-T P
        return _sym(_T(triangular.solve_triangular(low, _T(s), trans=1, lower=True)))  # ... L^-1
    linv = np.linalg.inv(low)
    return _sym(_T(linv) @ p @ linv)


def _off_diagonal_inverse_gaps(w):
    """F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it (distinct w)."""
    gaps = np.expand_dims(w, -2) - np.expand_dims(w, -1)
    on = _rt.eye(w.shape[-1], bool, like=_rt.like(w))
    return np.where(on, 0.0, 1.0 / np.where(on, 1.0, gaps))


def _refuse_tied_vectors(same, gv, name):
    """AD411 when an eigenvector of a repeated eigenvalue (``same[i, j]``, i != j) has a
    cotangent: it is not determined by the matrix."""
    off = same & ~_rt.eye(same.shape[-1], bool, like=_rt.like(same))
    tied = np.expand_dims(np.any(off, axis=-1), -2)
    if np.any(np.where(tied, gv, 0.0)):
        raise errors.AD411_TIED_EIGENVECTORS.error(name=name)


@vjp(np.linalg.eigh, outputs=2)
def eigh(g, ans, a, UPLO="L"):
    """A = V diag(w) V^T with distinct eigenvalues w:
    abar = sym(V (diag(wbar) + F o (V^T Vbar)) V^T), F from the eigenvalue gaps.
    At a repeated eigenvalue F is infinite; the eigenvectors of the repeated ones
    are not determined (AD411 if they have a cotangent), and when they are unused
    their entries of V^T Vbar are exactly 0 and add nothing (not inf * 0)."""
    w, v = ans
    gw = np.broadcast_to(_rt.as_array(g[0], ref=w), w.shape)  # an unused output's cotangent is 0.0
    inner = _rt.eye(w.shape[-1], like=_rt.like(w)) * np.expand_dims(gw, -2)
    if np.any(g[1]):
        gv = np.broadcast_to(g[1], v.shape)
        _refuse_tied_vectors(np.expand_dims(w, -2) == np.expand_dims(w, -1), gv, "np.linalg.eigh")
        inner = inner + _rt.times(_T(v) @ gv, _off_diagonal_inverse_gaps(w))
    return _sym(v @ inner @ _T(v))


@vjp(np.linalg.eigvalsh)
def eigvalsh(g, ans, a, UPLO="L"):
    # d w_i = v_i^T dA v_i, so abar = V diag(wbar) V^T.
    w, v = np.linalg.eigh(a, UPLO)
    return (v * np.expand_dims(g, -2)) @ _T(v)


# -- singular values --------------------------------------------------------------------------------


@vjp(np.linalg.svdvals)
def svdvals(g, ans, x):
    # d s_i = u_i^T dA v_i (distinct, nonzero singular values): abar = U diag(sbar) V^T.
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    return (u * np.expand_dims(g, -2)) @ vh


@vjp(np.linalg.svd, outputs=3)
def svd(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    """A = U diag(s) V^T with distinct, nonzero singular values.

    abar = U (J S + diag(sbar) + S K) V^T + (I - U U^T) Ubar S^-1 V^T + U S^-1 Vbar^T (I - V V^T),
    J = F o (U^T Ubar - Ubar^T U), K = F o (V^T Vbar - Vbar^T V), F[i, j] = 1 / (s_j^2 - s_i^2).

    The full factors of a non-square A (full_matrices=True) have columns of U (rows
    of V^T) that A does not determine; the gradient exists when the result does not
    depend on them, and is then that of the reduced factors (else AD411).
    ``hermitian=True`` (a symmetric ``a``): the symmetric cotangent, as for eigh.
    """
    u, s, vh = ans
    m, n = np.shape(a)[-2:]
    if full_matrices and m != n:
        k = min(m, n)
        g = (_reduced(g[0], -1, k, "columns of U"), g[1], _reduced(g[2], -2, k, "rows of V^T"))
        u, vh = u[..., :, :k], vh[..., :k, :]
    gs = np.broadcast_to(_rt.as_array(g[1], ref=s), s.shape)  # an unused output's cotangent is 0.0
    like = _rt.like(s)
    core = _rt.eye(s.shape[-1], like=like) * np.expand_dims(gs, -2)  # diag(sbar)
    row, col = np.expand_dims(s, -1), np.expand_dims(s, -2)
    # unused factors add nothing (not inf * 0 at repeated or zero singular values)
    use_u, use_v = bool(np.any(g[0])), bool(np.any(g[2]))
    if use_u or use_v:
        f = _off_diagonal_inverse_gaps(s**2)
    if use_u:
        gu = np.broadcast_to(g[0], u.shape)
        core = core + f * (_T(u) @ gu - _T(gu) @ u) * col  # + J S
    if use_v:
        v, gv = _T(vh), _T(np.broadcast_to(g[2], vh.shape))
        core = core + row * (f * (vh @ gv - _T(gv) @ v))  # + S K
    abar = u @ core @ vh
    # The parts of Ubar and Vbar outside the spans of U and V (non-square A):
    if use_u:
        abar = abar + (_rt.eye(m, like=like) - u @ _T(u)) @ (gu / col) @ vh
    if use_v:
        abar = abar + (u / col) @ _T(gv) @ (_rt.eye(n, like=like) - v @ vh)
    return _sym(abar) if hermitian else abar


@variant(np.linalg.svd, lambda compute_uv=True, **_: compute_uv is False or compute_uv == 0)
def svd_values(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    """compute_uv=False: the singular values alone, d s_i = u_i^T dA v_i, which holds at
    repeated singular values too (any singular vectors of the repeated ones give it,
    for a cotangent equal on them; the sum of singular values is then differentiable)."""
    u, s, vh = np.linalg.svd(a, full_matrices=False, hermitian=hermitian)
    abar = (u * np.expand_dims(g, -2)) @ vh
    return _sym(abar) if hermitian else abar


def _reduced(g, axis, k, what):
    """The cotangent of a full factor cut to its first ``k`` entries along ``axis``; the
    entries cut away must get none (the result must not depend on that undetermined part)."""
    if np.ndim(g) == 0:
        if g != 0:
            raise errors.AD411_SVD_FULL.error(what=what)
        return g
    head, tail = np.split(g, [k], axis=axis)
    if np.any(tail):
        raise errors.AD411_SVD_FULL.error(what=what)
    return head




# -- matvec, vecmat, cond ---------------------------------------------------------------------------
# NumPy 2.2's gufuncs: matvec(A, v)[..., i] = sum_j A[..., i, j] v[..., j];
# vecmat(v, A)[..., j] = sum_i conj(v[..., i]) A[..., i, j] (real arrays here: no conjugation).

if hasattr(np, "matvec"):

    @vjp(np.matvec)
    def matvec(g, ans, x1, x2):
        return _rt.unbroadcast(np.expand_dims(g, -1) * np.expand_dims(x2, -2), x1), _rt.unbroadcast(np.sum(np.expand_dims(g, -1) * x1, axis=-2), x2)

    @vjp(np.vecmat)
    def vecmat(g, ans, x1, x2):
        return _rt.unbroadcast(np.sum(x2 * np.expand_dims(g, -2), axis=-1), x1), _rt.unbroadcast(np.expand_dims(x1, -1) * np.expand_dims(g, -2), x2)


def _cond_cot(g, ans, x, p):
    """cond(x, p): for p None/2/-2 the ratio of the extreme singular values, whose
    derivatives are u_k v_k^T; else norm(x, p) * norm(inv(x), p), through the norm's
    rule and inv's. At tied extreme singular values (or tied column/row sums) the
    cotangent is a subgradient, as for the norms."""
    x = _rt.as_array(x)
    x = x.astype(np.result_type(x.dtype, np.float64), copy=False)
    g = np.expand_dims(_rt.as_array(g, float, ref=x), (-2, -1))
    if p is None or p == 2 or p == -2:
        u, s, vh = np.linalg.svd(x, full_matrices=False)
        hi = u[..., :, :1] @ vh[..., :1, :]
        lo = u[..., :, -1:] @ vh[..., -1:, :]
        smax, smin = s[..., :1, None], s[..., -1:, None]
        if p == -2:  # smin / smax
            return g * (lo / smax - smin / smax**2 * hi)
        return g * (hi / smin - smax / smin**2 * lo)
    norm_cot = _rt.rules.reductions._matrix_norm_cot
    xi = np.linalg.inv(x)
    n1 = np.expand_dims(np.linalg.norm(x, p, axis=(-2, -1)), (-2, -1))
    n2 = np.expand_dims(np.linalg.norm(xi, p, axis=(-2, -1)), (-2, -1))
    d1 = norm_cot(g * n2, n1, x, p)
    d2 = norm_cot(g * n1, n2, xi, p)
    return -_T(xi) @ d2 @ _T(xi) + d1


@vjp(np.linalg.cond)
def cond(g, ans, x, p=None):
    return _rt.rules.linalg._cond_cot(g, ans, x, p)
