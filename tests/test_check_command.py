"""``adgen check``: every diagnostic of a function or a file in one run, and ``--stubs``."""

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

from test_cli import run
from adgen.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# line numbers matter: the tests below name them
MODEL = '''\
import math

import numpy as np
from scipy import ndimage


def clean(x, w):
    return np.sum(np.sin(x * w))


def rules_missing(x):
    d = ndimage.laplace(x)
    e = np.nextafter(d, 1.0) + ndimage.laplace(d)
    return np.sum(e) + undefined_name


def with_try(x):
    try:
        y = x * x
    except ValueError:
        y = x
    return y


def uses_comb(n):
    return math.comb(n, 2) * 1.0


def no_parameters():
    return 1.0
'''


@pytest.fixture
def model(tmp_path, request, monkeypatch):
    """Write MODEL (or ``text``) as a module named after the test, in the cwd."""
    monkeypatch.chdir(tmp_path)

    def write(text=MODEL, suffix=".py"):
        path = tmp_path / ("chk_" + re.sub(r"\W", "_", request.node.name) + suffix)
        path.write_text(text)
        return path.name

    return write


def positions(out):
    return re.findall(r"^\S+?:(\d+):(\d+): (AD\d+) ", out, re.M)


def test_a_whole_file_in_one_run(model, capsys):
    name = model()
    code, out, err = run(capsys, "check", name)
    assert code == 1
    assert positions(out) == [
        ("12", "9", "AD201"),   # d = ndimage.laplace(x)
        ("13", "9", "AD201"),   # np.nextafter(d, 1.0)
        ("13", "32", "AD201"),  # ndimage.laplace(d)
        ("14", "24", "AD202"),  # undefined_name
        ("18", "5", "AD101"),   # try
        ("26", "12", "AD201"),  # math.comb(n, 2)
    ]
    assert out.rstrip().splitlines()[-1] == f"{name}: 4 functions checked: 6 errors, 0 warnings"
    assert err.strip() == "adgen: note: no_parameters not checked: it has no parameters to differentiate"


def test_pyflakes_style_blocks(model, capsys):
    name = model()
    _, out, _ = run(capsys, "check", f"{name}:rules_missing")
    block = out.split("\n\n")[1]
    assert block.splitlines()[:3] == [
        f"{name}:13:9: AD201 no derivative rule for np.nextafter",
        "        e = np.nextafter(d, 1.0) + ndimage.laplace(d)",
        "            ^^^^^^^^^^^^^^^^^^^^",
    ]
    assert block.splitlines()[3] == "hint: register one before calling grad:"
    assert "    @defvjp(np.nextafter)" in block.splitlines()


def test_one_function(model, capsys):
    name = model()
    code, out, err = run(capsys, "check", f"{name}:with_try")
    assert (code, err) == (1, "")
    assert positions(out) == [("18", "5", "AD101")]
    assert out.rstrip().endswith(f"{name}: 1 function checked: 1 error, 0 warnings")


def test_clean_is_exit_0(model, capsys):
    name = model()
    code, out, err = run(capsys, "check", f"{name}:clean", "--wrt", "x,w")
    assert (code, err) == (0, "")
    assert out == f"{name}: 1 function checked: 0 errors, 0 warnings\n"


def test_wrt_applies_to_every_function(model, capsys):
    name = model("import numpy as np\n\n\ndef f(x, w):\n    return np.sum(x * w)\n\n\ndef g(w):\n    return w * 2.0\n")
    code, out, _ = run(capsys, "check", name, "--wrt", "w")
    assert code == 0 and positions(out) == []
    code, out, _ = run(capsys, "check", name, "--wrt", "x")
    assert code == 1 and positions(out) == [("8", "1", "AD301")]  # g has no x


def test_json(model, capsys):
    name = model()
    code, out, err = run(capsys, "check", name, "--format", "json")
    assert code == 1 and "no_parameters" in err
    found = json.loads(out)
    assert [(d["line"], d["col"], d["code"]) for d in found] == [
        (int(a), int(b), c) for a, b, c in [
            ("12", "9", "AD201"), ("13", "9", "AD201"), ("13", "32", "AD201"),
            ("14", "24", "AD202"), ("18", "5", "AD101"), ("26", "12", "AD201")]
    ]
    first = found[0]
    assert set(first) == {"code", "message", "filename", "line", "col", "end_col", "source_line", "hint", "severity", "fix"}
    assert first["filename"] == name and first["severity"] == "error" and first["end_col"] == 27
    assert first["source_line"] == "    d = ndimage.laplace(x)\n"
    assert first["fix"].startswith("import scipy.ndimage\n@defvjp(scipy.ndimage.laplace)\n"
                                   "def laplace_vjp(g, ans, input, output=None, mode='reflect', cval=0.0, *, axes=None):")
    code, out, _ = run(capsys, "check", f"{name}:clean", "--format", "json")
    assert code == 0 and json.loads(out) == []


def test_only_functions_defined_in_the_file(model, capsys):
    name = model("import numpy as np\nfrom os.path import join\nfrom numpy import i0\n\n\ndef f(x):\n    return np.sum(x)\n\n\nf2 = f\n")
    code, out, err = run(capsys, "check", name)
    assert (code, err) == (0, "")
    assert "1 function checked" in out


def test_rebound_name_is_a_note(model, capsys):
    name = model("import numpy as np\n\n\ndef f(x):\n    return np.sum(x)\n\n\nf = np.vectorize(f)\n")
    code, out, err = run(capsys, "check", name)
    assert code == 0 and "0 functions checked" in out
    assert err.strip() == "adgen: note: f not checked: the module binds the name to something else"


def test_a_function_decorated_with_grad(model, capsys):
    name = model("import numpy as np\nfrom adgen import grad\n\n\n@grad\ndef f(x):\n    return np.sum(np.nextafter(x, 1.0))\n")
    code, out, _ = run(capsys, "check", name)
    assert code == 1 and positions(out) == [("7", "19", "AD201")]


def test_stubs_file(model, tmp_path, capsys):
    name = model()
    code, out, err = run(capsys, "check", name, "--stubs", "rules.py")
    assert code == 1 and "wrote 3 rule stubs to rules.py" in err
    text = (tmp_path / "rules.py").read_text()
    assert text.count("@defvjp(scipy.ndimage.laplace)") == 1 and text.count("@defvjp(np.nextafter)") == 1  # one stub per callee
    assert "\nimport math\n" in text and "\nimport numpy as np\n" in text and "\nimport scipy.ndimage\n" in text
    assert "\nfrom adgen import defvjp\n" in text
    assert "def comb_vjp(g, ans, n, k, /):" in text
    compile(text, "rules.py", "exec")
    assert sorted(p for p in os.listdir(tmp_path) if p != "__pycache__") == sorted([name, "rules.py"])  # no temp file left


def test_stubs_never_overwrite(model, tmp_path, capsys):
    name = model()
    mine = tmp_path / "rules.py"
    mine.write_text("# mine\n")
    before = os.stat(mine).st_mtime_ns
    code, out, err = run(capsys, "check", name, "--stubs", "rules.py")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "rules.py" in err
    assert mine.read_text() == "# mine\n" and os.stat(mine).st_mtime_ns == before
    code, out, err = run(capsys, "check", name, "--stubs", "nowhere/rules.py")
    assert code == 2 and out == "" and "nowhere" in err and not (tmp_path / "nowhere").exists()


def test_no_stubs_needed(model, tmp_path, capsys):
    name = model()
    code, _, err = run(capsys, "check", f"{name}:clean", "--stubs", "rules.py")
    assert code == 0 and "not written" in err and not (tmp_path / "rules.py").exists()


def test_filled_in_stub_makes_grad_work(model, tmp_path):
    """The written file imports; an unwritten stub is a loud error; a written one is used."""
    name = model("import numpy as np\n\n\ndef f(x):\n    d = np.nextafter(x, 1.0)\n    return np.sum(np.nextafter(d, 0.0) ** 2) + np.sum(d * d)\n")
    assert main(["check", name, "--stubs", "rules.py"]) == 1
    stub_body = 'raise NotImplementedError("the derivative rule of np.nextafter")'
    script = textwrap.dedent(f"""
        import numpy as np
        import rules
        from adgen import RuleError, grad
        from {name[:-3]} import f
        try:
            grad(f)(np.ones(5))
        except RuleError as exc:
            print("unwritten:", exc)
        """)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "unwritten: derivative rule rules.nextafter_vjp" in proc.stdout

    rules = tmp_path / "rules.py"
    rules.write_text(rules.read_text().replace(stub_body, "return g  # nextafter moves x1 by one ulp: its derivative in x1 is one"))
    script = textwrap.dedent(f"""
        import numpy as np
        import rules
        from adgen import grad
        from {name[:-3]} import f
        x = np.array([0.3, -1.2, 2.0, 0.5, 1.1])
        h = 1e-6
        fd = [(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(5)]
        assert np.allclose(grad(f)(x), fd, atol=1e-6), (grad(f)(x), fd)
        print("ok")
        """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout == "ok\n", proc.stderr


def test_adgen_check_as_a_program(model, tmp_path):
    name = model()
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "adgen", "check", name, "--format", "json"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and len(json.loads(proc.stdout)) == 6


def test_a_bug_in_adgen_is_exit_3_and_the_other_functions_are_still_checked(model, monkeypatch, capsys):
    from adgen import check
    from adgen.errors import InternalError

    real = check.transform

    def buggy(src, wrt):
        if src.name == "clean":
            raise InternalError("reverse", "KeyError: 'x'")
        return real(src, wrt)

    monkeypatch.setattr(check, "transform", buggy)
    name = model()
    code, out, err = run(capsys, "check", name)
    assert code == 3
    assert "adgen: in clean: internal error in the reverse pass: KeyError: 'x'" in err
    assert len(positions(out)) == 6  # every other function's diagnostics


def test_syntax_errors_do_not_hide_missing_rules(model, capsys):
    # a refused `try` (AD101) and a walrus (AD102) no longer hide the missing rule and the
    # undefined name further down; the names only the refused statements bind are not
    # reported as undefined
    name = model(
        "import numpy as np\n"
        "\n"
        "\n"
        "def f(x):\n"
        "    try:\n"
        "        y = x * 2.0\n"
        "    except ValueError:\n"
        "        y = x\n"
        "    z = (w := x) + 1.0\n"
        "    a = np.nextafter(x, 1.0) + y + z\n"
        "    return np.sum(a) + nowhere\n"
    )
    code, out, err = run(capsys, "check", name)
    assert code == 1
    assert positions(out) == [("5", "5", "AD101"), ("9", "10", "AD102"), ("10", "9", "AD201"), ("11", "24", "AD202")]
