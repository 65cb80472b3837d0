"""The reverse rules of the runtime helpers generated code calls (``runtime/rules/helpers.py``),
which higher order differentiates (and of ``gradient_of``, a grad function called inside a
differentiated function): each against finite differences."""

import numpy as np
import pytest

from adgen import grad
from adgen.runtime import nested, singular, tangents
from adgen.runtime.rules import linalg
from tests.rules.harness import Case, check_case

rng = np.random.default_rng(8)
V = rng.uniform(-2, 2, (3,))
M = rng.uniform(-2, 2, (2, 3))
A = rng.uniform(-1, 1, (3, 3)) + 3.0 * np.eye(3)
AS = rng.uniform(-1, 1, (2, 3, 3)) + 3.0 * np.eye(3)
DEN = rng.uniform(0.5, 2.0, (2, 3))



def _curved(x, k):
    return np.sum(k * x ** 3 * np.sin(x))


CASES = [
    Case(nested.gradient_of, (grad(_curved), V, 0.7), wrt=(1, 2), fn=lambda d, x, k: nested.gradient_of(d, x, k)),
    Case(tangents.tangent_arg, (M, rng.uniform(-1, 1, (2, 3)), "x"), wrt=(1,), fn=lambda x, v, name: tangents.tangent_arg(x, v, name)),
    Case(tangents.fit, (V, M), wrt=(0,), fn=lambda t, other: tangents.fit(t, other), id="fit[3,2x3]"),
    Case(tangents.tuple_tangent_sum, (M, V), fn=lambda a, b: tangents.tuple_tangent_sum(a, b), id="tuple_tangent_sum[2x3,3]"),
    Case(tangents.fit, (M, M), wrt=(0,), fn=lambda t, other: tangents.fit(t, other), id="fit[2x3,2x3]"),
    Case(singular.over, (M, DEN), fn=lambda g, den: singular.over(g, den)),
    Case(singular.over, (V, DEN, M), fn=lambda g, den, num: singular.over(g, den, num), id="over[3,2x3,2x3]"),
    Case(singular.times, (M, V), fn=lambda g, factor: singular.times(g, factor)),
    Case(linalg.cofactors, (A, 1.7), fn=lambda a, det: linalg.cofactors(a, det)),
    Case(linalg.cofactors, (AS, np.array([0.8, -1.3])), fn=lambda a, det: linalg.cofactors(a, det), id="cofactors[2x3x3,2]"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)
