"""Bad input: coded diagnostics at the user's real file position, never a crash."""

import inspect
import math
import os
import re

import numpy as np
import pytest

from corpus_unsupported import CASES
from adgen import TranspileError, grad, stubs
from adgen.errors import CODES, markdown_table


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
        return np.sum(np.nextafter(x, 1.0))

    with pytest.raises(TranspileError) as info:
        grad(f)(np.ones(2))
    text = str(info.value)
    assert "AD201" in text and "@defvjp(np.nextafter)" in text and "def nextafter_vjp(g, ans" in text
    assert "^^^" in text


# -- the code table -----------------------------------------------------------------------

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_readme_error_table_is_the_code_table():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        section = f.read().split("\n## Error codes\n", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("|")]
    assert "\n".join(table) + "\n" == markdown_table()


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_is_explained(code):
    title, meaning, rewrite = CODES[code]
    assert re.fullmatch(r"AD[1-5]\d\d", code)
    assert title and title == title.strip() and not title.endswith(".")
    assert meaning.endswith(".") and (rewrite == "" or rewrite.endswith("."))


# -- rule stubs ---------------------------------------------------------------------------


def test_stub_takes_the_callees_own_parameters():
    ndimage = pytest.importorskip("scipy.ndimage")

    def f(x):
        return np.sum(ndimage.laplace(x, mode="nearest"))

    with pytest.raises(TranspileError) as info:
        grad(f)(np.ones((3, 2)))
    (diag,) = info.value.diagnostics
    assert diag.code == "AD201" and diag.fix in diag.hint
    assert "def laplace_vjp(g, ans, input, output=None, mode='reflect', cval=0.0, *, axes=None):" in diag.fix
    namespace = {}
    exec(compile("import numpy as np\ndefvjp = lambda f: lambda rule: rule\n" + diag.fix, "stub", "exec"), namespace)
    assert list(inspect.signature(namespace["laplace_vjp"]).parameters) == ["g", "ans", "input", "output", "mode", "cval", "axes"]


def test_a_stub_writes_numpys_no_value_default_as_none():
    def reduce_like(a, axis=None, keepdims=np._NoValue):  # NumPy's own marker for "not given"
        return a

    reduce_like.__module__, reduce_like.__qualname__ = "numpy", "reduce_like"
    assert "def reduce_like_vjp(g, ans, a, axis=None, keepdims=None):" in stubs.stub(reduce_like)


@pytest.mark.parametrize("fn,head", [
    (np.i0, "@defvjp(np.i0)\ndef i0_vjp(g, ans, x):"),
    (np.logaddexp, "@defvjp(np.logaddexp)\ndef logaddexp_vjp(g, ans, x1, x2):"),  # a ufunc: its inputs
    (math.comb, "import math\n@defvjp(math.comb)\ndef comb_vjp(g, ans, n, k, /):"),
    (np.ndarray.cumprod, "@defvjp(np.ndarray.cumprod)\ndef cumprod_vjp(g, ans, a, axis=None, dtype=None, out=None):"),
    (np.einsum, "@defvjp(np.einsum)\ndef einsum_vjp(g, ans, *operands, out=None, optimize=False, **kwargs):"),
])
def test_stub_heads(fn, head):
    assert stubs.stub(fn).startswith(head + "\n")


def odd(g, ans=2):
    return g


def test_stub_renames_g_and_ans_when_the_callee_uses_them():
    assert "def odd_vjp(g_, ans_, g, ans=2):" in stubs.stub(odd)


def test_no_stub_for_what_cannot_be_spelled():
    def local(x):
        return x

    assert stubs.stub(lambda x: x) == "" and stubs.stub(local) == ""
