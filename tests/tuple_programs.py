"""Functions whose tuple results are passed through helpers or used whole (tuples.py)."""

import numpy as np


def polar(r, t):
    return r * np.cos(t), r * np.sin(t)


def passed_on(r, t):  # the tuple of a helper, returned as it is
    return polar(r, t)


def passed_twice(r, t):  # through two levels of helpers
    return passed_on(r, t)


def named_then_returned(r, t):
    q = passed_on(r, t)
    return q


def reversed_pair(r, t):
    return polar(r, t)[::-1]


def rebuilt(r, t):
    return (polar(r, t)[0], t * r)


def starred_rebuild(r, t):
    return (*polar(r, t), r)


def last_of(r, t):
    return polar(r, t)[-1]


def lower_upper(m):  # a rule's fixed tuple (slogdet: sign, log|det|) passed on
    return np.linalg.slogdet(m)


def countdown(x, n):  # recursion: each path gives two values
    if n == 0:
        return x, 2.0 * x
    return countdown(1.5 * x, n - 1)


def uneven(x, c):  # two values on one path, three on the other: no static width
    if c > 0:
        return 2.0 * x, x
    return x, x, 3.0 * x


def stacked(x):
    return np.stack([x, 2.0 * x])


# -- callers ---------------------------------------------------------------------------


def unpack_through_one(r, t):
    a, b = passed_on(r, t)
    return a * b ** 2


def unpack_through_two(r, t):
    a, b = passed_twice(r, t)
    return np.sin(a) * b


def unpack_named(r, t):
    a, b = named_then_returned(r, t)
    return a ** 3 - b


def unpack_reversed(r, t):
    a, b = reversed_pair(r, t)
    return a * b ** 2


def unpack_rebuilt(r, t):
    a, b = rebuilt(r, t)
    return a * np.exp(b)


def unpack_three(r, t):
    a, b, c = starred_rebuild(r, t)
    return a * b + c ** 2


def picked(r, t):
    return last_of(r, t) * passed_twice(r, t)[0] + passed_on(t, r)[-1]


def used_whole(r, t):
    p = polar(r, t)
    a, b = p
    return a * p[1] + np.cos(p[0]) * b


def whole_through_helpers(r, t):
    p = passed_twice(r, t)
    return p[0] * p[-1]


def iterated(r, t):
    total = 0.0
    for v in passed_on(r, t):
        total = total + v ** 2
    return total


def passed_whole(r, t):  # a tuple result given to a function of yours as one argument
    return np.sum(np.array(polar(r, t)) ** 2) + first_times_second(polar(t, r))


def first_times_second(p):
    return p[0] * p[1]


def in_a_loop(r, t):
    total = 0.0
    for k in range(3):
        p = passed_on(r, t + k)
        total = total + p[0] * p[1]
    return total


def log_determinant(m):
    s = lower_upper(m)
    return s[1] * s[0]


def recursive(x):
    a, b = countdown(x, 3)
    p = countdown(x, 2)
    return a * b + p[0] * p[1]


def uneven_whole(x, c):
    p = uneven(x, c)
    return p[0] * p[-1]


def nested_unpack_of_a_rule(x):  # eigh's (w, v), unpacked into a name and a pair
    w, (v0, v1) = np.linalg.eigh(np.outer(x, x) + np.diag([1.0, 3.0]))
    return np.sum(w) + np.sum(v0 * v1) ** 2


def nested_unpack(r, t):
    (a, b), c = polar(r, t), t
    return a * b * c


# -- refused ---------------------------------------------------------------------------


def unpack_an_array(x):
    a, b = stacked(x)  # <- AD302
    return np.sum(a * b)


def unpack_too_many(r, t):
    a, b, c = passed_on(r, t)  # <- AD302
    return a * b * c
