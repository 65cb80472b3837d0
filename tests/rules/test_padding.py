"""Finite-difference checks of np.pad's rule (runtime/rules/padding.py), in every mode.

np.pad takes its mode's options as keywords only; the cases pass them
positionally to a wrapper, in the rule's parameter order, so that the harness
checks the cotangents of ``constant_values`` and ``end_values`` too.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from gradcheck import check_grad, check_vjp
from adgen.runtime.core import GradientError
from adgen.runtime.registry import lookup
from tests.rules.harness import Case, check_case
from adgen import grad

rng = np.random.default_rng(12)


def r(*shape):
    return rng.standard_normal(shape)


def padded(array, pad_width, mode="constant", stat_length=None, constant_values=0, end_values=0, reflect_type="even"):
    """np.pad with the options the mode takes, from positional arguments."""
    values = (array, pad_width, mode, stat_length, constant_values, end_values, reflect_type)
    return np.pad(array, pad_width, mode, **{k: values[i] for k, i in pad_options(mode, stat_length).items()})


def pad_options(mode, stat_length=None):
    """The keyword ``np.pad`` takes in ``mode``, by the position of its value among
    ``padded``'s parameters."""
    named = {"constant": ("constant_values", 4), "linear_ramp": ("end_values", 5), "reflect": ("reflect_type", 6), "symmetric": ("reflect_type", 6)}
    if mode in named:
        return dict([named[mode]])
    return {"stat_length": 3} if stat_length is not None else {}


def padded_empty(array, pad_width, mode):
    """mode='empty' leaves the padded entries undefined: compare only the middle."""
    out = np.pad(array, pad_width, mode)
    keep = np.pad(np.ones_like(array, dtype=bool), pad_width)
    return np.where(keep, out, 0.0)


def case(args, fn=padded, **kw):
    mode = args[2] if len(args) > 2 else "constant"
    return Case(np.pad, args, fn=fn, wrt=kw.pop("wrt", None), id=f"pad[{mode},{len(CASES_SO_FAR)}]", **kw)


CASES_SO_FAR = []
WIDTHS = [1, (2, 1), ((1, 0), (3, 2)), ((0, 0), (4, 1)), {1: (2, 3)}, {-2: 1}]
LINEAR = ["edge", "wrap", "reflect", "symmetric"]

for mode in LINEAR:
    for width in WIDTHS:
        CASES_SO_FAR.append(case((r(3, 4), width, mode)))
    CASES_SO_FAR.append(case((r(5), (7, 9), mode)))  # wider than the array: several rounds
    CASES_SO_FAR.append(case((r(2, 3, 2), ((1, 2), (0, 1), (3, 0)), mode)))
    CASES_SO_FAR.append(case((r(1, 2), ((2, 1), (2, 3)), mode)))  # axes of length 1 and 2
for mode in ("reflect", "symmetric"):
    for width in [1, (2, 1), ((1, 3), (4, 2))]:
        CASES_SO_FAR.append(case((r(3, 4), width, mode, None, 0, 0, "odd")))
    CASES_SO_FAR.append(case((r(4), (9, 7), mode, None, 0, 0, "odd")))
    CASES_SO_FAR.append(case((r(2), (3, 4), mode, None, 0, 0, "odd")))
for mode in ("mean", "maximum", "minimum", "median"):
    for width in [1, ((2, 1), (1, 2))]:
        CASES_SO_FAR.append(case((r(3, 4), width, mode)))
    for length in [2, (1, 3), ((2, 1), (3, 4)), 10]:
        CASES_SO_FAR.append(case((r(4, 5), ((1, 2), (2, 1)), mode, length)))
    CASES_SO_FAR.append(case((r(2, 3, 4), 1, mode, ((1, 2), (3, 3), (2, 4)))))
CASES_SO_FAR += [
    case((r(3, 4), 1, "linear_ramp")),
    case((r(3, 4), ((2, 1), (0, 3)), "linear_ramp", None, 0, 0.5)),
    case((r(3, 4), ((2, 1), (1, 3)), "linear_ramp", None, 0, r(2))),
    case((r(3, 4), ((2, 1), (1, 3)), "linear_ramp", None, 0, r(2, 2))),
    case((r(5), (3, 2), "linear_ramp", None, 0, r(1, 2))),
    case((r(3, 4), ((1, 2), (0, 1)), "constant")),
    case((r(3, 4), ((1, 2), (2, 1)), "constant", None, 0.7)),
    case((r(3, 4), ((1, 2), (2, 1)), "constant", None, r(2, 2))),
    case((r(3, 4), 1, "constant", None, r(2))),
    case((r(3), 2, "constant", None, r(1, 2))),
    case((r(3, 4), {0: 2}, "constant", None, r(2, 1))),
    case((r(3, 4), ((1, 2), (2, 1)), "empty"), fn=padded_empty),
    case((r(3), (2, 3), "empty"), fn=padded_empty),
    Case(np.pad, (r(2, 3), 1)),
    Case(np.pad, (r(4), (2, 1)), {"mode": "reflect"}),
]
CASES = CASES_SO_FAR


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


def test_every_named_mode_has_a_case():
    modes = {c.args[2] if len(c.args) > 2 else c.kwargs.get("mode", "constant") for c in CASES}
    named = {"constant", "edge", "linear_ramp", "maximum", "mean", "median", "minimum", "reflect", "symmetric", "wrap", "empty"}
    assert modes == named


def test_a_hand_computed_reflection():
    """np.pad([a, b, c], (2, 0), 'reflect') = [c, b, a, b, c]: a gets g2, b g1 + g3, c g0 + g4."""
    g = np.array([1.0, 10.0, 100.0, 1000.0, 10000.0])
    x = np.array([0.5, 1.5, 2.5])
    cot = lookup(np.pad).fn(g, np.pad(x, (2, 0), "reflect"), x, (2, 0), "reflect")[0]
    assert cot.tolist() == [100.0, 1010.0, 10001.0]


def test_a_function_as_mode_is_refused_when_the_gradient_runs():
    def fill(vector, width, axis, kwargs):
        vector[: width[0]] = vector[width[0]]

    x = r(4)
    with pytest.raises(GradientError, match="AD411"):
        lookup(np.pad).fn(np.ones(6), np.pad(x, 1, fill), x, 1, fill)


def test_refuse_names_a_function_as_mode():
    refuse = lookup(np.pad).refuse
    assert refuse(mode=lambda *a: None) and refuse(mode="edge") is None and refuse() is None


# -- end to end: np.pad as users write it, keywords and all ------------------------------------

X = rng.standard_normal((3, 4))


def pad_edge(x):
    return np.sum(np.sin(np.pad(x, ((1, 2), (3, 0)), mode="edge")) * np.arange(42.0).reshape(6, 7))


def pad_reflect_odd(x):
    return np.sum(np.pad(x, 5, mode="reflect", reflect_type="odd") ** 2)


def pad_symmetric(x):
    return np.sum(np.cos(np.pad(x, {1: (2, 6)}, mode="symmetric")))


def pad_wrap(x):
    return np.sum(np.pad(x, (4, 1), "wrap") ** 3)


def pad_median(x):
    return np.sum(np.pad(x, 2, mode="median", stat_length=((2, 3), (1, 4))) ** 2)


def pad_stats(x):
    return (np.sum(np.pad(x, ((1, 2), (2, 1)), mode="maximum") * np.arange(42.0).reshape(6, 7))
            + np.sum(np.pad(x, 1, "minimum", stat_length=2) ** 2) + np.sum(np.sin(np.pad(x, (2, 3), mode="mean", stat_length=(1, 3)))))


def pad_empty(x):
    return np.sum(np.pad(x, 2, mode="empty")[2:-2, 2:-2] ** 2)


def pad_ramp(x, c):
    return np.sum(np.tanh(np.pad(x, ((2, 1), (1, 2)), mode="linear_ramp", end_values=((c, 2.0 * c), (0.5, -c)))))


def pad_constant(x, c):
    return np.sum(np.pad(x, 1, constant_values=c) ** 2)


@pytest.mark.parametrize("fn", [pad_edge, pad_reflect_odd, pad_symmetric, pad_wrap, pad_median, pad_stats, pad_empty])
def test_through_the_transpiler(fn):
    check_grad(fn, [X], 0, grad(fn)(X))


@pytest.mark.parametrize("fn", [pad_ramp, pad_constant])
def test_differentiated_pad_values(fn):
    gx, gc = grad(fn, wrt=(0, 1))(X, 0.3)
    check_grad(fn, [X, 0.3], 0, gx)
    check_grad(fn, [X, 0.3], 1, gc)


# -- any mode, shape, width and option (derandomised) ------------------------------------------

MODES = ["constant", "edge", "linear_ramp", "maximum", "mean", "median", "minimum", "reflect", "symmetric", "wrap"]


@st.composite
def pad_calls(draw):
    """``(array, pad_width, mode, options)`` in every form NumPy takes them."""
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim)))
    w = st.integers(0, 5)
    pair = st.tuples(w, w)
    width = draw(st.one_of(w, st.tuples(w), pair, st.tuples(pair), st.tuples(*[pair] * ndim),
                           st.dictionaries(st.integers(-ndim, ndim - 1), st.one_of(w, pair), max_size=2)))
    mode = draw(st.sampled_from(MODES))
    options = {}
    if mode in ("maximum", "mean", "median", "minimum") and draw(st.booleans()):
        length = st.integers(1, 5)
        options["stat_length"] = draw(st.one_of(length, st.tuples(length, length), st.tuples(*[st.tuples(length, length)] * ndim)))
    if mode in ("reflect", "symmetric"):
        options["reflect_type"] = draw(st.sampled_from(["even", "odd"]))
    values = {"constant": "constant_values", "linear_ramp": "end_values"}.get(mode)
    if values and draw(st.booleans()):
        options[values] = draw(st.sampled_from([(), (2,), (ndim, 2)]))  # a shape: random values below
    seed = draw(st.integers(0, 2**16))
    return shape, width, mode, options, seed


@settings(max_examples=60, deadline=None, derandomize=True, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
@given(call=pad_calls())
def test_any_pad_call(call):
    """The rule against finite differences, in the array and in constant_values/end_values."""
    shape, width, mode, options, seed = call
    generator = np.random.default_rng(seed)
    x = generator.standard_normal(shape)
    name = {"constant": "constant_values", "linear_ramp": "end_values"}.get(mode)
    values = generator.standard_normal(options.pop(name)) if name in options else None

    def fn(array, values):
        return np.pad(array, width, mode, **options, **({name: values} if values is not None else {}))

    ans = fn(x, values)
    g = generator.standard_normal(ans.shape)
    cots = lookup(np.pad).fn(g, ans, x, width, mode, **options, **({name: values} if values is not None else {}))
    check_vjp(lambda a: fn(a, values), [x], 0, g, cots[0])
    if values is not None:
        check_vjp(lambda v: fn(x, v), [values], 0, g, cots[5 if name == "end_values" else 4])


@pytest.mark.parametrize("mode", ["mean", "median"])
def test_a_statistic_of_no_entries(mode):
    """stat_length=0: NumPy pads with NaN, made from no entry; the array's entries get their own cotangent."""
    x = np.array([0.5, -1.0, 2.0])
    g = np.arange(1.0, 8.0)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ans = np.pad(x, 2, mode, stat_length=0)
        assert np.isnan(ans[0])
        assert lookup(np.pad).fn(g, ans, x, 2, mode, stat_length=0)[0].tolist() == [3.0, 4.0, 5.0]
