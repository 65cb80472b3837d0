"""In-place stores: what the tape keeps, the caller's arrays, run-time checks, diagnostics."""

import ast

import numpy as np
import pytest

from adgen import runtime
from gradcheck import check_grad
import helpers_calls
from corpus_inplace import CASES, edit_distance_table, particle_trajectory
from test_control import tapes  # noqa: F401 (a fixture)
from adgen import grad, indices, vjp
from adgen.errors import TranspileError


def pushed_sizes(tapes):
    """The sizes of everything the gradient's tapes recorded."""
    return [np.size(v) for tape in tapes for v in tape.pushed]


@pytest.mark.parametrize("fn,builders,wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_the_callers_arrays_are_unchanged(fn, builders, wrt):
    args = [b(np.random.default_rng(1)) for b in builders]
    before = [np.array(a, copy=True) for a in args]
    grad(fn, wrt=wrt)(*args)
    for a, b in zip(args, before):
        assert np.array_equal(a, b) and np.asarray(a).dtype == b.dtype


def test_a_store_in_a_loop_records_the_overwritten_row_only(tapes):
    # the loop reads back the rows it writes, so each store's old row is recorded
    def rows(x, n):
        table = np.zeros((n, 50))
        table[0] = x
        for i in range(1, n):
            table[i] = np.sin(table[i - 1]) + x
        return np.sum(table)

    x = np.linspace(0.0, 1.0, 50)
    g = grad(rows)(x, 20)
    sizes = pushed_sizes(tapes)
    assert sizes and max(sizes) <= 50  # never the whole 20 x 50 table
    table_sum = lambda x: rows(x, 20)  # noqa: E731
    eps = 1e-6
    e = np.zeros(50)
    e[7] = eps
    assert g[7] == pytest.approx((table_sum(x + e) - table_sum(x - e)) / (2 * eps), rel=1e-6)


def test_stores_read_only_after_the_loop_record_nothing(tapes):
    x0, v0 = np.array([0.3, -0.2]), np.array([0.1, 0.5])
    grad(particle_trajectory, wrt=(0, 1))(x0, v0, 30)
    assert max(pushed_sizes(tapes), default=0) <= 2  # states and shapes, never rows of the trajectory


def test_dynamic_programming_table_matches_a_hand_computed_value():
    # one cell: d = min((a-b)^2, 0.5 a + 0.5 b + min(0.5 a, 0.5 b)) with a=1, b=0.4 -> (0.6)^2 = 0.36
    a, b = np.array([1.0]), np.array([0.4])
    ga, gb = grad(edit_distance_table, wrt=(0, 1))(a, b)
    assert edit_distance_table(a, b) == pytest.approx(0.36)
    assert ga[0] == pytest.approx(2 * 0.6) and gb[0] == pytest.approx(-2 * 0.6)


def test_a_store_with_repeated_indices_is_a_run_time_error():
    def repeated(v, idx):
        y = np.zeros(3)
        y[idx] = v
        return np.sum(y)

    with pytest.raises(runtime.GradientError, match="AD404"):
        grad(repeated)(np.array([1.0, 2.0]), np.array([0, 0]))
    assert grad(repeated)(np.array([1.0, 2.0]), np.array([0, 2])).tolist() == [1.0, 1.0]


def test_storing_into_an_argument_names_it():
    def into_argument(x):
        x[0] = 1.0
        return np.sum(x)

    with pytest.raises(TranspileError) as info:
        grad(into_argument)(np.ones(3))
    (diag,) = info.value.diagnostics
    assert diag.code == "AD305" and "`x`" in diag.message and "argument" in diag.message


def test_a_view_read_after_the_store_is_refused_where_it_is_read():
    def view_then_store(x):
        y = np.zeros(4)
        head = y[:2]
        y[0] = x
        return np.sum(head) * x

    with pytest.raises(TranspileError) as info:
        grad(view_then_store)(0.5)
    (diag,) = info.value.diagnostics
    assert diag.code == "AD306" and "`head`" in diag.message
    assert diag.source_line.strip() == "return np.sum(head) * x"


def test_a_fresh_array_each_step_is_not_an_alias_of_the_last():
    def relax(u, n):
        for k in range(n):
            new = u * 0.5
            new[0] = u[-1]
            u = new
        return np.sum(u * u)

    u = np.array([0.2, 0.7, -0.4])
    g = grad(relax)(u, 3)
    eps = 1e-6
    for i in range(3):
        e = np.zeros(3)
        e[i] = eps
        assert g[i] == pytest.approx((relax(u + e, 3) - relax(u - e, 3)) / (2 * eps), rel=1e-6)


@pytest.mark.parametrize(
    "a,b,apart",
    [
        ("0", "np.s_[1:-1]", True),
        ("-1", "np.s_[1:-1]", True),
        ("1", "np.s_[1:-1]", False),
        ("-2", "np.s_[1:-1]", False),
        ("np.s_[::2]", "np.s_[1::2]", True),
        ("np.s_[:3]", "np.s_[-3:]", False),  # the same entries on a short array
        ("(0, 2)", "np.s_[1:, :]", True),
        ("(0, 2)", "np.s_[:, 2]", False),
        ("i", "np.s_[1:-1]", False),  # not a literal: assume they meet
    ],
)
def test_literal_indices_are_disjoint_only_when_they_are_for_every_length(a, b, apart):
    parse = lambda s: ast.parse(s, mode="eval").body  # noqa: E731
    assert indices.disjoint(parse(a), parse(b)) is apart
    assert indices.disjoint(parse(b), parse(a)) is apart


def test_zeroing_entries_no_later_read_takes_is_left_out():
    def boundary(u, n):
        for k in range(n):
            new = np.empty_like(u)
            new[1:-1] = 0.5 * (u[2:] + u[:-2])
            new[0] = 0.0
            new[-1] = u[1]
            u = new
        return np.sum(u ** 2)

    u = np.array([0.3, -0.5, 0.8, 0.1, 0.6])
    dgrad = grad(boundary)
    assert "zero_at" not in dgrad.source_for(u, 3)
    check_grad(boundary, [u, 3], 0, dgrad(u, 3))


def test_a_returned_array_keeps_the_values_the_stores_wrote():
    # the backward puts back the entries the second store overwrote (it reads y before
    # that store); the value returned must still be the array after both stores
    def filled(x):
        y = np.zeros(3)
        y[0] = x[0]
        s = np.sum(y * y)
        y[1] = s * x[1]
        return y

    x = np.array([0.3, 0.5, 0.7])
    module = {}
    exec(compile(vjp(filled).source, "<gradient>", "exec"), module)
    value, gx = module["value_and_grad_filled"](x, _dout=np.ones(3))
    assert np.array_equal(value, filled(x))
    eps = 1e-6
    for i in range(3):
        e = np.zeros(3)
        e[i] = eps
        assert gx[i] == pytest.approx(np.sum(filled(x + e) - filled(x - e)) / (2 * eps), rel=1e-6, abs=1e-9)


def test_a_helper_returning_a_new_array_can_be_stored_into():
    def fill(x):
        y = helpers_calls.scaled(x, 2.0)
        y[0] = np.sum(x * x)
        y *= x
        return np.sum(y) + np.sum(x)

    x = np.array([0.2, -0.4, 0.9])
    check_grad(fill, [x], 0, grad(fill)(x))


def test_a_helper_returning_its_argument_shares_its_memory():
    def alias(x):
        z = x * 1.0
        y = helpers_calls.same(z)
        y += x
        return np.sum(z * y)

    with pytest.raises(TranspileError) as info:
        grad(alias)(np.ones(3))
    assert [d.code for d in info.value.diagnostics] == ["AD306"]


def test_store_helpers_change_an_adjoint_in_place_only_when_nothing_else_holds_it():
    y = np.zeros(4)
    dy = np.ones(4)
    before = id(dy)
    part, dy = runtime.cut_at(dy, y, 1)
    dy = runtime.zero_at(dy, y, 0)
    assert id(dy) == before and dy.tolist() == [0.0, 0.0, 1.0, 1.0] and part == 1.0
    shared = np.ones(4)
    kept = shared
    _, changed = runtime.cut_at(shared, y, 2)
    assert changed is not kept and kept.tolist() == [1.0, 1.0, 1.0, 1.0]
    assert runtime.zero_at(kept, y, 3) is not kept and kept.tolist() == [1.0, 1.0, 1.0, 1.0]
