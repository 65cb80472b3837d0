"""Several stores in one assignment and chained stores ``a[i][j] = v`` (``transpiler/stores.py``,
``runtime/chains.py``): gradients against finite differences, refusals with their codes,
and the run-time index against NumPy's own chained stores."""

import itertools

import numpy as np
import pytest

import stores_programs as P
from gradcheck import check_grad
from adgen import grad, runtime
from adgen.errors import TranspileError
from adgen.runtime.chains import chained_index

DIFFERENTIATED = [
    P.kalman_scalar, P.kalman_matrix, P.name_and_store, P.store_then_rebind_its_index, P.nested_targets,
    P.rows_and_a_name, P.list_target, P.same_entry_twice, P.several_equal_targets, P.chained_in_loops,
    P.chained_columns, P.chained_mask_and_list, P.chained_augmented, P.chained_read_after_store,
    P.chained_slice_first, P.chained_three_levels, P.chained_with_advanced_after_slice, P.chained_row_of_a_product,
    P.chained_into_a_list_item, P.chained_into_an_appended_item, P.chained_into_a_dict_item,  # test_list_stores.py
]


@pytest.mark.parametrize("fn", DIFFERENTIATED, ids=lambda f: f.__name__)
@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_matches_finite_differences(fn, seed):
    x = np.random.default_rng(seed).uniform(0.2, 1.2, 4)
    x[np.abs(x - 0.5) < 0.02] += 0.05  # away from the mask's edge
    before = x.copy()
    value, g = __import__("adgen").value_and_grad(fn)(x)
    assert np.array_equal(x, before)
    assert value == pytest.approx(fn(x.copy()))
    check_grad(lambda v: fn(v.copy()), [x], 0, g)


def test_kalman_by_hand():
    # means[t] = 0.9 m, m_{t+1} = means[t] + x[t]; covs do not depend on x:
    # covs = 0.91, 0.8371, 0.778051 (P -> 0.81 P + 0.1 from P = 1)
    x = np.array([1.0, 2.0])
    covs = np.array([0.91, 0.81 * 0.91 + 0.1])
    # means = [0.9 x0, 0.9 (0.9 x0 + x0)] = [0.9 x0, 1.71 x0]
    expected = np.array([0.9 * covs[0] + 1.71 * covs[1], 0.0])
    np.testing.assert_allclose(grad(P.kalman_scalar)(x), expected, rtol=1e-12)


def test_chained_store_of_integers_is_the_one_index_store():
    # a[i][j] with i, j range variables is a[i, j], as a person would write it
    text = grad(P.chained_in_loops).source_for(np.ones(4))
    assert "a[i, j] = x[i] * x[j]" in text and "a[i, :] = a[i, :] + x" in text
    assert "chained_index" not in text and ".copy()" not in text  # nothing overwritten is read back


def test_chained_store_of_other_indices_goes_through_the_run_time_index():
    text = grad(P.chained_augmented).source_for(np.ones(4))
    assert "_rt.chained_index(np.shape(a), k + 1, k * 2)" in text
    assert "a[0, 1] = a[0, 1] + " in text


REFUSED = [
    (P.chained_list_index, "AD217"),
    (P.chained_mask_first, "AD217"),
    (P.chained_into_the_argument, "AD305"),
    (P.tuple_store_into_the_argument, "AD305"),
    (P.chained_through_a_view, "AD306"),
    (P.starred_store, "AD103"),
    (P.chained_into_a_global, "AD305"),
    (P.store_into_a_global, "AD305"),
    (P.store_into_a_helpers_list, "AD305"),
]


@pytest.mark.parametrize("fn,code", REFUSED, ids=[f.__name__ for f, _ in REFUSED])
def test_refused_with_a_code_at_the_users_line(fn, code):
    with pytest.raises(TranspileError) as info:
        grad(fn)(np.ones(4))
    diags = [d for d in info.value.diagnostics if d.code == code]
    assert diags, str(info.value)
    assert diags[0].filename == P.__file__ and diags[0].line > fn.__code__.co_firstlineno


def test_advanced_first_index_at_run_time_is_ad419():
    with pytest.raises(runtime.GradientError, match="AD419"):
        grad(P.chained_array_index_at_run_time)(np.ones(4))


SHAPE = (3, 4, 5)
FIRSTS = [1, -1, (1,), (1, 2), slice(1, 3), (slice(None), 2), (Ellipsis, 1), (None, 1), (1, slice(None, None, -1)), np.int64(2), (0, slice(1, 4, 2))]
SECONDS = [
    0, -1, slice(None), (slice(None), 2), (slice(None), [0, 2]), [0, 1], ([0, 1], slice(None)), (Ellipsis, [1, 0]),
    (0, [1, 2]), (slice(1, None), [0, 1]), (None, 0), ([0, 1], [1, 0]), (slice(None), slice(None), [1, 2]),
    ([1, 0], slice(None), [0, 1]), np.arange(5) % 2 == 0, np.arange(20).reshape(4, 5) > 7, (slice(None), np.arange(4) > 1),
]


@pytest.mark.parametrize("first,second", list(itertools.product(FIRSTS, SECONDS)), ids=str)
def test_chained_index_picks_what_numpy_stores_into(first, second):
    a = np.arange(60.0).reshape(SHAPE)
    try:
        picked = a[first][second]
    except IndexError:
        return  # not a store NumPy makes for this shape
    values = np.random.default_rng(0).standard_normal(np.shape(picked))  # distinct: layout shows
    chained = a.copy()
    chained[first][second] = values
    one = a.copy()
    one[chained_index(SHAPE, first, second)] = values
    np.testing.assert_array_equal(one, chained)


@pytest.mark.parametrize("indices", [(1, 2, 3), (slice(1, 3), 0, [1, 2]), (0, (slice(None), 1), [0, 1]), (None, 0, (1, slice(2)))])
def test_chained_index_three_deep(indices):
    a = np.zeros(SHAPE)
    chained = a.copy()
    target = chained[indices[0]][indices[1]]
    target[indices[2]] = 1.0 + np.arange(np.size(target[indices[2]])).reshape(np.shape(target[indices[2]]))
    one = a.copy()
    one[chained_index(SHAPE, *indices)] = chained[indices[0]][indices[1]][indices[2]]
    np.testing.assert_array_equal(one, chained)


@pytest.mark.parametrize("first", [[0, 1], np.array([0]), np.array(1), True, np.arange(3) > 0])
def test_chained_index_refuses_a_first_index_that_copies(first):
    a = np.zeros(SHAPE)
    a[first][0] = 1.0
    assert not a.any()  # NumPy dropped the store
    with pytest.raises(runtime.GradientError, match="AD419"):
        chained_index(SHAPE, first, 0)
