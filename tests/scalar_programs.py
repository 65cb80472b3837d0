"""Functions of numbers and of arrays read and written entry by entry, for
``tests/test_scalars.py`` (scalar code in ``math``: ``scalars.py``; adjoints updated in
place: ``entries.py``)."""

import numpy as np


def damped(x, w, steps):
    for _ in range(steps):
        x = x + 0.01 * (np.sin(w * x) - 0.1 * x * np.cos(x))
    return x


def kepler(M, e):
    E = M
    dE = 1.0
    while np.abs(dE) > 1e-12:
        E_new = M + e * np.sin(E)
        dE = E_new - E
        E = E_new
    return e * np.cos(E)


def powers(x, n):
    s = 0.0
    for k in range(n):
        s = s + x ** k * 2 ** k + np.sqrt(np.abs(x)) ** 1.5
    return s


def overflowing(x):
    return np.exp(x) * 2.0


def reciprocal_sine(x):
    return 1.0 / np.sin(x)


def root_of_sine(x):
    return np.sin(x) ** 0.5


def refuses_negative(x):
    if x < 0:
        raise ValueError("x must not be negative")
    return np.log(x)


def copies_a_number(x):
    y = np.sin(x).copy()
    return y * y


def soft_dtw(D, gamma):
    n, m = D.shape
    R = np.full((n + 1, m + 1), np.inf)
    R[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            r0 = R[i - 1, j - 1]
            r1 = R[i - 1, j]
            r2 = R[i, j - 1]
            rmin = np.minimum(np.minimum(r0, r1), r2)
            soft = rmin - gamma * np.log(np.exp(-(r0 - rmin) / gamma) + np.exp(-(r1 - rmin) / gamma) + np.exp(-(r2 - rmin) / gamma))
            R[i, j] = D[i - 1, j - 1] + soft
    return R[n, m]


def whole_and_entries(a):
    s = np.sum(a * a)
    for i in range(3):
        s = s + a[i] ** 3
    return s


def integer_table(table, x):
    t = table.copy()
    t[0, 0] = x[0] * 3.0
    return np.sum(t) + np.sum(x)


def running_table(x):
    n = x.shape[0]
    c = np.zeros(n)
    c[0] = x[0]
    for i in range(1, n):
        c[i] = c[i - 1] * np.cos(x[i]) + x[i]
    return c[n - 1] + np.sum(c)
