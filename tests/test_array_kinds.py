"""Arguments whose type changes what operators or NumPy functions mean (np.matrix,
masked arrays, character and record arrays, other libraries' array-likes) are
refused when the gradient runs (AD410), in containers too, also by a module
written by `emit` and called directly; np.memmap is an ndarray and works. The
static cases (AD309) are in corpus_unsupported.py."""

import importlib.util
import sys
import warnings

import numpy as np
import pytest

from gradcheck import check_grad
from adgen.runtime.core import GradientError
from adgen import cli, grad

pytestmark = pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")

A = np.array([[1.0, 2.0], [3.0, -4.0]])


def loss(x, c):
    return np.sum(x * x * c)


def tree_loss(params, c):
    return np.sum(params["w"] * c) + np.sum(params["b"][0] ** 2)


class ArrayLike:
    """A stand-in for another library's array: it takes over NumPy's functions."""

    def __init__(self, a):
        self.a = np.asarray(a)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return NotImplemented


with warnings.catch_warnings():
    warnings.simplefilter("ignore", PendingDeprecationWarning)
    MATRIX = np.matrix(A)

ODD = {
    "matrix": MATRIX,
    "masked": np.ma.array(A, mask=[[0, 1], [0, 0]]),
    "recarray": np.ones((2, 2)).view(np.recarray),
    "chararray": np.char.array(["a", "b"]),
    "array-like": ArrayLike(A),
}


@pytest.mark.parametrize("kind", sorted(ODD))
def test_an_odd_argument_is_refused(kind):
    odd = ODD[kind]
    with pytest.raises(GradientError, match="AD410.*`x`"):
        grad(loss)(odd, 2.0)
    with pytest.raises(GradientError, match="AD410.*`c`"):
        grad(loss)(A, odd)  # not differentiated, but its operators change the result


@pytest.mark.parametrize("kind", ["matrix", "masked"])
def test_an_odd_value_inside_a_container_is_refused(kind):
    with pytest.raises(GradientError, match="AD410.*`params`"):
        grad(tree_loss)({"w": A, "b": [ODD[kind]]}, 1.0)


def test_the_examples_of_the_issue_are_refused():
    with pytest.raises(GradientError, match="AD410"):
        grad(lambda x: np.sum(x * x))(MATRIX)
    with pytest.raises(GradientError, match="AD410"):
        grad(lambda x: np.sum(x * x))(np.ma.array([1.0, 2.0, 3.0], mask=[0, 1, 0]))


def test_memmap_is_an_ndarray(tmp_path):
    m = np.memmap(tmp_path / "a.dat", dtype=np.float64, mode="w+", shape=(2, 2))
    m[...] = A
    g = grad(loss)(m, 3.0)
    check_grad(loss, [np.asarray(m), 3.0], 0, g)
    assert type(g) is np.ndarray


def test_plain_values_pass():
    g = grad(tree_loss)({"w": A, "b": [np.ones(2), 1.0, None, "s"]}, np.float32(2.0))
    assert g["b"][0].tolist() == [2.0, 2.0] and g["w"].tolist() == [[2.0, 2.0], [2.0, 2.0]]


def test_an_emitted_module_checks_its_arguments(tmp_path, monkeypatch):
    src = tmp_path / "kinds_model.py"
    src.write_text("import numpy as np\n\n\ndef loss(x, c):\n    return np.sum(x * x * c)\n")
    out = tmp_path / "grad_kinds_model.py"
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert cli.main(["emit", f"{src}:loss", "-o", str(out)]) == 0
    finally:
        sys.modules.pop("kinds_model", None)  # emit imported it: do not leave it behind
    spec = importlib.util.spec_from_file_location("grad_model_kinds", out)
    module = importlib.util.module_from_spec(spec)
    sys.modules["grad_model_kinds"] = module
    spec.loader.exec_module(module)
    value, g = module.value_and_grad_loss(A, 2.0)
    assert np.allclose(g, 4.0 * A)
    with pytest.raises(GradientError, match="AD410"):
        module.value_and_grad_loss(MATRIX, 2.0)
    with pytest.raises(GradientError, match="AD410.*complex"):
        module.value_and_grad_loss(A + 1j, 2.0)
