"""The oracle itself: it accepts right gradients and rejects wrong ones."""

import numpy as np
import pytest

from gradcheck import check_grad
from adgen import defvjp, grad


def cube(x):
    return x ** 3


@defvjp(cube)
def cube_wrong(g, ans, x):
    return g * 2.0 * x ** 2  # deliberately wrong: the derivative is 3 x**2


def uses_cube(x):
    return np.sum(cube(x))


def test_rejects_a_deliberately_wrong_rule_through_the_transpiler():
    x = np.array([0.5, -1.0, 2.0])
    g = grad(uses_cube)(x)
    np.testing.assert_allclose(g, 2.0 * x ** 2)  # adgen used the (wrong) registered rule
    with pytest.raises(AssertionError, match="disagrees"):
        check_grad(uses_cube, [x], 0, g)


def test_accepts_the_right_gradient_small_and_large():
    f = lambda x: float(np.sum(np.sin(x)))  # noqa: E731
    for n in (5, 500):  # entry by entry, then random directions
        x = np.linspace(-1, 1, n)
        check_grad(f, [x], 0, np.cos(x))


def test_rejects_a_slightly_wrong_gradient_on_large_input():
    f = lambda x: float(np.sum(np.sin(x)))  # noqa: E731
    x = np.linspace(-1, 1, 500)
    wrong = np.cos(x)
    wrong[123] += 1e-2
    with pytest.raises(AssertionError, match="directional"):
        check_grad(f, [x], 0, wrong)


def test_rejects_wrong_shape_and_wrong_scalar():
    f = lambda x: x * x  # noqa: E731
    with pytest.raises(AssertionError):
        check_grad(f, [3.0], 0, 5.0)
    with pytest.raises(AssertionError, match="shape"):
        check_grad(lambda x: float(np.sum(x)), [np.ones(3)], 0, np.ones(4))
