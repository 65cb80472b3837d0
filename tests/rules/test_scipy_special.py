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
    (special.gamma, 0.5, 4), (special.gamma, -2.8, -2.2), (special.loggamma, 0.5, 4),
    (special.rgamma, -2.8, 3), (special.factorial, 0.3, 4),
    (special.expm1, -2, 2), (special.log1p, -0.5, 2), (special.exprel, -3, 3), (special.cosm1, -3, 3),
    (special.erfcx, -2, 3), (special.dawsn, -3, 3),
    (special.k0, 0.3, 4), (special.k1, 0.3, 4), (special.k0e, 0.3, 4), (special.k1e, 0.3, 4),
    (special.ellipk, -2, 0.9), (special.ellipe, -2, 0.9), (special.wrightomega, -3, 3),
    *([(special.softplus, -4, 4)] if hasattr(special, "softplus") else []),  # SciPy 1.15+
]
BINARY = [
    (special.betaln, 0.5, 3, 0.5, 3),
    (special.xlogy, -2, 2, 0.5, 3), (special.xlog1py, -2, 2, -0.5, 3),
    (special.rel_entr, 0.1, 3, 0.1, 3), (special.kl_div, 0.1, 3, 0.1, 3),
    (special.beta, 0.5, 3, 0.5, 3), (special.poch, 0.5, 3, -0.4, 2), (special.binom, 3, 6, 0.5, 2.5),
    (special.comb, 3, 6, 0.5, 2.5),
    (special.boxcox, 0.3, 3, -1.5, 1.5), (special.boxcox1p, -0.5, 3, -1.5, 1.5),
    (special.inv_boxcox, -0.5, 0.5, -1, 1), (special.inv_boxcox1p, -0.5, 0.5, -1, 1),
    (special.huber, 0.5, 2, -3, 3), (special.pseudo_huber, 0.2, 2, -3, 3),
    (special.owens_t, -2, 2, -2, 2),
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
    *(Case(f, (v, rng.uniform(0.5, 4, (2, 3))), wrt=(1,)) for f in (special.kv, special.kve, special.jv, special.jve, special.yv, special.yve) for v in (0.5, 2, np.array([0.0, 1.5, 3.0]))),
    Case(special.jv, (1.0, rng.uniform(-4, 4, 4)), wrt=(1,)),
    # a scalar argument against an array of orders or shapes: its cotangent sums over them
    *(Case(f, (np.array([0.5, 1.5, 2.0]), 1.3), wrt=(1,)) for f in (special.kv, special.kve, special.jv, special.yve)),
    Case(special.betainc, (np.array([0.5, 2.0]), np.array([[1.5], [3.0]]), 0.4), wrt=(2,)),
    Case(special.gammaincinv, (np.array([0.5, 2.0]), 0.3), wrt=(1,)),
    Case(special.stdtr, (np.array([1.0, 5.0]), -0.7), wrt=(1,)),
    Case(special.bdtr, (np.array([1, 4]), 6, 0.35), wrt=(2,)),
    Case(special.pdtr, (np.array([1, 4]), 2.2), wrt=(1,)),
    Case(special.chdtr, (np.array([1.0, 4.0]), 2.2), wrt=(1,)),
    Case(special.betainc, (2.5, 1.5, rng.uniform(0.1, 0.9, 4)), wrt=(2,)),
    Case(special.betainc, (np.array([0.5, 1.0, 3.0]), 1.0, rng.uniform(0.1, 0.9, (2, 3))), wrt=(2,)),
    Case(special.gammaincinv, (2.5, rng.uniform(0.1, 0.9, 4)), wrt=(1,)),
    Case(special.gammaincinv, (np.array([0.5, 1.0, 3.0]), rng.uniform(0.1, 0.9, (2, 3))), wrt=(1,)),
    Case(special.gammainccinv, (2.5, rng.uniform(0.1, 0.9, 4)), wrt=(1,)),
    Case(special.gammainccinv, (np.array([0.5, 1.0, 3.0]), rng.uniform(0.1, 0.9, (2, 3))), wrt=(1,)),
    Case(special.stdtr, (3.0, rng.uniform(-3, 3, 4)), wrt=(1,)),
    Case(special.stdtr, (np.array([1.0, 2.5, 30.0]), rng.uniform(-3, 3, (2, 3))), wrt=(1,)),
    Case(special.chdtr, (3.0, rng.uniform(0.2, 5, 4)), wrt=(1,)),
    Case(special.chdtr, (np.array([1.0, 2.0, 5.0]), rng.uniform(0.2, 5, (2, 3))), wrt=(1,)),
    Case(special.pdtr, (3, rng.uniform(0.2, 5, 4)), wrt=(1,)),
    Case(special.pdtr, (np.array([0.0, 2.0, 4.5]), rng.uniform(0.2, 5, (2, 3))), wrt=(1,)),
    Case(special.bdtr, (3, 10, rng.uniform(0.05, 0.95, 4)), wrt=(2,)),
    Case(special.bdtr, (np.array([0.0, 2.0, 10.0]), 10, rng.uniform(0.05, 0.95, (2, 3))), wrt=(2,), id="bdtr-k-is-n"),
    Case(special.comb, (5.5, 2.5), {"repetition": True}),
    Case(special.comb, (np.array([4.0, 5.5]), np.array([1.5, 7.0])), id="comb-k-past-n"),
    Case(special.factorial, (np.array([-1.5, 0.5, 2.5]),), id="factorial-negative"),
    # true derivatives at the removable singularities: exprel at 0 (1/2), boxcox at lmbda = 0
    # (log(x)^2 / 2), inv_boxcox at lmbda = 0 (-exp(y) y^2 / 2), rgamma at the poles of gamma
    # ((-1)^n n!), ellipk/ellipe at 0 (+-pi/8), pseudo_huber at delta = 0
    Case(special.exprel, (np.array([0.0, 1e-5, -4e-4, 2e-3]),), id="exprel-at-0"),
    Case(special.boxcox, (rng.uniform(0.3, 3, 4), np.array([0.0, 1e-5, -3e-4, 0.5])), id="boxcox-lmbda-0"),
    Case(special.boxcox1p, (rng.uniform(-0.5, 3, 4), np.array([0.0, 1e-5, -3e-4, 0.5])), id="boxcox1p-lmbda-0"),
    Case(special.inv_boxcox, (rng.uniform(-1, 1, 4), np.array([0.0, 1e-5, -3e-4, 0.5])), id="inv_boxcox-lmbda-0"),
    Case(special.inv_boxcox1p, (rng.uniform(-0.5, 1, 4), np.array([0.0, 1e-5, -3e-4, 0.5])), id="inv_boxcox1p-lmbda-0"),
    Case(special.rgamma, (np.array([0.0, -1.0, -2.0, -3.0, 1.0]),), id="rgamma-at-poles"),
    Case(special.ellipk, (np.array([0.0, 1e-5, -4e-4, 0.5]),), id="ellipk-at-0"),
    Case(special.ellipe, (np.array([0.0, 1e-5, -4e-4, 0.5]),), id="ellipe-at-0"),
    Case(special.expm1, (np.array([0.0, 1e-9]),), id="expm1-at-0"),
    Case(special.log1p, (np.array([0.0, -1e-9]),), id="log1p-at-0"),
    Case(special.pseudo_huber, (np.array([0.0, 0.5, 1.0]), np.array([1.5, 0.0, -2.0])), wrt=(1,), id="pseudo_huber-delta-0"),
    Case(special.huber, (np.array([1.0, 1.0, 2.0]), np.array([0.3, -1.7, 2.5]))),
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


# -- end to end, in user-style code ------------------------------------------------


def boxcox_loglik(lmbda, x):
    # the Box-Cox profile log-likelihood of a positive sample
    y = special.boxcox(x, lmbda)
    return -0.5 * len(x) * np.log(np.var(y)) + (lmbda - 1.0) * np.sum(np.log(x))


def robust_fit_loss(w, x, y, delta):
    r = x @ w - y
    return np.sum(special.huber(delta, r)) + 0.1 * np.sum(special.pseudo_huber(delta, w))


def t_and_poisson(t, mu, scale):
    return np.sum(special.stdtr(4.0, t / scale) + special.pdtr(3, mu) * special.expm1(-scale) + special.log1p(mu))


def bessel_mix(z, m):
    return np.sum(special.kv(1.5, z) * special.jv(2, z) + special.k0e(z) * special.ellipk(m) + special.owens_t(z, m))


def gamma_mix(a, b):
    return np.sum(special.rgamma(a) + special.poch(b, a) + special.binom(b + 3.0, a) + np.log(special.beta(a, b)))


@pytest.mark.parametrize("lmbda", [0.0, 1e-6, 0.7, -0.4])
def test_boxcox_likelihood_through_lmbda_0(lmbda):
    x = rng.uniform(0.5, 4.0, 8)
    g = grad(boxcox_loglik)(lmbda, x)
    assert np.isfinite(g)
    check_grad(boxcox_loglik, (lmbda, x), 0, g)


def test_user_functions_end_to_end():
    w, x, y = rng.normal(size=3), rng.normal(size=(6, 3)), rng.normal(size=6)
    for i in (0, 3):
        check_grad(robust_fit_loss, (w, x, y, 0.8), i, grad(robust_fit_loss, wrt=i)(w, x, y, 0.8))
    t, mu = rng.uniform(-2, 2, 4), rng.uniform(0.5, 3, 4)
    for i in (0, 1, 2):
        check_grad(t_and_poisson, (t, mu, 1.3), i, grad(t_and_poisson, wrt=i)(t, mu, 1.3))
    z, m = rng.uniform(0.5, 3, 3), np.array([0.0, 0.3, -1.0])
    for i in (0, 1):
        check_grad(bessel_mix, (z, m), i, grad(bessel_mix, wrt=i)(z, m))
    a, b = np.array([0.7, 1.2, 1.9]), rng.uniform(0.5, 2, 3)
    for i in (0, 1):
        check_grad(gamma_mix, (a, b), i, grad(gamma_mix, wrt=i)(a, b))


def test_true_values_at_removable_singularities():
    assert grad(lambda x: special.exprel(x))(0.0) == pytest.approx(0.5)
    x = np.array([0.5, 2.0, 3.0])
    np.testing.assert_allclose(grad(lambda l: np.sum(special.boxcox(x, l)))(0.0), np.sum(np.log(x) ** 2 / 2))
    np.testing.assert_allclose(grad(lambda y: np.sum(special.inv_boxcox(y, 0.0)))(x), np.exp(x))
    np.testing.assert_allclose(grad(lambda a: np.sum(special.rgamma(a)))(np.array([0.0, -1.0, -2.0])), [1.0, -1.0, 2.0])
    np.testing.assert_allclose(grad(lambda m: special.ellipk(m) + 2 * special.ellipe(m))(0.0), -np.pi / 8)
    assert grad(lambda x: special.expm1(x) + special.log1p(x))(0.0) == pytest.approx(2.0)


def test_sign_of_gamma_is_constant():
    def f(x):
        return np.sum(special.gammasgn(x) * special.gamma(x))  # |Gamma(x)|

    x = np.array([-1.5, -0.4, 2.5])
    check_grad(f, (x,), 0, grad(f)(x))


def exact_comb(n):
    return special.comb(n, 2, exact=True) * n


def exact_factorial(n):
    return special.factorial(n, exact=True) * n


def complex_loggamma(z):
    return np.real(special.loggamma(z * (1.0 + 1.0j)))


def bessel_order(v, z):
    return np.sum(special.jv(v, z) + special.kve(v, z))


@pytest.mark.parametrize("fn, code", [(exact_comb, "AD210"), (exact_factorial, "AD210"), (complex_loggamma, "AD310")])
def test_refused_calls(fn, code):
    with pytest.raises(TranspileError) as err:
        grad(fn)(4.0)
    assert code in {d.code for d in err.value.diagnostics}


def test_exact_integers_not_differentiated_are_fine():
    def f(x):
        return special.comb(5, 2, exact=True) * special.factorial(3, exact=True) * x

    assert grad(f)(2.0) == pytest.approx(60.0)


def test_bessel_order_is_ad311():
    z = np.array([0.5, 1.5])
    check_grad(bessel_order, (1.5, z), 1, grad(bessel_order, wrt=1)(1.5, z))
    with pytest.raises(TranspileError) as err:
        grad(bessel_order, wrt=0)(1.5, z)
    assert {d.code for d in err.value.diagnostics} == {"AD311"}
