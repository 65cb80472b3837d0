"""Bad input: coded diagnostics at the user's real file position, never a crash."""

import inspect

import numpy as np
import pytest

from corpus_unsupported import CASES
from transpiler import TranspileError, grad


@pytest.mark.parametrize("fn,code", CASES, ids=[c[0].__name__ for c in CASES])
def test_unsupported_code_is_a_coded_diagnostic(fn, code):
    with pytest.raises(TranspileError) as info:
        grad(fn)(np.array([0.5, 1.5, 2.5]))
    diags = info.value.diagnostics
    assert code in {d.code for d in diags}, str(info.value)
    lines, first = inspect.getsourcelines(fn)
    for d in diags:
        assert d.filename == inspect.getsourcefile(fn)
        assert first <= d.line < first + len(lines)
        assert d.col >= 1 and d.source_line.strip()
        assert d.render().count("\n") >= 2  # position, source line, caret (and hint)
    assert any(d.hint or d.code in ("AD202",) for d in diags)


def test_every_problem_is_reported_at_once():
    def two_problems(x):
        y = np.i0(x)
        z = np.sum(y, where=y > 0)
        return z + undefined_a  # noqa: F821

    with pytest.raises(TranspileError) as info:
        grad(two_problems)(np.ones(2))
    assert {"AD202"} <= {d.code for d in info.value.diagnostics}


def test_missing_rule_hint_is_a_stub():
    def f(x):
        return np.sum(np.i0(x))

    with pytest.raises(TranspileError) as info:
        grad(f)(np.ones(2))
    text = str(info.value)
    assert "AD201" in text and "@defvjp(np.i0)" in text and "def i0_vjp(g, ans" in text
    assert "^^^" in text
