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
