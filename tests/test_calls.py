"""Calls to the user's own functions: the generated text (one forward and one
backward function per callee, shared by every call site; recursion; variants),
determinism, diagnostics for callees that cannot be differentiated, and caches
that notice an edited helper. The gradients themselves are checked against
finite differences by test_corpus_calls.py."""

import importlib
import inspect
import math
import os
import statistics
import subprocess
import sys

import numpy as np
import pytest

import corpus_calls as cc
import helpers_bad_calls as bad
from gradcheck import check_grad
from adgen import TranspileError, cli, grad

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_one_forward_and_backward_function_for_several_call_sites():
    text = grad(cc.same_module_twice).source
    assert text.count("def _fwd_square_sin(") == 1 and text.count("def _bwd_square_sin(") == 1
    assert text.count("= _fwd_square_sin(") == 2 and text.count("= _bwd_square_sin(") == 2
    assert "import corpus_calls" not in text  # the helper's call no longer reads its module


def test_layer_called_twice_shares_its_functions():
    text = grad(cc.two_layers, wrt=(0, 1, 2, 3)).source
    assert text.count("def _fwd_dense(") == 1
    assert "h, _rec1 = _fwd_dense(W1, b1, x)" in text


def test_a_second_set_of_active_parameters_gets_its_own_variant():
    # x is not differentiated in the first layer, h is in the second
    text = grad(cc.two_layers, wrt=(0, 1, 2, 3)).source
    assert "h, _rec1 = _fwd_dense(W1, b1, x)" in text
    assert "out, _rec2 = _fwd_dense_wrt_W_b_x(W2, b2, h)" in text
    assert "return _dW, _db\n" in text and "return _dW, _db, _dx\n" in text
    assert text.count("def _fwd_dense") == 2


def test_recursion_calls_its_own_forward_and_backward():
    text = grad(cc.recursive_power).source
    fwd = text[text.index("def _fwd_power(") : text.index("def _bwd_power(")]
    bwd = text[text.index("def _bwd_power(") :]
    assert "= _fwd_power(x, n - 1)" in fwd
    assert "= _bwd_power(_rec1, " in bwd
    assert grad(cc.recursive_power)(1.2, 5) == pytest.approx(5 * 1.2**4 + 2 * 1.2)


def test_recursion_by_hand():
    # d/dx (x**3 + x**2) at x = 2: 3 * 4 + 2 * 2
    assert grad(cc.recursive_power)(2.0, 3) == pytest.approx(16.0)
    # d/dxs_k of sum(xs**2) = 2 xs_k
    xs = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(grad(cc.recursive_sum)(xs), 2 * xs)


def test_tuple_result_is_unpacked_in_the_forward():
    text = grad(cc.rk4_in_loop, wrt=(0, 1)).source
    assert "(y, v), _rec1 = _fwd_rk4_step(y, v, 0.1)" in text
    assert "_tape.push(_rec1)" in text and "_rec1 = _tape.pop()" in text
    assert "_bwd_rk4_step(_rec1, (_dy, _dv))" in text


def test_a_call_on_values_not_differentiated_stays_a_plain_call():
    text = grad(cc.inactive_argument_mix, wrt=(0, 1)).source
    assert "_t2 = corpus_calls.scaled(2.0, 3.0)" in text
    assert text.count("def _fwd_scaled") == 1


def test_closure_variables_are_read_at_run_time():
    text = grad(cc.closure_helper).source
    assert "def _fwd_bump(x, *, scale):" in text
    assert "_rt.freevar(bump, 'scale')" in text
    model = cc.make_model(2.0)
    x = np.array([0.3, -0.2])
    check_grad(model, [x], 0, grad(model)(x))


def test_byte_identical_across_processes():
    code = (
        "import sys; sys.path.insert(0, 'tests'); import corpus_calls as c; from adgen import grad;"
        "[print(grad(f, wrt=w).source) for f, _, w in c.CASES]"
    )
    outs = set()
    for seed in ("0", "1", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outs.add(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True).stdout)
    assert len(outs) == 1


# -- diagnostics ----------------------------------------------------------------------------


def _line_of(module, text):
    lines = inspect.getsource(module).splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def _diagnostics(fn, *args):
    with pytest.raises(TranspileError) as info:
        grad(fn)(*args)
    return info.value.diagnostics


def test_a_function_without_source_is_named():
    scope = {}
    exec("def hidden(x):\n    return x * 2.0\n", scope)
    hidden = scope["hidden"]

    def f(x):
        return hidden(x) + 1.0

    (d,) = _diagnostics(f, 1.0)
    assert d.code == "AD203" and "`hidden`" in d.message
    assert d.filename == __file__ and d.line == inspect.getsourcelines(f)[1] + 1
    assert "exec" in d.hint


def test_a_c_function_without_a_rule_is_named():
    def f(x):
        return math.nextafter(x, 2.0) * x

    (d,) = _diagnostics(f, 1.5)
    assert d.code == "AD201" and "math.nextafter" in d.message


def test_a_library_python_function_needs_a_rule():
    def f(x):
        return statistics.fmean([x, 2.0 * x])

    diags = _diagnostics(f, 1.5)
    assert [d.code for d in diags] == ["AD201"] and "fmean" in diags[0].message


@pytest.mark.parametrize(
    "helper,code,text",
    [
        (bad.mutates, "AD305", "x[0] = 1.0"),  # as at top level: it would change its caller's array
        (bad.generator, "AD102", "yield x * 2.0"),
        (bad.calls_mutates, "AD305", "x[0] = 1.0"),  # a helper's helper
    ],
)
def test_a_callees_problems_point_at_its_own_file(helper, code, text):
    def f(x):
        return np.sum(helper(x))

    diags = _diagnostics(f, np.ones(3))
    assert code in {d.code for d in diags}
    d = next(d for d in diags if d.code == code)
    assert d.filename == bad.__file__ and d.line == _line_of(bad, text)
    assert text.split("(")[0] in d.source_line


def test_one_value_of_a_tuple_result():
    def f(r, theta):
        return cc.polar(r, theta)[1] * 2.0 + cc.polar(theta, r)[0]

    text = grad(f, wrt=(0, 1)).source
    assert "_bwd_polar(_rec1, (0.0, " in text
    gr, gt = grad(f, wrt=(0, 1))(1.2, 0.5)  # f = 2 r sin(theta) + theta cos(r)
    assert gr == pytest.approx(2.0 * np.sin(0.5) - 0.5 * np.sin(1.2))
    assert gt == pytest.approx(2.0 * 1.2 * np.cos(0.5) + np.cos(1.2))


def test_a_call_that_does_not_match_the_signature():
    def f(x):
        return cc.scaled(x, 1.0, 2.0)

    assert "AD204" in {d.code for d in _diagnostics(f, 1.0)}


def _used_as_value(x):
    def g(y):
        return y * y

    h = g
    return h(x)


def _def_in_branch(x):
    if x > 0.0:
        def g(y):
            return y * y
    else:
        def g(y):
            return -y
    return g(x)


def _lambda(x):
    g = lambda y: y * y  # noqa: E731
    return np.sum(np.vectorize(g)(x))  # passed as a value


def _decorated(x):
    @staticmethod
    def g(y):
        return y * y

    return g(x)


def _nested_twice(x):
    def g(y):
        def inner(z):
            return z * z

        return inner(y)

    return g(x)


@pytest.mark.parametrize("fn,text", [
    (_used_as_value, "h = g"),
    (_def_in_branch, "def g(y):"),
    (_lambda, "np.vectorize(g)"),
    (_decorated, "def g(y):"),
    (_nested_twice, "def inner(z):"),
])
def test_nested_defs_that_are_not_plain_helpers_are_ad105(fn, text):
    diags = _diagnostics(fn, 1.0)
    assert [d.code for d in diags if d.code == "AD105"] and all(d.code == "AD105" for d in diags)
    assert any(text in d.source_line for d in diags)
    assert "module level" in diags[0].hint


def test_a_nested_def_is_lifted_with_its_free_variables_as_keywords():
    text = grad(cc.nested_defs, wrt=(0, 1)).source
    assert "def _fwd_sq(y, *, w):" in text and "def _fwd_twice(y, *, w):" in text
    assert "a, _rec1 = _fwd_twice(x, w=w)" in text
    text = grad(cc.nested_defs, wrt=0).source  # w not differentiated: sq(3.0) is a plain call
    assert "n = sq(3.0, w=w)" in text and "\ndef sq(y, *, w):\n" in text


# -- caches notice an edited helper -----------------------------------------------------------

MODEL = '''import numpy as np


def helper(x):
    return {body}


def f(x):
    return helper(x) * 2.0
'''


def test_an_edited_helper_is_never_served_stale(tmp_path, monkeypatch):
    path = tmp_path / "edited_model.py"
    path.write_text(MODEL.format(body="x * x"))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("edited_model")
    try:
        assert grad(module.f)(3.0) == pytest.approx(12.0)
        path.write_text(MODEL.format(body="x * x * x   # now a cube"))
        importlib.invalidate_caches()
        module = importlib.reload(module)
        assert grad(module.f)(3.0) == pytest.approx(54.0)
    finally:
        sys.modules.pop("edited_model", None)


def test_an_edited_helper_in_another_module(tmp_path, monkeypatch):
    (tmp_path / "other_helpers.py").write_text("def helper(x):\n    return x * x\n")
    (tmp_path / "uses_other.py").write_text("import other_helpers\n\n\ndef f(x):\n    return other_helpers.helper(x) + x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    helpers = importlib.import_module("other_helpers")
    user = importlib.import_module("uses_other")
    try:
        g = grad(user.f)
        assert g(2.0) == pytest.approx(5.0)
        (tmp_path / "other_helpers.py").write_text("def helper(x):\n    return 3.0 * x * x * x\n")
        importlib.invalidate_caches()
        importlib.reload(helpers)
        assert g(2.0) == pytest.approx(37.0)
    finally:
        sys.modules.pop("other_helpers", None)
        sys.modules.pop("uses_other", None)


def test_emit_check_notices_an_edited_helper(tmp_path, monkeypatch, capsys):
    (tmp_path / "step_helpers.py").write_text("def step(x):\n    return x * x\n")
    (tmp_path / "stepper.py").write_text("from step_helpers import step\n\n\ndef f(x):\n    return step(x) + x\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert cli.main(["emit", "stepper.py:f", "-o", "grad_stepper.py"]) == 0
        assert cli.main(["emit", "--check", "grad_stepper.py"]) == 0
        (tmp_path / "step_helpers.py").write_text("def step(x):\n    return x * x * x  # cubed\n")
        sys.modules.pop("step_helpers")  # as a new `adgen` process finds it (this one would refuse: AD207)
        capsys.readouterr()
        assert cli.main(["emit", "--check", "grad_stepper.py"]) == 1
        err = capsys.readouterr().err
        assert "stale" in err and "changed" in err
    finally:
        sys.modules.pop("step_helpers", None)
        sys.modules.pop("stepper", None)



def _halve(x):
    return x * 0.5


def test_a_function_with_a_rule_is_not_differentiated_through_its_source():
    from adgen.runtime import registry
    from adgen import defvjp

    def f(x):
        return _halve(x) * 3.0

    @defvjp(_halve)
    def halve_rule(g, ans, x):
        return g * 10.0  # deliberately not the true derivative: it must be the one used

    try:
        assert "_fwd__halve" not in grad(f).source
        assert grad(f)(1.0) == pytest.approx(30.0)
    finally:
        registry._RULES.pop(_halve, None)


WEIGHTS = np.array([1.0, 2.0])


def _weighted(x, w=WEIGHTS):
    return np.sum(w * x)


def test_a_non_literal_default_is_read_from_the_function():
    def f(x):
        return _weighted(x)

    assert "w=_rt.default(" in grad(f).source
    np.testing.assert_allclose(grad(f)(np.ones(2)), [1.0, 2.0])

    def g(x):
        return _weighted(x, WEIGHTS * 2.0)

    np.testing.assert_allclose(grad(g)(np.ones(2)), [2.0, 4.0])


def test_the_cache_looks_each_callee_up_once():
    g = grad(cc.same_module_twice)
    g(np.ones(4))
    from adgen import api

    gradient = api._compiled(cc.same_module_twice, 0)[0]
    assert [c[2] for c in gradient.guard.checks].count("square_sin") == 1


def test_adgen_check_reports_a_shared_helpers_problem_once(capsys):
    path = os.path.join(ROOT, "tests", "helpers_bad_calls.py")
    assert cli.main(["check", path, "--format", "json"]) == 1
    import json

    found = json.loads(capsys.readouterr().out)
    stores = [d for d in found if d["code"] == "AD305"]
    assert len(stores) == 1 and stores[0]["line"] == _line_of(bad, "x[0] = 1.0")


def test_two_modules_with_the_same_alias(tmp_path, monkeypatch):
    for pkg, factor in (("pkg_a", 2.0), ("pkg_b", 3.0)):
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "__init__.py").write_text("")
        (tmp_path / pkg / "util.py").write_text(f"FACTOR = {factor}\n\n\ndef scale(x):\n    return FACTOR * x * x\n")
    (tmp_path / "pkg_a" / "model.py").write_text(
        "from pkg_a import util\nfrom pkg_b import util as other\n\n\n"
        "def f(x):\n    return util.scale(x) + other.scale(x) + util.FACTOR * x\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        model = importlib.import_module("pkg_a.model")
        text = grad(model.f).source
        assert "util = _rt.user_module('pkg_a.util', " in text and "util_ = _rt.user_module('pkg_b.util', " in text
        assert grad(model.f)(1.0) == pytest.approx(2 * 2.0 + 2 * 3.0 + 2.0)
    finally:
        for name in ("pkg_a", "pkg_a.util", "pkg_a.model", "pkg_b", "pkg_b.util"):
            sys.modules.pop(name, None)


class _Opaque:
    def energy(self, x):
        return self.stretch(x) * 2.0

    def stretch(self, x):
        return x * x


_OPAQUE = _Opaque()


def test_a_method_called_on_self_is_resolved_through_the_objects_class():
    def f(x):
        return _OPAQUE.energy(x)

    assert grad(f)(1.5) == pytest.approx(4 * 1.5)  # d(2 x^2)/dx


def test_methods_get_their_object_as_first_argument():
    text = grad(cc.methods).source
    assert "_fwd_energy(corpus_calls.SPRING, q[i + 1], q[i])" in text
    assert "_fwd_unit(corpus_calls.Spring, q[i], 0.0)" in text


def test_the_cache_follows_methods_and_closure_objects():
    model = cc.make_model(1.5)
    grad(model)(np.ones(3))
    from adgen import api

    for fn in (model, cc.methods):
        gradient = api._compiled(fn, 0)[0]
        assert len(gradient.guard) and gradient.guard.holds(fn)


