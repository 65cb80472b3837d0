"""Stores into arrays held in lists and dicts (``xs[i][j] = v``), for ``test_list_stores.py``.
Each takes ``x``, a float vector of length 4, and returns a number."""

import numpy as np


def rows_in_loops(x):
    xs = [np.zeros(3) for _ in range(2)]
    for i in range(2):
        for j in range(3):
            xs[i][j] = x[i + j] * x[j]
    return np.sum(np.stack(xs) ** 2)


def copies_and_slices(x):
    a = x[:3] * 2.0
    b = np.ones(3)
    xs = [a.copy(), b.copy()]
    xs[0][1:] = np.sin(x[2:])
    xs[1][:2] += x[:2] * xs[0][2]
    return np.sum(xs[0] * xs[1]) + np.sum(a)


def columns_augmented(x):
    grids = [np.ones((2, 3)) * x[k] for k in range(2)]
    for k in range(3):
        grids[1][:, k] += x[k + 1] * grids[0][0, k]
        grids[0][:, k] *= x[3]
    return np.sum(grids[0] ** 2) + np.sum(grids[1] ** 3)


def last_appended(x):
    states = [x[:2].copy()]
    for t in range(3):
        states.append(states[-1] * x[t + 1])
        states[-1][0] = np.tanh(states[-1][0] + states[-2][1])
    return np.sum(np.stack(states) ** 2)


def sum_of_items(x):
    xs = [np.zeros(2), np.zeros(2), np.zeros(2)]
    for k in range(3):
        xs[k][k % 2] = x[k] * x[k + 1]
        xs[k][1 - k % 2] -= x[3]
    return np.sum(sum(xs) ** 2) + np.sum(xs[1])


def dict_of_arrays(x):
    d = {"u": np.zeros(4), "v": x * 1.0}
    for i in range(4):
        d["u"][i] = d["v"][i] ** 2 + x[0]
    d["v"][1:3] = d["u"][:2] * x[3]
    return np.sum(d["u"] * d["v"])


def mixed_targets(x):
    xs = [np.zeros(2) for _ in range(3)]
    ys = np.zeros(3)
    m = x[0]
    for t in range(3):
        xs[t][0], ys[t] = m * x[t + 1], np.cos(m)
        m = xs[t][0] + ys[t]
    return np.sum(np.stack(xs)) + np.sum(ys ** 2) + m


def key_expressions(x):
    xs = [np.zeros(3) for _ in range(3)]
    k = 0
    xs[k + 1][2] = x[0]
    xs[len(xs) - 1][0] = x[1] * x[2]
    xs[-3][1] = xs[1][2] * xs[2][0]
    xs[int(x[3] > 0)][0] = x[3] ** 2
    return np.sum(np.stack(xs) * np.arange(9.0).reshape(3, 3))


def three_levels(x):
    mats = [np.eye(2) for _ in range(2)]
    mats[1][0][1] = x[0] * x[1]
    mats[0][1][:] = x[2:]
    return np.sum(mats[0] @ mats[1] @ x[:2])


def in_a_branch(x):
    xs = [np.zeros(2), np.ones(2)]
    for i in range(4):
        if x[i] > 0.5:
            xs[i % 2][0] = x[i] * xs[1 - i % 2][1]
        else:
            xs[i % 2][1] += x[i]
    return np.sum(xs[0] * xs[1])


def masked_item(x):
    xs = [x * 1.0, x * 2.0]
    xs[1][x > 0.5] = xs[0][x > 0.5] ** 2
    return np.sum(xs[1] * xs[0])


def store_then_pop(x):
    xs = [x[:2] * 1.0]
    xs.append(x[2:] * 1.0)
    xs[1][0] = x[0] * x[3]
    last = xs.pop()
    s = np.sum(last ** 2)
    xs[0][1] = last[0] * x[1]
    return np.sum(xs[0]) + s


def rows_of_a_new_matrix(x):
    xs = list(np.zeros((2, 3)))
    xs[0][1] = x[0]
    xs[1][:] = x[1:] * xs[0][1]
    return np.sum(np.stack(xs) ** 2)


def copied_list_argument(x, ys):
    ys = [np.copy(a) for a in ys]
    ys[0][1] = x[0] * ys[1][0]
    return np.sum(ys[0] * x[:3]) + np.sum(ys[1])


def read_before_the_store(x):
    xs = [x[:3] * 1.0, x[1:] * 1.0]
    before = xs[0] * x[3]
    xs[0][0] = x[3] ** 2
    return np.sum(before * xs[0]) + np.sum(xs[1])


def tuple_items(x):
    ts = (x[:2] * 1.0, x[2:] * 2.0)
    ts[1][0] = ts[0][1] * x[3]
    return np.sum(ts[0] * ts[1])


def constant_values(x):
    xs = [x[:2] * 1.0, x[2:] * 1.0]
    xs[0][1] = 5.0
    xs[1][:] = 0.5
    return np.sum(xs[0] * xs[1]) + np.sum(xs[0] ** 2)


def constant_list(x):
    xs = [np.zeros(2), np.ones(2)]
    xs[0][1] = 3.0
    return np.sum(np.stack(xs) * x[:2])


def in_a_while_loop(x):
    xs = [np.zeros(2) for _ in range(3)]
    k = 0
    while k < 3:
        xs[k][1] = x[k] * x[k + 1]
        if xs[k][1] > 0.5:
            break
        k += 1
    return np.sum(np.stack(xs) ** 2)


def dict_comprehension(x):
    d = {k: np.full(2, w) for k, w in (("a", 1.0), ("b", 2.0))}
    for k in ("a", "b"):
        d[k][0] = x[0] * d[k][1]
        d[k][1] += x[1] ** 2
    return np.sum(d["a"] * d["b"])


def _fill(n, x):
    xs = [np.zeros(2) for _ in range(n)]
    for k in range(n):
        xs[k][k % 2] = x[k] ** 2
    return np.stack(xs)


def in_a_helper(x):
    return np.sum(_fill(3, x) * x[0])


# -- refused --------------------------------------------------------------------------


def items_copied_by_method(x, ys):
    ys = [a.copy() for a in ys]  # adgen cannot tell that `a` holds no objects of the caller's
    ys[0][1] = x[0]
    return np.sum(ys[0] * x[:3])


def into_a_list_argument(x, ys):
    ys[0][1] = x[0]
    return np.sum(ys[0] * x[:3])


def into_a_copied_list_argument(x, ys):
    ys = list(ys)
    ys[0][1] = x[0]
    return np.sum(ys[0] * x[:3])


def items_from_arguments(x, ys):
    zs = [x, ys[0]]
    zs[1][1] = x[0]
    return np.sum(zs[1])


def same_array_twice(x):
    a = np.zeros(3)
    xs = [a, a]
    xs[0][1] = x[0]
    return np.sum(xs[1] * x[:3])


def repeated_list(x):
    xs = [np.zeros(3)] * 2
    xs[0][1] = x[0]
    return np.sum(xs[1] * x[:3])


def named_item_read_after(x):
    a = np.zeros(3)
    xs = [a, np.ones(3)]
    xs[0][1] = x[0]
    return np.sum(a * x[:3])


def list_alias_read_after(x):
    xs = [np.zeros(3), np.ones(3)]
    ys = xs
    xs[0][1] = x[0]
    return np.sum(ys[0] * x[:3])


def item_in_another_list(x):
    xs = [np.zeros(3), np.ones(3)]
    zs = [xs[0]]
    xs[0][1] = x[0]
    return np.sum(zs[0] * x[:3])


def popped_item_read_after(x):
    xs = [x[:2] * 1.0, x[2:] * 1.0]
    last = xs.pop(0)
    xs[0][1] = x[0]
    return np.sum(xs[0]) + np.sum(last)


def list_of_lists(x):
    xs = [[np.zeros(2), np.zeros(2)], [np.zeros(2)]]
    xs[0][1][0] = x[0]
    return np.sum(xs[0][1] * x[:2])


def list_in_a_list(x):
    xs = [[0.0, 0.0], np.zeros(2)]
    xs[0][1] = x[0]
    return np.sum(xs[1] * x[:2]) + xs[0][1]


def slice_of_a_list(x):
    xs = [np.zeros(3), np.ones(3)]
    xs[0:1][0][1] = x[0]
    return np.sum(xs[0] * x[:3])


LIST_GLOBAL = [np.zeros(3)]


def into_a_global_list(x):
    LIST_GLOBAL[0][1] = x[0]
    return np.sum(LIST_GLOBAL[0] * x[:3])


def array_inside_another_item(x):
    xs = [np.zeros(3)]
    xs.append([xs[0]])
    xs[0][1] = x[0]
    return np.sum(xs[1][0] * x[:3])


def helper_stores_into_its_argument(xs, v):
    xs[0][1] = v


def calls_a_helper_that_stores(x):
    xs = [np.zeros(2), np.ones(2)]
    helper_stores_into_its_argument(xs, x[0])
    return np.sum(xs[0] * x[:2])


def helper_stores_into_its_array(a, v):
    a[1] = v


def calls_a_helper_that_stores_into_an_array(x):
    y = np.zeros(2)
    helper_stores_into_its_array(y, x[0])
    return np.sum(y * x[:2])


def loop_over_the_dict(x):
    d = {k: np.zeros(2) for k in ("a", "b")}
    for k in d:
        d[k][0] = x[0] * (1.0 if k == "a" else 2.0)
    return np.sum(d["a"] * d["b"]) + x[1]
