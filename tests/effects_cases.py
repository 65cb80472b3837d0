"""Functions whose effects on memory tests/test_effects.py checks."""

import numpy as np

G = np.zeros(3)


def returns_argument(a, b):
    return a


def returns_new(a):
    y = a * 2.0
    return y


def returns_view(a):
    return a[1:]


def returns_global():
    return G


def changes_argument(a, k):
    a += k
    return 0.0


def stores_into_argument(a):
    a[0] = 1.0
    return 0.0


def changes_through_call(a):
    return changes_argument(a, 1.0)


def swaps(a, b, n):
    # which argument it gives back depends on how deep it recurses
    if n == 0:
        return a
    return swaps(b, a, n - 1)


def changes_after_swapping(a, b, n):
    if n == 0:
        a += 1.0
        return 0.0
    return changes_after_swapping(b, a, n - 1)


def changes_its_own_copy(a):
    b = a.copy()
    b += 1.0
    return b


def nested_def_changes_its_own_argument(a):
    def inner(c):
        c += 1.0
        return c

    return inner(a * 1.0)
