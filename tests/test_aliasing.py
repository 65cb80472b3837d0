"""Aliasing by value, one case each (``tests/corpus_aliasing.py``): refused with the
code given, or differentiated right; either way the caller's arrays are unchanged.
Both the gradient ``grad`` specialises to the arguments' shapes and the general one
(``adgen emit`` without ``--shape``) are held to it."""

import warnings

import numpy as np
import pytest

import corpus_aliasing as corpus
from gradcheck import check_grad
from adgen.runtime import GradientError
from adgen import grad
from adgen.errors import AdgenWarning, TranspileError

ALIASING = {"AD305", "AD306", "AD307", "AD408"}
ARGUMENTS = {  # the first argument is differentiated; x is an array of 3 floats otherwise
    "store_through_conversion_of_other_argument": lambda: [np.array([0.3, -0.5, 0.7]), np.array([1.0, 2.0, 3.0])],
    "helper_changes_argument_not_differentiated": lambda: [np.array([0.3, -0.5, 0.7]), np.array([1.0, 2.0, 3.0])],
    "helper_changes_argument_before_a_gradient_reads_it": lambda: [np.array([0.3, -0.5, 0.7]), np.array([1.0, 2.0, 3.0])],
    "store_into_zeros_like_int_argument": lambda: [np.array([0.3, -0.5, 0.7]), np.array([1, 2, 3])],
    "number_or_0d_array_changed": lambda: [np.array(1.5), np.array(0.5)],
    "numbers_rebound": lambda: [1.5, 0.5],
}


def arguments(fn):
    return ARGUMENTS.get(fn.__name__, lambda: [np.array([0.3, -0.5, 0.7])])()


def codes_of(run):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AdgenWarning)
            run()
    except TranspileError as exc:
        return {d.code for d in exc.diagnostics}
    except GradientError as exc:
        return {exc.code}
    return set()


@pytest.mark.parametrize("fn,code", corpus.REFUSED, ids=[fn.__name__ for fn, _ in corpus.REFUSED])
def test_refused(fn, code):
    args = arguments(fn)
    before = [np.copy(a) for a in args]
    assert code in codes_of(lambda: grad(fn)(*args))
    assert codes_of(lambda: grad(fn).__wrapped__(*args)) & ALIASING  # the general gradient: maybe when it runs
    assert all(np.array_equal(a, b) for a, b in zip(args, before))


@pytest.mark.parametrize("fn", corpus.RIGHT, ids=[fn.__name__ for fn in corpus.RIGHT])
def test_right(fn):
    # the general gradient knows less (is x an array?): it may refuse when it runs instead
    args = arguments(fn)
    before = [np.copy(a) for a in args]
    primal = lambda *xs: fn(*[np.copy(v) if isinstance(v, np.ndarray) else v for v in xs])  # noqa: E731 (fn may change x)
    check_grad(primal, args, 0, grad(fn)(*args))
    try:
        general = grad(fn).__wrapped__(*args)[1]
    except GradientError as exc:
        assert exc.code == "AD408"
    else:
        check_grad(primal, args, 0, general)
    assert all(np.array_equal(a, b) for a, b in zip(args, before))


def test_the_examples_gradient_is_the_hand_computed_one():
    # v = x[:2] * 3 and w = v: d/dx sum(w ** 2) = 18 x on the first two entries
    def aliased_then_copied(x):
        v = (x * 2.0)[:2].copy()
        w = v
        w = w * 3.0
        return np.sum(w ** 2)

    assert grad(aliased_then_copied)(np.array([1.0, 2.0, 3.0])).tolist() == [72.0, 144.0, 0.0]


def test_a_number_checked_when_the_gradient_runs_is_named_in_the_message():
    with pytest.raises(GradientError, match=r"AD408 line \d+: `z \+= y` changes `z` in place unless it is a number"):
        grad(corpus.number_or_0d_array_changed)(np.array(1.5), np.array(0.5))
    assert "_rt.immutable(z" in grad(corpus.numbers_rebound).source


def test_a_store_into_integers_is_refused_when_the_gradient_runs():
    with pytest.raises(GradientError, match="AD408 a differentiated value is stored into an array of int64"):
        grad(corpus.store_into_zeros_like_int_argument)(np.array([0.3, -0.5, 0.7]), np.array([1, 2, 3]))
    # an array of floats passes the same check
    g = grad(corpus.store_into_zeros_like_int_argument)(np.array([0.3, -0.5, 0.7]), np.array([1.0, 2.0, 3.0]))
    assert g.tolist() == pytest.approx([20.0 * 0.3, 0.0, 0.0])  # y = [10 x0, 0, 0]: d sum(y * x) = 20 x0


def test_one_array_passed_for_two_arguments_is_refused_when_the_gradient_runs():
    a = np.array([0.3, -0.5, 0.7])
    dgrad = grad(corpus.changes_one_argument_reads_another, wrt=(0, 1))
    gx, gy = dgrad(a, a.copy())
    assert gx.tolist() == pytest.approx(a.tolist()) and gy.tolist() == pytest.approx((3 * a).tolist())  # (x + y) y
    with pytest.raises(GradientError, match="AD408 `x` and `y` must not share memory"):
        dgrad(a, a)
    with pytest.raises(GradientError, match="AD408"):
        dgrad(a, a[:])


def test_one_gradient_serves_numbers_and_refuses_0d_arrays_of_the_same_shape_key():
    # floats and 0-d arrays both have shape (): the gradient made for one is the other's too
    dgrad = grad(corpus.numbers_rebound, wrt=(0, 1))
    assert dgrad(1.5, 0.5) == pytest.approx((2 * 1.5 + 0.5, 1.5))  # z = x + y; d(z x) = (2x + y, x)
    with pytest.raises(GradientError, match="AD408"):
        dgrad(np.array(1.5), np.array(0.5))
    assert dgrad(np.float64(1.5), 0.5) == pytest.approx((3.5, 1.5))  # a NumPy scalar cannot change in place


def rebound_after_each_change(x):
    y = np.zeros(3)
    z = y
    for i in range(3):
        if x[i] > 5.0:
            break
        y[i] = x[i] * x[i]  # z sees the change ...
        z = y  # ... and is bound again before the round ends
    return np.sum(z * x)


def stale_at_the_break(x):
    y = np.zeros(3)
    z = y
    for i in range(3):
        y[i] = x[i] * x[i]
        if x[i] > 5.0:
            break  # z is stale on this way out
        z = y
    return np.sum(z * x)


def test_a_loop_is_left_at_a_break_with_the_state_at_the_break():
    """The values past a loop are those at its breaks and at its head: a change that the
    round binds over before it ends does not leave stale names behind (a break before
    it), one made before a break does."""
    for x in (np.array([0.5, -1.0, 2.0]), np.array([0.5, 6.0, 2.0])):
        check_grad(rebound_after_each_change, (x,), 0, grad(rebound_after_each_change)(x))
    with pytest.raises(TranspileError, match="AD306"):
        grad(stale_at_the_break)(np.array([0.5, -1.0, 2.0]))
