"""Straight-line functions, each with explicit input builders and ``wrt``.

Builders take a ``numpy.random.Generator``; inputs are never chosen by
argument name. ``tests/test_corpus.py`` checks every case against finite
differences at several seeds.
"""

import math

import numpy as np
from numpy import sin as np_sin

from corpus import registry

CASES, case = registry()
SCALE = 1.5
IDX = np.array([0, 2, 2, 1])


def vec(n, low=-1.0, high=1.0):
    return lambda r: r.uniform(low, high, n)


def mat(m, n, low=-1.0, high=1.0):
    return lambda r: r.uniform(low, high, (m, n))


def scalar(low=-1.0, high=1.0):
    return lambda r: float(r.uniform(low, high))


@case(scalar(), scalar(), wrt=(0, 1))
def arithmetic(x, y):
    a = x + y
    b = x - 2.0 * y
    c = a * b / (1.5 + y * y)
    return c ** 2 + -x + (+y)


@case(vec(4), scalar(), wrt=(0, 1))
def sin_mul(x, w):
    y = np.sin(x * w) + x
    return np.sum(y * y)


@case(vec(5))
def self_update(x):
    y = np.exp(x)
    y = y * x
    y = np.tanh(y) + y
    return np.sum(y)


@case(scalar(0.5, 2.0))
def reassign_param(x):
    x = x * x
    x = np.log(x) + x
    return x


@case(vec(3), vec(3), wrt=(0, 1))
def tuple_unpack(a, b):
    u, v = a * b, a + b
    u, v = v, u
    return np.sum(u * np.cos(v))


@case(vec(4))
def augmented(x):
    y = x * 1.0
    y += x ** 2
    y *= 3.0
    y -= x
    y /= 2.0
    return np.sum(y)


@case(vec(4, 0.2, 2.0), scalar(0.5, 1.5), wrt=(0, 1))
def powers(x, p):
    return np.sum(x ** p + p ** x + x ** 3)


@case(mat(3, 4), mat(4, 2), wrt=(0, 1))
def matmul_op(A, B):
    C = A @ B
    return np.sum(C * C)


@case(vec(5, 0.3, 3.0), scalar(0.7, 1.3), wrt=(0, 1))
def floor_div_mod(x, y):
    q = x // y
    r = x % y
    return np.sum(q * x + r * r)


@case(mat(3, 4))
def transpose_attr(A):
    return np.sum(A.T @ A)


@case(mat(3, 4))
def methods(A):
    s = A.sum(axis=0)
    m = A.mean()
    return np.sum(s * s) + m * A.max()


@case(mat(3, 4), vec(4), wrt=(0, 1))
def dot_method(A, v):
    return np.sum(A.dot(v) ** 2)


@case(vec(6))
def reshape_method(x):
    M = x.reshape(2, 3)
    N = x.reshape((3, 2))
    return np.sum(M @ N)


@case(vec(4))
def astype_float(x):
    y = x.astype(float)
    return np.sum(y * x)


@case(vec(4))
def shape_attr(x):
    n = x.shape[0]
    return np.sum(x) / n + x.size * np.mean(x)


@case(vec(6))
def subscripts(x):
    a = x[0] * x[-1]
    b = x[1:5:2]
    c = x[::-1]
    return a + np.sum(b ** 2) + np.sum(c * x)


@case(mat(3, 4))
def subscripts_2d(A):
    a = A[1, 2] + A[-1, -1]
    r = A[0]
    c = A[:, 1]
    s = A[1:, ::2]
    return a + np.sum(r * r) + np.sum(c) + np.sum(s ** 3)


@case(vec(4))
def newaxis_and_ellipsis(x):
    outer = x[:, None] * x[np.newaxis, :]
    return np.sum(outer[..., 1]) + np.sum(outer)


@case(vec(6))
def int_array_index(x):
    picked = x[IDX]
    other = x[[1, 1, 3]]
    return np.sum(picked ** 2) + np.sum(other)


@case(vec(6))
def bool_mask(x):
    positive = x[x > 0]
    return np.sum(positive ** 2) + np.sum(x[x < 0])


@case(vec(4))
def keyword_args(x):
    A = np.reshape(x, shape=(2, 2))
    return np.sum(np.sum(A, axis=1, keepdims=True) * A)


@case(vec(4))
def module_globals(x):
    return SCALE * np.sum(np_sin(x))


@case(scalar())
def math_functions(x):
    return math.sin(x) * math.exp(x) + math.cos(x) ** 2


@case(vec(3))
def constants_only_branch(x):
    c = 2.0
    k = 3
    return np.sum(x * c) + k


@case(vec(4))
def unused_intermediate(x):
    waste = np.exp(x)
    y = x * 2.0
    return np.sum(y)


@case(vec(4), vec(4), wrt=1)
def wrt_second(a, b):
    return np.sum(a * np.sin(b))


@case(vec(4), vec(4), wrt="b")
def wrt_by_name(a, b):
    return np.sum(a * b * b)


@case(vec(3))
def abs_and_sqrt(x):
    return np.sum(np.sqrt(np.abs(x) + 1.0))


@case(vec(5))
def softmax_ce(z):
    m = np.max(z)
    e = np.exp(z - m)
    p = e / np.sum(e)
    return -np.log(p[2])


@case(mat(2, 3))
def logsumexp_rows(A):
    m = np.max(A, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(A - m), axis=1, keepdims=True))
    return np.sum(lse)


@case(scalar(), vec(3), wrt=(0, 1))
def broadcast_scalar_vector(s, v):
    w = s * v + s
    return np.sum(w * v)


@case(mat(2, 3), vec(3), wrt=(0, 1))
def broadcast_row(A, b):
    Z = A + b
    return np.sum(np.tanh(Z) * A)


@case(mat(3, 1), mat(1, 4), wrt=(0, 1))
def broadcast_outer(a, b):
    return np.sum(np.sin(a * b))


@case(vec(3), scalar(), wrt=(0, 1))
def linear_combination(x, t):
    y = 3.0 * x - t / 2.0 + 1.0
    return np.sum(y ** 2)


@case(vec(4))
def chained_assign(x):
    a = b = x * 2.0
    return np.sum(a * b)


@case(vec(4))
def annotated(x):
    y: np.ndarray = x * x
    return float(np.sum(y))


@case(mat(3, 3, 0.5, 1.5))
def linear_algebra(A):
    B = A @ A.T + 3.0 * np.eye(3)
    return np.linalg.det(B) + np.trace(np.linalg.inv(B))


@case(vec(4))
def with_docstring_and_print(x):
    """A docstring is ignored."""
    y = np.sum(np.cos(x))
    return y


@case(mat(3, 4), lambda r: r.uniform(-1, 1, (2, 4)), wrt=0)
def broadcast_over_a_reduction(A, C):
    return np.sum(np.exp(np.sum(A, axis=0)) * C)


@case(vec(6), lambda r: r.uniform(-1, 1, (4, 2, 3)), wrt=0)
def broadcast_over_a_reshape(x, c):
    return np.sum(np.sin(x.reshape(2, 3)) * c)


@case(mat(2, 3), lambda r: r.uniform(-1, 1, (5, 2, 3)), wrt=0)
def broadcast_over_a_subscript(A, c):
    return np.sum(np.tanh(A[:, ::-1] + 1.0) * c)
