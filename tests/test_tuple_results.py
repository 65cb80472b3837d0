"""Tuple results passed through helpers and used whole (tuples.py), checked against finite
differences."""

import inspect

import numpy as np
import pytest

import tuple_programs as tp
from gradcheck import check_grad
from adgen import TranspileError, grad

RNG = np.random.default_rng(5)
M = RNG.standard_normal((3, 3)) + 3.0 * np.eye(3)

CASES = [
    (tp.unpack_through_one, (1.3, 0.4), (0, 1)),
    (tp.unpack_through_two, (1.3, 0.4), (0, 1)),
    (tp.unpack_named, (1.3, 0.4), (0, 1)),
    (tp.unpack_reversed, (1.3, 0.4), (0, 1)),
    (tp.unpack_rebuilt, (1.3, 0.4), (0, 1)),
    (tp.unpack_three, (1.3, 0.4), (0, 1)),
    (tp.picked, (1.3, 0.4), (0, 1)),
    (tp.used_whole, (1.3, 0.4), (0, 1)),
    (tp.whole_through_helpers, (1.3, 0.4), (0, 1)),
    (tp.iterated, (1.3, 0.4), (0, 1)),
    (tp.passed_whole, (1.3, 0.4), (0, 1)),
    (tp.in_a_loop, (1.3, 0.4), (0, 1)),
    (tp.log_determinant, (M,), (0,)),
    (tp.recursive, (1.3,), (0,)),
    (tp.uneven_whole, (1.3, 1.0), (0,)),
    (tp.uneven_whole, (1.3, -1.0), (0,)),
    (tp.nested_unpack_of_a_rule, (np.array([0.3, -0.8]),), (0,)),
    (tp.nested_unpack, (1.3, 0.4), (0, 1)),
]


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(CASES)])
def test_gradient_matches_finite_differences(f, args, wrt):
    grads = grad(f, wrt=wrt)(*args)
    for i, g in zip(wrt, grads):
        check_grad(f, list(args), i, g)


def test_hand_computed():
    # a, b = (r sin t, r cos t): a * b**2 = r**3 sin t cos**2 t
    r, t = 1.3, 0.4
    dr, dt = grad(tp.unpack_reversed, wrt=(0, 1))(r, t)
    assert np.isclose(dr, 3 * r**2 * np.sin(t) * np.cos(t) ** 2)
    assert np.isclose(dt, r**3 * (np.cos(t) ** 3 - 2 * np.sin(t) ** 2 * np.cos(t)))


def test_generated_code_unpacks_where_the_call_is_made():
    text = grad(tp.used_whole, wrt=(0, 1)).source
    assert "(p_0, p_1), _rec1 = _fwd_polar(r, t)" in text
    text = grad(tp.unpack_through_one, wrt=(0, 1)).source
    assert "_fwd_polar(r, t)" in text and "_ans = _s, _s_1" in text


def _marked_line(fn):
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, line in enumerate(lines) if "# <-" in line)


@pytest.mark.parametrize("f,args", [(tp.unpack_an_array, (np.ones(2),)), (tp.unpack_too_many, (1.3, 0.4))])
def test_still_refused(f, args):
    with pytest.raises(TranspileError) as info:
        grad(f)(*args)
    d = info.value.diagnostics[0]
    assert d.code == "AD302" and d.line == _marked_line(f)


# -- a name unpacked into more than once (``_, s, _ = svd(a)``): the rule reads the whole result --


def singular_cubes(A):
    _, s, _ = np.linalg.svd(A)
    return np.sum(s ** 3)


def eigen_mix(A):
    w, v = np.linalg.eigh(A + A.T)
    w, w = w * v[0], w  # the second w wins, as in Python
    _, _, vh = np.linalg.svd(A @ A.T)
    return np.sum(w ** 2 * v[:, 0]) + np.sum(vh[0] ** 3)


@pytest.mark.parametrize("fn", [singular_cubes, eigen_mix])
@pytest.mark.parametrize("shape", [(3, 3), (4, 3)])
def test_a_name_unpacked_into_twice_keeps_the_whole_result_for_the_rule(fn, shape):
    """Square matrices: ``(_, s, _)`` read back as svd's result would hold ``vh`` for ``u``
    with the right shapes, a wrong gradient without an error (tall: a broadcasting error)."""
    from adgen import jvp

    A = np.random.default_rng(3).standard_normal(shape)
    if fn is eigen_mix and shape != (3, 3):
        A = A[:3]
    g = grad(fn)(A)
    check_grad(fn, [A], 0, g)
    v = np.random.default_rng(4).standard_normal(A.shape)
    assert jvp(fn)(A, v)[1] == pytest.approx(float(np.sum(g * v)), rel=1e-7, abs=1e-9)
