"""scipy.special's rules, checked against finite differences (and end to end by
test_through_transpiler, which spells them ``scipy.special.f(...)``)."""

import numpy as np
import pytest
from scipy import special

from adgen import grad
from adgen.errors import TranspileError
from gradcheck import check_grad
from tests.rules.harness import Case, binary_cases, check_case, unary_cases

rng = np.random.default_rng(11)
A = rng.uniform(-2, 2, (2, 3))
B = rng.uniform(0.5, 2, (2, 3))

# (primal, low, high): a domain per function, away from poles and branch points
UNARY = [
    (special.expit, -3, 3), (special.logit, 0.1, 0.9), (special.log_expit, -3, 3),
    (special.gammaln, 0.5, 4), (special.digamma, 0.5, 4), (special.psi, 0.5, 4),
    (special.erf, -2, 2), (special.erfc, -2, 2), (special.erfinv, -0.9, 0.9), (special.erfcinv, 0.1, 1.9),
    (special.ndtr, -2, 2), (special.log_ndtr, -6, 2), (special.ndtri, 0.05, 0.95),
    (special.entr, 0.1, 3),
    (special.i0, -3, 3), (special.i1, -3, 3), (special.i0e, -3, 3), (special.i1e, -3, 3),
    (special.j0, -4, 4), (special.j1, -4, 4), (special.y0, 0.5, 5), (special.y1, 0.5, 5),
]
BINARY = [
    (special.betaln, 0.5, 3, 0.5, 3),
    (special.xlogy, -2, 2, 0.5, 3), (special.xlog1py, -2, 2, -0.5, 3),
    (special.rel_entr, 0.1, 3, 0.1, 3), (special.kl_div, 0.1, 3, 0.1, 3),
]

CASES = [
    *(c for f, lo, hi in UNARY for c in unary_cases(f, lo, hi)),
    *(c for f, lo, hi, lo2, hi2 in BINARY for c in binary_cases(f, lo, hi, lo2, hi2)),
    # at 0 the derivatives of i1 (1/2), i0 (0) and i0e (a kink: sign(0) = 0 takes the mean) exist or are split
    Case(special.i1, (np.array([0.0, 0.3, -0.7]),), id="i1-at-0"),
    Case(special.i0, (np.array([0.0, 0.3, -0.7]),), id="i0-at-0"),
    # xlogy(0, y) = 0 for every y: the cotangent of y is 0 there
    Case(special.xlogy, (np.array([0.0, 1.5, -0.5]), np.array([0.7, 2.0, 1.3])), id="xlogy-x0"),
    Case(special.polygamma, (1, rng.uniform(0.5, 3, 4)), wrt=(1,)),
    Case(special.polygamma, (2, rng.uniform(0.5, 3, (2, 3))), wrt=(1,)),
    Case(special.multigammaln, (3.7, 3), wrt=(0,)),
    Case(special.multigammaln, (rng.uniform(2, 4, 3), 2), wrt=(0,)),
    Case(special.gammainc, (2.5, rng.uniform(0.5, 3, 4)), wrt=(1,)),
    Case(special.gammainc, (np.array([0.5, 1.5, 3.0]), rng.uniform(0.5, 3, (2, 3))), wrt=(1,)),
    Case(special.gammaincc, (2.5, rng.uniform(0.5, 3, 4)), wrt=(1,)),
    Case(special.iv, (1.5, rng.uniform(0.5, 3, 4)), wrt=(1,)),
    Case(special.iv, (0, rng.uniform(-3, 3, (2, 3))), wrt=(1,)),
    Case(special.ive, (1.5, rng.uniform(0.5, 3, 4)), wrt=(1,)),
    Case(special.ive, (2, rng.uniform(-3, 3, (2, 3))), wrt=(1,)),
    Case(special.logsumexp, (A,)),
    *(Case(special.logsumexp, (A,), {"axis": ax}) for ax in (0, 1, -1, (0, 1))),
    Case(special.logsumexp, (A,), {"axis": 1, "keepdims": True}),
    Case(special.logsumexp, (A,), {"b": B}, wrt=(0,)),
    Case(special.logsumexp, (A,), {"axis": 0, "b": B[0]}, wrt=(0,)),
    Case(special.logsumexp, (A, 1, B)),
    Case(special.logsumexp, (A, 0, B[0]), id="logsumexp-b-broadcast"),
    Case(special.logsumexp, (rng.uniform(-2, 2, 5),)),
    *(Case(special.softmax, (A,), {"axis": ax}) for ax in (None, 0, 1, -1)),
    *(Case(special.log_softmax, (A,), {"axis": ax}) for ax in (None, 0, 1)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


def test_large_arguments_stay_finite():
    # far in the tail log_ndtr's derivative is about -x; i0e's about -1/(2x) * i0e
    x = np.array([-40.0, -10.0, 5.0])
    g = grad(lambda x: np.sum(special.log_ndtr(x)))(x)
    np.testing.assert_allclose(g[:2], -x[:2], rtol=0.01)
    assert np.all(np.isfinite(grad(lambda z: np.sum(special.i0e(z)))(np.array([50.0, 800.0]))))


def test_a_differentiated_order_is_ad311():
    def f(v, z):
        return np.sum(special.iv(v, z))

    check_grad(f, (1.5, np.array([0.5, 1.0])), 1, grad(f, wrt=1)(1.5, np.array([0.5, 1.0])))
    with pytest.raises(TranspileError) as err:
        grad(f, wrt=0)(1.5, np.array([0.5, 1.0]))
    (diag,) = err.value.diagnostics
    assert diag.code == "AD311" and "does not differentiate its parameter `v`" in diag.message


def test_return_sign_is_refused():
    def f(x):
        value, sign = special.logsumexp(x, return_sign=True)
        return value

    with pytest.raises(TranspileError, match="AD210"):
        grad(f)(np.array([0.5, 1.0]))
