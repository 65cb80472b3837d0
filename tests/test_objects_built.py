"""Objects built from differentiated values (``Layer(W, b)``, a dataclass whose
``__init__`` only stores its arguments) and objects as results (``vjp`` with a seed
of the result's class), checked against finite differences."""

import dataclasses

import numpy as np
import pytest

from gradcheck import check_grad
from adgen import TranspileError, grad, vjp
from adgen.runtime.core import GradientError
from object_cases import Frozen, Layer, Params, TypedLayer, affine, apply_layer, rng_arrays

# -- objects built from differentiated values ---------------------------------------------------


def built_namedtuples(W1, b1, W2, b2, x):
    layers = [Layer(W1, b1), Layer(W=W2, b=b2)]
    for layer in layers:
        x = np.tanh(layer.W @ x + layer.b)
    return np.sum(x ** 2)


def built_and_passed(W1, b1, W2, b2, x):
    h = apply_layer(TypedLayer(W1, b=b1), x)
    p = Params(W2, b2, scale=0.5)
    return p.scale * np.sum(affine(p, h) ** 2)


def built_and_unpacked(W1, b1, W2, b2, x):
    pair = Layer(W1 * 2.0, b1)
    W, b = pair
    return np.sum((W @ x + b) * pair[1]) + np.sum(Frozen(W2, 3.0).w * b2)


@pytest.mark.parametrize("f", [built_namedtuples, built_and_passed, built_and_unpacked])
def test_objects_built_from_differentiated_values(f):
    args = rng_arrays(18, (3, 2), 3, (3, 3), 3, 2)
    grads = grad(f, wrt=(0, 1, 2, 3))(*args)
    for k in range(4):
        check_grad(f, args, k, grads[k])


class Scaled(Layer):
    def __new__(cls, W, b):
        return super().__new__(cls, 2.0 * W, b)


@dataclasses.dataclass
class Normalised:
    w: np.ndarray

    def __post_init__(self):
        self.w = self.w / np.linalg.norm(self.w)


def test_classes_whose_construction_computes_are_not_read_as_containers():
    def through_new(W, x):
        return np.sum(Scaled(W, x).W)

    def through_post_init(w):
        return np.sum(Normalised(w).w)

    with pytest.raises(TranspileError, match="AD201"):
        grad(through_new)(np.ones((2, 2)), np.ones(2))
    with pytest.raises(TranspileError, match="AD201"):
        grad(through_post_init)(np.ones(2))


MAKER = Layer


def built_by_a_global(W, b):
    layer = MAKER(W, b)
    return np.sum(layer.W ** 2 * layer.b)


def test_a_class_rebound_after_the_gradient_was_made_makes_it_again():
    global MAKER
    W, b = rng_arrays(23, (2, 2), 2)
    dloss = grad(built_by_a_global)
    check_grad(built_by_a_global, [W, b], 0, dloss(W, b))
    try:
        MAKER = Scaled  # its __new__ computes: not a container any more
        with pytest.raises(TranspileError, match="AD201"):
            dloss(W, b)
    finally:
        MAKER = Layer
    check_grad(built_by_a_global, [W, b], 0, dloss(W, b))



# -- objects as results ---------------------------------------------------------------------------


def make_layer(W, b):
    return Layer(W * 2.0, b)


def make_params(W, b):
    p = Params(np.sin(W), b + 1.0, 0.5)
    return p


def through_made_objects(W, b, x):
    layer = make_layer(W, b)
    q = make_params(W, b)
    return np.sum(np.tanh(layer.W @ x + layer.b)) + q.scale * np.sum(q.W * q.b)


def test_helpers_returning_objects():
    W, b, x = rng_arrays(24, (3, 3), 3, 3)
    gW, gb = grad(through_made_objects, wrt=(0, 1))(W, b, x)
    check_grad(through_made_objects, [W, b, x], 0, gW)
    check_grad(through_made_objects, [W, b, x], 1, gb)


def test_vjp_of_an_object_result_and_grad_refuses_one():
    W, b = rng_arrays(25, (2, 2), 2)
    seed = Params(np.array([[0.3, -1.0], [2.0, 0.5]]), np.array([1.5, -0.2]), None, None, None)
    gW, gb = vjp(make_params, wrt=(0, 1))(W, b, seed)

    def scalar(W, b):
        p = make_params(W, b)
        return np.sum(p.W * seed.W) + np.sum(p.b * seed.b)

    check_grad(scalar, [W, b], 0, gW)
    check_grad(scalar, [W, b], 1, gb)
    with pytest.raises(GradientError, match="AD401.*Params"):
        grad(make_params)(W, b)
    with pytest.raises(GradientError, match="AD402"):
        vjp(make_params)(W, b, {"W": W, "b": b})


@dataclasses.dataclass
class WithInitVar:
    w: np.ndarray
    scale: dataclasses.InitVar[float] = 1.0


def test_a_dataclass_with_an_init_only_parameter_is_not_a_container():
    def f(w):
        return np.sum(WithInitVar(w, 2.0).w)

    with pytest.raises(TranspileError, match="AD201"):
        grad(f)(np.ones(2))
