"""Scalar code specialised to ``math`` and Python's operators (``transpiler/scalars.py``),
and adjoints of arrays updated entry by entry in place (``transpiler/entries.py``):
the gradients against finite differences, what the generated code reads like, and what
happens at the edges where ``math`` raises and NumPy gives inf or nan."""

import warnings

import numpy as np
import pytest

import scalar_programs as P
from adgen import api, check_grads, grad, hvp, jvp, value_and_grad
from adgen.runtime import GradientError
from gradcheck import check_grad


@pytest.mark.parametrize("fn, args, wrt", [
    (P.damped, (0.5, 1.3, 50), (0, 1)),
    (P.kepler, (3.0, 0.95), (0, 1)),
    (P.powers, (0.7, 6), 0),
    (P.powers, (-0.7, 5), 0),
])
def test_scalar_code_in_math_against_finite_differences(fn, args, wrt):
    text = grad(fn, wrt=wrt).source_for(*args)
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "import math" in code and "math." in code
    assert not any(f"np.{name}(" in code for name in ("sin", "cos", "sqrt", "abs", "power"))
    check_grads(fn, args, wrt=wrt, modes=("rev",))


def test_integer_powers_stay_and_others_raise_where_complex():
    text = grad(P.powers).source_for(0.7, 6)
    assert "2 ** k" in text  # integers: stays an int
    assert "math.pow(x, k)" in text and "math.pow(_t1, 1.5)" in text and "_t1 = math.sqrt(abs(x))" in text


@pytest.mark.parametrize("fn, x", [(P.overflowing, 1000.0), (P.reciprocal_sine, 0.0), (P.root_of_sine, -0.5)])
def test_where_math_raises_the_gradient_is_numpy_s(fn, x):
    """math.exp(1000.0), 1.0 / 0.0 and math.pow(-0.48, 0.5) raise: the value and the
    gradient are the ones the unspecialised gradient gives with NumPy's numbers (inf, nan),
    never an error or a complex number."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value, g = value_and_grad(fn)(x)
        numpy_s = api._compiled(fn, 0, api._shapes((x,), {}), scalars=False)[1](x)
    assert "math." in grad(fn).source_for(x)
    assert not isinstance(value, complex) and not isinstance(g, complex)
    np.testing.assert_equal((value, g), numpy_s)
    assert not np.isfinite(g)


def test_the_function_s_own_error_still_reaches_the_caller():
    with pytest.raises(ValueError, match="must not be negative"):
        grad(P.refuses_negative)(-1.0)
    assert grad(P.refuses_negative)(2.0) == pytest.approx(0.5)


def test_a_number_whose_attribute_is_read_keeps_numpy():
    text = grad(P.copies_a_number).source_for(0.3)
    assert "math." not in text
    assert grad(P.copies_a_number)(0.3) == pytest.approx(2 * np.sin(0.3) * np.cos(0.3))


# -- adjoints updated entry by entry ------------------------------------------------------


def test_a_table_filled_cell_by_cell_updates_its_adjoints_in_place():
    D = np.random.default_rng(0).random((5, 4))
    text = grad(P.soft_dtw).source_for(D, 0.7)
    assert "_dR[i, j - 1] += " in text and "_dD = _rt.zeros_for(D)" in text and "_dR[i, j] = 0.0" in text
    assert "scatter_add" not in text and "cut_at" not in text
    assert "math.exp(" in text and "np.where" not in text
    check_grad(lambda d: P.soft_dtw(d, 0.7), [D], 0, grad(P.soft_dtw)(D, 0.7))


@pytest.mark.parametrize("fn", [P.whole_and_entries, P.running_table])
def test_adjoints_read_whole_or_entry_by_entry_against_finite_differences(fn):
    x = np.array([0.3, -0.8, 0.6, 1.1])
    check_grad(fn, [x], 0, grad(fn)(x))


def test_an_adjoint_also_read_whole_keeps_the_helper():
    assert "_rt.scatter_add(" in grad(P.whole_and_entries).source_for(np.ones(4))


def test_a_store_into_an_integer_array_is_still_refused():
    with pytest.raises(GradientError, match="AD408"):
        grad(P.integer_table, wrt=1)(np.zeros((2, 2), dtype=int), np.array([0.5, 1.5]))


# -- forward mode and Hessian-vector products ----------------------------------------------


def test_forward_mode_computes_numbers_with_math_too():
    text = jvp(P.damped, wrt=(0, 1)).source_for(0.5, 1.3, 20)
    assert "math.cos(x)" in text and "np.cos" not in "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))
    check_grads(P.damped, (0.5, 1.3, 20), wrt=0, modes=("fwd", "rev"), order=2)
    check_grads(P.kepler, (3.0, 0.95), wrt=1, modes=("fwd", "rev"), order=2)


def test_where_math_raises_forward_mode_gives_numpy_s_numbers():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value, tangent = jvp(P.overflowing)(1000.0, 1.0)
        expected = api._compiled(P.overflowing, 0, api._shapes((1000.0,), {}), scalars=False)[1](1000.0)
    assert value == np.inf and tangent == np.inf and expected[0] == np.inf


def test_hvp_computes_numbers_with_math_and_gives_numpy_s_where_math_raises():
    check_grads(P.damped, (0.5, 1.3, 20), wrt=0, modes=("rev",), order=2)
    assert hvp(P.damped)(0.5, 1.3, 20, 1.0) == pytest.approx(
        (grad(P.damped)(0.5 + 1e-6, 1.3, 20) - grad(P.damped)(0.5 - 1e-6, 1.3, 20)) / 2e-6, rel=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert hvp(P.overflowing)(1000.0, 1.0) == np.inf
