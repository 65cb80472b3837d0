"""scipy.integrate's ODE solvers, differentiated by the adjoint method
(``adgen/runtime/rules/scipy_integrate.py``): the rule directly, with hand-written VJPs
of the dynamics, and end to end, where adgen generates the VJP of the user's function
(a module-level function, a nested def capturing differentiated values, a lambda).

Tolerances: the solves run at rtol = atol = 1e-10 (the adjoint uses the forward's), and
the gradients are checked against central finite differences of the solver's output
(``gradcheck``, steps of about 1e-6 relative) to rtol 1e-5, atol 1e-6 unless a case
says otherwise; the stiff system (rates 1 and 1000, solved by LSODA's BDF) to 1e-4.
"""

import importlib.util
import itertools
import sys
import textwrap

import numpy as np
import pytest
from scipy import integrate

from adgen import grad
from adgen.errors import TranspileError
from adgen.runtime import GradientError, attribute, closure
from adgen.runtime.registry import lookup
from gradcheck import check_grad, numerical_grad
from tests.rules.harness import Case, check_case


def write_and_import(folder, text, prefix):
    """A module of the user's: ``text`` written to a file in ``folder`` and imported."""
    name = f"{prefix}_{next(_COUNT)}"
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(text))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module, path


_COUNT = itertools.count()

TOL = {"rtol": 1e-10, "atol": 1e-10}
T = np.linspace(0.0, 3.0, 7)


def _odeint(func, y0, t, args=(), func_vjp=None, **kw):
    """odeint as the harness calls it: ``func_vjp`` is for the rule only."""
    return integrate.odeint(func, y0, t, args=args, **kw)


# -- dynamics and their VJPs, written out: ``(ct, *call args) -> (arg cotangents, None)`` --


def oscillator(y, t, c, k):  # damped harmonic oscillator: y'' = -k y - c y'
    return np.array([y[1], -k * y[0] - c * y[1]])


def oscillator_vjp(ct, y, t, c, k):
    return (np.array([-k * ct[1], ct[0] - c * ct[1]]), None, np.array(-y[1] * ct[1]), np.array(-y[0] * ct[1])), None


def oscillator_tfirst(t, y, c, k):
    return oscillator(y, t, c, k)


def oscillator_tfirst_vjp(ct, t, y, c, k):
    (dy, _, dc, dk), _ = oscillator_vjp(ct, y, t, c, k)
    return (None, dy, dc, dk), None


def decay(y, t, rate):  # a scalar state, forced in time: y' = -rate y + sin(t)
    return -rate * y + np.sin(t)


def decay_vjp(ct, y, t, rate):
    return (-rate * ct, None, np.array(-np.sum(y * ct))), None


def linear(y, t, a):  # y' = A y
    return a @ y


def linear_vjp(ct, y, t, a):
    return (a.T @ ct, None, np.outer(ct, y)), None


STIFF = np.array([[-1.0, 0.5], [0.0, -1000.0]])  # rates 1 and 1000


def _solve_ivp_y(fun, t_span, y0, *args, fun_vjp=None, **kw):
    """solve_ivp's differentiated output, sol.y (the rule reads it from the result)."""
    return integrate.solve_ivp(fun, t_span, y0, *args, **kw).y


def linear_tfirst(t, y, a):
    return a @ y


def linear_tfirst_vjp(ct, t, y, a):
    (dy, _, da), _ = linear_vjp(ct, y, t, a)
    return (None, dy, da), None


CASES = [
    Case(integrate.odeint, (oscillator, np.array([1.0, 0.3]), T, (0.4, 2.0)), {**TOL, "func_vjp": oscillator_vjp}, wrt=(1, 2, 3), fn=_odeint, id="odeint-oscillator"),
    Case(integrate.odeint, (oscillator_tfirst, np.array([1.0, 0.3]), T, (0.4, 2.0)), {**TOL, "tfirst": True, "func_vjp": oscillator_tfirst_vjp}, wrt=(1, 2, 3), fn=_odeint, id="odeint-tfirst"),
    Case(integrate.odeint, (decay, 0.7, np.array([0.0, 0.5, 2.0]), (1.3,)), {**TOL, "func_vjp": decay_vjp}, wrt=(1, 2, 3), fn=_odeint, id="odeint-scalar-state"),
    # decreasing times; a repeated time (not moved: finite differences would unorder them)
    Case(integrate.odeint, (decay, np.array([0.7, -0.2]), np.array([2.0, 1.0, 0.0]), (1.3,)), {**TOL, "func_vjp": decay_vjp}, wrt=(1, 2, 3), fn=_odeint, id="odeint-backward-in-time"),
    Case(integrate.odeint, (decay, np.array([0.7, -0.2]), np.array([0.0, 1.0, 1.0, 2.0]), (1.3,)), {**TOL, "func_vjp": decay_vjp}, wrt=(1, 3), fn=_odeint, id="odeint-repeated-time"),
    # two output times only: the first one's cotangent is y0's as it is
    Case(integrate.odeint, (linear, np.array([1.0, 2.0]), np.array([0.0, 0.5]), (np.array([[-0.5, 1.0], [-1.0, -0.2]]),)), {**TOL, "func_vjp": linear_vjp}, wrt=(1, 2, 3), fn=_odeint, id="odeint-matrix-parameter"),
    Case(integrate.odeint, (linear, np.array([1.0, 2.0]), np.linspace(0.0, 1.0, 5), (STIFF,)), {**TOL, "func_vjp": linear_vjp}, wrt=(1, 2, 3), fn=_odeint, rtol=1e-4, atol=1e-5, id="odeint-stiff"),
    # solve_ivp(fun, t_span, y0, method, t_eval, dense_output, events, vectorized, args)
    Case(integrate.solve_ivp, (oscillator_tfirst, (0.0, 3.0), np.array([1.0, 0.3]), "RK45", T, False, None, False, (0.4, 2.0)), {**TOL, "fun_vjp": oscillator_tfirst_vjp},
         wrt=(2, 8), fn=_solve_ivp_y, id="solve_ivp-oscillator"),
    # t_eval without the initial time; implicit methods on the stiff system
    Case(integrate.solve_ivp, (linear_tfirst, (0.0, 1.0), np.array([1.0, 2.0]), "BDF", np.linspace(0.25, 1.0, 4), False, None, False, (STIFF,)),
         {**TOL, "fun_vjp": linear_tfirst_vjp}, wrt=(2, 8), fn=_solve_ivp_y, rtol=1e-4, atol=1e-5, id="solve_ivp-stiff-bdf"),
    Case(integrate.solve_ivp, (linear_tfirst, (0.0, 0.2), np.array([1.0, 2.0]), "Radau", np.array([0.1, 0.2]), False, None, False, (STIFF,)),
         {**TOL, "fun_vjp": linear_tfirst_vjp}, wrt=(2, 8), fn=_solve_ivp_y, rtol=1e-4, atol=1e-5, id="solve_ivp-stiff-radau"),
    Case(integrate.solve_ivp, (linear_tfirst, (0.0, 1.0), np.array([1.0, 2.0]), "LSODA", np.linspace(0.0, 1.0, 3), False, None, False, (STIFF,)),
         {**TOL, "fun_vjp": linear_tfirst_vjp}, wrt=(2, 8), fn=_solve_ivp_y, rtol=1e-4, atol=1e-5, id="solve_ivp-stiff-lsoda"),
    Case(attribute, (np.array([[1.0, -2.0], [0.5, 3.0]]), "real"), wrt=(0,), id="attribute"),
    Case(closure, (oscillator, ("c", "k"), (0.4, np.array([1.0, 2.0]))), fn=lambda fn, names, values: list(closure(fn, names, values).values), wrt=(2,), id="closure"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


def test_stiff_adjoint_matches_the_exact_gradient():
    """y' = A y: y(t) = expm(A t) y0, so d(sum of g_i . y(t_i))/dy0 = sum of expm(A t_i)^T g_i."""
    from scipy.linalg import expm

    ts = np.linspace(0.0, 1.0, 5)
    y0 = np.array([1.0, 2.0])
    ys = integrate.odeint(linear, y0, ts, args=(STIFF,), **TOL)
    g = np.random.default_rng(3).normal(size=ys.shape)
    _, dy0, _, _ = lookup(integrate.odeint).fn(g, ys, linear, y0, ts, (STIFF,), func_vjp=linear_vjp, **TOL)
    exact = sum(expm(STIFF * t).T @ gi for t, gi in zip(ts, g))
    np.testing.assert_allclose(dy0, exact, rtol=1e-6, atol=1e-8)


def test_without_the_vjp_the_rule_stops_with_AD413():
    ys = integrate.odeint(decay, 0.7, T, args=(1.3,))
    with pytest.raises(GradientError) as exc:
        lookup(integrate.odeint).fn(np.ones_like(ys), ys, decay, 0.7, T, (1.3,))
    assert exc.value.code == "AD413"


# -- end to end: adgen generates the VJP of the user's function -------------------------

USER = """
    import numpy as np
    import scipy.integrate
    from scipy.integrate import odeint

    T = np.linspace(0.0, 3.0, 7)
    W = np.array([1.0, -0.5])

    def oscillator(y, t, c, k):
        return np.array([y[1], -k * y[0] - c * y[1]])

    def oscillator_list(t, y, c, k):
        return [y[1], -k * y[0] - c * y[1]]

    def module_level(y0, c, k):
        ys = odeint(oscillator, y0, T, args=(c, k), rtol=1e-10, atol=1e-10)
        return np.sum(ys[:, 0] ** 2) + np.sum(W * ys[-1])

    def tfirst(y0, c, k):
        ys = scipy.integrate.odeint(oscillator_list, y0, T, (c, k), rtol=1e-10, atol=1e-10, tfirst=True)
        return np.sum(ys[:, 0] ** 2) + np.sum(W * ys[-1])

    def nested(y0, c, k):
        def f(y, t):
            return np.array([y[1], -k * y[0] - c * y[1]])
        ys = odeint(f, y0, T, rtol=1e-10, atol=1e-10)
        return np.sum(ys[:, 0] ** 2) + np.sum(W * ys[-1])

    def with_lambda(y0, c, k):
        ys = odeint(lambda y, t, damping: np.array([y[1], -k * y[0] - damping * y[1]]), y0, T, args=(c,), rtol=1e-10, atol=1e-10)
        return np.sum(ys[:, 0] ** 2) + np.sum(W * ys[-1])

    def frequency(omega):
        ys = odeint(oscillator, np.array([1.0, 0.0]), T, args=(0.1, omega ** 2), rtol=1e-10, atol=1e-10)
        return np.sum(ys[:, 0] ** 2)

    def times(t, y0):
        ys = odeint(oscillator, y0, t, args=(0.3, 2.0), rtol=1e-10, atol=1e-10)
        return np.sum(ys ** 2)

    def two_rates(y0, rates):
        def f(y, t):
            return np.array([-rates[0] * y[0] + 0.5 * y[1], -rates[1] * y[1]])
        ys = odeint(f, y0, np.linspace(0.0, 1.0, 5), rtol=1e-10, atol=1e-10)
        return np.sum(ys[1:] ** 2) + np.sum(ys[:, 1])

    def vanderpol(y0, mu):
        def f(y, t):
            return np.array([y[1], mu * (1.0 - y[0] ** 2) * y[1] - y[0]])
        ys = odeint(f, y0, np.linspace(0.0, 1.0, 6), rtol=1e-10, atol=1e-10)
        return np.sum(ys[:, 0] ** 2) + np.sum(ys[:, 1])

    def constant_call(y0, c):
        def f(y, t):
            return -c * y
        ys = odeint(f, np.array([1.0, 2.0]), T)
        return np.sum(ys) * y0

    def helper(y0, k):
        def f(y, t):
            return -k * y
        return odeint(f, y0, T, rtol=1e-10, atol=1e-10)

    def through_a_helper(y0, k):
        ys = helper(y0, k)
        return np.sum(ys ** 2)

    def nested_in_nested(y0, k):
        def f(y, t):
            return -k * y + np.cos(t)
        def run(z):
            return odeint(f, z, T, rtol=1e-10, atol=1e-10)
        return np.sum(run(y0) ** 2)

    def by_keyword(y0, k):
        ys = odeint(func=lambda y, t, kk: -kk * y, y0=y0, t=T, args=(kk_of(k),), rtol=1e-10, atol=1e-10)
        return np.sum(ys ** 2)

    def kk_of(k):
        return 2.0 * k

    def reassigned_after(y0, k):
        def f(y, t):
            return -k * y
        ys = odeint(f, y0, T, rtol=1e-10, atol=1e-10)
        k = k * 3.0
        return np.sum(ys ** 2) + k

    def loop(y0, k):
        total = 0.0
        for c in (0.1, 0.5):
            ys = odeint(oscillator, y0, T, args=(c, k), rtol=1e-10, atol=1e-10)
            total = total + np.sum(ys[-1] ** 2)
            y0 = ys[-1]
        return total
"""

Y0 = np.array([1.0, 0.3])


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    module, _ = write_and_import(tmp_path_factory.mktemp("ode"), USER, prefix="odeuser")
    return module


@pytest.mark.parametrize("name", ["module_level", "tfirst", "nested", "with_lambda"])
def test_oscillator_gradient_in_y0_damping_and_stiffness(user, name):
    fn = getattr(user, name)
    args = (Y0, 0.4, 2.0)
    grads = grad(fn, wrt=(0, 1, 2))(*args)
    for i, g in enumerate(grads):
        check_grad(fn, args, i, g, rtol=1e-5, atol=1e-6)


def test_oscillator_gradient_in_frequency(user):
    g = grad(user.frequency)(1.7)
    check_grad(user.frequency, (1.7,), 0, g, rtol=1e-5, atol=1e-6)


def test_gradient_in_the_output_times(user):
    t = np.array([0.0, 0.4, 1.1, 2.0])
    gt, gy = grad(user.times, wrt=(0, 1))(t, Y0)
    check_grad(user.times, (t, Y0), 0, gt, rtol=1e-5, atol=1e-6)
    check_grad(user.times, (t, Y0), 1, gy, rtol=1e-5, atol=1e-6)


def test_stiff_two_rate_system(user):
    """Rates 1 and 1000: the adjoint reads the state from a forward re-solve (an
    interpolant), never integrates it backward, where the fast mode would blow up."""
    args = (np.array([1.0, 2.0]), np.array([1.0, 1000.0]))
    grads = grad(user.two_rates, wrt=(0, 1))(*args)
    for i, g in enumerate(grads):
        check_grad(user.two_rates, args, i, g, rtol=1e-4, atol=1e-6)


def test_van_der_pol_mu_10(user):
    args = (np.array([2.0, 0.0]), 10.0)
    grads = grad(user.vanderpol, wrt=(0, 1))(*args)
    for i, g in enumerate(grads):
        check_grad(user.vanderpol, args, i, g, rtol=1e-4, atol=1e-6)


def test_a_call_on_values_not_differentiated_runs_the_nested_function(user):
    g = grad(user.constant_call, wrt=0)(2.0, 0.5)
    assert np.isclose(g, user.constant_call(1.0, 0.5))


@pytest.mark.parametrize("name", ["through_a_helper", "nested_in_nested", "by_keyword", "reassigned_after"])
@pytest.mark.parametrize("debug", [False, True])
def test_callback_spellings(user, name, debug):
    fn = getattr(user, name)
    args = (Y0, 0.7)
    grads = grad(fn, wrt=(0, 1), debug=debug)(*args)
    for i, g in enumerate(grads):
        check_grad(fn, args, i, g, rtol=1e-5, atol=1e-6)


def test_in_a_loop(user):
    args = (Y0, 2.0)
    grads = grad(user.loop, wrt=(0, 1))(*args)
    for i, g in enumerate(grads):
        check_grad(user.loop, args, i, g, rtol=1e-5, atol=1e-6)


# -- refusals ------------------------------------------------------------------------

REFUSED = """
    import numpy as np
    from scipy.integrate import odeint

    T = np.linspace(0.0, 1.0, 3)

    def f(y, t, c):
        return -c * y

    def jac(y, t, c):
        return -c * np.eye(len(y))

    def pair(y, t, c):
        return -c * y[0], -c * y[1]

    def short(y, t):
        return -y

    def dfun(y0, c):
        return np.sum(odeint(f, y0, T, args=(c,), Dfun=jac))

    def full_output(y0, c):
        ys, info = odeint(f, y0, T, args=(c,), full_output=True)
        return np.sum(ys)

    def library_function(y0, c):
        return np.sum(odeint(np.sin, y0, T)) * c

    def parameter_function(y0, c, g=None):
        return np.sum(odeint(g, y0, T)) * c

    def default_library_function(y0, c, g=np.cos):  # the default, resolved: NumPy's
        return np.sum(odeint(g, y0, T)) * c

    def tfirst_unknown(y0, c, flag=False):
        return np.sum(odeint(f, y0, T, args=(c,), tfirst=flag))

    def args_not_display(y0, c):
        p = (c,)
        return np.sum(odeint(f, y0, T, args=p))

    def returns_tuple(y0, c):
        return np.sum(odeint(pair, y0, T, args=(c,)))

    exec("def nosrc(y, t, c): return -c * y", globals())

    def without_source(y0, c):
        return np.sum(odeint(nosrc, y0, T, args=(c,)))

    def too_few_parameters(y0, c):
        return np.sum(odeint(short, y0, T, args=(c,)))
"""


@pytest.mark.parametrize("name, code, words", [
    ("dfun", "AD210", "Dfun"),
    ("full_output", "AD210", "full_output"),
    ("library_function", "AD212", "np.sin"),
    ("parameter_function", "AD212", "cannot tell statically"),
    ("default_library_function", "AD212", "not a function of yours"),
    ("without_source", "AD203", "nosrc"),
    ("tfirst_unknown", "AD212", "tfirst"),
    ("args_not_display", "AD212", "tuple display"),
    ("returns_tuple", "AD212", "returns a tuple"),
    ("too_few_parameters", "AD212", "more arguments"),
])
def test_refusals(tmp_path, name, code, words):
    module, _ = write_and_import(tmp_path, REFUSED, prefix="oderefused")
    fn = getattr(module, name)
    with pytest.raises(TranspileError) as exc:
        grad(fn, wrt=(0, 1))(np.ones(2), 0.5)
    found = exc.value.diagnostics[0]
    assert found.code == code, str(exc.value)
    assert words in found.message + found.hint, str(exc.value)


def test_finite_differences_agree_with_the_solver_itself():
    """The reference the tests use: finite differences of odeint are smooth at these tolerances."""
    f = lambda c: float(np.sum(integrate.odeint(oscillator, Y0, T, args=(c, 2.0), **TOL)))  # noqa: E731
    a = numerical_grad(f, (0.4,), 0)
    b = (f(0.4 + 1e-4) - f(0.4 - 1e-4)) / 2e-4
    assert abs(a - b) < 1e-6


# -- solve_ivp end to end --------------------------------------------------------------

IVP = """
    import numpy as np
    import scipy.integrate
    from scipy.integrate import solve_ivp

    T = np.linspace(0.0, 3.0, 7)
    W = np.array([1.0, -0.5])

    def oscillator(t, y, c, k):
        return np.array([y[1], -k * y[0] - c * y[1]])

    def module_level(y0, c, k):
        sol = solve_ivp(oscillator, (0.0, 3.0), y0, t_eval=T, args=(c, k), rtol=1e-10, atol=1e-10)
        return np.sum(sol.y[0] ** 2) + np.sum(W * sol.y[:, -1]) + np.sum(sol.t)

    def nested(y0, c, k):
        def f(t, y):
            return np.array([y[1], -k * y[0] - c * y[1]])
        sol = scipy.integrate.solve_ivp(f, (0.0, 3.0), y0, method="DOP853", t_eval=T[1:], rtol=1e-10, atol=1e-10)
        ys = sol.y
        return np.sum(ys[0] ** 2) + np.sum(W * ys[:, -1])

    def with_lambda(y0, c, k):
        ys = solve_ivp(lambda t, y, damping: [y[1], -k * y[0] - damping * y[1]], (0.0, 3.0), y0, t_eval=T, args=(c,), rtol=1e-10, atol=1e-10).y
        return np.sum(ys[0] ** 2) + np.sum(W * ys[:, -1])

    def two_rates(y0, rates, method):
        def f(t, y):
            return np.array([-rates[0] * y[0] + 0.5 * y[1], -rates[1] * y[1]])
        sol = solve_ivp(f, (0.0, 1.0), y0, method=method, t_eval=np.linspace(0.0, 1.0, 5), rtol=1e-10, atol=1e-10)
        return np.sum(sol.y[:, 1:] ** 2) + np.sum(sol.y[1])

    def vanderpol(y0, mu):
        def f(t, y):
            return np.array([y[1], mu * (1.0 - y[0] ** 2) * y[1] - y[0]])
        sol = solve_ivp(f, (0.0, 1.0), y0, method="LSODA", t_eval=np.linspace(0.0, 1.0, 6), rtol=1e-10, atol=1e-10)
        return np.sum(sol.y[0] ** 2) + np.sum(sol.y[1])
"""


@pytest.fixture(scope="module")
def ivp(tmp_path_factory):
    module, _ = write_and_import(tmp_path_factory.mktemp("ivp"), IVP, prefix="ivpuser")
    return module


@pytest.mark.parametrize("name", ["module_level", "nested", "with_lambda"])
def test_solve_ivp_oscillator(ivp, name):
    fn = getattr(ivp, name)
    args = (Y0, 0.4, 2.0)
    grads = grad(fn, wrt=(0, 1, 2))(*args)
    for i, g in enumerate(grads):
        check_grad(fn, args, i, g, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("method", ["BDF", "LSODA"])
def test_solve_ivp_two_rates(ivp, method):
    args = (np.array([1.0, 2.0]), np.array([1.0, 1000.0]), method)
    grads = grad(ivp.two_rates, wrt=(0, 1))(*args)
    for i, g in enumerate(grads):
        check_grad(ivp.two_rates, args, i, g, rtol=1e-4, atol=1e-6)


def test_solve_ivp_van_der_pol_mu_10(ivp):
    args = (np.array([2.0, 0.0]), 10.0)
    grads = grad(ivp.vanderpol, wrt=(0, 1))(*args)
    for i, g in enumerate(grads):
        check_grad(ivp.vanderpol, args, i, g, rtol=1e-4, atol=1e-6)


IVP_REFUSED = """
    import numpy as np
    from scipy.integrate import solve_ivp

    T = np.linspace(0.0, 1.0, 3)

    def f(t, y, c):
        return -c * y

    def jac(t, y, c):
        return -c * np.eye(len(y))

    def hit(t, y, c):
        return y[0] - 0.5

    def no_t_eval(y0, c):
        return np.sum(solve_ivp(f, (0.0, 1.0), y0, args=(c,)).y)

    def dense(y0, c):
        return np.sum(solve_ivp(f, (0.0, 1.0), y0, t_eval=T, args=(c,), dense_output=True).y)

    def events(y0, c):
        return np.sum(solve_ivp(f, (0.0, 1.0), y0, t_eval=T, args=(c,), events=hit).y)

    def with_jac(y0, c):
        return np.sum(solve_ivp(f, (0.0, 1.0), y0, t_eval=T, args=(c,), method="BDF", jac=jac).y)

    def differentiated_times(y0, c):
        return np.sum(solve_ivp(f, (0.0, 1.0), y0, t_eval=T * c, args=(c,)).y)

    def differentiated_span(y0, c):
        return np.sum(solve_ivp(f, (0.0, c), y0, t_eval=T * 0.1, args=(c,)).y)
"""


@pytest.mark.parametrize("name, code, words", [
    ("no_t_eval", "AD210", "t_eval"),
    ("dense", "AD210", "dense_output"),
    ("events", "AD210", "events"),
    ("with_jac", "AD210", "jac"),
    ("differentiated_times", "AD311", "t_eval"),
    ("differentiated_span", "AD311", "t_span"),
])
def test_solve_ivp_refusals(tmp_path, name, code, words):
    module, _ = write_and_import(tmp_path, IVP_REFUSED, prefix="ivprefused")
    with pytest.raises(TranspileError) as exc:
        grad(getattr(module, name), wrt=(0, 1))(np.ones(2), 0.5)
    found = exc.value.diagnostics[0]
    assert found.code == code, str(exc.value)
    assert words in found.message + found.hint, str(exc.value)
