"""Rules users register wherever their code runs: a module loaded from a path, a file
or string run by ``exec()``, a notebook cell, inside a function, as a lambda. Each
is checked against finite differences of the primal the rule describes."""

import importlib.util
import linecache
import numpy as np
import pytest

from adgen import defvjp, grad
from adgen.runtime import registry
from tests.gradcheck import numerical_grad

X = np.array([0.3, -1.2, 2.0])
Y = np.array([1.5, 0.4, -0.7])


def _primals():
    """Fresh primals (a registration is global), each the reference for its rule."""

    def cube(x):
        return x**3

    def mix(x, y):
        return np.sin(x) * y

    return cube, mix


RULES = '''
import numpy as np
from adgen import defvjp

@defvjp(cube)
def cube_rule(g, ans, x):
    three = 3.0  # two statements: called, not inlined
    return g * three * x ** 2

@defvjp(mix)
def mix_rule(g, ans, x, y):
    return g * np.cos(x) * y, g * np.sin(x)
'''


def _check(cube, mix):
    def f(x, y):
        return np.sum(cube(x) * 2.0 + mix(x, y))

    for wrt in (0, 1):
        got = grad(f, wrt=wrt)(X, Y)
        assert np.allclose(got, numerical_grad(f, (X, Y), wrt), rtol=1e-6, atol=1e-8)
    return grad(f, wrt=(0, 1)).source


def test_a_module_loaded_from_a_path(tmp_path):
    cube, mix = _primals()
    path = tmp_path / "my_rules.py"
    path.write_text(RULES)
    spec = importlib.util.spec_from_file_location("rules_from_a_path", path)
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(cube=cube, mix=mix)
    spec.loader.exec_module(module)  # never put in sys.modules
    source = _check(cube, mix)
    assert ".cube_rule(" in source  # called through its module, by name


@pytest.mark.parametrize("how", ["string", "compiled file"])
def test_an_exec_d_file_or_string(how, tmp_path):
    cube, mix = _primals()
    path = tmp_path / "rules.py"
    path.write_text(RULES)
    scope = {"cube": cube, "mix": mix, "__name__": "rules_run_by_exec"}
    if how == "string":
        exec(path.read_text(), scope)  # Python keeps no source: the rules are called as they are
    else:
        exec(compile(path.read_text(), str(path), "exec"), scope)
    source = _check(cube, mix)
    assert ("_rt.rule_of(" in source) == (how == "string")


def test_a_notebook_cell():
    cube, mix = _primals()
    name = "/tmp/ipykernel_4242/3141592653.py"  # how IPython names a cell's code
    linecache.cache[name] = (len(RULES), None, RULES.splitlines(keepends=True), name)
    try:
        exec(compile(RULES, name, "exec"), {"cube": cube, "mix": mix, "__name__": "__main__"})
        _check(cube, mix)
    finally:
        linecache.cache.pop(name, None)


def test_rules_defined_inside_a_function_as_lambdas_or_under_another_name():
    cube, mix = _primals()

    def register():
        three = 3.0

        @defvjp(cube)
        def rule(g, ans, x):
            return g * three * x**2  # reads a closure variable: called, through the registry

    register()
    defvjp(mix)(lambda g, ans, x, y: (g * np.cos(x) * y, g * np.sin(x)))
    source = _check(cube, mix)
    assert "_rt.rule_of(" in source and "np.cos(x)" in source  # the lambda is inlined


def test_a_rule_without_source_may_return_one_cotangent_or_none_for_some():
    cube, mix = _primals()
    scope = {"cube": cube, "mix": mix}
    exec("from adgen import defvjp\nimport numpy as np\n"
         "defvjp(cube)(lambda g, ans, x: g * 3.0 * x ** 2)\n"
         "@defvjp(mix)\ndef mix_rule(g, ans, x, y):\n    return (g * np.cos(x) * y,)\n", scope)
    _check_one = grad(lambda x, y: np.sum(mix(x, y) + cube(y)), wrt=(0, 1))
    gx, gy = _check_one(X, Y)
    assert np.allclose(gx, np.cos(X) * Y) and np.allclose(gy, 3.0 * Y**2)  # mix's y gets no cotangent


def test_the_registry_names_a_rule_it_does_not_have():
    cube, _ = _primals()
    with pytest.raises(LookupError, match="no derivative rule nope is registered"):
        registry.rule_of(cube, "nope")
