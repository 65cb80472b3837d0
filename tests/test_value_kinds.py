"""A value the gradient reads but does not differentiate (a global, a closure variable,
an attribute of a class or of an object, an item of a list, tuple or dict of them) may
be of a kind that changes what the transform must do: complex (only complex rules),
``np.matrix`` or a masked array (AD309), an object whose ``[...]`` computes (AD209).
Whether it is seen when the gradient is first made, or the value is rebound to such a
kind afterwards (the same ``grad`` object called again, or a second closure of one
factory), the gradient is right or refused with a code: never the gradient the old
kind's code gives.

Each case writes a module, takes the gradient with the value plain (a real array or
number, a dict), then with the value of the new kind, and checks both against finite
differences on the real and imaginary parts (``check_complex_grad``).
"""

import collections
import importlib.util
import itertools
import sys
import textwrap
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from gradcheck import check_complex_grad
from adgen.runtime.core import GradientError
from adgen import TranspileError, grad

X = np.array([0.3, -0.7, 1.1])
_count = itertools.count()

# where the value lives: (module text with VALUE as a placeholder expression read as V, how to rebind it)
PLACES = {
    "global": ("V = {value}\n", "V", lambda m, v: setattr(m, "V", v)),
    "class attribute": ("class Config:\n    v = {value}\n", "Config.v", lambda m, v: setattr(m.Config, "v", v)),
    "object attribute": ("class Config:\n    pass\n\nconfig = Config()\nconfig.v = {value}\n", "config.v",
                         lambda m, v: setattr(m.config, "v", v)),
    "namespace attribute": ("lib = types.SimpleNamespace(v={value})\n", "lib.v", lambda m, v: setattr(m.lib, "v", v)),
    "item of a global list": ("BOX = [{value}]\n", "BOX[0]", lambda m, v: m.BOX.__setitem__(0, v)),
    "item of a global dict": ("BOX = {{'v': {value}}}\n", "BOX['v']", lambda m, v: m.BOX.__setitem__("v", v)),
    "item of a global tuple": ("BOX = ({value},)\n", "BOX[0]", lambda m, v: setattr(m, "BOX", (v,))),
    "global a helper returns": ("V = {value}\n\n\ndef helper():\n    return V\n", "helper()", lambda m, v: setattr(m, "V", v)),
    "closure variable": ("def make(v):\n    def f(x):\n        return {body}\n    return f\n\nf = make({value})\n", "v",
                         lambda m, v: setattr(m, "f", m.make(v))),
}

# what the function does with it, and the values: plain, then of the new kind
USES = {
    "complex scalar": ("np.sum(np.abs(x * {v}) ** 3)", "2.0", 1.5 - 2.0j),
    "complex array": ("np.sum(np.abs(np.sin(x * {v})))", "np.array([1.0, 2.0, 0.5])", np.array([1.0 + 1.0j, 2.0j, 0.5])),
    "complex under np.maximum": ("np.sum(np.maximum(np.abs(x * {v}), 0.1))", "1.5", 1.5j),
    "matrix": ("np.sum((x * {v}) @ x)", "np.ones((3, 3))", "matrix"),
    "masked array": ("np.sum(np.sin(x * {v}))", "np.ones(3)", "masked"),
    "object computing [...]": ("{v}[x[0]] * x[1] + np.sum(x)", "collections.defaultdict(lambda: 1.0)", "table"),
}

ACCEPTED = {"AD209", "AD309", "AD310", "AD410"}


class Table:
    """A lookup table whose ``[...]`` interpolates: it computes from the index."""

    def __getitem__(self, k):
        return 3.0 * k


class Defaulted(dict):
    def __missing__(self, k):
        return 2.0 * k


def new_value(kind):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return {"matrix": np.matrix(np.eye(3) * 2.0), "masked": np.ma.array([1.0, 2.0, 3.0], mask=[0, 1, 0]),
                "table": Table()}.get(kind, kind) if isinstance(kind, str) else kind


def load(place, use, folder):
    text, ref, rebind = PLACES[place]
    body, plain, _ = USES[use]
    expr = body.format(v=ref)
    source = text.format(value=plain, body=expr)
    if place != "closure variable":
        source += f"\n\ndef f(x):\n    return {expr}\n"
    name = f"value_kinds_{next(_count)}"
    path = folder / f"{name}.py"
    path.write_text("import collections\nimport types\n\nimport numpy as np\n\n" + source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module, rebind


def right_or_refused(g, f, x=X, accepted=ACCEPTED):
    """``g(x)`` is ``f``'s gradient, or a coded refusal of this class."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            got = g(x)
    except (TranspileError, GradientError) as exc:
        codes = {d.code for d in exc.diagnostics} if isinstance(exc, TranspileError) else {exc.code}
        assert codes <= accepted, exc
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        check_complex_grad(f, [x], 0, got)


@pytest.mark.parametrize("use", USES)
@pytest.mark.parametrize("place", PLACES)
def test_a_value_rebound_to_another_kind_after_the_first_gradient(place, use, tmp_path):
    m, rebind = load(place, use, tmp_path)
    g = grad(m.f)
    right_or_refused(g, m.f)  # plain: the gradient is made
    rebind(m, new_value(USES[use][2]))
    right_or_refused(g if place != "closure variable" else grad(m.f), m.f)  # the same grad (or the same code) again
    right_or_refused(grad(m.f), m.f)


@pytest.mark.parametrize("use", USES)
@pytest.mark.parametrize("place", PLACES)
def test_a_value_of_that_kind_from_the_start(place, use, tmp_path):
    m, rebind = load(place, use, tmp_path)
    rebind(m, new_value(USES[use][2]))
    right_or_refused(grad(m.f), m.f)


def test_a_dict_that_computes_missing_keys_is_not_a_selection(tmp_path):
    m, rebind = load("global", "object computing [...]", tmp_path)
    rebind(m, Defaulted())
    with pytest.raises(TranspileError, match="AD209"):
        grad(m.f)(X)


COMPLEX_MADE = [
    "np.zeros(3, np.complex128) + x - 5.0",
    "np.asarray(x, np.complex128) - 5.0",
    "np.array(x, 'complex') - 5.0",
    "np.full(3, -5.0, complex) + x",
    "np.zeros_like(x, np.cdouble) + x - 5.0",
    "np.empty(3, np.complex64) * 0 + x - 5.0",
    "np.ones(3, dtype=np.dtype('c16')) * (x - 5.0)",
    "x + cmath.sqrt(-1.0) * 0 - 5.0",
    "np.zeros(3, dtype=C.dtype) + x - 5.0",
    "(x - 5.0).astype(C.dtype)",
    "np.asarray(x - 5.0, np.dtype('complex128'))",
    "x * phase() - 5.0",  # functions of yours returning what they read
    "x * outer() - 5.0",
]

HELPERS = """
IM = np.array([2.0j, 2.0j, 2.0j])


def phase():
    return IM * 1.0


def outer():
    return phase() + 0.0
"""


@pytest.mark.parametrize("made", COMPLEX_MADE)
def test_complex_values_made_from_real_arguments_are_seen(made, tmp_path):
    """Positional dtypes, complex-making modules, functions of yours: sqrt of a negative complex value is
    imaginary, and |.| of it must use the complex rule (the real one flips the sign)."""
    path = tmp_path / "made.py"
    path.write_text(f"import cmath\n\nimport numpy as np\n\nC = np.ones(2, complex)\n{HELPERS}\n\ndef f(x):\n    return np.sum(np.abs(np.sqrt({made})))\n")
    spec = importlib.util.spec_from_file_location(f"made_{next(_count)}", path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    right_or_refused(grad(m.f), m.f)


@settings(max_examples=25, deadline=None, derandomize=True, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
@given(place=st.sampled_from(sorted(PLACES)), use=st.sampled_from(sorted(USES)), kinds=st.lists(st.booleans(), min_size=2, max_size=5))
def test_any_sequence_of_kinds(place, use, kinds, tmp_path_factory):
    """One grad object, its value rebound back and forth between plain and the new kind."""
    m, rebind = load(place, use, tmp_path_factory.mktemp("kinds"))
    g = grad(m.f)
    for new in kinds:
        rebind(m, new_value(USES[use][2]) if new else eval(USES[use][1], {"np": np, "collections": collections}))  # noqa: S307 - the test's literals
        right_or_refused(g if place != "closure variable" else grad(m.f), m.f)


@pytest.mark.parametrize("body", ["((t - 5.0) ** 0.5).imag", "np.imag((t - 5.0) ** 0.5) * 2.0", "np.angle((t - 5.0) ** 0.5 + 1.0)"])
def test_the_imaginary_part_of_a_complex_value_adgen_did_not_see(body, tmp_path):
    """Python's ** of a negative float is complex (NumPy's is NaN): nothing shows it
    statically. The imaginary part or angle of a value judged real is checked when the
    gradient runs (it was a silent 0)."""
    path = tmp_path / "unseen.py"
    path.write_text(f"import numpy as np\n\n\ndef f(t):\n    return {body}\n")
    spec = importlib.util.spec_from_file_location(f"unseen_{next(_count)}", path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    right_or_refused(grad(m.f), m.f, 0.4, accepted={"AD411"})
    right_or_refused(grad(m.f), m.f, 7.0)  # a positive base: real, and right
