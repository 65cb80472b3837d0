"""Function values known when the gradient is made (``transpiler/funcargs.py``,
``transpiler/nesteddefaults.py``), checked against finite differences and hand-computed
values; the guards that make the gradient again; and what stays refused, coded."""

from functools import partial

import numpy as np
import pytest

import funcargs_cases as c
from gradcheck import check_grad
from adgen import grad
from adgen.cli import main
from adgen.errors import TranspileError

X = np.array([0.3, -1.0, 2.0])
W = np.array([[1.0, 0.5, -0.2], [0.1, 0.3, 0.7]])


def check(fn, args, wrt=0, **kwargs):
    """``grad(fn, wrt)(*args, **kwargs)`` against finite differences, for each ``wrt``."""
    grads = grad(fn, wrt=wrt)(*args, **kwargs)
    for i, g in zip(wrt if isinstance(wrt, tuple) else (wrt,), grads if isinstance(wrt, tuple) else (grads,)):
        check_grad(lambda *a: fn(*a, **kwargs), list(args), i, g)


PARAMETERS = [  # (function, arguments, keywords, wrt)
    (c.apply_act, (X, np.tanh), {}, 0),
    (c.apply_act, (X, c.swish), {}, 0),
    (c.apply_act, (X, abs), {}, 0),
    (c.apply_act, (X, partial(c.scale_by, 2.0)), {}, 0),
    (c.apply_act, (X,), {"act": np.arctan}, 0),
    (c.weighted, (X, 0.7), {"act": c.swish}, (0, 1)),
    (c.weighted, (X, 0.7, np.sin), {"post": np.log1p}, (0, 1)),
    (c.act_default, (X, np.cos), {}, 0),
    (c.act_default, (X,), {"act": c.relu}, 0),
    (c.chain, (X, [np.sin, c.swish, np.tanh]), {}, 0),
    (c.product_of_two, (X, (np.exp, c.swish)), {}, 0),
    (c.by_name, (X, {"ab": np.sin, "c": c.swish}, 2.0), {}, (0, 2)),
]


@pytest.mark.parametrize("fn,args,kwargs,wrt", PARAMETERS, ids=[f"{f.__name__}-{k}" for k, (f, _, _, _) in enumerate(PARAMETERS)])
def test_a_function_given_to_the_differentiated_function(fn, args, kwargs, wrt):
    check(fn, args, wrt, **kwargs)


def test_a_call_with_another_function_makes_another_gradient():
    g = grad(c.apply_act)
    np.testing.assert_allclose(g(X, np.tanh), 1.0 - np.tanh(X) ** 2)
    np.testing.assert_allclose(g(X, np.sin), np.cos(X))
    np.testing.assert_allclose(g(X, partial(c.scale_by, 3.0)), 3.0 * np.cos(X))
    np.testing.assert_allclose(g(X, np.tanh), 1.0 - np.tanh(X) ** 2)
    chained = grad(c.chain)
    fns = [np.sin, np.sin]
    np.testing.assert_allclose(chained(X, fns), np.cos(np.sin(X)) * np.cos(X))
    fns[1] = np.exp  # the same list, holding another function now
    np.testing.assert_allclose(chained(X, fns), np.exp(np.sin(X)) * np.cos(X))
    fns.append(np.sin)
    check_grad(c.chain, [X, fns], 0, chained(X, fns))


def test_emit_sees_no_call_and_says_so(capsys):
    assert main(["emit", f"{c.__file__}:apply_act", "--wrt", "x"]) != 0
    err = capsys.readouterr().err
    assert "AD223" in err and "`act`" in err and "grad(f)(x, np.tanh)" in err
    assert main(["emit", f"{c.__file__}:act_default", "--wrt", "x"]) != 0  # a default is not what every call passes
    assert "AD223" in capsys.readouterr().err


def test_a_parameter_that_holds_no_function_is_refused():
    with pytest.raises(TranspileError) as info:
        grad(c.apply_act)(X, 3.0)
    assert [d.code for d in info.value.diagnostics] == ["AD223"]
    with pytest.raises(TranspileError) as info:
        grad(c.product_of_two)(X, [np.sin, "tanh"])
    assert [d.code for d in info.value.diagnostics] == ["AD223", "AD223"]


CONTAINERS = [
    (c.global_items, (X,)),
    (c.global_loop, (X,)),
    (c.indexed_loop, (X,)),
    (c.enumerated_loop, (X,)),
    (c.values_loop, (X,)),
    (c.local_display, (X,)),
    (c.network, (X,)),
    (c.dense_positional, (X, W)),
    (c.dense_keyword, (X, W)),
    (c.two_levels_down, (X,)),
    (c.factory_called, (X,)),
    (c.factory_bound, (X,)),
    (c.factory_closure, (X,)),
    (c.factory_table, (X,)),
    (c.partial_keywords, (X,)),
    (c.nested_partials, (X,)),
    (c.nested_function_default, (X,)),
    (c.nested_array_default, (X,)),
    (c.lambdas_in_local_displays, (X,)),
    (c.nested_defs_in_a_list, (X,)),
    (c.lambdas_applied, (X,)),
]


@pytest.mark.parametrize("fn,args", CONTAINERS, ids=[f.__name__ for f, _ in CONTAINERS])
def test_function_values_resolved_when_the_gradient_is_made(fn, args):
    check(fn, args, 0)
    if len(args) > 1:
        check(fn, args, 1)


def test_global_loop_by_hand():
    # sin, then tanh, then swish(v) = v tanh(v), whose derivative is tanh(v) + v (1 - tanh(v)^2)
    a = np.sin(X)
    b = np.tanh(a)
    expected = (np.tanh(b) + b * (1.0 - np.tanh(b) ** 2)) * (1.0 - b ** 2) * np.cos(X)
    np.testing.assert_allclose(grad(c.global_loop)(X), expected)


def test_a_loop_over_functions_is_written_out():
    code = grad(c.global_loop).source
    assert "for " not in code.split("# backward")[0].split("# forward")[1]
    assert "funcargs_cases.LAYERS[0](x)" in code and "_fwd_swish(" in code


def test_a_changed_container_makes_the_gradient_again(monkeypatch):
    g = grad(c.global_loop)
    g(X)
    monkeypatch.setattr(c, "LAYERS", [np.sin, np.tanh, c.swish])  # another list, the same functions
    np.testing.assert_allclose(g(X), grad(c.global_loop)(X))
    c.LAYERS[1] = np.cos
    check_grad(c.global_loop, [X], 0, g(X))
    c.LAYERS.append(np.exp)
    check_grad(c.global_loop, [X], 0, g(X))


def test_a_factory_returning_another_function_makes_the_gradient_again(monkeypatch):
    g = grad(c.factory_table)
    np.testing.assert_allclose(g(X), 1.0 - np.tanh(X) ** 2)
    monkeypatch.setitem(c.TABLE, "act", np.sin)
    np.testing.assert_allclose(g(X), np.cos(X))


def test_nested_default_evaluated_where_the_def_stands():
    # c = w[0] + 1.0 = 2 x[0] + 1 is read when g is defined: f = sum((c x)^2)
    x = X.copy()
    cval = 2.0 * x[0] + 1.0
    expected = 2.0 * cval ** 2 * x
    expected[0] += 2.0 * cval * np.sum(x ** 2) * 2.0
    np.testing.assert_allclose(grad(c.nested_array_default)(x), expected)


REFUSED = [  # (function, arguments, code)
    (c.partial_of_a_lambda_of_an_expression, (X,), "AD105"),
    (c.display_passed_on, (X,), "AD105"),
    (c.nested_default_passed_to_a_solver, (X,), "AD105"),
    (c.loop_with_break, (X,), "AD202"),
    (c.index_known_when_run, (X, 1), "AD202"),
]


@pytest.mark.parametrize("fn,args,code", REFUSED, ids=[f.__name__ for f, _, _ in REFUSED])
def test_what_stays_refused_is_coded(fn, args, code):
    with pytest.raises(TranspileError) as info:
        grad(fn)(*args)
    assert {d.code for d in info.value.diagnostics} == {code}
    assert all(d.hint and d.line for d in info.value.diagnostics)
