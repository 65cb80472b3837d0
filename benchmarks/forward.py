"""Forward mode and second order on the benchmark workloads (issue 17 point 6).

    python benchmarks/forward.py [--only NAME]... [--rounds N]

For every workload of ``benchmarks/workloads.py``, with respect to all of its ``wrt``
arguments at once and along a random direction: the primal, ``jvp`` (the value and
``J v``), ``grad`` and ``hvp`` (``H v``), called as a user calls them, timed in
interleaved rounds (the order rotating each round); a ratio is the median over rounds of
the ratio within one round. Before timing, ``J v`` is checked against ``<grad, v>`` and
``H v`` against the finite difference of the gradient along ``v``; a failed check, or a
workload forward mode or ``hvp`` refuses, is shown in its row.

Targets, reported but not enforced: jvp/primal <= 2, hvp/grad <= 4.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
_CACHE = tempfile.mkdtemp(prefix="adgen-bench-forward-")
os.environ["ADGEN_CACHE_DIR"] = _CACHE
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from adgen import TranspileError, grad, hvp, jvp  # noqa: E402
from benchmarks import workloads  # noqa: E402


def _directions(args, idx, rng):
    return tuple(rng.standard_normal(np.shape(args[i])) if np.ndim(args[i]) else float(rng.standard_normal()) for i in idx)


def _check(w, args, idx, v):
    """``None``, or why the forward or second-order result is wrong."""
    gradient = grad(w.primal, wrt=idx)(*args)
    _, tangent = jvp(w.primal, wrt=idx)(*args, v)
    expected = sum(float(np.sum(g * d)) for g, d in zip(gradient, v))
    if abs(tangent - expected) > 1e-7 * max(1.0, abs(expected)):
        return f"J v {tangent!r} != <grad, v> {expected!r}"
    h = 1e-6
    ahead, behind = list(args), list(args)
    for i, d in zip(idx, v):
        ahead[i], behind[i] = args[i] + h * d, args[i] - h * d
    fd = [(np.asarray(a) - np.asarray(b)) / (2 * h) for a, b in zip(grad(w.primal, wrt=idx)(*ahead), grad(w.primal, wrt=idx)(*behind))]
    got = hvp(w.primal, wrt=idx)(*args, v)
    worst = max(float(np.max(np.abs(np.asarray(g) - f))) / max(1.0, float(np.max(np.abs(f)))) for g, f in zip(got, fd))
    return None if worst < 1e-4 else f"H v off the finite difference by {worst:.2g}"


def _time(calls, rounds):
    """Median per-round ratios to the first call, and the best time of each."""
    best = {name: float("inf") for name in calls}
    ratios = {name: [] for name in calls}
    names = list(calls)
    for r in range(rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        took = {}
        for name in order:
            start = time.perf_counter()
            calls[name]()
            took[name] = time.perf_counter() - start
            best[name] = min(best[name], took[name])
        for name in names:
            ratios[name].append(took[name] / took[names[0]])
    return {name: statistics.median(rs) for name, rs in ratios.items()}, best


def row(w, rounds):
    args = w.build()
    idx = workloads.argnums(w)
    v = _directions(args, idx, np.random.default_rng(0))
    try:
        problem = _check(w, args, idx, v)
    except TranspileError as exc:
        return f"{w.name:12s} refused: {str(exc).splitlines()[0][:90]}"
    if problem:
        return f"{w.name:12s} WRONG: {problem}"
    f_jvp, f_grad, f_hvp = jvp(w.primal, wrt=idx), grad(w.primal, wrt=idx), hvp(w.primal, wrt=idx)
    ratio, best = _time({"primal": lambda: w.primal(*args), "jvp": lambda: f_jvp(*args, v)}, rounds)
    second, best2 = _time({"grad": lambda: f_grad(*args), "hvp": lambda: f_hvp(*args, v)}, rounds)
    return (f"{w.name:12s} primal {best['primal'] * 1e3:8.3f} ms  jvp/primal {ratio['jvp']:5.2f}   "
            f"grad {best2['grad'] * 1e3:8.3f} ms  hvp/grad {second['hvp']:5.2f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", help="run only this workload (repeatable)")
    parser.add_argument("--rounds", type=int, default=15)
    opts = parser.parse_args(argv)
    chosen = [w for w in workloads.WORKLOADS if not opts.only or w.name in opts.only]
    try:
        for w in chosen:
            print(row(w, opts.rounds), flush=True)
    finally:
        shutil.rmtree(_CACHE, True)
    print("targets: jvp/primal <= 2, hvp/grad <= 4")


if __name__ == "__main__":
    main()
