"""grad of callables that are not plain functions: a bound method (its object is
passed as the first argument; ``wrt`` numbers the method's own parameters), a
classmethod, a ``functools.partial`` (its bound arguments are passed), an
``lru_cache`` wrapper, an object with a ``__call__`` method, and compositions of
them. Anything without Python source and without a derivative rule (a ufunc such as `np.gcd`) is AD108 when ``grad`` is
called, never an uncoded error."""

import functools

import numpy as np
import pytest

from gradcheck import check_grad
from adgen import TranspileError, grad, value_and_grad, vjp

X = np.array([0.3, -0.7, 1.1])
Y = np.array([1.5, 0.5, -2.0])


class Model:
    k = 3.0

    def __init__(self):
        self.w = np.array([1.0, 2.0, -1.0])

    def loss(self, x, y):
        return np.sum(np.sin(x * self.w) * y)

    def plain(self, x):
        return np.sum(np.cos(x))  # does not read self

    @classmethod
    def scaled(cls, x):
        return np.sum(np.tanh(x * cls.k))

    def __call__(self, x, y):
        return np.sum(np.exp(x * 0.5) * y * self.w)


def base(x, y, k=2.0):
    return np.sum(np.sin(k * x) * y)


MODEL = Model()

CALLABLES = {
    "bound method": (MODEL.loss, (X, Y)),
    "bound method not reading self": (MODEL.plain, (X,)),
    "classmethod": (Model.scaled, (X,)),
    "callable object": (MODEL, (X, Y)),
    "partial, positional": (functools.partial(base, X), (Y,)),
    "partial, keyword": (functools.partial(base, k=3.0), (X, Y)),
    "partial of a bound method": (functools.partial(MODEL.loss, y=Y), (X,)),
    "partial of a partial": (functools.partial(functools.partial(base, k=1.0), k=4.0), (X, Y)),
    "lru_cache": (functools.lru_cache(maxsize=None)(lambda x: float(np.sin(x) ** 2)), (0.4,)),
}


@pytest.mark.parametrize("name", CALLABLES)
def test_each_argument_of_each_callable(name):
    fn, args = CALLABLES[name]
    for i in range(len(args)):
        check_grad(fn, list(args), i, grad(fn, wrt=i)(*args))


def test_names_tuples_value_and_vjp_of_a_bound_method():
    gx, gy = grad(MODEL.loss, wrt=("x", 1))(X, Y)
    check_grad(MODEL.loss, [X, Y], 0, gx)
    check_grad(MODEL.loss, [X, Y], 1, gy)
    value, g = value_and_grad(MODEL.loss, wrt="y")(X, Y)
    assert value == pytest.approx(MODEL.loss(X, Y)) and np.allclose(g, gy)
    assert np.allclose(vjp(MODEL.loss)(X, Y, 2.0), 2.0 * gx)
    assert np.allclose(grad(MODEL.loss)(X, y=Y), gx)


def test_a_number_past_the_bound_method_s_parameters_is_ad301():
    with pytest.raises(TranspileError, match="AD301"):
        grad(MODEL.loss, wrt=2)


@pytest.mark.parametrize("fn", [np.gcd, np.vectorize(np.sin), functools.partial(np.gcd, 1)])
def test_no_python_source_and_no_rule_is_ad108(fn):
    with pytest.raises(TranspileError, match="AD108"):
        grad(fn)
