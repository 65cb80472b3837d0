"""Shape reads of a differentiated value (``W.shape[0]``, ``len(W)``, ``W.ndim``,
``np.shape(W)``, ``W.size``) carry no derivative: written inline anywhere (slice bounds
of loads and stores, indices, ``range``, keyword arguments, shapes of new arrays, loop
conditions), or first kept in a name, they make an ordinary integer, and the gradient
is right.

Random programs put random integer expressions made of such reads into random places;
each must match finite differences.
"""

import importlib.util
import itertools
import random
import sys
import warnings

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from gradcheck import check_grad
from adgen import grad
from adgen.errors import AdgenWarning

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
_modules = itertools.count()

# integer expressions of W's form; W is (4, 5): each lies in [0, 4]
READS = ["W.shape[0]", "len(W)", "W.ndim", "np.shape(W)[0]", "W.shape[-1] - 1", "W.size // 5", "np.ndim(W)", "n"]

# where an integer goes (k: an expression in [0, 4]); each program's value depends on W
PLACES = [
    "y = W[: {k}] * 2.0",
    "y = W[:, : {k}] ** 2",
    "y = W[{k} // 2 :, 1:]",
    "y = W[{k} - 1] * W[0]",
    "y = W * 1.0\n    y[: {k}] = W[: {k}] * 3.0",
    "y = W * 1.0\n    y[:, {k} // 2 :] += np.sin(W[:, {k} // 2 :])",
    "y = W * 1.0\n    y[{k} - 1, :] *= 2.0",
    "y = np.zeros(W.shape)\n    for i in range({k}):\n        y[i] = W[i] * (i + 1.0)",
    "y = np.roll(W, shift={k}, axis=W.ndim - 1) * W",
    "y = np.sum(W, axis={k} % 2, keepdims=True) * W",
    "y = np.reshape(W, ({k} + 1, -1) if {k} == 4 else (-1,)) ** 2",
    "y = np.ones(({k} + 1, W.shape[1])) * W[0]",
    "y = np.tile(W[0], ({k} + 1, 1)) * 2.0",
    "y = W * 1.0\n    j = 0\n    while j < {k}:\n        y = y * np.cos(W)\n        j = j + 1",
    "y = np.stack([W[i] * np.sum(W[i]) for i in range(max({k}, 1))])",
    "y = W[: max({k}, 1)] @ W[0]",
]


def _program(rng):
    k = rng.choice(READS)
    if rng.random() < 0.5:
        k = f"{k} + {rng.choice(READS)} - {rng.choice(READS)}"
        k = f"min(max({k}, 0), 4)"
    place = rng.choice(PLACES).format(k=k)
    return f"import numpy as np\n\n\ndef f(W):\n    n, m = W.shape\n    {place}\n    return np.sum(y * y) + np.sum(W * W) * 0.25\n"


def _load(tmp_path_factory, source):
    path = tmp_path_factory.mktemp("shapes") / f"shape_reads_{next(_modules)}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module.f


@FUZZ
@given(seed=st.integers(0, 2**32 - 1))
def test_shape_reads_anywhere_are_integers(tmp_path_factory, seed):
    source = _program(random.Random(seed))
    f = _load(tmp_path_factory, source)
    W = np.random.default_rng(seed).uniform(-1.0, 1.0, (4, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AdgenWarning)
        g = grad(f)(W)
    try:
        check_grad(f, [W], 0, g, rtol=1e-5, atol=1e-6)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nprogram:\n{source}") from None


def test_a_slice_bound_read_from_a_differentiated_shape():
    # the reviewer's case: the generated code did not parse (InternalError)
    def f(W, z):
        y = z * W[0, 0]
        return np.sum(y[:, : W.shape[0]]) + np.sum(z[:, : W.shape[0]] @ W)

    W, z = np.arange(12.0).reshape(3, 4) / 10.0, np.arange(30.0).reshape(5, 6) / 10.0
    gW = grad(f)(W, z)
    expected = np.zeros((3, 4))
    expected[0, 0] = np.sum(z[:, :3])  # d/dW00 of sum(z[:, :3] * W00)
    expected += np.sum(z[:, :3], axis=0)[:, None]  # d/dW of sum(z[:, :3] @ W)
    assert np.allclose(gW, expected)
