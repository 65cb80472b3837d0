"""Function values (``transpiler/funcvalues.py``, ``transpiler/passed.py``): ``map``,
``functools.partial``, functions passed as arguments or captured by a factory, checked
against finite differences; a hand-computed value; and what stays refused."""

import numpy as np
import pytest

import function_values_cases as c
from gradcheck import check_grad
from adgen import grad
from adgen.errors import TranspileError

X = np.array([0.3, 1.0, 2.0])
Y = np.array([0.5, -1.0, 0.2])
DATA = [np.ones(3), np.array([0.0, 1.0, 5.0]), np.array([-2.0, 0.5, 0.25])]

CASES = [  # (function, arguments, wrt)
    (c.sum_map_partial, (X, DATA), 0),
    (c.map_lambda, (X,), 0),
    (c.map_two_sequences, (X, Y), (0, 1)),
    (c.map_library_function, (X,), 0),
    (c.partial_with_keyword, (X,), 0),
    (c.loop_over_map, (X, DATA), 0),
    (c.tuple_of_map_of_own_function, (X,), 0),
    (c.named_partial, (X, DATA), 0),
    (c.passes_library_function, (X,), 0),
    (c.passes_own_function, (X,), 0),
    (c.passes_by_keyword, (X, Y), (0, 1)),
    (c.passes_it_on, (X,), 0),
    (c.calls_captured, (X,), 0),
]


@pytest.mark.parametrize("fn,args,wrt", CASES, ids=[f.__name__ for f, _, _ in CASES])
def test_function_values_differentiate_like_finite_differences(fn, args, wrt):
    grads = grad(fn, wrt=wrt)(*args)
    for i, g in zip(wrt if isinstance(wrt, tuple) else (wrt,), grads if isinstance(wrt, tuple) else (grads,)):
        check_grad(fn, list(args), i, g)


def test_sum_of_map_of_partial_by_hand():
    # d/dtheta sum_d -|d - theta|^2 = sum_d 2 (d - theta)
    expected = sum(2.0 * (d - X) for d in DATA)
    np.testing.assert_allclose(grad(c.sum_map_partial)(X, DATA), expected)


def test_each_function_passed_gets_its_own_forward():
    source = grad(c.passes_own_function).source
    assert "_fwd_apply(x, fn=function_values_cases.helper)" in source
    assert "_fwd_twice(x, fn=function_values_cases.helper)" in source
    assert "_fwd_helper(x)" in source  # fn(x) in apply is helper's forward, not a call of fn


def test_the_same_callee_with_two_functions(tmp_path):
    def both(x):
        return np.sum(c.apply(np.sin, x) + c.apply(np.cos, x))

    g = grad(both)(X)
    np.testing.assert_allclose(g, np.cos(X) - np.sin(X))


def test_map_is_a_comprehension_in_the_gradient():
    code = [line for line in grad(c.sum_map_partial).source.splitlines() if not line.lstrip().startswith("#")]
    assert not any(" map(" in line or "(map(" in line or " partial(" in line for line in code)
    assert any("_fwd_loglik(theta, " in line for line in code)


def unknown_function(fns, x):
    return np.sum(fns[0](x))


def passes_a_parameter(fn, x):
    return np.sum(c.apply(fn, x))


def test_a_partial_whose_argument_is_rebound_later_is_not_rewritten():
    # ll(d) must read w as it was when ll was bound: adgen leaves the partial object as
    # it is, and has no rule for it
    with pytest.raises(TranspileError) as info:
        grad(c.named_partial_rebound_argument)(X, DATA)
    assert {d.code for d in info.value.diagnostics} <= {"AD201", "AD202"}


@pytest.mark.parametrize("fn,args", [(unknown_function, ([np.sin], X)), (passes_a_parameter, (np.sin, X))])
def test_a_function_the_call_gives_is_resolved(fn, args):
    # the function (or list of functions) given is known when the gradient is made (funcargs.py)
    g = grad(fn, wrt=1)(*args)
    check_grad(fn, list(args), 1, g)
    np.testing.assert_allclose(g, np.cos(X))


def test_a_function_known_only_at_run_time_is_refused():
    with pytest.raises(TranspileError) as info:
        grad(unknown_function, wrt=1)([object()], X)
    assert {d.code for d in info.value.diagnostics} == {"AD223"}
    assert "known only when the function is called" in str(info.value)


def any_of_map(x):
    return np.sum(x) if any(map(lambda v: v > 0.5, x)) else 0.0


def test_a_map_consumed_lazily_is_left_as_it_is():
    # any() stops at the first true item: a list comprehension would make every call
    with pytest.raises(TranspileError) as info:
        grad(any_of_map)(X)
    assert [d.code for d in info.value.diagnostics] == ["AD105"]
