"""A maximum subtracted for numerical stability carries no derivative where the result
cannot depend on it (transpiler/shifts.py): the gradient skips it, and stays right; where
the result does depend on it, it is differentiated as before. Both against finite
differences."""

import numpy as np
import pytest

from gradcheck import numerical_grad
from scalar_programs import soft_dtw  # a soft minimum of numbers in a loop (soft-DTW)
from adgen import grad, jvp


def log_softmax_loss(z, y):
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(logp * y)


def softmax_entropy(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    return -np.sum(p * np.log(p))


def logsumexp_rows(x, w):
    m = np.max(x, axis=1, keepdims=True)
    return np.sum(w * (np.log(np.sum(np.exp(x - m), axis=1)) + m[:, 0]))


def logsumexp_unkept(x):
    m = np.amax(x, axis=0)
    return np.sum(m + np.log(np.sum(np.exp(x - m[None, :]), axis=0)))


def scalar_shift(x):
    c = np.max(x)
    return np.log(np.sum(np.exp(2.0 * x - 2.0 * c))) / 2.0 + c


def column_softmax_squared(z):
    p = np.exp(z - np.min(z, axis=0, keepdims=True)) ** 2
    return np.sum(np.log(p / np.sum(p, axis=0, keepdims=True)) ** 2)


def soft_maximum_pairs(a):
    b = a[::-1] * 0.5
    m = np.maximum(a, b)
    return np.sum(m + np.log(np.exp(a - m) + np.exp(b - m)))


SKIPPED = [log_softmax_loss, softmax_entropy, logsumexp_rows, logsumexp_unkept, scalar_shift, column_softmax_squared, soft_dtw,
           soft_maximum_pairs]


# -- functions whose result depends on the maximum: it must be differentiated -------------------


def shift_returned(x):
    return np.sum((x - np.max(x, axis=1, keepdims=True)) ** 2)


def summed_across(x):
    """Summed over the axis along which the maximum varies: not a multiple of it."""
    m = np.max(x, axis=1, keepdims=True)
    return np.sum(np.log(np.sum(np.exp(x - m), axis=0)))


def laid_out_twice(x):
    """``s + m`` broadcasts to ``s[j] + m[i]``: the two shifts do not cancel."""
    m = np.max(x, axis=1, keepdims=True)
    s = np.log(np.sum(np.exp(x - m), axis=1))
    return np.sum((s + m) ** 2)


def scaled_unevenly(x):
    m = np.max(x, axis=1, keepdims=True)
    return np.sum(np.log(np.sum(np.exp(2.0 * (x - m)), axis=1)) - np.log(np.sum(np.exp(x - m), axis=1)))


def weighted_shift(x):
    m = np.max(x, axis=1, keepdims=True)
    e = np.exp(x - m) * x
    return np.sum(e / np.sum(np.exp(x - m), axis=1, keepdims=True)) + np.sum(m * 0.5)


def shift_in_a_loop(x):
    m = np.max(x, axis=1, keepdims=True)
    z = x - m
    for _ in range(2):
        z = z * 1.5
    return np.sum(z - np.log(np.sum(np.exp(z), axis=1, keepdims=True)))


def shift_stored(x):
    m = np.max(x, axis=1, keepdims=True)
    z = x - m
    z[0, 0] = 1.0
    return np.sum(z - np.log(np.sum(np.exp(z), axis=1, keepdims=True)))


def carried_to_the_next_pass(x):
    """A value of one pass's maximum read by the next pass and after the loop."""
    s = 0.0
    prev = 0.0
    for k in range(3):
        m = np.max(x * (k + 1.0))
        s = s + prev
        prev = np.log(np.sum(np.exp(x - m)))
    return s + prev


def read_by_a_local_function(x):
    m = np.max(x)
    z = x - m

    def total():
        return np.sum(z)

    return np.log(np.sum(np.exp(z))) + m + total()


def scale_changed(x):
    g = np.sum(x * x) + 1.0
    m = np.min(x)
    t = np.sum(np.exp(-(x - m) / g))
    g = g * 2.0
    return m - g * np.log(t)


KEPT = [shift_returned, summed_across, laid_out_twice, scaled_unevenly, weighted_shift, shift_in_a_loop, shift_stored, carried_to_the_next_pass,
        read_by_a_local_function, scale_changed]


def _args(fn):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4))
    if fn is log_softmax_loss:
        return [x, np.eye(3, 4)]
    if fn is logsumexp_rows:
        return [x, rng.standard_normal(3)]
    if fn is soft_dtw:
        return [x ** 2, 0.7]
    if fn in (soft_maximum_pairs, carried_to_the_next_pass, scale_changed, read_by_a_local_function):
        return [x[0]]
    return [x]


def _backward(fn, args):
    """The code of the backward half of the gradient module (after the ``# backward``
    line), without its comments (which quote the source)."""
    text = grad(fn).source_for(*args)
    return "\n".join(line for line in text[text.index("# backward") :].splitlines() if not line.strip().startswith("#"))


@pytest.mark.parametrize("fn", SKIPPED + KEPT, ids=lambda f: f.__name__)
def test_gradients_match_finite_differences(fn):
    args = _args(fn)
    np.testing.assert_allclose(grad(fn)(*args), numerical_grad(fn, args, 0), rtol=1e-6, atol=1e-8)
    v = np.random.default_rng(4).standard_normal(args[0].shape)
    h = 1e-6
    moved = lambda s: fn(args[0] + s * h * v, *args[1:])  # noqa: E731
    np.testing.assert_allclose(jvp(fn)(*args, v)[1], (moved(1) - moved(-1)) / (2 * h), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn", SKIPPED, ids=lambda f: f.__name__)
def test_a_shift_the_result_cannot_see_is_not_differentiated(fn):
    backward = _backward(fn, _args(fn))
    assert "extremum" not in backward and "np.max" not in backward and "np.min" not in backward and "==" not in backward


@pytest.mark.parametrize("fn", KEPT, ids=lambda f: f.__name__)
def test_a_shift_the_result_depends_on_is_differentiated(fn):
    backward = _backward(fn, _args(fn))
    assert "extremum" in backward or "np.minimum" in backward or "==" in backward


def test_the_gradient_is_exactly_the_hand_written_one():
    """The textbook softmax gradient, ``softmax(z) * sum(y) - y``, has no term for the
    maximum: adgen's now computes the same numbers."""
    z, y = _args(log_softmax_loss)
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    hand = e / np.sum(e, axis=1, keepdims=True) * np.sum(y, axis=1, keepdims=True) - y
    np.testing.assert_allclose(grad(log_softmax_loss)(z, y), hand, rtol=1e-14, atol=1e-15)
