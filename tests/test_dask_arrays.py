"""The corpus on Dask arrays of two chunks along each axis: the gradient module runs
unchanged, its gradients are lazy Dask arrays (numbers stay numbers), and computing them
gives NumPy's gradient to 1e-12, with Dask's default scheduler and on a
``dask.distributed`` cluster of two worker processes (what a user's cluster runs).

Where the function itself cannot run on Dask arrays, its gradient must fail too, never
silently. Where the function computes eagerly (a SciPy call, a NumPy function Dask does
not have: Dask warns and computes), its gradient may too; elsewhere it must stay lazy.
"""

import os
import sys
import warnings

import numpy as np
import pytest

from backend_arrays import check_same, convert_arrays, gradient
from corpus import ids, indices
from gradcheck import check_grad
from test_array_backends import CASES, WORKLOADS, arguments

da = pytest.importorskip("dask.array")

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
EAGER = "is not implemented by Dask array"  # Dask's warning before it computes a NumPy function on NumPy arrays

# Dask cannot size what a boolean mask selects until it computes, nor store through it
UNKNOWN_SIZES = {"bool_mask"}


def chunked(a):
    """``a`` as a Dask array of two chunks along each axis longer than one."""
    return da.from_array(a, chunks=tuple(max(1, (n + 1) // 2) for n in a.shape))


def eager_calls(call):
    """What ``call()`` made Dask compute eagerly (its warnings), with its result."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return {str(w.message) for w in caught if EAGER in str(w.message)}, result


def check_on_dask(fn, args, wrt):
    expected = gradient(fn, args, wrt)
    lazy = convert_arrays(args, chunked)
    try:
        eager, value = eager_calls(lambda: fn(*convert_arrays(args, chunked)))  # its own arguments: it may change them
    except Exception:  # the function itself does not run on Dask arrays: nor may its gradient
        with pytest.raises(Exception):
            gradient(fn, lazy, wrt)
        return
    if not isinstance(value, da.Array):  # computed (a store into a NumPy array of its own computes what it stores)
        eager.add("the function's result")
    more, got = eager_calls(lambda: gradient(fn, lazy, wrt))
    assert more <= eager, f"the gradient computes eagerly where the function does not: {sorted(more - eager)}"
    if np.allclose(np.asarray(value), fn(*convert_arrays(args, np.copy)), rtol=1e-12, atol=1e-12):
        check_same(got, expected, (da.Array, np.ndarray) if eager else da.Array, lambda a: np.asarray(a))
        return
    # Dask computes another function (its np.linalg.cholesky gives the upper factor): the gradient is that function's
    for i, g in zip(indices(fn, wrt), got):
        check_grad(lambda *a: float(np.asarray(fn(*convert_arrays(a, chunked)))), args, i, np.asarray(g))


CASES_MARKED = [pytest.param(*c, marks=pytest.mark.xfail(strict=True, reason="Dask sizes a boolean mask's selection only when it computes"))
                if c[0].__name__ in UNKNOWN_SIZES else c for c in CASES]


@pytest.mark.parametrize("fn,builders,wrt", CASES_MARKED, ids=ids(CASES))
def test_corpus_on_dask_arrays(fn, builders, wrt):
    check_on_dask(fn, arguments(builders), wrt)


@pytest.mark.parametrize("workload", WORKLOADS, ids=[w.name for w in WORKLOADS])
def test_workload_on_dask_arrays(workload):
    check_on_dask(workload.primal, list(workload.build(0.01)), tuple(workload.wrt))  # small: rk4's np.array of entries computes every step


@pytest.fixture(scope="module")
def cluster():
    """A ``dask.distributed`` cluster of two worker processes, computing what is computed
    while the test runs."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        with distributed.Client(local) as client:
            yield client


@pytest.mark.parametrize("fn,builders,wrt", CASES_MARKED, ids=ids(CASES))
def test_corpus_on_a_cluster(cluster, fn, builders, wrt):
    check_on_dask(fn, arguments(builders), wrt)
    assert len(cluster.scheduler_info()["workers"]) == 2


def test_out_of_core_example():
    """examples/out_of_core.py, small: the gradient over chunked rows on a two-worker
    cluster equals NumPy's on a slice and the textbook formula on all rows."""
    pytest.importorskip("distributed")
    sys.path.insert(0, EXAMPLES)
    try:
        import out_of_core
    finally:
        sys.path.remove(EXAMPLES)
    gradient, seconds, slice_error, formula_error = out_of_core.run(rows=250_000, memory="1GB")
    assert gradient.shape == (out_of_core.COLS,) and isinstance(gradient, np.ndarray)
    assert slice_error < 1e-12 and formula_error < 1e-12
