"""Dataflow over structured statements: the one walk of ``if``, loops, ``break`` and
``continue`` that the analyses share.

An analysis supplies what a state is by subclassing ``Analysis``: ``step`` (the
state past one simple statement), ``join`` (the state where two paths meet) and,
where it needs them, ``test`` (past the header of a branch or a loop: its test, a
``for``'s iterable; ``apply`` as for ``step``), ``bind`` (past a ``for``'s target, at the start of each round),
``same`` (has the state at a loop's head stopped changing) and ``copy``. ``forward``
and ``backward`` own the rest:

- a block carries the state from statement to statement (from its end, backward);
- ``if`` runs both branches from the same state and joins them;
- a loop's head state is the join of the state on entry and after each round,
  repeated until it stops changing; leaving it (the test fails, or the loop never
  runs) goes through its ``else``; a ``break`` joins the state after the loop and a
  ``continue`` the head;
- ``return`` and ``raise`` lead to the function's end: forward, their states join
  the state after the body; backward, they start from the state given for its end.

Forward, ``None`` is the state where no path reaches (after a ``break``); the
driver keeps it away from the analysis. ``step``, ``test`` and ``bind`` may update
the state they are given in place (a long block then costs no copy per statement):
the driver hands them a copy wherever a state goes two ways. With ``apply`` the
analysis may rewrite:
``step`` returns the statements that replace one, and the driver sets the blocks
of branches and loops (a loop's body once, from its head's final state).
"""

import ast
import copy

LOOPS = (ast.For, ast.While)
ENDS = (ast.Return, ast.Raise)


class Analysis:
    """One dataflow problem. ``step(stmt, state, apply)`` returns ``(statements
    replacing stmt, state past it)``; the driver uses the statements only with
    ``apply``. ``join`` returns a new state and leaves its two as they are."""

    def step(self, stmt, state, apply):
        raise NotImplementedError

    def join(self, a, b):
        raise NotImplementedError

    def test(self, stmt, state, apply=False):
        """The state past the header of ``stmt`` (an ``if`` or a loop)."""
        return state

    def bind(self, stmt, state):
        """The state past binding a ``for``'s target."""
        return state

    def same(self, a, b):
        return a == b

    def copy(self, state):
        """A state ``step``, ``test`` and ``bind`` may change without changing ``state``."""
        return copy.copy(state)


def forward(body, state, analysis, apply=False):
    """``(body, state at its end)``, given the state before: the join of the state
    after its last statement and at each ``return`` and ``raise`` (``None`` if no path
    reaches the end)."""
    walk = _Forward(analysis)
    body, state = walk.block(body, analysis.copy(state), apply)
    return body, walk.join(state, walk.ends)


def backward(body, state, analysis, apply=False):
    """``(body, state before it)``, given the state after its end, which is also where
    ``return`` and ``raise`` lead."""
    return _Backward(analysis, state).block(body, analysis.copy(state), apply)


class _Loop:
    """The states where a loop's ``break`` and ``continue`` lead."""

    def __init__(self, breaks=None, continues=None):
        self.breaks = breaks
        self.continues = continues


class _Walk:
    """A block, statement by statement, in the walk's direction (``order``)."""

    def __init__(self, analysis):
        self.a = analysis
        self.loops = []

    def block(self, body, state, apply):
        out = []
        for stmt in self.order(body):
            if state is None:  # forward, past a break or return: nothing reaches it, left as it is
                new = [stmt]
            elif isinstance(stmt, ast.If):
                new, state = [stmt], self.branch(stmt, state, apply)
            elif isinstance(stmt, LOOPS):
                new, state = [stmt], self.loop(stmt, state, apply)
            elif isinstance(stmt, (ast.Break, ast.Continue)):
                new, state = [stmt], self.jump(stmt, state)
            else:
                new, state = self.simple(stmt, state, apply)
                new = new if apply else [stmt]
            out.extend(self.order(new))
        return self.order(out), state


class _Forward(_Walk):
    def __init__(self, analysis):
        super().__init__(analysis)
        self.ends = None  # the states at return and raise, joined

    def order(self, stmts):
        return stmts

    def join(self, a, b):
        return b if a is None else a if b is None else self.a.join(a, b)

    def simple(self, stmt, state, apply):
        new, state = self.a.step(stmt, state, apply)
        if isinstance(stmt, ENDS):
            self.ends, state = self.join(self.ends, state), None
        return new, state

    def jump(self, stmt, state):
        loop = self.loops[-1]
        if isinstance(stmt, ast.Break):
            loop.breaks = self.join(loop.breaks, state)
        else:
            loop.continues = self.join(loop.continues, state)
        return None

    def branch(self, stmt, state, apply):
        state = self.a.test(stmt, state, apply)
        body, after_body = self.block(stmt.body, self.a.copy(state), apply)
        orelse, after_else = self.block(stmt.orelse, state, apply)
        if apply:
            stmt.body, stmt.orelse = body, orelse
        return self.join(after_body, after_else)

    def loop(self, stmt, state, apply):
        head = state
        while True:
            loop, end = self.round(stmt, head, False)
            new = self.join(head, self.join(end, loop.continues))
            if self.a.same(new, head):
                break
            head = new
        if apply:
            loop, _ = self.round(stmt, head, True)
        orelse, after = self.block(stmt.orelse, self.a.test(stmt, head, apply), apply)
        if apply:
            stmt.orelse = orelse
        return self.join(after, loop.breaks)

    def round(self, stmt, head, apply):
        """One pass over the body from the head state: where its ``break`` and
        ``continue`` lead, and the state at its end."""
        state = self.a.test(stmt, self.a.copy(head), apply)
        if isinstance(stmt, ast.For):
            state = self.a.bind(stmt, state)
        self.loops.append(_Loop())
        body, end = self.block(stmt.body, state, apply)
        if apply:
            stmt.body = body
        return self.loops.pop(), end


class _Backward(_Walk):
    def __init__(self, analysis, end):
        super().__init__(analysis)
        self.end = end  # where return and raise lead

    def order(self, stmts):
        return stmts[::-1]

    def simple(self, stmt, state, apply):
        return self.a.step(stmt, self.a.copy(self.end) if isinstance(stmt, ENDS) else state, apply)

    def jump(self, stmt, state):
        loop = self.loops[-1]
        return self.a.copy(loop.breaks if isinstance(stmt, ast.Break) else loop.continues)

    def branch(self, stmt, state, apply):
        body, before_body = self.block(stmt.body, self.a.copy(state), apply)
        orelse, before_else = self.block(stmt.orelse, state, apply)
        if apply:
            stmt.body, stmt.orelse = body, orelse
        return self.a.test(stmt, self.a.join(before_body, before_else), apply)

    def loop(self, stmt, after, apply):
        orelse, leaving = self.block(stmt.orelse, self.a.copy(after), apply)
        if apply:
            stmt.orelse = orelse
        head = self.a.test(stmt, leaving, apply)
        while True:
            start = self.round(stmt, head, after, False)
            new = self.a.join(head, self.a.test(stmt, start))
            if self.a.same(new, head):
                break
            head = new
        if apply:
            self.round(stmt, head, after, True)
        return head

    def round(self, stmt, head, after, apply):
        """The state at the start of one round, given the head's (where the body's end
        and ``continue`` lead) and the loop's end (where ``break`` leads)."""
        self.loops.append(_Loop(breaks=after, continues=head))
        body, state = self.block(stmt.body, self.a.copy(head), apply)
        self.loops.pop()
        if apply:
            stmt.body = body
        return self.a.bind(stmt, state) if isinstance(stmt, ast.For) else state
