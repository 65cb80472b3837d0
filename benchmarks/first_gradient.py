"""The first gradient in a new process, with and without the gradients kept on disk
(``transpiler/persist.py``).

A function of about 420 statements (``transform_scaling.program``) is written to a
module; new processes then import NumPy, import adgen and compute ``grad(f)(x, w)``,
each timing the three. The first process with a fresh cache folder transforms (and
keeps the gradient); the next ones load it. ``ADGEN_PERSIST=0`` gives today's cost
in every process.

    python benchmarks/first_gradient.py [--statements 420] [--runs 3]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

from transform_scaling import HEADER, program, statements  # noqa: E402

CHILD = """
import json, sys, time
start = time.perf_counter()
import numpy as np
numpy_done = time.perf_counter()
from adgen import grad, persist
adgen_done = time.perf_counter()
sys.path.insert(0, sys.argv[1])
import big
g = grad(big.f)(np.linspace(0.1, 0.4, 4), 0.7)
done = time.perf_counter()
print(json.dumps({"numpy": numpy_done - start, "adgen": adgen_done - numpy_done, "first": done - adgen_done, "loaded": persist.loads[0]}))
"""


def run(folder, persist):
    env = {**os.environ, "ADGEN_CACHE_DIR": os.path.join(folder, "cache"), "ADGEN_PERSIST": persist}
    env["PYTHONPATH"] = os.pathsep.join([ROOT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    done = subprocess.run([sys.executable, "-c", CHILD, folder], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=420)
    parser.add_argument("--runs", type=int, default=3, help="processes per configuration")
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="adgen-first-")
    try:
        text = program(args.statements)
        with open(os.path.join(folder, "big.py"), "w") as f:
            f.write(HEADER + text)
        print(f"f: {statements(text)} statements; times in ms (import numpy, import adgen, first grad(f)(x, w))")
        for label, persist in (("ADGEN_PERSIST=0", "0"), ("kept on disk", "1")):
            shutil.rmtree(os.path.join(folder, "cache"), True)
            for k in range(args.runs):
                r = run(folder, persist)
                how = "loaded" if r["loaded"] else "transformed"
                print(f"{label:>16} run {k + 1}: numpy {1e3 * r['numpy']:6.0f}  adgen {1e3 * r['adgen']:6.0f}  first gradient {1e3 * r['first']:7.0f}  ({how})")
    finally:
        shutil.rmtree(folder, True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
