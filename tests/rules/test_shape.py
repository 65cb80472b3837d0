"""Finite-difference checks of the rules in runtime/rules/shape.py.

Primals that take a list of arrays (concatenate, stack, np.array, ...) get a
list of cotangents; ``check_case`` checks each float element of such a list as
if it were an argument of its own.
"""

import numpy as np
import pytest

from adgen.runtime import backends
from adgen.runtime.registry import lookup
from tests.rules.harness import Case, check_case, unary_cases

rng = np.random.default_rng(1)


def r(*shape):
    return rng.standard_normal(shape)


# -- cases -------------------------------------------------------------------------------


x23 = r(2, 3)
x234 = r(2, 3, 4)
x131 = r(1, 3, 1)

CASES = [
    # reshaping
    Case(np.reshape, (x23, (3, 2))),
    Case(np.reshape, (x23, (-1,))),
    Case(np.reshape, (x23, (3, -1)), {"order": "F"}),
    Case(np.reshape, (x234, (4, 6))),
    Case(np.reshape, (1.5, (1, 1))),
    Case(np.ndarray.reshape, (x23, 3, 2), id="ndarray.reshape[varargs]"),
    Case(np.ndarray.reshape, (x23, (3, 2)), id="ndarray.reshape[tuple]"),
    Case(np.ndarray.reshape, (x23, -1), id="ndarray.reshape[-1]"),
    Case(np.ndarray.reshape, (x234, 4, -1), {"order": "F"}, id="ndarray.reshape[F]"),
    Case(np.ravel, (x23,)),
    Case(np.ravel, (x234,), {"order": "F"}),
    Case(np.ndarray.ravel, (x23,)),
    Case(np.ndarray.flatten, (x234,)),
    Case(np.ndarray.flatten, (x23,), {"order": "F"}),
    Case(np.expand_dims, (x23, 0)),
    Case(np.expand_dims, (x23, -1)),
    Case(np.expand_dims, (x23, (0, 3))),
    Case(np.expand_dims, (1.5, 0)),
    Case(np.squeeze, (x131,)),
    Case(np.squeeze, (x131, 0)),
    Case(np.squeeze, (x131,), {"axis": -1}),
    Case(np.squeeze, (x131,), {"axis": (0, 2)}),
    Case(np.ndarray.squeeze, (x131,)),
    Case(np.ndarray.squeeze, (x131,), {"axis": 2}),
    *unary_cases(np.atleast_1d),
    *unary_cases(np.atleast_2d, shapes=[(), (4,), (2, 3), (2, 3, 4)]),
    *unary_cases(np.atleast_3d, shapes=[(), (4,), (2, 3)]),
    Case(np.broadcast_to, (r(3), (2, 3))),
    Case(np.broadcast_to, (1.5, (4,))),
    Case(np.broadcast_to, (r(2, 1), (4, 2, 3))),
    Case(np.broadcast_to, (x23, (2, 3))),
    # permuting axes
    Case(np.transpose, (x23,)),
    Case(np.transpose, (x234,)),
    Case(np.transpose, (x234, (1, 0, 2))),
    Case(np.transpose, (x234,), {"axes": (2, 0, 1)}),
    Case(np.transpose, (x234, (-1, 0, 1))),
    Case(np.transpose, (r(4),)),
    Case(np.ndarray.transpose, (x234,), id="ndarray.transpose[]"),
    Case(np.ndarray.transpose, (x234, 2, 0, 1), id="ndarray.transpose[varargs]"),
    Case(np.ndarray.transpose, (x234, (1, 2, 0)), id="ndarray.transpose[tuple]"),
    Case(np.ndarray.transpose, (x234, None), id="ndarray.transpose[None]"),
    Case(np.ndarray.transpose, (r(4), 0), id="ndarray.transpose[1d]"),
    Case(np.ndarray.T, (x23,), fn=lambda a: a.T, id="T[2x3]"),
    Case(np.ndarray.T, (x234,), fn=lambda a: a.T, id="T[2x3x4]"),
    Case(np.ndarray.T, (r(4),), fn=lambda a: a.T, id="T[4]"),
    Case(np.swapaxes, (x234, 0, 2)),
    Case(np.swapaxes, (x234, -1, 1)),
    Case(np.ndarray.swapaxes, (x23, 0, 1)),
    Case(np.moveaxis, (x234, 0, -1)),
    Case(np.moveaxis, (x234, (0, 1), (2, 0))),
    # joining
    Case(np.concatenate, ([x23, r(1, 3)],), wrt=(0,)),
    Case(np.concatenate, ([x23, r(2, 2), r(2, 1)], 1), wrt=(0,)),
    Case(np.concatenate, ((x23, r(2, 4)),), {"axis": -1}, wrt=(0,)),
    Case(np.concatenate, ([x23, r(4), r(1, 2)],), {"axis": None}, wrt=(0,)),
    Case(np.stack, ([x23, r(2, 3)],), wrt=(0,)),
    Case(list, ([x23, r(4), 1.5],), wrt=(0,), id="list[list]"),
    Case(tuple, ((x23, r(4)),), wrt=(0,), id="tuple[tuple]"),
    Case(dict, ([("a", x23), ("b", r(4)), ("a", r(2, 3))],), wrt=(0,), id="dict[pairs]"),
    Case(np.stack, ([x23, r(2, 3), r(2, 3)], 1), wrt=(0,)),
    Case(np.stack, ((r(4), r(4)),), {"axis": -1}, wrt=(0,)),
    Case(np.stack, ([1.5, -0.5, 2.0],), wrt=(0,)),
    Case(np.hstack, ([r(3), r(2)],), wrt=(0,)),
    Case(np.hstack, ([x23, r(2, 1)],), wrt=(0,)),
    Case(np.hstack, ([1.5, r(2)],), wrt=(0,)),
    Case(np.vstack, ([r(3), x23],), wrt=(0,)),
    Case(np.vstack, ([x23, r(1, 3)],), wrt=(0,)),
    Case(np.vstack, ((1.5, 0.5),), wrt=(0,)),
    Case(np.column_stack, ([r(2), x23],), wrt=(0,)),
    Case(np.column_stack, ([r(3), r(3)],), wrt=(0,)),
    # splitting
    Case(np.split, (r(6), 3)),
    Case(np.split, (r(6), [1, 4])),
    Case(np.split, (x234, 2), {"axis": 2}),
    Case(np.split, (r(6), [2, 2, 5]), id="split[empty piece]"),
    Case(np.split, (r(6), 3), zero_outputs=(1,), id="split[unused]"),
    Case(np.split, (x234, [1]), {"axis": -1}, zero_outputs=(0,), id="split[unused first]"),
    Case(np.array_split, (r(5), 3)),
    Case(np.array_split, (x234, [1, 3]), {"axis": 1}),
    Case(np.array_split, (r(7), 3), zero_outputs=(0, 2), id="array_split[unused]"),
    Case(np.hsplit, (x234, 3)),
    Case(np.hsplit, (r(6), [2])),
    Case(np.hsplit, (x234, [1]), zero_outputs=(1,), id="hsplit[unused]"),
    Case(np.vsplit, (x234, 2)),
    Case(np.vsplit, (x234, 2), zero_outputs=(0,), id="vsplit[unused]"),
    # repeating
    Case(np.tile, (r(3), 2)),
    Case(np.tile, (x23, (2, 1, 2))),
    Case(np.tile, (x23, 2)),
    Case(np.tile, (x234, (2, 1))),
    Case(np.tile, (1.5, (2, 3))),
    Case(np.repeat, (x23, 2)),
    Case(np.repeat, (x23, 3), {"axis": 0}),
    Case(np.repeat, (x23, np.array([2, 0, 1])), {"axis": -1}),
    Case(np.repeat, (r(4), [1, 2, 0, 3])),
    Case(np.repeat, (1.5, 3)),
    Case(np.ndarray.repeat, (x23, 2)),
    Case(np.ndarray.repeat, (x23, [1, 3]), {"axis": 0}),
    # reordering
    Case(np.roll, (r(5), 2)),
    Case(np.roll, (x23, -1)),
    Case(np.roll, (x23, 1), {"axis": 1}),
    Case(np.roll, (x234, (1, -2)), {"axis": (0, 2)}),
    Case(np.roll, (x23, (1, 2))),
    Case(np.flip, (x23,)),
    Case(np.flip, (x234, 1)),
    Case(np.flip, (x234,), {"axis": (0, -1)}),
    Case(np.fliplr, (x23,)),
    Case(np.fliplr, (x234,)),
    Case(np.flipud, (x23,)),
    Case(np.flipud, (r(4),)),
    # building arrays
    Case(np.array, ([1.5, -0.5, 2.0],), wrt=(0,)),
    Case(np.array, ([r(3), r(3)],), wrt=(0,)),
    Case(np.array, ([[1.5, 0.2], [0.3, -1.1]],), wrt=(0,), id="array[nested scalars]"),
    Case(np.array, ([[1.5, r(2)[0]], (0.3, -1.1)],), wrt=(0,), id="array[nested mixed]"),
    Case(np.array, (x23,)),
    Case(np.array, ([1.5, 2.25],), {"dtype": np.float64}, wrt=(0,)),
    Case(np.array, ([1.5, 2.25],), {"dtype": int}, wrt=(0,), id="array[int]"),
    Case(np.asarray, ([1.5, -0.5, 2.0],), wrt=(0,)),
    Case(backends.as_array, ([1.5, -0.5, 2.0],), wrt=(0,)),
    Case(backends.as_array, (x23, float)),
    Case(np.asarray, ((r(2, 2), r(2, 2)),), wrt=(0,)),
    Case(np.asarray, (x23,)),
    Case(np.asarray, (x23, np.int64), id="asarray[int]"),
    Case(np.ndarray.astype, (x23, np.float64)),
    Case(np.ndarray.astype, (x23, "float64")),
    Case(np.ndarray.astype, (x23 * 3, np.int32), id="astype[int]"),
    Case(np.ndarray.astype, (x23, bool), id="astype[bool]"),
    Case(np.copy, (x23,)),
    Case(np.copy, (1.5,)),
    Case(np.ndarray.copy, (x234,)),
]


_R = np.random.default_rng(22)
CASES += [
    Case(np.matrix_transpose, (_R.uniform(-2, 2, (2, 3)),)),
    Case(np.matrix_transpose, (_R.uniform(-2, 2, (4, 2, 3)),)),
    Case(np.linalg.matrix_transpose, (_R.uniform(-2, 2, (2, 3)),)),
    Case(np.dstack, ([_R.uniform(-2, 2, (2, 3)), _R.uniform(-2, 2, (2, 3, 2))],), wrt=(0,)),
    Case(np.dstack, ([_R.uniform(-2, 2, 3), _R.uniform(-2, 2, 3)],), wrt=(0,)),
    Case(np.dstack, ([1.5, _R.uniform(-2, 2, (1, 1, 2))],), wrt=(0,)),
]

@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


# -- what finite differences cannot show -------------------------------------------------


def test_astype_casts_back_to_the_input_precision():
    rule = lookup(np.ndarray.astype)
    x = r(2, 3).astype(np.float32)
    ans = x.astype(np.float64)
    g = r(2, 3)
    cot = rule.fn(g, ans, x, np.float64)
    assert cot.dtype == np.float32 and cot.shape == x.shape
    np.testing.assert_allclose(cot, g.astype(np.float32))
    cot = rule.fn(g.astype(np.float32), ans.astype(np.float32), ans, np.float32)
    assert cot.dtype == np.float64


def test_astype_to_integer_has_zero_cotangent():
    rule = lookup(np.ndarray.astype)
    x = r(3)
    cot = rule.fn(np.ones(3), x.astype(int), x, int)
    assert cot.dtype == np.float64 and cot.shape == (3,) and not np.any(cot)


def test_list_cotangents_are_lists():
    x, y = r(2), r(3)
    for primal in (np.concatenate, np.hstack):
        rule = lookup(primal)
        ans = primal((x, y))
        assert isinstance(rule.fn(np.ones(5), ans, (x, y)), list)


def test_order_a_follows_the_arguments_layout():
    # finite differences cannot see order="A" (a perturbed copy is C-contiguous), so
    # compare with the explicit order that "A" means for each layout
    fortran = np.asfortranarray(x23)
    g = r(3, 2)
    for primal, extra in ((np.reshape, ((3, 2),)), (np.ndarray.reshape, (3, 2))):
        rule = lookup(primal).fn
        for a, meant in ((fortran, "F"), (x23, "C")):
            ans = primal(a, *extra, order="A")
            np.testing.assert_array_equal(rule(g, ans, a, *extra, order="A"), rule(g, ans, a, *extra, order=meant))
    for primal in (np.ravel, np.ndarray.ravel, np.ndarray.flatten):
        rule = lookup(primal).fn
        gf = r(6)
        np.testing.assert_array_equal(rule(gf, None, fortran, order="A"), rule(gf, None, fortran, order="F"))


def test_ravel_in_memory_order():
    """order="K" reads the array in the order of its memory, which finite differences do
    not see: find where each raveled entry came from by its (distinct) value instead."""
    base = r(3, 4, 2)
    for a in (base, base.transpose(2, 0, 1), base[::-1, :, ::2], np.asfortranarray(base), base.swapaxes(0, 2)[::2]):
        for primal in (np.ravel, np.ndarray.ravel, np.ndarray.flatten):
            flat = primal(a, order="K")
            g = r(flat.size)
            expected = np.zeros(a.shape)
            for value, gj in zip(flat, g):
                expected[a == value] = gj
            np.testing.assert_array_equal(lookup(primal).fn(g, flat, a, order="K"), expected)


def copied_then_stored(q):
    y = np.sin(q) * 1.0
    z = np.array(y, copy=True)  # a new array: storing into it leaves y as it was
    z[0] = 2.0
    w = y.astype(float, copy=True)
    w *= 3.0
    return np.sum(z * y) + np.sum(w * y) + np.sum(np.asarray(q, dtype=float, copy=None) ** 2)


def maybe_the_argument_then_stored(q):
    y = np.sin(q) * 1.0
    z = np.array(y, copy=False)  # may be y itself
    z *= 3.0
    return np.sum(z * y)


def test_copy_keywords_of_conversions():
    """copy= does not change the values (the rules take it); whether the result may be the
    argument itself is the memory model's (AD305/AD306 for a store through a possible view)."""
    from gradcheck import check_grad
    from adgen import TranspileError, grad

    q = np.array([0.3, -0.7, 1.1])
    check_grad(copied_then_stored, [q], 0, grad(copied_then_stored)(q))
    with pytest.raises(TranspileError, match="AD30[56]"):
        grad(maybe_the_argument_then_stored)(q)
