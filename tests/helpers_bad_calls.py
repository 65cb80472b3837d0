"""Helpers adgen cannot differentiate, for the diagnostics tests in test_calls.py.
The tests look for these lines by their text: keep each problem on its own line."""

import numpy as np


def mutates(x):
    x[0] = 1.0  # mutates its argument
    return np.sum(x)


def generator(x):
    yield x * 2.0


def calls_mutates(x):
    return mutates(x) * 2.0
