"""The first gradient of one function in a file of 3,000 functions, and a cached call.

Finding a function's source parses only its own lines (``transpiler/source.py``), so the
cost of a new gradient does not grow with the file; a cached ``grad(f)(x)`` checks what
the gradient baked in (``transpiler/guards.py``) in about a microsecond.

    python benchmarks/large_file.py
"""

import importlib
import os
import sys
import tempfile
import time
import timeit

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from adgen import api, grad, source  # noqa: E402

N = 3000


def main():
    folder = tempfile.mkdtemp()
    os.environ.setdefault("ADGEN_CACHE_DIR", os.path.join(folder, "cache"))
    with open(os.path.join(folder, "many_functions.py"), "w") as f:
        f.write("import numpy as np\n\n")
        for i in range(N):
            f.write(f"def f{i}(x, w):\n    y = np.tanh(w * x + {i}.0)\n    z = y * y\n    return np.sum(z + x)\n\n\n")
    sys.path.insert(0, folder)
    module = importlib.import_module("many_functions")
    x = np.ones(3)
    print(f"a file of {N} functions ({os.path.getsize(os.path.join(folder, 'many_functions.py')) // 1024} KiB)")
    for name in ("f10", "f1500", f"f{N - 10}"):
        fn = getattr(module, name)
        start = time.perf_counter()
        source.load(fn)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        grad(fn)(x, x)
        first = time.perf_counter() - start
        print(f"{name:>6}: source.load {loaded * 1e3:6.1f} ms   first grad(f)(x) {first * 1e3:6.1f} ms")
    fn = module.f10
    hit = min(timeit.repeat(lambda: api._compiled(fn, 0, ((3,), (3,))), number=20000, repeat=5)) / 20000
    print(f"cached gradient lookup (guards checked): {hit * 1e6:.2f} us")


if __name__ == "__main__":
    main()
