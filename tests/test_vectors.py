"""Short vectors of numbers unpacked and built again (transpiler/vectors.py): the adjoint
of an unpacked 1-D array is one ``np.array`` of its entries' cotangents, and that of an
array built from numbers is read entry by entry; gradients against finite differences,
in the function and in functions it calls, and the general code where the rewrite does
not apply."""

import numpy as np
import pytest

from gradcheck import check_every_argument
from adgen import grad, jvp


def _rhs(state, k):
    x, y, z = state
    return np.array([k * (y - x), x * (2.0 - z) - y, x * y - k * z])


def euler(state, k):
    for _ in range(3):
        state = state + 0.1 * _rhs(state, k)
    return np.sum(state ** 2)


def unpacked_at_the_top(q):
    a, b = q
    return a * a * b + np.sin(b)


def built_and_summed(a, b):
    v = np.array([a * b, a - b, 2.0 * a])
    return np.sum(v) + np.sum(v * v)  # the sum's cotangent may stand for all entries as one number


def built_appended_and_summed(a, b):
    """A list of numbers appended to before it becomes an array: the general code."""
    xs = [a * b, a - b]
    xs.append(a * a)
    v = np.array(xs)
    return np.sum(v * v)


def built_and_indexed(a, b):
    v = np.array([a, b * b])
    return v[1] * 3.0 + v[0] ** 2


def partly_unpacked(s):
    """Two of three entries read: the general code."""
    x = s[0]
    z = s[2]
    return x * z + z ** 2


def unpacked_twice(s):
    x, y = s
    u, w = s * 2.0
    return x * w + y * u


def built_from_arrays(s):
    """Entries that are not numbers: the general code."""
    return np.sum(np.array([s, s * s]) ** 2)


def unpacked_rows(m):
    top, bottom = m
    return np.sum(top * bottom)


def unpacked_dict_keys(a):
    """A dict unpacks into its keys (it was read as d[0], d[1]: a KeyError)."""
    d = {"k": a, "j": a * 2.0}
    k1, k2 = d
    (only,) = {"x": 1.0}
    return np.sum(d[k1] ** 3 + d[k2]) * len(only)


CASES = [
    (euler, (np.array([1.0, 0.5, -0.3]), 1.3)),
    (unpacked_at_the_top, (np.array([0.7, -1.2]),)),
    (built_and_summed, (0.4, -0.9)),
    (built_and_indexed, (0.4, -0.9)),
    (built_appended_and_summed, (0.4, -0.9)),
    (partly_unpacked, (np.array([0.3, 0.8, -0.5]),)),
    (unpacked_twice, (np.array([0.3, 0.8]),)),
    (built_from_arrays, (np.array([0.3, 0.8]),)),
    (unpacked_rows, (np.array([[0.3, 0.8], [1.5, -0.2]]),)),
    (unpacked_dict_keys, (np.array([0.3, -0.6]),)),
]


@pytest.mark.parametrize("fn, args", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_gradients_match_finite_differences(fn, args):
    check_every_argument(fn, args, grad(fn, wrt=tuple(range(len(args))))(*args))
    v = 0.5 if np.ndim(args[0]) == 0 else np.linspace(-1.0, 1.0, np.size(args[0])).reshape(np.shape(args[0]))
    h = 1e-6
    moved = lambda s: fn(args[0] + s * h * v, *args[1:])  # noqa: E731
    np.testing.assert_allclose(jvp(fn)(*args, v)[1], (moved(1) - moved(-1)) / (2 * h), rtol=1e-6, atol=1e-8)


def test_the_unpack_and_the_build_are_read_entry_by_entry():
    text = grad(euler, wrt=(0, 1)).source_for(np.ones(3), 1.0)
    assert "_dstate = np.array([_dx, _dy, _dz])" in text
    assert "_rt.scatter" not in text and "vjps.array" not in text
    record = next(line for line in text.splitlines() if line.strip().startswith("return _ans, ("))
    assert "_t1" not in record  # the list the array was built from is no longer recorded


@pytest.mark.parametrize("fn, args", [(partly_unpacked, (np.ones(3),)), (built_from_arrays, (np.ones(2),)), (unpacked_rows, (np.ones((2, 2)),))],
                         ids=lambda c: getattr(c, "__name__", ""))
def test_the_general_code_where_the_rewrite_does_not_apply(fn, args):
    text = grad(fn).source_for(*args)
    assert "np.array([_d" not in text
