"""Finite-difference checks of the rules in runtime/items.py (stores into arrays held in
lists and dicts, ``xs[i][j] = v``)."""

import numpy as np
import pytest

from adgen.runtime import array_copy, with_item
from adgen.runtime.core import copied
from adgen.runtime.tangents import with_tangent_item
from tests.rules.harness import Case, check_case

rng = np.random.default_rng(7)
a, b, c = rng.standard_normal(3), rng.standard_normal((2, 3)), rng.standard_normal(3)

CASES = [
    Case(array_copy, (b,)),
    Case(with_item, ([a, c], 1, rng.standard_normal(3)), wrt=(0, 2), id="with_item[list]"),
    Case(with_item, ([a, b, c], -1, rng.standard_normal(3)), wrt=(0, 2), id="with_item[list,-1]"),
    Case(with_item, ([a, c], 0, rng.standard_normal(3)), wrt=(2,), id="with_item[new]"),
    Case(with_tangent_item, ([a, c], 1, rng.standard_normal(3)), wrt=(0, 2), id="with_tangent_item[list]"),
    Case(with_tangent_item, ([a, a], 0, rng.standard_normal(3)), wrt=(0, 2), id="with_tangent_item[shared]"),
    Case(copied, (b,)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


def test_dict_item():
    from adgen.runtime.registry import lookup

    rule = lookup(with_item).fn
    g = {"u": np.array([1.0, 2.0]), "v": np.array([3.0])}
    dxs, dkey, dnew = rule(g, None, {"u": np.zeros(2), "v": np.zeros(1)}, "u", np.ones(2))
    assert dkey is None and dict(dxs) == {"v": g["v"]} and dnew is g["u"]
