"""Functions whose calls change a global array in place after the gradient of an earlier
statement read it (``tests/test_outside_changes.py``)."""

import numpy as np

G = np.array([1.0, 2.0, 3.0])
LOG = []


def bump():
    G[0] += 1.0


def record(v):
    LOG.append(float(v))


def bumps_after_reading(x):
    y = np.sum(G * x)
    bump()
    return y


def helper_that_bumps(x):
    bump()
    return x * 2.0


def bumps_in_a_helper(x):
    y = np.sum(np.sin(G * x))
    z = helper_that_bumps(x)
    return y + np.sum(z)


def bumps_in_a_loop(x):
    total = 0.0
    for k in range(3):
        total = total + np.sum(G * x ** 2)
        if k == 1:
            bump()
    return total


def logs_after_reading(x):
    y = np.sum(np.cos(G * x))
    record(y)
    return y


class Switchable:
    """A model whose activation a method swaps: a store into the object (``self.act = f``)."""

    def __init__(self):
        self.act = np.tanh
        self.W = np.array([1.0, 2.0, 3.0])

    def set_act(self, f):
        self.act = f

    def out(self, x):
        return self.act(self.W * x)


def swaps_the_activation(x, model):
    model.set_act(np.cos)
    return np.sum(model.out(x))


SWITCHABLE = Switchable()


def swaps_a_global_activation(x):
    SWITCHABLE.set_act(np.cos)
    return np.sum(SWITCHABLE.out(x))
