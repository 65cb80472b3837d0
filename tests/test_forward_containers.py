"""Forward mode and higher order over containers (issue 17 points 1 and 2): pytree
arguments (dicts, lists, tuples, namedtuples, dataclasses, objects) to ``jvp``, ``hvp``,
``hessian`` and ``jacobian``/``jacfwd``/``jacrev``, against central finite differences;
container results; the builtins over sequences; and what is still refused (AD224)."""

import collections
import dataclasses
import math
import types

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from adgen import check_grads, grad, hessian, hvp, jacfwd, jacobian, jacrev, jvp
from adgen.errors import TranspileError
from adgen.runtime.container_adjoints import float_leaf, as_grad, leaves

EPS = 1e-6


def _floats(tree):
    return [leaf for leaf in leaves(tree) if float_leaf(leaf)]


def _rebuilt(tree, values):
    found = iter(values)
    return as_grad(0.0, tree, lambda g, leaf: next(found))


def _moved(tree, v, h):
    """``tree + h v`` at its float leaves (the others as they are)."""
    moved = [leaf + h * np.asarray(d) if np.ndim(leaf) else float(leaf + h * d) for leaf, d in zip(_floats(tree), _floats(v))]
    found = iter(moved)

    def put(value):
        if isinstance(value, dict):
            return {k: put(item) for k, item in value.items()}
        if isinstance(value, (list, tuple)):
            items = [put(item) for item in value]
            return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
        if dataclasses.is_dataclass(value) or hasattr(value, "__dict__") and not isinstance(value, np.ndarray):
            out = object.__new__(type(value))
            out.__dict__.update({k: put(item) for k, item in vars(value).items()})
            return out
        return next(found) if float_leaf(value) else value

    return put(tree)


def _direction(tree, rng):
    return _rebuilt(tree, [rng.standard_normal(np.shape(leaf)) if np.ndim(leaf) else float(rng.standard_normal()) for leaf in _floats(tree)])


def _difference(f, args, index, v, h=EPS):
    ahead, behind = list(args), list(args)
    ahead[index], behind[index] = _moved(args[index], v, h), _moved(args[index], v, -h)
    return [(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)) / (2 * h) for a, b in zip(_floats(f(*ahead)), _floats(f(*behind)))]


def _close(tree, expected, rtol=1e-5, atol=1e-6, like=None):
    """The float leaves of ``tree`` (at the places of ``like``'s float leaves) against ``expected``."""
    got = _floats(tree) if like is None else [t for t, r in zip(leaves(tree), leaves(like)) if float_leaf(r)]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(np.broadcast_to(g, np.shape(e)), e, rtol=rtol, atol=atol)


# -- functions of containers -------------------------------------------------------------------

P = collections.namedtuple("P", ["w", "b"])


@dataclasses.dataclass
class Layer:
    W: np.ndarray
    b: np.ndarray
    repeats: int


@dataclasses.dataclass
class Dense:
    W: np.ndarray
    b: np.ndarray

    def apply(self, x):
        return np.tanh(self.W @ x + self.b)


def through_a_method(layer, x):
    return np.sum(layer.apply(x) ** 2)


class Model:
    def __init__(self, scale, name):
        self.scale = scale
        self.name = name


def mlp(params, x):
    h = np.tanh(params["W1"] @ x + params["b1"])
    return np.sum((params["W2"] @ h) ** 2)


def layers(stack, x):
    for W, b in stack:
        x = np.tanh(W @ x + b)
    return np.sum(x ** 2)


def named(p, x):
    return np.sum(np.sin(p.w * x) + p.b * x)


def dataclass_layer(layer, x):
    h = x
    for _ in range(layer.repeats):
        h = np.tanh(layer.W @ h + layer.b)
    return np.sum(h ** 2)


def scaled(m, x):
    return np.sum((m.scale * x) ** 2) if m.name == "square" else np.sum(m.scale * x)


def nested(tree):
    inner = tree["inner"]
    return np.sum(inner[0] * inner[1] ** 2) + tree["k"] ** 3


def to_dict(p):
    return {"s": np.sin(p["a"]), "t": [p["a"] * p["b"], 2.0]}


def to_tuple(x):
    return np.sin(x), x[:2] * x[2], 7


def _rng():
    return np.random.default_rng(3)


def _args():
    r = _rng()
    return [
        (mlp, ({"W1": r.standard_normal((4, 3)), "b1": r.standard_normal(4), "W2": r.standard_normal((2, 4))}, r.standard_normal(3))),
        (layers, ([(r.standard_normal((3, 3)) * 0.6, r.standard_normal(3)) for _ in range(2)], r.standard_normal(3))),
        (named, (P(r.standard_normal(3), 0.4), r.standard_normal(3))),
        (dataclass_layer, (Layer(r.standard_normal((3, 3)) * 0.6, r.standard_normal(3), 2), r.standard_normal(3))),
        (scaled, (Model(r.standard_normal(3), "square"), r.standard_normal(3))),
        (nested, ({"inner": (r.standard_normal(2), r.standard_normal(2)), "k": 0.7},)),
        (through_a_method, (Dense(r.standard_normal((3, 3)) * 0.6, r.standard_normal(3)), r.standard_normal(3))),
    ]


ARGS = _args()


@pytest.mark.parametrize("fn, args", ARGS, ids=[f[0].__name__ for f in ARGS])
def test_jvp_of_a_pytree_argument(fn, args):
    v = _direction(args[0], _rng())
    value, tangent = jvp(fn, wrt=0)(*args, v)
    assert value == pytest.approx(fn(*args))
    _close(tangent, _difference(fn, args, 0, v))


@pytest.mark.parametrize("fn, args", ARGS, ids=[f[0].__name__ for f in ARGS])
def test_hvp_of_a_pytree_argument(fn, args):
    v = _direction(args[0], _rng())
    product = hvp(fn, wrt=0)(*args, v)
    assert type(product) is type(args[0])
    _close(product, _difference(grad(fn, wrt=0), args, 0, v), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("fn, args", ARGS, ids=[f[0].__name__ for f in ARGS])
def test_check_grads_takes_pytrees(fn, args):
    check_grads(fn, args, wrt=0, order=2)


def test_check_grads_of_a_container_result():
    check_grads(to_dict, ({"a": np.array([0.3, -0.4]), "b": 1.5},), wrt=0)
    check_grads(to_tuple, (np.array([0.3, -0.4, 0.8]),), wrt=0)


def test_the_tangent_of_a_non_float_leaf_may_be_none():
    layer, x = ARGS[3][1]
    v = Layer(np.ones((3, 3)), np.zeros(3), None)
    _, tangent = jvp(dataclass_layer)(layer, x, v)
    _close(tangent, _difference(dataclass_layer, (layer, x), 0, v))


def test_a_tangent_of_another_structure_is_refused():
    params, x = ARGS[0][1]
    with pytest.raises(TypeError, match="keys"):
        jvp(mlp)(params, x, {"W1": params["W1"]})
    with pytest.raises(ValueError, match="shape"):
        jvp(mlp)(params, x, {**params, "b1": np.ones(3)})
    with pytest.raises(TypeError, match="is None"):
        jvp(mlp)(params, x, {**params, "b1": None})


def test_container_results_get_tangents_of_their_structure():
    r = _rng()
    p, v = {"a": r.standard_normal(2), "b": 1.5}, {"a": r.standard_normal(2), "b": 0.7}
    value, tangent = jvp(to_dict)(p, v)
    assert set(tangent) == {"s", "t"} and isinstance(tangent["t"], list) and tangent["t"][1] == 0.0
    _close(tangent, _difference(to_dict, (p,), 0, v))
    x, dx = r.standard_normal(3), r.standard_normal(3)
    value, tangent = jvp(to_tuple)(x, dx)
    assert isinstance(tangent, tuple) and len(tangent) == 3 and tangent[2] == 0.0  # an int's tangent: zero
    _close(tangent, _difference(to_tuple, (x,), 0, dx), like=value)


def _hessian_by_differences(fn, args):
    """The nested Hessian from finite differences of the gradient along each unit vector."""
    x = args[0]
    parts = _floats(x)
    columns = []
    for j, leaf in enumerate(parts):
        for k in range(np.size(leaf)):
            e = [np.zeros(np.shape(p)) if np.ndim(p) else 0.0 for p in parts]
            if np.ndim(leaf):
                e[j].flat[k] = 1.0
            else:
                e[j] = 1.0
            columns.append((j, _difference(grad(fn, wrt=0), args, 0, _rebuilt(x, e))))
    return columns


@pytest.mark.parametrize("fn, args", [ARGS[0], ARGS[2], ARGS[5]], ids=["mlp", "named", "nested"])
def test_hessian_of_a_pytree_argument_is_nested(fn, args):
    x = args[0]
    found = hessian(fn, wrt=0)(*args)
    parts = _floats(x)
    columns = _hessian_by_differences(fn, args)
    rows = _outer(found, x)  # the inner structures, one per float leaf of x
    assert len(rows) == len(parts)
    for o, row_leaf in enumerate(parts):
        row = rows[o]
        for j, col_leaf in enumerate(parts):
            block = _floats(row)[j]
            assert np.shape(block) == np.shape(row_leaf) + np.shape(col_leaf)
            expected = np.stack([values[o] for at, values in columns if at == j], axis=-1).reshape(np.shape(block))
            np.testing.assert_allclose(block, expected, rtol=1e-4, atol=1e-5)


def _outer(nested_tree, like):
    """The inner structures at ``like``'s float leaves of a nested layout."""
    if isinstance(like, dict):
        return [v for k in like for v in _outer(nested_tree[k], like[k])]
    if isinstance(like, (list, tuple)):
        return [v for k, item in enumerate(like) for v in _outer(nested_tree[k], item)]
    return [nested_tree] if float_leaf(like) else []


def test_hessian_of_an_array_keeps_its_shape():
    x = np.array([0.3, -0.2, 0.5])
    found = hessian(lambda y: np.sum(np.sin(y) * y[0]), wrt=0)(x)
    assert found.shape == (3, 3)


def test_jacobians_of_pytree_to_pytree_agree():
    r = _rng()
    p = {"a": r.standard_normal(2), "b": 1.5}
    forward, reverse, chosen = jacfwd(to_dict)(p), jacrev(to_dict)(p), jacobian(to_dict)(p)
    for tree in (forward, reverse, chosen):
        assert set(tree) == {"s", "t"} and np.all(tree["t"][1]["a"] == 0.0)  # the constant 2.0
        assert tree["s"]["a"].shape == (2, 2) and np.shape(tree["s"]["b"]) == (2,) and np.shape(tree["t"][0]["b"]) == (2,)
    for a, b in zip(_floats(_flat_blocks(forward)), _floats(_flat_blocks(reverse))):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    # each column against finite differences: d to_dict / d p["b"]
    e = {"a": np.zeros(2), "b": 1.0}
    expected = _difference(to_dict, (p,), 0, e)
    got = [forward["s"]["b"], forward["t"][0]["b"]]
    for g, x in zip(got, expected):
        np.testing.assert_allclose(g, x, rtol=1e-5, atol=1e-6)


def _flat_blocks(nested_tree):
    if isinstance(nested_tree, dict):
        return [b for v in nested_tree.values() for b in _flat_blocks(v)]
    if isinstance(nested_tree, (list, tuple)):
        return [b for v in nested_tree for b in _flat_blocks(v)]
    return [nested_tree]


def test_jacobian_of_a_list_argument_and_an_array_result():
    def f(xs):
        return np.stack([xs[0] * xs[1], np.sin(xs[1])])

    xs = [np.array([0.2, 0.5]), np.array([1.1, -0.4])]
    found = jacfwd(f)(xs)
    assert isinstance(found, list) and found[0].shape == (2, 2, 2)
    np.testing.assert_allclose(found[0], jacrev(f)(xs)[0], rtol=1e-12)
    e = [np.array([0.0, 1.0]), np.zeros(2)]
    np.testing.assert_allclose(found[0][..., 1], _difference(f, (xs,), 0, e)[0], rtol=1e-5, atol=1e-6)


# -- builtins over sequences in the body -----------------------------------------------------


def extremes(x):
    a = max(x[0], x[1] * 2.0) + min([x[2], x[0] ** 2])
    b = math.hypot(x[0], x[1], 2.0) + math.dist([x[0], x[1]], [x[2], 1.0])
    c = math.prod([x[0], x[1], x[2]], start=x[1]) + math.fsum([x[0], x[2]])
    return a + b + c + max(x)


def converted(x):
    ys = list((x[0], x[1] * 3.0))
    t = tuple([np.sin(x[2]), x[0]])
    d = dict([("u", x[0] * x[1]), ("v", 2.0)])
    e = dict(d)
    return sum(ys, x[2]) + t[0] * t[1] + e["u"] + d["v"]


@pytest.mark.parametrize("fn", [extremes, converted])
def test_builtins_over_sequences(fn):
    x, v = np.array([0.3, -0.8, 0.6]), np.array([0.7, 0.2, -0.5])
    value, tangent = jvp(fn)(x, v)
    assert value == pytest.approx(fn(x))
    _close(tangent, _difference(fn, (x,), 0, v))
    assert hvp(fn)(x, v) == pytest.approx(_difference(grad(fn), (x,), 0, v)[0], rel=1e-4, abs=1e-5)


# -- refused -------------------------------------------------------------------------------------


def inserts(x):
    ys = [x]
    ys.insert(0, x * 2.0)
    return np.sum(ys[0])


def ode(k):
    sol = solve_ivp(lambda t, y: -k * y, (0.0, 1.0), np.array([1.0, 2.0]), t_eval=np.array([0.5, 1.0]))
    return np.sum(sol.y)


def builds_an_object(W, x):
    layer = Dense(W, np.ones(3))
    return np.sum(layer.apply(x))


@pytest.mark.parametrize("fn, x", [(inserts, np.ones(2)), (ode, 0.7), (builds_an_object, np.ones((3, 3)))])
def test_what_is_not_covered_is_refused_at_the_line(fn, x):
    with pytest.raises(TranspileError) as caught:
        jvp(fn)(x, np.ones(3), x) if fn is builds_an_object else jvp(fn)(x, x)
    assert {d.code for d in caught.value.diagnostics} == {"AD224"}
    assert "test_forward_containers.py" in str(caught.value)


# -- containers through calls of your own, and joins ------------------------------------------


def _fills(ps, x):
    y = np.zeros(2)
    y[0] = ps["a"] * x
    y[1] = ps["b"][1] ** 2
    return y


def passes_a_dict(x):
    return np.sum(_fills({"a": x[0], "b": [x[1], x[2] * 2.0]}, x[2]))


def _makes(x):
    return {"a": x * 2.0, "b": [np.sin(x), 3.0]}


def gets_a_dict_and_stores(x):
    d = _makes(x)
    z = np.zeros(3)
    z[0] = 1.0
    return np.sum(d["a"] * d["b"][0] + z)


@pytest.mark.parametrize("fn", [passes_a_dict, gets_a_dict_and_stores])
def test_containers_through_calls_of_your_own_with_stores(fn):
    x, v = np.array([0.3, -0.8, 0.6]), np.array([0.7, 0.2, -0.5])
    _, tangent = jvp(fn)(x, v)
    _close(tangent, _difference(fn, (x,), 0, v))


def joins_a_constant_list(x):
    xs = [x, x * 2.0]
    zs = [np.ones(3), np.ones(3)] + xs
    return np.sum(zs[0] * x)


def test_a_join_of_lists_one_without_a_tangent_is_refused():
    from adgen.runtime.errors import GradientError

    with pytest.raises(GradientError, match="AD405"):
        jvp(joins_a_constant_list)(np.ones(3), np.ones(3))


# -- the helpers of library calls that take a function of yours (solve_ivp's forward rule: test_forward.py) --


def test_the_closure_helper_s_tangent_is_its_captured_values_tangents():
    from adgen.runtime import callbacks, tangent_registry
    from adgen.runtime.rules.tangents import closure_tangent

    assert tangent_registry.lookup(callbacks.closure).rules[2] is closure_tangent
    assert closure_tangent([0.5, np.ones(2)], None, print, ("a", "b"), (1.0, np.zeros(2)))[0] == 0.5
