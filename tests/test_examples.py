"""The committed examples/grad_*.py equal fresh output, import only what they
may, quote the user's lines, and compute correct gradients."""

import ast
import collections
import glob
import importlib
import os
import sys

import numpy as np
import pytest

from gradcheck import check_grad, check_tree_grad
from adgen import cli, gradient_files

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
GENERATED = sorted(glob.glob(os.path.join(EXAMPLES, "grad_*.py")))

Layer = collections.namedtuple("Layer", "W b")  # the examples read its fields by name, whatever the class

# inputs for running each example: file -> (function, argument builders)
INPUTS = {
    "rosenbrock": lambda r: [r.uniform(-1, 1, 5)],
    "cross_entropy": lambda r: [r.standard_normal(6), 2],
    "dense_tanh": lambda r: [r.standard_normal((3, 4)), r.standard_normal(3), r.standard_normal((5, 4)), r.standard_normal((5, 3))],
    "neg_log_likelihood": lambda r: [0.3, -0.2, r.standard_normal(7)],
    "ring_energy": lambda r: [r.standard_normal((6, 2)), 2.0, 0.5],
    "power_sum": lambda r: [1.3, 3],
    "landing_distance": lambda r: [r.uniform(8.0, 15.0), r.uniform(0.3, 1.2), r.uniform(0.01, 0.05)],
    "eccentric_anomaly": lambda r: [r.uniform(0.5, 3.0), r.uniform(0.1, 0.9)],
    "mlp_loss": lambda r: [
        {"W1": r.standard_normal((3, 5)), "b1": r.standard_normal(5), "W2": r.standard_normal((5, 2)), "b2": r.standard_normal(2)},
        r.standard_normal((4, 3)),
        r.standard_normal((4, 2)),
    ],
    "mlp_layers_loss": lambda r: [
        [Layer(r.standard_normal((3, 4)), r.standard_normal(4)), Layer(r.standard_normal((4, 2)), r.standard_normal(2))],
        r.standard_normal((5, 3)),
        r.standard_normal((5, 2)),
    ],
    "heat_energy": lambda r: [r.standard_normal(12), 0.2, 5],
    "friction_force": lambda r: [r.choice([-1.0, 1.0]) * r.choice([0.0005, 0.2, 1.5]), r.uniform(0.5, 2.0), 0.6, 0.4],
    "final_angle": lambda r: [r.uniform(-1.0, 1.0), r.uniform(5.0, 15.0), r.uniform(0.1, 0.5)],
    "gp_neg_log_marginal": lambda r: [r.uniform(-0.3, 0.3), r.uniform(-0.3, 0.3), r.uniform(-1.5, -0.5), r.uniform(-2.0, 2.0, (6, 2)), r.normal(0.0, 1.0, 6)],
    "logistic_loss": lambda r: [r.standard_normal(3), r.standard_normal((8, 3)), r.integers(0, 2, 8).astype(float), 0.7],
    "fit_loss": lambda r: [r.uniform(0.05, 0.3), r.uniform(0.8, 1.6), r.normal(0.0, 1.0, 2), np.linspace(0.0, 4.0, 9), r.normal(0.0, 1.0, 9)],
}


def test_there_are_enough_examples():
    assert len(GENERATED) >= 5


def _header(path):
    """(source relative to examples/, function, wrt names) from the generated file's header."""
    head = gradient_files.read_header(path)
    return head.rel, head.func, head.wrt if isinstance(head.wrt, tuple) else (head.wrt,)


@pytest.mark.parametrize("path", GENERATED, ids=os.path.basename)
def test_committed_output_is_fresh(path, capsys):
    assert cli.main(["emit", "--check", path]) == 0, capsys.readouterr()


@pytest.mark.parametrize("path", GENERATED, ids=os.path.basename)
def test_imports_only_numpy_runtime_and_the_users_module(path):
    src, _, _ = _header(path)
    user = os.path.splitext(os.path.basename(src))[0]
    tree = ast.parse(open(path).read())
    imported = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    assert imported <= {"numpy", "adgen.runtime", user}, imported


@pytest.mark.parametrize("path", GENERATED, ids=os.path.basename)
def test_line_comments_quote_the_source(path):
    src, _, _ = _header(path)
    source_lines = open(os.path.join(EXAMPLES, src)).read().splitlines()
    comments = [l.strip() for l in open(path) if l.strip().startswith("# line ")]
    assert comments
    for c in comments:
        number, text = c[len("# line ") :].split(": ", 1)
        assert source_lines[int(number) - 1].strip().startswith(text.rstrip(" ."))


@pytest.mark.parametrize("path", GENERATED, ids=os.path.basename)
def test_generated_gradient_is_correct(path):
    src, func, wrt = _header(path)
    sys.path.insert(0, EXAMPLES)
    try:
        user = importlib.import_module(os.path.splitext(src)[0])
        generated = importlib.import_module(os.path.splitext(os.path.basename(path))[0])
    finally:
        sys.path.remove(EXAMPLES)
    primal = getattr(user, func)
    gen = getattr(generated, f"value_and_grad_{func}")
    params = list(__import__("inspect").signature(primal).parameters)
    for seed in (0, 1):
        args = INPUTS[func](np.random.default_rng(seed))
        value, grads = gen(*args)
        assert value == pytest.approx(primal(*args))
        grads = grads if len(wrt) > 1 else (grads,)
        for name, g in zip(wrt, grads):
            i = params.index(name)
            (check_tree_grad if isinstance(args[i], (dict, list, tuple)) else check_grad)(primal, args, i, g)
