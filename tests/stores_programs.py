"""Functions with several stores in one assignment and chained stores (``a[i][j] = v``),
for ``tests/test_stores.py``: each takes one float vector of length 4."""

import numpy as np


def predict(m, P):
    return 0.9 * m, 0.81 * P + 0.1


def kalman_scalar(x):
    n = x.shape[0]
    means = np.zeros(n)
    covs = np.zeros(n)
    m, P = x[0], 1.0
    for t in range(n):
        means[t], covs[t] = predict(m, P)
        m = means[t] + x[t]
        P = covs[t]
    return np.sum(means * covs)


def kalman_matrix(x):
    n = x.shape[0]
    means = np.zeros((n, 2))
    covs = np.zeros((n, 2, 2))
    m = np.array([x[0], 0.0])
    P = np.eye(2)
    A = np.array([[1.0, 0.1], [0.0, 1.0]])
    for t in range(n):
        means[t], covs[t] = A @ m, A @ P @ A.T + 0.1 * np.eye(2)
        K = covs[t][:, 0] / (covs[t][0, 0] + 1.0)
        m = means[t] + K * (x[t] - means[t][0])
        P = covs[t] - np.outer(K, covs[t][0])
    return np.sum(means ** 2) + np.sum(covs)


def name_and_store(x):
    a = np.zeros(4)
    m, a[1] = x[0] * 2, x[1]
    return m * np.sum(a * x)


def store_then_rebind_its_index(x):
    a = np.zeros(3)
    i = 0
    a[i], i = x[0], 2  # a[0] is stored before i is rebound
    a[i] = x[1] * 3
    return np.sum(a * a)


def nested_targets(x):
    a = np.zeros(4)
    b = np.zeros(4)
    (a[0], c), b[3] = (x[0] ** 2, x[1]), x[2]
    return np.sum(a * c) + np.sum(b * x)


def three_results(u):
    return u * 2, np.sin(u), u[0]


def rows_and_a_name(x):
    a = np.zeros((3, 4))
    b = np.zeros(4)
    a[0], b[:], s = three_results(x)
    return np.sum(a ** 2) + np.sum(b * x) * s


def list_target(x):
    a = np.zeros(4)
    [a[2], a[0]] = np.cos(x[:2])
    return np.sum(a * x)


def same_entry_twice(x):
    a = np.zeros(4)
    a[1], a[1] = x[0], x[2] ** 2  # the second wins
    return np.sum(a * x)


def several_equal_targets(x):
    a = np.zeros((3, 4))
    b = np.zeros(4)
    y = a[1][2] = b[0] = x[0] * x[1]
    return np.sum(a) * y + np.sum(b * x)


def chained_in_loops(x):
    n = x.shape[0]
    a = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            a[i][j] = x[i] * x[j]
        a[i][:] += x
    return np.sum(a ** 2)


def chained_columns(x):
    a = np.ones((2, 4, 3))
    for j in range(3):
        a[1][:, j] = x * (j + 1)
    return np.sum(np.sin(a))


def chained_mask_and_list(x):
    a = np.ones((3, 4))
    a[1][x > 0.5] = x[x > 0.5] ** 2
    a[2][[0, 2]] = x[1:3]
    return np.sum(a * a)


def chained_augmented(x):
    a = np.ones((3, 4))
    a[0][1] += x[0] * x[1]
    a[0][1] *= x[2]
    a[-1][1:3] -= x[:2]
    k = 1
    a[k + 1][k * 2] /= x[3]
    return np.sum(a ** 3)


def chained_read_after_store(x):
    a = np.zeros((2, 4))
    a[1][:] = x
    s = np.sum(a[1] * a[1])
    a[1][0] = s
    b = a[1][0] * 2
    a[1][0] = b * x[2]
    return np.sum(a) + s


def chained_slice_first(x):
    a = np.ones((4, 4))
    a[1:3][0] = x
    a[:, 2][1:3] = x[:2] * 5
    a[::2][1][3] = x[3]
    return np.sum(a ** 2 * np.arange(16.0).reshape(4, 4))


def chained_three_levels(x):
    a = np.zeros((2, 3, 4))
    a[1][2][3] = x[0]
    a[0][1][:] = x
    a[1][0][::-1] = np.exp(x)
    return np.sum(a ** 2 * np.arange(24).reshape(2, 3, 4))


def chained_with_advanced_after_slice(x):
    a = np.zeros((2, 3, 4))
    a[1][:, [0, 3]] = np.outer(x[:3], x[2:])  # the (3, 2) layout of a[1][:, [0, 3]]
    return np.sum(a * np.arange(24).reshape(2, 3, 4))


def chained_row_of_a_product(x):
    W = np.outer(x, x)
    out = W.copy()
    for i in range(4):
        out[i][i] = np.sum(W[i]) - W[i][i]
    return np.sum(out ** 2)


# -- refused ---------------------------------------------------------------------------


def chained_list_index(x):
    a = np.zeros((3, 4))
    a[[0, 2]][1] = x[0]
    return np.sum(a) + x[1]


def chained_mask_first(x):
    a = np.zeros((4, 4))
    a[x > 0.5][0] = x[0]
    return np.sum(a) + x[1]


def chained_array_index_at_run_time(x):
    a = np.zeros((4, 4))
    idx = np.array([0, 1])
    a[idx][0] = x[0]
    return np.sum(a * x)


def chained_into_a_list_item(x):
    rows = [np.zeros(4), np.ones(4)]
    rows[0][1] = x[0]
    return np.sum(rows[0] * rows[1] * x)


def chained_into_an_appended_item(x):
    states = []
    states.append(np.zeros(4))
    states[-1][1] += x[1]
    return np.sum(states[-1] * x)


def chained_into_a_dict_item(x):
    d = {"w": np.zeros(4)}
    d["w"][0] = x[0]
    return np.sum(d["w"] * x)


def chained_into_the_argument(x):
    x[1:3][0] = 2.0
    return np.sum(x)


def tuple_store_into_the_argument(x):
    a = np.zeros(4)
    a[0], x[1] = x[0], 3.0
    return np.sum(a * x)


def chained_through_a_view(x):
    a = np.zeros((2, 4))
    b = a[0]
    a[0][1] = x[0]
    return np.sum(b * x)


def starred_store(x):
    a = np.zeros(4)
    a[0], *rest = x
    return np.sum(a) + rest[0]


GLOBAL_TABLE = np.zeros((3, 4))


def chained_into_a_global(x):
    GLOBAL_TABLE[1][2] = x[0]
    return np.sum(GLOBAL_TABLE * x[1])


def store_into_a_global(x):
    GLOBAL_TABLE[1, 2] = x[0]
    return np.sum(GLOBAL_TABLE * x[1])


def store_into_a_helpers_list(x):
    rows = two_rows()
    rows[0][1] = x[0]
    return np.sum(rows[0] * x)


def two_rows():
    return [np.zeros(4), np.zeros(4)]
