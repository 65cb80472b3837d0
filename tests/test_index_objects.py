"""Objects indexed with a differentiated value, end to end: np.r_ and np.c_ are
differentiated; an object whose [...] computes from the index is refused (AD209
when adgen sees it statically, AD410 when it arrives at run time); arrays,
lists, tuples and dicts only select, so their [...] is piecewise constant."""

import numpy as np
import pytest

from gradcheck import check_grad
from adgen.runtime.core import GradientError
from adgen import TranspileError, grad


class Squares:
    def __getitem__(self, k):
        return k**2


SQUARES = Squares()
TABLE = {0: 1.5, 1: -2.0}
WEIGHTS = np.array([1.0, -2.0, 3.0])
X = np.array([0.4, 1.3, -0.7])


def r_join(x, y):
    return np.sum(np.sin(np.r_[x, 2.0 * y, 0:2, x[0]]) * np.arange(9.0))


def r_single(x):
    return np.sum(np.r_[x] ** 3)


def c_columns(x, y):
    return np.sum(np.cos(np.c_[x, y * x]) * np.arange(6.0).reshape(3, 2))


def c_matrix(x):
    m = np.c_[np.outer(x, x), x]
    return np.sum(m * m)


@pytest.mark.parametrize("fn", [r_join, c_columns])
def test_r_and_c_join_differentiated_values(fn):
    y = np.array([0.9, -1.1, 0.2])
    gx, gy = grad(fn, wrt=(0, 1))(X, y)
    check_grad(fn, [X, y], 0, gx)
    check_grad(fn, [X, y], 1, gy)


@pytest.mark.parametrize("fn", [r_single, c_matrix])
def test_r_and_c_of_one_argument(fn):
    check_grad(fn, [X], 0, grad(fn)(X))


def test_the_examples_of_the_issue():
    assert grad(lambda x: np.sum(np.r_[x, x]))(X).tolist() == [2.0, 2.0, 2.0]
    assert grad(lambda x: np.sum(np.c_[x, x]))(X).tolist() == [2.0, 2.0, 2.0]


def uses_index_expression(x):
    return np.sum(x[np.s_[0:2]] * np.s_[x][1])


def uses_mgrid(x):
    return np.sum(np.mgrid[x] * 2.0)


def uses_object_of_yours(x):
    return np.sum(SQUARES[x])


def r_with_a_directive(x):
    return np.sum(np.r_["0,2", x, x])


@pytest.mark.parametrize("fn,code", [
    (uses_index_expression, "AD209"),
    (uses_mgrid, "AD209"),
    (uses_object_of_yours, "AD209"),
    (r_with_a_directive, "AD210"),
])
def test_objects_without_a_rule_are_refused(fn, code):
    with pytest.raises(TranspileError) as info:
        grad(fn)(X)
    assert code in {d.code for d in info.value.diagnostics}


def indexes_an_argument(x, table):
    k = np.argmax(x)
    return table[k] * np.sum(x)


def indexes_a_local(x):
    table = make_table()
    return np.sum(table[x > 0.0] * x[0])


def make_table():
    return SQUARES


def computes_from_an_argument(x, table):
    return table[x[0]] * np.sum(x)


def computes_in_a_local(x):
    table = make_table()
    return np.sum(table[x] * x[0])


def test_an_object_known_only_at_run_time_is_refused_then():
    with pytest.raises(GradientError, match="AD410"):
        grad(computes_from_an_argument)(X, SQUARES)
    with pytest.raises(GradientError, match="AD410"):
        grad(computes_in_a_local)(X)


def test_an_index_that_carries_no_derivative_selects_whatever_the_object_does():
    # np.argmax(x) and x > 0 are piecewise constant: so is anything computed from them
    check_grad(indexes_an_argument, [X, SQUARES], 0, grad(indexes_an_argument)(X, SQUARES))
    check_grad(indexes_a_local, [X], 0, grad(indexes_a_local)(X))


def test_selecting_by_a_differentiated_index_is_piecewise_constant():
    for table in (WEIGHTS, list(WEIGHTS), tuple(WEIGHTS), {0: 1.0, 1: -2.0, 2: 3.0}):
        g = grad(indexes_an_argument)(X, table)
        assert g.tolist() == [table[1]] * 3  # argmax(X) == 1

    def selects_globals(x):
        return TABLE[int(x[0] > 0.0)] * np.sum(WEIGHTS[x > 0.0] * x[0])

    check_grad(selects_globals, [X], 0, grad(selects_globals)(X))
