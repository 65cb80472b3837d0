"""``ruff check`` is clean: the configuration in ``pyproject.toml`` (``[tool.ruff]``)
scopes it to ``transpiler/``, ``runtime/`` and ``benchmarks/`` and selects line length,
import order and unused or undefined names."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_ruff_check_is_clean():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, f"ruff check found problems:\n{done.stdout}{done.stderr}"


def test_ruff_checks_exactly_the_hand_written_sources():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--show-files"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    folders = {pathlib.Path(line).resolve().relative_to(ROOT).parts[0] for line in done.stdout.splitlines() if line.strip()}
    assert folders == {"transpiler", "runtime", "benchmarks"}
