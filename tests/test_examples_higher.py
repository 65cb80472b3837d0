"""The examples of second derivatives and Jacobians (issue 17 point 5): the committed
Hessian-vector product module (``emit --mode hvp``) and tangent module (``--mode
forward``) equal fresh output, import only what they may, quote their own lines, and give
the hand-derived Hessian and Jacobian; the Newton-CG and Gauss-Newton fits built on them
reach the optimum another method finds."""

import ast
import importlib
import os
import sys

import numpy as np
import pytest
from scipy.optimize import least_squares, minimize

from adgen import cli

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
FILES = ["hvp_logistic.py", "jvp_decay.py"]


@pytest.fixture(scope="module")
def examples():
    sys.path.insert(0, EXAMPLES)
    try:
        yield lambda name: importlib.import_module(name)
    finally:
        sys.path.remove(EXAMPLES)


@pytest.mark.parametrize("name", FILES)
def test_committed_output_is_fresh(name, capsys):
    assert cli.main(["emit", "--check", os.path.join(EXAMPLES, name)]) == 0, capsys.readouterr()


@pytest.mark.parametrize("name", FILES)
def test_imports_only_numpy_and_the_runtime(name):
    tree = ast.parse(open(os.path.join(EXAMPLES, name)).read())
    imported = {a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in tree.body if isinstance(n, ast.ImportFrom)}
    assert imported == {"numpy", "adgen.runtime"}


def test_the_hvp_module_quotes_its_own_lines():
    lines = open(os.path.join(EXAMPLES, "hvp_logistic.py")).read().splitlines()
    comments = [line.strip()[len("# line "):] for line in lines if line.strip().startswith("# line ")]
    assert len(comments) >= 4
    for comment in comments:
        number, text = comment.split(": ", 1)
        assert lines[int(number) - 1].strip() == text


def _logistic_hessian(w, X, alpha):
    s = 1.0 / (1.0 + np.exp(-(X @ w)))
    return X.T @ (X * (s * (1.0 - s))[:, None]) + alpha * np.eye(len(w))


def test_the_hvp_module_gives_the_hessian_times_a_vector(examples):
    hvp = examples("hvp_logistic")
    rng = np.random.default_rng(4)
    X, w, v = rng.standard_normal((30, 4)), rng.standard_normal(4), rng.standard_normal(4)
    y = rng.integers(0, 2, 30).astype(float)
    value, product = hvp.value_and_grad_directional_logistic_loss(w, X, y, 0.3, v)
    np.testing.assert_allclose(product, _logistic_hessian(w, X, 0.3) @ v, rtol=1e-12, atol=1e-12)
    s = 1.0 / (1.0 + np.exp(-(X @ w)))
    assert value == pytest.approx((X.T @ (s - y) + 0.3 * w) @ v, rel=1e-12)  # the derivative along v


def test_newton_cg_reaches_the_optimum_bfgs_finds(examples):
    newton = examples("newton_cg")
    X, y = newton.data(n=120, d=4, seed=2)
    w, result = newton.fit(X, y, alpha=0.5)
    assert result.success and result.nhev > 0

    def hand_gradient(w):
        return X.T @ (1.0 / (1.0 + np.exp(-(X @ w))) - y) + 0.5 * w

    other = minimize(newton.logistic_loss, np.zeros(4), args=(X, y, 0.5), jac=lambda w, *a: hand_gradient(w), method="BFGS", options={"gtol": 1e-10})
    np.testing.assert_allclose(w, other.x, rtol=1e-6, atol=1e-7)
    assert np.max(np.abs(hand_gradient(w))) < 1e-8


def test_the_tangent_module_gives_the_jacobian(examples):
    gauss = examples("gauss_newton")
    t, observed, _ = gauss.data(seed=3)
    p = np.array([1.1, 0.7, -0.4, 0.25])
    r, J = gauss.jacobian(p, t, observed)
    hand = np.stack([np.exp(-p[1] * t), -p[0] * t * np.exp(-p[1] * t), np.exp(-p[3] * t), -p[2] * t * np.exp(-p[3] * t)], axis=1)
    np.testing.assert_allclose(J, hand, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(r, examples("decay").residuals(p, t, observed), rtol=1e-14, atol=1e-14)


def test_gauss_newton_reaches_the_least_squares_solution(examples):
    gauss = examples("gauss_newton")
    t, observed, truth = gauss.data(seed=5)
    start = np.array([1.5, 1.0, 0.8, 0.3])
    p, steps = gauss.fit(start, t, observed)
    other = least_squares(examples("decay").residuals, start, args=(t, observed), xtol=1e-15, ftol=1e-15, gtol=1e-15)
    assert steps < 50
    np.testing.assert_allclose(p, other.x, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(p, truth, atol=0.05)
