"""scipy.stats' rules, checked against finite differences (and end to end by
test_through_transpiler, which spells them ``scipy.stats.norm.logpdf(...)``)."""

import numpy as np
import pytest
from scipy import stats

from tests.rules.harness import Case, check_case

rng = np.random.default_rng(14)
METHODS = ("logpdf", "pdf", "logcdf", "cdf", "logsf", "sf")

# distribution, its shape parameters' ranges, the range of x, of loc, of scale, the shape
# parameters its distribution functions do not differentiate (constant: AD311)
CONTINUOUS = [
    (stats.norm, [], (-2, 2), (-1, 1), (0.5, 2), ()),
    (stats.t, [(2, 6)], (-2, 2), (-1, 1), (0.5, 2), ("df",)),
    (stats.gamma, [(1.5, 4)], (0.8, 3), (-0.3, 0.2), (0.5, 2), ("a",)),
    (stats.beta, [(1.5, 4), (1.5, 4)], (0.2, 0.8), (-0.05, 0.05), (1.0, 1.2), ("a", "b")),
    (stats.expon, [], (0.8, 3), (-0.3, 0.2), (0.5, 2), ()),
    (stats.laplace, [], (-2, 2), (-1, 1), (0.5, 2), ()),
    (stats.logistic, [], (-2, 2), (-1, 1), (0.5, 2), ()),
    (stats.cauchy, [], (-2, 2), (-1, 1), (0.5, 2), ()),
    (stats.lognorm, [(0.5, 1.5)], (0.8, 3), (-0.3, 0.2), (0.5, 2), ()),
]


def u(bounds, shape=()):
    value = rng.uniform(*bounds, size=shape)
    return float(value) if shape == () else value


def _continuous_cases():
    cases = []
    for dist, shapes, xs, locs, scales, constant in CONTINUOUS:
        names = dist.shapes.split(", ") if dist.shapes else []
        for method in METHODS:
            primal = getattr(dist, method)
            tail = method not in ("logpdf", "pdf")
            skip = {1 + k for k, n in enumerate(names) if tail and n in constant}
            n = 1 + len(shapes) + 2
            wrt = tuple(i for i in range(n) if i not in skip)
            label = f"{dist.name}.{method}"
            # scalars; a vector x; a matrix x with loc, scale and shapes broadcast
            cases.append(Case(primal, (u(xs), *(u(s) for s in shapes), u(locs), u(scales)), wrt=wrt, id=f"{label}[s]"))
            cases.append(Case(primal, (u(xs, (4,)), *(u(s) for s in shapes), u(locs), u(scales)), wrt=wrt, id=f"{label}[4]"))
            args = (u(xs, (2, 3)), *(u(s, (3,)) for s in shapes), u(locs, (3,)) * 0.5, u(scales, (2, 1)))
            cases.append(Case(primal, args, wrt=wrt, id=f"{label}[2x3,broadcast]"))
            # loc and scale by keyword (not differentiated here; test_through_transpiler binds them)
            cases.append(Case(primal, (u(xs, (3,)), *(u(s) for s in shapes)), {"loc": u(locs), "scale": u(scales)},
                              wrt=tuple(i for i in range(1 + len(shapes)) if i not in skip), id=f"{label}[kw]"))
            if not shapes:  # the defaults loc=0, scale=1
                standard = (u((0.8, 2)),) if dist in (stats.expon,) else (u((-1.5, 1.5), (3,)),)
                cases.append(Case(primal, standard, id=f"{label}[standard]"))
    return cases


K = np.array([0, 1, 3, 6])
DISCRETE = [
    Case(stats.poisson.logpmf, (K, 2.5), wrt=(1,), id="poisson.logpmf[s]"),
    Case(stats.poisson.pmf, (K, 2.5), wrt=(1,), id="poisson.pmf[s]"),
    Case(stats.poisson.logpmf, (K, rng.uniform(0.5, 4, 4)), wrt=(1,), id="poisson.logpmf[4]"),
    Case(stats.poisson.pmf, (np.array([[0], [2]]), rng.uniform(0.5, 4, 3)), wrt=(1,), id="poisson.pmf[broadcast]"),
    Case(stats.poisson.logpmf, (np.array([1, 2, 4]), 2.0, 1), wrt=(1,), id="poisson.logpmf[loc]"),
    Case(stats.poisson.pmf, (np.array([0, 1, 4]), 1.5), {"loc": 1}, wrt=(1,), id="poisson.pmf[loc, out of support]"),
    Case(stats.binom.logpmf, (K, 6, 0.35), wrt=(2,), id="binom.logpmf[s]"),
    Case(stats.binom.pmf, (K, 6, 0.35), wrt=(2,), id="binom.pmf[s]"),
    Case(stats.binom.logpmf, (K, np.array([6, 7, 8, 9]), rng.uniform(0.2, 0.8, 4)), wrt=(2,), id="binom.logpmf[4]"),
    Case(stats.binom.pmf, (np.array([[0], [5]]), 5, rng.uniform(0.2, 0.8, 3)), wrt=(2,), id="binom.pmf[k=0,n]"),
    Case(stats.nbinom.logpmf, (K, 2.5, 0.4), wrt=(1, 2), id="nbinom.logpmf[s]"),
    Case(stats.nbinom.pmf, (K, 2.5, 0.4), wrt=(1, 2), id="nbinom.pmf[s]"),
    Case(stats.nbinom.logpmf, (K, rng.uniform(1, 4, 4), rng.uniform(0.2, 0.8, 4)), wrt=(1, 2), id="nbinom.logpmf[4]"),
    Case(stats.nbinom.pmf, (np.array([[1], [3]]), 3.0, rng.uniform(0.2, 0.8, 3)), {"loc": 1}, wrt=(1, 2), id="nbinom.pmf[kw loc]"),
]


def sym(a):
    return 0.5 * (a + np.swapaxes(a, -1, -2))


def spd(n):
    a = rng.standard_normal((n, n))
    return a @ a.T + n * np.eye(n)


MEAN, COV = rng.standard_normal(3), spd(3)
X1, XN = rng.standard_normal(3), rng.standard_normal((5, 3))
mvn = stats.multivariate_normal


def _mvn_cases():
    cases = []
    for method in ("logpdf", "pdf"):
        primal = getattr(mvn, method)
        sym_fn = lambda x, m, c, _p=primal: _p(x, m, sym(c))  # noqa: E731 - cov as a symmetric matrix
        cases += [
            Case(primal, (X1, MEAN, COV), fn=sym_fn, id=f"mvn.{method}[3]"),
            Case(primal, (XN, MEAN, COV), fn=sym_fn, id=f"mvn.{method}[5x3]"),
            Case(primal, (XN.reshape(5, 1, 3), MEAN, COV), fn=sym_fn, id=f"mvn.{method}[5x1x3]"),
            Case(primal, (XN, MEAN, COV), wrt=(0, 1), id=f"mvn.{method}[x,mean]"),
            Case(primal, (XN, MEAN), {"cov": COV}, wrt=(0, 1), id=f"mvn.{method}[cov kw]"),
            Case(primal, (XN, MEAN, np.array([1.5, 0.7, 2.0])), id=f"mvn.{method}[diagonal cov]"),
            Case(primal, (XN, MEAN, 1.7), id=f"mvn.{method}[number cov]"),
            Case(primal, (rng.standard_normal(4), 0.3, 1.7), id=f"mvn.{method}[1-d points]"),
            Case(primal, (XN,), {"mean": MEAN}, wrt=(0,), id=f"mvn.{method}[default cov]"),
            Case(primal, (1.2, 0.3, 2.0), id=f"mvn.{method}[scalar]"),
        ]
    return cases


ALPHA = np.array([1.5, 2.5, 3.0])
SIMPLEX = rng.dirichlet(ALPHA, size=4).T  # (K, points)


def _dirichlet_cases():
    cases = []
    for method in ("logpdf", "pdf"):
        primal = getattr(stats.dirichlet, method)
        cases += [
            # the last component left out: SciPy's 1 - sum is differentiated, finite differences stay on the simplex
            Case(primal, (SIMPLEX[:2, 0].copy(), ALPHA), id=f"dirichlet.{method}[K-1]"),
            Case(primal, (SIMPLEX[:2].copy(), ALPHA), id=f"dirichlet.{method}[K-1 x points]"),
            Case(primal, (SIMPLEX[:2, 0].copy(), np.array([1.0, 2.0, 1.0])), id=f"dirichlet.{method}[alpha 1]"),
            # all components: finite differences leave the simplex, so only alpha here (x end to end)
            Case(primal, (SIMPLEX[:, 0].copy(), ALPHA), wrt=(1,), id=f"dirichlet.{method}[K]"),
            Case(primal, (SIMPLEX.copy(), ALPHA), wrt=(1,), id=f"dirichlet.{method}[K x points]"),
        ]
    return cases


# degenerate points: the laplace kink (sign(0) = 0: the mean of the one-sided slopes,
# which central differences give too), the discrete pmfs at k = 0 and k = n
DEGENERATE = [
    Case(stats.laplace.logpdf, (np.array([0.5, -0.2, 1.0]), 0.5, 1.3), id="laplace.logpdf[at loc]"),
    Case(stats.laplace.pdf, (np.array([0.5, -0.2, 1.0]), 0.5, 1.3), id="laplace.pdf[at loc]"),
]

CASES = _continuous_cases() + DISCRETE + _mvn_cases() + _dirichlet_cases() + DEGENERATE


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


# -- end to end, through adgen.grad --------------------------------------------------------

import warnings  # noqa: E402

from adgen import grad  # noqa: E402
from adgen.errors import TranspileError  # noqa: E402
from gradcheck import check_grad  # noqa: E402
from usermodules import write_and_import  # noqa: E402

USER = """
    import numpy as np
    import scipy
    import scipy.stats as st
    from scipy.special import softmax
    from scipy.stats import beta, binom, dirichlet, gamma, lognorm, multivariate_normal, multivariate_t, nbinom, norm, poisson, t


    def imported(x, mu, s):
        return np.sum(norm.logpdf(x, mu, s)) + np.sum(norm.cdf(x, loc=mu, scale=s))


    def aliased(x, mu, s):
        return np.sum(st.norm.logpdf(x, loc=mu, scale=s)) + np.sum(st.norm.logsf(x, mu, scale=s))


    def through_scipy(x, mu, s):
        return np.sum(scipy.stats.norm.pdf(x, mu, s)) + np.sum(scipy.stats.norm.logcdf(x, scale=s, loc=mu))


    def shapes(x, a, s):
        return (np.sum(gamma.logpdf(x, a, scale=s)) + np.sum(t.logpdf(x, df=a, loc=0.1, scale=s))
                + np.sum(lognorm.logcdf(x, a, scale=s)) + np.sum(beta.logpdf(x / 4.0, a, 2.5)))


    def counts(mu, p):
        k = np.array([0, 1, 2, 5])
        return np.sum(poisson.logpmf(k, mu)) + np.sum(binom.logpmf(k, 6, p)) + np.sum(nbinom.pmf(k, mu, p))


    def gaussian(x, mu, c):
        cov = 0.5 * (c + c.T)
        return np.sum(multivariate_normal.logpdf(x, mu, cov)) + multivariate_normal.pdf(x[0], mean=mu, cov=cov)


    def gaussian_cov(c):
        return np.sum(multivariate_normal.logpdf(np.array([[0.3, -0.2], [1.0, 0.5]]), np.zeros(2), c))


    def simplex(u, alpha):
        return dirichlet.logpdf(softmax(u), alpha) + dirichlet.pdf(softmax(u), alpha)


    def tail(x):
        return np.sum(norm.logcdf(x))


    def t_cdf_df(x, df):
        return np.sum(t.cdf(x, df))


    def gamma_cdf_a(x, a):
        return np.sum(gamma.cdf(x, a))


    def beta_sf_b(x, b):
        return np.sum(beta.sf(x, 2.0, b))


    def poisson_k(k, mu):
        return np.sum(poisson.logpmf(k, mu))


    def binom_n(n, p):
        return np.sum(binom.logpmf(2, n, p))


    def singular(x, mu):
        return multivariate_normal.logpdf(x, mu, np.eye(2), allow_singular=True)


    PRIOR = norm(0.5, 2.0)
    T_PRIOR = st.t(4.0, loc=0.3)
    GAUSS = multivariate_normal(np.zeros(2), np.array([[2.0, 0.3], [0.3, 1.0]]))
    STUDENT = multivariate_t(np.zeros(2), np.eye(2), df=3)


    def frozen_inline(x, mu, s):
        return np.sum(norm(mu, s).logpdf(x)) + np.sum(st.t(3.0, mu, scale=s).cdf(x)) + np.sum(scipy.stats.norm(loc=mu).sf(x))


    def frozen_local(x, mu, s):
        d = norm(mu, s)
        y = x * 2.0
        return np.sum(d.logpdf(x)) + np.sum(d.cdf(y))


    def frozen_loop(x, mus):
        total = 0.0
        for mu in mus:
            d = norm(mu, scale=1.5)
            total = total + np.sum(d.logpdf(x))
        return total


    def frozen_module(theta):
        return np.sum(PRIOR.logpdf(theta)) + np.sum(T_PRIOR.logsf(theta)) + GAUSS.logpdf(theta[:2])


    def frozen_multivariate(x, mu, alpha):
        u = np.exp(x) / np.sum(np.exp(x))
        return multivariate_normal(mu, np.eye(3)).logpdf(x) + dirichlet(alpha).logpdf(u)


    def frozen_counts(mu, p):
        k = np.array([0, 2, 5])
        return np.sum(poisson(mu).logpmf(k)) + np.sum(binom(6, p).pmf(k)) + np.sum(nbinom(mu, p, loc=1).logpmf(k + 1))


    def frozen_passed(x, mu, s):
        d = norm(mu, s)
        return density(d, x)


    def density(d, x):
        return np.sum(d.logpdf(x))


    def frozen_kept(x, mu, s):
        d = norm(mu, s)
        parts = [d]
        return np.sum(parts[0].logpdf(x))


    def frozen_sampled(x, mu, s):
        d = norm(mu, s)
        return np.sum(d.rvs(size=3, random_state=0)) + np.sum(d.logpdf(x))


    def frozen_returned(x, mu, s):
        d = norm(mu, s)
        return d


    def frozen_other_kind(x):
        return STUDENT.logpdf(x)
"""


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    import sys

    folder = tmp_path_factory.mktemp("stats")
    sys.path.insert(0, str(folder))
    try:
        module, _ = write_and_import(folder, USER, prefix="statsuser")
        yield module
    finally:
        sys.path.remove(str(folder))


X = np.array([0.3, 1.2, 2.1])


def check_all(fn, args, wrt=None, rtol=1e-5):
    wrt = tuple(range(len(args))) if wrt is None else wrt
    grads = grad(fn, wrt=wrt)(*args)
    for i, g in zip(wrt, grads):
        check_grad(fn, args, i, g, rtol=rtol)
    return grads


@pytest.mark.parametrize("name", ["imported", "aliased", "through_scipy"])
def test_three_spellings_positional_and_keyword(user, name):
    check_all(getattr(user, name), (X, 0.4, 1.3))


def test_shape_parameters_by_position_and_keyword(user):
    check_all(user.shapes, (X, 2.5, 1.2))
    check_all(user.counts, (2.5, 0.35))


def test_multivariate_normal(user):
    c = np.array([[2.0, 0.3], [0.3, 1.0]])
    check_all(user.gaussian, (np.array([[0.3, -0.2], [1.0, 0.5], [-0.4, 0.1]]), np.array([0.1, 0.2]), c))
    g = grad(user.gaussian_cov)(c)
    np.testing.assert_allclose(g, g.T)  # a symmetric cotangent for cov
    check_grad(lambda a: user.gaussian_cov(0.5 * (a + a.T)), (c,), 0, g)


def test_dirichlet_on_the_simplex(user):
    check_all(user.simplex, (np.array([0.2, -0.4, 0.9]), np.array([1.5, 2.5, 3.0])))


def test_far_tail_stays_finite(user):
    g = grad(user.tail)(np.array([-40.0, -10.0, 3.0]))
    np.testing.assert_allclose(g[:2], [40.0, 10.0], rtol=0.02)  # d/dx log Phi(x) ~ -x


@pytest.mark.parametrize("name,args,wrt,param", [
    ("t_cdf_df", (X, 3.0), 1, "df"),
    ("gamma_cdf_a", (X, 2.0), 1, "a"),
    ("beta_sf_b", (X / 4.0, 2.0), 1, "b"),
    ("poisson_k", (np.array([1.0, 2.0]), 2.0), 0, "k"),
    ("binom_n", (6.0, 0.3), 0, "n"),
])
def test_parameters_without_a_derivative_are_ad311(user, name, args, wrt, param):
    fn = getattr(user, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(TranspileError) as err:
            grad(fn, wrt=wrt)(*args)
    (diag,) = err.value.diagnostics
    assert diag.code == "AD311" and f"parameter `{param}`" in diag.message
    if name in ("t_cdf_df", "gamma_cdf_a"):  # the other parameters still are
        check_all(fn, args, wrt=(0,))


def test_allow_singular_is_refused(user):
    with pytest.raises(TranspileError) as err:
        grad(user.singular)(np.array([0.3, 0.1]), np.zeros(2))
    (diag,) = err.value.diagnostics
    assert diag.code == "AD210" and "allow_singular" in diag.message


def test_frozen_inline_and_local(user):
    check_all(user.frozen_inline, (X, 0.4, 1.3))
    check_all(user.frozen_local, (X, 0.4, 1.3))
    check_all(user.frozen_loop, (X, np.array([0.1, 0.7])))
    check_all(user.frozen_counts, (2.5, 0.35))
    check_all(user.frozen_multivariate, (X, np.array([0.1, 0.2, -0.3]), np.array([1.5, 2.5, 3.0])))
    text = grad(user.frozen_local, wrt=(0, 1, 2)).source
    assert "norm.logpdf(x, loc=d_loc, scale=d_scale)" in text and "norm.cdf(y, loc=d_loc, scale=d_scale)" in text


def test_frozen_at_module_level_is_read_when_the_gradient_runs(user):
    g = grad(user.frozen_module)
    check_grad(user.frozen_module, (X,), 0, g(X))
    text = g.source
    assert "_rt.frozen_parameters(" in text and "loc=0.5" not in text and "scale=2.0" not in text  # not baked in
    before = user.PRIOR
    try:
        user.PRIOR = user.norm(1.5, 0.5)
        check_grad(user.frozen_module, (X,), 0, g(X))
        user.PRIOR = user.st.cauchy(0.2, 0.7)  # another distribution: made again
        check_grad(user.frozen_module, (X,), 0, g(X))
    finally:
        user.PRIOR = before


@pytest.mark.parametrize("name,args,words", [
    ("frozen_passed", (X, 0.4, 1.3), "cannot tell statically what `d` is"),
    ("frozen_kept", (X, 0.4, 1.3), "cannot tell statically what `parts[0]` is"),
    ("frozen_sampled", (X, 0.4, 1.3), "the method `rvs` of the frozen norm distribution `d` is not differentiated"),
    ("frozen_returned", (X, 0.4, 1.3), "frozen norm distribution of differentiated parameters is used other than by calling its methods"),
    ("frozen_other_kind", (X[:2],), "frozen multivariate_t distribution is not differentiated"),
])
def test_other_uses_of_frozen_distributions_are_ad211(user, name, args, words):
    with pytest.raises(TranspileError) as err:
        grad(getattr(user, name), wrt=len(args) - 1)(*args)
    found = [d for d in err.value.diagnostics if words in d.message]
    assert found and found[0].code == "AD211" and found[0].hint, err.value.diagnostics


def test_boundaries_of_the_discrete_parameters():
    # one-sided derivatives where the parameter meets its bound, never NaN:
    # d/dmu log poisson(0; mu) = -1 at mu = 0, d/dp log binom(0; n, p) = -n at p = 0, n at p = 1 for k = n
    rule = stats.poisson.logpmf
    from adgen.runtime.registry import lookup

    k = np.array([0])
    assert lookup(rule).fn(1.0, rule(k, 0.0), k, 0.0)[1] == pytest.approx(-1.0)
    binom = lookup(stats.binom.logpmf).fn
    assert binom(1.0, stats.binom.logpmf(0, 4, 0.0), 0, 4, 0.0)[2] == pytest.approx(-4.0)
    assert binom(1.0, stats.binom.logpmf(4, 4, 1.0), 4, 4, 1.0)[2] == pytest.approx(4.0)


def test_a_covariance_object_is_refused():
    from adgen.runtime.registry import lookup

    refuse = lookup(mvn.logpdf).refuse
    assert "Covariance" in refuse(cov=stats.Covariance.from_diagonal([1.0, 2.0]))
    assert refuse(cov=np.eye(2), allow_singular=False) is None
