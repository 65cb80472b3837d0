"""What a user installs: one top-level package ``adgen`` (the repository's
``transpiler/`` folder, with ``runtime/`` as ``adgen.runtime``), its metadata and
licence, one version, and an API module that does not load the transpiler for a
generated module."""

import email
import importlib.metadata
import math
import os
import subprocess
import sys
import zipfile

import pytest

import adgen
from adgen.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), ROOT], check=True)
    (path,) = out.iterdir()
    return zipfile.ZipFile(path)


def _metadata(wheel):
    info = f"adgen-{adgen.__version__}.dist-info"
    return email.message_from_bytes(wheel.read(f"{info}/METADATA")), info


def test_the_wheel_installs_one_top_level_name(wheel):
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert tops == {"adgen", f"adgen-{adgen.__version__}.dist-info"}


def test_every_source_file_is_in_the_wheel_under_its_installed_name(wheel):
    names = set(wheel.namelist())
    for folder, package in (("transpiler", "adgen"), ("runtime", "adgen/runtime")):
        for base, _, files in os.walk(os.path.join(ROOT, folder)):
            rel = os.path.relpath(base, os.path.join(ROOT, folder)).replace(os.sep, "/")
            for name in files:
                if name.endswith(".py"):
                    assert f"{package}/{rel}/{name}".replace("/./", "/") in names, (folder, rel, name)


def test_the_metadata_names_licence_authors_urls_and_python(wheel):
    meta, info = _metadata(wheel)
    assert meta["Version"] == adgen.__version__
    assert meta["License-Expression"] == "MIT" and meta["License-File"] == "LICENSE"
    assert "Permission is hereby granted" in wheel.read(f"{info}/licenses/LICENSE").decode()
    assert meta["Author"] and meta["Requires-Python"] == ">=3.11"
    urls = dict(value.split(", ", 1) for value in meta.get_all("Project-URL"))
    assert {"Homepage", "Source", "Issues", "Documentation"} <= set(urls)
    classifiers = meta.get_all("Classifier")
    assert "Programming Language :: Python :: 3.11" in classifiers and any(c.startswith("Topic :: Scientific") for c in classifiers)
    assert "adgen = adgen.cli:main" in wheel.read(f"{info}/entry_points.txt").decode()


def test_one_version(capsys):
    assert importlib.metadata.version("adgen") == adgen.__version__
    assert main(["--version"]) == 0 and capsys.readouterr().out.strip() == f"adgen {adgen.__version__}"


def test_the_public_api():
    for name in adgen.__all__:
        assert getattr(adgen, name) is not None and name in dir(adgen)
    assert adgen.defvjp is adgen.runtime.registry.vjp
    with pytest.raises(AttributeError, match="no attribute 'gradient'"):
        adgen.gradient


def test_a_generated_module_loads_only_the_runtime():
    script = "import sys, adgen.runtime; print(sorted(m for m in sys.modules if m.startswith('adgen')))"
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert "adgen.runtime" in loaded and "adgen.api" not in loaded and "adgen.pipeline" not in loaded


def test_old_top_level_names_are_gone():
    """``transpiler`` and ``runtime`` were the installed names before 0.2.0; they are
    not installed any more (a user's own ``runtime`` package cannot shadow adgen)."""
    script = "import importlib.util as u; print(u.find_spec('transpiler'), u.find_spec('runtime'))"
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=os.path.dirname(ROOT)).stdout
    assert found.split() == ["None", "None"]


def test_a_users_runtime_or_transpiler_package_does_not_shadow_adgen(tmp_path):
    for name in ("runtime", "transpiler"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("raise ImportError('the user\\'s own package was imported')\n")
    (tmp_path / "model.py").write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(np.sin(x) * x)\n")
    script = "import numpy as np, model\nfrom adgen import grad\nprint(grad(model.f)(np.array([0.5, 2.0])).tolist())\n"
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path, env=env).stdout
    x = [0.5, 2.0]
    expected = [math.cos(v) * v + math.sin(v) for v in x]
    assert [float(v) for v in out.strip("[]\n").split(",")] == pytest.approx(expected, rel=1e-12)
