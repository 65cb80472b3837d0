"""Private names of a class (``self.__w``, ``Model.__scale``, a local ``__t``) are read
as Python compiles them inside the class (``self._Model__w``): the generated code stands
outside the class, where Python would not rewrite them (transpiler/source.py)."""


import numpy as np
import pytest

import usermodules
from gradcheck import check_grad, numerical_grad
from adgen import grad
from adgen.source import class_of

X = np.array([0.3, -0.7, 1.1])


@pytest.fixture(autouse=True)
def importable(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))


def module(tmp_path, text):
    return usermodules.write_and_import(tmp_path, text, "mangled")[0]


MODEL = """
    import numpy as np

    class Model:
        __scale = 3.0
        _Model__decoy = 100.0  # what an unmangled read of __scale must not find instead

        def __init__(self):
            self.__w = np.array([1.0, 2.0, -0.5])
            self.w = np.array([7.0, 7.0, 7.0])

        def loss(self, x):
            __t = x * self.__w * Model.__scale
            return np.sum(__t ** 2) + Model.__inner(self, x)

        def __inner(self, x):
            return np.sum(np.sin(x) * self.__w)

    model = Model()

    def f(x):
        return model.loss(x)
"""


def test_private_attributes_and_locals_of_a_method_called_through_an_object(tmp_path):
    m = module(tmp_path, MODEL)
    w = np.array([1.0, 2.0, -0.5])
    want = 2 * X * (w * 3.0) ** 2 + np.cos(X) * w  # by hand
    np.testing.assert_allclose(grad(m.f)(X), want, rtol=1e-12)
    check_grad(m.f, (X,), 0, grad(m.f)(X))


def test_a_private_class_attribute_rebound_is_read_when_the_gradient_runs(tmp_path):
    m = module(tmp_path, MODEL)
    g = grad(m.f)
    g(X)
    m.Model._Model__scale = 2.0
    np.testing.assert_allclose(g(X), numerical_grad(m.f, (X,), 0), rtol=1e-6, atol=1e-8)


def test_a_nested_function_of_a_method_uses_the_class_of_its_method(tmp_path):
    m = module(tmp_path, """
        import numpy as np

        class Box:
            __k = 4.0

            def make(self):
                def inner(x):
                    return np.sum(Box.__k * x ** 3)
                return inner

        inner = Box().make()
    """)
    np.testing.assert_allclose(grad(m.inner)(X), 12.0 * X**2, rtol=1e-12)


@pytest.mark.parametrize("qualname, owner", [
    ("f", ""),
    ("Model.loss", "Model"),
    ("outer.<locals>.Model.loss", "Model"),
    ("Model.loss.<locals>.inner", "Model"),
    ("f.<locals>.inner", ""),
    ("Model.<lambda>", "Model"),
    ("A.B.f", "B"),
])
def test_the_class_a_qualname_places_a_function_in(qualname, owner):
    assert class_of(qualname) == owner
