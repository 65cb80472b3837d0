"""Finite-difference checks of the rules in runtime/rules/selection.py.

Index, mask and condition arguments are not floats, so only the array being
indexed (and float bounds and choices) are checked. Bounds in the clip cases
are kept away from the array's entries (the kinks).
"""

import operator

import numpy as np
import pytest

from adgen.runtime.registry import lookup
from tests.rules.harness import Case, check_case

rng = np.random.default_rng(2)


def r(*shape):
    return rng.standard_normal(shape)


def idx(high, *shape):
    return rng.integers(0, high, size=shape)


x4 = r(4)
x7 = r(7)
x23 = r(2, 3)
x234 = r(2, 3, 4)
mask23 = x23 > 0

# entries at least 0.1 away from the clip bounds used below (+-0.5, 0.25, 1.0, -1.0)
c23 = np.array([[-1.7, -0.8, 0.1], [0.4, 0.75, 1.6]])
c4 = np.array([-1.3, -0.2, 0.6, 1.4])

GETITEM = [
    (x23, 1),
    (x23, -1),
    (x4, 2),
    (x4, -3),
    (x7, slice(1, None, 2)),
    (x7, slice(None, None, -2)),
    (x7, slice(-2, 1, -1)),
    (x23, None),
    (x23, np.newaxis),
    (x234, Ellipsis),
    (x234, (Ellipsis, 1)),
    (x23, (slice(1, None, 2), None)),
    (x234, (0, slice(None), -1)),
    (x234, (None, Ellipsis, slice(1, 3))),
    (x234, (1, None, slice(None, None, -1), 2)),
    (x23, ()),
    (x7, np.array([0, 2, 2, 4, 0])),
    (x7, [1, 1, 3]),
    (x7, np.array([[0, 1], [1, 1]])),
    (x23, ([0, 1, 1], [2, 0, 0])),
    (x23, (np.array([1, 1]), np.array([2, 2]))),
    (x23, mask23),
    (x23, np.array([True, False])),
    (x23, [False, True]),
    (x234, (slice(None), [0, 2, 2], 1)),
    (x234, (np.array([1, 0]), slice(None), np.array([3, 3]))),
    (x234, (Ellipsis, [1, 1])),
    (x234, (np.array([True, False]), slice(1, None), [0, 0])),
    (x234, (None, 1, np.array([[0, 2], [2, 2]]))),
    (x234, (1, x234[0] > 0.5)),
    (x234, (slice(None), x234[0] > 0.5)),
    (x234, x234 < 0),
]


def _getitem_id(index):
    def show(part):
        if isinstance(part, np.ndarray):
            return ("mask" if part.dtype.kind == "b" else "ints") + "x".join(map(str, part.shape))
        if part is Ellipsis:
            return "..."
        if isinstance(part, slice):
            text = lambda v: "" if v is None else str(v)  # noqa: E731
            return f"{text(part.start)}:{text(part.stop)}" + ("" if part.step is None else f":{part.step}")
        return repr(part)

    if not isinstance(index, tuple):
        return f"getitem[{show(index)}]"
    return "getitem[(" + ", ".join(map(show, index)) + ")]"


def _clip_kw(a, lo, hi, mn, mx):
    values = (a, lo, hi, mn, mx)
    return np.clip(a, **{k: values[i] for k, i in clip_options(mn, mx).items()})


def clip_options(mn, mx):
    """The keywords (``min``, ``max``) ``_clip_kw`` passes, by the position of their value."""
    return {k: i for k, i, v in (("min", 3, mn), ("max", 4, mx)) if v is not None}


def _real_sort_complex(a):
    return np.real(np.sort_complex(a))


CASES = [
    # subscripts
    *[Case(operator.getitem, (a, i), id=_getitem_id(i)) for a, i in GETITEM],
    # where
    Case(np.where, (mask23, x23, r(2, 3))),
    Case(np.where, (mask23, r(3), 1.5)),
    Case(np.where, (np.array([True, False, True]), r(2, 1), r(1, 3))),
    Case(np.where, (np.array([[True], [False]]), 0.5, r(3))),
    Case(np.where, (True, x4, -0.5), id="where[scalar condition]"),
    # select
    Case(np.select, ([x23 > 0.5, x23 < 0], [r(2, 3), r(3)], 0.25), wrt=(1, 2)),
    Case(np.select, ([x23 > -0.5, x23 > 0], [r(2, 3), r(2, 3)]), wrt=(1,), id="select[overlap]"),
    Case(np.select, ([x4 > 0, x4 < -1], [1.5, r(4)], r(4)), wrt=(1, 2), id="select[float choice]"),
    Case(np.select, ([x23 > 0], [r(2, 1)], r(1, 3)), wrt=(1, 2), id="select[broadcast default]"),
    # choose
    Case(np.choose, (idx(3, 2, 3), [r(2, 3), r(3), 0.5]), wrt=(1,)),
    Case(np.choose, (idx(3, 2, 3), r(3, 2, 3)), id="choose[array of choices]"),
    Case(np.choose, (np.array([0, 3, -1, 1]), [r(4), r(4)]), {"mode": "wrap"}, wrt=(1,), id="choose[wrap]"),
    Case(np.choose, (np.array([0, 5, -2, 1]), [r(4), r(4)]), {"mode": "clip"}, wrt=(1,), id="choose[clip]"),
    # clip
    Case(np.clip, (c23, -0.5, 0.5)),
    Case(np.clip, (c23, np.array([-1.0, 0.25, -0.5]), np.array([[1.0], [0.5]]))),
    Case(np.clip, (c23, None, 0.5)),
    Case(np.clip, (c23, -0.5, None)),
    Case(np.clip, (c4, -0.5, 0.5), {}),
    Case(np.clip, (c23, 1.0, -1.0), id="clip[crossed bounds]"),
    Case(np.clip, (1.5, -0.5, 1.0)),
    Case(np.clip, (0.3, -0.5, 1.0)),
    Case(np.clip, (-0.7, np.array([-1.0, -0.5, 0.25]), 1.0)),
    Case(np.clip, (c23, None, None, -0.5, 0.5), fn=_clip_kw, id="clip[min=, max=]"),
    Case(np.clip, (c4, None, None, None, np.array([0.25, 0.25, 1.0, 1.0])), fn=_clip_kw, id="clip[max=]"),
    Case(np.ndarray.clip, (c23, -0.5, 0.5)),
    Case(np.ndarray.clip, (c23, None, 0.25)),
    Case(np.ndarray.clip, (c4, np.array([-1.0, 0.25, -0.5, 1.0]), None)),
    Case(np.ndarray.clip, (c23,), {"max": 0.5}),
    # take
    Case(np.take, (x7, 2)),
    Case(np.take, (x7, -1)),
    Case(np.take, (x7, [0, 0, 3])),
    Case(np.take, (x23, np.array([[0, 5], [5, 5]]))),
    Case(np.take, (x234, [2, 0, 2]), {"axis": 1}),
    Case(np.take, (x234, 3), {"axis": -1}),
    Case(np.take, (x234, np.array([[1, 1], [0, 1]]), 0)),
    Case(np.take, (x7, [9, -8, 3]), {"mode": "wrap"}),
    Case(np.take, (x7, [10, -3, 3]), {"mode": "clip"}),
    Case(np.ndarray.take, (x23, [1, 1]), {"axis": 0}),
    Case(np.ndarray.take, (x23, [4, 4, 0])),
    # take_along_axis
    Case(np.take_along_axis, (r(3, 4), idx(4, 3, 2)), {"axis": 1}),
    Case(np.take_along_axis, (r(3, 4), idx(3, 5, 4)), {"axis": 0}),
    Case(np.take_along_axis, (x234, idx(4, 2, 3, 6))),
    Case(np.take_along_axis, (r(3, 4), np.array([[1, 1]])), {"axis": -1}, id="take_along_axis[broadcast]"),
    Case(np.take_along_axis, (x23, np.array([5, 5, 0])), {"axis": None}),
    # triangles
    Case(np.triu, (r(4, 4),)),
    Case(np.triu, (r(3, 4), 1)),
    Case(np.triu, (r(2, 3, 3),), {"k": -1}),
    Case(np.triu, (r(3),)),
    Case(np.tril, (r(4, 4),)),
    Case(np.tril, (r(4, 3), -1)),
    Case(np.tril, (r(2, 3, 3),), {"k": 1}),
    Case(np.tril, (r(3),), {"k": 1}),
    # sort
    Case(np.sort, (x7,)),
    Case(np.sort, (x23,)),
    Case(np.sort, (r(5, 3),), {"axis": 0}),
    Case(np.sort, (x234, 1)),
    Case(np.sort, (x234,), {"axis": None}),
    Case(np.sort, (x23,), {"axis": -1, "kind": "stable"}),
    # sort_complex: along the last axis; a real input's result is complex and its cotangent
    # real. The harness's g is real, so the loss <g, result> reads the result's real part
    # (fn); complex inputs and g are checked in tests/rules/test_complex.py.
    *[Case(np.sort_complex, (a,), fn=_real_sort_complex, **tol) for a, tol in ((x7, {}), (x234, {}), (x4.astype(np.float32), {"rtol": 1e-2, "atol": 1e-3}))],
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


# -- what finite differences cannot show -------------------------------------------------


def test_getitem_cotangent_is_a_fresh_float_array():
    rule = lookup(operator.getitem)
    for a in (np.arange(6).reshape(2, 3), np.arange(6.0, dtype=np.float32).reshape(2, 3)):
        g = np.ones(3, dtype=np.float32)
        cot = rule.fn(g, a[1], a, 1)
        assert cot.shape == a.shape and cot.flags.owndata and cot.flags.writeable
        assert cot.dtype == (np.float32 if a.dtype.kind == "f" else np.float64)
        np.testing.assert_array_equal(cot, [[0, 0, 0], [1, 1, 1]])


def test_getitem_accumulates_repeated_indices():
    rule = lookup(operator.getitem)
    a = np.zeros(3)
    cot = rule.fn(np.array([1.0, 2.0, 4.0]), a[[2, 0, 2]], a, [2, 0, 2])
    np.testing.assert_array_equal(cot, [2.0, 0.0, 5.0])


def test_sort_complex_follows_numpys_order_and_sends_ties_once():
    """Entries with equal real parts are ordered by their imaginary parts; equal entries
    (ties) each get one cotangent entry, as for np.sort; a real input's cotangent is real."""
    rule = lookup(np.sort_complex)
    a = np.array([[1 + 2j, 0.5 + 3j, 1 - 1j, 1 + 2j], [2 + 0j, -1 + 0j, 2 + 0j, 3j]])
    ans = np.sort_complex(a)
    g = np.array([[1 + 1j, 2 + 2j, 3 + 3j, 4 + 4j], [5 - 1j, 6 - 2j, 7 - 3j, 8 - 4j]])
    cot = rule.fn(g, ans, a)
    np.testing.assert_array_equal(cot, [[3 + 3j, 1 + 1j, 2 + 2j, 4 + 4j], [7 - 3j, 5 - 1j, 8 - 4j, 6 - 2j]])
    x = np.array([3.0, 1.0, 3.0, 2.0])
    cot = rule.fn(np.array([1 + 1j, 2 + 2j, 3 + 3j, 4 + 4j]), np.sort_complex(x), x)
    assert not np.iscomplexobj(cot)
    np.testing.assert_array_equal(cot, [3.0, 1.0, 4.0, 2.0])
    ints = np.array([2, 0, 1])
    np.testing.assert_array_equal(rule.fn(np.array([1j, 2.0, 3.0]), np.sort_complex(ints), ints), [3.0, 0.0, 2.0])


def test_clip_ties_go_to_the_argument():
    # a == a_min and a == a_max: the cotangent goes to a, not to the bound
    rule = lookup(np.clip)
    a = np.array([-0.5, 0.5])
    cots = rule.fn(np.ones(2), np.clip(a, -0.5, 0.5), a, -0.5, 0.5)
    np.testing.assert_array_equal(cots[0], [1.0, 1.0])
    assert cots[1] == 0.0 and cots[2] == 0.0


# -- end to end: np.sort_complex in user functions, through adgen.grad ----------------------


def sorted_complex_of_real(x):
    s = np.sort_complex(x * 2.0)
    return np.sum(np.real(s) * np.arange(1.0, 8.0)) + np.sum(np.imag(s) * x)


def sorted_complex_of_complex(x):
    z = x[:4] + 1j * x[4:]
    s = np.sort_complex(z)
    return np.sum(np.abs(s) * np.arange(1.0, 5.0)) + np.real(s[0] * s[-1])


def test_sort_complex_through_the_transpiler():
    from gradcheck import check_complex_grad, check_grad
    from adgen import grad

    x = np.array([0.3, -1.2, 0.8, 2.1, -0.4, 1.5, -0.9])
    check_grad(sorted_complex_of_real, [x], 0, grad(sorted_complex_of_real)(x))
    y = np.array([0.3, -1.2, 0.8, 2.1, -0.4, 1.5, -0.9, 0.6])
    check_grad(sorted_complex_of_complex, [y], 0, grad(sorted_complex_of_complex)(y))
    z = np.array([0.4 + 1j, -0.7 - 0.2j, 1.3 + 0.5j, 0.1 - 0.8j])

    def on_complex(z):
        return np.sum(np.abs(np.sort_complex(z)) ** 2 * np.arange(1.0, 5.0))

    check_complex_grad(on_complex, [z], 0, grad(on_complex)(z))
