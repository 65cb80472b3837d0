"""Source found wherever Python keeps it: functions with a derivative rule and no
source of their own (``grad(np.sin)``), Python 3.13's REPL (simulated: its linecache
keeps what was typed by code object), and AD108 with a way forward elsewhere."""

import functools
import linecache
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from adgen import defvjp, grad, value_and_grad, vjp
from gradcheck import numerical_grad

X = np.array([0.3, -0.7, 1.1])


@pytest.mark.parametrize("fn, x, expected", [
    (np.sin, 0.5, np.cos(0.5)),
    (np.exp, 1.2, np.exp(1.2)),
    (np.tanh, -0.4, 1 - np.tanh(-0.4) ** 2),
    (np.log1p, 0.25, 1 / 1.25),
    (np.sqrt, 4.0, 0.25),
    (math.sin, 0.5, math.cos(0.5)),
    (math.exp, 0.1, math.exp(0.1)),
])
def test_grad_of_a_ufunc_or_math_function(fn, x, expected):
    got = grad(fn)(x)
    assert got == pytest.approx(expected, rel=1e-12)
    assert got == pytest.approx(numerical_grad(fn, (x,), 0), rel=1e-6)


def test_grad_of_a_two_argument_ufunc_with_respect_to_both():
    dx, dy = grad(np.arctan2, wrt=(0, 1))(1.0, 2.0)
    assert (dx, dy) == pytest.approx((2.0 / 5.0, -1.0 / 5.0), rel=1e-12)
    assert grad(np.hypot, wrt=1)(3.0, 4.0) == pytest.approx(0.8, rel=1e-12)
    assert grad(np.multiply)(3.0, 5.0) == 5.0


def test_non_scalar_results_go_through_vjp():
    seed = np.array([1.0, 2.0, -1.0])
    assert np.allclose(vjp(np.tanh)(X, seed), seed * (1 - np.tanh(X) ** 2), rtol=1e-12, atol=0)
    value, g = value_and_grad(np.sum)(X)
    assert value == pytest.approx(X.sum()) and np.array_equal(g, np.ones(3))


def test_numpy_functions_with_rules_use_the_rule_not_numpy_s_own_source():
    a = np.array([[1.0, 2.0], [3.0, 5.0]])
    assert np.allclose(grad(np.linalg.det)(a), np.linalg.det(a) * np.linalg.inv(a).T, rtol=1e-12, atol=0)
    assert np.allclose(grad(np.linalg.norm)(X), X / np.linalg.norm(X), rtol=1e-12, atol=0)
    assert np.array_equal(grad(np.mean)(X), np.full(3, 1 / 3))


def test_a_partial_of_a_ufunc():
    assert grad(functools.partial(np.multiply, 3.0))(2.0) == 3.0
    assert grad(functools.partial(np.power, 2.0))(3.0) == pytest.approx(8.0 * np.log(2.0), rel=1e-12)


def straight_through(x):
    return np.round(x)


@defvjp(straight_through)
def _straight_through_vjp(g, ans, x):
    return g


def test_a_function_of_yours_with_a_rule_uses_the_rule():
    # its own body has a zero derivative; the rule says the identity's, as a call would use it
    assert np.array_equal(vjp(straight_through)(X, np.ones(3)), np.ones(3))
    assert np.array_equal(grad(lambda x: np.sum(straight_through(x) * 2.0))(X), np.full(3, 2.0))


def _typed_at_the_313_repl(text, number):
    """What Python 3.13's REPL does with what is typed: compile it under ``<python-input-N>``
    and keep its lines for each code object it made (``linecache._register_code``)."""
    filename = f"<python-input-{number}>"
    code = compile(text, filename, "exec")
    namespace = {"np": np, "__name__": "__main__"}
    exec(code, namespace)
    entry = (len(text), None, [line + "\n" for line in text.splitlines()], filename)
    keep, stack = {}, [code]
    while stack:
        c = stack.pop()
        stack += [k for k in c.co_consts if isinstance(k, type(c))]
        keep[(c.co_filename, c.co_qualname, c.co_firstlineno)] = entry
    return namespace, keep


def test_the_python_313_repl(monkeypatch):
    """Python 3.13.1+ and 3.14 keep the REPL's lines by code object."""
    text = "def f(x):\n    y = np.sin(x) * x\n    return np.sum(y ** 2)\n"
    namespace, keep = _typed_at_the_313_repl(text, 7)
    monkeypatch.setattr(linecache, "_interactive_cache", keep, raising=False)

    def getlines_from_code(code):
        entry = keep.get((code.co_filename, code.co_qualname, code.co_firstlineno))
        return entry[2] if entry else []

    monkeypatch.setattr(linecache, "_getlines_from_code", getlines_from_code, raising=False)
    f = namespace["f"]
    assert linecache.getlines("<python-input-7>") == []  # not by file name
    g = grad(f)(X)
    assert np.allclose(g, numerical_grad(f, (X,), 0), rtol=1e-6, atol=1e-9)


def test_the_python_3130_repl_kept_lines_by_file_name(monkeypatch):
    text = "def h(x):\n    return np.sum(np.exp(x) * x)\n"
    namespace, _ = _typed_at_the_313_repl(text, 3)
    # 3.13.0's linecache._register_code(name, string, "<stdin>"), as its REPL calls it
    monkeypatch.setitem(linecache.cache, "<python-input-3>", (len(text), None, [line + "\n" for line in text.splitlines()], "<stdin>"))
    assert np.allclose(grad(namespace["h"])(X), np.exp(X) * (1 + X), rtol=1e-12, atol=0)


RUN = "import numpy as np\nfrom adgen import grad\n{define}\nprint(grad(f)(np.array([1.0, 2.0])))\n"
KEEPS_C = sys.version_info >= (3, 13)  # python -c keeps its text in linecache from 3.13


def test_python_c(tmp_path):
    script = RUN.format(define="def f(x):\n    return np.sum(x * x)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    if KEEPS_C:
        assert (done.returncode, done.stdout.strip()) == (0, "[2. 4.]"), done.stderr
    else:
        assert done.returncode == 1
        assert "AD108 cannot find the source of the function: it was defined by `python -c` or `exec()` of a string" in done.stderr


@pytest.mark.parametrize("how, why", [
    ("string", f"it was defined by {'' if KEEPS_C else '`python -c` or '}`exec()` of a string, which keep{'s' if KEEPS_C else ''} no source"),
    ("stdin", "it was typed at the interactive prompt, which keeps no source before Python 3.13"),
    ("exec", "it was compiled from a string (<made by me>), whose text Python did not keep"),
])
def test_ad108_says_why_and_how_to_proceed(how, why, tmp_path):
    define = "def f(x):\n    return np.sum(x * x)"
    if how != "stdin":
        define = f"exec({define!r})" if how == "string" else f"exec(compile({define!r}, '<made by me>', 'exec'))"
    done = subprocess.run([sys.executable, "-"], input=RUN.format(define=define), capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-2:]
    assert "AD108 cannot find the source of the function: " + why in last[0], done.stderr
    assert last[1].startswith("hint: Put the function in a .py file and import it")
    assert "Python 3.13+ REPL" in last[1]


@pytest.mark.parametrize("name", ["<string>", "<made by me>"])
def test_text_kept_under_a_made_up_name_is_not_taken_for_another_function_s(name, tmp_path):
    # from 3.13, python -c keeps its command as "<string>": a function exec'd from another
    # string, or compiled under a name some other text holds, has no source (not a stale one)
    define = f"import linecache; linecache.cache['<made by me>'] = (1, None, ['x = 1\\n'], '<made by me>')\n"
    define += f"exec(compile('def f(x):\\n    return np.sum(x * x)\\n', {name!r}, 'exec'))"
    done = subprocess.run([sys.executable, "-c", RUN.format(define=define)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 1
    assert "AD108 cannot find the source of the function: " in done.stderr and "AD207" not in done.stderr, done.stderr


def test_a_deleted_file_is_ad108_naming_it(tmp_path):
    path = tmp_path / "gone_mod.py"
    path.write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(x * x)\n")
    script = textwrap.dedent(f"""
        import os, sys, linecache
        import numpy as np
        sys.path.insert(0, {str(tmp_path)!r})
        import gone_mod
        from adgen import grad
        os.remove({str(path)!r})
        linecache.clearcache()
        grad(gone_mod.f)(np.ones(2))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 1
    assert f"AD108 cannot find the source of the function: its file {path} cannot be read" in done.stderr
