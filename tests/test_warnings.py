"""AD3xx warnings: differentiable, but probably not what was meant."""

import inspect
import json
import warnings

import numpy as np
import pytest

from adgen import AdgenWarning, grad
from adgen.cli import main


def codes(caught):
    return [w.message.diagnostic.code for w in caught if isinstance(w.message, AdgenWarning)]


def line_of(fn, text):
    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, line in enumerate(lines) if text in line)


# -- AD303: an integer or boolean wrt argument ----------------------------------------------


def scale(x, n):
    return np.sum(x * n)


@pytest.mark.parametrize("value,kind", [
    (2, "an integer (int)"),
    (np.int32(2), "an integer (int32)"),
    (True, "a bool"),
    (np.array([1, 2, 3]), "an array of int64"),
    (np.array([True, False, True]), "an array of bool"),
])
def test_integer_wrt_warns(value, kind):
    with pytest.warns(AdgenWarning) as caught:
        g = grad(scale, wrt=1)(np.ones(3), value)
    (w,) = caught
    d = w.message.diagnostic
    assert (d.code, d.severity) == ("AD303", "warning")
    assert d.message == f"differentiating with respect to `n`, which is {kind}: its gradient treats it as a real number"
    assert d.filename == __file__ and d.line == line_of(scale, "def scale")
    assert w.filename == __file__  # the warning points at the call
    assert np.allclose(g, 3.0 if np.ndim(value) == 0 else 1.0)


def test_integer_wrt_passed_by_keyword_warns():
    with pytest.warns(AdgenWarning, match="AD303 differentiating with respect to `n`"):
        grad(scale, wrt="n")(np.ones(3), n=4)


@pytest.mark.parametrize("value", [2.0, np.float32(2.0), np.array([1.0, 2.0, 3.0]), np.array(1 + 2j)])
def test_float_wrt_does_not_warn(value):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grad(scale, wrt=1)(np.ones(3), value.real if np.iscomplexobj(value) else value)


def test_integer_argument_not_differentiated_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grad(scale, wrt=0)(np.ones(3), 2)


# -- AD304: a result that does not depend on wrt ----------------------------------------------


def only_in_condition(x, w):
    if x > 0.0:
        y = 1.0
    else:
        y = 2.0
    return y * w


def overwritten_path(x, w):
    z = np.sin(x)
    t = z * 2.0
    return w * 3.0


def unused(x, w):
    return w * w


@pytest.mark.parametrize("fn,text,tail", [
    (only_in_condition, "if x > 0.0:", "the last use of `x`, or of a value computed from it, is here"),
    (overwritten_path, "t = z * 2.0", "the last use of `x`, or of a value computed from it, is here"),
    (unused, "def unused", "`x` is not used"),
])
def test_independent_result_warns_at_the_cut(fn, text, tail):
    with pytest.warns(AdgenWarning) as caught:
        g = grad(fn, wrt=(0, 1))(0.5, 2.0)
    assert codes(caught) == ["AD304"]
    d = caught[0].message.diagnostic
    assert d.message == f"the result does not depend on `x` (its gradient is zero): {tail}"
    assert d.line == line_of(fn, text) and text in d.source_line
    assert g[0] == 0.0 and g[1] != 0.0


def test_a_dependent_result_does_not_warn():
    def f(x, w):
        y = x
        for _ in range(3):
            y = y * w
        return y

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grad(f, wrt=(0, 1))(0.5, 2.0)


def test_warnings_as_errors_raise_the_warning_not_an_internal_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error", AdgenWarning)
        with pytest.raises(AdgenWarning, match="AD304"):
            grad(unused, wrt=0)(0.5, 2.0)


# -- check reports AD304 as a warning ----------------------------------------------------------


def test_check_reports_warnings_and_exits_0(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "warn_model.py").write_text("def f(x, w):\n    if x > 0.0:\n        return w\n    return 2.0 * w\n")
    assert main(["check", "warn_model.py"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("warn_model.py:2:5: AD304 the result does not depend on `x`")
    assert out.rstrip().endswith("warn_model.py: 1 function checked: 0 errors, 1 warning")
    assert main(["check", "warn_model.py", "--format", "json"]) == 0
    (d,) = json.loads(capsys.readouterr().out)
    assert (d["code"], d["severity"], d["line"]) == ("AD304", "warning", 2)
    assert main(["check", "warn_model.py", "--wrt", "w"]) == 0
    assert "0 errors, 0 warnings" in capsys.readouterr().out
