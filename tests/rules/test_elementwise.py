import math
import operator

import numpy as np
import pytest

from adgen.runtime.registry import lookup
from adgen.runtime.rules.elementwise import _digamma
from tests.rules.harness import Case, check_case, unary_cases

SCALAR = [()]

# (primal, low, high): a domain per function, away from poles and kinks
NUMPY_UNARY = [
    (np.sin, -2, 2), (np.cos, -2, 2), (np.tan, -1.2, 1.2),
    (np.arcsin, -0.9, 0.9), (np.arccos, -0.9, 0.9), (np.arctan, -2, 2),
    (np.sinh, -2, 2), (np.cosh, -2, 2), (np.tanh, -2, 2),
    (np.arcsinh, -2, 2), (np.arccosh, 1.5, 3), (np.arctanh, -0.9, 0.9),
    (np.exp, -2, 2), (np.expm1, -2, 2), (np.exp2, -2, 2),
    (np.log, 0.5, 3), (np.log1p, -0.5, 3), (np.log2, 0.5, 3), (np.log10, 0.5, 3),
    (np.sqrt, 0.5, 3), (np.cbrt, 0.5, 3), (np.cbrt, -3, -0.5),
    (np.square, -2, 2), (np.reciprocal, 0.5, 3), (np.reciprocal, -3, -0.5),
    (np.absolute, -2, 2), (np.fabs, -2, 2), (abs, -2, 2), (operator.abs, -2, 2),
    (np.negative, -2, 2), (operator.neg, -2, 2), (np.positive, -2, 2), (operator.pos, -2, 2),
    (np.sinc, -2, 2),
    (np.deg2rad, -200, 200), (np.radians, -200, 200), (np.rad2deg, -2, 2), (np.degrees, -2, 2),
    (np.conjugate, -2, 2), (np.real, -2, 2), (np.float64, -2, 2), (np.imag, -2, 2), (np.angle, -2, 2),
]

MATH_UNARY = [
    (math.sin, -2, 2), (math.cos, -2, 2), (math.tan, -1.2, 1.2),
    (math.asin, -0.9, 0.9), (math.acos, -0.9, 0.9), (math.atan, -2, 2),
    (math.sinh, -2, 2), (math.cosh, -2, 2), (math.tanh, -2, 2),
    (math.asinh, -2, 2), (math.acosh, 1.5, 3), (math.atanh, -0.9, 0.9),
    (math.exp, -2, 2), (math.expm1, -2, 2), (math.exp2, -2, 2),
    (math.log, 0.5, 3), (math.log1p, -0.5, 3), (math.log2, 0.5, 3), (math.log10, 0.5, 3),
    (math.sqrt, 0.5, 3), (math.cbrt, 0.5, 3), (math.cbrt, -3, -0.5), (math.fabs, -2, 2),
    (math.degrees, -2, 2), (math.radians, -200, 200),
    (math.erf, -2, 2), (math.erfc, -2, 2),
    (math.gamma, 0.5, 4), (math.gamma, -0.8, -0.2), (math.gamma, -2.8, -2.2), (math.gamma, 6.5, 9),
    (math.lgamma, 0.5, 4), (math.lgamma, -1.8, -1.2), (math.lgamma, 7, 30), (float, -2, 2),
]

CASES = [
    *(c for f, lo, hi in NUMPY_UNARY for c in unary_cases(f, lo, hi)),
    *(c for f, lo, hi in MATH_UNARY for c in unary_cases(f, lo, hi, shapes=SCALAR, seed=1)),
    *(c for f, lo, hi in MATH_UNARY for c in unary_cases(f, lo, hi, shapes=SCALAR, seed=2)),
    # sinc is smooth at 0 with derivative 0
    Case(np.sinc, (np.array([0.0, 0.5, -1.3]),), id="sinc-at-0"),
    # math.log with a base: both x and the base are differentiable
    Case(math.log, (2.5, 3.0)),
    Case(math.log, (0.7, 10.0)),
    Case(math.log, (4.0, 0.5)),
    # float and the .real / .conj() spellings
    Case(float, (np.array(1.3),), id="float-0d"),
    Case(np.ndarray.real, (np.array([1.0, -2.0, 0.5]),), fn=lambda x: x.real),
    Case(np.ndarray.real, (np.ones((2, 3)) * 0.3,), fn=lambda x: x.real),
    Case(np.ndarray.imag, (np.array([1.0, -2.0, 0.5]),), fn=lambda x: x.imag),  # of real values: 0, constant
    Case(np.angle, (np.array([1.0, -2.0, 0.5]), True), fn=lambda x, deg: np.angle(x, deg=deg)),
    Case(np.ndarray.conj, (np.array([1.0, -2.0, 0.5]),), fn=lambda x: x.conj()),
    Case(np.ndarray.conjugate, (np.array([[1.0, -2.0], [0.5, 3.0]]),), fn=lambda x: x.conjugate()),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


def test_abs_at_zero_is_zero():
    rule = lookup(np.abs)
    assert lookup(abs).fn is rule.fn and lookup(np.fabs).fn is rule.fn
    np.testing.assert_array_equal(rule.fn(np.ones(3), None, np.array([-1.0, 0.0, 2.0])), [-1.0, 0.0, 1.0])


def test_sinc_at_zero_is_finite():
    with np.errstate(all="raise"):
        assert lookup(np.sinc).fn(1.0, 1.0, 0.0) == 0.0


def test_digamma_known_values():
    euler_gamma = 0.5772156649015329
    assert _digamma(1.0) == pytest.approx(-euler_gamma, rel=1e-13)
    assert _digamma(0.5) == pytest.approx(-euler_gamma - 2 * math.log(2), rel=1e-13)
    assert _digamma(2.0) == pytest.approx(1 - euler_gamma, rel=1e-13)
    assert _digamma(10.0) == pytest.approx(2.251752589066721, rel=1e-13)
    # reflection: psi(-0.5) = psi(1.5) + pi * cot(-0.5 pi) ... = psi(0.5) + 2
    assert _digamma(-0.5) == pytest.approx(-euler_gamma - 2 * math.log(2) + 2, rel=1e-12)


def test_math_log_default_base_has_no_base_cotangent():
    dx, dbase = lookup(math.log).fn(1.0, math.log(2.0), 2.0)
    assert dx == pytest.approx(0.5) and dbase is None
