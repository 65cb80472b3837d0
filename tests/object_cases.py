"""Classes and helpers shared by the tests of objects as pytrees (test_object_arguments.py,
test_objects_built.py)."""

import collections
import copy
import dataclasses
import typing

import numpy as np

from gradcheck import tree_paths

Layer = collections.namedtuple("Layer", "W b")


class TypedLayer(typing.NamedTuple):
    W: np.ndarray
    b: np.ndarray
    name: str = "dense"


@dataclasses.dataclass
class Params:
    W: np.ndarray
    b: np.ndarray
    scale: float = 2.0
    steps: int = 3
    label: str = "p"


@dataclasses.dataclass(frozen=True)
class Frozen:
    w: np.ndarray
    c: float


@dataclasses.dataclass(slots=True)
class Slotted:
    w: np.ndarray
    c: float


INITS = []


@dataclasses.dataclass
class Checked:
    """``__post_init__`` counts and checks: the gradient must not run it."""

    sigma: float
    mu: np.ndarray

    def __post_init__(self):
        INITS.append(self)
        if self.sigma <= 0:
            raise ValueError("sigma must be positive")
        self.log_sigma = np.log(self.sigma)  # a derived attribute, held by the object


class Model:
    """A plain object: its attributes are whatever ``__init__`` stores."""

    def __init__(self, W, b, activation="tanh"):
        self.W = W
        self.b = b
        self.activation = activation


@dataclasses.dataclass
class Net:
    layers: list
    head: Params


def rng_arrays(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s) if s else float(rng.normal()) for s in shapes]


def snapshot(tree):
    return [(path, copy.deepcopy(leaf)) for path, leaf in tree_paths(tree)]


def assert_unchanged(tree, before):
    for (path, leaf), (p0, old) in zip(tree_paths(tree), before):
        assert path == p0
        assert np.array_equal(leaf, old) if isinstance(old, np.ndarray) else leaf == old


def assert_no_shared_memory(tree):
    arrays = [leaf for _, leaf in tree_paths(tree) if isinstance(leaf, np.ndarray)]
    for k, a in enumerate(arrays):
        assert all(not np.shares_memory(a, b) for b in arrays[:k])


def apply_layer(layer, x):
    return np.tanh(layer.W @ x + layer.b)


def affine(p, x):
    W, b = p.W, p.b
    return W @ x + b
