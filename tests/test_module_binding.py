"""Generated code reads the globals of the function's own module, whatever its name, and
never imports or reads another module of the same name (runtime/modules.py,
transpiler/binding.py)."""

import importlib.util
import linecache
import os
import runpy
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from gradcheck import check_grad
from adgen import TranspileError, cli, grad, pipeline, source

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
X = np.array([1.0, 2.0])
MODEL = """
import numpy as np

C = 3.0


def f(x):
    return C * np.sum(x ** 2)
"""
DECOY = "import pathlib\npathlib.Path(__file__).with_suffix('.ran').write_text('ran')\nC = 100.0\n"


@pytest.fixture
def decoy(tmp_path, monkeypatch):
    """A module named ``mymodel`` first on ``sys.path``; it leaves ``mymodel.ran`` if it runs."""
    folder = tmp_path / "decoy"
    folder.mkdir()
    (folder / "mymodel.py").write_text(DECOY)
    monkeypatch.syspath_prepend(str(folder))
    yield folder / "mymodel.ran"
    sys.modules.pop("mymodel", None)


def _from_file(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # never put in sys.modules
    return module


@pytest.mark.parametrize("name", ["mymodel", "my-model", "__main__", "it's\na name"])
def test_a_module_not_in_sys_modules(name, tmp_path, decoy):
    (tmp_path / "real.py").write_text(MODEL)
    module = _from_file(tmp_path / "real.py", name)
    g = grad(module.f)(X)
    np.testing.assert_allclose(g, 6.0 * X)
    check_grad(module.f, [X], 0, g)
    assert not decoy.exists() and sys.modules.get("mymodel") is None


def test_run_path(tmp_path, decoy):
    (tmp_path / "mymodel.py").write_text(MODEL)
    namespace = runpy.run_path(str(tmp_path / "mymodel.py"))
    namespace["f"].__globals__["C"] = 5.0  # run_path returns a copy; the function reads its own, when it runs
    np.testing.assert_allclose(grad(namespace["f"])(X), 10.0 * X)
    assert not decoy.exists()


def test_two_loads_of_one_file_read_their_own_globals(tmp_path):
    (tmp_path / "real.py").write_text(MODEL)
    first, second = _from_file(tmp_path / "real.py", "twice"), _from_file(tmp_path / "real.py", "twice")
    second.C = 7.0
    np.testing.assert_allclose(grad(first.f)(X), 6.0 * X)
    np.testing.assert_allclose(grad(second.f)(X), 14.0 * X)
    assert grad(first.f).source == grad(second.f).source  # one text, two bindings


def test_a_module_without_a_file(tmp_path):
    """grad() works from the globals in memory; emit cannot name the module (AD208)."""
    filename = "<adgen test: no file>"
    text = "import numpy as np\nC = 3.0\n\ndef f(x):\n    return C * np.sum(x ** 2)\n"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"__name__": "nofile"}
    exec(compile(text, filename, "exec"), namespace)
    np.testing.assert_allclose(grad(namespace["f"])(X), 6.0 * X)
    with pytest.raises(TranspileError) as info:
        pipeline.transform(source.load(namespace["f"]), 0, base=str(tmp_path))
    assert [d.code for d in info.value.diagnostics] == ["AD208"]


def _run(args, cwd, env_path=()):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([*env_path, ROOT]))
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


SCRIPT = """
import numpy as np

print("top level ran as", __name__)
SCALE = 1.0


def f(x):
    return SCALE * np.sum(x ** 2)


if __name__ == "__main__":
    SCALE = 10.0
    import grad_script
    print(grad_script.value_and_grad_f(np.array([1.0, 2.0]))[1])
"""


def test_an_emitted_module_imported_by_the_script_it_came_from(tmp_path):
    (tmp_path / "script.py").write_text(SCRIPT)
    assert cli.main(["emit", str(tmp_path / "script.py") + ":f", "-o", str(tmp_path / "grad_script.py")]) == 0
    sys.modules.pop("script", None)
    text = (tmp_path / "grad_script.py").read_text()
    assert "script = _rt.user_module('script', 'script.py', __file__)\n" in text
    run = _run(["script.py"], tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["top level ran as __main__", "[20. 40.]"]  # once, with SCALE = 10


def test_an_emitted_module_imports_its_module_by_name_when_none_runs(tmp_path):
    (tmp_path / "mymodel.py").write_text(MODEL)
    assert cli.main(["emit", str(tmp_path / "mymodel.py") + ":f", "-o", str(tmp_path / "grad_mymodel.py")]) == 0
    sys.modules.pop("mymodel", None)
    run = _run(["-c", "import numpy as np, grad_mymodel; print(grad_mymodel.value_and_grad_f(np.array([1.0, 2.0]))[1])"], tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[ 6. 12.]"


def test_an_emitted_module_never_runs_another_module_of_the_same_name(tmp_path):
    (tmp_path / "mymodel.py").write_text(MODEL)
    assert cli.main(["emit", str(tmp_path / "mymodel.py") + ":f", "-o", str(tmp_path / "grad_mymodel.py")]) == 0
    sys.modules.pop("mymodel", None)
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "grad_mymodel.py").write_text((tmp_path / "grad_mymodel.py").read_text())
    (tmp_path / "decoy").mkdir()
    (tmp_path / "decoy" / "mymodel.py").write_text(DECOY)
    run = _run(["-c", "import grad_mymodel"], moved, [str(tmp_path / "decoy")])
    assert run.returncode != 0 and "AD409" in run.stderr
    assert not (tmp_path / "decoy" / "mymodel.ran").exists()


def test_a_package_module_is_checked_package_by_package(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "model.py").write_text(MODEL)
    assert cli.main(["emit", str(pkg / "model.py") + ":f", "-o", str(pkg / "grad_model.py")]) == 0
    for name in ("pkg", "pkg.model"):
        sys.modules.pop(name, None)
    run = _run(["-c", "import numpy as np; from pkg import grad_model; print(grad_model.value_and_grad_f(np.array([1.0, 2.0]))[1])"], tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[ 6. 12.]"
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "pkg").mkdir()
    (tmp_path / "other" / "pkg" / "__init__.py").write_text(DECOY)
    run = _run(["-c", "import sys; sys.path.insert(0, 'other'); sys.path.append('pkg'); import grad_model"], tmp_path)
    assert run.returncode != 0 and "AD409" in run.stderr
    assert not (tmp_path / "other" / "pkg" / "__init__.ran").exists()


def test_a_gradient_module_imported_for_grad_binds_nothing_by_itself():
    from adgen.runtime import modules

    with modules.deferred():
        placeholder = modules.user_module("anything", "/no/such/file.py", __file__)
    with pytest.raises(ValueError, match="AD409"):
        placeholder.C  # grad() hands the generated functions the real globals instead


def test_a_module_name_is_never_code(tmp_path):
    marker = tmp_path / "PWNED"
    name = f"numpy\nopen({str(marker)!r}, 'w').write('1')\n#"
    (tmp_path / "real.py").write_text(MODEL)
    module = _from_file(tmp_path / "real.py", name)
    sys.modules[name] = module
    try:
        np.testing.assert_allclose(grad(module.f)(X), 6.0 * X)
        assert f"= _rt.user_module({name!r}, " in grad(module.f).source
    finally:
        del sys.modules[name]
    assert not marker.exists()
