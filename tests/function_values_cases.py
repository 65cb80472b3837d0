"""Functions that call functions given as values (``map``, ``functools.partial``,
functions passed as arguments or captured by a factory) and that call functions for
their side effects; ``tests/test_function_values.py`` and ``tests/test_side_effect_calls.py``
differentiate them."""

import functools
import logging
from functools import partial

import numpy as np

LOG = logging.getLogger("adgen-tests")


def loglik(theta, d):
    return -np.sum((d - theta) ** 2)


def scaled(x, w, k=1.0):
    return k * w * np.sin(x)


def helper(x):
    return np.tanh(x) * x


# -- map and partial ---------------------------------------------------------------------


def sum_map_partial(theta, data):
    return sum(map(partial(loglik, theta), data))


def map_lambda(x):
    xs = [x, 2.0 * x, x ** 2]
    return np.sum(list(map(lambda v: v ** 2, xs))[2])


def map_two_sequences(x, y):
    return sum(map(lambda a, b: np.sum(a * b), [x, y], [y, x * x]))


def map_library_function(x):
    ys = list(map(np.sin, [x, x * 2]))
    return np.sum(ys[0] * ys[1])


def partial_with_keyword(x):
    return np.sum(functools.partial(scaled, k=3.0)(x, 2.0))


def loop_over_map(theta, data):
    s = 0.0
    for v in map(partial(loglik, theta), data):
        s = s + v
    return s


def tuple_of_map_of_own_function(x):
    a, b = tuple(map(helper, [x, np.cos(x)]))
    return np.sum(a * b)


def named_partial(theta, data):
    ll = partial(loglik, theta)
    total = 0.0
    for d in data:
        total = total + ll(d)
    return total + sum(map(ll, data))


def named_partial_rebound_argument(theta, data):
    w = theta * 1.0
    ll = partial(loglik, w)
    w = w * 2.0
    return ll(data[0]) + np.sum(w)


# -- functions passed as arguments, or captured ---------------------------------------------


def apply(fn, x):
    return fn(x)


def twice(fn, x):
    return fn(fn(x))


def apply_with(x, w, fn=None):
    return w * fn(x)


def passes_library_function(x):
    return np.sum(apply(np.sin, x))


def passes_own_function(x):
    return np.sum(apply(helper, x) + twice(helper, x))


def passes_by_keyword(x, w):
    return np.sum(apply_with(x, w, fn=np.exp))


def run(fn, x):
    return apply(fn, x * 2.0)


def passes_it_on(x):
    return np.sum(run(np.tanh, x))


def make_loss(fn):
    def loss(x):
        return np.sum(fn(x) ** 2)

    return loss


captured_loss = make_loss(helper)


def calls_captured(x):
    return captured_loss(x) * 2.0


# -- calls for their side effects -----------------------------------------------------------


def plot_matrix(ax, u, t):
    if ax is not None:
        ax.imshow(u)
        ax.set_title(f"t = {t}")


def heat(u0, steps, ax=None):
    """A heat-equation simulation that plots every step (with ``ax=None``, it does not)."""
    u = u0 * 1.0
    for t in range(steps):
        lap = np.roll(u, 1) + np.roll(u, -1) - 2.0 * u
        u = u + 0.1 * lap + 0.01 * np.sin(u)
        plot_matrix(ax, u, t)
    return np.sum(u ** 2)


def progress(x, n):
    history = []
    y = x
    for i in range(n):
        y = np.sin(y) + x
        print(f"step {i}: {float(np.sum(y)):.3f}")
        LOG.debug("norm %s", np.linalg.norm(y))
        history.append(float(np.sum(y)))
        assert np.all(np.isfinite(y)), "diverged"
    [print(h) for h in history if h > 0]
    list(map(print, history))
    return np.sum(y * y)


def check_shape(u):
    if u.shape[0] > 100:
        raise ValueError("too big")


def validates(x):
    u = x * 2.0
    check_shape(u)
    return np.sum(u ** 3)


def clamp(u):
    u[u < 0] = 0.0


def clamps_in_place(x):
    u = x - 0.5
    clamp(u)
    return np.sum(u ** 2)


def normalise(w):
    w /= np.sum(w)


def shows(ax, w):
    normalise(w)


def changes_through_a_helper(x):
    w = np.exp(x)
    shows(None, w)
    return np.sum(w * x)


def fills(buf):
    np.copyto(buf, 0.0)


def copies_into_the_argument(x):
    u = x * 3.0
    fills(u)
    return np.sum(u)


class Recorder:
    """A callback without source adgen reads (an object's method): it must leave what
    it is given as it was, which the gradient checks when it runs."""

    def __init__(self, overwrite=False):
        self.seen = []
        self.overwrite = overwrite

    def __call__(self, u):
        if self.overwrite:
            u[...] = 0.0
        self.seen.append(np.array(u))


RECORD = Recorder()
SPOIL = Recorder(overwrite=True)


def records(x):
    u = np.cos(x)
    RECORD(u)
    return np.sum(u * x)


def spoils(x):
    u = np.cos(x)
    SPOIL(u)
    return np.sum(u * x)


def records_a_temporary(x):
    u = np.cos(x)
    RECORD(u * 2.0)
    return np.sum(u * x)


def records_a_view(x):
    u = np.cos(x)
    RECORD(u[1:])
    return np.sum(u * x)
