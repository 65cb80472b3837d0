"""Rules for NumPy's polynomial functions on coefficient arrays, highest power first
(``polyadd``, ``polysub``, ``polymul``, ``polydiv``, ``polyder``, ``polyint``,
``polyfit``, ``roots``, ``poly``; ``polyval`` is in arrays.py). They take 1-D
coefficient arrays (or numbers); ``np.poly1d`` objects are not differentiated.

- ``polyadd``/``polysub``/``polymul``/``polyder``/``polyint`` are linear in each
  argument: the cotangents are the adjoint maps applied to ``g``.
- ``polydiv(u, v)``: ``u = q * v + r`` with ``r`` of lower degree; differentiating that
  identity gives ``dq`` by a triangular (Toeplitz) solve and ``dr`` from it. NumPy drops
  the remainder's leading entries that are close to 0 (``np.allclose``); the dropped
  entries are not part of the result and get no cotangent.
- ``polyfit(x, y, deg, w=...)``: the weighted least-squares solution
  ``c = (A^T A)^-1 A^T b`` with ``A = diag(w) vander(x)``, ``b = diag(w) y``,
  differentiated in ``x``, ``y`` and ``w``. A rank-deficient fit (as ``rcond``
  decides) is AD411, like ``np.linalg.lstsq``; ``full=True`` and ``cov=True`` are
  AD210 (AD411 where only known when the gradient runs).
- ``roots(p)``: a simple root ``z`` of ``p`` moves by ``-sum_i dp_i z^(n-i) / p'(z)``.
  Repeated roots have no derivative one by one, only their sum has (as for ``eig``'s
  eigenvalues). Roots whose computed values are that sensitive (``eps * cond > 1e-10``,
  ``cond = sum_i |p_i| |z|^(n-i) / |p'(z)|``; an exactly repeated root computes with a
  relative error near ``sqrt(eps)``) are grouped (within 1%): a group whose cotangents are
  equal gets the derivative of its sum, a contour integral of ``x^(n-i) / p(x)`` around
  it; unequal ones are AD411 when the gradient runs. Leading zeros of ``p`` are dropped
  by NumPy (fewer roots); they get a zero cotangent.
- ``poly(zeros)``: for a 1-D array of zeros, ``d a / d z_k = -[0, b_k]``, ``b_k`` the
  polynomial of the other zeros; for a square matrix (its characteristic polynomial)
  ``d c_k / dA = -B_(k-1)^T`` with Faddeev-LeVerrier's ``B_0 = I``,
  ``B_j = A B_(j-1) + c_j I``: smooth also at repeated eigenvalues.
"""

import numpy as np

import adgen.runtime as _rt
from adgen.runtime import errors
from adgen.runtime.registry import UNKNOWN, vjp


def _tail(g, ans, arg):
    """The last ``size(arg)`` entries of ``g`` (shaped like ``ans``), shaped like ``arg``:
    NumPy aligns polynomials of different lengths at their constant term."""
    g = np.broadcast_to(g, np.shape(ans))
    n = np.size(arg)
    return np.reshape(g[len(g) - n:], np.shape(arg))


@vjp(np.polyadd)
def polyadd(g, ans, a1, a2):
    return _rt.rules.polynomials._tail(g, ans, a1), _rt.rules.polynomials._tail(g, ans, a2)


@vjp(np.polysub)
def polysub(g, ans, a1, a2):
    return _rt.rules.polynomials._tail(g, ans, a1), -_rt.rules.polynomials._tail(g, ans, a2)


@vjp(np.polymul)
def polymul(g, ans, a1, a2):
    # polymul is np.convolve of the two coefficient arrays
    return (
        np.reshape(np.correlate(np.broadcast_to(g, np.shape(ans)), np.atleast_1d(_rt.as_array(a2, ref=ans)), "valid"), np.shape(a1)),
        np.reshape(np.correlate(np.broadcast_to(g, np.shape(ans)), np.atleast_1d(_rt.as_array(a1, ref=ans)), "valid"), np.shape(a2)),
    )


def _polyder_cot(g, ans, p, m):
    """Each derivative step is p[:-1] * [n-1, ..., 1]; its adjoint scales and appends a 0."""
    g = np.broadcast_to(g, np.shape(ans))
    size = len(np.atleast_1d(p))
    like = _rt.like(g)
    for j in range(int(m), 0, -1):
        n = max(size - j + 1, 0)  # the length before step j
        g = np.concatenate([g * np.arange(n - 1, 0, -1, like=like), np.zeros(min(n, 1), like=like)])
    return np.reshape(g, np.shape(p))


@vjp(np.polyder)
def polyder(g, ans, p, m=1):
    return _rt.rules.polynomials._polyder_cot(g, ans, p, m)


def _polyint_cot(g, ans, p, m, k):
    """Each step divides by [n, ..., 1] and appends the next constant k[j]."""
    m = int(m)
    g = np.broadcast_to(g, np.shape(ans))
    size = len(np.atleast_1d(p))
    like = _rt.like(g)
    dk = np.zeros(m, like=like)
    for j in range(m - 1, -1, -1):
        n = size + j  # the length before step j
        dk[j] = g[-1]
        g = g[:-1] / np.arange(n, 0, -1, like=like)
    if k is None:
        return np.reshape(g, np.shape(p)), None
    ks = np.atleast_1d(k)
    if len(ks) == 1 and m > 1:  # one constant used at every step
        return np.reshape(g, np.shape(p)), np.reshape(np.sum(dk), np.shape(k))
    dks = np.zeros(len(ks), like=like)
    dks[:m] = dk
    return np.reshape(g, np.shape(p)), np.reshape(dks, np.shape(k))


@vjp(np.polyint)
def polyint(g, ans, p, m=1, k=None):
    d = _rt.rules.polynomials._polyint_cot(g, ans, p, m, k)
    return d[0], None, d[1]


def _polydiv_cot(g, ans, u, v):
    q, r = ans
    gq = np.broadcast_to(g[0], np.shape(q))
    gr = np.broadcast_to(g[1], np.shape(r))
    uu, vv = np.atleast_1d(u), np.atleast_1d(v)
    m, n = len(uu) - 1, len(vv) - 1
    like = _rt.like(gq, gr)
    full = np.zeros(m + 1, like=like)
    full[m + 1 - len(r):] = gr  # entries NumPy dropped from r get none
    if m < n:  # q = [0], r = u
        return np.reshape(full, np.shape(u)), np.zeros(np.shape(v), like=like)
    size = m - n + 1
    lags = np.arange(size, like=like)[:, None] - np.arange(size, like=like)[None, :]
    toeplitz = np.where((lags >= 0) & (lags <= n), vv[np.clip(lags, 0, n)], 0.0)
    h = gq - np.correlate(full, vv, "valid")
    gd = full.copy()
    gd[:size] += np.linalg.solve(toeplitz.T, h)
    return np.reshape(gd, np.shape(u)), np.reshape(-np.correlate(gd, q, "valid"), np.shape(v))


@vjp(np.polydiv, outputs=2)
def polydiv(g, ans, u, v):
    d = _rt.rules.polynomials._polydiv_cot(g, ans, u, v)
    return d[0], d[1]


# -- polyfit ------------------------------------------------------------------------------------


def _refuse_polyfit(full=False, cov=False, **_):
    if full is not UNKNOWN and full:
        return "np.polyfit(..., full=True) has no derivative rule (its rank and singular values are piecewise constant); fit without full="
    if cov is not UNKNOWN and (isinstance(cov, str) or cov):
        return "np.polyfit(..., cov=...) has no derivative rule; fit without cov= and compute the covariance from the residuals"
    return None


def _polyfit_cot(g, ans, x, y, deg, rcond, full, w, cov):
    why = _refuse_polyfit(full=full, cov=cov)
    if why:
        raise errors.AD411_RULE_REFUSES.error(reason=why)
    x = _rt.as_array(x, float, ref=y)
    y = _rt.as_array(y, float, ref=x)
    order = int(deg) + 1
    weights = np.ones(len(x), like=_rt.like(x)) if w is None else _rt.as_array(w, float, ref=x)
    vand = np.vander(x, order)
    a = vand * weights[:, None]
    b = y * (weights if y.ndim == 1 else weights[:, None])
    scale = np.sqrt(np.sum(a * a, axis=0))
    scale = np.where(scale == 0, 1.0, scale)
    _, s, vt = np.linalg.svd(a / scale, full_matrices=False)
    cut = (len(x) * np.finfo(float).eps if rcond is None else rcond) * s[0]
    rank = int(np.sum(s > cut))
    if rank < order:
        raise errors.AD411_POLYFIT_RANK.error(rank=rank, order=order)
    c = np.reshape(ans, (order, -1))
    gc = np.reshape(np.broadcast_to(g, np.shape(ans)), (order, -1))
    # z = (A^T A)^-1 gc, with A = (A / scale) diag(scale) and A / scale = U S V^T
    z = (vt.T @ ((vt @ (gc / scale[:, None])) / s[:, None] ** 2)) / scale[:, None]
    resid = np.reshape(b, (len(x), -1)) - a @ c
    da = resid @ z.T - a @ z @ c.T
    db = a @ z
    powers = np.arange(order - 1, -1, -1, like=_rt.like(x))
    slope = np.where(powers > 0, powers * x[:, None] ** np.maximum(powers - 1, 0), 0.0)
    dx = np.sum(da * weights[:, None] * slope, axis=1)
    dy = np.reshape(db * weights[:, None], np.shape(y))
    dw = None if w is None else np.reshape(np.sum(da * vand, axis=1) + np.sum(db * np.reshape(y, (len(x), -1)), axis=1), np.shape(w))
    return dx, dy, dw


@vjp(np.polyfit, refuse=_refuse_polyfit)
def polyfit(g, ans, x, y, deg, rcond=None, full=False, w=None, cov=False):
    d = _rt.rules.polynomials._polyfit_cot(g, ans, x, y, deg, rcond, full, w, cov)
    return d[0], d[1], None, None, None, d[2], None


# -- roots and poly -------------------------------------------------------------------------------




def _clusters(z, shaky):
    """The indices of the sensitive roots, grouped: roots closer than 1% (relative) together."""
    left = [int(k) for k in np.flatnonzero(shaky)]
    groups = []
    while left:
        group = [left.pop(0)]
        for k in group:
            near = [j for j in left if abs(z[j] - z[k]) <= 1e-2 * max(1.0, abs(z[k]))]
            group += near
            left = [j for j in left if j not in near]
        groups.append(group)
    return groups


def _roots_cot(g, ans, p):
    p = np.atleast_1d(p)
    like = _rt.like(p, ans)
    out = np.zeros(np.shape(p), dtype=np.result_type(p, np.float64), like=like)
    nonzero = np.flatnonzero(p)
    if len(nonzero) == 0 or np.size(ans) == 0:
        return out
    lead = nonzero[0]
    q = p[lead:]  # trailing zeros stay: they are the roots at 0
    n = len(q) - 1
    z = _rt.as_array(ans)
    g = np.broadcast_to(g, z.shape)
    exponents = np.arange(n, -1, -1, like=like)
    slope = np.polyval(np.polyder(q), z)
    powers = z[:, None] ** exponents[None, :]  # z_k^(n-i)
    with np.errstate(divide="ignore", invalid="ignore"):
        cond = np.sum(np.abs(q)[None, :] * np.abs(powers), axis=1) / np.abs(slope)
    shaky = ~(np.finfo(float).eps * cond <= 1e-10)
    simple = ~shaky & (g != 0)
    dq = -np.sum((np.where(simple, g, 0.0) / np.where(simple, slope, 1.0))[:, None] * powers, axis=0)
    for group in _clusters(z, shaky):
        # The sum of the roots inside a circle around the group is (1/2 pi i) \oint x p'(x) / p(x) dx,
        # whose derivative in q_i is -(1/2 pi i) \oint x^(n-i) / p(x) dx: smooth also where roots
        # repeat, and computed from p alone (the trapezoidal rule converges geometrically).
        gk = g[group]
        if not np.any(gk):
            continue
        if np.any(gk != gk[0]):
            raise errors.AD411_REPEATED_ROOT.error()
        centre = np.mean(z[group])
        spread = np.max(np.abs(z[group] - centre))
        others = np.delete(z, group)
        gap = np.min(np.abs(others - centre)) if others.size else 4.0 * spread + max(1.0, abs(centre))
        radius = gap / 2.0
        if radius <= 2.0 * spread:
            raise errors.AD411_REPEATED_ROOT.error()
        x = centre + radius * np.exp(2j * np.pi * np.arange(64, like=like) / 64)
        dq = dq - gk[0] * np.mean(x[:, None] ** exponents[None, :] * ((x - centre) / np.polyval(q, x))[:, None], axis=0)
    out[lead:] = dq if np.iscomplexobj(p) else np.real(dq)
    return out


@vjp(np.roots, complex=True)
def roots(g, ans, p):
    return _rt.rules.polynomials._roots_cot(g, ans, p)


def _poly_cot(g, ans, zeros):
    z = np.atleast_1d(zeros)
    if z.ndim == 2:  # the characteristic polynomial of a square matrix
        n = z.shape[0]
        c = np.real(_rt.as_array(ans))
        g = np.broadcast_to(g, c.shape)
        like = _rt.like(z)
        eye = _rt.eye(n, like=like)
        b, da = eye, np.zeros((n, n), like=like)
        for k in range(1, n + 1):
            da = da - g[k] * b.T
            b = z @ b + c[k] * eye
        return np.reshape(da, np.shape(zeros))
    n = len(z)
    if n == 0:
        return np.zeros(np.shape(zeros), like=_rt.like(z))
    g = np.broadcast_to(g, np.shape(ans))
    one = np.ones(1, like=_rt.like(z))
    dz = np.stack([-np.correlate(g[1:], np.poly(np.delete(z, k)) * one, "valid")[0] for k in range(n)])
    return np.reshape(dz, np.shape(zeros))


@vjp(np.poly)
def poly(g, ans, seq_of_zeros):
    return _rt.rules.polynomials._poly_cot(g, ans, seq_of_zeros)
