"""The ``adgen`` command line, run in-process through ``adgen.cli.main``."""

import os
import re
import subprocess
import sys

import pytest

import adgen
from adgen import emit
from adgen.cli import main
from clirun import run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MODEL = """import numpy as np


def f(x, w):
    y = np.sin(x * w)
    return np.sum(y * y)
"""


@pytest.fixture
def model(tmp_path, request):
    """Write a module with a name unique to the test (the file is imported by its stem)."""

    def write(text=MODEL, folder=tmp_path, suffix=".py", tag=""):
        name = "cli_" + re.sub(r"\W", "_", request.node.name) + tag
        path = folder / (name + suffix)
        path.write_text(text)
        return path

    return write


# -- emit / show to stdout ----------------------------------------------------------------


def test_show_prints_the_module(model, tmp_path, monkeypatch, capsys):
    path = model()
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "show", f"{path.name}:f")
    assert code == 0 and err == ""
    assert out.startswith(emit.HEADER_MARK)
    assert "def value_and_grad_f" in out
    assert f"from {path.name}:f." in out.splitlines()[0]
    assert out.splitlines()[2] == f"# regenerate: adgen emit {path.name}:f --wrt 0"


def test_emit_to_stdout_equals_show(model, tmp_path, monkeypatch, capsys):
    path = model()
    monkeypatch.chdir(tmp_path)
    code, shown, _ = run(capsys, "show", f"{path.name}:f", "--wrt", "x,w")
    code2, emitted, _ = run(capsys, "emit", f"{path.name}:f", "--wrt", "x,w")
    assert code == code2 == 0 and shown == emitted and "def value_and_grad_f" in shown


def test_wrt_forms(model, tmp_path, monkeypatch, capsys):
    path = model()
    monkeypatch.chdir(tmp_path)
    target = f"{path.name}:f"
    _, default, _ = run(capsys, "show", target)
    assert "# wrt: x " in default and "_rt.as_grad(" in default
    _, single, _ = run(capsys, "show", target, "--wrt", "w")
    assert "# wrt: w " in single and "_rt.as_grad(" in single
    _, by_pos, _ = run(capsys, "show", target, "--wrt", "1")
    assert "# wrt: w " in by_pos and "--wrt 1" in by_pos
    _, pair, _ = run(capsys, "show", target, "--wrt", " x , 1 ")
    assert "# wrt: x, w " in pair and "_rt.as_grads(" in pair and "--wrt x,1\n" in pair
    _, one_tuple, _ = run(capsys, "show", target, "--wrt", "x,")
    assert "# wrt: x " in one_tuple and "_rt.as_grads(" in one_tuple and "--wrt x,\n" in one_tuple


def test_bad_wrt(model, tmp_path, monkeypatch, capsys):
    path = model()
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "show", f"{path.name}:f", "--wrt", "z")
    assert code == 1 and out == "" and "AD301" in err
    code, out, err = run(capsys, "show", f"{path.name}:f", "--wrt", "x,,w")
    assert code == 2 and out == "" and "--wrt" in err


def test_prints_at_import_do_not_reach_stdout(model, tmp_path, monkeypatch, capsys):
    path = model("print('hello from import')\n" + MODEL)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "show", f"{path.name}:f")
    assert code == 0 and out.startswith(emit.HEADER_MARK) and "hello" not in out


# -- emit -o ------------------------------------------------------------------------------


def test_emit_o_writes_the_file(model, tmp_path, monkeypatch, capsys):
    path = model()
    (tmp_path / "gen").mkdir()
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "emit", f"{path.name}:f", "--wrt", "x, w", "-o", "gen/grad_f.py")
    assert code == 0 and out == "" and err == ""
    lines = (tmp_path / "gen" / "grad_f.py").read_text().splitlines()
    assert lines[0].startswith(emit.HEADER_MARK)
    assert lines[0] == f"{emit.HEADER_MARK} {adgen.__version__} from ../{path.name}:f. Do not edit."
    assert lines[1].startswith("# wrt: x, w   source sha256: ")
    assert lines[2] == f"# regenerate: adgen emit ../{path.name}:f --wrt x,w -o grad_f.py  (run in this file's folder)"
    assert any("def value_and_grad_f" in line for line in lines)
    assert sorted(os.listdir(tmp_path / "gen")) == ["grad_f.py"]  # no temp file left behind


def test_emit_o_is_independent_of_cwd(model, tmp_path, monkeypatch, capsys):
    path = model()
    out_dir = tmp_path / "out"
    elsewhere = tmp_path / "a" / "b"
    out_dir.mkdir()
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "emit", f"{path.name}:f", "--wrt", "w", "-o", "out/g.py")[0] == 0
    first = (out_dir / "g.py").read_bytes()
    monkeypatch.chdir(elsewhere)
    assert run(capsys, "emit", f"../../{path.name}:f", "--wrt", "w", "-o", "../../out/g.py")[0] == 0
    assert (out_dir / "g.py").read_bytes() == first
    assert run(capsys, "emit", f"{path}:f", "--wrt", "w", "-o", str(out_dir / "g.py"))[0] == 0
    assert (out_dir / "g.py").read_bytes() == first


def test_emit_o_refuses_a_foreign_file_unless_forced(model, tmp_path, monkeypatch, capsys):
    path = model()
    monkeypatch.chdir(tmp_path)
    foreign = tmp_path / "mine.py"
    foreign.write_text("# my own code\nx = 1\n")
    code, out, err = run(capsys, "emit", f"{path.name}:f", "-o", "mine.py")
    assert code == 2 and "--force" in err and len(err.strip().splitlines()) == 1
    assert foreign.read_text() == "# my own code\nx = 1\n"
    code, _, err = run(capsys, "emit", f"{path.name}:f", "-o", "mine.py", "--force")
    assert code == 0 and err == ""
    assert foreign.read_text().startswith(emit.HEADER_MARK)
    # an adgen file is overwritten without --force
    code, _, err = run(capsys, "emit", f"{path.name}:f", "--wrt", "w", "-o", "mine.py")
    assert code == 0 and "# wrt: w " in foreign.read_text()


def test_emit_o_never_overwrites_the_source(model, tmp_path, monkeypatch, capsys):
    path = model()
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "emit", f"{path.name}:f", "-o", path.name, "--force")
    assert code == 2 and err
    assert path.read_text() == MODEL


def test_emit_o_into_a_missing_folder(model, tmp_path, monkeypatch, capsys):
    path = model()
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "emit", f"{path.name}:f", "-o", "nowhere/g.py")
    assert code == 2 and out == "" and "nowhere" in err
    assert not (tmp_path / "nowhere").exists()


# -- emit --check -------------------------------------------------------------------------


def test_check_up_to_date_then_stale(model, tmp_path, monkeypatch, capsys):
    path = model()
    (tmp_path / "gen").mkdir()
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "emit", f"{path.name}:f", "--wrt", "x,w", "-o", "gen/g.py")[0] == 0
    # the source is outside gen/: checking imports (runs) it only when the user names it (AD505)
    code, out, err = run(capsys, "emit", "--check", "gen/g.py")
    assert code == 2 and out == "" and "AD505" in err and "--source" in err
    code, out, err = run(capsys, "emit", "--check", "gen/g.py", "--source", path.name)
    assert (code, out.strip(), err) == (0, "gen/g.py is up to date", "")
    monkeypatch.chdir(tmp_path / "gen")  # the check does not depend on the cwd either
    assert run(capsys, "emit", "--check", "g.py", "--source", f"../{path.name}")[0] == 0
    generated = (tmp_path / "gen" / "g.py").read_bytes()

    path.write_text(MODEL.replace("np.sin(x * w)", "np.cos(x * w) + 1.0"))
    code, out, err = run(capsys, "emit", "--check", "g.py", "--source", str(path))
    assert code == 1 and "stale" in err and "source" in err and "changed" in err
    assert (tmp_path / "gen" / "g.py").read_bytes() == generated  # --check writes nothing

    assert run(capsys, "emit", f"../{path.name}:f", "--wrt", "x,w", "-o", "g.py")[0] == 0
    assert run(capsys, "emit", "--check", "g.py", "--source", f"../{path.name}")[0] == 0


def test_check_tells_an_edited_file(model, tmp_path, monkeypatch, capsys):
    path = model()
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "emit", f"{path.name}:f", "-o", "g.py")[0] == 0
    g = tmp_path / "g.py"
    g.write_text(g.read_text() + "# a comment added\n")
    code, out, err = run(capsys, "emit", "--check", "g.py")
    assert (code, err) == (0, "") and "up to date" in out and "only comments or layout differ" in out
    g.write_text(g.read_text() + "TAMPERED = 1\n")
    code, _, err = run(capsys, "emit", "--check", "g.py")
    assert code == 1 and "stale: the file was edited: its code is not the code adgen wrote" in err


def test_check_keeps_a_one_element_tuple(model, tmp_path, monkeypatch, capsys):
    path = model()
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "emit", f"{path.name}:f", "--wrt", "w,", "-o", "g.py")[0] == 0
    assert "_rt.as_grads(" in (tmp_path / "g.py").read_text()
    assert run(capsys, "emit", "--check", "g.py")[0] == 0


def test_check_errors(model, tmp_path, monkeypatch, capsys):
    path = model()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plain.py").write_text("x = 1\n")
    code, _, err = run(capsys, "emit", "--check", "plain.py")
    assert code == 2 and "not a file generated by adgen" in err
    code, _, err = run(capsys, "emit", "--check", "absent.py")
    assert code == 2 and "absent.py" in err
    assert run(capsys, "emit", f"{path.name}:f", "-o", "g.py")[0] == 0
    path.unlink()
    code, _, err = run(capsys, "emit", "--check", "g.py")
    assert code == 2 and path.name in err
    code, _, err = run(capsys, "emit", "--check", "g.py", f"{path.name}:f")
    assert code == 2


# -- errors -------------------------------------------------------------------------------


def files(folder):
    return sorted(str(p) for p in folder.rglob("*") if "__pycache__" not in p.parts)


def assert_usage_error(capsys, tmp_path, *argv):
    before = files(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.strip() and len(err.strip().splitlines()) == 1, err
    assert files(tmp_path) == before  # nothing written
    return err


def test_missing_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    err = assert_usage_error(capsys, tmp_path, "emit", "cli_nothing_here.py:f", "-o", "g.py")
    assert "cli_nothing_here.py" in err
    assert_usage_error(capsys, tmp_path, "show", "cli_nothing_here.py:f")


def test_missing_function(model, tmp_path, monkeypatch, capsys):
    path = model()
    monkeypatch.chdir(tmp_path)
    err = assert_usage_error(capsys, tmp_path, "emit", f"{path.name}:nope", "-o", "g.py")
    assert "nope" in err


def test_syntax_error(model, tmp_path, monkeypatch, capsys):
    path = model("import numpy as np\n\ndef f(x:\n    return x\n")
    monkeypatch.chdir(tmp_path)
    err = assert_usage_error(capsys, tmp_path, "emit", f"{path.name}:f", "-o", "g.py")
    assert "syntax" in err.lower()


def test_error_while_importing(model, tmp_path, monkeypatch, capsys):
    path = model("raise RuntimeError('boom')\n")
    monkeypatch.chdir(tmp_path)
    err = assert_usage_error(capsys, tmp_path, "show", f"{path.name}:f")
    assert "boom" in err


def test_not_a_python_file(model, tmp_path, monkeypatch, capsys):
    path = model(suffix=".txt")
    monkeypatch.chdir(tmp_path)
    assert_usage_error(capsys, tmp_path, "emit", f"{path.name}:f", "-o", "g.py")


def test_usage_errors(model, tmp_path, monkeypatch, capsys):
    path = model()
    monkeypatch.chdir(tmp_path)
    assert main([]) == 2
    assert main(["emit"]) == 2
    assert main(["frobnicate"]) == 2
    assert main(["emit", path.name]) == 2  # no :FUNC
    assert main(["emit", f"{path.name}:f", "--check", "g.py"]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "g.py").exists()


@pytest.mark.parametrize("stmt", ["global", "try"])
def test_unsupported_syntax_is_exit_1(model, tmp_path, monkeypatch, capsys, stmt):
    body = {
        "global": "    global g\n    return x * x\n",
        "try": "    try:\n        y = x * x\n    except ValueError:\n        y = x\n    return y\n",
    }[stmt]
    path = model("import numpy as np\n\n\ndef f(x):\n" + body)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "emit", f"{path.name}:f", "-o", "g.py")
    assert code == 1 and out == ""
    assert re.search(r"AD1\d\d", err)
    assert f"{path.name}:5:" in err  # rendered diagnostics point into the user's file
    assert not (tmp_path / "g.py").exists()


# -- the module entry point ---------------------------------------------------------------


def test_python_m_adgen_show(model, tmp_path):
    path = model()
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, "-m", "adgen", "show", f"{path.name}:f", "--wrt", "x,w"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(emit.HEADER_MARK) and "def value_and_grad_f" in proc.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "adgen", "show", "missing.py:f"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stderr.strip()


# -- every command fails the same way on bad input ----------------------------------------


def snapshot(folder):
    """Every file under ``folder`` with its content and modification time."""
    return {
        str(p): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


COMMANDS = {
    "emit": ["emit", "{target}", "-o", "g.py"],
    "show": ["show", "{target}"],
    "check": ["check", "{target}"],
}

BROKEN = "import numpy as np\n\ndef f(x:\n    return x\n"


def bad_target(bad, model, folder):
    """A FILE:FUNC that names a missing file, a missing function, a file with a
    syntax error, a file that is not Python, or a folder."""
    if bad == "missing file":
        return "cli_absent_module.py:f"
    if bad == "missing function":
        return f"{model().name}:nope"
    if bad == "syntax error":
        return f"{model(BROKEN).name}:f"
    if bad == "not python":
        return f"{model(suffix='.txt').name}:f"
    (folder / "pkg.py").mkdir()
    return "pkg.py:f"


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("bad", ["missing file", "missing function", "syntax error", "not python", "a folder"])
def test_bad_input_is_one_line_exit_2_and_touches_nothing(model, tmp_path, monkeypatch, capsys, command, bad):
    monkeypatch.chdir(tmp_path)
    target = bad_target(bad, model, tmp_path)
    (tmp_path / "g.py").write_text("# an earlier output\n")
    before = snapshot(tmp_path)
    code, out, err = run(capsys, *[a.format(target=target) for a in COMMANDS[command]])
    assert code == 2 and out == ""
    assert err.startswith("adgen: error: ") and len(err.strip().splitlines()) == 1, err
    assert snapshot(tmp_path) == before


def test_check_without_a_function_on_bad_files(model, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    broken = model(BROKEN)
    text = model(suffix=".txt", tag="_txt")
    before = snapshot(tmp_path)
    for target in ("cli_absent_module.py", broken.name, text.name):
        code, out, err = run(capsys, "check", target)
        assert code == 2 and out == "" and err.startswith("adgen: error: ") and len(err.strip().splitlines()) == 1
    assert "syntax error" in run(capsys, "check", broken.name)[2]
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("where", ["missing folder", "foreign file", "source file"])
def test_outputs_refused_without_touching_anything(model, tmp_path, monkeypatch, capsys, where):
    """``emit -o`` and ``check --stubs``: a bad output path is exit 2 and changes nothing."""
    path = model("import numpy as np\n\n\ndef f(x):\n    return np.sum(np.nextafter(x, 1.0))\n\n\ndef h(x):\n    return np.sum(x)\n")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.py").write_text("# my own code\n")
    out = {"missing folder": "nowhere/g.py", "foreign file": "mine.py", "source file": path.name}[where]
    before = snapshot(tmp_path)
    for argv in (["emit", f"{path.name}:h", "-o", out], ["check", path.name, "--stubs", out]):
        code, stdout, err = run(capsys, *argv)
        assert code == 2 and stdout == "" and err.startswith("adgen: error: "), (argv, err)
        assert len(err.strip().splitlines()) == 1
        assert snapshot(tmp_path) == before
    assert not (tmp_path / "nowhere").exists()
