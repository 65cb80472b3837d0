"""The corpus on arrays of other libraries: the gradient module runs unchanged on them,
gives gradients of their library, and the numbers NumPy's gradient gives (to 1e-12).

- the duck array of ``tests/duck.py``, which behaves as CuPy's arrays do and refuses to
  become a NumPy array, so anything in the runtime or generated code that would break
  on a GPU fails here, on a CPU. Where the function itself makes NumPy arrays
  (``np.zeros(n)`` mixed with its argument), it fails on CuPy too: so must its gradient,
  loudly, never by converting.
- Dask arrays of two chunks per axis: ``tests/test_dask_arrays.py``.
"""

import inspect
import os
import sys

import numpy as np
import pytest

import corpus_aliasing
import corpus_calls
import corpus_containers
import corpus_control
import corpus_inplace
import corpus_public_libraries
import corpus_straight
import forward_cases
from backend_arrays import check_same, convert_arrays, gradient
from corpus import ids
from adgen import jvp
from duck import ConvertedError, Duck, unduck

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.workloads import WORKLOADS  # noqa: E402

CORPORA = (corpus_straight, corpus_calls, corpus_containers, corpus_control, corpus_inplace, corpus_public_libraries, corpus_aliasing)
CASES = [c for m in CORPORA for c in m.CASES if c[1]]


def arguments(builders, seed=0):
    rng = np.random.default_rng(seed)
    return [b(rng) for b in builders]


# the cotangent of float(x) for a 0-d array x of another library is a Python number, which a
# sum's backward broadcasts with NumPy (``_rt.expand`` knows the shape, not the library)
NUMPY_COTANGENT = {"annotated"}


def _marked(cases, gaps, reason):
    return [pytest.param(*c, marks=pytest.mark.xfail(strict=True, reason=reason)) if c[0].__name__ in gaps else c for c in cases]


@pytest.mark.parametrize("fn,builders,wrt", _marked(CASES, NUMPY_COTANGENT, "float() of a 0-d array of another library"), ids=ids(CASES))
def test_corpus_on_duck_arrays(fn, builders, wrt):
    args = arguments(builders)
    expected = gradient(fn, args, wrt)
    ducks = convert_arrays(args, Duck)
    try:
        fn(*convert_arrays(args, Duck))
    except ConvertedError:  # the function itself makes NumPy arrays, which CuPy would refuse
        with pytest.raises(ConvertedError):
            gradient(fn, ducks, wrt)
        return
    check_same(gradient(fn, ducks, wrt), expected, Duck, unduck)


@pytest.mark.parametrize("workload", WORKLOADS, ids=[w.name for w in WORKLOADS])
def test_workload_on_duck_arrays(workload):
    test_corpus_on_duck_arrays(workload.primal, [lambda _, a=a: a for a in workload.build(0.1)], tuple(workload.wrt))


# functions written for any array library: the arrays they make are made like an argument
def lorenz_like(state, sigma):
    x, y, z = state
    return np.sum(np.array([sigma * (y - x), x * (28.0 - z) - y, x * y - 2.5 * z], like=state) ** 2)


def recurrence_like(x, W):
    h = np.zeros((x.shape[0], W.shape[1]), like=x)
    for _ in range(3):
        h = np.tanh(x @ W + h @ np.eye(W.shape[1], like=x))
    return np.sum(h * h)


LIKE = [(lorenz_like, (np.array([0.3, -0.5, 1.2]), 1.7)), (recurrence_like, (np.linspace(-1, 1, 6).reshape(2, 3), np.linspace(0.5, -0.5, 12).reshape(3, 4)))]


@pytest.mark.parametrize("fn,args", LIKE, ids=[f.__name__ for f, _ in LIKE])
def test_arrays_made_like_an_argument(fn, args):
    """``like=`` picks the library of an array a function makes: differentiated in both modes
    (finite differences), and on duck arrays the gradient is the duck's, the same numbers."""
    from gradcheck import check_grad, directional

    grads = gradient(fn, list(args), (0, 1))
    for i, g in enumerate(grads):
        check_grad(fn, list(args), i, g)
    v = np.linspace(0.2, -0.3, np.size(args[0])).reshape(np.shape(args[0]))
    _, tangent = jvp(fn, wrt=0)(*args, v)
    assert np.isclose(tangent, directional(fn, list(args), 0, v), rtol=1e-6)
    check_same(gradient(fn, convert_arrays(list(args), Duck), (0, 1)), grads, Duck, unduck)


# --- forward mode ---------------------------------------------------------------------

FORWARD = forward_cases.cases()


def _tangent_on_ducks(fn, args, wrt):
    """``jvp`` of ``fn`` on ducks equals it on NumPy's arrays, its tangent a duck where
    NumPy's is an array; where the function itself makes NumPy arrays its tangent fails."""
    names = wrt if isinstance(wrt, tuple) else (wrt,)
    rng = np.random.default_rng(3)
    v = tuple(rng.standard_normal(np.shape(args[i])) if np.ndim(args[i]) else float(rng.standard_normal()) for i in names)
    given = v if isinstance(wrt, tuple) else v[0]
    _, expected = jvp(fn, wrt=wrt)(*args, given)
    ducks = convert_arrays(list(args), Duck)
    try:
        fn(*convert_arrays(list(args), Duck))
    except ConvertedError:
        with pytest.raises(ConvertedError):
            jvp(fn, wrt=wrt)(*ducks, convert_arrays(given, Duck))
        return
    _, got = jvp(fn, wrt=wrt)(*ducks, convert_arrays(given, Duck))
    check_same(got, expected, Duck, unduck)


@pytest.mark.parametrize("fn, args, wrt", FORWARD, ids=[f"{c[0].__name__}{k}" for k, c in enumerate(FORWARD)])
def test_forward_cases_on_duck_arrays(fn, args, wrt):
    _tangent_on_ducks(fn, args, wrt)


@pytest.mark.parametrize("workload", WORKLOADS, ids=[w.name for w in WORKLOADS])
def test_workload_tangent_on_duck_arrays(workload):
    args = workload.build(0.05)
    _tangent_on_ducks(workload.primal, args, list(inspect.signature(workload.primal).parameters).index(workload.wrt[0]))
