"""Function values known when the gradient is made (``transpiler/funcargs.py``,
``transpiler/nesteddefaults.py``): functions given to the differentiated function, lists,
tuples and dicts of functions, factories of functions, and nested defs whose defaults are
not literals. ``tests/test_funcargs.py`` differentiates them."""

import functools
from functools import partial

import numpy as np
from scipy.integrate import odeint

SCALE = 1.5


def swish(v):
    return v * np.tanh(v)


def relu(v):
    return np.maximum(v, 0.0)


def scale_by(k, v):
    return k * np.sin(v)


# -- a parameter holding a function ----------------------------------------------------------


def apply_act(x, act):
    return np.sum(act(x))


def weighted(x, w, act=None, *, post=np.exp):
    return np.sum(post(w * act(x)))


def act_default(x, act=np.tanh):
    return np.sum(act(x) * x)


def chain(x, fns):
    for f in fns:
        x = f(x)
    return np.sum(x)


def product_of_two(x, fns):
    return np.sum(fns[0](x) * fns[1](x))


def by_name(x, table, scale):
    out = 0.0
    for name, f in table.items():
        out = out + scale * np.sum(f(x)) * len(name)
    return out


# -- containers of functions -------------------------------------------------------------------


LAYERS = [np.sin, np.tanh, swish]
ACTIVATIONS = {"relu": relu, "tanh": np.tanh, "square": lambda v: v ** 2}


def global_items(x):
    return np.sum(LAYERS[1](x) + LAYERS[-1](x) + ACTIVATIONS["square"](x))


def global_loop(x):
    for layer in LAYERS:
        x = layer(x)
    return np.sum(x)


def indexed_loop(x):
    for i in range(len(LAYERS)):
        x = LAYERS[i](x) * (i + 1.0)
    return np.sum(x)


def enumerated_loop(x):
    total = 0.0
    for i, f in enumerate(LAYERS):
        total = total + (i + 1.0) * np.sum(f(x))
    return total


def values_loop(x):
    total = 0.0
    for f in ACTIVATIONS.values():
        total = total + np.sum(f(x) * x)
    return total


def local_display(x):
    fns = (np.cos, swish)
    y = fns[1](x)
    for f in fns:
        x = f(x)
    ops = {"a": np.sin, "b": relu}
    return np.sum(x * y) + np.sum(ops["a"](y) + ops["b"](x))


def make_network(fns):
    def network(x):
        h = x
        for f in fns:
            h = f(h) + 0.5 * h
        return np.sum(h ** 2)

    return network


network = make_network([np.sin, swish, np.tanh])


# -- defaults that are functions, passed explicitly ---------------------------------------------


def dense(x, W, act=np.tanh):
    return act(W @ x)


def dense_positional(x, W):
    return np.sum(dense(x, W, np.cos))


def dense_keyword(x, W):
    return np.sum(dense(x, W, act=swish) + dense(x, W))


def level2(fn, x):
    return fn(x) * 2.0


def level1(fn, x):
    return level2(fn, x) + 1.0


def two_levels_down(x):
    return np.sum(level1(swish, x) * level1(np.sin, x))


# -- factories ---------------------------------------------------------------------------------


def make_act(name):
    if name == "tanh":
        return np.tanh
    return lambda v: v ** 3


def get_activation(name):
    return {"relu": relu, "swish": swish}[name]


def make_scaled(k):
    def scaled(v):
        return k * np.sin(v)

    return scaled


TABLE = {"act": np.tanh}


def from_table(name):
    return TABLE[name]


def factory_called(x):
    return np.sum(make_act("tanh")(x) + make_act("cube")(x))


def factory_bound(x):
    act = get_activation(name="swish")
    return np.sum(act(x) * x + level2(act, x))


def factory_closure(x):
    return np.sum(make_scaled(2.0)(x) * make_scaled(-1.0)(x))


def factory_table(x):
    return np.sum(from_table("act")(x))


# -- partials ------------------------------------------------------------------------------------


def scaled3(x, w, k=1.0):
    return k * w * np.sin(x)


def partial_keywords(x):
    g = partial(scaled3, w=2.0, k=3.0)
    return np.sum(g(x))


def nested_partials(x):
    p = functools.partial(partial(scaled3, k=0.5), x)
    return np.sum(p(w=x))


# -- nested defs whose defaults are not literals -----------------------------------------------------


def nested_function_default(x):
    def g(v, s=SCALE, act=np.tanh):
        return s * act(v)

    return np.sum(g(x) + g(x, 2.0, np.sin) + g(x, act=swish))


def nested_array_default(x):
    w = x * 2.0

    def g(v, *, c=w[0] + 1.0, ones=np.ones(3)):
        return c * v * ones

    return np.sum(g(x) ** 2)


def lambdas_in_local_displays(x):
    w = x[0] * 2.0
    fns = (np.sin, lambda v: v * 3.0)
    ops = {"scaled": lambda v: w * v ** 2, "cos": np.cos}
    total = 0.0
    for f in fns:
        total = total + np.sum(f(x) * ops["scaled"](x))
    return total + np.sum(ops["cos"](x))


def nested_defs_in_a_list(x):
    def double(v):
        return 2.0 * v * x[1]

    cube = lambda v: v ** 3  # noqa: E731
    layers = [double, cube, np.tanh]
    for layer in layers:
        x = layer(x)
    return np.sum(x)


def lambdas_applied(x):
    w = x * 2.0
    y = partial(lambda a, b: a * np.sin(b), 3.0)(x) + functools.partial(lambda a, b, c: a * b + c, w)(x, SCALE)
    return np.sum(y * (lambda v: v ** 2)(w))


# -- still refused ---------------------------------------------------------------------------------


def partial_of_a_lambda_of_an_expression(x):
    return np.sum(partial(lambda a, b: a * b, x * 2.0)(x))


def display_passed_on(x):
    fns = [np.sin, lambda v: v * 3.0]
    return np.sum(run_all(fns, x))


def run_all(fns, x):
    return fns[0](x) + fns[1](x)


K = 0.7


def nested_default_passed_to_a_solver(x):
    def rhs(y, t, k=K):
        return -k * y

    return np.sum(odeint(rhs, x, np.linspace(0.0, 1.0, 3)))


def loop_with_break(x):
    for f in LAYERS:
        x = f(x)
        if np.sum(x) > 100.0:
            break
    return np.sum(x)


def index_known_when_run(x, k):
    return np.sum(LAYERS[k](x))
