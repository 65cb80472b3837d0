"""Helpers with non-literal defaults, ``*args`` and ``**kwargs``, and calls that spread
their arguments (``f(*t)``, ``f(**d)``): the functions test_variadic.py differentiates."""

import numpy as np

SCALE = 2.5
OFFSET = np.array([0.5, -1.0, 2.0])


# -- defaults that are not literals ----------------------------------------------------


def dense(x, W, act=np.tanh):
    return act(W @ x)


def energy(u, strain=np.zeros((3, 3)), scale=SCALE):
    return scale * np.sum((u - strain) ** 2)


def shifted(x, *, offset=OFFSET, squash=np.sin):
    return squash(x + offset)


def uses_dense(x, W):
    return np.sum(dense(x, W)) + np.sum(dense(2.0 * x, W=W))


def uses_energy(u):
    return energy(u.reshape(3, 3)) + energy(u.reshape(3, 3), scale=0.5)


def uses_shifted(x):
    return np.sum(shifted(x) * x)


def own_defaults(x, strain=np.ones(3), *, act=np.exp):
    return np.sum(act(x) * strain)


# -- *args and **kwargs in helpers ---------------------------------------------------


def concat_and_multiply(weights, *args):  # autograd's examples/rnn.py
    cat_state = np.hstack(args + (np.ones((args[0].shape[0], 1)),))
    return np.dot(cat_state, weights)


def rnn_step(W, h, x):
    return np.sum(np.tanh(concat_and_multiply(W, h, x)))


def total(*terms):
    s = 0.0
    for t in terms:
        s = s + np.sum(t * t)
    return s / len(terms)


def first_and_rest(*xs):
    return xs[0] * np.sum(np.stack(xs[1:]))


def sums(x, y):
    return total(x, y, x * y) + np.sum(first_and_rest(x, y, 2.0 * y))


def weighted(x, **kw):
    s = kw.get("s", 1.0)
    t = kw["t"] if "t" in kw else 0.0
    return np.sum(s * x + t * x * x)


def forwards(*args, **kwargs):
    return weighted(*args, **kwargs)


def keywords(x, a):
    return weighted(x, s=a) + weighted(x, t=a, s=2.0) + forwards(x, s=3.0 * a) + forwards(x)


# -- spread calls ------------------------------------------------------------------------


def polar(r, theta):
    return r * np.cos(theta), r * np.sin(theta)


def norm2(u, v):
    return u * u + v * v


def spread_display(r, theta):
    pair = (r, theta)
    return norm2(*polar(*pair)) + norm2(**{"u": r, "v": theta})


def spread_result(r, theta):
    p = polar(r, theta)
    return norm2(*p) + np.arctan2(*polar(theta, r))


def tile(x, rows, cols):
    return np.sum(x * rows + cols)


def spread_shape(X):
    return tile(X, *X.shape) + np.sum(np.maximum(*(X, 0.5 * X)))


def rest_of(x, *rest, **opts):
    return np.sum(x * rest[0]) * opts.get("scale", 1.0) + len(rest)
