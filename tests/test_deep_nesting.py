"""Deeply nested code (a sum of hundreds of terms) is transformed, or refused with AD113
pointing at the statement; never a RecursionError or an InternalError."""

import importlib.util
import sys

import numpy as np
import pytest

from gradcheck import check_grad
from adgen import TranspileError, grad


def _load(tmp_path, name, terms):
    path = tmp_path / f"{name}.py"
    path.write_text("import numpy as np\n\n\ndef f(x):\n    y = x * 1.0\n    return " + " + ".join(f"np.sum(np.sin(y * {k % 7 + 1}.0))" for k in range(terms)) + "\n")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.f


def test_a_long_sum_is_differentiated(tmp_path):
    f = _load(tmp_path, "deep_sum_150", 150)
    x = np.array([0.3, -0.2])
    check_grad(f, [x], 0, grad(f)(x))


def test_a_longer_sum_is_refused_at_its_line(tmp_path):
    f = _load(tmp_path, "deep_sum_400", 400)
    with pytest.raises(TranspileError) as info:
        grad(f)(np.array([0.3, -0.2]))
    [d] = info.value.diagnostics
    assert (d.code, d.line) == ("AD113", 6)


def test_running_out_of_stack_anywhere_is_ad113(tmp_path):
    # called from deep inside a recursion, even a sum the check lets through exhausts the stack
    f = _load(tmp_path, "deep_sum_190", 190)

    def nested(depth):
        return nested(depth - 1) if depth else grad(f)(np.array([0.3, -0.2]))

    with pytest.raises(TranspileError) as info:
        nested(sys.getrecursionlimit() - 350)
    assert {d.code for d in info.value.diagnostics} == {"AD113"}
