"""Complex numbers end to end. The gradient of a real ``f`` with respect to ``z = x + iy``
is ``df/dx + i df/dy`` (PyTorch's convention, the direction of steepest ascent; autograd
and JAX return its conjugate). The oracle differentiates along the real and the imaginary
part of each entry separately, so it does not depend on the convention."""

import importlib.util
import itertools
import random
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from gradcheck import check_complex_grad
from adgen.runtime.core import GradientError
from adgen import TranspileError, grad, value_and_grad, vjp

Z = np.array([0.6 + 0.8j, -1.1 + 0.3j, 0.4 - 0.9j])
X = np.array([0.5, -1.2, 2.0])
C = np.array([1.0 + 0.5j, -0.3 + 2.0j, 0.7 - 1.0j])
M = np.array([[1.0, 0.5j, 0.2], [-0.4j, 2.0, 1.0 + 1.0j], [0.3, -0.7, 1.5j]])


def test_the_examples_of_the_issue():
    """|z|^2 = x^2 + y^2 has gradient 2x + 2iy = 2z, however it is written."""
    assert np.allclose(grad(lambda z: np.sum(np.abs(z) ** 2))(Z), 2 * Z)
    assert np.allclose(grad(lambda z: np.real(np.sum(z * np.conj(z))))(Z), 2 * Z)


def test_a_python_complex_keeps_its_imaginary_part():
    g = grad(lambda z: abs(z) ** 2)(1.0 + 2.0j)
    assert type(g) is complex and g == pytest.approx(2.0 + 4.0j)
    g = grad(lambda z: (z * z).real)(1.0 + 2.0j)  # x^2 - y^2
    assert g == pytest.approx(2.0 - 4.0j)


def real_of_literal(x):
    return np.real(np.sum(np.exp(1j * x) * C))


def mixed(x, c):
    return np.sum(np.abs(x * c + 1.0) ** 2) + np.sum(np.angle(c) * x)


def rebinds_a_real_parameter(x):
    y = x * 2.0
    y = y * 1j + C
    return np.sum(np.imag(y) * np.real(y))


def uses_a_complex_global(z):
    w = M @ z
    return np.sum(w.real ** 2) + np.sum(np.abs(w.conj() * z))


def python_scalars(z, t):
    w = z * z - t
    return abs(w) + (w * 1j).real


@pytest.mark.parametrize("fn,args,wrt", [
    (real_of_literal, [X], 0),
    (mixed, [X, C], 0),
    (mixed, [X, C], 1),
    (rebinds_a_real_parameter, [X], 0),
    (uses_a_complex_global, [Z], 0),
    (python_scalars, [0.3 + 0.7j, 0.4], 0),
    (python_scalars, [0.3 + 0.7j, 0.4], 1),
])
def test_gradients_match_finite_differences_on_both_parts(fn, args, wrt):
    check_complex_grad(fn, args, wrt, grad(fn, wrt=wrt)(*args))


def test_value_and_gradient_of_real_and_complex_arguments_together():
    value, (gx, gc) = value_and_grad(mixed, wrt=(0, 1))(X, C)
    assert value == pytest.approx(mixed(X, C))
    assert gx.dtype == np.float64 and gc.dtype == np.complex128
    check_complex_grad(mixed, [X, C], 0, gx)
    check_complex_grad(mixed, [X, C], 1, gc)


def test_vjp_with_a_complex_seed():
    """A seed v of a complex result w stands for L = Re(sum(conj(v) * w))."""

    def f(z):
        return np.sin(z) * C

    v = np.array([0.3 - 1.0j, 2.0 + 0.5j, -0.7j])
    got = vjp(f)(Z, v)
    check_complex_grad(lambda z: float(np.sum(np.real(np.conj(v) * f(z)))), [Z], 0, got)


def helper(w):
    return w * w


def max_of_complex(z):
    return np.sum(np.abs(np.maximum(z, 0.1)))


def sign_of_complex(z):
    return np.sum(np.abs(np.sign(z) * z))


def norm_of_complex(z):
    return np.linalg.norm(z)


def calls_helper(z):
    return np.sum(np.abs(helper(z)))


def fft_of_real(x):
    return np.sum(np.abs(np.fft.fft(x * 1.0 + 0j)))


@pytest.mark.parametrize("fn", [max_of_complex, sign_of_complex, norm_of_complex, calls_helper])
def test_complex_values_without_a_complex_rule_are_refused(fn):
    with pytest.raises(TranspileError) as info:
        grad(fn)(Z)
    assert "AD310" in {d.code for d in info.value.diagnostics}


def test_a_complex_value_inside_a_container_is_refused():
    with pytest.raises(GradientError, match="AD410.*inside a list"):
        grad(lambda zs: np.sum(np.abs(zs[0]) ** 2))([Z, Z])


_scope = {"np": np}
exec("def unseen_complex():\n    return np.array([1.0 + 2.0j, 0.5j, -1.0])\n", _scope)  # no source for adgen to read
unseen_complex = _scope["unseen_complex"]


def multiplies_by_an_unseen_complex_value(x):
    return np.real(np.sum(np.multiply(x, unseen_complex())))


def test_a_complex_value_adgen_did_not_see_is_refused_when_it_shows():
    """A complex value adgen cannot see coming (a function without source, another
    library) gives a real argument a complex cotangent: refused (AD411), not cut."""
    with pytest.raises(GradientError, match="AD411"):
        grad(multiplies_by_an_unseen_complex_value)(X)


def seen_complex():
    return np.array([1.0 + 2.0j, 0.5j, -1.0])


def multiplies_by_a_seen_complex_value(x):
    return np.real(np.sum(np.multiply(x, seen_complex()) * np.conj(seen_complex()) * x))


def test_a_complex_constant_from_a_function_of_yours_is_followed():
    check_complex_grad(multiplies_by_a_seen_complex_value, [X], 0, grad(multiplies_by_a_seen_complex_value)(X))


# -- random compositions ----------------------------------------------------------------------

UNARY = ["np.sin({})", "np.cos({})", "np.exp(0.5 * {})", "np.tanh({})", "np.conj({})", "({0} * {0})",
         "np.cumsum({})", "{}[::-1]", "np.roll({}, 1)", "(M @ {})", "np.einsum('ij,j->i', M, {})", "({}).T"]
BINARY = ["({} + {})", "({} - {})", "({} * {})", "({} / (np.abs({}) + 1.0))"]
TO_REAL = ["np.abs({})", "np.real({})", "np.imag({})", "({0}.real * {0}.imag)"]
LEAVES = ["z", "x", "(1j * x)", "(x + 0.5j)", "C"]


def _expr(rnd, depth, leaves):
    if depth == 0:
        return rnd.choice(leaves)
    kind = rnd.random()
    if kind < 0.45:
        return rnd.choice(UNARY).format(_expr(rnd, depth - 1, leaves))
    if kind < 0.8:
        a, b = _expr(rnd, depth - 1, leaves), _expr(rnd, depth - 1, leaves)
        template = rnd.choice(BINARY)
        return template.format(a, b, b) if template.count("{}") == 3 else template.format(a, b)
    return rnd.choice(TO_REAL).format(_expr(rnd, depth - 1, leaves))


def program(rnd):
    """``f(z, x)``: a few statements of complex and real arithmetic on ``z``, ``x`` and the
    earlier statements' values, reduced to a real number."""
    lines = ["import numpy as np", "from test_complex_values import C, M", "", "def f(z, x):"]
    names = []
    for k in range(rnd.randint(1, 4)):
        lines.append(f"    t{k} = {_expr(rnd, rnd.randint(1, 3), LEAVES + names * 2)}")
        names.append(f"t{k}")
    parts = [rnd.choice(TO_REAL).format(n) for n in names]
    lines.append("    return " + " + ".join(f"np.sum({p})" for p in parts) + " + np.sum(np.abs(z) * x)")
    return "\n".join(lines) + "\n"


_modules = itertools.count()


@settings(max_examples=50, deadline=None, derandomize=True, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 2**32 - 1))
def test_random_complex_programs_match_finite_differences(tmp_path_factory, seed):
    source = program(random.Random(seed))
    path = tmp_path_factory.mktemp("complex") / f"complex_{next(_modules)}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    rng = np.random.default_rng(seed)
    z = rng.uniform(-1, 1, 3) + 1j * rng.uniform(-1, 1, 3)
    x = rng.uniform(-1, 1, 3)
    gz, gx = grad(module.f, wrt=(0, 1))(z, x)
    for i, g in ((0, gz), (1, gx)):
        try:
            check_complex_grad(module.f, [z, x], i, g, rtol=1e-4, atol=1e-5)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nprogram:\n{source}") from None


def test_the_general_gradient_after_many_shapes_keeps_complex_arguments_complex(monkeypatch):
    from adgen import api

    monkeypatch.setattr(api, "MAX_SPECIALISATIONS", 1)

    def f(x, c):
        return np.sum(np.abs(x * c) ** 2)

    g = grad(f, wrt=(0, 1))
    for n in (1, 2, 3):
        x = np.linspace(0.5, 1.5, n)
        gx, gc = g(x, 0.5 - 1.5j)
        check_complex_grad(f, [x, 0.5 - 1.5j], 0, gx)
        check_complex_grad(f, [x, 0.5 - 1.5j], 1, gc)


def rotate(x):
    return x * np.exp(0.5j)


def calls_a_helper_that_makes_complex_values(x):
    return np.sum(np.maximum(np.real(rotate(x)), 0.0)) + np.sum(np.abs(rotate(x)))


def test_a_helper_of_yours_that_makes_complex_values_is_refused():
    with pytest.raises(TranspileError) as info:
        grad(calls_a_helper_that_makes_complex_values)(X)
    assert "AD310" in {d.code for d in info.value.diagnostics}


def test_a_complex_result_needs_a_real_part():
    with pytest.raises(GradientError, match="AD401.*complex number"):
        grad(lambda z: np.sum(z * np.conj(z)))(Z)
