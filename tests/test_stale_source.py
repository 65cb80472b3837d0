"""The source differentiated is the running function's (transpiler/source.py, samecode.py):
a file saved but not reloaded, or another lambda now on the line, is AD207; an edit that
changes nothing that runs is not; only the function's own lines are parsed."""

import importlib
import textwrap

import numpy as np
import pytest

import usermodules
from gradcheck import check_grad
from adgen import TranspileError, grad, source

X = np.array([0.3, -0.7, 1.1])


@pytest.fixture(autouse=True)
def importable(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))


def write_and_import(tmp_path, text):
    return usermodules.write_and_import(tmp_path, text, "stale")


def codes(fn):
    with pytest.raises(TranspileError) as info:
        grad(fn)(X)
    return [d.code for d in info.value.diagnostics], info.value.diagnostics


# context -> module text; ``get(module)`` gives the function; ``1.5`` is the constant edited
CONTEXTS = {
    "module function": ("""
        import numpy as np

        def f(x):
            return np.sum(np.sin(x) * 1.5)
        """, lambda m: m.f),
    "closure": ("""
        import numpy as np

        def make(a):
            def f(x):
                return np.sum(np.sin(x) * a * 1.5)
            return f
        """, lambda m: m.make(2.0)),
    "closure two levels down": ("""
        import numpy as np

        def outer(a):
            def mid(b):
                def f(x):
                    return np.sum(np.sin(x) * a * b * 1.5)
                return f
            return mid(3.0)
        """, lambda m: m.outer(2.0)),
    "static method": ("""
        import numpy as np

        class Model:
            @staticmethod
            def f(x):
                return np.sum(np.sin(x) * 1.5)
        """, lambda m: m.Model.f),
    "class in a function": ("""
        import numpy as np

        def build(k):
            class Model:
                @staticmethod
                def f(x):
                    return np.sum(np.sin(x) * k * 1.5)
            return Model
        """, lambda m: m.build(2.0).f),
    "lambda": ("""
        import numpy as np

        f = lambda x: np.sum(np.sin(x) * 1.5)
        """, lambda m: m.f),
    "lambda in a function": ("""
        import numpy as np

        def make(a):
            return lambda x: np.sum(np.sin(x) * a * 1.5)
        """, lambda m: m.make(2.0)),
    "lambda in a comprehension": ("""
        import numpy as np

        def make():
            return [lambda x: np.sum(np.sin(x) * k * 1.5) for k in (2.0,)]
        """, lambda m: m.make()[0]),
    "future annotations and a decorator": ("""
        from __future__ import annotations

        import numpy as np

        def same(fn):
            return fn

        @same
        def f(x: np.ndarray) -> float:
            return np.sum(np.sin(x) * 1.5)
        """, lambda m: m.f),
    "a module bound by assignment": ("""
        import numpy

        np = numpy

        def f(x):
            return np.sum(np.sin(x) * 1.5)
        """, lambda m: m.f),
    "a class imported from another module": ("""
        import numpy as np
        from fractions import Fraction

        def f(x):
            return np.sum(np.sin(x) * float(Fraction.from_float(1.5)))
        """, lambda m: m.f),
    "a lambda default value": ("""
        import numpy as np

        def f(x, g=lambda y: y * 2.0):
            return np.sum(np.sin(x) * 1.5)
        """, lambda m: m.f),
}


@pytest.mark.parametrize("context", CONTEXTS)
def test_the_running_function_is_found_and_an_unreloaded_edit_is_refused(context, tmp_path):
    text, get = CONTEXTS[context]
    m, _ = write_and_import(tmp_path, text)
    check_grad(get(m), [X], 0, grad(get(m))(X))
    m, path = write_and_import(tmp_path, text)
    path.write_text(textwrap.dedent(text).replace("1.5", "2.5"))  # saved, not reloaded
    found, diags = codes(get(m))
    assert found == ["AD207"] and "reload" in diags[0].hint.lower() and diags[0].filename == str(path)
    m = importlib.reload(m)
    check_grad(get(m), [X], 0, grad(get(m))(X))


def test_another_lambda_now_on_the_line(tmp_path):
    m, path = write_and_import(tmp_path, """
        import numpy as np

        f = lambda x: np.sum(np.sin(x))
        """)
    path.write_text(path.read_text().replace("np.sin(x)", "np.cos(x)"))
    assert codes(m.f)[0] == ["AD207"]


def test_two_lambdas_on_one_line(tmp_path):
    m, _ = write_and_import(tmp_path, """
        import numpy as np

        f, g = (lambda x: np.sum(np.sin(x)), lambda x: np.sum(np.cos(x)))
        """)
    np.testing.assert_allclose(grad(m.g)(X), -np.sin(X))
    np.testing.assert_allclose(grad(m.f)(X), np.cos(X))


def test_an_edit_that_changes_nothing_that_runs(tmp_path):
    """Lines added above the function, and comments in it: the code that runs is the
    source's, found where it is now."""
    text = """
        import numpy as np

        def f(x):
            y = np.sin(x)
            return np.sum(y * y)
        """
    m, path = write_and_import(tmp_path, text)
    expected = 2 * np.sin(X) * np.cos(X)
    moved = textwrap.dedent(text).replace("def f(x):", "# a comment\n\n\ndef f(x):  # and here\n    # and here")
    path.write_text(moved)
    np.testing.assert_allclose(grad(m.f)(X), expected)


def test_an_edited_callee_is_refused_at_its_own_line(tmp_path):
    helpers, hpath = write_and_import(tmp_path, """
        import numpy as np

        def helper(x):
            return np.sin(x) * 1.5
        """)
    m, _ = write_and_import(tmp_path, f"""
        import numpy as np
        from {helpers.__name__} import helper

        def f(x):
            return np.sum(helper(x))
        """)
    hpath.write_text(hpath.read_text().replace("1.5", "2.5"))
    found, diags = codes(m.f)
    assert found == ["AD207"] and diags[0].filename == str(hpath) and diags[0].line == 4


def test_only_the_functions_own_lines_are_parsed(tmp_path, monkeypatch):
    m, path = write_and_import(tmp_path, """
        import numpy as np

        class Model:
            @staticmethod
            def f(x):
                return np.sum(np.sin(x))
        """)
    monkeypatch.setattr(source, "_parse_file", lambda *a: pytest.fail("parsed the whole file"))
    src = source.load(m.Model.f)
    assert (src.func.lineno, src.func.col_offset) == (6, 4)  # real positions, for diagnostics
    assert src.text == "    @staticmethod\n    def f(x):\n        return np.sum(np.sin(x))\n"


def test_a_syntax_error_elsewhere_in_the_file(tmp_path):
    m, path = write_and_import(tmp_path, """
        import numpy as np

        def f(x):
            return np.sum(np.sin(x))
        """)
    path.write_text(path.read_text() + "\ndef broken(:\n")
    np.testing.assert_allclose(grad(m.f)(X), np.cos(X))
