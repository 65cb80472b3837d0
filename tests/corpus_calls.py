"""Functions that call the user's own functions, each with explicit input builders
and ``wrt``. ``tests/test_corpus_calls.py`` checks every case against finite
differences at seeds 0, 1 and 2.

Helpers live here (same module), in ``helpers_calls`` (another module, imported
two ways), in an enclosing function's scope (closures), and call each other and
themselves (recursion). Inputs keep away from branch boundaries, as in
``corpus_control``.
"""

import numpy as np

import helpers_calls
from corpus import registry
from corpus_control import const, integer
from corpus_straight import mat, scalar, vec
from helpers_calls import dense, pendulum_rate, smooth_abs

CASES, case = registry()


# ---------------------------------------------------------------- helpers of this module


def square_sin(x):
    y = x * x
    return np.sin(y)


def scaled(x, k=2.0, *, shift=0.5):
    return k * x + shift


def polar(r, theta):
    return r * np.cos(theta), r * np.sin(theta)


def rk4_step(y, v, dt):
    """One RK4 step of the oscillator y'' = -y - 0.1 y'."""
    k1y, k1v = v, -y - 0.1 * v
    k2y, k2v = v + 0.5 * dt * k1v, -(y + 0.5 * dt * k1y) - 0.1 * (v + 0.5 * dt * k1v)
    k3y, k3v = v + 0.5 * dt * k2v, -(y + 0.5 * dt * k2y) - 0.1 * (v + 0.5 * dt * k2v)
    k4y, k4v = v + dt * k3v, -(y + dt * k3y) - 0.1 * (v + dt * k3v)
    y_new = y + dt / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y)
    v_new = v + dt / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
    return y_new, v_new


def clipped(x):
    if x > 0.0:
        return np.log1p(x)
    return x * x


def energy(x):
    return 0.5 * np.sum(square_sin(x) ** 2)


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def power_expr(x, n):
    return 1.0 if n == 0 else x * power_expr(x, n - 1)


def tail_sum(xs, i):
    """xs[i] * xs[i] + ... + xs[-1] * xs[-1], recursively."""
    if i == len(xs):
        return 0.0
    return xs[i] * xs[i] + tail_sum(xs, i + 1)


def tail_product(xs, i):
    if i == len(xs) - 1:
        return xs[i]
    return xs[i] * tail_product(xs, i + 1)


def repeat(x, n):
    y = x
    for _ in range(n):
        y = np.sin(y) + 0.5 * y
    return y


def is_even(n, x):
    if n == 0:
        return x
    return is_odd(n - 1, np.cos(x))


def is_odd(n, x):
    if n == 0:
        return x * x
    return is_even(n - 1, x + 0.5)


def fill_rows(x):
    """A helper that builds an array by in-place stores into its own array."""
    y = np.zeros(3)
    y[0] = x[0] * x[1]
    y[1:] = np.sin(x[1:])
    return y


def running(x, k):
    """Stores into its own array after reading it: its backward undoes the later store."""
    y = np.zeros(3)
    for i in range(3):
        y[i] = x[i] * k
        s = np.sum(y * y)
        y[i] = y[i] + s
    return np.sum(y * x)


def grow(x):
    """Returns its own array, whose stores its backward undoes in place."""
    y = np.zeros(3)
    y[0] = x[0]
    s = np.sum(y * y)
    y[1] = s * x[1] + x[0]
    y[2] = np.sin(x[2]) + s
    return y


def spring_energy(q, k, rest=1.0):
    """A helper with a nested helper of its own, reading k and rest from it."""

    def stretch(a, b):
        return np.sqrt((a - b) ** 2 + 1e-3) - rest

    total = 0.0
    for i in range(len(q) - 1):
        total = total + 0.5 * k * stretch(q[i + 1], q[i]) ** 2
    return total


class Spring:
    """Methods: called on a module-level object, through the class, as class and static methods."""

    def __init__(self, k, rest):
        self.k = k
        self.rest = rest

    def energy(self, a, b):
        return 0.5 * self.k * Spring.stretch(self, a, b) ** 2

    def stretch(self, a, b):
        return Spring.length(a - b) - self.rest

    @staticmethod
    def length(d):
        return np.sqrt(d * d + 1e-3)

    @classmethod
    def unit(cls, a, b):
        return Spring.energy(cls(1.0, 0.5), a, b)


SPRING = Spring(3.0, 1.0)


def branching(x, n):
    """Tree recursion: each call calls itself twice, in a loop."""
    if n < 2:
        return np.sin(x) + n
    total = 0.0
    for k in range(2):
        total = total + branching(x * (0.6 + 0.1 * k), n - 1 - k) * x
    return total


# ---------------------------------------------------------------- cases


@case(scalar())
def same_module(x):
    return square_sin(x) + 2.0 * x


@case(vec(4))
def same_module_twice(x):
    a = square_sin(x)
    b = square_sin(a * 3.0)
    return np.sum(a * b)


@case(scalar(), scalar(), wrt=(0, 1))
def keywords_and_defaults(x, y):
    return scaled(x) * scaled(y, 3.0, shift=-1.0) + scaled(k=x, x=y)


@case(scalar(0.5, 2.0), scalar(-1.0, 1.0), wrt=(0, 1))
def tuple_return(r, theta):
    a, b = polar(r, theta)
    return a * b + b


@case(scalar(-1.0, 1.0), scalar(-1.0, 1.0), integer(5, 15), wrt=(0, 1))
def rk4_in_loop(y0, v0, steps):
    y, v = y0, v0
    for _ in range(steps):
        y, v = rk4_step(y, v, 0.1)
    return y * y + 0.5 * v * v


@case(scalar(-1.0, 1.0), scalar(0.1, 0.5), wrt=(0, 1))
def rk4_while(y0, dt):
    y, v, t = y0, 0.0, 0.0
    while t < 1.0:
        y, v = rk4_step(y, v, dt)
        t = t + 0.25
    return y + v


@case(vec(5, -2.0, 2.0))
def helper_in_branch(x):
    total = 0.0
    for i in range(len(x)):
        if x[i] > 0.1:
            total = total + clipped(x[i])
        elif x[i] < -0.1:
            total = total - clipped(-x[i]) * 2.0
        else:
            total = total + x[i]
    return total


@case(scalar())
def helper_in_condition_branch(x):
    if x > 0.05:
        y = clipped(x)
    else:
        y = clipped(x - 1.0)
    return y * 3.0


@case(vec(3))
def helper_calls_helper(x):
    return energy(x) + energy(2.0 * x)


@case(scalar(0.5, 1.5), integer(0, 6))
def recursive_power(x, n):
    return power(x, n) + power(x, 2)


@case(scalar(0.5, 1.5), const(4))
def recursive_power_expression(x, n):
    return power_expr(x, n)


@case(vec(6))
def recursive_sum(xs):
    return tail_sum(xs, 0)


@case(vec(5, 0.5, 1.5))
def recursive_product(xs):
    return tail_product(xs, 1) * xs[0]


@case(scalar(), integer(0, 7))
def mutual_recursion(x, n):
    return is_even(n, x)


@case(scalar(), integer(1, 5))
def int_argument(x, n):
    return repeat(x, n) + repeat(x, 2) * repeat(2.0, n)


@case(mat(4, 3), vec(4), mat(2, 4), vec(2), vec(3), wrt=(0, 1, 2, 3))
def two_layers(W1, b1, W2, b2, x):
    h = dense(W1, b1, x)
    out = dense(W2, b2, h)
    return np.sum(out * out)


@case(mat(3, 3), vec(3), mat(3, 3), wrt=(0, 1))
def layer_in_loop(W, b, X):
    total = 0.0
    for row in X:
        total = total + np.sum(dense(W, b, row) ** 2)
    return total


@case(scalar(-1.0, 1.0), scalar(-1.0, 1.0), scalar(0.1, 0.5), wrt=(0, 1, 2))
def other_module_tuple(theta, omega, damping):
    for _ in range(20):
        dtheta, domega = pendulum_rate(theta, omega, damping)
        theta = theta + 0.05 * dtheta
        omega = omega + 0.05 * domega
    return theta * theta + omega


@case(vec(4))
def module_attribute(x):
    return np.sum(helpers_calls.softplus(x) * smooth_abs(x) + smooth_abs(x, eps=0.5))


@case(scalar(), scalar(), wrt=(0, 1))
def inactive_argument_mix(x, y):
    # y is differentiated but reaches only the first call
    return scaled(x, y) + scaled(2.0, 3.0) * x


@case(vec(3))
def helper_with_inplace_stores(x):
    return np.sum(fill_rows(x) ** 2) + np.sum(fill_rows(2.0 * x) * x)


@case(vec(3), scalar(), wrt=(0, 1))
def helper_undoes_its_stores(x, k):
    return running(x, k) + running(2.0 * x, 1.5)


@case(vec(3))
def chained_returned_arrays(x):
    # each call's argument is the array the previous call returned (and its backward changes)
    a = x
    for _ in range(3):
        a = grow(a) * 0.9
    b = grow(grow(x))
    return np.sum(a * a) + np.sum(b * x)


@case(vec(5, -2.0, 2.0), scalar(0.5, 2.0), wrt=(0, 1))
def helper_with_nested_def(q, k):
    return spring_energy(q, k) + spring_energy(2.0 * q, 1.0, rest=0.5)


@case(vec(4, -2.0, 2.0))
def methods(q):
    total = 0.0
    for i in range(len(q) - 1):
        total = total + SPRING.energy(q[i + 1], q[i]) + Spring.unit(q[i], 0.0)
    return total + Spring.energy(SPRING, q[0], q[-1])


@case(scalar(0.5, 1.5), integer(0, 6))
def tree_recursion(x, n):
    return branching(x, n)


@case(vec(3))
def store_after_call(x):
    # the record of the first call holds y, which the store then changes in place
    y = np.zeros(3)
    y[0] = x[0]
    a = np.sum(square_sin(y))
    y[0] = x[1] * 3.0
    return a * np.sum(y)


@case(vec(3))
def store_after_call_in_loop(x):
    y = x * 1.0
    total = 0.0
    for i in range(3):
        total = total + np.sum(fill_rows(y) * y)
        y[i] = np.cos(y[i])
    return total


@case(scalar(), scalar(), wrt=(0, 1))
@case(scalar(), scalar(), wrt=0)
def nested_defs(x, w):
    # nested helpers read w from the enclosing function and call each other
    def sq(y):
        return w * y * y

    def twice(y):
        return sq(y) + sq(2.0 * y)

    a = twice(x)
    n = sq(3.0)
    return a * n + sq(x)


@case(vec(3), scalar(), wrt=(0, 1))
def named_lambdas(x, k):
    soft = lambda y: np.log1p(np.exp(k * y))  # noqa: E731
    sq = lambda y: y * y  # noqa: E731
    return np.sum(soft(x) * sq(x)) + sq(k)


@case(scalar(0.5, 1.5), integer(0, 6))
def nested_recursion(x, n):
    def power_of_x(k):
        if k == 0:
            return 1.0
        return x * power_of_x(k - 1)

    return power_of_x(n) + np.sin(x)


@case(vec(4), integer(2, 5))
def nested_in_loop(x, steps):
    def relax(y, rate=0.3):
        return y + rate * (np.tanh(y) - y * y)

    for _ in range(steps):
        x = relax(x)
    return np.sum(relax(x, rate=0.1))


# the differentiated function calls itself
case(scalar(0.5, 1.5), integer(0, 6))(power)
case(vec(5, 0.5, 1.5), const(0))(tail_product)


def make_model(scale):
    def bump(x):
        return np.exp(-scale * x * x)

    def model(x):
        return np.sum(bump(x) * x)

    return model


@case(vec(3))
def closure_helper(x):
    return model_from_closure(x) * 2.0


model_from_closure = make_model(1.5)
closure_model = case(vec(4))(make_model(0.7))


cube = lambda y: y * y * y  # noqa: E731  (a helper written as a lambda)


@case(vec(3))
def lambda_helper(x):
    return np.sum(cube(x) + cube(2.0 * x))
