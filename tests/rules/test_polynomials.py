"""Finite-difference checks of runtime/rules/polynomials.py (polyadd, polysub, polymul,
polydiv, polyder, polyint, polyfit, roots, poly), the refusals, and the same functions
inside user functions through adgen.grad."""

import numpy as np
import pytest

from gradcheck import check_grad
from adgen import grad
from adgen.errors import TranspileError
from adgen.runtime.core import GradientError
from adgen.runtime.registry import lookup
from tests.rules.harness import Case, check_case

rng = np.random.default_rng(1415)


def r(*shape):
    return rng.standard_normal(shape)


X8 = np.linspace(-1.0, 1.5, 8) + 0.05 * r(8)

CASES = [
    Case(np.polyadd, (r(3), r(5))),
    Case(np.polyadd, (r(4), r(2))),
    Case(np.polyadd, (r(3), r(3))),
    Case(np.polyadd, (0.7, r(3))),
    Case(np.polysub, (r(3), r(5))),
    Case(np.polysub, (r(4), r(2))),
    Case(np.polysub, (r(2), 1.5)),
    Case(np.polymul, (r(3), r(4))),
    Case(np.polymul, (r(5), r(1))),
    Case(np.polymul, (1.3, r(3))),
    Case(np.polyder, (r(5),)),
    Case(np.polyder, (r(5), 2)),
    Case(np.polyder, (r(5),), {"m": 4}),
    Case(np.polyder, (r(3), 0)),
    Case(np.polyder, (r(3), 3)),  # an empty result
    Case(np.polyint, (r(4),)),
    Case(np.polyint, (r(4), 2)),
    Case(np.polyint, (r(4), 3, 0.7)),
    Case(np.polyint, (r(4), 2, r(2))),
    Case(np.polyint, (r(3), 1, r(1))),
    Case(np.polyint, (r(3),), {"m": 2, "k": [0.5, -1.0]}, wrt=(0,)),
    Case(np.polyint, (r(3),), {"k": 1.5}),
    Case(np.polyint, (r(3), 0)),
    # polydiv: both outputs, either unused; a quotient of degree 0; a divisor of higher degree
    Case(np.polydiv, (r(6), r(3) + np.array([2.0, 0, 0]))),
    Case(np.polydiv, (r(4), r(4) + np.array([2.0, 0, 0, 0]))),
    Case(np.polydiv, (r(5), r(2) + np.array([2.0, 0])), zero_outputs=(1,)),
    Case(np.polydiv, (r(5), r(3) + np.array([2.0, 0, 0])), zero_outputs=(0,)),
    Case(np.polydiv, (r(2), r(4) + np.array([2.0, 0, 0, 0]))),
    # polyfit: in x, y and w; y with several columns; rcond
    Case(np.polyfit, (X8, r(8), 2)),
    Case(np.polyfit, (X8, r(8), 3)),
    Case(np.polyfit, (X8, r(8), 0)),
    Case(np.polyfit, (X8, r(8, 3), 2)),
    Case(np.polyfit, (X8, r(8), 2), {"w": rng.uniform(0.5, 2.0, 8)}),
    Case(np.polyfit, (X8, r(8), 2, None, False, rng.uniform(0.5, 2.0, 8))),
    Case(np.polyfit, (X8, r(8, 2), 1, 1e-10, False, rng.uniform(0.5, 2.0, 8)), wrt=(0, 1, 5)),
    Case(np.polyfit, (X8[:3], r(3), 2)),  # interpolation: square
    # roots: real and complex roots, trailing and leading zeros
    Case(np.roots, (np.poly([0.5, -1.0, 2.0]) + 0.01 * r(4),)),
    # complex roots (their sum with a real seed is complex: not through the transpiler, see test_complex.py)
    Case(np.roots, (np.array([1.0, 0.4, 1.3]),), fn=lambda p: np.roots(p)),
    Case(np.roots, (np.array([2.0, -1.0, 0.5, 0.3, -0.7]),), fn=lambda p: np.roots(p)),
    Case(np.roots, (np.array([1.0, -3.0, 2.0, 0.0]),)),
    Case(np.roots, (np.array([3.0, 1.0]),)),
    # poly: of zeros, of a matrix (also with a repeated eigenvalue)
    Case(np.poly, (r(3),)),
    Case(np.poly, (r(1),)),
    Case(np.poly, (np.array([0.5, 0.5, -1.0]),)),
    Case(np.poly, (r(3, 3),)),
    Case(np.poly, (np.array([[2.0, 1.0], [0.0, 2.0]]),)),
    Case(np.poly, (r(1, 1),)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)
