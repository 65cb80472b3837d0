"""Functions outside the supported subset, each with the code it must raise."""

import warnings

import numpy as np

CASES = []


def expect(code):
    def register(fn):
        CASES.append((fn, code))
        return fn

    return register


# a function of yours without a source file (defined through exec): its calls cannot be differentiated
_scope = {}
exec("def opaque(x):\n    return x\n", _scope)
opaque = _scope["opaque"]


@expect("AD101")
def with_try(x):
    try:
        y = x * 2.0
    except ValueError:
        y = x
    return y


@expect("AD101")
def with_with(x):
    with open("f"):
        y = x
    return y


@expect("AD105")
def nested_def(x):
    def inner(y):
        return y * 2.0

    return np.sum(np.vectorize(inner)(x))  # a nested def passed as a value


@expect("AD206")
def spread_of_unknown_length(x):
    parts = [x * k for k in range(3)]
    return np.sum(np.maximum(*parts))


@expect("AD103")
def store_through_an_attribute(x):
    y = np.zeros((3, 3))
    y.T[0][1] = x[0]
    return np.sum(y)


@expect("AD217")
def chained_store_through_a_mask(x):
    y = np.zeros((3, 3))
    y[x > 1.0][0] = x
    return np.sum(y)


@expect("AD305")
def store_into_argument(x):
    x[0] = 0.0
    return np.sum(x)


@expect("AD305")
def store_into_view(x):
    y = np.zeros((3, 3))
    row = y[0]
    row[1] = x
    return np.sum(y)


@expect("AD305")
def store_into_list(x):
    y = [0.0, 1.0]
    y[0] = x
    return y[0] + y[1]


@expect("AD305")
def out_argument(x):
    y = np.zeros(3)
    z = np.multiply(y, x, out=y)
    return np.sum(z)


@expect("AD109")
def ufunc_at_other_than_add(x):
    y = np.ones(3)
    np.multiply.at(y, [0], x)
    return np.sum(y * y)


@expect("AD306")
def read_after_store_through_alias(x):
    y = np.zeros(3)
    z = y[0:2]
    y[1] = x
    return np.sum(z)


@expect("AD306")
def read_after_inplace_update_of_alias(x):
    y = x * 1.0
    z = y
    y += x
    return np.sum(z * y)


@expect("AD102")
def walrus(x):
    y = (z := x * 2.0) + z
    return y


@expect("AD110")
def no_return(x):
    y = x * 2.0


@expect("AD203")
def calls_user_function(x):
    return np.sum(opaque(x))


@expect("AD201")
def missing_rule(x):
    return np.sum(np.nextafter(x, 1.0))


@expect("AD202")
def undefined_name(x):
    return x * undefined_thing  # noqa: F821


@expect("AD204")
def bad_keyword(x):
    return np.sum(x, where=x > 0)


@expect("AD107")
def shadows_np(x):
    np = x * 2.0
    return np


@expect("AD305")
def bare_expression(x):
    x.sort()
    return np.sum(x)


@expect("AD101")
def uses_global(x):
    global STATE
    return x


@expect("AD205")
def unknown_attribute(x):
    return np.sum(x.imaginary_attribute)


def _fill_edges(vector, width, axis, kwargs):
    vector[: width[0]] = vector[width[0]]


@expect("AD210")
def pad_with_a_function_as_mode(x):
    return np.sum(np.pad(x, 2, mode=_fill_edges))


with warnings.catch_warnings():
    warnings.simplefilter("ignore", PendingDeprecationWarning)
    MATRIX = np.matrix([[1.0, 2.0], [3.0, 4.0]])
MASKED = np.ma.array([1.0, 2.0, 3.0], mask=[0, 1, 0])


@expect("AD309")
def makes_a_matrix(x):
    m = np.asmatrix(x)
    return np.sum(m * m.T)


@expect("AD309")
def makes_a_masked_array(x):
    return np.sum(np.ma.masked_where(x > 1.0, x) ** 2)


@expect("AD309")
def views_as_a_matrix(x):
    return np.sum(x.view(np.matrix) * x)


@expect("AD309")
def reads_a_global_matrix(x):
    return np.sum(x[:2] * MATRIX)


@expect("AD309")
def reads_a_global_masked_array(x):
    return np.sum(MASKED * x)
