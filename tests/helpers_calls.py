"""Helpers that ``tests/corpus_calls.py`` imports: functions of another module."""

import numpy as np

GRAVITY = 9.81


def dense(W, b, x):
    """One tanh layer."""
    return np.tanh(W @ x + b)


def pendulum_rate(theta, omega, damping):
    """The right-hand side of a damped pendulum: (dtheta/dt, domega/dt)."""
    return omega, -GRAVITY * np.sin(theta) - damping * omega


def softplus(x):
    return np.log1p(np.exp(x))


def smooth_abs(x, eps=1e-3):
    return np.sqrt(x * x + eps)


def same(a):
    """Returns its argument itself: what a caller changes in place, the argument sees."""
    return a


def scaled(a, k):
    b = a * k
    b = b + 1.0
    return b
