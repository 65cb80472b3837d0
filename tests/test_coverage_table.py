"""runtime/rules/COVERAGE.md is the table ``python -m adgen.coverage`` prints, and every
classification in it comes from the registry."""

import os
import re
import subprocess
import sys

import numpy as np

from adgen import coverage
from adgen.runtime import registry

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.path.join(ROOT, "runtime", "rules", "COVERAGE.md")
ROW = re.compile(r"^\| `([^`]+)` \| (rule|non-differentiable|refused) \| (.*) \|$", re.M)


def _committed():
    with open(PAGE, encoding="utf-8") as f:
        return f.read()


def test_the_page_is_in_sync_with_the_registry():
    text = _committed()
    made = re.search(r"\(NumPy ([^)]+)\)", text).group(1)
    if made == np.__version__:
        assert coverage.table() == text, "run `python -m adgen.coverage > runtime/rules/COVERAGE.md`"
        return
    # another NumPy has other callables: the ones both have must read the same
    now = {m.group(1): m.groups()[1:] for m in ROW.finditer(coverage.table())}
    then = {m.group(1): m.groups()[1:] for m in ROW.finditer(text)}
    common = now.keys() & then.keys()
    assert len(common) > 0.9 * len(then)
    assert {k: now[k] for k in common} == {k: then[k] for k in common}


def test_every_callable_is_classified_once():
    rows = ROW.findall(coverage.table())
    names = [name for name, _, _ in rows]
    assert len(names) == len(set(names))
    expected = sum(len(coverage.callables(obj)) for _, obj in coverage.NAMESPACES)
    assert len(rows) == expected
    assert all(reason for _, kind, reason in rows if kind == "refused")  # a refusal says why
    statements = {f"np.{f.__name__}" for f in coverage.STATEMENTS}
    assert not any(reason for name, kind, reason in rows if kind != "refused" and name not in statements)


def test_the_kinds_are_the_registry_s():
    for namespace, obj in coverage.NAMESPACES:
        for name, value in coverage.callables(obj):
            kind, _ = coverage.classify(namespace, name, value)
            assert (kind == "rule") == (registry.lookup(value) is not None or value in coverage.STATEMENTS), name
            assert (kind == "non-differentiable") == (registry.lookup(value) is None and registry.is_nondiff(value)), name


def test_the_reasons_name_callables_that_exist():
    known = {f"{ns}.{name}" for ns, obj in coverage.NAMESPACES for name, _ in coverage.callables(obj)}
    known |= {name for name, _ in coverage.callables(np)}  # a bare name is of np
    listed = set(coverage._REASON_OF)
    assert len(listed - known) <= 0.05 * len(listed), sorted(listed - known)  # a few come and go with NumPy's version


def test_python_m_prints_it():
    done = subprocess.run([sys.executable, "-m", "adgen.coverage"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout == coverage.table()
