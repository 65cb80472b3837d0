"""The dataflow driver (``flow``) on small bodies, with two analyses written here: the
constants a name may hold (forward) and the names live (backward, dropping dead
assignments). Expected states are worked out by hand."""

import ast
import textwrap

from adgen import flow
from adgen.syntax import names_in


def _body(text):
    return ast.parse(textwrap.dedent(text)).body


class Values(flow.Analysis):
    """Name -> the constants it may hold (``"?"``: anything else). Updated in place, as
    the driver allows: a missing copy would show as a value leaking between paths."""

    def step(self, stmt, state, apply):
        if isinstance(stmt, ast.Assign):
            target, value = stmt.targets[0].id, stmt.value
            if isinstance(value, ast.Constant):
                state[target] = frozenset({value.value})
            elif isinstance(value, ast.Name):
                state[target] = state.get(value.id, frozenset({"?"}))
            else:
                state[target] = frozenset({"?"})
        return [stmt], state

    def bind(self, stmt, state):
        state[stmt.target.id] = frozenset({"?"})
        return state

    def join(self, a, b):
        return {n: a.get(n, frozenset()) | b.get(n, frozenset()) for n in a.keys() | b.keys()}


class Live(flow.Analysis):
    """The names read later (a set, updated in place); with ``apply``, an assignment to
    a dead name goes."""

    def step(self, stmt, state, apply):
        stored = names_in(stmt, ast.Store)
        if isinstance(stmt, ast.Assign) and not stored & state:
            return [], state
        state -= stored
        state |= names_in(stmt, ast.Load)
        return [stmt], state

    def test(self, stmt, state, apply=False):
        state |= names_in(stmt.iter if isinstance(stmt, ast.For) else stmt.test, ast.Load)
        return state

    def bind(self, stmt, state):
        state -= names_in(stmt.target, ast.Store)
        return state

    def join(self, a, b):
        return a | b


def _values(text):
    return flow.forward(_body(text), {}, Values())[1]


def test_if_joins_both_branches():
    after = _values("""
        if c:
            x = 1
        else:
            x = 2
            y = 3
    """)
    assert after == {"x": {1, 2}, "y": {3}}


def test_loop_head_reached_on_the_second_pass():
    # b = a sees a = 1 only in the second round: one pass would leave b at {0}
    after = _values("""
        a = 0
        b = 0
        while c:
            b = a
            a = 1
    """)
    assert after == {"a": {0, 1}, "b": {0, 1}}


def test_a_loop_that_may_not_run_keeps_the_entry_state():
    after = _values("""
        x = 0
        for i in range(n):
            x = 1
    """)
    assert after == {"x": {0, 1}, "i": {"?"}}


def test_break_and_continue_lead_out_and_to_the_head():
    after = _values("""
        x = 0
        while c:
            if d:
                x = 1
                break
                x = 4
            if e:
                y = 2
                continue
            y = 3
        else:
            z = 5
    """)
    # x = 4 is never reached; z only on the path where the test fails
    assert after == {"x": {0, 1}, "y": {2, 3}, "z": {5}}


def test_return_leads_to_the_end():
    after = _values("""
        x = 0
        if c:
            x = 1
            return x
            x = 2
        x = 3
        """)
    # x = 2 is never reached; the end is reached after x = 1 (returned) and x = 3
    assert after == {"x": {1, 3}}


def _live_code(text):
    """The body of ``text`` without its dead assignments (as text), and the names live
    at its start."""
    new, live = flow.backward(_body(text), set(), Live(), apply=True)
    return ast.unparse(new), live


def test_backward_liveness_through_a_loop():
    text = """
        z = 5
        y = 1
        x = 0
        w = 0
        while t:
            print(x)
            x = y
        print(w)
    """
    code, live = _live_code(text)
    # y is read by x = y, which the next round's print(x) reads: live at the head
    assert live == {"t", "print"}
    assert code == ast.unparse(_body(text)).replace("z = 5\n", "")


def test_backward_break_leads_past_the_loop_and_continue_to_the_head():
    body = """
        a = 1
        b = 2
        c = 3
        while t:
            if s:
                print(a)
                break
            if r:
                continue
            c = 0
        print(b)
    """
    code, live = _live_code(body)
    assert live == {"t", "s", "r", "print"}
    # c is reassigned in every round before anyone could read it, and never read
    assert code == "a = 1\nb = 2\nwhile t:\n    if s:\n        print(a)\n        break\n    if r:\n        continue\nprint(b)"


def test_without_apply_the_body_is_unchanged():
    body = _body("""
        z = 5
        for i in range(3):
            if i:
                q = 1
    """)
    text = ast.unparse(body)
    new, live = flow.backward(body, set(), Live())
    assert ast.unparse(new) == text and live == {"range"}
