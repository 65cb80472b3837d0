"""Calls that stand alone as statements, run for their side effects (plotting, logging,
progress, callbacks, ``print``, ``assert``): they run in the forward pass and get no
gradient when they leave differentiated values as they were; a store into an argument,
seen in the callee's source, is refused with the store's file and line (AD222); a
change by a callee without source is refused when the gradient runs (AD408)."""

import numpy as np
import pytest

import function_values_cases as c
from gradcheck import check_grad
from adgen import grad
from adgen.errors import TranspileError
from adgen.runtime.core import GradientError

X = np.array([0.3, 1.0, 2.0])


class Axes:
    """A stand-in for a matplotlib ``Axes``: records what it is asked to draw."""

    def __init__(self):
        self.drawn = []

    def imshow(self, u):
        self.drawn.append(np.array(u))

    def set_title(self, title):
        self.drawn.append(title)


@pytest.mark.parametrize("ax", [None, Axes()], ids=["ax=None", "ax"])
def test_a_simulation_that_plots_every_step(ax):
    g = grad(c.heat)(X, 4, ax)
    check_grad(lambda u0: c.heat(u0, 4), [X], 0, g)
    if ax is not None:  # the forward pass ran the plotting, on the values of the primal
        assert len(ax.drawn) == 8 and ax.drawn[1] == "t = 0"


def test_print_logging_progress_assert_and_comprehensions(capsys):
    g = grad(c.progress)(X, 3)
    printed = capsys.readouterr().out
    assert printed.count("step ") == 3
    check_grad(lambda x: c.progress(x, 3), [X], 0, g)


def test_a_check_that_reads_its_argument():
    np.testing.assert_allclose(grad(c.validates)(X), 3 * 8.0 * X ** 2)  # d/dx sum((2x)^3)


def test_a_callback_object_that_only_reads():
    c.RECORD.seen.clear()
    g = grad(c.records)(X)
    np.testing.assert_allclose(c.RECORD.seen[-1], np.cos(X))  # called once, with the primal's value
    assert len(c.RECORD.seen) == 1
    check_grad(c.records, [X], 0, g)


@pytest.mark.parametrize(
    "fn,callee,store",
    [
        (c.clamps_in_place, "clamp", "u[u < 0] = 0.0"),
        (c.changes_through_a_helper, "shows", "w /= np.sum(w)"),  # found in the function it calls
        (c.copies_into_the_argument, "fills", "np.copyto(buf, 0.0)"),
    ],
)
def test_a_store_into_an_argument_is_named(fn, callee, store):
    with pytest.raises(TranspileError) as info:
        grad(fn)(X)
    (diag,) = info.value.diagnostics
    assert diag.code == "AD222" and f"`{callee}`" in diag.message and store in diag.message
    assert diag.filename == c.__file__ and diag.source_line.strip().startswith(callee + "(")
    line = next(k for k, text in enumerate(open(c.__file__).read().splitlines(), 1) if text.strip() == store)
    assert f"{c.__file__}:{line}:" in diag.message


def test_a_callee_without_source_that_writes_is_refused_when_it_runs():
    before = X.copy()
    with pytest.raises(GradientError, match="AD408"):
        grad(c.spoils)(X)
    np.testing.assert_array_equal(X, before)


def test_an_in_place_method_standing_alone_is_refused():
    def sorts(x):
        u = x * 1.0
        u.sort()
        return np.sum(u * x)

    with pytest.raises(TranspileError, match="AD305"):
        grad(sorts)(X)


def test_a_new_array_passed_to_a_callee_without_source():
    c.RECORD.seen.clear()
    g = grad(c.records_a_temporary)(X)
    np.testing.assert_allclose(c.RECORD.seen[-1], 2.0 * np.cos(X))
    np.testing.assert_allclose(g, np.cos(X) - np.sin(X) * X)  # by hand


def test_a_view_passed_to_a_callee_without_source_is_refused():
    # the callee could change u through its view, and nothing copies a view's base back
    with pytest.raises(TranspileError, match="AD305"):
        grad(c.records_a_view)(X)
