"""Objects built in the differentiated function (or a helper) and then called, objects and
functions in list and tuple displays, in globals and closures (adgen.constructed,
adgen.unroll, adgen.instances), checked against finite differences; and the coded
refusals (AD219) for constructions adgen does not follow."""

import numpy as np
import pytest

import constructed_cases as c
from gradcheck import check_grad
from adgen import TranspileError, grad

RNG = np.random.default_rng(1915)
X, Y = RNG.uniform(-1.0, 1.0, 4), RNG.uniform(-1.0, 1.0, 4)

BUILT = [
    (c.call_no_init, [X], 0),  # Square()(x)
    (c.call_with_arguments, [X], 0),  # Scaled(3.0), Scaled() (a default), Scaled(a=-0.5)
    (c.inherited_init, [X], 0),  # a subclass without an __init__ of its own
    (c.super_init, [X], 0),  # super().__init__, Base.__init__(self, ...), super(Cls, self).__init__
    (c.holds_function_and_objects, [X], 0),  # self.f = f, self.inner = Square(), a list of objects, locals
    (c.dataclass_method, [X], 0),  # @dataclass, defaults, keywords, frozen
    (c.method_of_a_local, [Y, X], 1),  # loss = Squared(); loss.loss(y, p) (an abc.ABC subclass)
    (c.passed_to_a_helper, [X], 0),  # apply(Scaled(1.5), x)
    (c.helper_builds, [X], 0),  # built inside a helper
    (c.list_display_loop, [X], 0),  # for act in [Scaled(2.0), Sine(), Square(), Act(np.sin)]
    (c.local_list_loop, [X], 0),  # a tuple in a local, enumerate
    (c.functions_in_a_list, [X], 0),  # for f in [np.sin, np.cos, np.tanh]
    (c.built_from_differentiated, [0.7, X], 0),  # Quad(a, 2.0).energy(x), wrt a
    (c.built_from_differentiated, [0.7, X], 1),
]


@pytest.mark.parametrize("f, args, wrt", BUILT, ids=[f"{f.__name__}-{w}" for f, _, w in BUILT])
def test_objects_built_in_the_function(f, args, wrt):
    check_grad(f, args, wrt, grad(f, wrt=wrt)(*args))


def test_a_hand_computed_value():
    # Scaled(3.0)(x) + Scaled()(x) + Scaled(a=-0.5)(x) summed: 4.5 per entry
    assert np.allclose(grad(c.call_with_arguments)(X), np.full(4, 4.5))


def test_a_method_of_a_differentiated_object_argument():
    p = c.Quad(0.7, -0.4)
    gp, gx = grad(c.wrt_object_method, wrt=(0, 1))(p, X)
    assert isinstance(gp, c.Quad)
    assert np.isclose(gp.a, 2.0 * np.sum(X**2)) and np.isclose(gp.b, 2.0 * np.sum(X))
    check_grad(lambda x: c.wrt_object_method(p, x), [X], 0, gx)


def test_a_global_list_of_objects_of_several_classes_that_changes_is_transformed_again():
    def stacked(x):
        for act in c.STACK:
            x = act(x)
        return np.sum(x)

    old = list(c.STACK)
    dstacked = grad(stacked)
    try:
        check_grad(stacked, [X], 0, dstacked(X))
        c.STACK[:] = [c.Sine(), c.Scaled(-2.0), c.Shifted(0.1)]  # another length, other classes
        check_grad(stacked, [X], 0, dstacked(X))
    finally:
        c.STACK[:] = old


def test_a_closure_list_of_objects():
    layers = [c.Scaled(0.5), c.Sine(), c.Act(np.tanh)]

    def closure(x):
        out = x
        for layer in layers:
            out = layer(out)
        return np.sum(out)

    check_grad(closure, [X], 0, grad(closure)(X))


def test_a_callable_object_held_by_a_global_object():
    def through_global(x):
        return np.sum(x * x + c.HOLDER.regularization(x))

    check_grad(through_global, [X], 0, grad(through_global)(X))


REFUSED = {
    "refused_branchy": "`Branchy.__init__` line",
    "refused_new": "class WithNew defines `__new__`",
    "refused_slots": "class Slotted defines `__slots__`",
    "refused_post_init": "class PostInit defines `__post_init__`",
    "refused_metaclass": "its class has the metaclass Meta",
    "refused_registers": "`REGISTRY.append(self)`",
    "refused_computed_attribute": "`self.f = FUNCTIONS[kind]`",
    "refused_changed_after_built": "`self.f = f`",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_constructions_adgen_does_not_follow_are_coded(name):
    with pytest.raises(TranspileError) as info:
        grad(getattr(c, name))(X)
    [diag] = info.value.diagnostics
    assert diag.code == "AD219" and REFUSED[name] in diag.message and diag.hint
    assert diag.filename == c.__file__


def test_a_loop_over_objects_of_several_classes_that_returns_early_is_refused():
    with pytest.raises(TranspileError) as info:
        grad(c.returns_in_loop)(X)
    assert [d.code for d in info.value.diagnostics] == ["AD218"]


def test_objects_built_from_differentiated_values_whose_init_stores_them():
    args = [RNG.normal(size=(3, 3)), RNG.normal(size=3), RNG.normal(size=(3, 3)), RNG.normal(size=3)]
    f = c.built_from_differentiated_weights  # Dense(W1, b1), Residual(W2, b=0.1 * b1, act=np.sin)
    grads = grad(f, wrt=(0, 1, 2, 3))(*args)
    for k in range(4):
        check_grad(f, args, k, grads[k])


def test_an_init_computing_with_a_differentiated_value_has_no_rule():
    with pytest.raises(TranspileError) as info:
        grad(c.refused_computing_init)(RNG.normal(size=(3, 3)), X[:3])
    assert [d.code for d in info.value.diagnostics] == ["AD201"]


@pytest.mark.parametrize("f", [c.list_changed_after, c.list_changed_then_indexed])
def test_a_list_of_objects_changed_after_it_is_built_is_not_read_as_built(f):
    # acts.append(Square()) / acts.reverse(): the display no longer says what the list holds
    with pytest.raises(TranspileError) as info:
        grad(f)(X)
    assert "AD202" in [d.code for d in info.value.diagnostics]
