"""Spreads of a repeated list or tuple, ``f(*[a] * n)`` with ``n`` static (repeats.py),
checked against finite differences."""

import inspect

import numpy as np
import pytest

import repeat_programs as rp
from gradcheck import check_grad
from adgen import TranspileError, grad

RNG = np.random.default_rng(11)
Q = RNG.standard_normal((2, 2))
X3 = RNG.standard_normal(3)
Y3 = RNG.standard_normal(3)

CASES = [
    (rp.literal, (Q,), (0,)),
    (rp.reversed_operands, (X3, Y3), (0, 1)),
    (rp.tuple_repeated, (X3,), (0,)),
    (rp.default_left, (X3, Y3), (0, 1)),
    (rp.literal_argument, (X3, Y3), (0, 1)),
    (rp.block_default_and_given, (Q,), (0,)),
    (rp.local_count, (X3,), (0,)),
    (rp.shape_count, (X3, RNG.standard_normal(4)), (0, 1)),
    (rp.zero_copies, (X3,), (0,)),
]


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient_matches_finite_differences(f, args, wrt):
    grads = grad(f, wrt=wrt)(*args)
    for i, g in zip(wrt, grads):
        check_grad(f, list(args), i, g)


def test_hand_computed():
    # total(x, x, x) = (1 + 2 + 3) * sum(x ** 2): gradient 12 x
    assert np.allclose(grad(rp.local_count)(X3), 12.0 * X3)
    # pairs(x, y) with copies=2: total(x, y, x, y) = 4 |x|^2 + 6 |y|^2, times 2
    gx, gy = grad(rp.default_left, wrt=(0, 1))(X3, Y3)
    assert np.allclose(gx, 16.0 * X3) and np.allclose(gy, 24.0 * Y3)


def test_each_count_gets_its_own_specialisation():
    text = grad(rp.literal_argument, wrt=(0, 1)).source
    assert text.count("def _fwd_pairs") == 2  # three copies, and one


def test_an_item_is_computed_once():
    text = grad(rp.tuple_repeated).source
    assert "_once = np.sin(x)" in text and "_fwd_total(_once, _once, _once)" in text


def _marked_line(fn):
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, line in enumerate(lines) if "# <-" in line)


@pytest.mark.parametrize("f,args,where", [(rp.count_from_a_value, (X3, 2.0), rp.count_from_a_value), (rp.uses_count_rebound, (X3, Y3), rp.count_rebound)])
def test_a_count_not_known_statically_is_refused(f, args, where):
    with pytest.raises(TranspileError) as info:
        grad(f)(*args)
    d = info.value.diagnostics[0]
    assert d.code == "AD206" and d.line == _marked_line(where)


@pytest.mark.parametrize("extra", [(), (3,), (1,)])
def test_the_function_differentiated_is_specialised_to_its_count(extra):
    g = grad(rp.top_default)(X3, *extra)
    check_grad(rp.top_default, [X3, *extra], 0, g)


def test_a_count_passed_by_keyword():
    g = grad(rp.top_default)(X3, n=4)
    check_grad(lambda x: rp.top_default(x, n=4), [X3], 0, g)


def test_a_float_count_is_refused():
    with pytest.raises(TranspileError) as info:
        grad(rp.top_default)(X3, 2.0)  # [x] * 2.0 would be a TypeError when it runs: not a count
    assert info.value.diagnostics[0].code == "AD206"
