"""Functions with control flow, each with explicit input builders and ``wrt``.

Builders take a ``numpy.random.Generator``; inputs are never chosen by
argument name. ``tests/test_corpus_control.py`` checks every case against
finite differences at seeds 0, 1 and 2.

A function may be registered more than once (stacked ``@case``) with builders
that steer it into other branches: across all of its cases and seeds, every
branch of every ``if``, both outcomes of every ``IfExp`` and short-circuit,
every ``break``/``continue``/``return`` and every loop ``else`` runs at least
once. Inputs keep a relative distance of at least 1e-3 from every branch
boundary and every point where a trip count changes, so central differences
never straddle one. The comment above each function says which paths seeds
0, 1 and 2 take; "main" is its first (top) ``@case``, "variant" the others.
"""

import math

import numpy as np

from corpus import registry
from corpus_straight import mat, scalar, vec

CASES, case = registry()
DT = 0.1


def const(value):
    return lambda r: value


def integer(low, high):
    """A non-differentiated int in [low, high)."""
    return lambda r: int(r.integers(low, high))


# ---------------------------------------------------------------- conditionals


# seeds 0/1/2: x = 0.87 (else), 0.30 (elif), -0.82 (if).
@case(scalar(-2.0, 2.5))
def piecewise_cubic(x):
    if x < -0.5:
        y = -x * x + 0.25 * x
    elif x < 0.5:
        y = x ** 3 + np.sin(x)
    else:
        y = np.exp(x - 0.5) * x
    return y * 2.0


# main: (x>0, y<=0), (x>0, y>0), (x<=0, y<=0); variant: (x<=0, y>0) at every seed.
@case(scalar(), scalar(), wrt=(0, 1))
@case(scalar(-1.0, -0.1), scalar(0.1, 1.0), wrt=(0, 1))
def nested_if(x, y):
    if x > 0:
        if y > 0:
            z = x * y
        else:
            z = x - y * y
    else:
        if y > 0:
            z = np.sin(x) * y
        else:
            z = np.cos(x + y)
    return z * z + x


# main: a T/F/F, b T, last T/F/T; variant (x < -0.3 < y): a F, b F, last T.
@case(scalar(), scalar(), wrt=(0, 1))
@case(scalar(-1.0, -0.3), scalar(0.1, 1.0), wrt=(0, 1))
def ifexp_select(x, y):
    a = x * x if x > y else y * np.sin(x)
    b = (a + y) if a > 0 else (a - x) * 0.5
    return a * b + (np.exp(b) if b < 0.3 else b)


# main: else (no short-circuit), if, elif (`and` and `or` short-circuit); variant: elif via `not`.
@case(scalar(), scalar(), wrt=(0, 1))
@case(scalar(-0.28, -0.02), scalar(0.6, 1.0), wrt=(0, 1))
def bool_ops_condition(x, y):
    if x > 0 and y > 0:
        r = x * y
    elif x < -0.3 or not y < 0.5:
        r = x + 2.0 * y
    else:
        r = np.sin(x * y)
    return r * (x - y)


# seeds: x = 1.04 (elif), 0.64 (0 < x < 1), -0.16 (falls through).
@case(scalar(-1.0, 2.2))
def chained_comparison(x):
    if 0 < x < 1:
        return x * (1.0 - x)
    elif 1 <= x:
        return np.log(x) - x
    return x ** 3


# main: else, np.any branch, else; variant (-0.4, 0.7): np.all branch at every seed.
@case(vec(4))
@case(vec(4, -0.4, 0.7))
def any_all_condition(v):
    if np.any(v > 0.8):
        s = np.sum(v ** 3)
    elif np.all(v > -0.5):
        s = np.sum(np.exp(v))
    else:
        s = np.sum(v * v) - np.prod(v)
    return s


# v[0] > v[1] at seed 0 only.
@case(vec(3))
def element_compare(v):
    if v[0] > v[1]:
        out = v[0] * v[2] - v[1]
    else:
        out = np.tanh(v[1] + v[2]) * v[0]
    return out + np.sum(v)


# x = 0.67, 0.56 take the if; x = 0.34 skips it.
@case(scalar(0.1, 1.0))
def if_without_else(x):
    y = x * 2.0
    if y > 1.0:
        y = np.log(y) + 1.0
    return y * x


# main: linear, quadratic, linear; variant |r| < 0.3: quadratic at every seed.
@case(scalar(-3.0, 3.0), scalar(0.5, 1.5), wrt=(0, 1))
@case(scalar(-0.3, 0.3), scalar(0.5, 1.5), wrt=(0, 1))
def huber(r, delta):
    a = abs(r)
    if a <= delta:
        loss = 0.5 * r * r
    else:
        loss = delta * (a - 0.5 * delta)
    return loss


# norm > 1 (clipped) at seeds 0 and 1, not clipped at seed 2.
@case(vec(4, -0.8, 0.8), vec(4, 0.5, 1.5), wrt=(0, 1))
def clip_by_norm(g, w):
    n = np.sqrt(np.sum(g * g))
    if n > 1.0:
        g = g / n
    return np.sum(g * w) + 0.1 * n


# x * y > 0 at seeds 1 and 2, else at seed 0.
@case(scalar(-2.0, 2.0), scalar(-2.0, 2.0), wrt=(0, 1))
def branch_assigns_different_names(x, y):
    a = x
    b = y
    if x * y > 0:
        a = x * y + 1.0
    else:
        b = np.exp(x) - y
    return a * b


# main: return in the second if, final return, return in the first if; variant: final return.
@case(scalar(-1.0, 2.0))
@case(scalar(0.1, 0.5))
def early_return(x):
    if x < 0:
        return x * x
    y = np.exp(x) - 0.5
    if y > 1.5:
        return np.log(y) * x
    return y * y


# main: third, second, third return; variants: first return, last return (every seed).
@case(scalar(), scalar(), wrt=(0, 1))
@case(scalar(-1.0, -0.6), scalar(-1.0, -0.5), wrt=(0, 1))
@case(scalar(0.6, 1.0), scalar(), wrt=(0, 1))
def several_returns(x, y):
    if x > 0.5:
        return x * y
    elif y > 0.5:
        return np.sin(x) + y
    elif x + y > -1.0:
        return x * x - y
    else:
        return np.exp(x + y)


# mode = 2, 1, 0 at seeds 0, 1, 2: all three branches.
@case(scalar(), integer(0, 3))
def mode_argument(x, mode):
    if mode == 0:
        return np.sin(x) * x
    elif mode == 1:
        return np.exp(-x * x)
    return np.tanh(x) + x ** 3


# main: x = 16.4 and 1.4 (log1p branch), -28.6 (exp branch); variant: x > 20.
@case(scalar(-60.0, 60.0))
@case(scalar(21.0, 40.0))
def softplus_stable(x):
    if x > 20.0:
        return x
    elif x < -20.0:
        return math.exp(x)
    return math.log1p(math.exp(x))


# main: s <= -0.2, s <= -0.2, s > 0.2; variant (small u, v): -0.2 < s <= 0.2 at every seed.
@case(vec(3), vec(3), wrt=(0, 1))
@case(vec(3, -0.3, 0.3), vec(3, -0.3, 0.3), wrt=(0, 1))
def ifexp_nested(u, v):
    s = np.sum(u * v)
    t = np.sum(u) if s > 0.2 else (np.sum(v) if s > -0.2 else np.sum(u * u))
    return s * t


# --------------------------------------------------------------- for over range


# 5 iterations at every seed.
@case(scalar(-1.0, 1.0))
def horner_constant_range(x):
    y = 1.0
    for i in range(5):
        y = y * x + 1.0 / (i + 1)
    return y


# 5 iterations at every seed.
@case(vec(5))
def range_len_weighted(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] * i + x[i] ** 2
    return s


# 3 iterations at every seed.
@case(mat(3, 4))
def range_shape_rows(A):
    s = 0.0
    for i in range(A.shape[0]):
        s = s + np.sum(A[i] ** 2) * (i + 1)
    return s


# n = 0, 4, 1 at seeds 0, 1, 2 (zero trips at seed 0).
@case(scalar(), scalar(-0.3, 2.4))
def computed_bound(x, k):
    n = int(k * 2.0)
    y = x
    for i in range(n):
        y = np.sin(y) + x * (i + 1)
    return y * x


# n = 4, 5, 2 iterations; range(n) is evaluated once although n shrinks.
@case(scalar(-1.0, 1.0), integer(2, 6))
def bound_changes_in_body(x, n):
    y = x
    for i in range(n):
        n = n - 1
        y = y * 0.9 + np.sin(y) * n
    return y + n * x


# i = 1, 3, 5 at every seed.
@case(vec(7))
def range_start_stop_step(x):
    s = 0.0
    for i in range(1, 6, 2):
        s = s + x[i] * x[i - 1] + x[i + 1]
    return s


# 5 then 2 iterations (i = 4..0, j = 4, 2) at every seed.
@case(vec(5))
def range_negative_step(x):
    acc = 0.0
    for i in range(len(x) - 1, -1, -1):
        acc = acc * 0.5 + x[i] * x[i]
    for j in range(4, 0, -2):
        acc = acc + x[j] * j
    return acc


# all three loops run zero times at every seed.
@case(vec(4))
def empty_ranges(x):
    s = np.sum(x * x)
    for i in range(0):
        s = s * x[i]
    for j in range(len(x) - 4):
        s = s + x[j]
    for k in range(3, 1):
        s = s - x[k]
    return s


# 6 iterations at every seed.
@case(vec(6))
def loop_var_arithmetic(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] * i - 0.5 * i * i * x[len(x) - 1 - i]
    return s


# 4 iterations at every seed.
@case(scalar(0.2, 1.0), vec(4), wrt=(0, 1))
def overwritten_recurrence(x, c):
    a = x
    b = 0.0
    for i in range(4):
        t = a * b + c[i]
        b = a
        a = np.sin(t) + x
    return a * b


# 10 steps at every seed.
@case(vec(3), scalar(0.5, 1.5), wrt=(0, 1))
def euler_ode(v0, k):
    v = v0
    for step in range(10):
        v = v + DT * (-k * v + np.sin(v))
    return np.sum(v * v)


# 5 iterations at every seed.
@case(vec(5))
def product_loop(x):
    p = 1.0
    for i in range(x.shape[0]):
        p *= 1.0 + 0.5 * x[i]
    return p


# 15 iterations at every seed.
@case(mat(3, 3, 0.1, 1.0))
def power_iteration(A):
    v = np.ones(3)
    for _ in range(15):
        v = A @ v
        v = v / np.sqrt(np.sum(v * v))
    return v @ (A @ v)


# ------------------------------------------------------ for over other iterables


# 4 rows at every seed.
@case(mat(4, 3), vec(3), wrt=(0, 1))
def loop_over_rows(X, w):
    s = 0.0
    for row in X:
        s = s + np.tanh(row @ w)
    return s


# 3 items at every seed.
@case(scalar(), scalar(), scalar(), wrt=(0, 1, 2))
def loop_over_tuple(x, y, z):
    s = 0.0
    prev = 1.0
    for a in (x, y, z):
        s = s + a * a * prev
        prev = a
    return s


# 3 items at every seed.
@case(scalar(), scalar(), wrt=(0, 1))
def loop_over_list(x, y):
    total = 0.0
    for c in [x, 2.0 * y, x * y]:
        total = total * 0.5 + np.cos(c)
    return total


# 5 iterations at every seed.
@case(vec(5))
def enumerate_loop(x):
    s = 0.0
    for i, xi in enumerate(x):
        s += xi ** 2 * (i + 1)
    return s


# 4 pairs at every seed.
@case(vec(4), vec(4), wrt=(0, 1))
def zip_loop(a, b):
    s = 0.0
    for ai, bi in zip(a, b):
        s = s + ai * np.sin(bi)
    return s


# 5 iterations at every seed.
@case(vec(5))
def reversed_range(x):
    h = 0.0
    for i in reversed(range(len(x))):
        h = np.tanh(0.8 * h + x[i])
    return h


# 5 iterations at every seed.
@case(vec(5))
def reversed_array(x):
    y = 0.0
    for xi in reversed(x):
        y = y * 0.5 + xi * xi
    return y


# 5 iterations at every seed.
@case(vec(5), scalar(0.0, 1.0), wrt=(0, 1))
def horner_coefficients(coeffs, x):
    y = 0.0
    for c in coeffs:
        y = y * x + c
    return y


# 4 iterations at every seed.
@case(vec(4), scalar(0.8, 0.99), wrt=(0, 1))
def discounted_return(rewards, gamma):
    G = 0.0
    for r in reversed(rewards):
        G = r + gamma * G
    return G


# 4 steps at every seed.
@case(vec(3), mat(3, 3), mat(4, 3), wrt=(0, 1, 2))
def rnn(h0, W, xs):
    h = h0
    for x in xs:
        h = np.tanh(W @ h + x)
    return np.sum(h)


# 3 rows at every seed.
@case(mat(3, 2), vec(2), wrt=(0, 1))
def enumerate_rows(X, w):
    s = 0.0
    for i, row in enumerate(X):
        s = s + (i + 1.0) * np.sum(np.sin(row * w))
    return s


# main: break at i = 4, 1, 2; variant (-1, 0.4): no break, xi and i keep their last values.
@case(vec(5))
@case(vec(5, -1.0, 0.4))
def loop_variable_after_loop(x):
    s = 0.0
    for i, xi in enumerate(x):
        s = s + xi * xi
        if xi > 0.5:
            break
    return s + xi * i


# ---------------------------------------------------------------- nested loops


# 3 x 4 iterations at every seed.
@case(mat(3, 4))
def nested_loops(A):
    s = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            s = s + A[i, j] * (i - j) + A[i, j] ** 2
    return s


# inner trips 0, 1, 2, 3, 4 (zero at i = 0) at every seed.
@case(vec(5))
def triangular_loop(x):
    s = 0.0
    for i in range(len(x)):
        for j in range(i):
            s = s + x[i] * x[j]
    return s


# 4 x 3 iterations at every seed.
@case(vec(4), vec(3), wrt=(0, 1))
def nested_iterables(a, b):
    s = 0.0
    for ai in a:
        for k, bk in enumerate(b):
            s = s + np.sin(ai * bk) * (k + 1)
    return s


# ------------------------------------------------------------ loops with if in


# 3 positive and 3 negative elements at every seed, in different positions.
@case(vec(6))
def leaky_relu_loop(x):
    s = 0.0
    for xi in x:
        s = s + (xi if xi > 0 else 0.1 * xi) * xi
    return s


# the maximum is replaced 1, 1, 2 times after x[0].
@case(vec(5))
def running_max(x):
    m = x[0]
    for xi in x:
        if xi > m:
            m = xi
    return m * np.sum(x)


# ---------------------------------------------------------- break and continue


# main: break at i = 5, 1, 2; variant (-1, 0.4): no break, the else runs.
@case(vec(6), scalar(0.5, 0.9))
@case(vec(6, -1.0, 0.4), scalar(0.5, 0.9))
def for_else_search(x, thresh):
    s = 0.0
    for i in range(len(x)):
        if x[i] > thresh:
            s = s + x[i] * (i + 1)
            break
        s = s + x[i] ** 2
    else:
        s = s - np.sum(x)
    return s


# main: break after 3, 3, 4 elements; variant (-0.3, 0.3): no break.
@case(vec(6))
@case(vec(6, -0.3, 0.3))
def break_in_for(x):
    s = 0.0
    for xi in x:
        s = s + xi * xi
        if s > 1.0:
            break
    return s


# 3 of 6 elements skipped at every seed, in different positions.
@case(vec(6))
def continue_in_for(x):
    s = 0.0
    for i in range(len(x)):
        if x[i] < 0:
            continue
        s = s + np.sqrt(x[i] + 1.0) * i
    return s


# continue 4 times per seed; outer if false 2, 1, 3 times, inner if false 2, 3, 1 times.
@case(vec(8))
def continue_nested_if(x):
    s = 0.0
    for i in range(len(x)):
        if x[i] > -0.5:
            if x[i] < 0.5:
                continue
            s = s + x[i] ** 3
        s = s + x[i] * 0.5
    return s


# main: the inner loop breaks in 3, 2, 3 of 3 rows; variant (small A): it never breaks.
@case(mat(3, 4), scalar(0.5, 1.0))
@case(mat(3, 4, 0.0, 0.5), scalar(0.5, 1.0))
def break_inner_loop(A, cap):
    s = 0.0
    for i in range(A.shape[0]):
        row = 0.0
        for j in range(A.shape[1]):
            row = row + A[i, j] * A[i, j]
            if row > cap:
                break
        s = s + row * (i + 1)
    return s


# continue 1, 3, 2 times; both ifs go both ways at every seed.
@case(mat(4, 4))
def continue_depth_three(A):
    s = 0.0
    for i in range(4):
        for j in range(i, 4):
            if A[i, j] > -0.5:
                if A[i, j] < 0.0:
                    continue
                s = s + np.exp(A[i, j])
            s = s + A[i, j] * A[j, i]
    return s


# inner break 2, 3, 1 times; both ifs go both ways at every seed.
@case(mat(3, 3), scalar(1.0, 2.0))
def break_depth_three(A, limit):
    total = 0.0
    for i in range(3):
        for j in range(3):
            total = total + A[i, j] ** 2
            if j > 0:
                if total > limit:
                    break
        total = total * 0.9
    return total


# break after 3 pairs at seeds 0 and 2, never at seed 1; continue 2, 1, 1 times.
@case(vec(5), vec(5), wrt=(0, 1))
def zip_with_break_continue(a, b):
    s = 0.0
    for ai, bi in zip(a, b):
        if ai * bi < -0.3:
            break
        if ai < bi:
            continue
        s = s + ai - bi * bi
    return s + a[0]


# continue 5, 0, 5 times; inner break 0, 3, 1 times.
@case(vec(4), scalar(0.8, 1.5), wrt=0)
def nested_while_break_continue(x, limit):
    i = 0
    s = 0.0
    while i < len(x):
        i = i + 1
        j = 0
        while j < 4:
            j = j + 1
            s = s + x[i - 1] * j * 0.3
            if s < 0.0:
                if j % 2 == 0:
                    continue
                s = s * 0.5
            if s > limit:
                break
        s = s * 0.9
    return s


# ---------------------------------------------------------------------- while


# 5, 5, 4 Newton steps.
@case(scalar(0.5, 4.0))
def newton_sqrt(a):
    y = a
    while abs(y * y - a) > 1e-12 * a:
        y = 0.5 * (y + a / y)
    return y


# 3 fixed steps, then 3, 3, 2 Newton steps to tolerance.
@case(scalar(0.5, 8.0))
def newton_cbrt(a):
    y = 1.0
    for _ in range(3):
        y = (2.0 * y + a / (y * y)) / 3.0
    while abs(y ** 3 - a) > 1e-10:
        y = (2.0 * y + a / (y * y)) / 3.0
    return y * y


# breaks after 13, 20, 13 iterations.
@case(scalar(0.2, 1.0), scalar(0.5, 1.0), wrt=(0, 1))
def fixed_point_cos(x, c):
    y = x
    while True:
        y_new = 0.5 * np.cos(c * y) + 0.5 * x
        if abs(y_new - y) < 3e-11:
            break
        y = y_new
    return y_new * x


# x = 4.5, 2.3, 0.57: 3, 2, 0 halvings (zero trips at seed 2).
@case(lambda r: float(np.exp(r.uniform(-2.0, 3.5))))
def halving_counter(x):
    y = x
    k = 0
    while y > 1.0:
        y = y / 2.0
        k = k + 1
    return y * (k + 1)


# main: break after 4, 3, 4 elements; variant (-0.3, 0.3): no break, the else runs.
@case(vec(5), scalar(0.5, 1.5), wrt=(0, 1))
@case(vec(5, -0.3, 0.3), scalar(0.5, 1.5), wrt=(0, 1))
def while_else(x, limit):
    i = 0
    s = 0.0
    while i < len(x):
        s = s + x[i] * x[i]
        if s > limit:
            s = s * 2.0
            break
        i = i + 1
    else:
        s = s + np.sum(x)
    return s


# 3 of 6 elements skipped at every seed, in different positions.
@case(vec(6))
def while_continue(x):
    i = 0
    s = 0.0
    while i < len(x):
        xi = x[i]
        i = i + 1
        if xi < 0.0:
            continue
        s = s + xi * i
    return s


# main: break after 3, 4, 5 steps; variant (x < 0): the condition ends the loop, no break.
@case(scalar(0.1, 0.9))
@case(scalar(-0.8, -0.4))
def while_break_in_if(x):
    y = x
    n = 0
    while n < 6:
        y = y + 0.3 * np.sin(y) + 0.1
        n = n + 1
        if y > 1.5:
            break
    return y * n


# 3 outer x (1, 2, 3) inner iterations at every seed.
@case(scalar(-1.0, 1.0))
def while_nested_for(x):
    y = x
    k = 0
    while k < 3:
        for j in range(k + 1):
            y = y * 0.8 + np.cos(y + j)
        k = k + 1
    return y


# max_iter 50: converges and breaks after 9, 10, 9 steps; max_iter 4: the condition ends the loop.
@case(vec(3), vec(3), const(50), wrt=(0, 1))
@case(vec(3), vec(3), const(4), wrt=(0, 1))
def gradient_descent(w0, target, max_iter):
    w = w0
    lr = 0.3
    it = 0
    while it < max_iter:
        g = 2.0 * (w - target) + 0.2 * w ** 3
        if np.sum(g * g) < 1e-6:
            break
        w = w - lr * g
        it = it + 1
    return np.sum(w * target)


# --------------------------------------------------------------------- return


# main: returns at i = 1 at seed 1, falls through at seeds 0, 2; variant (-1, 0.2): falls through.
@case(vec(5))
@case(vec(5, -1.0, 0.2))
def return_in_for(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i]
        if s > 0.8:
            return s * x[i]
    return -s * s


# main: returns after 3, 4, 5 steps; variant (x < 0): the loop ends, final return.
@case(scalar(0.2, 2.0))
@case(scalar(-1.0, -0.2))
def return_in_while(x):
    y = x
    n = 0
    while n < 10:
        if y > 3.0:
            return y * n
        y = y * 1.5 + 0.1
        n = n + 1
    return y


# returns at (i, j) = (1, 1), (0, 1); no return at seed 2.
@case(mat(3, 3), scalar(0.5, 1.0))
def return_in_nested_loops(A, cap):
    s = 0.0
    for i in range(3):
        for j in range(3):
            s = s + A[i, j] * A[j, i]
            if s > cap:
                return s * (i + j + 1)
    return s - 1.0


# main: final y > 0, y <= 0, y > 0 returns; variants: first return, return in the loop.
@case(scalar(-1.6, 1.6), vec(3, -2.0, 3.0), wrt=(0, 1))
@case(scalar(-2.0, -1.2), vec(3), wrt=(0, 1))
@case(scalar(0.5, 1.0), vec(3, 1.5, 2.5), wrt=(0, 1))
def return_in_if_and_loop(x, c):
    if x < -1.0:
        return x * np.sum(c)
    y = x
    for ci in c:
        y = y * ci + x
        if abs(y) > 3.0:
            return y
    if y > 0:
        return y * y
    return -y


# -------------------------------------------------------- found by fuzzing (regressions)


# the loop variable is rebound in the body, and a statement reads a2 both as it was
# (for its shape) and as it is after (tanh's result)
@case(scalar(-1.0, 1.0))
def rebound_loop_variable(x):
    a2 = x
    for i1 in range(2):
        i1 = 1.5
        a2 = np.tanh(a2 * i1)
        a2 = a2 * a2
    return a2


# b is assigned only when the first loop does not break: the second loop's backward
# records it although it may never have been assigned (it then never reads it)
@case(scalar(0.1, 1.0), scalar(-1.0, 1.0), const(3), wrt=(0, 1))
@case(scalar(-1.0, -0.1), scalar(-1.0, 1.0), const(3), wrt=(0, 1))
def maybe_unassigned(x, y, n):
    a = y
    k = 0
    while k < n:
        k = k + 1
        for i in range(2):
            if x > 0:
                break
            b = x * i
        for j in range(k):
            if x > 0:
                break
            a = a + b * a
    return a


# a branch with nothing to differentiate changes a value an earlier statement's backward
# reads: the backward puts it back
@case(scalar(-1.0, 1.0), scalar(-1.0, 1.0), wrt=(0, 1))
@case(scalar(-1.0, 1.0), scalar(2.0, 3.0), wrt=(0, 1))
def branch_overwrites_a_read_value(x, y):
    a1 = 2.0
    a4 = x * a1 * y
    if y < 1.5:
        a1 = 0.5
    return a4 + a1


# the slice's cotangent and the sum's share the cotangent of w1: adding one in place
# must not change the other
@case(vec(4))
def shared_cotangent(v):
    w1 = v + (v[3] - v)
    return w1[0]


# literals with doubled signs fold
@case(scalar(-1.0, 1.0))
def doubled_signs(x):
    a = np.tanh(x / ((--0.3) * (--0.3) + 1.0))
    return a * -(-x)


# the inner branch changes only a value nothing reads: its backward is empty
@case(scalar(-1.0, 1.0), scalar(-1.0, 1.0), wrt=(0, 1))
def dead_assignment_in_nested_branch(x, y):
    a = x
    s = a * y
    if y > 0:
        if x > 0:
            a = a * 2.0
    return s


# a conditional expression inside a call whose result is unpacked
@case(vec(3), scalar(-1.0, 1.0), wrt=(0, 1))
def conditional_in_unpacked_call(v, s):
    lo, hi = np.divmod(v * (s if s > 0 else -s) + 5.0, 2.0)
    return np.sum(hi * v) + np.sum(lo)
