"""adgen's gradients on a GPU (CuPy) against the hand-written gradients on the same GPU.

    python benchmarks/gpu.py [--scales 1 8] [--rounds 5] [--only NAME]...

For every array workload of ``benchmarks/workloads.py`` (not the loops over numbers) at
each scale (``build(scale)``: 8 gives 8x the entries of the 1-D workloads):

- ``hand gpu``: the hand-written gradient with ``np`` bound to CuPy (the workloads'
  module run again with ``import cupy as np``);
- ``adgen gpu``: ``grad(primal)`` on CuPy arguments, the same generated module as on
  NumPy (``like=`` in the runtime puts its arrays on the GPU);
- ``adgen cpu``: ``grad(primal)`` on NumPy arguments.

Each time is the best of ``--rounds`` calls, each call followed by a device
synchronisation. Every GPU gradient is checked against the NumPy one (rtol 1e-9).
Targets (issue 19), reported: at 8x, adgen gpu / hand gpu <= 1.3, and adgen cpu /
adgen gpu >= 10 for mlp, rnn and big_vector. A workload that cannot run on CuPy (its
primal or its hand gradient calls SciPy, which takes NumPy arrays) gets the error in its
row. ``--library numpy`` runs the same code with NumPy in CuPy's place (a check of this
script on a machine without a GPU: its numbers say nothing of a GPU).
"""

import argparse
import importlib
import os
import sys
import time
import types

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from adgen import grad  # noqa: E402
from benchmarks import workloads  # noqa: E402

TARGET_RATIO = 1.3  # adgen on the GPU over the hand gradient on the GPU, at 8x
TARGET_SPEEDUP = 10.0  # adgen on the CPU over adgen on the GPU, at 8x
SPEEDUP_WORKLOADS = ("mlp", "rnn", "big_vector")


def rebound(library):
    """The workloads module run again with ``np`` bound to ``library`` (its hand gradients
    then make and compute on that library's arrays)."""
    path = os.path.join(ROOT, "benchmarks", "workloads.py")
    text = open(path).read().replace("import numpy as np\n", f"import {library.__name__} as np\n", 1)
    module = types.ModuleType("workloads_on_" + library.__name__)
    module.__file__ = path
    exec(compile(text, path, "exec"), module.__dict__)
    return module


def best_ms(call, sync, rounds):
    """The best time of ``rounds`` calls, each synchronised, in milliseconds."""
    call()
    sync()  # the first call: kernels compiled, memory pools filled
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        sync()
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


def to_host(value, library):
    return library.asnumpy(value) if hasattr(library, "asnumpy") else np.asarray(value)


def row(workload, scale, library, hands, sync, rounds):
    """The cells of one workload at one scale: times in ms and the two ratios."""
    args = workload.build(scale)
    on_device = tuple(library.asarray(a) if isinstance(a, np.ndarray) else a for a in args)
    gradient = grad(workload.primal, wrt=workload.wrt)
    cpu = best_ms(lambda: gradient(*args), lambda: None, rounds)
    want = gradient(*args)
    try:
        got = gradient(*on_device)
        for g, w in zip(got, want):
            np.testing.assert_allclose(to_host(g, library), w, rtol=1e-9, atol=1e-12)
        gpu = best_ms(lambda: gradient(*on_device), sync, rounds)
        hand = best_ms(lambda: hands[workload.name](*on_device), sync, rounds)
    except Exception as exc:  # noqa: BLE001 - a row reports why
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:70]}", "cpu": cpu}
    return {"hand": hand, "gpu": gpu, "cpu": cpu, "ratio": gpu / hand, "speedup": cpu / gpu}


def table(rows):
    lines = [f"{'workload':<12}{'scale':>6}{'hand gpu ms':>13}{'adgen gpu ms':>14}{'gpu/hand':>10}{'adgen cpu ms':>14}{'cpu/gpu':>9}"]
    for (name, scale), r in rows:
        if "error" in r:
            lines.append(f"{name:<12}{scale:>6g}{'':>27}{'':>10}{r['cpu']:>14.3f}   not on the GPU: {r['error']}")
        else:
            lines.append(f"{name:<12}{scale:>6g}{r['hand']:>13.3f}{r['gpu']:>14.3f}{r['ratio']:>10.2f}{r['cpu']:>14.3f}{r['speedup']:>9.1f}")
    return "\n".join(lines)


def missed(rows, top):
    """The targets missed at the largest scale."""
    out = []
    for (name, scale), r in rows:
        if scale != top or "error" in r:
            continue
        if r["ratio"] > TARGET_RATIO:
            out.append(f"{name}: adgen gpu / hand gpu {r['ratio']:.2f} > {TARGET_RATIO}")
        if name in SPEEDUP_WORKLOADS and r["speedup"] < TARGET_SPEEDUP:
            out.append(f"{name}: adgen cpu / adgen gpu {r['speedup']:.1f} < {TARGET_SPEEDUP:g}")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 8.0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--library", default="cupy", help="cupy (default), or numpy to check this script without a GPU")
    opts = parser.parse_args(argv)
    library = importlib.import_module(opts.library)
    sync = library.cuda.Device().synchronize if hasattr(library, "cuda") else (lambda: None)
    hand_module = rebound(library)
    hands = {w.name: getattr(hand_module, w.hand.__name__) for w in workloads.WORKLOADS}
    chosen = [w for w in workloads.WORKLOADS if not w.scalar and (not opts.only or w.name in opts.only)]
    rows = [((w.name, s), row(w, s, library, hands, sync, opts.rounds)) for w in chosen for s in opts.scales]
    print(f"{library.__name__} {library.__version__}; numpy {np.__version__}")
    print(table(rows))
    for line in missed(rows, max(opts.scales)):
        print("missed:", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
