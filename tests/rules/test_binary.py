import math
import operator

import numpy as np
import pytest

from gradcheck import check_vjp
from adgen.runtime.registry import lookup
from tests.rules.harness import Case, binary_cases, check_case

# Negative bases: the harness also evaluates the exponent cotangent, log(x) < 0 -> NaN (by design).
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered in log:RuntimeWarning")

SCALAR = [((), ())]
rng = np.random.default_rng(7)

# (primal, low, high, low2, high2): domains away from poles, kinks and ties
BINARY = [
    (np.add, -2, 2, None, None), (operator.add, -2, 2, None, None),
    (np.subtract, -2, 2, None, None), (operator.sub, -2, 2, None, None),
    (np.multiply, -2, 2, None, None), (operator.mul, -2, 2, None, None),
    (np.divide, -2, 2, 0.5, 2), (operator.truediv, -2, 2, -2, -0.5),
    (np.power, 0.5, 2, -2, 2), (operator.pow, 0.5, 2, -2, 2), (np.float_power, 0.5, 2, -2, 2),
    (np.maximum, -2, 2, None, None), (np.minimum, -2, 2, None, None),
    (np.fmax, -2, 2, None, None), (np.fmin, -2, 2, None, None),
    (np.arctan2, -2, 2, None, None), (np.hypot, -2, 2, None, None),
    (np.logaddexp, -2, 2, None, None), (np.logaddexp2, -2, 2, None, None),
    (np.remainder, -3, 3, 0.6, 1.7), (operator.mod, -3, 3, -1.7, -0.6), (np.fmod, -3, 3, 0.6, 1.7),
    (np.fmod, -3, 3, -1.7, -0.6),
]

MATH_BINARY = [
    (math.pow, 0.5, 2, -2, 2), (pow, 0.5, 2, -2, 2), (math.atan2, -2, 2, None, None),
    (math.fmod, -3, 3, 0.6, 1.7), (math.remainder, -3, 3, 0.6, 1.7), (divmod, -3, 3, 0.6, 1.7),
]

CASES = [
    *(c for f, lo, hi, lo2, hi2 in BINARY for c in binary_cases(f, lo, hi, lo2, hi2)),
    *(c for f, lo, hi, lo2, hi2 in MATH_BINARY for c in binary_cases(f, lo, hi, lo2, hi2, pairs=SCALAR, seed=1)),
    *(c for f, lo, hi, lo2, hi2 in MATH_BINARY for c in binary_cases(f, lo, hi, lo2, hi2, pairs=SCALAR, seed=2)),
    # negative bases with integer exponents: only the base cotangent
    Case(np.power, (np.array([-1.5, -0.7, 2.0]), 3.0), wrt=(0,), id="power-negative-base"),
    Case(np.power, (np.array([[-1.5], [-0.7]]), np.array([2.0, 3.0, -1.0])), wrt=(0,), id="power-negative-base-bcast"),
    Case(operator.pow, (-1.3, 2), wrt=(0,), id="pow-negative-scalar"),
    Case(np.float_power, (np.array([-1.5, -0.7]), 2.0), wrt=(0,), id="float_power-negative-base"),
    # divmod: the remainder carries the derivative; an unused output gets the cotangent 0.0
    *binary_cases(np.divmod, -3, 3, 0.6, 1.7),
    Case(np.divmod, (np.array([2.5, -1.3, 0.4]), 0.7), zero_outputs=(0,), id="divmod-quotient-unused"),
    Case(np.divmod, (np.array([2.5, -1.3, 0.4]), 0.7), zero_outputs=(1,), id="divmod-remainder-unused"),
    Case(divmod, (2.5, -0.7), zero_outputs=(0,), id="builtin-divmod-quotient-unused"),
    # ldexp: integer exponents
    Case(np.ldexp, (np.array([1.5, -0.3, 2.0, 0.7]), np.array([1, 2, -1, 0])), wrt=(0,)),
    Case(np.ldexp, (rng.uniform(-2, 2, (2, 3)), 3), wrt=(0,)),
    Case(math.ldexp, (1.7, -2), wrt=(0,)),
    # copysign: the magnitude only; heaviside: the value at 0 only
    *binary_cases(np.copysign, wrt=(0,)),
    Case(math.copysign, (1.5, -2.0), wrt=(0,)),
    Case(math.copysign, (-1.5, -2.0), wrt=(0,)),
    Case(np.heaviside, (np.array([-1.0, 0.0, 2.0, 0.0]), np.array([0.3, 0.5, 0.7, 0.1])), wrt=(1,)),
    Case(np.heaviside, (np.array([[-1.0, 0.0], [0.0, 0.0]]), 0.5), wrt=(1,)),
    # math.hypot takes any number of coordinates
    Case(math.hypot, (1.2,)),
    Case(math.hypot, (1.2, -0.7)),
    Case(math.hypot, (1.2, -0.7, 2.1, 0.3)),
    # builtin max/min with several arguments, and with one iterable (an array)
    Case(max, (1.0, 2.5, -0.3)),
    Case(max, (-1.0, 0.5)),
    Case(min, (1.0, 2.5, -0.3)),
    Case(min, (np.float64(0.4), 1.5)),
    Case(max, (np.array([1.0, 3.0, 2.0]),)),
    Case(min, (np.array([1.0, 3.0, -2.0, 0.5]),)),
    # builtin sum over an array (its rows) with and without a start value
    Case(sum, (rng.uniform(-2, 2, 4),)),
    Case(sum, (rng.uniform(-2, 2, (2, 3)),)),
    Case(sum, (rng.uniform(-2, 2, (2, 3)), rng.uniform(-2, 2, 3))),
    Case(sum, (rng.uniform(-2, 2, 3), rng.uniform(-2, 2, (2, 1)))),
    Case(sum, (rng.uniform(-2, 2, 3), 1.5)),
    # math.fsum / math.prod / math.dist over arrays
    Case(math.fsum, (rng.uniform(-2, 2, 5),)),
    Case(math.prod, (rng.uniform(-2, 2, 4),)),
    Case(math.prod, (np.array([1.5, 0.0, -2.0]),), id="prod-with-zero"),
    Case(math.prod, (np.array([1.5, 0.0, -2.0, 0.0]),), id="prod-with-two-zeros"),
    Case(math.prod, (rng.uniform(-2, 2, 3),), {"start": 1.7}),
    Case(math.dist, (rng.uniform(-2, 2, 3), rng.uniform(-2, 2, 3))),
    Case(math.dist, (np.array([0.5]), np.array([-1.5]))),
]


# -- sequences: cotangents are lists with one entry per item -----------------------

ITEMS = [1.5, -0.3, 2.0]
POINT = [0.2, 0.1, -1.0]

CASES += [
    Case(sum, (ITEMS,), wrt=(0,), id="sum[list of floats]"),
    Case(sum, ([rng.uniform(-2, 2, 3), rng.uniform(-2, 2, (2, 3)), 0.7],), wrt=(0,), id="sum[list of arrays]"),
    Case(sum, ([1.5, -0.3], rng.uniform(-2, 2, 2)), wrt=(0,), id="sum[list, start]"),
    Case(max, (ITEMS,), wrt=(0,), id="max[list]"),
    Case(min, (ITEMS,), wrt=(0,), id="min[list]"),
    Case(math.fsum, (ITEMS,), wrt=(0,), id="fsum[list]"),
    Case(math.prod, ([1.5, -0.3, 2.0, 0.0],), wrt=(0,), id="prod[list with a zero]"),
    Case(math.prod, ([1.5, -0.3],), {"start": 2.5}, wrt=(0,), id="prod[list, start]"),
    Case(math.dist, (ITEMS, POINT), wrt=(0,), id="dist[list, list]0"),
    Case(math.dist, (POINT, ITEMS), wrt=(1,), id="dist[list, list]1"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


# -- the start value of sum over a list ---------------------------------------------


def test_sum_start_cotangent_with_list():
    start = rng.uniform(-2, 2, (2, 1))
    items = [rng.uniform(-2, 2, 3), 0.4]
    g = rng.standard_normal((2, 3))
    _, dstart = lookup(sum).fn(g, None, items, start)
    check_vjp(lambda s: sum(items, s), [start], 0, g, dstart)


# -- kinks, ties and special points ---------------------------------------------------


def test_max_min_ties_go_to_the_first_argument():
    a, b = 1.5, 1.5
    assert lookup(max).fn(2.0, max(a, b), a, b) == (2.0, 0.0)
    assert lookup(min).fn(2.0, min(a, b), a, b) == (2.0, 0.0)
    x = 0.5
    assert lookup(max).fn(2.0, x, x, -1.0, x) == (2.0, 0.0, 0.0)


def test_maximum_ties_split_in_half():
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([1.0, 0.0, 5.0])
    for f in (np.maximum, np.minimum, np.fmax, np.fmin):
        dx, dy = lookup(f).fn(np.ones(3), f(x, y), x, y)
        assert dx[0] == dy[0] == 0.5
        assert dx[1] + dy[1] == dx[2] + dy[2] == 1.0


def test_fmax_ignores_nan():
    x = np.array([np.nan, 2.0])
    y = np.array([1.0, np.nan])
    for f in (np.fmax, np.fmin):
        dx, dy = lookup(f).fn(np.ones(2), f(x, y), x, y)
        np.testing.assert_array_equal(dx, [0.0, 1.0])
        np.testing.assert_array_equal(dy, [1.0, 0.0])


def test_power_exponent_cotangent_at_zero_base():
    x = np.array([0.0, 2.0])
    y = np.array([2.5, 1.5])
    with np.errstate(all="raise"):
        dx, dy = lookup(np.power).fn(np.ones(2), x**y, x, y)
    np.testing.assert_allclose(dy, [0.0, 2.0**1.5 * np.log(2.0)])
    np.testing.assert_allclose(dx, [0.0, 1.5 * 2.0**0.5])


def test_hypot_at_origin_is_zero():
    with np.errstate(all="raise"):
        dx, dy = lookup(np.hypot).fn(1.0, 0.0, 0.0, 0.0)
    assert dx == 0.0 and dy == 0.0
    assert lookup(math.hypot).fn(1.0, 0.0, 0.0, 0.0) == (0.0, 0.0)
