"""Benchmark adgen's gradients against hand-written NumPy gradients.

    python benchmarks/run.py [--quick] [--only NAME]...

For every workload of ``benchmarks/workloads.py``:

1. checks: the hand gradient against finite differences of the primal, then
   adgen's gradient (and autograd's, if installed) against the hand gradient;
   a failed check makes the exit status 1;
2. transform: the time ``pipeline.transform(source.load(f), wrt, arg_shapes)`` takes, the
   best of a few runs (adgen's own caches warm, nothing of this workload cached);
3. speed: the primal, the hand gradient, ``grad(f, wrt=...)`` called like a
   user calls it, and autograd's gradient, timed in interleaved rounds (the
   order rotates each round). A ratio is the median over rounds of the ratio
   measured within one round, so the drifts of a busy machine cancel out; the
   times shown are the best per call over all rounds;
   BLAS runs on one thread (unless you set ``OPENBLAS_NUM_THREADS`` and friends);
4. memory: tracemalloc's peak during one call (NumPy reports its buffers to
   tracemalloc), adgen's over the hand gradient's;
5. lines: the body lines of the generated gradients over the hand-written ones'
   (``benchmarks/lines.py``).

Targets, reported but not enforced: grad/hand <= 1.5 for each workload and
<= 1.2 for the median, transform <= 50 ms, memory <= 1.5x the hand gradient's.
A workload adgen cannot transform yet gets the error in its row.
"""

import argparse
import atexit
import gc
import inspect
import os
import shutil
import statistics
import sys
import tempfile
import time
import timeit
import tracemalloc
import types
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# Generated modules go to a fresh cache: nothing from an earlier run is reused.
_CACHE = tempfile.mkdtemp(prefix="adgen-bench-")
os.environ["ADGEN_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)

# One BLAS thread: on a small shared machine a multithreaded matmul competing with
# other processes turns into spikes of waiting that swamp the ratios.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from adgen import TranspileError, grad, pipeline, shapes, source  # noqa: E402
from benchmarks import lines, workloads  # noqa: E402

TARGET_RATIO = 1.5  # grad/hand, each workload
TARGET_MEDIAN = 1.2  # grad/hand, median over workloads
TARGET_TRANSFORM_MS = 50.0
TARGET_MEMORY = 1.5  # adgen peak / hand peak

FD_TOLERANCE = 1e-6  # hand gradient vs finite differences (relative, along a direction)
MATCH_TOLERANCE = 1e-8  # other gradients vs the hand gradient: max |diff| / max |hand|


@dataclass(frozen=True)
class Settings:
    rounds: int  # interleaved timing rounds
    batch_seconds: float  # each timed batch runs a method at least this long
    transform_repeats: int


FULL = Settings(rounds=15, batch_seconds=0.08, transform_repeats=5)
QUICK = Settings(rounds=3, batch_seconds=0.005, transform_repeats=1)


@dataclass
class Row:
    """The measurements of one workload (NaN where not measured)."""

    name: str
    note: str = ""  # why some columns are empty
    failed: bool = False  # a gradient check failed
    transform_ms: float = float("nan")
    best: dict = field(default_factory=dict)  # method -> best seconds per call
    ratios: dict = field(default_factory=dict)  # "a/b" -> median over rounds
    memory: float = float("nan")  # adgen peak / hand peak


# --- checks -------------------------------------------------------------------------------


def mismatch(got, want):
    """The largest of max |got - want| / max |want| over the gradients."""
    worst = 0.0
    for g, w in zip(got, want):
        scale = float(np.max(np.abs(w))) or 1.0
        worst = max(worst, float(np.max(np.abs(np.asarray(g) - w))) / scale)
    return worst


def checked(row, label, fn, args, want, may_refuse=False):
    """Call ``fn`` and compare it with the hand gradient; False (and a note) if it differs.
    ``may_refuse``: an exception (a peer that cannot differentiate the workload, e.g.
    autograd on in-place stores) is noted but does not fail the checks."""
    try:
        err = mismatch(fn(*args), want)
    except Exception as exc:  # noqa: BLE001 - reported in the table
        err, detail = float("inf"), f"{type(exc).__name__}: {exc}".splitlines()[0]
        if may_refuse:
            print(f"  {label} cannot: {detail}")
            row.note = f"{label} cannot differentiate it ({detail})"
            return False
    else:
        detail = f"max rel diff {err:.1e}"
    print(f"  {label} vs hand: {detail}")
    if err <= MATCH_TOLERANCE:
        return True
    row.failed = True
    row.note = f"{label} gradient differs from hand ({detail})"
    return False


# --- measurements -------------------------------------------------------------------------


def transform_ms(workload, repeats):
    """The best time of loading and transforming the primal, specialised to the
    benchmark arguments' shapes as the first call of ``grad`` does, in milliseconds."""
    params = list(inspect.signature(workload.primal).parameters)
    arg_shapes = dict(zip(params, map(shapes.of_argument, workload.build())))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        pipeline.transform(source.load(workload.primal), workload.wrt, arg_shapes=arg_shapes)
        best = min(best, time.perf_counter() - start)
    return 1e3 * best


def describe(exc):
    """One line for a failed transform: the codes and messages of its diagnostics."""
    if isinstance(exc, TranspileError):
        shown = [f"{d.code} {d.message} (line {d.line})" for d in exc.diagnostics[:2]]
        more = len(exc.diagnostics) - len(shown)
        return "; ".join(shown) + (f" (and {more} more)" if more else "")
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def interleaved(methods, args, settings):
    """Per-call seconds of each method in each round, methods interleaved.

    Each method runs in batches of at least ``settings.batch_seconds``; the
    order of the methods rotates from one round to the next.
    """
    timers = {name: timeit.Timer(lambda fn=fn: fn(*args)) for name, fn in methods.items()}
    number = {}
    for name, timer in timers.items():
        once = max(timer.timeit(1), 1e-7)
        number[name] = max(1, int(settings.batch_seconds / once))
    names = list(methods)
    seconds = {name: [] for name in names}
    for r in range(settings.rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            seconds[name].append(timers[name].timeit(number[name]) / number[name])
    return seconds


def peak_bytes(fn, args):
    """tracemalloc's peak during one call of ``fn``, above what was allocated before."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn(*args)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def autograd_gradient(workload):
    """autograd's gradient of the primal's own code with ``np`` bound to
    ``autograd.numpy``, or None when autograd is not installed."""
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return None
    fn = workload.primal
    rebound = types.FunctionType(fn.__code__, {**fn.__globals__, "np": anp}, fn.__name__, fn.__defaults__)
    return autograd.grad(rebound, argnum=workloads.argnums(workload))


# --- one workload -------------------------------------------------------------------------


def bench(workload, settings):
    """Check, then measure, one workload."""
    print(f"{workload.name}: {workload.summary}")
    row = Row(workload.name)
    args = workload.build()
    want = workload.hand(*args)
    err = workloads.fd_error(workload, args, want)
    print(f"  hand vs finite differences: rel err {err:.1e}")
    if not err <= FD_TOLERANCE:
        row.failed = True
        row.note = f"hand gradient disagrees with finite differences (rel err {err:.1e})"
        return row
    methods = {"primal": workload.primal, "hand": workload.hand}
    try:
        row.transform_ms = transform_ms(workload, settings.transform_repeats)
    except Exception as exc:  # noqa: BLE001 - reported in the table
        row.note = "transform failed: " + describe(exc)
        print("  " + row.note)
    else:
        adgen = grad(workload.primal, wrt=workload.wrt)
        if checked(row, "adgen", adgen, args, want):
            methods["adgen"] = adgen
    other = autograd_gradient(workload)
    if other is not None and checked(row, "autograd", other, args, want, may_refuse=True):
        methods["autograd"] = other
    measure(row, methods, args, settings)
    return row


def measure(row, methods, args, settings):
    """Fill in the times, the ratios and the memory ratio of ``row``."""
    seconds = interleaved(methods, args, settings)
    row.best = {name: min(s) for name, s in seconds.items()}
    for a, b in [("adgen", "hand"), ("adgen", "primal"), ("autograd", "hand")]:
        if a in seconds:
            row.ratios[f"{a}/{b}"] = statistics.median(x / y for x, y in zip(seconds[a], seconds[b]))
    if "adgen" in methods:
        row.memory = peak_bytes(methods["adgen"], args) / peak_bytes(methods["hand"], args)


# --- report -------------------------------------------------------------------------------

COLUMNS = [
    "workload", "primal ms", "hand ms", "adgen ms", "grad/hand", "grad/primal",
    "transform ms", "mem adgen/hand", "autograd/hand",
]


def _number(x, digits=2):
    return "-" if x is None or x != x else f"{x:.{digits}f}"


def cells(row):
    ms = {name: 1e3 * s for name, s in row.best.items()}
    return [
        row.name,
        _number(ms.get("primal"), 3),
        _number(ms.get("hand"), 3),
        _number(ms.get("adgen"), 3),
        _number(row.ratios.get("adgen/hand")),
        _number(row.ratios.get("adgen/primal")),
        _number(row.transform_ms, 1),
        _number(row.memory),
        _number(row.ratios.get("autograd/hand")),
    ]


def table(rows):
    """The rows as aligned text; a row's note follows it."""
    body = [cells(r) for r in rows]
    widths = [max(len(c[i]) for c in [COLUMNS] + body) for i in range(len(COLUMNS))]

    def line(values):
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))

    lines = [line(COLUMNS), line(["-" * w for w in widths])]
    for row, values in zip(rows, body):
        lines.append(line(values) + (f"  {row.note}" if row.note else ""))
    return "\n".join(lines)


def missed_targets(rows):
    """Human-readable descriptions of every target a measured workload misses."""
    missed = []
    for r in rows:
        ratio = r.ratios.get("adgen/hand")
        if ratio is not None and ratio > TARGET_RATIO:
            missed.append(f"{r.name} grad/hand {ratio:.2f} > {TARGET_RATIO}")
        if r.transform_ms > TARGET_TRANSFORM_MS:
            missed.append(f"{r.name} transform {r.transform_ms:.0f} ms > {TARGET_TRANSFORM_MS:.0f} ms")
        if r.memory > TARGET_MEMORY:
            missed.append(f"{r.name} memory {r.memory:.2f}x > {TARGET_MEMORY}x")
    return missed


def summary(rows):
    """The median grad/hand, the missed targets, the unmeasured workloads, the checks."""
    lines = []
    missed = missed_targets(rows)
    ratios = [r.ratios["adgen/hand"] for r in rows if "adgen/hand" in r.ratios]
    if ratios:
        median = statistics.median(ratios)
        lines.append(f"median grad/hand {median:.2f} over {len(ratios)} workload(s) (target <= {TARGET_MEDIAN})")
        if median > TARGET_MEDIAN:
            missed.append(f"median grad/hand {median:.2f} > {TARGET_MEDIAN}")
    lines.append("targets missed:" + "".join(f"\n  {m}" for m in missed) if missed else "targets missed: none")
    unmeasured = [r.name for r in rows if "adgen/hand" not in r.ratios]
    if unmeasured:
        lines.append("adgen not measured: " + ", ".join(unmeasured))
    failed = [r.name for r in rows if r.failed]
    lines.append("gradient checks: " + (f"FAILED for {', '.join(failed)}" if failed else "all passed"))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few short rounds (a smoke test, not a measurement)")
    parser.add_argument(
        "--only", action="append", choices=sorted(workloads.BY_NAME), metavar="NAME",
        help="run only this workload (repeatable): " + ", ".join(workloads.BY_NAME),
    )
    opts = parser.parse_args(argv)
    settings = QUICK if opts.quick else FULL
    chosen = [w for w in workloads.WORKLOADS if not opts.only or w.name in opts.only]
    rows = [bench(w, settings) for w in chosen]
    print()
    print(table(rows))
    print()
    print(summary(rows))
    print()
    print(lines.table(lines.counts(opts.only)))
    return 1 if any(r.failed for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
