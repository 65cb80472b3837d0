"""Higher order (issue 17 points 2 and 3): ``hvp`` (reverse mode over the tangent
module), ``hessian``, ``jacobian``/``jacfwd``/``jacrev``, ``grad(grad(f))``, and the public
``check_grads``, on the functions of ``forward_cases``, against finite differences of the
lower order."""

import functools

import numpy as np
import pytest

import forward_cases
from adgen import check_grads, defvjp, grad, hessian, hvp, jacfwd, jacobian, jacrev, jvp, value_and_grad

CASES = [c for c in forward_cases.cases() if not isinstance(c[0](*c[1]), tuple)]  # tuple results: test_forward_containers.py
# reverse mode's aliasing cannot tell that an item of the tuple a tangent function returns is a
# new array, so hvp of a function that stores into what a function of its own returned is AD305
REFUSED = {
    forward_cases.store_after_call: "AD305: stores into the result of a call, in the tangent module hvp differentiates",
    forward_cases.clipped_sum: "AD201: np.clip's rule is called (elementwise_jvp), and its second derivatives have no rule",
    forward_cases.qr_energy: "AD302: qr's forward rule returns (dQ, dR) or dR (mode='r'), not one tuple display reverse mode can unpack",
    forward_cases.svd_energy: "AD302: svd's forward rule returns (dU, ds, dVh) or ds (compute_uv=False), not one tuple display reverse mode can unpack",
}
SCALAR = [pytest.param(*c, marks=pytest.mark.xfail(strict=True, reason=REFUSED[c[0]])) if c[0] in REFUSED else c
          for c in CASES if np.ndim(c[0](*c[1])) == 0]
ids = lambda cases: [f"{(c.values if hasattr(c, 'values') else c)[0].__name__}{k}" for k, c in enumerate(cases)]  # noqa: E731


def _first(wrt):
    return wrt[0] if isinstance(wrt, tuple) else wrt


@pytest.mark.parametrize("fn, args, wrt", SCALAR, ids=ids(SCALAR))
def test_hvp_and_hessian_against_finite_differences_of_the_gradient(fn, args, wrt):
    check_grads(fn, args, wrt=_first(wrt), order=2)
    i = _first(wrt)
    H = hessian(fn, wrt=i)(*args)
    x = args[i]
    assert H.shape == np.shape(x) + np.shape(x)
    g, h = grad(fn, wrt=i), 1e-5
    for k, e in enumerate(np.eye(np.size(x))):
        e = e.reshape(np.shape(x)) if np.ndim(x) else 1.0
        moved = lambda s: [a + s * h * e if j == i else a for j, a in enumerate(args)]  # noqa: E731
        column = (np.asarray(g(*moved(1))) - np.asarray(g(*moved(-1)))) / (2 * h)
        np.testing.assert_allclose(H.reshape(np.size(x), np.size(x))[:, k], np.ravel(column), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H.reshape(np.size(x), -1), H.reshape(np.size(x), -1).T, rtol=1e-9, atol=1e-10)  # symmetric


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=ids(CASES))
def test_jacobians_both_ways_agree_with_finite_differences(fn, args, wrt):
    i = _first(wrt)
    J = jacobian(fn, wrt=i)(*args)
    value, x = fn(*args), args[i]
    assert J.shape == np.shape(value) + np.shape(x)
    np.testing.assert_allclose(jacfwd(fn, wrt=i)(*args), jacrev(fn, wrt=i)(*args), rtol=1e-10, atol=1e-12)
    check_grads(fn, args, wrt=i, modes=("fwd", "rev"))
    v = np.random.default_rng(2).standard_normal(np.shape(x)) if np.ndim(x) else 0.7
    _, tangent = jvp(fn, wrt=i)(*args, v)
    np.testing.assert_allclose(np.tensordot(J, v, axes=np.ndim(x)), tangent, rtol=1e-10, atol=1e-12)


def test_grad_of_grad_of_a_scalar_function():
    f = forward_cases.kepler
    g = grad(f)
    d2 = grad(grad(f))
    cross = grad(grad(f), wrt=1)
    h = 1e-5
    assert d2(0.8, 0.3) == pytest.approx((g(0.8 + h, 0.3) - g(0.8 - h, 0.3)) / (2 * h), rel=1e-6)
    assert cross(0.8, 0.3) == pytest.approx((g(0.8, 0.3 + h) - g(0.8, 0.3 - h)) / (2 * h), rel=1e-6)
    with pytest.raises(TypeError, match="needs `x` to be a number"):
        grad(grad(forward_cases.branchy))(np.ones(3))


def test_the_hvp_module_is_generated_code():
    text = hvp(forward_cases.mlp, wrt=0).source
    # the tangent function's body differentiated as the function it is: no call of it to follow
    assert "def value_and_grad_directional_mlp(" in text and "_dot_" in text and "jvp_mlp" not in text


def crooked(x):
    return np.sin(x)


@defvjp(crooked)
def _crooked_rule(g, ans, x):
    return g * np.sin(x)  # wrong: the derivative of sin is cos


def uses_crooked(x):
    return np.sum(crooked(x) * x)


def test_check_grads_names_the_argument_and_the_worst_entry():
    x = np.array([0.1, 0.4, -0.3])
    check_grads(forward_cases.softplus_sum, (x, x[::-1].copy()), wrt=(0, 1), order=2)
    with pytest.raises(AssertionError, match=r"reverse mode \(vjp\) <J\^T w, v> of `x` disagrees: worst entry: got"):
        check_grads(uses_crooked, (x,), modes=("rev",))


def test_check_grads_says_what_it_cannot_check():
    check_grads(lambda xs: xs[0] * 2.0 + xs[1] ** 2, ([1.0, 2.0],), wrt=0, order=2)  # a list: its float leaves
    with pytest.raises(TypeError, match="`s` is a str"):
        check_grads(lambda s, x: x * 2.0, ("abc", 1.0), wrt=0)
    with pytest.raises(ValueError, match="order must be 1 or 2"):
        check_grads(forward_cases.kepler, (0.8, 0.3), order=3)


def test_emit_mode_hvp_writes_one_module_and_checks_it(tmp_path, capsys, monkeypatch):
    from adgen import cli

    source = tmp_path / "curved.py"
    source.write_text("import numpy as np\n\n\ndef f(x, k):\n    for _ in range(2):\n        x = np.sin(k * x)\n    return np.sum(x ** 3) * k\n")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["emit", "curved.py:f", "--wrt", "x,k", "--mode", "hvp", "--shape", "x=3", "-o", "hvp_curved.py"]) == 0
    text = (tmp_path / "hvp_curved.py").read_text()
    assert text.startswith("# Generated by adgen") and "curved.py:f. Do not edit." in text.splitlines()[0]
    assert "# regenerate: adgen emit curved.py:f --wrt x,k --shape x=3 --mode hvp -o hvp_curved.py" in text
    assert "/" not in text.split("import numpy")[1].split("def jvp_f")[0]  # no path of this machine below the header
    namespace = {}
    exec(compile(text, "hvp_curved.py", "exec"), namespace)
    x, k, v, w = np.array([0.3, -0.8, 0.5]), 1.3, np.array([1.0, 0.5, -2.0]), 0.7
    _, (hx, hk) = namespace["value_and_grad_directional_f"](x, k, v, w)

    def gradient(x, k):  # central differences of the gradient, which reverse mode checks elsewhere
        return grad(lambda x, k: np.sum(_chain(x, k) ** 3) * k, wrt=(0, 1))(x, k)

    h = 1e-6
    (gx1, gk1), (gx0, gk0) = gradient(x + h * v, k + h * w), gradient(x - h * v, k - h * w)
    np.testing.assert_allclose(hx, (gx1 - gx0) / (2 * h), rtol=1e-6, atol=1e-7)
    assert hk == pytest.approx((gk1 - gk0) / (2 * h), rel=1e-6)
    capsys.readouterr()
    assert cli.main(["emit", "--check", "hvp_curved.py"]) == 0
    source.write_text(source.read_text().replace("range(2)", "range(3)"))
    assert cli.main(["emit", "--check", "hvp_curved.py"]) == 1
    assert "--mode hvp" in capsys.readouterr().err


def _chain(x, k):
    for _ in range(2):
        x = np.sin(k * x)
    return x


# -- grad called inside a differentiated function (issue 17 point 2) -------------------------

def _energy(y, k):
    return np.sum(k * y ** 3) + np.sum(np.sin(y))


_denergy = grad(_energy)


def _newton_residual(x, k):
    g = _denergy(x, k)  # a gradient function held by a global
    return np.sum(g ** 2)


def _made_in_place(x, k):
    return np.sum(grad(_energy)(x, k) * x)


def _local_pair(x, k):
    d = grad(_energy, wrt=(0, 1))
    gx, gk = d(x, k)
    return np.sum(gx) * gk


def _newton_steps(x, k):
    """Two damped Newton steps on a diagonal Hessian written with grad inside, then the energy."""
    for _ in range(2):
        g = _denergy(x, k)
        x = x - 0.1 * g
    return _energy(x, k)


def _fd_gradient(f, args, i, h=1e-6):
    x = np.asarray(args[i], dtype=float)
    found = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[idx] = h
        up, down = list(args), list(args)
        up[i], down[i] = (x + e if x.ndim else float(x + e)), (x - e if x.ndim else float(x - e))
        found[idx] = (f(*up) - f(*down)) / (2 * h)
    return found


@pytest.mark.parametrize("f", [_newton_residual, _made_in_place, _local_pair, _newton_steps], ids=lambda f: f.__name__)
@pytest.mark.parametrize("i", [0, 1])
def test_grad_of_a_function_that_calls_grad(f, i):
    args = (np.array([0.3, -0.5, 1.2]), 0.7)
    found = grad(f, wrt=i)(*args)
    np.testing.assert_allclose(found, _fd_gradient(f, args, i), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("f", [_newton_residual, _made_in_place, _local_pair, _newton_steps], ids=lambda f: f.__name__)
def test_jvp_of_a_function_that_calls_grad(f):
    """Forward mode through grad(g)(x): its tangent is g's Hessian along the arguments' tangents."""
    args, v = (np.array([0.3, -0.5, 1.2]), 0.7), (np.array([1.0, 0.2, -0.4]), 0.3)
    _, tangent = jvp(f, wrt=(0, 1))(*args, v)
    h = 1e-6
    fd = (f(args[0] + h * v[0], args[1] + h * v[1]) - f(args[0] - h * v[0], args[1] - h * v[1])) / (2 * h)
    assert tangent == pytest.approx(fd, rel=1e-6)


def _calls_value_and_grad(x):
    return value_and_grad(_energy)(x, 1.0)[0]


def test_gradients_other_than_grad_are_refused_inside():
    from adgen.errors import TranspileError
    from adgen.runtime.errors import GradientError

    with pytest.raises(TranspileError) as info:
        grad(_calls_value_and_grad)(np.ones(2))
    assert {d.code for d in info.value.diagnostics} == {"AD201"} and "only a `grad(g)` function" in str(info.value)

    def local(x):
        d = value_and_grad(_energy)
        return d(x, 1.0)[0]

    with pytest.raises(TranspileError) as info:
        grad(local)(np.ones(2))
    assert {d.code for d in info.value.diagnostics} == {"AD201"}

    def of_a_partial(x):  # its kind is known when it runs: refused then
        return np.sum(_dpartial(x) * x)

    with pytest.raises(GradientError, match="AD411"):
        grad(of_a_partial)(np.ones(2))


_dpartial = grad(functools.partial(_energy, k=0.5))


def _tower(x, n):
    if n == 0:
        return x
    return np.sin(_tower(x, n - 1)) * x


def _recursive(x, n):
    """Recursive: its tangent function calls one of its own, which calls itself."""
    if n == 0:
        return np.sum(x ** 2)
    return _recursive(np.sin(x) * 1.5, n - 1) + np.sum(_tower(x, 2))


def test_hvp_of_a_recursive_function():
    check_grads(_recursive, (np.array([0.3, -0.7, 1.1]), 3), wrt=0, order=2)
    text = hvp(_recursive).source
    assert "def value_and_grad_directional__recursive(" in text and "= _fwd_jvp__recursive_1(" in text
