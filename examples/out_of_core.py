"""A gradient over an array larger than the memory it may use: the same generated module,
on Dask arrays, streamed chunk by chunk through a cluster whose workers have a memory
limit smaller than the data.

``loss`` is a ridge least-squares loss written for NumPy. Its data ``X`` (``rows`` x 50
float64 entries, 1.6 GB at the default 4 million rows) is a Dask array made chunk by
chunk from a seeded generator, never whole in memory; the two workers of a local
``dask.distributed`` cluster get ``memory`` each (400 MB: 0.8 GB in all, half of
``X``). ``grad(loss)`` returns a lazy Dask array at once; computing it reads each chunk
of ``X`` and frees it. The result is checked against the gradient NumPy gives on a slice
of the rows, and against the textbook formula on all of them.

Run it: ``python examples/out_of_core.py [rows] [memory per worker]``."""

import sys
import time

import numpy as np

from adgen import grad

COLS = 50
CHUNK = 100_000  # rows per chunk: 40 MB of X


def loss(w, X, y):
    r = X @ w - y
    return np.mean(r * r) + 1e-3 * np.sum(w * w)


def data(rows, seed=0):
    """``X`` (``rows`` x ``COLS``) and ``y = X w* + noise``, lazy, made chunk by chunk."""
    import dask.array as da

    rng = da.random.default_rng(seed)
    X = rng.standard_normal((rows, COLS), chunks=(CHUNK, COLS))
    y = X @ np.linspace(-1.0, 1.0, COLS) + 0.1 * rng.standard_normal(rows, chunks=CHUNK)
    return X, y


def textbook(w, X, y):
    """d loss / d w = 2 X^T (X w - y) / n + 2e-3 w."""
    return 2.0 * (X.T @ (X @ w - y)) / X.shape[0] + 2e-3 * w


def run(rows=4_000_000, memory="400MB"):
    """The gradient at ``w = 0.5`` over ``rows`` rows on a two-worker cluster of ``memory``
    each: ``(gradient, seconds, largest slice error, error against the formula)``."""
    import dask
    import dask.array as da
    from distributed import Client, LocalCluster

    X, y = data(rows)
    w = da.full(COLS, 0.5, chunks=COLS)
    dw = grad(loss)(w, X, y)  # lazy: a Dask array, nothing computed yet
    assert isinstance(dw, da.Array)

    with LocalCluster(n_workers=2, threads_per_worker=1, memory_limit=memory, dashboard_address=None) as cluster, Client(cluster):
        start = time.perf_counter()
        got, formula = dask.compute(dw, textbook(w, X, y))
        seconds = time.perf_counter() - start

        part = slice(0, 2 * CHUNK + 7)  # NumPy's gradient of the loss over these rows, and Dask's
        Xs, ys = dask.compute(X[part], y[part])
        on_numpy = grad(loss)(np.full(COLS, 0.5), Xs, ys)
        on_dask = grad(loss)(w, da.from_array(Xs, chunks=(CHUNK, COLS)), da.from_array(ys, chunks=CHUNK)).compute()
    return got, seconds, float(np.max(np.abs(on_dask - on_numpy))), float(np.max(np.abs(got - formula)))


if __name__ == "__main__":
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 4_000_000
    memory = sys.argv[2] if len(sys.argv) > 2 else "400MB"
    gradient, seconds, slice_error, formula_error = run(rows, memory)
    print(f"X: {rows:,} x {COLS} float64 = {rows * COLS * 8 / 1e9:.2f} GB; two workers of {memory} each")
    print(f"gradient computed in {seconds:.1f} s; first entries {np.round(gradient[:4], 6)}")
    print(f"on {2 * CHUNK + 7:,} rows, Dask vs NumPy: {slice_error:.1e}; all rows, vs the formula: {formula_error:.1e}")
