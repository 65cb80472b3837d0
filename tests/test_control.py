"""What the generated code for loops and branches records and how it reads.

Correctness against finite differences is ``test_corpus_control.py``; here we
count what goes on the tape and check the shape of the backward pass.
"""

import ast

import numpy as np
import pytest

from adgen import runtime
from gradcheck import check_grad
from adgen import grad
from adgen.errors import TranspileError


class CountingTape(runtime.Tape):
    """A tape that remembers everything pushed on it."""

    made = []

    def __init__(self):
        super().__init__()
        self.pushed = []
        CountingTape.made.append(self)

    def push(self, value):
        self.pushed.append(value)
        self.append(value)

    def extend(self, values):  # pushes one after the other: _tape.extend((a, b))
        for value in values:
            self.push(value)


@pytest.fixture
def tapes(monkeypatch):
    CountingTape.made = []
    monkeypatch.setattr(runtime, "Tape", CountingTape)
    return CountingTape.made


def power(x, n):
    y = 1.0
    for i in range(n):
        y = y * x
    return np.sin(y)


def test_a_1000_step_loop_pushes_one_value_per_step(tapes):
    g = grad(power)(1.0001, 1000)
    assert g == pytest.approx(1000 * 1.0001**999 * np.cos(1.0001**1000))
    (tape,) = tapes
    assert len(tape.pushed) == 1000
    assert len(tape) == 0  # every push is popped


def invariants(x, w, c):
    y = x
    for i in range(50):
        y = y * w + np.sin(c)  # w and c never change in the loop
    return y


def test_loop_invariant_values_are_never_pushed(tapes):
    x, w, c = 0.3, 0.9, 0.2
    g = grad(invariants, wrt=(0, 1, 2))(x, w, c)
    for i in range(3):
        check_grad(invariants, [x, w, c], i, g[i])
    (tape,) = tapes
    assert len(tape.pushed) == 50
    ys = [x]
    for _ in range(49):
        ys.append(ys[-1] * w + np.sin(c))
    assert tape.pushed == pytest.approx(ys)  # the values of y, never w, c or sin(c)


def rows(h0, W, xs):
    h = h0
    for x in xs:
        h = np.tanh(W @ h + x)
    return np.sum(h)


def test_arrays_are_pushed_by_reference(tapes):
    rng = np.random.default_rng(0)
    h0, W, xs = rng.standard_normal(4), rng.standard_normal((4, 4)) * 0.5, rng.standard_normal((6, 4))
    pushed_ids = []
    original = CountingTape.push

    def remember(self, value):
        pushed_ids.append(value)
        original(self, value)

    CountingTape.push = remember
    try:
        g = grad(rows, wrt=(0, 1, 2))(h0, W, xs)
    finally:
        CountingTape.push = original
    for i in range(3):
        check_grad(rows, [h0, W, xs], i, g[i])
    # each step records the previous and the new state (references to arrays the forward
    # computed anyway, never copies); specialised to the shapes, the row's and W @ h's
    # shapes are known, so nothing is recorded for unbroadcasting
    assert len(pushed_ids) == 2 * len(xs)
    assert all(isinstance(v, np.ndarray) for v in pushed_ids)
    source = grad(rows, wrt=(0, 1, 2)).source
    calls = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)]
    pushes = [n.args[0] for n in calls if ast.unparse(n.func) == "_tape.push"]
    pushes += [v for n in calls if ast.unparse(n.func) == "_tape.extend" for v in n.args[0].elts]
    assert {ast.unparse(p) for p in pushes} == {"h", "np.shape(x)", "np.shape(_t1)"}


def loops_of(source):
    fn = ast.parse(source).body[-1]
    return [n for n in ast.walk(fn) if isinstance(n, ast.For)]


def test_range_loops_reverse_as_reversed_range():
    source = grad(power).source
    headers = [ast.unparse(loop.iter) for loop in loops_of(source)]
    assert headers == ["range(n)", "reversed(range(n))"]
    first = power.__code__.co_firstlineno
    assert f"# line {first + 2}: for i in range(n):" in source
    assert f"# line {first + 3}: y = y * x" in source


def newton(a):
    x = a
    while np.abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x


def test_while_loops_count_their_trips_and_loop_back_that_often():
    source = grad(newton).source
    (back,) = loops_of(source)
    assert ast.unparse(back.iter) == "range(_n1)"
    assert "_n1 += 1" in source
    assert grad(newton)(2.0) == pytest.approx(0.5 / np.sqrt(2.0))


def early_exit(x, n):
    y = x
    for i in range(n):
        y = np.sin(y) + x
        if y > 1.5:
            break
    return y


def test_a_loop_that_breaks_loops_back_over_the_trips_it_made(tapes):
    source = grad(early_exit).source
    assert "for i in reversed(range(n)[:_n1]):" in source
    for x in (0.2, 0.9):  # 5 full trips; a break in the second
        check_grad(early_exit, [x, 5], 0, grad(early_exit)(x, 5))
    assert all(len(t) == 0 for t in tapes)


def branch(x):
    if x > 0:
        y = x * x
    else:
        y = -x
    return y


def test_a_branch_outside_loops_keeps_its_condition_in_a_local(tapes):
    source = grad(branch).source
    assert "_c1 = x > 0" in source and "if _c1:" in source
    assert "_tape" not in source
    assert grad(branch)(2.0) == pytest.approx(4.0)
    assert grad(branch)(-2.0) == pytest.approx(-1.0)
    assert tapes == []


def test_the_branch_taken_is_replayed_not_evaluated_again():
    def flips(x):
        y = x * 3.0
        if y > 1.0:
            y = y * y
        x = 0.0  # the condition would now go the other way
        return y + x

    assert grad(flips)(1.0) == pytest.approx(18.0)


@pytest.mark.parametrize(
    "body,code",
    [
        ("    for i in range(3):\n        return\n    return x", "AD110"),
        ("    for (a, b) in range(3):\n        x = x * a\n    return x", "AD103"),
        ("    for *a, b in [(1, 2)]:\n        x = x * b\n    return x", "AD103"),
    ],
)
def test_unsupported_loop_forms_are_diagnosed(tmp_path, body, code):
    import importlib.util

    path = tmp_path / "loops.py"
    path.write_text("import numpy as np\n\n\ndef f(x):\n" + body + "\n")
    spec = importlib.util.spec_from_file_location("loops", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(TranspileError) as err:
        grad(module.f)(1.0)
    assert code in {d.code for d in err.value.diagnostics}


def cancelling(x, y):
    a = x * x - x * x + y * y  # equal terms of opposite sign, and a square
    return np.sum(a * x) - np.roll(-x, 1) @ y


def test_repeated_and_cancelling_contributions_add_up():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(3), rng.standard_normal(3)
    g = grad(cancelling, wrt=(0, 1))(x, y)
    for i in range(2):
        check_grad(cancelling, [x, y], i, g[i])


def entries(x, w):
    y = x  # entries of x are read both directly and through y
    s = 0.0
    for i in range(len(x)):
        s = s + y[i] * x[i] * w[i]
        if i > 0:
            s = s + np.sin(x[i - 1]) * y[i]
    return s + np.sum(y * w)


def test_entry_by_entry_loops_accumulate_into_their_own_array():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(6), rng.standard_normal(6)
    x_before, w_before = x.copy(), w.copy()
    source = grad(entries, wrt=(0, 1)).source
    assert "scatter_add" in source
    g = grad(entries, wrt=(0, 1))(x, w)
    for i in range(2):
        check_grad(entries, [x, w], i, g[i])
    assert np.array_equal(x, x_before) and np.array_equal(w, w_before)
    g2 = grad(entries, wrt=(0, 1))(x, w)  # a second call starts from fresh arrays
    np.testing.assert_array_equal(g[0], g2[0])


def squares(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] * x[i]
    return s


def test_a_loop_over_entries_adds_each_entry_into_one_array():
    source = grad(squares).source
    assert "scatter_add" in source and "scatter(" not in source  # not a fresh array per entry
    x = np.random.default_rng(2).standard_normal(5)
    np.testing.assert_allclose(grad(squares)(x), 2 * x)
