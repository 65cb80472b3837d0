"""Run a large batch of random programs outside CI and summarise what happened.

    python tests/fuzz_batch.py [COUNT] [--start SEED] [--generator outside|inside]
                               [--focus alias|binding|rules] [--show N]

``outside``: ``programs_outside.py`` judged by ``fuzz_judge.judge`` (``--focus``: forms
that need that helper's fix of issue 12); ``inside``:
``programs.supported`` (``tests/test_fuzz.py``'s generator) judged the same way.
Prints the counts of checked, refused (by code), discarded (by reason) and failed
programs, and the first failures in full (``--show``). Exit status 1 if any failed.
"""

import argparse
import collections
import importlib.util
import os
import random
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
os.environ.setdefault("ADGEN_CACHE_DIR", tempfile.mkdtemp(prefix="adgen-fuzz-"))

import numpy as np  # noqa: E402

import programs  # noqa: E402
import programs_outside  # noqa: E402
from fuzz_judge import judge, judge_program  # noqa: E402


def load(folder, count, source):
    path = os.path.join(folder, f"batch_{count}.py")
    with open(path, "w") as fh:
        fh.write(source)
    spec = importlib.util.spec_from_file_location(f"batch_{count}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run(folder, n, generator, seed, focus=None):
    """``(outcome, source)`` of program ``seed``; raises on a failure."""
    rng = np.random.default_rng(seed)
    if generator == "outside":
        program = programs_outside.generate(random.Random(seed), focus)
        args = [rng.uniform(-1.0, 1.0, (2, 3)), rng.uniform(-1.0, 1.0, 3), int(rng.integers(0, 4))]
        return judge_program(load(folder, n, program.source), program, args), program.source
    source = programs.supported(random.Random(seed))
    args = [rng.uniform(-1.0, 1.0, 3), float(rng.uniform(-1.0, 1.0)), int(rng.integers(0, 4))]
    return judge(load(folder, n, source).f, args, (0, 1), set(), source), source


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=5000)
    parser.add_argument("--start", type=int, default=10**6)
    parser.add_argument("--generator", choices=["outside", "inside"], default="outside")
    parser.add_argument("--focus", choices=["alias", "binding", "rules"])
    parser.add_argument("--show", type=int, default=5)
    opts = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="adgen-batch-")
    sys.path.insert(0, folder)
    outcomes, reasons, failures = collections.Counter(), collections.Counter(), []
    for n, seed in enumerate(range(opts.start, opts.start + opts.count)):
        try:
            outcome, _ = run(folder, n, opts.generator, seed, opts.focus)
        except Exception as exc:  # noqa: BLE001 - every failure is reported
            outcomes["failed"] += 1
            kind = type(exc).__name__ + ": " + str(exc).splitlines()[0][:100]
            reasons["failed: " + kind] += 1
            failures.append((seed, traceback.format_exc()))
            continue
        outcomes[str(outcome)] += 1
        if outcome != "checked":
            reasons[f"{outcome}: {outcome.why}"] += 1
    print(f"{opts.count} programs ({opts.generator}, seeds {opts.start}..{opts.start + opts.count - 1}):")
    for key in ("checked", "refused", "discarded", "failed"):
        print(f"  {key:10} {outcomes[key]}")
    for reason, count in reasons.most_common():
        print(f"    {count:5}  {reason}")
    for seed, trace in failures[: opts.show]:
        print(f"\n--- seed {seed} ---\n{trace}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
