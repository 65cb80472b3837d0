"""Debug mode: the tape checks its pops, and the backward pass names the user's line
where a gradient first stops being finite."""

import warnings

import numpy as np
import pytest

from adgen import runtime
from corpus_calls import CASES as CALLS
from corpus_control import CASES as CONTROL
from corpus_inplace import CASES as INPLACE
from adgen import cli, grad, value_and_grad
from adgen.errors import AdgenWarning


def sqrt_at_zero(x):
    y = x * 2.0
    z = np.sqrt(y)
    return np.sum(z)


def log_in_a_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.log(x - i)
    return s


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_sqrt_at_zero_names_the_line_and_its_values():
    with pytest.raises(runtime.GradientError) as info:
        grad(sqrt_at_zero, debug=True)(np.array([1.0, 0.0, 4.0]))
    message = str(info.value)
    assert message.startswith("AD407")
    assert "line 19: z = np.sqrt(y)" in message
    assert "_dy = [" in message and "inf" in message and "z = [" in message


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_log_at_zero_inside_a_loop_names_the_line():
    with pytest.raises(runtime.GradientError, match=r"AD407 .*line 26: s = s \+ np.log\(x - i\)"):
        grad(log_in_a_loop, debug=True)(np.float64(2.0), 3)  # log(2 - 2) at i = 2 (a Python float would raise ZeroDivisionError)
    assert grad(log_in_a_loop, debug=True)(3.5, 3) == pytest.approx(1 / 3.5 + 1 / 2.5 + 1 / 1.5)


def test_without_debug_the_same_call_gives_infinities_silently():
    with np.errstate(all="ignore"):
        g = grad(sqrt_at_zero)(np.array([1.0, 0.0, 4.0]))
    assert np.isinf(g[1])


@pytest.mark.parametrize("fn,builders,wrt", CONTROL[:12] + INPLACE[:12] + CALLS[:12], ids=lambda c: getattr(c, "__name__", None))
def test_debug_gradients_equal_plain_ones(fn, builders, wrt):
    args = [b(np.random.default_rng(3)) for b in builders]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AdgenWarning)
        plain = value_and_grad(fn, wrt=wrt)(*args)
        checked = value_and_grad(fn, wrt=wrt, debug=True)(*args)
    assert np.array_equal(np.asarray(plain[0]), np.asarray(checked[0]))
    for a, b in zip(plain[1] if isinstance(wrt, tuple) else [plain[1]], checked[1] if isinstance(wrt, tuple) else [checked[1]]):
        assert np.array_equal(a, b)


def test_the_debug_tape_checks_each_pop():
    tape = runtime.DebugTape()
    tape.push(1.0, "y")
    tape.push(np.zeros(2), "_c1")
    with pytest.raises(runtime.GradientError, match="AD406 the backward pass pops y where the tape holds _c1"):
        tape.pop("y")
    tape.push(2.0, "y")
    assert tape.pop("y") == 2.0
    with pytest.raises(runtime.GradientError, match="AD406 .*never popped"):
        tape.check_empty()


def test_the_debug_tape_refuses_a_pop_from_nothing():
    with pytest.raises(runtime.GradientError, match="AD406 .*empty tape"):
        runtime.DebugTape().pop("y")


def test_debug_code_names_every_pop_and_checks_every_adjoint():
    source = grad(log_in_a_loop, debug=True).source
    assert "_tape = _rt.DebugTape()" in source and "_tape.check_empty()" in source
    assert "_rt.check_finite('line 26: s = s + np.log(x - i)', _dx=_dx" in source
    plain = grad(log_in_a_loop).source
    assert "check_finite" not in plain and "DebugTape" not in plain


def test_emit_debug_writes_checks_and_check_knows_it_is_fresh(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.py").write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(np.log(x))\n")
    assert cli.main(["emit", "model.py:f", "--debug", "-o", "grad_model.py"]) == 0
    text = (tmp_path / "grad_model.py").read_text()
    assert "--debug -o grad_model.py" in text.splitlines()[2] and "check_finite" in text
    assert cli.main(["emit", "--check", "grad_model.py"]) == 0
    assert "up to date" in capsys.readouterr().out
