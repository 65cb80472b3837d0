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
    c, low = linalg.cho_factor(a, lower=lower)
    return (np.tril(c) if low else np.triu(c)), low


def signed_eigh(a, **kw):
    """eigh with each eigenvector's first entry positive: LAPACK's signs may flip between the
    points finite differences take (the derivative is that of either choice)."""
    out = linalg.eigh(a, **kw)
    if isinstance(out, tuple):
        w, v = out
        return w, v * np.where(v[:1] < 0, -1.0, 1.0)
    return out


S = spd(4)
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
    Case(linalg.cho_solve, (C_UP, B4), id="cho_solve[upper,b1]"),
    Case(linalg.cho_solve, (C_UP, B43), id="cho_solve[upper,b2]"),
    Case(linalg.cho_solve, (C_LOW, B4), id="cho_solve[lower,b1]"),
    Case(linalg.cho_solve, (C_LOW, B43), id="cho_solve[lower,b2]"),
    # LU
    Case(linalg.lu_factor, (well_conditioned(4)[[2, 0, 3, 1]],), id="lu_factor[pivoted]"),
    Case(linalg.lu_factor, (well_conditioned(3),), id="lu_factor"),
    *(Case(linalg.lu_solve, (LU, b), {"trans": t}, id=f"lu_solve[{t!r},b{np.ndim(b)}]")
      for t in (0, 1, 2) for b in (B4, B43)),
    Case(linalg.lu_solve, (LU, B4), id="lu_solve[defaults]"),
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
    # matrix functions
    Case(linalg.expm, (0.5 * r(3, 3),)),
    Case(linalg.expm, (0.5 * r(1, 1),), id="expm[1x1]"),
    Case(linalg.expm, (0.5 * r(2, 3, 3),), id="expm[stack]"),
    Case(linalg.sqrtm, (spd(3),)),
    Case(linalg.sqrtm, (well_conditioned(3),), id="sqrtm[non-symmetric]"),
    Case(linalg.block_diag, (r(2, 2), r(3), 1.5, r(2, 1))),
    Case(linalg.block_diag, (r(2, 3),), id="block_diag[one]"),
    Case(linalg.block_diag, (r(1, 2), r(3, 1)), id="block_diag[two]"),
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
    return case.fn is None and not isinstance(ans, tuple) and not any(isinstance(a, tuple) for a in case.args)


@pytest.mark.parametrize("case", [c for c in CASES if _plain(c)], ids=lambda c: c.id)
def test_cotangent_shapes(case):
    check_cotangent_shapes(case)
