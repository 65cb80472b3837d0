"""Reductions called as methods of NumPy's values in specialised gradients
(transpiler/methods.py): where the operand is surely an array or a NumPy scalar, and not
where it may be a Python number; gradients against finite differences."""

import numpy as np
import pytest

from gradcheck import check_every_argument
from adgen import grad


def layer(W, b, X):
    h = np.tanh(X @ W + b)
    return np.mean(h ** 2) + np.max(h, axis=0).sum() - np.min(-h.T, axis=1, keepdims=True).mean()


def number_and_array(x, s):
    return np.sum(x) * np.sum(s) + np.mean(np.sin(x) * s)


def loop_of_rows(x):
    total = 0.0
    for k in range(x.shape[0]):
        total = total + np.sum(np.exp(x[k]) * k)
    return total


CASES = [
    (layer, (np.random.default_rng(0).standard_normal((3, 4)), np.random.default_rng(1).standard_normal(4), np.random.default_rng(2).standard_normal((5, 3)))),
    (number_and_array, (np.array([0.3, -0.2, 0.8]), 1.7)),
    (loop_of_rows, (np.random.default_rng(3).standard_normal((3, 2)),)),
]


@pytest.mark.parametrize("fn, args", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_gradients_match_finite_differences(fn, args):
    check_every_argument(fn, args, grad(fn, wrt=tuple(range(len(args))))(*args))


def test_arrays_are_reduced_by_their_methods():
    text = grad(layer, wrt=(0, 1)).source_for(*CASES[0][1])
    assert "h.max(axis=0)" in text and "np.max(" not in text.split("# forward")[1].split("# line")[0]
    assert "_db = _g1.sum(axis=0)" in text or ".sum(axis=0)" in text


def test_a_value_that_may_be_a_number_keeps_the_function():
    text = grad(number_and_array, wrt=(0, 1)).source_for(*CASES[1][1])
    forward = text.split("# forward")[1].split("# backward")[0]
    assert "x.sum()" in forward and "np.sum(s)" in forward  # s is a float: it has no .sum()


def test_the_general_gradient_keeps_the_functions():
    """Not specialised to shapes (``.source``): arrays of other libraries may come in."""
    text = grad(layer, wrt=(0, 1)).source
    assert "np.max(h, axis=0)" in text
