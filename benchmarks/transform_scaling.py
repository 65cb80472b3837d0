"""How the transform's cost grows with the size of the function, and of its file.

    python benchmarks/transform_scaling.py [--sizes 25,100,400,1300] [--repeats 3]

1. Functions of N statements (counted as ``ast.stmt`` nodes of the body, nested ones
   included) made of a fixed, deterministic mix of what scientific code does:
   elementwise NumPy arithmetic, matrix products, ``if``/``else`` on a reduction,
   ``for`` and data-dependent ``while`` loops, nested loops with branches, in-place
   stores into a new array, lists built in a loop, and calls of a helper of the same
   module. Each is written to a module file and transformed as the first ``grad``
   call does (``pipeline.transform`` of its ``Source``, specialised to the argument
   shapes), after one small warm-up transform so rule templates are already read.
   The time is CPU time (``time.process_time``: less sensitive to a busy machine than
   wall time), the best of ``--repeats``; the target is at most 1 ms per statement.
2. The same for functions whose every statement is one long expression of 14 operations
   (``a1 = np.tanh(a0 * w + np.sin(a0) * 0.5) - ...``), the worst case for a cost
   counted per statement: the transform's work grows with the operations, not the lines.
3. A file of 3,000 small functions: the time from ``source.load`` to the gradient of
   one of them (the rest of the file is not differentiated), and of a second one.
"""

import argparse
import ast
import importlib
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

_CACHE = tempfile.mkdtemp(prefix="adgen-bench-")
os.environ["ADGEN_CACHE_DIR"] = _CACHE

from adgen import pipeline, source  # noqa: E402

TARGET_MS_PER_STATEMENT = 1.0
SHAPES = {"x": (4,), "w": ()}

# One entry per kind of code; {i} is this step's result, {p} the previous one's.
KINDS = [
    "a{i} = np.sin(a{p}) * w + a{p} * {c}",
    "a{i} = a{p} @ M + np.tanh(a{p})",
    "if np.sum(a{p}) > {c}:\n    a{i} = a{p} * w\nelse:\n    a{i} = a{p} - w",
    "a{i} = a{p}\nfor k in range(3):\n    a{i} = a{i} * 0.5 + np.exp(-a{i} ** 2) * w",
    "a{i} = np.zeros(4)\na{i}[1:3] = a{p}[1:3] * w\na{i}[0] = np.sum(a{p})",
    "a{i} = np.maximum(a{p}, 0.0) + np.log1p(a{p} ** 2)",
    "t = np.sum(a{p} ** 2)\na{i} = a{p} / np.sqrt(t + 1.0)",
    "a{i} = a{p}\nn = 0\nwhile n < 3 and np.max(a{i}) < 1e6:\n    a{i} = a{i} + 0.1 * np.cos(a{i})\n    n = n + 1",
    "a{i} = a{p} * 1.0\nfor j in range(2):\n    for k in range(2):\n        if j == k:\n"
    "            a{i} = a{i} * w\n        else:\n            a{i} = a{i} + np.sin(a{i})",
    "xs = []\nfor k in range(3):\n    xs.append(a{p} * k)\na{i} = np.sum(np.array(xs), axis=0) + helper(a{p}, w)",
]

# One statement of 14 operations (calls, arithmetic, unary minus, power).
DENSE = "a{i} = np.tanh(a{p} * w + np.sin(a{p}) * 0.5) - np.exp(-a{p} ** 2) / (1.0 + a{p} ** 2) + np.log1p(np.abs(a{p})) * w"

HEADER = "import numpy as np\n\nM = np.eye(4) * 0.9\n\n\ndef helper(u, v):\n    return np.tanh(u) * v\n\n\n"


def program(size, kinds=KINDS):
    """The text of a function ``f(x, w)`` of about ``size`` statements of ``kinds``."""
    lines = ["def f(x, w):", "    a0 = x * w"]
    i = 1
    while statements("\n".join(lines)) < size:
        text = kinds[i % len(kinds)].format(i=i, p=i - 1, c=float(i % 5))
        lines += ["    " + line for line in text.split("\n")]
        i += 1
    lines.append(f"    return np.sum(a{i - 1})")
    return "\n".join(lines) + "\n"


def statements(text):
    """The statements of the (first) function in ``text``, nested ones included."""
    func = ast.parse(text + "\n    pass\n" if text.rstrip().endswith(":") else text).body[0]
    return sum(isinstance(n, ast.stmt) for n in ast.walk(func)) - 1


def load(folder, name, text):
    path = os.path.join(folder, name + ".py")
    with open(path, "w") as f:
        f.write(text)
    return importlib.import_module(name)


def best_seconds(fn, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def sizes_table(folder, sizes, repeats, kinds=KINDS, label="mix"):
    warm = load(folder, "warm_up", HEADER + program(10))
    pipeline.transform(source.load(warm.f), 0, arg_shapes=SHAPES)
    print(f"{label}:\n{'statements':>10}  {'transform s':>11}  {'ms/statement':>12}")
    worst = 0.0
    for size in sizes:
        text = program(size, kinds)
        module = load(folder, f"{label}_{size}", HEADER + text)
        count = statements(text)
        seconds = best_seconds(lambda: pipeline.transform(source.load(module.f), 0, arg_shapes=SHAPES), repeats)
        per = 1e3 * seconds / count
        worst = max(worst, per)
        print(f"{count:>10}  {seconds:>11.3f}  {per:>12.2f}")
    return worst


def big_file(folder, functions=3000):
    """Seconds to the first and to a second gradient of a function in a file of
    ``functions`` functions."""
    parts = [HEADER]
    for k in range(functions):
        parts.append(f"def g{k}(x, w):\n    y = np.sin(x) * w + {k}.0\n    return np.sum(y * y)\n\n\n")
    module = load(folder, "many_functions", "".join(parts))
    first = best_seconds(lambda: pipeline.transform(source.load(module.g1500), 0, arg_shapes=SHAPES), 1)
    second = best_seconds(lambda: pipeline.transform(source.load(module.g2999), 0, arg_shapes=SHAPES), 1)
    return first, second


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="25,100,400,1300", help="function sizes in statements, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="adgen-scaling-")
    sys.path.insert(0, folder)
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
        worst = sizes_table(folder, sizes, args.repeats)
        dense = sizes_table(folder, sizes[:2], args.repeats, [DENSE], "dense")
        first, second = big_file(folder)
    finally:
        sys.path.remove(folder)
        shutil.rmtree(folder, True)
        shutil.rmtree(_CACHE, True)
    print(f"a file of 3000 functions: first gradient {1e3 * first:.0f} ms, a second one {1e3 * second:.0f} ms")
    for label, ms in (("mix", worst), ("dense", dense)):
        verdict = "met" if ms <= TARGET_MS_PER_STATEMENT else "missed"
        print(f"{label}: worst {ms:.2f} ms per statement (target <= {TARGET_MS_PER_STATEMENT}): {verdict}")
    print(f"dense: {dense / 14:.3f} ms per operation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
