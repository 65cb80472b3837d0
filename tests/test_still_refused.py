"""What issue 15 leaves refused, each with a coded diagnostic at the user's line:
generators, ``try``, ``with``, code run by name (``eval``...), changes through another
name of a list, and a gradient taken inside the function differentiated (planned with
forward mode and higher-order derivatives, issue 17).

Each function marks the line the diagnostic must point at with ``# <-``.
"""

import builtins
import contextlib
import inspect

import numpy as np
import pytest

import adgen
from gradcheck import check_grad
from adgen import TranspileError, elementwise_grad, grad, value_and_grad, vjp

X = np.array([0.5, 1.5, 2.0])


def gen_helper(x):
    for v in x:
        yield v * 2.0  # <-


# -- generators ---------------------------------------------------------------------------


def yields(x):
    yield np.sum(x)  # <-


def yields_from(x):
    yield from x  # <-
    return np.sum(x)


def calls_a_generator(x):
    s = 0.0
    for v in gen_helper(x):
        s = s + v
    return s


def generator_into_list(x):
    ys = list(gen_helper(x))
    return ys[0]


# -- try ----------------------------------------------------------------------------------


def try_except(x):
    try:  # <-
        y = np.log(x)
    except FloatingPointError:
        y = x
    return np.sum(y)


def try_finally(x):
    y = x * 2.0
    try:  # <-
        y = y * x
    finally:
        z = 0
    return np.sum(y) + z


def try_star(x):
    try:  # <-
        y = np.sqrt(x)
    except* ValueError:
        y = x
    return np.sum(y)


# -- with ---------------------------------------------------------------------------------


def with_errstate(x):
    with np.errstate(divide="ignore"):  # <-
        y = np.log(x)
    return np.sum(y)


def with_two(x):
    with np.errstate(all="ignore"), contextlib.suppress(ValueError):  # <-
        y = x * x
    return np.sum(y)


# -- code run by name ---------------------------------------------------------------------

run_code = eval


def evals(x):
    y = eval("x * 2.0")  # <-
    return np.sum(y)


def evals_through_builtins(x):
    y = builtins.eval("x * 2.0")  # <-
    return np.sum(y)


def evals_through_an_alias(x):
    y = run_code("x * 2.0")  # <-
    return np.sum(y)


def execs(x):
    y = x
    exec("y = x * 2.0")  # <-
    return np.sum(y)


def reads_locals(x):
    y = x * 2.0
    z = builtins.locals()["y"]  # <-
    return np.sum(z)


# -- changes through another name of a list ------------------------------------------------


def append_through_alias(x):
    a = [x]
    b = a  # <-
    b.append(x * 2.0)
    return np.sum(a[-1])


def pop_through_alias(x):
    a = [x, x * 2.0]
    b = a  # <-
    b.pop()
    return np.sum(a[-1])


def popped_value_through_alias(x):
    a = [x, x * 2.0]
    b = a  # <-
    v = b.pop()
    return np.sum(a[-1] * v)


def extend_through_alias(x):
    a = [x]
    b = a  # <-
    b += [x * 2.0]
    return np.sum(a[-1])


def store_through_alias(x):
    a = [x, x]
    b = a
    b[1] = x * 3.0  # <-
    return np.sum(a[1])


def store_through_unpacked_alias(x):
    a = [x, x]
    b, c = a, 1.0
    b[0] = x * 3.0  # <-
    return np.sum(a[0]) * c


REFUSED = [
    (yields, "AD102"),
    (yields_from, "AD102"),
    (calls_a_generator, "AD102"),
    (generator_into_list, "AD102"),
    (try_except, "AD101"),
    (try_finally, "AD101"),
    (try_star, "AD101"),
    (with_errstate, "AD101"),
    (with_two, "AD101"),
    (evals, "AD102"),
    (evals_through_builtins, "AD102"),
    (evals_through_an_alias, "AD102"),
    (execs, "AD102"),
    (reads_locals, "AD102"),
    (append_through_alias, "AD111"),
    (pop_through_alias, "AD111"),
    (popped_value_through_alias, "AD111"),
    (extend_through_alias, "AD111"),
    (store_through_alias, "AD305"),
    (store_through_unpacked_alias, "AD305"),
]


def _marked_line(fn):
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, line in enumerate(lines) if "# <-" in line)


@pytest.mark.parametrize("fn,code", REFUSED, ids=[f.__name__ for f, _ in REFUSED])
def test_refused_with_a_code_at_its_line(fn, code):
    with pytest.raises(TranspileError) as info:
        grad(fn)(X.copy())
    found = [d for d in info.value.diagnostics if d.code == code]
    assert found, str(info.value)
    target = gen_helper if fn in (calls_a_generator, generator_into_list) else fn
    assert any(d.line == _marked_line(target) and "# <-" in d.source_line for d in found), str(info.value)
    assert all(d.hint for d in found)


def test_the_messages_name_the_construct():
    messages = {}
    for fn in (yields_from, try_except, with_errstate, evals_through_builtins, evals_through_an_alias, pop_through_alias):
        with pytest.raises(TranspileError) as info:
            grad(fn)(X.copy())
        messages[fn.__name__] = str(info.value)
    assert "generators (`yield from`)" in messages["yields_from"]
    assert "`try`" in messages["try_except"]
    assert "`with`" in messages["with_errstate"]
    assert "`builtins.eval` is `eval()`" in messages["evals_through_builtins"]
    assert "`run_code` is `eval()`" in messages["evals_through_an_alias"]
    assert "must be a new list" in messages["pop_through_alias"]


def test_a_list_of_its_own_may_still_be_popped():
    def f(x):
        a = [x, x * 2.0]
        v = a.pop()
        return np.sum(a[-1] * v)

    g = grad(f)(X)
    check_grad(f, [X], 0, g)
    np.testing.assert_allclose(g, 4.0 * X)  # d/dx sum(2 x^2), by hand


# -- a gradient inside the function differentiated (issue 17) -----------------------------


def inner(x):
    return np.sum(x ** 3)


dinner = grad(inner)


@grad
def decorated(x):
    return np.sum(np.sin(x))


def global_gradient(x):
    return np.sum(dinner(x) * x)  # <-


def made_where_called(x):
    return np.sum(grad(inner)(x))  # <-


def made_through_the_package(x):
    v, g = adgen.value_and_grad(inner)(x)  # <-
    return v + np.sum(g)


def made_into_a_local(x):
    d = vjp(np.sin)
    return np.sum(d(x, np.ones(3)))  # <-


def elementwise_inside(x):
    return np.sum(elementwise_grad(np.tanh)(x))  # <-


def decorated_helper(x):
    return np.sum(decorated(x * 2.0))  # <-


def calls_gradient_in_a_helper(x):
    return np.sum(helper_with_gradient(x))


def helper_with_gradient(x):
    return dinner(x) + 1.0  # <-


def factory():
    d = value_and_grad(inner)

    def f(x):
        return d(x)[0]  # <-

    return f


NESTED = [made_through_the_package, made_into_a_local, elementwise_inside, factory()]


@pytest.mark.parametrize("fn", NESTED, ids=[f.__name__ if f.__name__ != "f" else "closure" for f in NESTED])
def test_a_gradient_other_than_grad_called_inside_is_refused(fn):
    with pytest.raises(TranspileError) as info:
        grad(fn)(X.copy())
    [diag] = info.value.diagnostics
    assert diag.code == "AD201"
    assert "only a `grad(g)` function" in diag.message
    assert "# <-" in diag.source_line
    assert "@defvjp(" not in diag.hint  # no rule stub for the wrong function


# the gradients by hand: sum(3 x^3), sum(3 x^2), sum(cos(2 x)), sum(3 x^2 + 1)
THROUGH_GRAD = [(global_gradient, lambda x: 9 * x ** 2), (made_where_called, lambda x: 6 * x), (decorated_helper, lambda x: -2 * np.sin(2 * x)),
                (calls_gradient_in_a_helper, lambda x: 6 * x)]


@pytest.mark.parametrize("fn, by_hand", THROUGH_GRAD, ids=[f.__name__ for f, _ in THROUGH_GRAD])
def test_a_grad_function_called_inside_is_differentiated_through(fn, by_hand):
    np.testing.assert_allclose(grad(fn)(X.copy()), by_hand(X), rtol=1e-12, atol=1e-12)


def test_a_gradient_called_on_values_not_differentiated_runs_as_is():
    def f(x, y):
        return np.sum(dinner(y) * x) + np.sum(grad(inner)(y))

    y = np.array([0.3, -1.0, 2.0])
    g = grad(f)(X, y)
    np.testing.assert_allclose(g, 3 * y ** 2)  # d/dx sum(3 y^2 x), by hand
    check_grad(f, [X, y], 0, g)
