"""The benchmarks' hand-written gradients are right (at small sizes), so the
runner's comparison of adgen against them means something."""

import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks import workloads  # noqa: E402

SMALL = 0.1  # the scale of the test inputs


@pytest.mark.parametrize("workload", workloads.WORKLOADS, ids=lambda w: w.name)
def test_hand_gradient_matches_finite_differences(workload):
    args = workload.build(SMALL)
    grads = workload.hand(*args)
    assert len(grads) == len(workload.wrt)
    for seed in range(2):
        assert workloads.fd_error(workload, args, grads, seed=seed) < 1e-6


@pytest.mark.parametrize("workload", workloads.WORKLOADS, ids=lambda w: w.name)
def test_gradients_have_their_arguments_shapes(workload):
    args = workload.build(SMALL)
    for i, g in zip(workloads.argnums(workload), workload.hand(*args)):
        assert np.shape(g) == np.shape(args[i])


def test_workloads_have_distinct_names_and_valid_wrt():
    assert len(workloads.BY_NAME) == len(workloads.WORKLOADS)
    for w in workloads.WORKLOADS:
        assert len(workloads.argnums(w)) == len(w.wrt)


@pytest.mark.parametrize("workload", workloads.WORKLOADS, ids=lambda w: w.name)
def test_adgen_gradient_equals_the_hand_gradient(workload):
    from adgen import grad

    args = workload.build(SMALL)
    ours = grad(workload.primal, wrt=workload.wrt)(*args)
    for g, h in zip(ours, workload.hand(*args)):
        np.testing.assert_allclose(g, h, rtol=1e-9, atol=1e-12)


def test_quick_run_reports_the_call_overhead():
    """The runner end to end on one small workload: the checks pass and the table has
    every column, the cost of calling through grad() among them."""
    done = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "run.py"), "--quick", "--only", "mlp_tiny"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("workload") and "call us" in line)
    cells = lines[head + 2].split()
    assert cells[0] == "mlp_tiny"
    float(cells[6])  # call us, the seventh column: measured


def test_body_lines_leave_out_docstrings_blanks_and_comments():
    from benchmarks import lines

    text = 'import numpy as np\n\n\ndef f(x):\n    """Doc\n    string."""\n    # a comment\n    y = (x +\n         1)\n\n    return y\n\n\ndef g(x):\n    return x\n'
    assert lines.body_lines(text) == 4  # y = (x +, 1), return y; return x


def test_lines_table_has_every_workload_and_the_totals():
    from benchmarks import lines

    rows = [lines.Count("a", 10, 15, 20), lines.Count("b", 2, 6, 4)]
    text = lines.table(rows)
    total = next(line for line in text.splitlines() if line.startswith("total"))
    assert total.split() == ["total", "12", "21", "1.75", "24", "2.00"]
    assert "worst specialised: b 3.00" in text


def test_gpu_runner_with_numpy_in_cupys_place(capsys):
    """benchmarks/gpu.py end to end, NumPy standing for CuPy (no GPU here): every array
    workload's gradient on the 'device' equals NumPy's, and the table has a row for each
    (the two that call SciPy's solvers run there too: NumPy is not a GPU)."""
    from benchmarks import gpu

    assert gpu.main(["--library", "numpy", "--scales", "0.05", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    names = [w.name for w in workloads.WORKLOADS if not w.scalar]
    rows = [line for line in out.splitlines() if line.split()[:1] and line.split()[0] in names]
    assert len(rows) == len(names) and not any("not on the GPU" in line for line in rows), out
