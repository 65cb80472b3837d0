"""Methods of module-level objects of libraries (``norm.logpdf``, ``rng.normal``,
``statistics.NormalDist(...).pdf``) resolve to the bound method: a rule registered for it
with ``defvjp``, or a ``nondiff`` declaration, is found; without one, AD201 names the
object's class and spells the callee as a stub can import it. Hints name real functions
(``scipy.special.gammaln``, not ``np.gammaln``)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.special
import scipy.stats

from adgen import defvjp, grad, nondiff
from adgen.cli import main
from adgen.errors import TranspileError
from adgen.runtime import registry
from gradcheck import numerical_grad
from usermodules import write_and_import

LIBRARY_OBJECTS = """
    import statistics

    import numpy as np

    ND = statistics.NormalDist(0.5, 2.0)
    RNG = np.random.default_rng(0)


    def density(x):
        return ND.pdf(x) * 2.0


    def noisy(mu):
        return np.sum(RNG.normal(mu, 1.0, size=3)) + mu * mu
"""


@pytest.fixture
def module(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    made, _ = write_and_import(tmp_path, LIBRARY_OBJECTS, prefix="libobj")
    yield made
    for key in [k for k in registry._RULES if getattr(k, "__self__", None) in (made.ND, made.RNG)]:
        registry._RULES.pop(key)
    for key in [k for k in registry._NONDIFF if getattr(k, "__self__", None) in (made.ND, made.RNG)]:
        registry._NONDIFF.pop(key)


def test_without_a_rule_ad201_says_what_the_object_is(module):
    with pytest.raises(TranspileError) as err:
        grad(module.density)(0.3)
    (diag,) = err.value.diagnostics
    assert diag.code == "AD201"
    assert diag.message == f"no derivative rule for {module.__name__}.ND.pdf (a method of a statistics.NormalDist)"
    assert f"@defvjp({module.__name__}.ND.pdf)" in diag.hint and f"import {module.__name__}" in diag.hint
    with pytest.raises(TranspileError) as err:
        grad(module.noisy)(0.3)
    assert "(a method of a numpy.random.Generator)" in err.value.diagnostics[0].message
    assert "arrays" not in err.value.diagnostics[0].message


def test_a_rule_for_the_bound_method_is_used(module):
    nd = module.ND

    @defvjp(nd.pdf)
    def pdf_vjp(g, ans, x):
        return g * ans * -(x - 0.5) / 4.0

    for x in (0.3, -1.2, 2.5):
        assert grad(module.density)(x) == pytest.approx(numerical_grad(module.density, (x,), 0), rel=1e-6)


def test_a_nondiff_declaration_for_the_bound_method_is_used(module):
    nondiff(module.RNG.normal)
    assert grad(module.noisy)(0.3) == pytest.approx(0.6, rel=1e-12)  # only mu * mu carries a derivative


def test_another_object_there_later_makes_the_gradient_again(module):
    @defvjp(module.ND.pdf)
    def pdf_vjp(g, ans, x):
        return g * ans * -(x - 0.5) / 4.0

    g = grad(module.density)
    first = g(0.3)
    module.ND = __import__("statistics").NormalDist(0.5, 2.0)  # the same kind, a new object: no rule for it
    with pytest.raises(TranspileError, match="AD201"):
        g(0.3)
    assert first == pytest.approx(numerical_grad(module.density, (0.3,), 0), rel=1e-6)


def test_check_stubs_writes_a_file_that_imports(module, tmp_path, capsys):
    path = os.path.join(str(tmp_path), module.__name__ + ".py")
    stubs = tmp_path / "my_rules.py"
    assert main(["check", path, "--stubs", str(stubs)]) == 1
    capsys.readouterr()
    text = stubs.read_text()
    assert f"@defvjp({module.__name__}.ND.pdf)" in text and f"@defvjp({module.__name__}.RNG.normal)" in text
    done = subprocess.run([sys.executable, "-c", "import my_rules"], cwd=tmp_path, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(tmp_path)), timeout=120)
    assert done.returncode == 0, done.stderr


SCIPY_USER = """
    import numpy as np
    from scipy import special
    from scipy.stats import norm, vonmises


    def loglik(x):
        return np.sum(norm.logpdf(x, 0.5, 2.0))


    def angles(x):
        return np.sum(vonmises.logpdf(x, 2.0))


    def struve(x):
        return np.sum(special.struve(1.0, x))
"""


def test_scipy_callees_are_spelled_as_they_are_found(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    m, _ = write_and_import(tmp_path, SCIPY_USER, prefix="scipyuser")
    x = np.array([0.3, 1.2, 2.0])
    # functions adgen has no rule for (pick others if one gets a rule)
    cases = ((m.angles, scipy.stats.vonmises.logpdf, "scipy.stats.vonmises.logpdf", "scipy.stats"),
             (m.struve, scipy.special.struve, "scipy.special.struve", "scipy.special"))
    for fn, callee, spelled, module in cases:
        assert registry.lookup(callee) is None
        with pytest.raises(TranspileError) as err:
            grad(fn)(x)
        diag = err.value.diagnostics[0]
        assert diag.message.startswith(f"no derivative rule for {spelled}")
        assert f"import {module}\n" in diag.hint and f"@defvjp({spelled})" in diag.hint
        assert "np.struve" not in diag.hint


def test_a_rule_for_a_scipy_distribution_method_is_used(tmp_path, monkeypatch):
    from scipy.stats import norm

    monkeypatch.syspath_prepend(str(tmp_path))
    m, _ = write_and_import(tmp_path, SCIPY_USER, prefix="scipyuser")
    key = norm.logpdf
    registry.lookup(key)  # adgen's own rule, loaded now (not over the one below), is put back after
    before = registry._RULES.get(key)

    @defvjp(norm.logpdf)
    def logpdf_vjp(g, ans, x, loc=0.0, scale=1.0):
        return g * -(x - loc) / scale ** 2

    try:
        x = np.array([0.3, 1.2, 2.0])
        np.testing.assert_allclose(grad(m.loglik)(x), numerical_grad(m.loglik, (x,), 0), rtol=1e-6)
    finally:
        registry._RULES.pop(key)
        if before is not None:
            registry._RULES[key] = before


def test_importing_adgen_does_not_import_scipy(tmp_path):
    script = textwrap.dedent("""
        import sys
        import numpy as np
        from adgen import grad
        grad(lambda x: np.sum(np.sin(x)))(np.ones(2))
        import adgen.coverage
        print("scipy" in sys.modules)
    """)
    (tmp_path / "probe.py").write_text(script)
    done = subprocess.run([sys.executable, "probe.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "False"), done.stderr



RNG = np.random.default_rng(0)


def _logpdf_sum(x):
    return np.sum(scipy.stats.norm.logpdf(x, 0.5, 2.0))


def _with_noise(x):
    noise = RNG.normal(0.0, 1.0, x.shape)  # not differentiated
    return np.sum(x * x) + 0.0 * np.sum(noise)


@pytest.mark.parametrize("f, expected", [
    (_logpdf_sum, lambda x: -(x - 0.5) / 4.0),
    (_with_noise, lambda x: 2.0 * x),
])
def test_a_method_of_a_library_object_is_transformed_once(f, expected, monkeypatch):
    """The guard compares the function a bound method calls, as it recorded it: a method
    made anew on each access does not make the gradient again on every call."""
    from adgen import pipeline

    x = np.array([0.3, 1.0])
    g = grad(f)
    g(x)
    calls = []
    real = pipeline.transform
    monkeypatch.setattr(pipeline, "transform", lambda *a, **k: calls.append(a) or real(*a, **k))
    np.testing.assert_allclose(g(x), expected(x))
    assert calls == []


def test_a_distribution_method_s_stub_spells_its_parameters_and_works_when_filled(tmp_path, monkeypatch):
    """The stub of `scipy.stats.vonmises.logpdf` (SciPy's signature is `(x, *args, **kwds)`)
    lists `x, kappa, loc=0, scale=1`, is named after the distribution, and once its body is
    written, is the rule the gradient uses, in either spelling of the arguments."""
    from adgen import stubs

    text = stubs.stub(scipy.stats.vonmises.logpdf)
    assert "def vonmises_logpdf_vjp(g, ans, x, kappa, loc=0, scale=1):" in text
    assert "def poisson_logpmf_vjp(g, ans, k, mu, loc=0):" in stubs.stub(scipy.stats.poisson.logpmf)
    body = "    return -g * kappa * np.sin((x - loc) / scale) / scale\n"
    assert registry.lookup(scipy.stats.vonmises.logpdf) is None  # adgen has none: pick another distribution if it gets one
    namespace = {"np": np}
    exec(text.replace(text.splitlines()[-1], body), {**namespace, "defvjp": defvjp, "scipy": scipy})
    try:
        for f in (lambda x: np.sum(scipy.stats.vonmises.logpdf(x, 2.0)),
                  lambda x: np.sum(scipy.stats.vonmises.logpdf(x, kappa=2.0, loc=0.0, scale=1.0))):
            x = np.array([0.3, 1.2, -2.0])
            np.testing.assert_allclose(grad(f)(x), numerical_grad(f, (x,), 0), rtol=1e-6, atol=1e-9)
    finally:
        registry._RULES.pop(registry.key(scipy.stats.vonmises.logpdf), None)
