"""Generated code is printed with the standard library (``ast.unparse``), byte for byte as
astor printed it before 0.2.0, and adgen is silent under ``python -W error``."""

import ast
import glob
import os
import subprocess
import sys
import textwrap

import pytest

from adgen import printer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = sorted(glob.glob(os.path.join(ROOT, "examples", "grad_*.py")))

# Source, and the text astor 0.8.1 printed for it (to_source with pretty_source="".join).
ASTOR = [
    ("def f(x):\n    return (x, 1)\n", "def f(x):\n    return x, 1\n"),
    ("def f(x):\n    return (x,)\n", "def f(x):\n    return x,\n"),
    ("def f(x):\n    return ()\n", "def f(x):\n    return ()\n"),
    ("def f(x):\n    return ((a, b), c)\n", "def f(x):\n    return (a, b), c\n"),
    ("def f(x):\n    a = (x, (1, 2))\n", "def f(x):\n    a = x, (1, 2)\n"),
    ("def f(x):\n    x += (a, b)\n", "def f(x):\n    x += a, b\n"),
    ("def f(x):\n    (a, b)\n", "def f(x):\n    a, b\n"),
    ("def f(x):\n    a, b = c, d = 1, 2\n", "def f(x):\n    a, b = c, d = 1, 2\n"),
    ("def f(x):\n    for i, j in (a, b):\n        pass\n", "def f(x):\n    for i, j in (a, b):\n        pass\n"),
    ("def f(x):\n    y = g((a, b), x[1, 2], x[(1, 2),])\n", "def f(x):\n    y = g((a, b), x[1, 2], x[(1, 2),])\n"),
    ("def f(x):\n    d = {1: 2, 1.5: 3, -1: 4, 'a': 5, x: 6, (1, 2): 7, True: 8}\n",
     "def f(x):\n    d = {(1): 2, (1.5): 3, (-1): 4, 'a': 5, x: 6, (1, 2): 7, (True): 8}\n"),
    ("def f(x):\n    e = 1j + 2.5j + 1e-300j + 1e300j + (1 + 2j) - 3j * x\n",
     "def f(x):\n    e = 1.0j + 2.5j + 1e-300j + 1e+300j + (1 + 2.0j) - 3.0j * x\n"),
    ("def f(x):\n    return -(1), (-1) ** 2, 2 ** -1, not x\n", "def f(x):\n    return -1, (-1) ** 2, 2 ** -1, not x\n"),
    ("def f(x):\n    if x > 0:\n        y = 'a\\nb'\n    else:\n        y = None\n    while y:\n        break\n",
     "def f(x):\n    if x > 0:\n        y = 'a\\nb'\n    else:\n        y = None\n    while y:\n        break\n"),
]


@pytest.mark.parametrize("src, expected", ASTOR)
def test_astor_s_text(src, expected):
    assert printer.source(ast.parse(src).body[0]) == expected


def test_folded_complex_constants_print_as_astor_did():
    func = ast.parse("def f(x):\n    return x\n").body[0]
    values = [complex(0, 1.0), complex(0, -1.0), complex(1, 2), complex(-1, -2), complex(0.5, 0)]
    func.body[0].value = ast.Tuple([ast.Constant(v) for v in values], ast.Load())
    assert printer.source(func) == "def f(x):\n    return 1.0j, -1.0j, (1.0+2.0j), (-1.0-2.0j), (0.5+0.0j)\n"
    # and the text reads back as the same values
    assert ast.literal_eval(printer.source(func).split("return ")[1]) == tuple(values)


def test_the_tree_given_is_not_changed():
    func = ast.parse("def f(x):\n    return (x, 1j)\n").body[0]
    before = ast.dump(func)
    printer.source(func)
    assert ast.dump(func) == before


def _functions(path):
    """Each function of a generated file: its text as written (comment lines and the blank
    line before ``# backward`` taken out: the printer does not write those) and its tree."""
    text = open(path).read()
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            own = lines[node.lineno - 1:node.end_lineno]
            kept = [line for line in own if not line.lstrip().startswith("#") and line.strip()]
            yield "".join(kept), node


@pytest.mark.parametrize("path", EXAMPLES, ids=os.path.basename)
def test_the_examples_are_printed_byte_for_byte(path):
    """The examples' code was printed by astor before 0.2.0; the bodies are unchanged."""
    for written, node in _functions(path):
        assert printer.source(node) == written


@pytest.mark.parametrize("path", EXAMPLES, ids=os.path.basename)
def test_printing_is_a_fixpoint(path):
    for written, _ in _functions(path):
        again = printer.source(ast.parse(written).body[0])
        assert again == written
        assert printer.source(ast.parse(again).body[0]) == again


SILENT = textwrap.dedent("""
    import sys
    import numpy as np
    import adgen
    from adgen import grad, value_and_grad
    from adgen.cli import main

    from silent_mod import f

    x, w = np.linspace(0.1, 1.0, 4), np.full(4, 0.5)
    g = grad(f, wrt=(0, 1))(x, w)
    value_and_grad(f)(x, w)
    assert np.all(np.isfinite(g[0])) and g[1].shape == (4,)
    assert main(["show", sys.argv[1] + ":f"]) == 0
    assert "astor" not in sys.modules
""")


def test_no_warning_under_w_error(tmp_path):
    (tmp_path / "silent_mod.py").write_text(textwrap.dedent("""
        import numpy as np


        def f(x, w):
            total = 0.0
            for k in range(3):
                total = total + np.sum(np.tanh(x * w) ** 2) * (1.0 + 1j).real
            return total
    """))
    env = dict(os.environ, ADGEN_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(tmp_path))
    done = subprocess.run([sys.executable, "-W", "error", "-c", SILENT, str(tmp_path / "silent_mod.py")],
                          capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "def value_and_grad_f" in done.stdout
