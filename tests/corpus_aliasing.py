"""Aliasing cases, one function each: names that share memory however their arrays
were made, conversions that may return their argument, stores into integer arrays,
calls that change values in place. ``RIGHT`` are differentiated (checked against
central differences, with the caller's arrays unchanged); ``REFUSED`` are refused
with the code given, when the gradient is made (AD3xx) or when it runs (AD408).
"""

import numpy as np

G = np.array([1.0, 2.0, 3.0])


def same(a):
    return a


def bump(a):
    a += 1.0
    return 0.5


def scale(a, k):
    a *= k
    return a


def tail(a):
    return a[1:]


CHANGERS = [bump]


# -- refused ------------------------------------------------------------------------------


def fancy_index_of_new_array_then_alias(x):
    v = np.sin(x)[[0, 1]]
    w = v
    v *= 3.0
    return np.sum(w ** 2)


def slice_of_arithmetic_then_alias(x):
    v = (x * 2.0)[:2]
    w = v
    v *= 3.0
    return np.sum(w ** 2)


def astype_no_copy(x):
    y = x * 1.0
    z = y.astype(float, copy=False)
    z *= 3.0
    return np.sum(y * y)


def array_no_copy(x):
    y = x * 1.0
    z = np.array(y, copy=False)
    z[:] = z * 3.0
    return np.sum(y * y)


def array_copy_none(x):
    y = x * 1.0
    z = np.array(y, copy=None)
    z *= 3.0
    return np.sum(y * y)


def require(x):
    z = np.require(x)
    z[0] = 5.0
    return np.sum(z * x)


def asarray_chkfinite(x):
    z = np.asarray_chkfinite(x)
    z[0] = 5.0
    return np.sum(z * x)


def nan_to_num_no_copy(x):
    z = np.nan_to_num(x, copy=False)
    z[0] = 5.0
    return np.sum(z * x)


def as_strided(x):
    z = np.lib.stride_tricks.as_strided(x)
    z[0] = 5.0
    return np.sum(z * x)


def store_through_conversion_of_other_argument(x, m):
    w = np.asarray(m)
    w[0] = x[0]
    return np.sum(w * x)


def einsum_view(x):
    y = x * 1.0
    t = np.einsum("i->i", y)
    t *= 2.0
    return np.sum(y * x)


def conj_of_real_is_itself(x):
    y = x * 1.0
    z = y.conj()
    z += 1.0
    return np.sum(y * y)


def diff_of_order_zero_is_itself(x):
    y = x * 1.0
    z = np.diff(y, n=0)
    z *= 2.0
    return np.sum(y * x)


def alias_through_list(x):
    y = x * 1.0
    ys = [y, x]
    y *= 2.0
    return np.sum(ys[0] * x)


def alias_through_dict(x):
    y = x * 1.0
    d = {"a": y}
    z = d["a"]
    z *= 2.0
    return np.sum(y * x)


def alias_through_helper(x):
    y = x * 1.0
    z = same(y)
    z *= 2.0
    return np.sum(y * x)


def helper_changes_argument_read_later(x):
    y = x * 1.0
    t = bump(y)
    return np.sum(y * x) + t


def helper_changes_argument_before_a_gradient_reads_it(x, m):
    w = m * 1.0
    c = w * x
    t = bump(w)
    return np.sum(c * c) + t


def helper_changes_argument_not_differentiated(x, m):
    # bump runs as it is, in the gradient too: what reads w after it sees the same change
    w = m * 1.0
    t = bump(w)
    return np.sum(w * x) + t


def global_changed_in_place(x):
    b = G
    b += x
    return np.sum(G * x)


def fill_method(x):
    m = np.ones(3)
    c = m * x
    _ = m.fill(4.0)
    return np.sum(c * c)


def copyto(x):
    m = np.ones(3)
    t = np.copyto(m, x)
    return np.sum(m * x)


def positional_out(x):
    y = np.zeros(3)
    z = np.sin(x, y)
    return np.sum(z * y)


def alias_made_before_a_break(x):
    v = x * 1.0
    w = x * 2.0
    k = 0
    while k < 5:
        if k == 2:
            w = v
            break
        k += 1
    v *= 3.0
    return np.sum(w * x)


def alias_read_by_a_while_test(x):
    v = x * 1.0
    w = v
    k = 0
    while np.sum(w) < 50.0 and k < 3:
        v *= 2.0
        k += 1
    return np.sum(v * x)


def helper_returns_a_view(x):
    y = x * 1.0
    v = tail(y)
    y[1] = 5.0
    return np.sum(v * x)


def method_called_through_its_type(x):
    y = x * 1.0
    t = np.ndarray.fill(y, 2.0)
    return np.sum(y * x)


def rows_changed_in_a_loop(x):
    y = np.outer(x, x)
    for k in range(3):
        row = y[k]
        row *= 2.0
    return np.sum(y)


def function_from_a_list_changes_its_argument(x):
    m = np.ones(3)
    c = m * x
    t = CHANGERS[0](m)
    return np.sum(c * c) + t


def function_from_a_local_name_changes_its_argument(x):
    m = np.ones(3)
    c = m * x
    g = bump
    t = g(m)
    return np.sum(c * c) + t


def store_into_int_zeros(x):
    y = np.zeros(3, dtype=int)
    y[0] = x[0] * 10.0
    return np.sum(y * x)


def store_into_astype_int(x):
    y = x.astype(int)
    y[0] = x[0] * 10.0
    return np.sum(y * x)


def store_into_int32_empty(x):
    y = np.empty(3, dtype=np.int32)
    y[:] = 0
    y[0] = x[0] * 10.0
    return np.sum(y * x)


def augmented_store_into_int(x):
    y = np.arange(3)
    y[1] += x[1] * 10.0
    return np.sum(y * x)


def add_at_into_bool(x):
    y = np.zeros(3, dtype=bool)
    np.add.at(y, [0], x[0])
    return np.sum(y * x)


def store_into_zeros_like_int_argument(x, k):
    y = np.zeros_like(k)
    y[0] = x[0] * 10.0
    return np.sum(y * x)


def number_or_0d_array_changed(x, y):
    z = x
    z += y
    return z * x


def changes_one_argument_reads_another(x, y):
    x += y
    return np.sum(x * y)


# -- right --------------------------------------------------------------------------------


def numbers_rebound(x, y):
    z = x
    z += y
    return z * x


def scalar_entry_rebound(x):
    t = x[0]
    u = t
    t += 1.0
    return np.sum(x) * u * t


def tuple_item_is_not_the_other(x):
    y = x * 1.0
    c = (y, x)
    v = c[1]
    y *= 1.5
    return np.sum(v * y)


def copy_of_changed_argument(x):
    v = x.copy()
    x *= 2.0
    return np.sum(x * v)


def store_into_new_array_read_by_backward(x):
    m = np.ones(3)
    c = m * x
    m[0] = 5.0
    return np.sum(c * c) + np.sum(m)


def helper_result_rebinds_argument(x):
    y = x * 1.0
    y = scale(y, 0.5)
    return np.sum(y * x)


def fancy_index_is_a_copy(x):
    y = x * 1.0
    v = y[[0, 1, 2]]
    y *= 3.0
    return np.sum(v * y)


def mask_index_is_a_copy(x):
    y = x * 1.0
    b = y[y > 0]
    y *= 2.0
    return np.sum(b) + np.sum(y * x)


def constant_item_of_a_tuple(x):
    y = x * 1.0
    t = (y, 1.5)
    u = t[1]
    y *= 2.0
    return np.sum(y) * u


def store_into_a_conversion_of_a_new_list(x):
    y = np.asarray([0.0, 0.0, 0.0])
    y[0] = x[0]
    return np.sum(y * x)


def store_into_a_view_of_a_new_array(x):
    v = (x * 2.0)[:2]
    v[0] = x[2]
    return np.sum(v * x[:2])


def store_into_entries_sharing_memory(x):
    v = np.lib.stride_tricks.as_strided(x * 1.0, shape=(3,), strides=(0,))
    v[0] = x[1]
    return np.sum(v * x)


def store_into_float_array_of_ints(x):
    y = np.zeros(3, dtype=float)
    y[0] = x[0] * 10.0
    return np.sum(y * x)


REFUSED = [
    (fancy_index_of_new_array_then_alias, "AD306"),
    (slice_of_arithmetic_then_alias, "AD306"),
    (astype_no_copy, "AD306"),
    (array_no_copy, "AD305"),
    (array_copy_none, "AD306"),
    (require, "AD305"),
    (asarray_chkfinite, "AD305"),
    (nan_to_num_no_copy, "AD305"),
    (as_strided, "AD305"),
    (store_through_conversion_of_other_argument, "AD305"),
    (einsum_view, "AD408"),
    (conj_of_real_is_itself, "AD306"),
    (diff_of_order_zero_is_itself, "AD306"),
    (alias_through_list, "AD306"),
    (alias_through_dict, "AD306"),
    (alias_through_helper, "AD306"),
    (helper_changes_argument_read_later, "AD306"),
    (helper_changes_argument_before_a_gradient_reads_it, "AD408"),
    (global_changed_in_place, "AD306"),
    (fill_method, "AD305"),
    (copyto, "AD305"),
    (positional_out, "AD305"),
    (alias_made_before_a_break, "AD306"),
    (alias_read_by_a_while_test, "AD306"),
    (helper_returns_a_view, "AD306"),
    (method_called_through_its_type, "AD305"),
    (rows_changed_in_a_loop, "AD408"),
    (function_from_a_list_changes_its_argument, "AD408"),
    (function_from_a_local_name_changes_its_argument, "AD408"),
    (store_into_entries_sharing_memory, "AD305"),
    (store_into_int_zeros, "AD307"),
    (store_into_astype_int, "AD307"),
    (store_into_int32_empty, "AD307"),
    (augmented_store_into_int, "AD307"),
    (add_at_into_bool, "AD307"),
    (store_into_zeros_like_int_argument, "AD408"),
    (number_or_0d_array_changed, "AD408"),
]

RIGHT = [
    numbers_rebound,
    helper_changes_argument_not_differentiated,
    scalar_entry_rebound,
    tuple_item_is_not_the_other,
    copy_of_changed_argument,
    store_into_new_array_read_by_backward,
    helper_result_rebinds_argument,
    fancy_index_is_a_copy,
    mask_index_is_a_copy,
    constant_item_of_a_tuple,
    store_into_a_conversion_of_a_new_list,
    store_into_a_view_of_a_new_array,
    store_into_float_array_of_ints,
]

# (function, argument builders, wrt), as every corpus file lists its cases (tests/test_check_static.py)
CASES = [(fn, None, 0) for fn, _ in REFUSED] + [(fn, None, 0) for fn in RIGHT]
