"""``wrt`` selecting an object (dataclass, namedtuple, object with a ``__dict__``): its
attributes are parameters, read as ``p.W`` anywhere, and its gradient has its structure.
Checked against finite differences in each float leaf (``gradcheck.check_tree_grad``)."""

import collections
import dataclasses
import datetime
import enum
import pathlib
import types
import warnings

import numpy as np
import pytest

from gradcheck import check_grad, check_tree_grad
from adgen import TranspileError, grad, value_and_grad, vjp
from adgen.runtime.core import GradientError
from object_cases import (INITS, Checked, Frozen, Layer, Model, Net, Params, Slotted, TypedLayer, affine, apply_layer,
                          assert_no_shared_memory, assert_unchanged, rng_arrays, snapshot)


# -- attribute reads, spelled several ways --------------------------------------------------


def dense_attr(layer, x):
    return np.sum(np.tanh(layer.W @ x + layer.b))


def dense_mixed(layer, x):  # an attribute, a position and unpacking of one namedtuple
    W, b = layer
    return np.sum(np.tanh(layer.W @ x + b) * layer[1] + W[0, 0])


def dense_getattr(layer, x):
    return np.sum(np.tanh(getattr(layer, "W") @ x) + getattr(layer, "b") ** 2)


def dense_bound(layer, x):  # the attribute bound to a name first, then rebound
    w = layer.W
    h = w @ x
    w = layer.b
    return np.sum(np.sin(h) * w)


def dense_transposed(layer, x):  # array attributes of an object's attribute, a shape from one
    n = layer.W.shape[0]
    return np.sum(np.sin(x @ layer.W.T)[:n] * layer.b.real)


@pytest.mark.parametrize("f", [dense_attr, dense_getattr, dense_bound, dense_transposed])
@pytest.mark.parametrize("make", [Layer, TypedLayer, Params, Model, lambda W, b: types.SimpleNamespace(W=W, b=b)],
                         ids=["namedtuple", "NamedTuple", "dataclass", "object", "SimpleNamespace"])
def test_attribute_reads_of_a_wrt_object(f, make):
    W, b, x = rng_arrays(1, (2, 3), 2, 3)
    layer = make(W, b)
    before = snapshot(layer)
    g = grad(f)(layer, x)
    assert type(g) is type(layer) and g is not layer
    check_tree_grad(f, [layer, x], 0, g)
    assert_unchanged(layer, before)


def unpacked_in_the_loop(layers, x):
    for W, b in layers:
        x = np.tanh(W @ x + b)
    return np.sum(x * layers[-1].b)


@pytest.mark.parametrize("f", [dense_mixed, unpacked_in_the_loop])
def test_attributes_positions_and_unpacking_add_up(f):
    W, b, x = rng_arrays(12, (3, 3), 3, 3)
    layer = Layer(W, b) if f is dense_mixed else [Layer(W, b), Layer(W.T.copy(), -b)]
    g = grad(f)(layer, x)
    check_tree_grad(f, [layer, x], 0, g)


def test_non_float_attributes_get_none():
    W, b, x = rng_arrays(2, (2, 2), 2, 2)

    def f(p, x):
        return p.scale * np.sum(p.W @ x + p.b) ** 2 / p.steps

    p = Params(W, b, 0.7, 4, "first")
    g = grad(f)(p, x)
    assert g.steps is None and g.label is None and isinstance(g.scale, float)
    check_tree_grad(f, [p, x], 0, g)
    t = grad(dense_attr)(TypedLayer(W, b, "named"), x)
    assert t.name is None and type(t) is TypedLayer


# -- how the gradient object is made -------------------------------------------------------


def test_a_dataclass_gradient_is_made_without_running_init():
    sigma, mu, x = 1.5, np.array([0.2, -0.4]), np.array([0.3, 0.9])

    def nll(d, x):
        return np.sum((x - d.mu) ** 2) / (2 * d.sigma ** 2) + x.size * d.log_sigma

    d = Checked(sigma, mu)
    INITS.clear()
    g = grad(nll)(d, x)
    assert INITS == []  # no __post_init__ ran for the gradient (its sigma gradient may be <= 0)
    assert type(g) is Checked
    # log_sigma is an attribute the object holds: a parameter of its own, read as it is
    check_tree_grad(nll, [d, x], 0, g)
    assert g.log_sigma == pytest.approx(x.size)


@pytest.mark.parametrize("make", [Frozen, Slotted])
def test_frozen_and_slotted_dataclasses(make):
    (w,) = rng_arrays(3, 3)

    def f(p):
        return np.sum(np.exp(p.w * p.c))

    p = make(w, 0.4)
    g = grad(f)(p)
    assert type(g) is make
    check_tree_grad(f, [p], 0, g)


def test_a_class_attribute_is_a_constant_and_a_property_is_refused():
    class WithConstant(Model):
        shift = 0.5  # the class's, not the object's: not a parameter

        @property
        def Wt(self):
            return self.W.T

    W, b, x = rng_arrays(4, (2, 2), 2, 2)

    def f(m, x):
        return np.sum((m.W @ x + m.b - m.shift) ** 2)

    m = WithConstant(W, b)
    g = grad(f)(m, x)
    assert not hasattr(g, "__dict__") or "shift" not in vars(g)
    check_tree_grad(f, [m, x], 0, g)

    def through_property(m, x):
        return np.sum(m.Wt @ x)

    with pytest.raises(GradientError, match="AD416.*Wt.*property"):
        grad(through_property)(m, x)


def test_an_attribute_named_like_an_array_attribute_is_refused():
    @dataclasses.dataclass
    class Horizon:
        T: float
        rate: np.ndarray

    def f(h):
        return h.T * np.sum(h.rate)

    with pytest.raises(GradientError, match="AD416.*`T`"):
        grad(f)(Horizon(2.0, np.ones(3)))


def test_the_same_array_in_two_attributes_gets_two_gradients():
    (W,) = rng_arrays(5, (2, 2))

    def f(p):
        return np.sum(p.W * p.b)

    p = Params(W, W)
    g = grad(f)(p)
    assert_no_shared_memory(g)
    check_tree_grad(f, [p], 0, g)


# -- nested structures ---------------------------------------------------------------------


def mlp(layers, x):
    for layer in layers:
        x = np.tanh(layer.W @ x + layer.b)
    return np.sum(x ** 2)


def mlp_indexed(layers, x):
    n = len(layers)
    for k in range(n):
        x = np.tanh(layers[k].W @ x + layers[k][1])
    return np.sum(x ** 2)


@pytest.mark.parametrize("f", [mlp, mlp_indexed])
@pytest.mark.parametrize("container", [list, tuple])
def test_a_list_of_namedtuples(f, container):
    W1, b1, W2, b2, x = rng_arrays(6, (3, 2), 3, (2, 3), 2, 2)
    layers = container([Layer(W1, b1), Layer(W2, b2)])
    before = snapshot(layers)
    g = grad(f)(layers, x)
    assert type(g) is container and all(type(item) is Layer for item in g)
    check_tree_grad(f, [layers, x], 0, g)
    assert_unchanged(layers, before)


def net_loss(net, x):
    h = x
    for layer in net.layers:
        h = np.tanh(layer.W @ h + layer.b)
    out = net.head.W @ h + net.head.b
    return net.head.scale * np.sum(out ** 2) + np.sum(net.layers[0].W ** 2)


def test_objects_in_lists_in_objects():
    W1, b1, W2, b2, Wh, bh, x = rng_arrays(7, (3, 2), 3, (3, 3), 3, (1, 3), 1, 2)
    net = Net([Model(W1, b1), Layer(W2, b2)], Params(Wh, bh, 0.5))
    before = snapshot(net)
    g = grad(net_loss)(net, x)
    assert type(g) is Net and type(g.layers[0]) is Model and type(g.layers[1]) is Layer and type(g.head) is Params
    assert g.layers[0].activation is None and g.head.label is None
    check_tree_grad(net_loss, [net, x], 0, g)
    assert_unchanged(net, before)
    assert_no_shared_memory(g)


def test_objects_in_a_dict_and_a_dict_in_an_object():
    W, b, V, c, x = rng_arrays(8, (2, 2), 2, (2, 2), 2, 2)

    def f(params, x):
        enc = params["enc"]
        h = np.tanh(enc.W @ x + enc.b)
        return np.sum(params["dec"].W @ h) + np.sum(params["dec"].b["bias"] * h)

    params = {"enc": Layer(W, b), "dec": Model(V, {"bias": c, "n": 2})}
    g = grad(f)(params, x)
    assert type(g) is dict and type(g["enc"]) is Layer and type(g["dec"]) is Model
    assert g["dec"].b["n"] is None
    check_tree_grad(f, [params, x], 0, g)


# -- helpers, other arguments, other entry points --------------------------------------------


def through_helpers(layers, x):
    h = apply_layer(layers[0], x)
    return np.sum(affine(layers[1], h) ** 2)


def test_attribute_reads_inside_helpers():
    W1, b1, W2, b2, x = rng_arrays(9, (3, 2), 3, (2, 3), 2, 2)
    layers = [Layer(W1, b1), Params(W2, b2)]
    g = grad(through_helpers)(layers, x)
    assert type(g[0]) is Layer and type(g[1]) is Params
    check_tree_grad(through_helpers, [layers, x], 0, g)
    gx = grad(through_helpers, wrt=1)(layers, x)  # the objects are not differentiated, their attributes read
    check_grad(through_helpers, [layers, x], 1, gx)


def test_objects_as_arguments_that_are_not_differentiated():
    W, b, x = rng_arrays(10, (2, 2), 2, 2)

    def f(x, model, cfg):
        return cfg.scale * np.sum(np.tanh(model.W @ x + model.b))

    model, cfg = Model(W, b), Params(None, None, 1.7)
    gx = grad(f)(x, model, cfg)
    check_grad(f, [x, model, cfg], 0, gx)


def test_wrt_an_object_and_an_array_value_and_grad_and_vjp():
    W, b, x = rng_arrays(11, (2, 3), 2, 3)
    layer = Params(W, b)
    value, (gl, gx) = value_and_grad(dense_attr, wrt=(0, 1))(layer, x)
    assert value == pytest.approx(dense_attr(layer, x))
    check_tree_grad(dense_attr, [layer, x], 0, gl)
    check_grad(dense_attr, [layer, x], 1, gx)

    def f(layer, x):
        return np.tanh(layer.W @ x + layer.b)

    seed = np.array([0.3, -1.2])
    gl = vjp(f)(layer, x, seed)
    check_tree_grad(lambda p, v: float(seed @ f(p, v)), [layer, x], 0, gl)


def test_the_generated_code_reads_attributes_as_written():
    text = grad(mlp).source
    assert "layer.W" in text and "scatter(" in text and "'W'" in text
    assert "AD205" not in text


def test_an_unknown_attribute_of_an_array_is_still_ad205():
    def f(x):
        return np.sum(x.W)

    with pytest.raises(TranspileError, match="AD205"):
        grad(f)(np.ones(2))


def test_a_complex_array_inside_an_object_is_refused_as_in_a_dict():
    def f(p):
        return np.sum(np.abs(p.w) ** 2)

    with pytest.raises(GradientError, match="AD410.*complex"):
        grad(f)(Slotted(np.array([1.0 + 2.0j, -0.5j]), 0.0))


# -- control flow, comprehensions, methods ----------------------------------------------------


def in_a_while_loop(p, x):
    k = 0
    while np.sum(x) < 10.0 and k < 4:
        x = x * p.b + p.scale
        k += 1
    return np.sum(x)


def in_branches(p, x):
    if np.sum(p.b) > 0:
        y = p.W @ x
    else:
        y = -(p.W @ x) * p.scale
    return np.sum(y ** 2)


def in_a_generator(layers, x):
    return sum(np.sum(layer.W @ x + layer.b) ** 2 for layer in layers)


def attributes_put_in_containers(layers, x):
    Ws = [layer.W for layer in layers]
    d = {"a": layers[0].b, "b": Ws[1]}
    return np.sum(Ws[0] @ x * d["a"]) + np.sum(np.sin(d["b"]))


@pytest.mark.parametrize("f", [in_a_while_loop, in_branches])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_attributes_in_loops_and_branches(f, sign):
    W, b, x = rng_arrays(13, (3, 3), 3, 3)
    p = Params(W, sign * np.abs(b), 0.3)
    check_tree_grad(f, [p, x], 0, grad(f)(p, x))


@pytest.mark.parametrize("f", [in_a_generator, attributes_put_in_containers])
def test_attributes_in_comprehensions_and_containers(f):
    W1, b1, W2, b2, x = rng_arrays(14, (3, 3), 3, (3, 3), 3, 3)
    layers = [Layer(W1, b1), Model(W2, b2)]
    check_tree_grad(f, [layers, x], 0, grad(f)(layers, x))


class Regression:
    def __init__(self, w, c):
        self.w = w
        self.c = c

    def loss(self, X, y):
        return np.mean((X @ self.w + self.c - y) ** 2)


def test_a_method_taken_from_the_class_differentiated_in_self():
    w, c, X, y = rng_arrays(15, 3, (), (5, 3), 5)
    model = Regression(w, c)
    g = grad(Regression.loss)(model, X, y)
    assert type(g) is Regression and isinstance(g.c, float)
    check_tree_grad(Regression.loss, [model, X, y], 0, g)


# -- refused ------------------------------------------------------------------------------------


def test_stores_into_an_objects_arrays_are_refused():
    def through_a_name(p, x):
        y = p.W
        y[0] = 1.0
        return np.sum(y @ x)

    def into_the_attribute(p, x):
        p.W[0] = 1.0
        return np.sum(p.W @ x)

    W, b, x = rng_arrays(16, (2, 2), 2, 2)
    for f, code in [(through_a_name, "AD305"), (into_the_attribute, "AD103")]:
        with pytest.raises(TranspileError, match=code):
            grad(f)(Params(W, b), x)


def test_an_object_that_refers_to_itself_is_refused():
    def f(m):
        return np.sum(m.W ** 2)

    m = Model(np.ones(2), None)
    m.b = m
    with pytest.raises(GradientError, match="AD416.*refers to itself"):
        grad(f)(m)


@dataclasses.dataclass
class Gaussian:
    mean: np.ndarray
    std: float
    data: np.ndarray  # the names of array methods and of array attributes without a rule are fields


def test_attributes_named_like_array_methods_are_fields():
    def nll(d, x):
        z = (x - d.mean) / d.std
        return 0.5 * np.sum(z ** 2) + x.size * np.log(d.std) + np.sum(d.data ** 2)

    mean, std, data, x = rng_arrays(17, 3, (), 2, 3)
    d = Gaussian(mean, abs(std) + 0.5, data)
    g = grad(nll)(d, x)
    assert type(g) is Gaussian
    check_tree_grad(nll, [d, x], 0, g)



def test_kinds_inside_a_differentiated_object_are_checked_and_other_objects_are_read_as_they_are():
    def f(p, x):
        return np.sum(p.w * x) * p.c

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        matrix = np.asmatrix(np.ones((1, 2)))
    with pytest.raises(GradientError, match="AD410.*`w`"):
        grad(f)(Frozen(matrix, 1.0), np.ones(2))

    class Plotter:  # an object passed along, not differentiated: not looked into
        def __init__(self):
            self.mask = np.ma.array([1.0, 2.0], mask=[0, 1])

    def g(x, plotter):
        return np.sum(x ** 2)

    x = np.array([0.5, -1.5])
    check_grad(g, [x, Plotter()], 0, grad(g)(x, Plotter()))


class Point:
    __slots__ = ("q", "p", "mass")

    def __init__(self, q, p, mass):
        self.q, self.p, self.mass = q, p, mass


def test_an_object_with_slots_and_objects_in_a_tuple():
    def energy(state, k):
        a, b = state
        return 0.5 * np.sum(a.p ** 2) / a.mass + 0.5 * np.sum(b.p ** 2) / b.mass + k * np.sum((a.q - b.q) ** 2)

    q1, p1, q2, p2 = rng_arrays(19, 2, 2, 2, 2)
    state = (Point(q1, p1, 2.0), Point(q2, p2, 3))
    g = grad(energy)(state, 0.7)
    assert type(g) is tuple and type(g[0]) is Point and g[1].mass is None
    check_tree_grad(energy, [state, 0.7], 0, g)


@pytest.mark.parametrize("make", [collections.namedtuple("Horizon", "T rate"), dataclasses.make_dataclass("Horizon", ["T", "rate"])])
def test_a_field_named_like_an_array_attribute_read_alone_is_refused(make):
    def f(h):
        return h.T ** 2

    with pytest.raises(GradientError, match="AD416.*`T`"):
        grad(f)(make(2.0, np.ones(3)))


@dataclasses.dataclass
class Stack:
    Ws: list
    bs: list
    cfg: dict = dataclasses.field(default_factory=dict)


def over_zip(p, x):
    for W, b in zip(p.Ws, p.bs):
        x = np.tanh(W @ x + b)
    return np.sum(x) * p.cfg["gain"]


def over_enumerate(p, x):
    total = 0.0
    for i, W in enumerate(p.Ws):
        total = total + np.sum((W @ x) * p.bs[i])
    return total


def over_a_range(p, x):
    for k in range(len(p.Ws)):
        x = np.sin(p.Ws[k] @ x) + p.bs[k]
    return np.sum(x ** 2)


def in_a_list_comprehension(p, x):
    norms = [np.sum(W ** 2) for W in p.Ws]
    return sum(norms) + np.sum(p.bs[0] * x)


@pytest.mark.parametrize("f", [over_zip, over_enumerate, over_a_range, in_a_list_comprehension])
def test_lists_and_dicts_held_by_an_object(f):
    Ws, bs, x = rng_arrays(20, (3, 3), (3, 3)), rng_arrays(21, 3, 3), rng_arrays(22, 3)[0]
    p = Stack(Ws, bs, {"gain": 1.5, "name": "m"})
    g = grad(f)(p, x)
    assert type(g.Ws) is list and g.cfg["name"] is None
    check_tree_grad(f, [p, x], 0, g)


def test_reading_the_attributes_through_dunder_dict_is_refused():
    def through_a_name(m):
        d = m.__dict__
        total = 0.0
        for v in d.values():
            total = total + np.sum(v ** 2)
        return total

    def by_key(m):
        return np.sum(m.__dict__["w"] ** 2)

    for f in (through_a_name, by_key):
        with pytest.raises(GradientError, match="AD416.*__dict__"):
            grad(f)(Frozen(np.ones(2), 2.0))


def helper_in_a_loop(layers, x):
    for layer in layers:
        x = apply_layer(layer, x)
    return np.sum(x ** 2)


def test_a_helper_called_on_each_object_of_a_list():
    W1, b1, W2, b2, x = rng_arrays(26, (3, 2), 3, (2, 3), 2, 2)
    layers = [Model(W1, b1), Params(W2, b2)]
    g = grad(helper_in_a_loop)(layers, x)
    check_tree_grad(helper_in_a_loop, [layers, x], 0, g)


@dataclasses.dataclass
class Optional:
    W: np.ndarray
    b: object = None
    use_act: bool = True


def optional_parts(p, x):
    y = p.W @ x
    if p.b is not None:
        y = y + p.b
    if p.use_act:
        y = np.tanh(y)
    return np.sum(y ** 2)


@pytest.mark.parametrize("with_bias", [False, True])
def test_attributes_tested_in_conditions(with_bias):
    W, b, x = rng_arrays(27, (2, 2), 2, 2)
    p = Optional(W, b, False) if with_bias else Optional(W)
    g = grad(optional_parts)(p, x)
    assert g.use_act is None and (g.b is not None) == with_bias
    check_tree_grad(optional_parts, [p, x], 0, g)


def test_getattr_with_a_written_name_is_the_attribute_read():
    def f(x, p):
        return np.sum(getattr(x, "T") @ getattr(p, "W")) + np.sum(getattr(x, "real"))

    x, W = rng_arrays(28, (2, 3), (2, 2))
    p = Params(W, None)
    gx, gp = grad(f, wrt=(0, 1))(x, p)
    check_grad(f, [x, p], 0, gx)
    check_tree_grad(f, [x, p], 1, gp)


class Activation(enum.Enum):
    TANH = "tanh"
    SIN = "sin"


@dataclasses.dataclass
class Configured:
    W: np.ndarray
    act: Activation
    path: pathlib.Path
    when: datetime.date


def test_values_of_other_kinds_held_by_an_object_get_none():
    def f(c, x):
        h = c.W @ x
        return np.sum(np.tanh(h) if c.act is Activation.TANH else np.sin(h))

    W, x = rng_arrays(29, (2, 2), 2)
    c = Configured(W, Activation.SIN, pathlib.Path("/tmp/model.npz"), datetime.date(2024, 1, 2))
    g = grad(f)(c, x)
    assert g.act is None and g.path is None and g.when is None
    check_tree_grad(f, [c, x], 0, g)


def test_other_reads_and_writes_by_name_are_still_refused():
    def deletes(p, x):
        delattr(p, "W")
        return np.sum(x)

    def reads_a_computed_name(p, x, name="W"):
        return np.sum(getattr(p, name) * x)

    W, x = rng_arrays(30, (2,), 2)
    for f in (deletes, reads_a_computed_name):
        with pytest.raises(TranspileError, match="AD102"):
            grad(f)(Params(W, None), x)
