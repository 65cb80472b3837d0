"""Forward mode (``jvp``, issue 17 point 1) on the functions of ``forward_cases``: the
value is the function's, the tangent agrees with central finite differences along the
same direction, and with reverse mode by the dot-product test ``<J v, w> = <v, J^T w>``;
what forward mode does not cover yet is refused with AD224 at the user's line."""

import numpy as np
import pytest
import scipy.linalg

import forward_cases
from adgen import check_grads, defjvp, defvjp, jvp, vjp
from adgen.errors import TranspileError

CASES = forward_cases.cases()


def _wrt(wrt):
    return wrt if isinstance(wrt, tuple) else (wrt,)


def _direction(args, wrt, rng):
    return tuple(rng.standard_normal(np.shape(args[i])) if np.ndim(args[i]) else float(rng.standard_normal()) for i in wrt)


def _seed(value, rng):
    """A random seed of the result's structure (a tuple result: a tuple of seeds)."""
    if isinstance(value, tuple):
        return tuple(_seed(item, rng) for item in value)
    return rng.standard_normal(np.shape(value)) if np.ndim(value) else 1.0


def _moved(args, wrt, v, h):
    new = list(args)
    for i, d in zip(wrt, v):
        new[i] = args[i] + h * d
    return new


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=[f"{c[0].__name__}{k}" for k, c in enumerate(CASES)])
def test_tangent_against_finite_differences_and_reverse_mode(fn, args, wrt):
    rng = np.random.default_rng(11)
    names = _wrt(wrt)
    v = _direction(args, names, rng)
    value, tangent = jvp(fn, wrt=wrt)(*args, v if isinstance(wrt, tuple) else v[0])
    np.testing.assert_allclose(value, fn(*args), rtol=1e-13, atol=1e-13)
    h = 1e-6
    fd = (np.asarray(fn(*_moved(args, names, v, h))) - np.asarray(fn(*_moved(args, names, v, -h)))) / (2 * h)
    np.testing.assert_allclose(tangent, fd, rtol=1e-5, atol=1e-6)
    w = _seed(value, rng)
    cotangents = vjp(fn, wrt=tuple(names))(*args, w)
    forward_side = float(np.sum(np.asarray(tangent) * np.asarray(w)))
    reverse_side = sum(float(np.sum(np.asarray(c) * d)) for c, d in zip(cotangents, v))
    assert forward_side == pytest.approx(reverse_side, rel=1e-10, abs=1e-10)


def test_the_tangent_module_reads_like_the_function():
    f = jvp(forward_cases.rnn, wrt=0)
    text = f.source
    assert "def jvp_rnn(h, W, U, xs, _dot_h):" in text
    assert "_dot_h = _rt.tangent_arg(h, _dot_h, 'h', copy=False)" in text  # nothing stores into it
    assert "for t in range(xs.shape[0]):" in text and "h = np.tanh(W @ h + _t1)" in text
    assert "_dot_h = _rt.fit(W @ _dot_h, _t1) * (1.0 - h ** 2)" in text  # shapes unknown: W @ h may be smaller
    assert "_tape" not in text and "_rt.unbroadcast" not in text
    args = (np.ones(3), np.eye(3), np.ones((3, 2)), np.ones((4, 2)))
    assert "_dot_h = W @ _dot_h * (1.0 - h ** 2)" in f.source_for(*args)  # specialised: the shapes agree


def test_the_callers_tangent_is_never_changed():
    v = np.ones(6)
    jvp(forward_cases.heat_steps, wrt=0)(np.arange(6.0), 0.1, v)
    np.testing.assert_array_equal(v, np.ones(6))


def test_a_tangent_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="tangent of `x` has shape"):
        jvp(forward_cases.branchy)(np.ones(3), np.ones(2))


def _own(x, /, scale=2.0):
    return x * scale


def calls_own(x):  # a spread call of a function of yours: not followed forward yet
    parts = [x] * 2
    return np.sum(_own(*parts[:1]))


def appends(x):
    out = []
    for i in range(2):
        out.append(x * i)
    return out[0] + out[1]


def complex_values(x):
    return np.real(np.exp(1j * x))


def softclip(x):
    return x / (1.0 + np.abs(x))


@defvjp(softclip, elementwise=True)
def _softclip_rule(g, ans, x):
    d = 1.0 + np.abs(x)  # two statements: called, not pasted
    return g / (d * d)


def uses_softclip(x):
    return np.sum(softclip(x))


def bump(x, s):
    return np.exp(-x * x / s)


@defvjp(bump)
def _bump_rule(g, ans, x, s):
    w = g * ans  # two statements: called in reverse mode
    return w * (-2.0 * x / s), w * (x * x / (s * s))


@defjvp(bump, arg=0)
def _bump_x(t, ans, x, s):
    return t * ans * (-2.0 * x / s)


@defjvp(bump, arg=1)
def _bump_s(t, ans, x, s):
    return t * ans * (x * x / (s * s))


def uses_bump(x, s):
    return np.sum(bump(x, s) * x)


def test_forward_rules_of_the_user_s_own():
    x, s = np.array([0.3, -1.1, 0.7]), 0.8
    check_grads(uses_bump, (x, s), wrt=(0, 1), modes=("fwd", "rev"))
    text = jvp(uses_bump, wrt=(0, 1)).source
    assert "ans" not in text.split("def jvp_uses_bump")[1].replace("_ans", "")  # pasted, the result read by its name


@pytest.mark.parametrize("fn, what", [
    (calls_own, "does not follow calls to your own function `_own`"),
    (complex_values, "complex values"),
    (uses_softclip, "no forward-mode rule for"),
])
def test_what_forward_mode_does_not_cover_is_refused_at_the_line(fn, what):
    with pytest.raises(TranspileError) as caught:
        jvp(fn)(np.ones(3), np.ones(3))
    assert {d.code for d in caught.value.diagnostics} == {"AD224"}
    assert what in str(caught.value) and "test_forward.py" in str(caught.value)


def test_a_list_of_active_values_is_differentiated():
    x, v = np.array([0.5, 1.5]), np.array([1.0, -2.0])
    value, tangent = jvp(appends)(x, v)
    np.testing.assert_allclose(tangent, v)
    assert "_dot_out.append(_dot_x * i)" in jvp(appends).source  # the tangent list changed as the list is


def test_emit_writes_the_tangent_module_and_checks_it(tmp_path, capsys, monkeypatch):
    from adgen import cli

    source = tmp_path / "tangent_model.py"
    source.write_text("import numpy as np\n\n\ndef f(x, k):\n    for _ in range(3):\n        x = np.sin(k * x)\n    return np.sum(x ** 2)\n")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["emit", "tangent_model.py:f", "--wrt", "x,k", "--mode", "forward", "-o", "jvp_tangent_model.py"]) == 0
    text = (tmp_path / "jvp_tangent_model.py").read_text()
    assert "# regenerate: adgen emit tangent_model.py:f --wrt x,k --mode forward -o jvp_tangent_model.py" in text
    assert "def jvp_f(x, k, _dot_x, _dot_k):" in text
    namespace = {}
    exec(compile(text, "jvp_tangent_model.py", "exec"), namespace)
    x, v = np.array([0.3, -0.8]), np.array([1.0, 0.5])
    value, tangent = namespace["jvp_f"](x, 1.3, v, 0.0)
    def f(x):
        for _ in range(3):
            x = np.sin(1.3 * x)
        return np.sum(x ** 2)
    fd = (f(x + 1e-6 * v) - f(x - 1e-6 * v)) / 2e-6
    assert value == pytest.approx(f(x)) and tangent == pytest.approx(fd, rel=1e-6)
    capsys.readouterr()
    assert cli.main(["emit", "--check", "jvp_tangent_model.py"]) == 0
    assert "up to date" in capsys.readouterr().out
    source.write_text(source.read_text().replace("range(3)", "range(4)"))
    assert cli.main(["emit", "--check", "jvp_tangent_model.py"]) == 1
    assert "--mode forward" in capsys.readouterr().err


def test_the_tangent_of_a_tuple_result_is_a_tuple_of_tangents():
    """np.split and np.meshgrid (a joint rule: one call with every tangent) give tuples whose
    items are subscripted; a fixed tuple from several differentiated arguments adds their tuples."""
    x, v, h = np.array([0.3, -1.2, 0.8, 0.5]), np.array([1.0, -0.5, 0.25, 2.0]), 1e-6
    _, tangent = jvp(forward_cases.split_parts)(x, v)
    fd = (forward_cases.split_parts(x + h * v) - forward_cases.split_parts(x - h * v)) / (2 * h)
    assert tangent == pytest.approx(fd, rel=1e-6)

    def divided(u, w):
        q, r = np.polydiv(u, w)
        return np.sum(q) + np.sum(r ** 2)

    u, w, du, dw = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 0.5]), np.array([0.3, -1.0, 0.5, 2.0]), np.array([0.7, -0.2])
    _, tangent = jvp(divided, wrt=(0, 1))(u, w, (du, dw))  # the two arguments' tuples of tangents, added entry by entry
    fd = (divided(u + h * du, w + h * dw) - divided(u - h * du, w - h * dw)) / (2 * h)
    assert tangent == pytest.approx(fd, rel=1e-6)


def svd_kept_whole(A):
    res = np.linalg.svd(A, full_matrices=False)
    sign, logdet = np.linalg.slogdet(A.T @ A)
    return res[1][0] * np.sum(res[0][:, 0]) * np.sum(res[2][0]) + sign * logdet


def qr_complete_columns(A):
    q, r = np.linalg.qr(A, mode="complete")
    return np.sum(q[:, -1])


def test_a_tuple_result_kept_whole_is_indexed_through_its_tangent():
    """``res = np.linalg.svd(a)`` then ``res[0]`` (reverse mode refuses that, AD302; forward
    mode keeps the tuple of tangents); against central differences."""
    A = np.random.default_rng(3).standard_normal((4, 3))
    v = np.random.default_rng(4).standard_normal((4, 3))
    value, tangent = jvp(svd_kept_whole)(A, v)
    h = 1e-6
    assert tangent == pytest.approx((svd_kept_whole(A + h * v) - svd_kept_whole(A - h * v)) / (2 * h), rel=1e-6)
    assert "_dot_res[1][0]" in jvp(svd_kept_whole).source


def test_the_undetermined_columns_of_a_complete_qr_have_no_tangent():
    """Q's columns beyond a's rank are LAPACK's choice: their tangent is NaN, never a number."""
    A = np.random.default_rng(3).standard_normal((4, 2))
    _, tangent = jvp(qr_complete_columns)(A, np.ones((4, 2)))
    assert np.isnan(tangent)


@pytest.mark.parametrize("fn, args, wrt", forward_cases.ode_cases(), ids=lambda c: getattr(c, "__name__", ""))
def test_ode_tangent_by_forward_sensitivity(fn, args, wrt):
    """odeint and solve_ivp: the tangent of the state integrated beside it, through the
    tangent function of the user's right-hand side; against central differences and the
    adjoint of reverse mode (both as accurate as the solver's tolerances)."""
    rng = np.random.default_rng(11)
    v = _direction(args, wrt, rng)
    value, tangent = jvp(fn, wrt=wrt)(*args, v)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    h = 1e-5
    fd = (fn(*_moved(args, wrt, v, h)) - fn(*_moved(args, wrt, v, -h))) / (2 * h)
    assert tangent == pytest.approx(fd, rel=1e-6)
    cotangents = vjp(fn, wrt=wrt)(*args, 1.0)
    assert tangent == pytest.approx(sum(float(np.sum(c * d)) for c, d in zip(cotangents, v)), rel=1e-7)
    assert "func_jvp=jvp__decay" in jvp(fn, wrt=wrt).source or "fun_jvp=jvp__decay_tfirst" in jvp(fn, wrt=wrt).source


def lambda_ode(y0, k):
    return np.sum(forward_cases.odeint(lambda y, t: -k * y, y0, np.linspace(0.0, 1.0, 3)))


def test_an_ode_of_a_lambda_is_refused_in_forward_mode():
    with pytest.raises(TranspileError, match="AD224"):
        jvp(lambda_ode, wrt=0)(np.ones(2), 0.5, np.ones(2))


def lstsq_fit(A, b):
    x, residuals, rank, s = np.linalg.lstsq(A, b, rcond=None)
    return np.sum(x ** 2) + np.sum(residuals) + np.sum(s)


def test_a_tuple_result_of_two_differentiated_arguments_adds_entry_by_entry():
    """lstsq's (x, residuals, rank, s): each argument's tuple of tangents, summed entry by entry."""
    rng = np.random.default_rng(8)
    args, v = (rng.standard_normal((5, 3)), rng.standard_normal(5)), (rng.standard_normal((5, 3)), rng.standard_normal(5))
    _, tangent = jvp(lstsq_fit, wrt=(0, 1))(*args, v)
    h = 1e-6
    fd = (lstsq_fit(*_moved(args, (0, 1), v, h)) - lstsq_fit(*_moved(args, (0, 1), v, -h))) / (2 * h)
    assert tangent == pytest.approx(fd, rel=1e-6)
    assert "_rt.tuple_tangent_sum(" in jvp(lstsq_fit, wrt=(0, 1)).source


def raw_qr(a):
    h, tau = np.linalg.qr(a, mode="raw")
    return np.sum(h)


def tied_eigenvectors(a):
    w, v = np.linalg.eigh(a)
    return np.sum(v[:, 0] ** 3)


def test_what_the_reverse_rules_refuse_is_refused_forward_too():
    with pytest.raises(TranspileError, match="AD210"):  # the rule's refuse= condition, at transform time
        jvp(raw_qr)(np.eye(3), np.ones((3, 3)))
    with pytest.raises(Exception, match="AD411"):  # eigenvectors of a repeated eigenvalue, when the run meets one
        jvp(tied_eigenvectors)(np.diag([1.0, 1.0, 2.0]), np.ones((3, 3)))


class _Scaled:
    def __init__(self, k):
        self.k = k

    def energy(self, x, w):
        return np.sum(np.sin(self.k * x) * w)

    def __call__(self, x):
        return np.sum(np.tanh(self.k * x) ** 2)


def test_jvp_of_bound_methods_partials_and_callable_objects():
    """What grad takes, jvp takes: a bound method (its object first), a functools.partial,
    an object of a class of yours with __call__; wrt counts the parameters left."""
    import functools

    obj, x, v = _Scaled(1.3), np.array([0.3, -0.7, 1.1]), np.array([1.0, 0.5, -2.0])
    h = 1e-6
    for fn, args, tangent_of in [
        (obj.energy, (x, 0.4), lambda f, a: (f(a[0] + h * v, a[1]) - f(a[0] - h * v, a[1])) / (2 * h)),
        (functools.partial(obj.energy, w=0.4), (x,), lambda f, a: (f(a[0] + h * v) - f(a[0] - h * v)) / (2 * h)),
        (obj, (x,), lambda f, a: (f(a[0] + h * v) - f(a[0] - h * v)) / (2 * h)),
    ]:
        value, tangent = jvp(fn, wrt=0)(*args, v)
        assert value == pytest.approx(fn(*args), rel=1e-13)
        assert tangent == pytest.approx(tangent_of(fn, args), rel=1e-6)
    _, tangent = jvp(obj.energy, wrt=1)(x, 0.4, 1.0)  # w, the second parameter left
    assert tangent == pytest.approx(float(np.sum(np.sin(1.3 * x))), rel=1e-12)


class _SquareLoss:
    @staticmethod
    def fn(a):
        return np.sum(a ** 2)


class _CubeLoss:
    @staticmethod
    def fn(a):
        return np.sum(a ** 3)


class _Model:
    def __init__(self, loss, act):
        self.loss, self.act = loss, act

    def cost(self, x):
        return self.loss.fn(self.act(x * 1.5))


def test_objects_of_one_class_holding_different_functions_get_modules_of_their_own():
    """The module made for one object is not reused for another of the same class whose
    attributes hold other functions (a static method of another class, another library
    function): jvp and hvp of both, in one process, against finite differences."""
    from adgen import hvp

    x, v, h = np.array([0.3, -0.7, 1.1]), np.array([1.0, 0.5, -2.0]), 1e-6
    for model in (_Model(_SquareLoss, np.tanh), _Model(_CubeLoss, np.sin), _Model(_SquareLoss, np.sin)):
        _, tangent = jvp(model.cost)(x, v)
        assert tangent == pytest.approx((model.cost(x + h * v) - model.cost(x - h * v)) / (2 * h), rel=1e-6)
        g = lambda y, m=model: np.array([(m.cost(y + h * e) - m.cost(y - h * e)) / (2 * h) for e in np.eye(3)])  # noqa: E731
        expected = (g(x + 1e-4 * v) - g(x - 1e-4 * v)) / 2e-4
        np.testing.assert_allclose(hvp(_Model.cost, wrt=1)(model, x, v), expected, rtol=1e-4, atol=1e-5)


def _generalized_eigenvalues(a, b):
    res = scipy.linalg.eigh(a @ a.T + np.eye(3), b @ b.T + np.eye(3))  # (w, v), kept whole
    return np.sum(res[0] ** 2) + np.sum(res[1][0] ** 2)


def test_tuple_tangents_of_a_rule_called_by_name_add_entry_by_entry():
    """Two differentiated arguments of scipy.linalg.eigh, whose result is (w, v) or w by its
    arguments: their tuple contributions add entry by entry (``+`` joined them, so the
    tangent of ``res[0]`` was ``a``'s alone)."""
    rng = np.random.default_rng(9)
    a, b, da, db = (rng.standard_normal((3, 3)) for _ in range(4))
    _, tangent = jvp(_generalized_eigenvalues, wrt=(0, 1))(a, b, (da, db))
    h = 1e-6
    fd = (_generalized_eigenvalues(a + h * da, b + h * db) - _generalized_eigenvalues(a - h * da, b - h * db)) / (2 * h)
    assert tangent == pytest.approx(fd, rel=1e-6)


def _swapping(x, y, n):
    if n == 0:
        return x * y
    return _swapping(y, x * 2.0, n - 1) + x


def test_a_recursive_call_differentiating_other_arguments_gets_its_own_tangent_function():
    """The recursive call differentiates both arguments where the module differentiates one:
    its tangent function has a name of its own (it took the module's, and replaced it)."""
    check_grads(_swapping, (0.7, 1.3, 2), wrt=0, modes=("fwd", "rev"))
    text = jvp(_swapping).source_for(0.7, 1.3, 2)
    assert "def jvp__swapping(" in text and "def jvp__swapping_1(" in text


def _tail_sum(x):
    if x.shape[0] == 0:
        return 0.0
    return np.sin(x[0]) + _tail_sum(x[1:])


def _scaled_tail_sum(x):
    return 2.0 * _tail_sum(x)


def test_a_recursion_on_smaller_arrays_gets_one_tangent_function_for_any_shape():
    """A function of yours gets a tangent function for the shapes its call passes, but a
    recursive call (here on ``x[1:]``) gets one for any shapes, not one per depth."""
    x = np.linspace(0.1, 1.0, 30)
    text = jvp(_scaled_tail_sum).source_for(x)
    assert text.count("def jvp__tail_sum") == 2  # the call with x's shape, and the recursion
    _, tangent = jvp(_scaled_tail_sum)(x, np.ones(30))
    assert tangent == pytest.approx(2.0 * np.sum(np.cos(x)), rel=1e-12)
