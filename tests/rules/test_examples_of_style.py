import numpy as np
import pytest

from tests.rules.harness import Case, binary_cases, check_case, unary_cases

CASES = [
    *unary_cases(np.sin),
    *unary_cases(np.exp),
    *binary_cases(np.add),
    *binary_cases(np.multiply),
    Case(np.sum, (np.arange(6.0).reshape(2, 3),)),
    Case(np.sum, (np.arange(6.0).reshape(2, 3),), {"axis": 0}),
    Case(np.sum, (np.arange(6.0).reshape(2, 3),), {"axis": -1, "keepdims": True}),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)
