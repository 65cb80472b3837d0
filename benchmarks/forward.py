"""Forward mode and second order on the benchmark workloads (issue 17 point 6).

    python benchmarks/forward.py [--only NAME]... [--rounds N]

For every workload of ``benchmarks/workloads.py``, with respect to all of its ``wrt``
arguments at once and along a random direction: the primal, ``jvp`` (the value and
``J v``), ``grad`` and ``hvp`` (``H v``), called as a user calls them, timed in
interleaved rounds (the order rotating each round); a ratio is the median over rounds of
the ratio within one round. Before timing, ``J v`` is checked against ``<grad, v>`` and
``H v`` against the finite difference of the gradient along ``v``; a failed check, or a
workload forward mode or ``hvp`` refuses, is shown in its row.

For four workloads a forward-mode derivative written by hand (``HAND_JVP``: value and
tangent together, with the primal's NumPy operations) is timed in the same rounds and
checked against ``jvp``: the yardstick for what a forward pass can cost.

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

# Forward-mode derivatives written by hand with the primal's NumPy operations, value and
# tangent together (``(f(args), J v)``, ``v`` a tangent per ``wrt`` argument): the yardstick
# for ``jvp``, as the hand-written gradients are for ``grad``.


def _scalar_loop_jvp(args, v):
    x, w, steps = args
    dx, dw = v
    for t in range(steps):
        wx, c = w * x, np.cos(x)
        dx = dx + 0.01 * ((dw * x + w * dx) * np.cos(wx) - 0.1 * dx * (c - x * np.sin(x)))
        x = x + 0.01 * (np.sin(wx) - 0.1 * x * c)
    return x, dx


def _rnn_jvp(args, v):
    Wx, Wh, b, Wo, x, y = args
    dWx, dWh, db, dWo = v
    h = np.zeros((x.shape[1], Wh.shape[0]))
    dh = np.zeros_like(h)
    for t in range(x.shape[0]):
        h_next = np.tanh(x[t] @ Wx + h @ Wh + b)
        dh = (x[t] @ dWx + dh @ Wh + h @ dWh + db) * (1.0 - h_next * h_next)
        h = h_next
    e = h @ Wo - y
    return np.sum(e * e), 2.0 * np.sum(e * (dh @ Wo + h @ dWo))


def _big_vector_jvp(args, v):
    (x,), (dx,) = args, v
    e, inv = np.exp(x), 1.0 / (1.0 + x * x)
    q = e * np.sin(x) * inv
    return np.sum(q), np.sum(dx * (e * inv * np.cos(x) + q * (1.0 - 2.0 * x * inv)))


def _heat_jvp(args, v):
    u, r, steps = args
    du, dr = v
    for t in range(steps):
        lap = u[2:] - 2.0 * u[1:-1] + u[:-2]
        u_new, du_new = np.empty_like(u), np.empty_like(u)
        u_new[1:-1] = u[1:-1] + r * lap
        du_new[1:-1] = du[1:-1] + dr * lap + r * (du[2:] - 2.0 * du[1:-1] + du[:-2])
        u_new[0] = u_new[-1] = du_new[0] = du_new[-1] = 0.0
        u, du = u_new, du_new
    return np.sum(u * u), 2.0 * np.sum(u * du)


HAND_JVP = {"scalar_loop": _scalar_loop_jvp, "rnn": _rnn_jvp, "big_vector": _big_vector_jvp, "heat": _heat_jvp}


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
    calls = {"primal": lambda: w.primal(*args), "jvp": lambda: f_jvp(*args, v)}
    hand = HAND_JVP.get(w.name)
    if hand is not None:
        value, tangent = hand(args, v)
        ours = f_jvp(*args, v)
        if not (np.isclose(value, ours[0], rtol=1e-12) and np.isclose(tangent, ours[1], rtol=1e-9)):
            return f"{w.name:12s} WRONG: the hand-written jvp gives {tangent!r}, adgen's {ours[1]!r}"
        calls["hand"] = lambda: hand(args, v)
    ratio, best = _time(calls, rounds)
    second, best2 = _time({"grad": lambda: f_grad(*args), "hvp": lambda: f_hvp(*args, v)}, rounds)
    by_hand = f"{ratio['hand']:5.2f}" if hand is not None else "    -"
    return (f"{w.name:12s} primal {best['primal'] * 1e3:8.3f} ms  jvp/primal {ratio['jvp']:5.2f}  hand jvp/primal {by_hand}   "
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
