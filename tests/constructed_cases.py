"""Objects the differentiated function builds itself, then calls (tests/test_objects_constructed.py):
classes written the ways people write them."""

import abc
import dataclasses

import numpy as np


class Square:
    def __call__(self, x):
        return x * x


class Sine:
    def __call__(self, x):
        return np.sin(x)


class Scaled:
    def __init__(self, a=2.0):
        self.a = a

    def __call__(self, x):
        return self.a * x


class Shifted(Scaled):  # __init__ inherited
    def __call__(self, x):
        return x + self.a


class ScaledTwice(Scaled):
    def __init__(self, a, b=0.5):
        super().__init__(a)
        self.b = b

    def __call__(self, x):
        return self.b * super().__call__(x) ** 2


class ByBaseName(Scaled):
    def __init__(self, a):
        Scaled.__init__(self, a)
        self.c = 3.0

    def __call__(self, x):
        return self.c * np.tanh(self.a * x)


class OldStyle(Scaled):
    def __init__(self):
        super(OldStyle, self).__init__(a=-1.5)

    def __call__(self, x):
        return np.exp(self.a * x)


class Act:
    """Holds a function and an object of its own, made in __init__."""

    def __init__(self, f, name="act"):
        """A docstring, a local and a string attribute."""
        scale = 0.5
        self.f = f
        self.name = name
        self.scale = scale
        self.inner = Square()
        self.parts = [Sine(), Scaled(3.0)]

    def __call__(self, x):
        h = self.scale * self.f(x)
        for part in self.parts:
            h = part(h)
        return self.inner(h)


@dataclasses.dataclass
class Quad:
    a: float
    b: float = 1.0

    def energy(self, x):
        return self.a * np.sum(x ** 2) + self.b * np.sum(x)


@dataclasses.dataclass(frozen=True)
class Spring:
    k: float

    def __call__(self, x):
        return 0.5 * self.k * np.sum(x * x)


class Loss(abc.ABC):
    @abc.abstractmethod
    def loss(self, y, p):
        ...


class Squared(Loss):
    def __init__(self):
        pass

    def loss(self, y, p):
        return 0.5 * (y - p) ** 2


def apply(m, x):
    return m(x)


# -- functions differentiated ------------------------------------------------------------------


def call_no_init(x):
    return np.sum(Square()(x))


def call_with_arguments(x):
    return np.sum(Scaled(3.0)(x) + Scaled()(x) + Scaled(a=-0.5)(x))


def inherited_init(x):
    return np.sum(Shifted(1.5)(x) * x)


def super_init(x):
    return np.sum(ScaledTwice(2.0)(x)) + np.sum(ByBaseName(0.7)(x)) + np.sum(OldStyle()(x))


def holds_function_and_objects(x):
    return np.sum(Act(np.tanh)(x))


def dataclass_method(x):
    return Quad(2.0).energy(x) + Quad(a=0.5, b=-1.0).energy(x) + Spring(3.0)(x)


def method_of_a_local(y, x):
    loss = Squared()
    p = np.tanh(x)
    return np.sum(loss.loss(y, p))


def passed_to_a_helper(x):
    return np.sum(apply(Scaled(1.5), x) * apply(Sine(), x))


def helper_builds(x):
    return np.sum(_built_here(x))


def _built_here(x):
    return Sine()(Scaled(0.5)(x))


def list_display_loop(x):
    for act in [Scaled(2.0), Sine(), Square(), Act(np.sin)]:
        x = act(x)
    return np.sum(x)


def local_list_loop(x):
    layers = (Sine(), Shifted(0.3), Sine())
    out = 0.0
    for i, layer in enumerate(layers):
        out = out + (i + 1.0) * np.sum(layer(x))
    return out


def functions_in_a_list(x):
    for f in [np.sin, np.cos, np.tanh]:
        x = f(x)
    return np.sum(x)


def built_from_differentiated(a, x):
    return Quad(a, 2.0).energy(x)


# -- refused: construction adgen does not follow ------------------------------------------------


class Branchy:
    def __init__(self, kind):
        if kind == "sin":
            self.f = np.sin
        else:
            self.f = np.cos

    def __call__(self, x):
        return self.f(x)


class WithNew:
    def __new__(cls):
        return super().__new__(cls)

    def __call__(self, x):
        return x * x


class Slotted:
    __slots__ = ("a",)

    def __init__(self, a):
        self.a = a

    def __call__(self, x):
        return self.a * x


@dataclasses.dataclass
class PostInit:
    a: float

    def __post_init__(self):
        self.a = 2 * self.a

    def __call__(self, x):
        return self.a * x


class Meta(type):
    pass


class WithMeta(metaclass=Meta):
    def __call__(self, x):
        return x * x


class Registers:
    def __init__(self, a):
        self.a = a
        REGISTRY.append(self)

    def __call__(self, x):
        return self.a * x


REGISTRY = []


def refused_branchy(x):
    return np.sum(Branchy("sin")(x))


def refused_new(x):
    return np.sum(WithNew()(x))


def refused_slots(x):
    return np.sum(Slotted(2.0)(x))


def refused_post_init(x):
    m = PostInit(2.0)
    return np.sum(m(x))


def refused_metaclass(x):
    return np.sum(WithMeta()(x))


def refused_registers(x):
    return np.sum(Registers(2.0)(x))


FUNCTIONS = {"sin": np.sin, "cos": np.cos}


class Picks:
    def __init__(self, kind):
        self.f = FUNCTIONS[kind]

    def __call__(self, x):
        return self.f(x)


def refused_computed_attribute(x):
    return np.sum(Picks("sin")(x))


def wrt_object_method(p, x):
    return p.energy(x) * 2.0


class Switchable:
    def __init__(self):
        self.f = np.sin

    def use(self, f):
        self.f = f

    def __call__(self, x):
        return self.f(x)


def refused_changed_after_built(x):
    m = Switchable()
    m.use(np.cos)
    return np.sum(m(x))


STACK = [Scaled(2.0), Sine(), Act(np.cos)]  # changed by a test


class Regularised:
    def __init__(self):
        self.regularization = Scaled(0.25)


HOLDER = Regularised()


def returns_in_loop(x):
    for act in [Sine(), Scaled(2.0)]:
        x = act(x)
        if np.sum(x) > 100.0:
            return np.sum(x)
    return np.sum(x)


class Dense:
    def __init__(self, W, b, act=np.tanh):
        """Stores its parameters as they are, and what it computes from the others."""
        self.W = W
        self.b = b
        self.act = act
        self.label = "dense"

    def __call__(self, x):
        return self.act(self.W @ x + self.b)


class Residual(Dense):
    def __call__(self, x):
        return x + super().__call__(x)


class Doubles:
    def __init__(self, W):
        self.W = 2.0 * W

    def __call__(self, x):
        return self.W @ x


def built_from_differentiated_weights(W1, b1, W2, x):
    layers = [Dense(W1, b1), Residual(W2, b=0.1 * b1, act=np.sin)]
    for layer in layers:
        x = layer(x)
    return np.sum(x ** 2)


def refused_computing_init(W, x):
    return np.sum(Doubles(W)(x))


def list_changed_after(x):
    acts = [Sine(), Scaled(2.0)]
    acts.append(Square())
    for act in acts:
        x = act(x)
    return np.sum(x)


def list_changed_then_indexed(x):
    acts = [Sine(), Scaled(2.0)]
    acts.reverse()
    return np.sum(acts[0](x))
