"""Models written as classes, the way people write them, for tests/test_methods.py: the
gradient resolves their methods through the objects' classes (adgen.instances)."""

import functools

import numpy as np


class Layer:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def __call__(self, x):
        return np.tanh(self.W @ x + self.b)

    def forward(self, x):
        return self(x)


class ReluLayer(Layer):
    def __call__(self, x):
        h = self.W @ x + self.b
        return h * (h > 0) + 0.1 * h


class MLP:
    def __init__(self, layers):
        self.layers = layers

    def predict(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def loss(self, x, y):
        r = self.predict(x) - y
        return 0.5 * np.sum(r * r)

    def predict_indexed(self, x):
        for i in range(len(self.layers)):
            x = self.layers[i](x)
        return np.sum(x)

    def predict_until(self, x):
        for layer in self.layers:
            x = layer(x)
            if np.max(np.abs(x)) > 100.0:
                break
        return np.sum(x)

    def first_forward(self, x):
        return np.sum(self.layers[0].forward(x) ** 2)


class Encoder:
    def __init__(self, blocks):
        self.blocks = blocks  # a dict of callables

    def encode(self, x):
        h = self.blocks["enc"](x)
        return self.blocks["dec"](h)

    def loss(self, x):
        return np.sum(self.encode(x) ** 2)

    def chain(self, x):
        for name in ["enc", "dec"]:
            x = self.blocks[name].forward(x)
        return np.sum(x)


class Objective:
    """A callable object differentiated directly: grad(Objective(model))."""

    def __init__(self, model, y):
        self.model = model
        self.y = y

    def __call__(self, x):
        return self.model.loss(x, self.y)


# -- a class hierarchy with super() ------------------------------------------------------


class Potential:
    def __init__(self, k):
        self.k = k

    def energy(self, q):
        return 0.5 * self.k * np.sum(q * q)

    def total(self, q):
        return self.energy(q) + self.extra(q)  # self.extra: found on the object's class

    def extra(self, q):
        return 0.0 * np.sum(q)

    def stiffness(self):
        return self.k


class Stiffer(Potential):
    def energy(self, q):
        return super().energy(q) * super().stiffness()  # the second is not differentiated


class Anharmonic(Potential):
    def __init__(self, k, c):
        super().__init__(k)
        self.c = c

    def energy(self, q):
        return super().energy(q) + self.c * np.sum(q ** 4)


class Damped(Anharmonic):
    def extra(self, q):
        return np.sum(np.sin(q))  # total() from Potential calls this


# -- a physics model: parameters as attributes, a step method in a time loop ------------


class Pendulum:
    def __init__(self, g, length, dt):
        self.g = g
        self.length = length
        self.dt = dt

    @property
    def omega2(self):
        return self.g / self.length

    def accel(self, theta):
        return -self.omega2 * np.sin(theta)

    def step(self, theta, omega):
        omega = omega + self.dt * self.accel(theta)
        theta = theta + self.dt * omega
        return theta, omega

    def simulate(self, theta0, omega0, n):
        theta, omega = theta0, omega0
        for _ in range(n):
            theta, omega = self.step(theta, omega)
        return np.sum(theta ** 2)


# -- static and class methods ------------------------------------------------------------


class Scaled:
    factor = 3.0

    @staticmethod
    def square(x):
        return x * x

    @classmethod
    def scaled(cls, x):
        return cls.factor * cls.square(x)

    def loss(self, x):
        return np.sum(self.square(x) + self.scaled(x) + Scaled.square(x) + type(self).scaled(x))


class Doubled(Scaled):
    @staticmethod
    def square(x):
        return 2.0 * x * x


# -- functions and partials held by objects ----------------------------------------------


def scaled_tanh(a, x, shift=0.0):
    return a * np.tanh(x + shift)


class Activations:
    def __init__(self):
        self.act = functools.partial(scaled_tanh, 2.0, shift=0.5)
        self.rule = np.sin
        self.mine = scaled_tanh

    def loss(self, x):
        return np.sum(self.act(x) + self.rule(x) + self.mine(1.5, x))


def through_layers(x, layers):
    """A function given a list of layer objects."""
    for layer in layers:
        x = layer.forward(x)
    return np.sum(layers[-1](x) ** 2)


def loss_of(model, x, y):
    """A function calling a method of the object it is given."""
    return model.loss(x, y)


# -- refused -----------------------------------------------------------------------------


class Caching:
    def __init__(self):
        self.W = np.ones(3)
        self.cache = None

    def hidden(self, x):
        h = np.tanh(self.W * x)
        self.cache = h
        return h

    def loss(self, x):
        return np.sum(self.hidden(x))


class PropertyNet:
    def __init__(self, layer):
        self._layer = layer

    @property
    def net(self):
        return self._layer

    def loss(self, x):
        return np.sum(self.net(x))


NET = Layer(np.linspace(-0.5, 0.5, 9).reshape(3, 3), np.linspace(0.1, 0.3, 3))  # a module-level callable object


def through_global_net(x):
    return np.sum(NET(x) ** 2)  # NET(x) runs type(NET).__call__
