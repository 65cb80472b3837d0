"""``has_aux``, results of one element, and ``elementwise_grad``.

Gradients are checked against finite differences of the loss alone (``gradcheck``)
or against derivatives computed by hand; the aux against what the function itself
returns.
"""

import functools
import os

import numpy as np
import pytest

import clirun
from gradcheck import check_grad, numerical_grad
from adgen import TranspileError, elementwise_grad, grad, value_and_grad, vjp
from adgen.runtime import GradientError

RNG = np.random.default_rng(15)
X = RNG.standard_normal(4)
W = RNG.standard_normal((3, 4))


def loss_of(f):
    """The loss of a function returning ``(loss, aux)``: what finite differences see."""
    return lambda *args: f(*args)[0]


def same(a, b):
    """``a`` and ``b`` hold the same values, structure for structure."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.allclose(a, b)
    return a == b


# -- functions returning (loss, aux) ------------------------------------------------------


def layer(W, x):
    h = np.tanh(W @ x)
    loss = np.sum(h * h)
    return loss, {"h": h, "norm": np.linalg.norm(h), "tag": "tanh", "n": 3}


def shared(x):
    e = np.exp(x)
    p = e / np.sum(e)
    return -np.log(p[0]), p  # aux is an intermediate the loss uses


def branches(x):
    for i in range(len(x)):
        if x[i] > 0.3:
            return x[i] ** 2 * np.sum(x), i  # an early return inside a loop
    if x[0] < 0.0:
        return np.sum(np.sin(x)), None
    return np.sum(x ** 3), [x[0], -1]


def as_list(x):
    s = np.sum(x * x)
    return [s * 2.0, (s, x.shape)]


def no_rule_in_aux(x):
    # np.histogram has no derivative rule: as the aux it needs none
    loss = np.sum(np.cos(x))
    return loss, np.histogram(x, bins=3)[0]


def stored_aux(x):
    y = np.zeros(3)
    y[0] = x[0] * 2.0
    s = np.sum(y * y)
    y[1] = x[1] * 3.0  # the backward puts y[1] back: the aux must not see that
    return s + np.sum(y * x[:3]), y


def pair(x):
    return np.sum(np.sin(x) * x), np.cos(x)


def through_helper(x):
    return pair(x * 2.0)


def named_pair(x):
    out = (np.sum(x ** 2), x * 3.0)
    return out


def scalar_aux(a, b):
    return a * a * b, a + b


CASES = [
    (layer, [W, X], 0),
    (layer, [W, X], 1),
    (shared, [X], 0),
    (branches, [np.array([0.1, 0.2, 0.5, 0.4])], 0),
    (branches, [np.array([-0.1, 0.2, 0.1, 0.25])], 0),
    (branches, [np.array([0.1, 0.2, 0.1, 0.25])], 0),
    (as_list, [X], 0),
    (no_rule_in_aux, [X], 0),
    (stored_aux, [X], 0),
    (through_helper, [X], 0),
    (named_pair, [X], 0),
    (scalar_aux, [0.7, -1.3], 0),
    (scalar_aux, [0.7, -1.3], 1),
]


@pytest.mark.parametrize("f,args,i", CASES, ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(CASES)])
def test_grad_has_aux_differentiates_the_loss_and_passes_the_aux(f, args, i):
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    g, aux = grad(f, wrt=i, has_aux=True)(*args)
    check_grad(loss_of(f), args, i, g)
    assert same(aux, f(*args)[1])
    (value, aux2), g2 = value_and_grad(f, wrt=i, has_aux=True)(*args)
    assert value == f(*args)[0] and same(aux2, aux)
    np.testing.assert_array_equal(g2, g)


def test_hand_computed_gradient_and_aux():
    x = np.array([1.0, -2.0, 0.5])
    g, aux = grad(shared_square, has_aux=True)(x)
    np.testing.assert_array_equal(g, 2.0 * x)  # d/dx sum(x*x)
    np.testing.assert_array_equal(aux, x * x)


def shared_square(x):
    sq = x * x
    return np.sum(sq), sq


def test_no_gradient_flows_from_the_aux():
    # the aux depends on x far more steeply than the loss; the gradient is the loss's alone
    def f(x):
        return np.sum(x), np.exp(10.0 * x)

    g, _ = grad(f, has_aux=True)(X)
    np.testing.assert_array_equal(g, np.ones(4))


def test_wrt_tuples_names_and_pytrees():
    params = {"W": W, "b": np.zeros(3)}

    def f(params, x):
        z = params["W"] @ x + params["b"]
        return np.sum(np.tanh(z)), z

    (gW, gx), aux = grad(f_wide, wrt=(0, "x"), has_aux=True)(W, X)
    check_grad(loss_of(f_wide), [W, X], 0, gW)
    check_grad(loss_of(f_wide), [W, X], 1, gx)
    assert same(aux, f_wide(W, X)[1])
    gp, z = grad(f, has_aux=True)(params, X)
    check_grad(lambda Wv: f({"W": Wv, "b": params["b"]}, X)[0], [W], 0, gp["W"])
    check_grad(lambda b: f({"W": W, "b": b}, X)[0], [params["b"]], 0, gp["b"])
    np.testing.assert_allclose(z, W @ X)


def f_wide(W, x):
    h = W @ x
    return np.sum(h ** 2), (h, "aux")


def test_decorators_lambdas_partials_and_methods():
    @grad(has_aux=True)
    def dec(x):
        return np.sum(x ** 3), x.shape

    g, shape = dec(X)
    np.testing.assert_allclose(g, 3 * X ** 2)
    assert shape == (4,)

    g, aux = grad(lambda x: (np.sum(np.sin(x)), "ok"), has_aux=True)(X)
    np.testing.assert_allclose(g, np.cos(X))
    assert aux == "ok"

    g, aux = grad(functools.partial(layer, W), has_aux=True)(X)
    check_grad(lambda x: layer(W, x)[0], [X], 0, g)

    class Model:
        def __init__(self, W):
            self.W = W

        def loss(self, x):
            return layer(self.W, x)

    g, aux = grad(Model(W).loss, has_aux=True)(X)
    check_grad(lambda x: layer(W, x)[0], [X], 0, g)
    assert same(aux, layer(W, X)[1])


def test_vjp_has_aux():
    def f(x):
        y = np.sin(x) * x
        return y, {"mean": np.mean(y)}

    seed = RNG.standard_normal(4)
    g, aux = vjp(f, has_aux=True)(X, seed)
    check_grad(lambda x: np.sum(f(x)[0] * seed), [X], 0, g)
    assert aux == {"mean": np.mean(np.sin(X) * X)}


def test_has_aux_and_plain_gradients_of_one_function_are_kept_apart():
    with pytest.raises(GradientError, match="AD401"):
        grad(shared_square)(X)  # a pair is not a scalar
    g, _ = grad(shared_square, has_aux=True)(X)
    np.testing.assert_allclose(g, 2 * X)
    with pytest.raises(GradientError, match="AD401"):
        grad(shared_square)(X)


def test_debug_and_shapes_with_has_aux():
    g, aux = grad(layer, wrt=1, has_aux=True, debug=True)(W, X)
    check_grad(loss_of(layer), [W, X], 1, g)
    for n in (2, 5, 7):  # specialised per shape
        x = RNG.standard_normal(n)
        g, aux = grad(shared, has_aux=True)(x)
        check_grad(loss_of(shared), [x], 0, g)
        assert aux.shape == (n,)


def test_generated_code_does_not_differentiate_the_aux():
    text = grad(no_rule_in_aux, has_aux=True).source
    assert "_aux = np.histogram(x, bins=3)[0]" in text
    assert "return (_ans, _aux), _rt.as_grad(" in text


# -- results that are not pairs ----------------------------------------------------------


def three(x):
    return np.sum(x), x, 3  # <-


def a_dict(x):
    return {"loss": np.sum(x)}  # <-


def a_number(x):
    if x[0] > 0:
        return np.sum(x), x
    return None  # <-


def one_value(x):
    return np.sum(x ** 2)  # <-


@pytest.mark.parametrize("f", [three, a_dict, a_number, one_value])
def test_a_return_visibly_not_a_pair_is_ad214_at_its_line(f):
    with pytest.raises(TranspileError) as info:
        grad(f, has_aux=True)(X)
    [diag] = info.value.diagnostics
    assert diag.code == "AD214" and "pair" in diag.message
    assert "# <-" in diag.source_line


def returns_argument(x):
    return x


def returns_named_triple(x):
    out = (np.sum(x), x, 1.0)
    return out


def returns_product(x):
    return x * 2.0


@pytest.mark.parametrize("f,what", [(returns_argument, "an array of shape (4,)"), (returns_named_triple, "a tuple of 3 items"), (returns_product, "an array of shape (4,)")])
def test_a_return_not_a_pair_at_run_time_is_ad414(f, what):
    with pytest.raises(GradientError) as info:
        grad(f, has_aux=True)(X)
    assert info.value.code == "AD414" and what in str(info.value) and f"of {f.__name__}" in str(info.value)


def test_a_helper_returning_three_is_refused():
    def helper(x):
        return np.sum(x), x, x

    def f(x):
        return helper(x)

    with pytest.raises(TranspileError) as info:
        grad(f, has_aux=True)(X)
    assert [d.code for d in info.value.diagnostics] == ["AD214"]  # its three values are unpacked where it is called


# -- results of one element --------------------------------------------------------------


def keepdims(x):
    return np.sum(x * x, keepdims=True)


def one_by_one(x):
    return (x[:1] * np.sum(np.sin(x))).reshape(1, 1)


def row_product(w, x):
    return w @ x  # w: (1, n)


def test_a_result_of_one_element_is_accepted_by_grad():
    np.testing.assert_allclose(grad(keepdims)(X), 2 * X)  # by hand
    g = grad(one_by_one)(X)
    check_grad(lambda x: one_by_one(x)[0, 0], [X], 0, g)
    w = RNG.standard_normal((1, 4))
    g = grad(row_product)(w, X)
    assert g.shape == (1, 4)
    np.testing.assert_allclose(g, X[None, :])
    gx = grad(row_product, wrt=1)(w, X)
    np.testing.assert_allclose(gx, w[0])
    x32 = X.astype(np.float32)
    assert grad(keepdims)(x32).dtype == np.float32


def test_value_and_grad_returns_the_value_as_the_function_returned_it():
    value, g = value_and_grad(one_by_one)(X)
    assert isinstance(value, np.ndarray) and value.shape == (1, 1)
    np.testing.assert_array_equal(value, one_by_one(X))
    (value, aux), g = value_and_grad(lambda x: (keepdims(x), "a"), has_aux=True)(X)
    assert value.shape == (1,) and aux == "a"
    np.testing.assert_allclose(g, 2 * X)


def test_results_of_more_elements_or_complex_are_still_refused():
    with pytest.raises(GradientError, match="AD401.*shape \\(2,\\)"):
        grad(lambda x: x[:2] * 2.0)(X)
    with pytest.raises(GradientError, match="AD401"):
        grad(lambda x: x[:1] * 1j)(X)


# -- elementwise_grad --------------------------------------------------------------------


def sinx(x):
    return np.sin(x) * x


def test_elementwise_grad_is_the_derivative_of_each_entry():
    x = RNG.standard_normal((3, 2))
    np.testing.assert_allclose(elementwise_grad(sinx)(x), np.cos(x) * x + np.sin(x))  # by hand
    for k in np.ndindex(x.shape):
        check_grad(lambda v: sinx(v), [x[k]], 0, elementwise_grad(sinx)(x)[k])
    assert elementwise_grad(sinx)(0.5) == pytest.approx(np.cos(0.5) * 0.5 + np.sin(0.5))
    assert type(elementwise_grad(sinx)(0.5)) is float
    np.testing.assert_allclose(elementwise_grad(np.tanh)(x), 1 - np.tanh(x) ** 2)


def test_elementwise_grad_wrt_and_broadcasting():
    def f(a, x):
        return a * x ** 2

    x = RNG.standard_normal(5)
    np.testing.assert_allclose(elementwise_grad(f, wrt=1)(1.5, x), 3.0 * x)
    np.testing.assert_allclose(elementwise_grad(f, wrt=0)(1.5, x), np.sum(x ** 2))  # a is broadcast: the sum


def test_elementwise_grad_of_another_function_is_the_sum_of_the_jacobian_rows():
    # documented: it is the vjp with a seed of ones, not a derivative per entry
    x = RNG.standard_normal(4)
    g = elementwise_grad(np.cumsum)(x)
    jacobian_t_ones = numerical_grad(lambda v: np.sum(np.cumsum(v)), [x], 0)
    np.testing.assert_allclose(g, jacobian_t_ones, rtol=1e-6)
    np.testing.assert_allclose(g, [4.0, 3.0, 2.0, 1.0])


def test_elementwise_grad_of_a_tuple_result_is_ad401():
    with pytest.raises(GradientError, match="AD401.*elementwise_grad"):
        elementwise_grad(lambda x: (x, x))(X)


# -- the command line --------------------------------------------------------------------

HERE = os.path.abspath(__file__)


def test_emit_and_show_has_aux(tmp_path, capsys):
    out = tmp_path / "grad_layer.py"
    code, _, err = clirun.run(capsys, "emit", f"{HERE}:layer", "--wrt", "W", "--has-aux", "-o", out)
    assert code == 0, err
    text = out.read_text()
    assert "--has-aux" in text.splitlines()[2] and "return (_ans, _aux), " in text
    code, printed, _ = clirun.run(capsys, "emit", "--check", out, "--source", HERE)
    assert code == 0 and "up to date" in printed
    scope = {}
    exec(compile(text, str(out), "exec"), scope)  # noqa: S102 - the module adgen just wrote
    (value, aux), gW = scope["value_and_grad_layer"](W, X)
    check_grad(loss_of(layer), [W, X], 0, gW)
    assert same(aux, layer(W, X)[1])
    code, shown, _ = clirun.run(capsys, "show", f"{HERE}:layer", "--has-aux")
    assert code == 0 and "_aux = " in shown
    code, _, err = clirun.run(capsys, "show", f"{HERE}:three", "--has-aux")
    assert code == 1 and "AD214" in err
