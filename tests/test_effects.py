"""What ``transpiler/effects.py`` reads from a function's source: what its result may
share, whether it is new, which arguments it changes in place; recursion included."""

import pytest

import effects_cases as cases
import adgen.calls
from adgen.effects import OUTSIDE, RESULT, Effects


@pytest.mark.parametrize(
    "fn,returns,fresh,changes",
    [
        (cases.returns_argument, {"a"}, False, set()),
        (cases.returns_new, {RESULT}, True, set()),
        (cases.returns_view, {"a"}, False, set()),
        (cases.returns_global, {OUTSIDE}, False, set()),
        (cases.changes_argument, set(), False, {"a"}),
        (cases.stores_into_argument, set(), False, {"a"}),
        (cases.changes_through_call, set(), False, {"a"}),
        (cases.swaps, {"a", "b"}, False, set()),
        (cases.changes_after_swapping, set(), False, {"a", "b"}),
        (cases.changes_its_own_copy, {RESULT, "a"}, True, set()),  # a list's copy would hold its items
        (cases.nested_def_changes_its_own_argument, {RESULT, OUTSIDE}, False, set()),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_effects(fn, returns, fresh, changes):
    effect = Effects(adgen.calls.is_user_function).of(fn)
    assert (set(effect.returns), effect.fresh, set(effect.changes)) == (returns, fresh, changes)


def test_a_copy_of_an_argument_holds_at_most_its_items():
    effect = Effects(adgen.calls.is_user_function).of(cases.changes_its_own_copy)
    assert effect.own == {RESULT} and effect.held == {("param", "a", "items")}
