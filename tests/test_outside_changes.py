"""A call that changes a global array in place after the gradient of an earlier statement
read it: the backward would read the changed array. The gradient lends the array to the call
and refuses (AD408), putting it back, when the call changed it; a call that changes other
globals (a log) leaves the gradient right."""

import numpy as np
import pytest

import outside_change_programs as oc
from adgen import TranspileError, grad
from adgen.runtime import GradientError
from gradcheck import check_grad

X = np.array([0.3, -0.7, 1.1])


@pytest.fixture(autouse=True)
def _fresh_global():
    oc.G[:] = [1.0, 2.0, 3.0]
    yield
    oc.G[:] = [1.0, 2.0, 3.0]


@pytest.mark.parametrize("fn", [oc.bumps_after_reading, oc.bumps_in_a_helper])
def test_a_call_changing_a_global_the_backward_reads_is_refused_and_undone(fn):
    with pytest.raises(GradientError, match="AD408") as info:
        grad(fn)(X)
    assert "`G`" in str(info.value)
    np.testing.assert_array_equal(oc.G, [1.0, 2.0, 3.0])  # put back as it was


def test_a_global_read_after_a_call_that_changes_it_is_refused():
    with pytest.raises(TranspileError, match="AD306"):
        grad(oc.bumps_in_a_loop)(X)  # the next round reads G after bump()


def test_a_call_changing_another_global_leaves_the_gradient_right():
    g = grad(oc.logs_after_reading)(X)
    np.testing.assert_allclose(g, -np.sin(oc.G * X) * oc.G, rtol=1e-12)  # by hand
    check_grad(oc.logs_after_reading, [X], 0, g)


def test_a_method_that_changes_its_argument_object_is_refused_not_followed_wrongly():
    model = oc.Switchable()
    with pytest.raises(TranspileError, match="AD305") as info:
        grad(oc.swaps_the_activation, wrt=0)(X, model)  # was tanh's gradient, silently
    assert "`model.set_act` stores into `model`" in str(info.value)
    assert "outside_change_programs.py:65" in str(info.value)


def test_a_method_that_changes_a_global_object_is_refused_statically():
    with pytest.raises(TranspileError, match="AD305") as info:
        grad(oc.swaps_a_global_activation)(X)
    assert "set_act" in str(info.value)
