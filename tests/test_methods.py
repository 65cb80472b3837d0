"""Methods of objects of the user's classes inside a differentiated function
(``adgen.instances``): ``grad(model.loss)``, ``self.predict(x)``, layers held in lists
and dicts, ``super()``, static and class methods, callable objects and partials held in
attributes; checked against finite differences."""

import functools

import numpy as np
import pytest

import model_classes as mc
from gradcheck import check_grad
from adgen import TranspileError, grad

RNG = np.random.default_rng(7)


def _mlp(*classes):
    return mc.MLP([cls(RNG.normal(size=(3, 3)), RNG.normal(size=3)) for cls in classes])


X, Y = RNG.normal(size=3), RNG.normal(size=3)


@pytest.mark.parametrize("classes", [(mc.Layer, mc.Layer), (mc.ReluLayer,)])
def test_an_mlp_of_layer_objects(classes):
    model = _mlp(*classes)
    for i in (0, 1):
        check_grad(model.loss, [X, Y], i, grad(model.loss, wrt=i)(X, Y))


def test_a_function_calling_a_method_of_its_argument():
    model = _mlp(mc.Layer, mc.Layer)
    dloss = grad(mc.loss_of, wrt=1)
    check_grad(lambda x: mc.loss_of(model, x, Y), [X], 0, dloss(model, X, Y))
    # another object of the same structure shares the gradient; its values are read when it runs
    other = _mlp(mc.Layer, mc.Layer)
    check_grad(lambda x: mc.loss_of(other, x, Y), [X], 0, dloss(other, X, Y))


def test_an_object_of_another_structure_gets_its_own_gradient():
    dloss = grad(mc.loss_of, wrt=1)
    for model in (_mlp(mc.Layer, mc.Layer), _mlp(mc.ReluLayer, mc.ReluLayer), _mlp(mc.ReluLayer)):
        check_grad(lambda x: mc.loss_of(model, x, Y), [X], 0, dloss(model, X, Y))
    sub = _mlp(mc.Layer)
    dloss(sub, X, Y)
    sub.layers[0].__class__ = mc.ReluLayer  # the same object, now of another class
    check_grad(lambda x: mc.loss_of(sub, x, Y), [X], 0, dloss(sub, X, Y))


def test_a_method_of_a_list_item_and_a_dict_of_callables():
    model = _mlp(mc.Layer, mc.Layer)
    check_grad(model.first_forward, [X], 0, grad(model.first_forward)(X))
    check_grad(model.predict_indexed, [X], 0, grad(model.predict_indexed)(X))
    enc = mc.Encoder({"enc": mc.Layer(RNG.normal(size=(2, 3)), RNG.normal(size=2)), "dec": mc.ReluLayer(RNG.normal(size=(3, 2)), np.zeros(3))})
    check_grad(enc.loss, [X], 0, grad(enc.loss)(X))
    same = mc.Encoder({"enc": mc.Layer(RNG.normal(size=(3, 3)), X), "dec": mc.Layer(RNG.normal(size=(3, 3)), Y)})
    check_grad(same.chain, [X], 0, grad(same.chain)(X))
    codes, diags = _codes(enc.chain, X)  # enc and dec of two classes, picked by a loop variable
    assert codes == ["AD218"] and "self.blocks" in diags[0].message


def test_super_and_inheritance():
    q = RNG.normal(size=4)
    for model in (mc.Potential(2.0), mc.Anharmonic(2.0, 0.3), mc.Damped(1.5, 0.2), mc.Stiffer(1.7)):
        for method in (model.energy, model.total):
            check_grad(method, [q], 0, grad(method)(q))
    # hand-computed: d/dq [k q^2 / 2 + c q^4 + sin q] at q = 0.5
    d = mc.Damped(2.0, 0.25)
    assert grad(d.total)(np.array([0.5]))[0] == pytest.approx(2.0 * 0.5 + 4 * 0.25 * 0.5**3 + np.cos(0.5))


def test_a_physics_model_with_a_step_method_in_a_time_loop():
    pend = mc.Pendulum(9.81, 1.3, 0.01)
    theta, omega = np.array([0.3, -0.2]), np.array([0.0, 0.1])
    f = lambda t, w: pend.simulate(t, w, 50)  # noqa: E731
    dsim = grad(pend.simulate, wrt=(0, 1))
    gt, gw = dsim(theta, omega, 50)
    check_grad(f, [theta, omega], 0, gt)
    check_grad(f, [theta, omega], 1, gw)
    pend.g = 3.7  # an attribute is read when the gradient runs, never baked in
    check_grad(f, [theta, omega], 0, dsim(theta, omega, 50)[0])


def test_static_and_class_methods():
    x = RNG.normal(size=3)
    for model in (mc.Scaled(), mc.Doubled()):
        check_grad(model.loss, [x], 0, grad(model.loss)(x))
    # hand-computed for Doubled: 2x^2 + 3*2x^2 + x^2 + 3*2x^2 -> derivative 30 x
    assert grad(mc.Doubled().loss)(np.array([1.0]))[0] == pytest.approx(30.0)
    f = lambda x: np.sum(mc.Doubled.scaled(x)) + np.sum(mc.Scaled.square(x))  # noqa: E731
    check_grad(f, [x], 0, grad(f)(x))


def test_partials_functions_and_rules_held_in_attributes():
    model = mc.Activations()
    check_grad(model.loss, [X], 0, grad(model.loss)(X))
    model.act = functools.partial(mc.scaled_tanh, -1.0, shift=2.0)  # another partial, same structure
    check_grad(model.loss, [X], 0, grad(model.loss)(X))
    model.rule = np.cos  # another function: another gradient
    check_grad(model.loss, [X], 0, grad(model.loss)(X))


GLOBAL_MODEL = mc.MLP([mc.Layer(RNG.normal(size=(3, 3)), RNG.normal(size=3))])


def global_loss(x):
    return np.sum(GLOBAL_MODEL.predict(x) ** 2)


def test_a_module_level_object_that_changes_structure_is_transformed_again():
    dloss = grad(global_loss)
    check_grad(global_loss, [X], 0, dloss(X))
    old = GLOBAL_MODEL.layers
    try:
        GLOBAL_MODEL.layers = [mc.ReluLayer(RNG.normal(size=(3, 3)), RNG.normal(size=3))]
        check_grad(global_loss, [X], 0, dloss(X))
    finally:
        GLOBAL_MODEL.layers = old


def test_a_method_replaced_on_the_class_is_transformed_again():
    model = mc.Potential(2.0)
    q = RNG.normal(size=3)
    dtotal = grad(model.total)
    check_grad(model.total, [q], 0, dtotal(q))
    original = mc.Potential.__dict__["extra"]
    try:
        mc.Potential.extra = lambda self, q: np.sum(q ** 3)
        check_grad(model.total, [q], 0, dtotal(q))
    finally:
        mc.Potential.extra = original


def _codes(fn, *args):
    with pytest.raises(TranspileError) as info:
        grad(fn)(*args)
    return [d.code for d in info.value.diagnostics], info.value.diagnostics


def test_a_store_into_self_on_a_differentiated_path_is_refused():
    codes, diags = _codes(mc.Caching().loss, X)
    assert codes == ["AD103"] and "self.cache = h" in diags[0].source_line


def test_calling_what_a_property_returns_is_refused():
    codes, diags = _codes(mc.PropertyNet(mc.Layer(np.eye(3), np.zeros(3))).loss, X)
    assert codes == ["AD218"] and "property" in diags[0].message


@pytest.mark.parametrize("method", ["loss", "predict_indexed"])
def test_a_loop_over_objects_of_different_classes_is_unrolled(method):
    model = _mlp(mc.Layer, mc.ReluLayer, mc.Layer)
    args = [X, Y] if method == "loss" else [X]
    check_grad(getattr(model, method), args, 0, grad(getattr(model, method))(*args))


def test_a_loop_over_objects_of_different_classes_that_breaks_is_refused():
    model = _mlp(mc.Layer, mc.ReluLayer)
    codes, diags = _codes(model.predict_until, X)
    assert codes == ["AD218"] and "`self.layers`, which holds objects of different classes" in diags[0].message


def test_grad_of_a_partial_of_a_function_calling_methods():
    model = _mlp(mc.Layer, mc.Layer)
    p = functools.partial(mc.loss_of, model)
    check_grad(p, [X, Y], 0, grad(p)(X, Y))


def test_grad_of_a_callable_object_calling_methods():
    objective = mc.Objective(_mlp(mc.ReluLayer, mc.ReluLayer), Y)
    check_grad(objective, [X], 0, grad(objective)(X))


def test_a_list_of_objects_passed_as_an_argument():
    for layers in (_mlp(mc.Layer, mc.Layer).layers, tuple(_mlp(mc.ReluLayer, mc.ReluLayer).layers)):
        check_grad(lambda x: mc.through_layers(x, layers), [X], 0, grad(mc.through_layers)(X, layers))


def test_a_module_level_callable_object_called_by_name():
    dnet = grad(mc.through_global_net)
    check_grad(mc.through_global_net, [X], 0, dnet(X))
    saved = mc.NET
    try:  # another class there: the gradient is made again, for its __call__
        mc.NET = mc.ReluLayer(RNG.normal(size=(3, 3)), RNG.normal(size=3))
        check_grad(mc.through_global_net, [X], 0, dnet(X))
    finally:
        mc.NET = saved
