import numpy as np
import pytest

from adgen.runtime.registry import lookup
from tests.rules.harness import check_cotangent_shapes, Case, check_case, cotangents, unary_cases

rng = np.random.default_rng(1)
M = rng.uniform(-2, 2, (2, 3))
T = rng.uniform(-2, 2, (2, 3, 4))
V = rng.uniform(-2, 2, (5,))
POS = rng.uniform(0.5, 2, (2, 3))  # away from zero, for prod
W3 = rng.uniform(0.5, 2, (3,))  # weights for np.average
W24 = rng.uniform(0.5, 2, (2, 4))

# every axis spelling a 3-D reduction takes
AXES = [{}, {"axis": 0}, {"axis": -1}, {"axis": (0, 2)}, {"axis": 1, "keepdims": True}, {"axis": None, "keepdims": True}]


def reduction_cases(primal, x=T, axes=AXES, shapes=((), (4,), (2, 3)), **kw):
    """The primal on a scalar, vector and matrix, then on a 3-D array with every axis spelling."""
    return [*unary_cases(primal, shapes=shapes, **kw)] + [Case(primal, (x,), dict(k), **kw) for k in axes]


# A zero in prod's input must not give NaN/inf; one zero and two zeros.
ONE_ZERO = np.array([1.5, -0.7, 0.0, 2.0])
TWO_ZEROS = np.array([[1.5, 0.0, 0.0], [0.3, -1.2, 0.8]])
# A matrix with one exact zero per column, for cumprod.
ZERO_COLS = np.array([[1.5, 0.0, 0.9], [0.0, -1.2, 0.8], [0.7, 1.1, 0.0]])

# np.linalg.norm: a square matrix with well separated singular values, and a stack of them.
SQ = np.array([[3.0, 0.5, -0.2], [0.4, -2.0, 0.3], [0.1, 0.2, 1.0]])
STACK = np.stack([SQ, SQ.T + 0.3 * np.eye(3)])
WIDE = rng.uniform(-2, 2, (2, 4))

CASES = [
    # sums and means
    *reduction_cases(np.sum),
    *reduction_cases(np.ndarray.sum, shapes=[(4,), (2, 3)]),
    *reduction_cases(np.mean),
    *reduction_cases(np.ndarray.mean, shapes=[(4,), (2, 3)]),
    *reduction_cases(np.nansum),
    *reduction_cases(np.nanmean),
    Case(np.nansum, (np.array([1.0, np.nan, -0.5, 2.0]),), id="nansum[nan]"),
    Case(np.nanmean, (np.array([[1.0, np.nan, -0.5], [2.0, 0.3, np.nan]]),), {"axis": 1}, id="nanmean[nan]"),
    # np.average, without and with weights (differentiable in both)
    *reduction_cases(np.average, shapes=[(4,), (2, 3)]),
    # weights passed positionally, so that the oracle checks their cotangent too
    Case(np.average, (M, None, POS)),
    Case(np.average, (M, 0, POS), {"keepdims": True}),
    Case(np.average, (T, 1, W3)),
    Case(np.average, (T, -2, W3), {"keepdims": True}),
    Case(np.average, (T, (2, 0), W24.T)),
    Case(np.average, (T, (0, -1), W24), {"keepdims": True}),
    # prod, with and without zeros
    *reduction_cases(np.prod, x=rng.uniform(0.5, 1.5, (2, 3, 4))),
    *unary_cases(np.ndarray.prod, low=0.5, high=2.0, shapes=[(4,), (2, 3)]),
    Case(np.ndarray.prod, (POS,), {"axis": -1, "keepdims": True}),
    Case(np.prod, (ONE_ZERO,), id="prod[one zero]"),
    Case(np.prod, (TWO_ZEROS,), id="prod[two zeros]"),
    Case(np.prod, (TWO_ZEROS,), {"axis": 1}, id="prod[two zeros,axis]"),
    Case(np.prod, (TWO_ZEROS,), {"axis": 0}, id="prod[zero,axis0]"),
    # extrema (random inputs have no ties)
    *[c for p in (np.max, np.amax, np.min, np.amin) for c in reduction_cases(p)],
    *[c for p in (np.ndarray.max, np.ndarray.min) for c in reduction_cases(p, shapes=[(4,), (2, 3)])],
    *reduction_cases(np.ptp, shapes=[(4,), (2, 3)]),
    # spread, with ddof
    *reduction_cases(np.var),
    *reduction_cases(np.std),
    *reduction_cases(np.ndarray.var, shapes=[(4,), (2, 3)]),
    *reduction_cases(np.ndarray.std, shapes=[(4,), (2, 3)]),
    Case(np.var, (T,), {"axis": (1, 2), "ddof": 1}),
    Case(np.std, (T,), {"axis": -2, "ddof": 1, "keepdims": True}),
    Case(np.ndarray.var, (M,), {"ddof": 1}),
    Case(np.ndarray.std, (M,), {"axis": 0, "ddof": 1}),
    # scans
    *reduction_cases(np.cumsum, axes=[{}, {"axis": 0}, {"axis": -1}, {"axis": None}]),
    *reduction_cases(np.cumprod, x=rng.uniform(0.5, 1.5, (2, 3, 4)), axes=[{}, {"axis": 1}, {"axis": -1}]),
    Case(np.ndarray.cumsum, (M,), {"axis": 1}),
    Case(np.ndarray.cumsum, (M,)),
    Case(np.ndarray.cumprod, (POS,), {"axis": 0}),
    Case(np.ndarray.cumprod, (POS,)),
    Case(np.cumprod, (ONE_ZERO,), id="cumprod[one zero]"),
    Case(np.cumprod, (TWO_ZEROS,), id="cumprod[two zeros,flat]"),
    Case(np.cumprod, (ZERO_COLS,), {"axis": 0}, id="cumprod[zeros,axis0]"),
    Case(np.cumprod, (ZERO_COLS,), {"axis": -1}, id="cumprod[zeros,axis-1]"),
    # vector norms
    *unary_cases(np.linalg.norm),
    *[Case(np.linalg.norm, (V,), {"ord": o}) for o in (None, 2, 1, np.inf, -np.inf, 3, 0.5, -1.5)],
    *[Case(np.linalg.norm, (M,), {"ord": o, "axis": 1}) for o in (None, 2, 1, np.inf, -np.inf, 3)],
    Case(np.linalg.norm, (T,)),
    Case(np.linalg.norm, (T,), {"keepdims": True}),
    Case(np.linalg.norm, (T,), {"axis": -1, "keepdims": True}),
    Case(np.linalg.norm, (T,), {"ord": 4, "axis": 0}),
    Case(np.linalg.norm, (T,), {"ord": np.inf, "axis": (1,)}),
    Case(np.linalg.norm, (V,), {"ord": 0}, id="norm[ord 0]"),
    # the array API's vector_norm: axis None or a tuple flatten into one vector
    *[Case(np.linalg.vector_norm, (T,), {"ord": o}) for o in (2, 1, np.inf, -np.inf, 3, 0.5)],
    Case(np.linalg.vector_norm, (V,)),
    Case(np.linalg.vector_norm, (T,), {"axis": (0, 2), "keepdims": True}),
    Case(np.linalg.vector_norm, (T,), {"axis": (-1, 0), "ord": np.inf}),
    Case(np.linalg.vector_norm, (T,), {"axis": 1, "ord": 1}),
    Case(np.linalg.vector_norm, (T,), {"keepdims": True, "ord": 3}),
    # matrix norms
    *[Case(np.linalg.norm, (SQ,), {"ord": o}) for o in (None, "fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf)],
    *[Case(np.linalg.norm, (WIDE,), {"ord": o}) for o in ("fro", "nuc", 2, -2, 1, np.inf)],
    *[Case(np.linalg.norm, (STACK,), {"ord": o, "axis": (1, 2)}) for o in ("fro", "nuc", 2, 1, np.inf)],
    Case(np.linalg.norm, (STACK,), {"ord": 2, "axis": (2, 0)}),
    Case(np.linalg.norm, (STACK,), {"ord": 1, "axis": (-1, -3), "keepdims": True}),
    Case(np.linalg.norm, (STACK,), {"ord": "nuc", "axis": (1, 2), "keepdims": True}),
    *[Case(np.linalg.matrix_norm, (STACK,), {"ord": o}) for o in ("fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf)],
    Case(np.linalg.matrix_norm, (WIDE,)),
    Case(np.linalg.matrix_norm, (STACK,), {"ord": 2, "keepdims": True}),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_cotangent_shapes(case):
    """Cotangents have exactly their argument's shape (not merely a broadcastable one)."""
    check_cotangent_shapes(case)


def test_prod_with_a_zero_is_finite():
    g = cotangents(lookup(np.prod), 1.0, np.prod(ONE_ZERO), (ONE_ZERO,), {})[0]
    assert np.array_equal(g, [0.0, 0.0, 1.5 * -0.7 * 2.0, 0.0])


def test_max_splits_ties_equally():
    x = np.array([1.0, 3.0, 3.0, -2.0])
    g = cotangents(lookup(np.max), 1.0, np.max(x), (x,), {})[0]
    assert np.array_equal(g, [0.0, 0.5, 0.5, 0.0])


def test_std_of_constant_is_zero():
    x = np.full((3,), 2.0)
    g = cotangents(lookup(np.std), 1.0, np.std(x), (x,), {})[0]
    assert np.array_equal(g, np.zeros(3))
