"""Finite-difference checks of the rules for the rest of NumPy (issue 14): cov, corrcoef,
i0, geomspace, logspace, matvec, vecmat, linalg.cond, block, resizing and splitting
helpers; then the same functions inside user functions, through adgen.grad."""

import numpy as np
import pytest

from gradcheck import check_grad, check_vjp
from adgen import grad
from adgen.runtime.registry import lookup
from tests.rules.harness import Case, check_case

rng = np.random.default_rng(1414)


def r(*shape):
    return rng.standard_normal(shape)


def pos(*shape):
    return rng.uniform(0.5, 2.0, shape)


AW = pos(5)
FW = np.array([1, 3, 2, 1, 4])  # integers (NumPy checks); a float array would be changed in place by np.cov

CASES = [
    # np.cov: rowvar, bias, ddof, y, weights (aweights differentiated, fweights constant here)
    Case(np.cov, (r(3, 5),)),
    Case(np.cov, (r(5),)),
    Case(np.cov, (r(5, 3),), {"rowvar": False}),
    Case(np.cov, (r(5, 1),), {"rowvar": False}),
    Case(np.cov, (r(3, 5),), {"bias": True}),
    Case(np.cov, (r(3, 5),), {"ddof": 2}),
    Case(np.cov, (r(3, 5), r(5))),
    Case(np.cov, (r(2, 5), r(2, 5))),
    Case(np.cov, (r(5, 2), r(5, 3)), {"rowvar": False}),
    Case(np.cov, (r(5, 2), r(5)), {"rowvar": False}),
    Case(np.cov, (r(5, 2), r(1, 5)), {"rowvar": False}),
    Case(np.cov, (r(2, 5), None, True, False, None, None, AW)),
    Case(np.cov, (r(2, 5), None, True, False, 0, None, AW)),
    Case(np.cov, (r(2, 5), None, True, True, None, None, AW)),
    Case(np.cov, (r(2, 5),), {"fweights": FW}),
    Case(np.cov, (r(2, 5),), {"fweights": FW, "ddof": 0}),
    Case(np.cov, (r(2, 5),), {"fweights": FW, "aweights": AW}),
    Case(np.cov, (r(2, 5),), {"fweights": FW, "aweights": AW, "ddof": 3}),
    Case(np.cov, (r(5, 2), r(5)), {"rowvar": False, "aweights": AW, "bias": True}),
    # np.corrcoef
    Case(np.corrcoef, (r(3, 6),)),
    Case(np.corrcoef, (r(6, 3),), {"rowvar": False}),
    Case(np.corrcoef, (r(6), r(6))),
    Case(np.corrcoef, (r(2, 6), r(6))),
    Case(np.corrcoef, (r(6, 2), r(6, 2)), {"rowvar": False}),
    # np.i0
    Case(np.i0, (0.7,)),
    Case(np.i0, (r(4) * 3,)),
    Case(np.i0, (r(2, 3) * 10,), rtol=1e-5),
    # geomspace / logspace
    Case(np.geomspace, (0.5, 4.0)),
    Case(np.geomspace, (-0.5, -4.0), {"num": 6}),
    Case(np.geomspace, (2.0, 0.1, 5, False)),
    Case(np.geomspace, (0.3, 2.0), {"num": 1}),
    Case(np.geomspace, (pos(3), pos(3)), {"num": 4}),
    Case(np.geomspace, (pos(2, 1), pos(3)), {"num": 4, "axis": -1}),
    Case(np.logspace, (0.5, 1.5)),
    Case(np.logspace, (-1.0, 1.0, 7, False, 2.0)),
    Case(np.logspace, (r(3), r(3)), {"num": 4, "base": 3.0}),
    Case(np.logspace, (r(3), 0.5), {"num": 4, "base": pos(3), "axis": 1}),
    Case(np.logspace, (r(2, 1), r(3)), {"num": 5, "base": pos(2, 3), "axis": -1}),
    Case(np.logspace, (0.2, 0.9), {"num": 3, "base": pos(2)}),
    # np.linalg.cond: every p, stacks, non-square for the 2-norm ones
    *[Case(np.linalg.cond, (r(3, 3) + 3 * np.eye(3), p), wrt=(0,)) for p in (None, 2, -2, 1, -1, np.inf, -np.inf, "fro", "nuc")],
    Case(np.linalg.cond, (r(3, 3) + 3 * np.eye(3),)),
    Case(np.linalg.cond, (r(2, 3, 3) + 3 * np.eye(3),), {"p": "fro"}),
    Case(np.linalg.cond, (r(2, 3, 3) + 3 * np.eye(3),)),
    Case(np.linalg.cond, (r(4, 2),)),
    Case(np.linalg.cond, (r(2, 4), -2), wrt=(0,)),
]

if hasattr(np, "matvec"):
    CASES += [
        Case(np.matvec, (r(3, 4), r(4))),
        Case(np.matvec, (r(2, 3, 4), r(4))),
        Case(np.matvec, (r(3, 4), r(2, 4))),
        Case(np.matvec, (r(2, 1, 3, 4), r(5, 4))),
        Case(np.vecmat, (r(3), r(3, 4))),
        Case(np.vecmat, (r(2, 3), r(3, 4))),
        Case(np.vecmat, (r(3), r(2, 3, 4))),
        Case(np.vecmat, (r(5, 1, 3), r(2, 3, 4))),
    ]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)




def _tuple_cases():
    """Cases for functions returning tuples: the harness seeds every output."""
    out = [
        Case(np.modf, (r(4) * 3,)),
        Case(np.modf, (r(2, 3) * 3,), zero_outputs=(1,)),
        Case(np.frexp, (r(4) * 3,)),
        Case(np.frexp, (1.7,)),
        Case(np.dsplit, (r(2, 2, 6), 3)),
        Case(np.dsplit, (r(1, 2, 5), [1, 3])),
        Case(np.dsplit, (r(2, 1, 4), 2), zero_outputs=(0,)),
        Case(np.broadcast_arrays, (r(3), r(2, 1))),
        Case(np.broadcast_arrays, (r(2, 3), 0.5, r(3))),
        Case(np.broadcast_arrays, (r(2, 3),)),
    ]
    if hasattr(np, "unstack"):
        out += [
            Case(np.unstack, (r(3, 2),)),
            Case(np.unstack, (r(2, 3, 2),), {"axis": 1}),
            Case(np.unstack, (r(2, 3),), {"axis": -1}, zero_outputs=(1,)),
        ]
    return out


CASES += _tuple_cases() + [
    # conversions
    Case(np.asanyarray, (r(2, 3),)),
    Case(np.asanyarray, (0.5,)),
    Case(np.asanyarray, (r(3),), {"dtype": float}),
    Case(np.asanyarray, (r(3),), {"dtype": int}, id="asanyarray-int-is-constant"),
    Case(np.asarray_chkfinite, (r(4),)),
    Case(np.asarray_chkfinite, ([0.5, -1.5],), wrt=(0,), id="asarray_chkfinite-list"),
    Case(np.ascontiguousarray, (r(3, 2).T,)),
    Case(np.ascontiguousarray, (0.7,)),
    Case(np.asfortranarray, (r(2, 3),)),
    Case(np.asfortranarray, (0.7,)),
    Case(np.require, (r(2, 3),)),
    Case(np.require, (r(2, 3), None, ["F"])),
    Case(np.real_if_close, (r(3),)),
    # block: nested lists, promoted dimensions, scalars
    Case(np.block, ([r(2), r(3)],), wrt=(0,)),
    Case(np.block, ([[r(2, 2), r(2, 3)], [r(1, 5)]],), wrt=(0,)),
    Case(np.block, ([[r(1, 2), r(3)], [r(5)]],), wrt=(0,)),
    Case(np.block, ([[1.5, r(1)], [r(2)]],), wrt=(0,)),
    Case(np.block, (r(2, 3),)),
    Case(np.block, ([[[r(1, 2, 2)], [r(1, 1, 2)]], [[r(2, 3, 2)]]],), wrt=(0,)),
    # resize
    Case(np.resize, (r(3), (2, 4))),
    Case(np.resize, (r(2, 3), 4)),
    Case(np.resize, (r(2, 2), (3, 3))),
    Case(np.resize, (0.5, (2, 2))),
    # kaiser: in beta
    Case(np.kaiser, (7, 2.5)),
    Case(np.kaiser, (6, 0.3)),
    Case(np.kaiser, (1, 2.0)),
    # the method of np.choose
    Case(np.ndarray.choose, (np.array([0, 2, 1, 0]), [r(4), r(4), r(1)]), wrt=(1,), fn=lambda a, c: a.choose(c)),
]
if hasattr(np, "astype"):
    CASES += [Case(np.astype, (r(2, 3), np.float64)), Case(np.astype, (r(3), np.int64), id="astype-int-is-constant")]
if hasattr(np, "row_stack"):
    CASES += [Case(np.row_stack, ([r(3), r(2, 3)],), wrt=(0,), fn=lambda tup: np.vstack(tup))]
