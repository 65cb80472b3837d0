"""Functions that write into arrays they create, each with explicit input builders
and ``wrt``. ``tests/test_corpus_inplace.py`` checks every case against finite
differences at seeds 0, 1 and 2, and that the caller's arrays are unchanged.

Inputs stay at least 1e-3 (relative) away from every tie of ``np.minimum`` /
``np.maximum`` and every branch boundary, so central differences never straddle one.
"""

import numpy as np

from corpus import registry
from corpus_control import const, integer
from corpus_straight import mat, scalar, vec

CASES, case = registry()


# ---------------------------------------------------------------- single stores


@case(scalar())
def store_scalar_entries(x):
    y = np.zeros(3)
    y[0] = x
    y[2] = x * x
    return np.sum(np.sin(y) * np.arange(1.0, 4.0))


@case(vec(4), scalar(), wrt=(0, 1))
def store_slice(v, s):
    y = np.ones(6)
    y[1:5] = v * s
    y[0] = s
    return np.sum(y ** 3)


@case(vec(3), wrt=0)
def store_row_and_column(v):
    m = np.zeros((3, 3))
    m[0, :] = v
    m[:, 2] = np.cos(v)
    m[1] = v * v
    return np.sum(m @ v)


@case(vec(5))
def overwrite_twice(v):
    y = v * 2.0
    y[1] = y[0] * y[2]
    y[1] = y[1] * y[3]
    y[0] = 5.0
    return np.sum(y * y)


@case(vec(6))
def store_through_mask(v):
    y = v.copy()
    y[v > 0.0] = v[v > 0.0] ** 2
    return np.sum(y * np.arange(6.0))


@case(vec(6))
def store_fancy_indices(v):
    y = np.zeros(4)
    y[[0, 3, 1]] = v[[5, 0, 2]] * v[1]
    return np.sum(np.exp(y))


@case(vec(5), scalar(), wrt=(0, 1))
def augmented_slice(v, s):
    y = v * 1.0
    y[1:4] += s * v[0:3]
    y[0] -= s
    y[4] *= s
    return np.sum(y ** 2)


@case(vec(4), scalar(0.5, 1.5), wrt=(0, 1))
def augmented_whole_array(v, s):
    y = v * 1.0
    y *= s
    y += v
    y /= 1.0 + s
    return np.sum(y ** 3)


@case(vec(3))
def add_at_with_repeats(v):
    y = np.zeros(4)
    np.add.at(y, [0, 0, 3, 1, 3], np.concatenate([v, v[:2]]))
    return np.sum(np.sin(y) + y ** 2)


@case(vec(3), scalar(), wrt=(0, 1))
def store_then_read_same_array(v, s):
    y = np.zeros(3)
    y[0] = s
    z = y * v
    y[1] = z[0] * s
    w = y[1] * y[0]
    y[2] = w
    return np.sum(y * y) + np.sum(z)


@case(scalar(0.2, 1.0))
def store_in_branch(x):
    y = np.zeros(2)
    if x > 0.5:
        y[0] = x * x
    else:
        y[1] = np.exp(x)
    y[1] = y[1] + x
    return np.sum(y * y)


# ---------------------------------------------------------------- loops


@case(vec(2), vec(2), integer(3, 7), wrt=(0, 1))
def particle_trajectory(x0, v0, steps):
    """Positions written into a preallocated trajectory; the loss reads all of it."""
    traj = np.zeros((steps + 1, 2))
    traj[0] = x0
    x = x0
    v = v0
    for t in range(steps):
        a = -x - 0.1 * v * np.sqrt(1.0 + np.sum(v * v))
        v = v + 0.1 * a
        x = x + 0.1 * v
        traj[t + 1] = x
    return np.sum(traj ** 2) + np.sum(traj[1:] * traj[:-1])


@case(vec(2), vec(2), integer(3, 7), wrt=(0, 1))
def trajectory_read_back(x0, v0, steps):
    """Each step reads the previous row back out of the array it writes."""
    traj = np.zeros((steps + 1, 2))
    traj[0] = x0
    v = v0
    for t in range(steps):
        x = traj[t]
        v = v - 0.1 * np.sin(x)
        traj[t + 1] = x + 0.1 * v
    return np.sum(np.cos(traj))


@case(vec(12), scalar(0.1, 0.3), integer(2, 6), wrt=(0, 1))
def heat_equation(u, r, steps):
    """Explicit finite differences; each step fills a new array."""
    for s in range(steps):
        new = np.zeros_like(u)
        new[1:-1] = u[1:-1] + r * (u[2:] - 2.0 * u[1:-1] + u[:-2])
        new[0] = u[0]
        new[-1] = u[-1]
        u = new
    return np.sum(u ** 2)


@case(vec(10), scalar(0.1, 0.3), integer(2, 6), wrt=(0, 1))
def heat_equation_in_place(u, r, steps):
    """One array updated in place every step (the update reads the old values)."""
    w = u.copy()
    for s in range(steps):
        lap = w[2:] - 2.0 * w[1:-1] + w[:-2]
        w[1:-1] += r * lap
    return np.sum(w ** 2) + w[3]


@case(vec(5, 0.1, 1.0), vec(4, 0.1, 1.0), wrt=(0, 1))
def edit_distance_table(a, b):
    """A dynamic-programming table filled cell by cell with np.minimum (a soft
    edit distance: substitution costs |a_i - b_j|, gaps cost 0.5)."""
    n, m = len(a), len(b)
    d = np.zeros((n + 1, m + 1))
    for i in range(1, n + 1):
        d[i, 0] = d[i - 1, 0] + 0.5 * a[i - 1]
    for j in range(1, m + 1):
        d[0, j] = d[0, j - 1] + 0.5 * b[j - 1]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            sub = d[i - 1, j - 1] + (a[i - 1] - b[j - 1]) ** 2
            gap = np.minimum(d[i - 1, j] + 0.5 * a[i - 1], d[i, j - 1] + 0.5 * b[j - 1])
            d[i, j] = np.minimum(sub, gap)
    return d[n, m]


@case(vec(4), vec(5), scalar(0.5, 1.0), wrt=(0, 1))
def soft_dtw(a, b, gamma):
    """Soft dynamic time warping: a smooth minimum over the three predecessors."""
    n, m = len(a), len(b)
    r = np.full((n + 1, m + 1), 1e6)
    r[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            prev = np.array([r[i - 1, j - 1], r[i - 1, j], r[i, j - 1]])
            low = np.min(prev)
            soft = low - gamma * np.log(np.sum(np.exp(-(prev - low) / gamma)))
            r[i, j] = (a[i - 1] - b[j - 1]) ** 2 + soft
    return r[n, m]


@case(vec(6), integer(2, 5))
def cumulative_product_table(v, k):
    """Rows of a table built from the row before, with a while loop."""
    table = np.ones((k + 1, 6))
    i = 0
    while i < k:
        table[i + 1] = table[i] * v + 0.1
        i += 1
    return np.sum(table[k] ** 2)


@case(vec(5), integer(0, 5))
def store_at_data_dependent_index(v, k):
    y = np.zeros(5)
    j = int(np.argmax(v))
    y[j] = v[j] * 2.0
    y[k] += v[k]
    return np.sum(y * v)


@case(vec(8))
def histogram_by_add_at(v):
    """Values scattered into bins that repeat, as in a particle-in-cell deposit."""
    bins = np.array([0, 1, 1, 2, 0, 3, 3, 3])
    grid = np.zeros(4)
    np.add.at(grid, bins, v * v)
    return np.sum(grid ** 2)


@case(mat(3, 4), wrt=0)
def normalise_rows_in_place(x):
    y = x.copy()
    for i in range(3):
        y[i] = y[i] / np.sqrt(np.sum(y[i] ** 2))
    return np.sum(y[:, 0] * y[:, 1])


@case(vec(3), const(4), wrt=0)
def recurrence_with_break(v, n):
    y = np.zeros(n + 1)
    y[0] = 1.0
    for i in range(n):
        y[i + 1] = y[i] * v[0] + v[1]
        if y[i + 1] > 50.0:
            break
    return np.sum(y) * v[2]
