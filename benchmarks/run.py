"""Benchmark adgen's gradients against hand-written NumPy gradients and other tools'.

    python benchmarks/run.py [--quick] [--only NAME]...

For every workload of ``benchmarks/workloads.py``:

1. checks: the hand gradient against finite differences of the primal, then adgen's
   gradient against the hand gradient (a failed check makes the exit status 1), then the
   gradient of each peer that is installed (``benchmarks/peers.py``: PyTorch eager and
   autograd, never dependencies); a peer that refuses the workload or differs from the
   hand gradient is noted in the row and not measured;
2. transform: the time ``pipeline.transform(source.load(f), wrt, arg_shapes)`` takes, the
   best of a few runs (adgen's own caches warm, nothing of this workload cached);
3. speed: the primal, the hand gradient, ``grad(f, wrt=...)`` called like a user calls
   it, the generated function that call runs (called directly, with the keyword
   arguments ``grad`` passes it) and the peers' gradients, timed in interleaved rounds
   (the order rotates each round). A ratio is the median over rounds of the ratio
   measured within one round, so the drifts of a busy machine cancel out; the times
   shown are the best per call over all rounds. "call us" is ``grad``'s time minus the
   generated function's: what calling through ``grad()`` costs (argument checks, the
   shape key, the cache lookup, packing the gradients). A fixed cost of a few
   microseconds is lost in the noise of longer calls: it is judged where a call takes
   under 0.1 ms, and measured there as the difference of the best times of many calls
   of each, alternated (the median of three such measurements); elsewhere, as the
   median over the rounds above.
   BLAS runs on one thread (unless you set ``OPENBLAS_NUM_THREADS`` and friends), and so
   does PyTorch;
4. memory: tracemalloc's peak during one call (NumPy reports its buffers to
   tracemalloc), adgen's over the hand gradient's;
5. lines: the body lines of the generated gradients over the hand-written ones'
   (``benchmarks/lines.py``).

Targets (issue 18), reported but not enforced: grad/hand <= 1.1 for the median over
workloads and <= 1.3 for each, transform <= 20 ms, memory <= 1.2x the hand gradient's,
call overhead <= 3 us (judged where a call takes under 0.1 ms: on a longer call a busy
machine's noise is larger), and adgen at least 20x faster than autograd on the loops
over numbers (the workloads marked ``scalar``). For each peer the summary names the
workloads where adgen is ahead of it (its grad/hand below the peer's).
A workload adgen cannot transform yet gets the error in its row.
"""

import argparse
import atexit
import functools
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

from adgen import TranspileError, api, grad, pipeline, shapes, source  # noqa: E402
from benchmarks import lines, peers, workloads  # noqa: E402

TARGET_MEDIAN = 1.1  # grad/hand, median over workloads
TARGET_RATIO = 1.3  # grad/hand, each workload
TARGET_TRANSFORM_MS = 20.0
TARGET_MEMORY = 1.2  # adgen peak / hand peak
TARGET_CALL_US = 3.0  # grad's time minus the generated function's, judged where a call
CALL_JUDGED_BELOW_MS = 0.1  # of grad takes less: on a longer one the noise is larger
TARGET_AUTOGRAD_SPEEDUP = 20.0  # autograd's time / adgen's, each workload marked ``scalar``

FD_TOLERANCE = 1e-6  # hand gradient vs finite differences (relative, along a direction)
MATCH_TOLERANCE = 1e-8  # other gradients vs the hand gradient: max |diff| / max |hand|

PEERS = ("torch", "autograd")  # the peers' columns, in this order (benchmarks/peers.py)


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
    notes: list = field(default_factory=list)  # why some columns are empty
    failed: bool = False  # a check of the hand gradient or of adgen's failed
    transform_ms: float = float("nan")
    best: dict = field(default_factory=dict)  # method -> best seconds per call
    ratios: dict = field(default_factory=dict)  # "a/b" -> median over rounds
    call_us: float = float("nan")  # grad's time minus the generated function's
    memory: float = float("nan")  # adgen peak / hand peak


# --- checks -------------------------------------------------------------------------------


def mismatch(got, want):
    """The largest of max |got - want| / max |want| over the gradients."""
    worst = 0.0
    for g, w in zip(got, want):
        scale = float(np.max(np.abs(w))) or 1.0
        worst = max(worst, float(np.max(np.abs(np.asarray(g) - w))) / scale)
    return worst


def checked(row, label, fn, args, want, peer=False):
    """Call ``fn`` and compare it with the hand gradient; False (and a note) if it raises
    or differs. Only adgen's failure fails the checks: a ``peer`` that cannot differentiate
    the workload (autograd on in-place stores) or differs is noted and left unmeasured."""
    try:
        err = mismatch(fn(*args), want)
    except Exception as exc:  # noqa: BLE001 - reported in the table
        err, detail = float("inf"), f"{type(exc).__name__}: {exc}".splitlines()[0]
        problem = f"{label} cannot differentiate it ({detail})"
    else:
        detail = f"max rel diff {err:.1e}"
        problem = f"{label} gradient differs from hand ({detail})"
    print(f"  {label} vs hand: {detail}")
    if err <= MATCH_TOLERANCE:
        return True
    row.failed = row.failed or not peer
    row.notes.append(problem)
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


def generated_call(gradient_fn, args):
    """The call of the generated function that ``gradient_fn(*args)`` makes, without
    arguments: the function ``GradFunction.__call__`` finds for these arguments, given them
    and the seed (None). The workloads' primals are module functions: no closure values."""
    gradient, generated = api._compiled(
        gradient_fn.primal, gradient_fn.wrt, api._shapes(args, {}), call=gradient_fn._call_spec(args, {}), args=args
    )
    return functools.partial(generated, *args, **{gradient.dout: None})


def interleaved(calls, settings):
    """Per-call seconds of each call (a function of no arguments) in each round, the calls
    interleaved. Each runs in batches of at least ``settings.batch_seconds``; their order
    rotates from one round to the next."""
    timers = {name: timeit.Timer(call) for name, call in calls.items()}
    number = {}
    for name, timer in timers.items():
        once = max(timer.timeit(1), 1e-7)
        number[name] = max(1, int(settings.batch_seconds / once))
    names = list(calls)
    seconds = {name: [] for name in names}
    for r in range(settings.rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            seconds[name].append(timers[name].timeit(number[name]) / number[name])
    return seconds


def peak_bytes(call):
    """tracemalloc's peak during one call of ``call``, above what was allocated before."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        call()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


# --- one workload -------------------------------------------------------------------------


def bench(workload, settings, peer_gradients):
    """Check, then measure, one workload. ``peer_gradients``: ``peers.installed()``'s makers."""
    print(f"{workload.name}: {workload.summary}")
    row = Row(workload.name)
    args = workload.build()
    want = workload.hand(*args)
    err = workloads.fd_error(workload, args, want)
    print(f"  hand vs finite differences: rel err {err:.1e}")
    if not err <= FD_TOLERANCE:
        row.failed = True
        row.notes.append(f"hand gradient disagrees with finite differences (rel err {err:.1e})")
        return row
    calls = {"primal": functools.partial(workload.primal, *args), "hand": functools.partial(workload.hand, *args)}
    try:
        row.transform_ms = transform_ms(workload, settings.transform_repeats)
    except Exception as exc:  # noqa: BLE001 - reported in the table
        row.notes.append("transform failed: " + describe(exc))
        print("  " + row.notes[-1])
    else:
        adgen = grad(workload.primal, wrt=workload.wrt)
        if checked(row, "adgen", adgen, args, want):
            calls["adgen"] = functools.partial(adgen, *args)
            calls["generated"] = generated_call(adgen, args)
    for name in PEERS:
        fn = peer_gradients[name](workload) if name in peer_gradients else None
        if fn is not None and checked(row, name, fn, args, want, peer=True):
            calls[name] = functools.partial(fn, *args)
    measure(row, calls, settings)
    return row


def measure(row, calls, settings):
    """Fill in the times, the ratios, the call overhead and the memory ratio of ``row``."""
    seconds = interleaved(calls, settings)
    row.best = {name: min(s) for name, s in seconds.items()}

    def ratio(a, b):
        if a in seconds and b in seconds:
            row.ratios[f"{a}/{b}"] = statistics.median(x / y for x, y in zip(seconds[a], seconds[b]))

    ratio("adgen", "hand")
    ratio("adgen", "primal")
    for name in PEERS:
        ratio(name, "hand")
        ratio(name, "adgen")
    if "adgen" in calls:
        if row.best["adgen"] < CALL_JUDGED_BELOW_MS / 1e3:
            row.call_us = _call_overhead(calls["adgen"], calls["generated"], row.best["adgen"])
        else:
            row.call_us = 1e6 * statistics.median(x - y for x, y in zip(seconds["adgen"], seconds["generated"]))
        row.memory = peak_bytes(calls["adgen"]) / peak_bytes(calls["hand"])


def _call_overhead(through_grad, generated, seconds, groups=3, repeats=8):
    """What a call through ``grad()`` costs over the generated function, in us, for a call
    of ``seconds`` short enough for it to show: in each of ``groups``, the best time of
    each over ``repeats`` runs of many calls, alternated, and their difference; the
    median of the groups' (one group a burst of other work slowed is left out)."""
    number = max(1, int(0.01 / seconds))
    found = []
    for _ in range(groups):
        best = [float("inf"), float("inf")]
        for _ in range(repeats):
            for k, fn in enumerate((through_grad, generated)):
                best[k] = min(best[k], timeit.timeit(fn, number=number) / number)
        found.append(best[0] - best[1])
    return 1e6 * statistics.median(found)


# --- report -------------------------------------------------------------------------------

COLUMNS = [
    "workload", "primal ms", "hand ms", "adgen ms", "grad/hand", "grad/primal", "call us",
    "transform ms", "mem adgen/hand", *(f"{name}/hand" for name in PEERS),
]


def _number(x, digits=2):
    return "-" if x is None or x != x else f"{x:.{digits}f}"


def _times(x):
    return "-" if x is None else f"{x:.1f}x"


def cells(row):
    ms = {name: 1e3 * s for name, s in row.best.items()}
    return [
        row.name,
        _number(ms.get("primal"), 3),
        _number(ms.get("hand"), 3),
        _number(ms.get("adgen"), 3),
        _number(row.ratios.get("adgen/hand")),
        _number(row.ratios.get("adgen/primal")),
        _number(row.call_us, 1),
        _number(row.transform_ms, 1),
        _number(row.memory),
        *(_number(row.ratios.get(f"{name}/hand")) for name in PEERS),
    ]


def table(rows):
    """The rows as aligned text; a row's notes follow it."""
    body = [cells(r) for r in rows]
    widths = [max(len(c[i]) for c in [COLUMNS] + body) for i in range(len(COLUMNS))]

    def line(values):
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))

    lines = [line(COLUMNS), line(["-" * w for w in widths])]
    for row, values in zip(rows, body):
        lines.append(line(values) + (f"  {'; '.join(row.notes)}" if row.notes else ""))
    return "\n".join(lines)


def missed_targets(rows):
    """Human-readable descriptions of every target a measured workload misses, and of the
    median grad/hand's."""
    missed = []
    for r in rows:
        ratio = r.ratios.get("adgen/hand")
        if ratio is not None and ratio > TARGET_RATIO:
            missed.append(f"{r.name} grad/hand {ratio:.2f} > {TARGET_RATIO}")
        if r.transform_ms > TARGET_TRANSFORM_MS:
            missed.append(f"{r.name} transform {r.transform_ms:.1f} ms > {TARGET_TRANSFORM_MS:.0f} ms")
        if r.memory > TARGET_MEMORY:
            missed.append(f"{r.name} memory {r.memory:.2f}x > {TARGET_MEMORY}x")
        if r.call_us > TARGET_CALL_US and r.best["adgen"] < CALL_JUDGED_BELOW_MS / 1e3:
            missed.append(f"{r.name} call overhead {r.call_us:.1f} us > {TARGET_CALL_US:.0f} us")
        speedup = r.ratios.get("autograd/adgen")
        if workloads.BY_NAME[r.name].scalar and speedup is not None and speedup < TARGET_AUTOGRAD_SPEEDUP:
            missed.append(f"{r.name} adgen vs autograd {speedup:.1f}x < {TARGET_AUTOGRAD_SPEEDUP:.0f}x")
    ratios = [r.ratios["adgen/hand"] for r in rows if "adgen/hand" in r.ratios]
    if ratios and statistics.median(ratios) > TARGET_MEDIAN:
        missed.append(f"median grad/hand {statistics.median(ratios):.2f} > {TARGET_MEDIAN}")
    return missed


def peer_lines(rows, name):
    """Where adgen is ahead of the peer ``name`` (its grad/hand below the peer's) and where
    behind; for autograd, adgen's speedup over it on the workloads marked ``scalar``."""
    both = [r for r in rows if "adgen/hand" in r.ratios and f"{name}/hand" in r.ratios]
    if not both:
        return [f"{name}: not measured"]
    ahead = [r.name for r in both if r.ratios["adgen/hand"] < r.ratios[f"{name}/hand"]]
    behind = [f"{r.name} ({r.ratios['adgen/hand']:.2f} vs {r.ratios[f'{name}/hand']:.2f})" for r in both if r.name not in ahead]
    lines = [f"{name}: adgen ahead on {len(ahead)} of {len(both)}: " + (", ".join(ahead) or "none")]
    if behind:
        lines.append(f"{name}: adgen behind (grad/hand vs {name}/hand) on " + ", ".join(behind))
    if name == "autograd":
        scalar = [r for r in rows if workloads.BY_NAME[r.name].scalar]
        speedups = ", ".join(f"{r.name} {_times(r.ratios.get('autograd/adgen'))}" for r in scalar)
        lines.append(f"autograd: adgen's speedup on the loops over numbers: {speedups} (target >= {TARGET_AUTOGRAD_SPEEDUP:.0f}x)")
    return lines


def summary(rows, peer_notes=()):
    """The median and worst grad/hand, the missed targets, the peers, the unmeasured
    workloads, the checks."""
    lines = []
    measured = [r for r in rows if "adgen/hand" in r.ratios]
    if measured:
        median = statistics.median(r.ratios["adgen/hand"] for r in measured)
        worst = max(measured, key=lambda r: r.ratios["adgen/hand"])
        lines.append(
            f"grad/hand: median {median:.2f} over {len(measured)} workload(s) (target <= {TARGET_MEDIAN}), "
            f"worst {worst.ratios['adgen/hand']:.2f} ({worst.name}; target <= {TARGET_RATIO})"
        )
    missed = missed_targets(rows)
    lines.append("targets missed:" + "".join(f"\n  {m}" for m in missed) if missed else "targets missed: none")
    for name in PEERS:
        lines.extend(peer_lines(rows, name))
    lines.extend(peer_notes)
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
    peer_gradients, peer_notes = peers.installed()
    rows = [bench(w, settings, peer_gradients) for w in chosen]
    print()
    print(table(rows))
    print()
    print(summary(rows, peer_notes))
    print()
    print(lines.table(lines.counts(opts.only)))
    return 1 if any(r.failed for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
