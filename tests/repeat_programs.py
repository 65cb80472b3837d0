"""Spreads of a repeated list or tuple (repeats.py)."""

import numpy as np
from scipy.linalg import block_diag


def total(*xs):
    out = 0.0
    for k, x in enumerate(xs):
        out = out + (k + 1.0) * np.sum(x ** 2)
    return out


def literal(x):
    return np.sum(block_diag(*[x] * 2) ** 2)


def reversed_operands(x, y):
    return total(*2 * [x, y])


def tuple_repeated(x):
    return total(*(np.sin(x),) * 3)  # the item is computed once


def pairs(x, y, copies=2):
    return total(*([x, y] * copies))


def default_left(x, y):
    return pairs(x, y) * 2.0


def literal_argument(x, y):
    return pairs(x, y, 3) + pairs(y, x, copies=1)


def blocks(q, n=1):
    return block_diag(*[q] * n)


def block_default_and_given(q):
    return np.sum(blocks(q) ** 2) + np.sum(np.sin(blocks(q, n=3)))


def local_count(x):
    n = 2 + 1
    return total(*[x] * n)


def shape_count(x, y):
    n = x.shape[0]
    return total(*[y] * n) + total(*[x] * len(y))


def zero_copies(x):
    return total(*[x] * 0, x)


# -- refused ---------------------------------------------------------------------------


def count_from_a_value(x, c):
    return total(*[x] * int(c))  # <- AD206


def count_rebound(x, y, copies=2):
    copies = copies + 1
    return total(*[x, y] * copies)  # <- AD206


def uses_count_rebound(x, y):
    return count_rebound(x, y)


def top_default(x, n=2):  # the function differentiated: a count it leaves to its default
    return total(*[x] * n)
