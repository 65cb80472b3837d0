"""Shape specialisation: static shapes, what they remove from generated code, and
that a specialised gradient is right for its shapes and refuses others."""

import ast
import copy
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from adgen import runtime
from gradcheck import check_grad
from test_control import tapes  # noqa: F401  (a fixture)
from adgen import api, grad, shapes, source
from adgen.errors import Diagnostics
from adgen.names import Names
from adgen.resolve import Resolver

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _infer(fn, known):
    src = source.load(fn)
    body = copy.deepcopy(src.func.body)  # ``qualify`` rewrites it: the loaded source stays as it is
    params = [a.arg for a in src.func.args.args]
    resolver = Resolver(src, Names(set()), Diagnostics(src))
    resolver.qualify(body, set(params))
    return shapes.Shapes(body, params, known, resolver)


def shaped(x, W, b, n):
    h = np.tanh(W @ x + b)
    s = np.sum(h, axis=0, keepdims=True)
    t = 0.0
    for i in range(n):
        t = t + np.max(h * 2.0)
    grow = x
    for i in range(n):
        grow = np.concatenate([grow, x])
    return np.sum(s) + t + np.sum(grow)


def test_shapes_follow_broadcasting_matmul_reductions_and_loops():
    found = _infer(shaped, {"x": (3,), "W": (4, 3), "b": (4,), "n": ()})
    assert found.names["h"] == (4,)
    assert found.names["s"] == (1,)
    assert found.names["t"] == ()
    assert found.names["i"] == ()
    assert found.names["grow"] is None  # its shape changes in the loop
    unknown = _infer(shaped, {})
    assert unknown.names["h"] is None and unknown.names["s"] is None
    assert unknown.names["t"] == ()  # a sum over every axis is a scalar whatever its input


@pytest.mark.parametrize("source, target, expected", [
    ((4, 3), (3,), "np.sum(g, axis=0)"),
    ((4, 3), (4, 1), "np.sum(g, axis=1, keepdims=True)"),
    ((2, 4, 3), (1, 3), "np.sum(np.sum(g, axis=0), axis=0, keepdims=True)"),
    ((4, 3), (), "np.sum(g)"),
    ((4, 3), (5,), None),
])
def test_reduction_sums_exactly_the_broadcast_axes(source, target, expected):
    found = shapes.reduction(ast.Name(id="g", ctx=ast.Load()), source, target)
    assert (ast.unparse(found) if found is not None else None) == expected
    if expected is not None:
        g = np.arange(np.prod(source), dtype=float).reshape(source)
        value = eval(expected, {"np": np, "g": g})
        assert value.shape == target or np.shape(value) == target
        assert np.isclose(np.sum(value), np.sum(g))


def layer(W, b, x):
    return np.sum(np.tanh(W @ x + b) * x[0])


@pytest.mark.parametrize("b_shape", [(), (1,), (5,)])
def test_each_shape_gets_its_own_correct_gradient(b_shape):
    rng = np.random.default_rng(len(b_shape) + sum(b_shape))
    W, x = rng.standard_normal((5, 3)), rng.standard_normal(3)
    b = rng.standard_normal(b_shape) if b_shape else 0.3
    g = grad(layer, wrt=(0, 1))
    gW, gb = g(W, b, x)
    check_grad(layer, (W, b, x), 0, gW)
    check_grad(layer, (W, b, x), 1, gb)


def test_specialised_code_sums_where_general_code_unbroadcasts():
    W, b, x = np.ones((5, 3)), np.ones(5), np.ones(3)
    g = grad(layer, wrt=(0, 1))
    special, general = g.source_for(W, 0.5, x), g.source
    assert "_rt.real_args((W, b, x), 'W, b, x', ((5, 3), (), (3,)))\n" in special
    assert "_g1.sum()" in special and "_rt.unbroadcast(_g1, b)" in general  # an array summed by its method (array_methods.py)
    assert "_rt.real_args((W, b, x), 'W, b, x')\n" in general
    assert "_db = _g1\n" in g.source_for(W, b, x)  # b already has the result's shape


def test_many_shapes_fall_back_to_the_general_gradient(monkeypatch):
    monkeypatch.setattr(api, "MAX_SPECIALISATIONS", 2)

    def total(x):
        return np.sum(x * x)

    g = grad(total)
    for n in range(1, 6):
        x = np.arange(n, dtype=float)
        assert np.allclose(g(x), 2 * x)
    base = [k for k in api._MEMO if k[0][0] is total.__code__]
    assert sorted(k[1] for k in base) == [(), ((1,),), ((2,),)]


def test_an_emitted_specialisation_refuses_other_shapes(tmp_path):
    (tmp_path / "model.py").write_text(textwrap.dedent("""
        import numpy as np

        def loss(W, b):
            return np.sum(np.tanh(W + b))
    """))
    cmd = [sys.executable, "-m", "adgen", "emit", "model.py:loss", "--wrt", "W,b",
           "--shape", "W=4x3", "--shape", "b=3", "-o", "grad_model.py"]
    env = dict(os.environ, PYTHONPATH=ROOT)
    subprocess.run(cmd, cwd=tmp_path, check=True, env=env)
    check = subprocess.run([sys.executable, "-m", "adgen", "emit", "--check", "grad_model.py"],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        import grad_model
    finally:
        sys.path.remove(str(tmp_path))
    W, b = np.ones((4, 3)), np.zeros(3)
    _, (gW, gb) = grad_model.value_and_grad_loss(W, b)
    assert np.allclose(gb, 4 * (1 - np.tanh(1.0) ** 2))
    with pytest.raises(runtime.GradientError, match="AD403"):
        grad_model.value_and_grad_loss(W, np.zeros((4, 3)))


def big(x):
    return np.sum(np.exp(x) * np.sin(x) / (1.0 + x ** 2))


def test_large_temporaries_are_freed_after_their_last_use():
    x = np.linspace(-1, 1, shapes.LARGE)
    g = grad(big)
    text = g.source_for(x)
    freed = re.compile(r"^ *del .*\b_t\d", re.M)  # a forward temporary deleted
    assert freed.search(text) and not freed.search(g.source)
    small = np.linspace(-1, 1, 7)
    check_grad(big, (small,), 0, g(small))
    check_grad(big, (x,), 0, g(x))  # random directions at this size


def springs(q, k, L, steps):
    for t in range(steps):
        d = np.roll(q, -1) - q
        r = np.abs(d) + 1.0
        f = k * (r - L) * d / r
        q = q + 0.01 * f
    return np.sum(q * q)


def test_a_quotient_the_backward_can_recompute_is_not_recorded(tapes):  # noqa: F811
    rng = np.random.default_rng(0)
    q = rng.standard_normal(6)
    gq, gk = grad(springs, wrt=(0, 1))(q, 3.0, 0.5, 5)
    pushed = [v for tape in tapes for v in tape.pushed]
    assert len(pushed) == 10  # d and r per step, not f
    check_grad(springs, (q, 3.0, 0.5, 5), 0, gq)
    check_grad(springs, (q, 3.0, 0.5, 5), 1, gk)


def _lorenz(state, sigma, rho, beta):
    x, y, z = state
    return np.array([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])


def _rk4_step(state, dt, sigma, rho, beta):
    k1 = _lorenz(state, sigma, rho, beta)
    k2 = _lorenz(state + 0.5 * dt * k1, sigma, rho, beta)
    return state + dt / 2.0 * (k1 + k2)


def _integrated(state, sigma, rho, beta, dt, steps):
    for _ in range(steps):
        state = _rk4_step(state, dt, sigma, rho, beta)
    return np.sum(state ** 2)


def _countdown(x, n):
    return np.sum(x) if n == 0 else _countdown(x[1:] * 2.0, n - 1) + x[0]


def test_the_shape_a_function_of_yours_returns_is_known_and_its_callees_specialised():
    """The state's shape survives ``state = _rk4_step(...)``: the callees return (3,), so
    the gradient and its callees need no unbroadcast; recursion stays unknown."""
    inferred = _infer(_integrated, {"state": (3,), "sigma": (), "rho": (), "beta": (), "dt": (), "steps": ()})
    assert inferred.names["state"] == (3,)
    args = (np.array([1.0, 1.1, 0.9]), 10.0, 28.0, 8.0 / 3.0, 0.01, 5)
    text = grad(_integrated, wrt=(0, 1)).source_for(*args)
    assert "unbroadcast" not in text and "sum_to" not in text
    g = grad(_integrated, wrt=(0, 1))(*args)
    check_grad(lambda s: _integrated(s, *args[1:]), [args[0]], 0, g[0])
    assert shapes.returned(_countdown, [(4,), ()]) is None
    x = np.array([0.5, -0.3, 0.8, 1.2])
    check_grad(lambda v: _countdown(v, 2), [x], 0, grad(_countdown)(x, 2))
