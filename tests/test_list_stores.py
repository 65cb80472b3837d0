"""Stores into arrays held in lists and dicts, ``xs[i][j] = v`` (``transpiler/stores.py``,
``runtime/items.py``): gradients against finite differences, the caller's lists left as
the function leaves them, and the refusals, with their codes."""

import numpy as np
import pytest

import liststore_programs as P
from gradcheck import check_grad
from adgen import grad, value_and_grad
from adgen.errors import TranspileError
from adgen.runtime import GradientError, with_item

DIFFERENTIATED = [
    P.rows_in_loops, P.copies_and_slices, P.columns_augmented, P.last_appended, P.sum_of_items,
    P.dict_of_arrays, P.mixed_targets, P.key_expressions, P.three_levels, P.in_a_branch,
    P.masked_item, P.store_then_pop, P.rows_of_a_new_matrix, P.read_before_the_store, P.tuple_items,
    P.constant_values, P.constant_list, P.in_a_while_loop, P.dict_comprehension, P.in_a_helper,
]


def _x(seed):
    x = np.random.default_rng(seed).uniform(0.1, 1.3, 4)
    x[np.abs(x - 0.5) < 0.03] += 0.07  # away from the branches' and masks' edge
    return x


@pytest.mark.parametrize("fn", DIFFERENTIATED, ids=lambda f: f.__name__)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_matches_finite_differences(fn, seed):
    x = _x(seed)
    before = x.copy()
    value, g = value_and_grad(fn)(x)
    assert np.array_equal(x, before)
    assert value == pytest.approx(fn(x.copy()))
    check_grad(lambda v: fn(v.copy()), [x], 0, g)


def test_by_hand():
    # xs[1] = [2 x0, 0, 0]; xs[0] = [0, 2 x0 x1, 0]: f = sum of squares = 4 x0^2 + 4 x0^2 x1^2
    def f(x):
        xs = [np.zeros(3) for _ in range(2)]
        xs[1][0] = x[0] * 2
        xs[0][1:] = xs[1][:2] * x[1:]
        return np.sum(np.stack(xs) ** 2)

    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(grad(f)(x), [8 + 32, 16, 0], rtol=1e-12)


@pytest.mark.parametrize("wrt", [0, 1])
def test_a_list_argument_copied_in_the_function(wrt):
    x = _x(3)
    ys = [np.array([0.5, 0.25, 2.0]), np.array([1.5, 0.75, 0.5])]
    kept = [y.copy() for y in ys]
    g = grad(P.copied_list_argument, wrt=wrt)(x, ys)
    assert all(a is b or np.array_equal(a, b) for a, b in zip(ys, kept))  # the caller's arrays: unchanged, as the function leaves them
    if wrt == 0:
        check_grad(lambda v: P.copied_list_argument(v, [y.copy() for y in ys]), [x], 0, g)
    else:
        flat = np.concatenate(ys)
        unflat = lambda v: [v[:3].copy(), v[3:].copy()]  # noqa: E731
        check_grad(lambda v: P.copied_list_argument(x, unflat(v)), [flat], 0, np.concatenate(g))


def test_generated_code_copies_the_item_and_puts_it_back():
    text = grad(P.rows_in_loops).source_for(np.ones(4))
    assert "= xs[i].copy()" in text and "xs = _rt.with_item(xs, i, _t" in text
    assert "_rt.vjps.with_item_back(" in text  # the list's adjoint: the item's part goes to the copy


REFUSED = [
    (P.into_a_list_argument, "AD305"),
    (P.into_a_copied_list_argument, "AD221"),
    (P.items_from_arguments, "AD221"),
    (P.items_copied_by_method, "AD221"),
    (P.named_item_read_after, "AD306"),
    (P.list_alias_read_after, "AD306"),
    (P.item_in_another_list, "AD306"),
    (P.popped_item_read_after, "AD306"),
    (P.slice_of_a_list, "AD217"),
    (P.into_a_global_list, "AD305"),
    (P.calls_a_helper_that_stores, "AD222"),  # run for its side effects, it would store x[0] unseen
    (P.calls_a_helper_that_stores_into_an_array, "AD222"),
]


def _args(fn):
    return (_x(0), [np.ones(3), np.arange(3.0)])[: fn.__code__.co_argcount]


@pytest.mark.parametrize("fn,code", REFUSED, ids=[f.__name__ for f, _ in REFUSED])
def test_refused_with_a_code_at_the_users_line(fn, code):
    with pytest.raises(TranspileError) as info:
        grad(fn)(*_args(fn))
    diags = [d for d in info.value.diagnostics if d.code == code]
    assert diags, str(info.value)
    assert diags[0].line > fn.__code__.co_firstlineno


CHECKED = [P.same_array_twice, P.repeated_list, P.list_of_lists, P.list_in_a_list, P.array_inside_another_item]


@pytest.mark.parametrize("fn", CHECKED, ids=lambda f: f.__name__)
def test_refused_when_the_gradient_runs(fn):
    # the primal changes one array seen through two items, or an item that is a list
    with pytest.raises(GradientError) as info:
        grad(fn)(*_args(fn))
    assert info.value.code == "AD422"


def test_with_item_checks_and_replaces_one_item():
    a, b = np.zeros(3), np.ones(3)
    new = np.full(3, 2.0)
    xs = [a, b]
    out = with_item(xs, -1, new)
    assert out is not xs and out[0] is a and out[1] is new and xs[1] is b
    assert with_item({"u": a, "v": b}, "u", new)["u"] is new
    with pytest.raises(GradientError, match="AD422"):
        with_item([a, a[1:]], 0, new)  # views of one array


@pytest.mark.xfail(strict=True, reason="`for k in d` copies the keys with list(d), which adgen takes to hold d's arrays: AD306 after a store into d's item")
def test_a_loop_over_the_dict_itself():
    x = _x(0)
    check_grad(lambda v: P.loop_over_the_dict(v.copy()), [x], 0, grad(P.loop_over_the_dict)(x))
