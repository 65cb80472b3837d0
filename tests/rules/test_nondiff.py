import ast
import inspect
import math
import operator

import numpy as np
import pytest

import adgen.runtime.rules.nondiff as nondiff_module
from adgen.runtime import backends
from adgen.runtime.registry import is_nondiff, lookup
from tests.rules.harness import Case, check_case

rng = np.random.default_rng(3)
X = rng.uniform(-2, 2, (2, 3))
Y = rng.uniform(-2, 2, (2, 3))
V = rng.uniform(-2, 2, 5)
SORTED = np.sort(rng.uniform(-2, 2, 6))
MASK = X > 0

# -- constructors with differentiable values (real rules) -------------------------------

CASES = [
    Case(np.full, ((2, 3), 1.5)),
    Case(np.full, ((2, 3), rng.uniform(-2, 2, 3))),
    Case(np.full, ((4, 2), rng.uniform(-2, 2, (4, 1)))),
    Case(np.full, (4, 0.5), {"dtype": float}),
    Case(np.full, ((2, 2), 1.5), {"dtype": int}, id="full-int-is-constant"),
    Case(np.full_like, (np.zeros((2, 3)), 1.5), wrt=(1,)),
    Case(np.full_like, (np.zeros((2, 3)), rng.uniform(-2, 2, (2, 1))), wrt=(1,)),
    Case(np.full_like, (np.zeros(3), 1.5), {"shape": (4, 3)}, wrt=(1,)),
    Case(np.full_like, (np.arange(3), 2.5), wrt=(1,), id="full_like-int-is-constant"),
    Case(np.full_like, (np.zeros(3), 2.5), {"dtype": int}, wrt=(1,), id="full_like-dtype-int"),
    Case(np.linspace, (0.3, 2.1)),
    Case(np.linspace, (0.3, -2.1), {"num": 7}),
    Case(np.linspace, (0.3, 2.1, 5, False)),
    Case(np.linspace, (0.3, 2.1), {"num": 1}),
    Case(np.linspace, (0.3, 2.1), {"num": 1, "endpoint": False}),
    Case(np.linspace, (rng.uniform(-2, 2, 3), rng.uniform(-2, 2, 3)), {"num": 4}),
    Case(np.linspace, (rng.uniform(-2, 2, 3), rng.uniform(-2, 2, 3)), {"num": 4, "axis": -1}),
    Case(np.linspace, (rng.uniform(-2, 2, (2, 1)), rng.uniform(-2, 2, 3)), {"num": 4, "axis": 1}),
    Case(np.linspace, (0.5, rng.uniform(-2, 2, (2, 3))), {"num": 3, "axis": 2, "endpoint": False}),
    Case(np.arange, (0.3, 5.0, 0.7), wrt=(0, 2)),
    Case(np.arange, (-1.2, 2.0, 0.45), wrt=(0, 2)),
    Case(np.arange, (2.0, -1.1, -0.3), wrt=(0, 2)),
    Case(np.arange, (0.3, 5.0), wrt=(0,)),
    Case(np.arange, (4.5,), id="arange-stop-only"),
    Case(np.arange, (0.3,), {"stop": 5.0, "step": 0.7}, wrt=(0,)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


def test_constructors_with_values_are_not_nondiff():
    for f in (np.full, np.full_like, np.linspace, np.arange, np.heaviside):
        assert not is_nondiff(f) and lookup(f) is not None


def test_arange_stop_gets_no_cotangent():
    ans = np.arange(0.3, 5.0, 0.7)
    dstart, dstop, dstep = lookup(np.arange).fn(np.ones(ans.shape), ans, 0.3, 5.0, 0.7)
    assert dstop is None and dstart == ans.size and dstep == sum(range(ans.size))


# -- nondiff: piecewise constant at a generic point ---------------------------------------

# (primal, args, fn): fn evaluates the primal when it is not callable as is (descriptors)
PIECEWISE = [
    (np.shape, (X,), None), (np.ndim, (X,), None), (np.size, (X,), None),
    (np.ndarray.shape, (X,), lambda a: a.shape), (np.ndarray.ndim, (X,), lambda a: a.ndim),
    (np.ndarray.size, (X,), lambda a: a.size), (np.ndarray.dtype, (X,), lambda a: a.dtype),
    (len, (V,), None), (range, (3,), None), (isinstance, (1.5, float), None), (type, (X,), None),
    (np.result_type, (X, 1.5), None), (np.isscalar, (1.5,), None),
    (np.isrealobj, (X,), None), (np.iscomplexobj, (X,), None),
    (np.einsum_path, ("ij,jk->ik", np.ones((2, 3)), np.ones((3, 2))), None),
    (backends.like, (X, 1.5), None),  # None for NumPy's arrays: the library, not a value
    (backends.eye, (3,), None),
    # indices
    (np.argmax, (X,), None), (np.argmin, (X,), None), (np.argsort, (V,), None),
    (np.argpartition, (V, 2), None), (np.lexsort, (X,), None),
    (np.ndarray.argmax, (X,), None), (np.ndarray.argmin, (X,), None), (np.ndarray.argsort, (V,), None),
    (np.ndarray.argpartition, (V, 2), None),
    (np.nonzero, (X,), None), (np.ndarray.nonzero, (X,), None), (np.flatnonzero, (X,), None),
    (np.argwhere, (X,), None), (np.count_nonzero, (X,), None),
    (np.searchsorted, (SORTED, V), None), (np.ndarray.searchsorted, (SORTED, V), None),
    (np.digitize, (V, SORTED), None),
    (np.unravel_index, (4, (2, 3)), None), (np.ravel_multi_index, ((1, 2), (2, 3)), None),
    (np.indices, ((2, 3),), None), (np.tril_indices, (3,), None), (np.triu_indices, (3,), None),
    (np.diag_indices, (3,), None),
    (np.tril_indices_from, (X,), None), (np.triu_indices_from, (X,), None),
    (np.diag_indices_from, (np.ones((3, 3)),), None), (np.mask_indices, (3, np.triu), None), (np.ix_, ([0, 1], [2]), None),
    (np.linalg.matrix_rank, (X,), None), (np.spacing, (X,), None),
    (np.bartlett, (5,), None), (np.blackman, (5,), None), (np.hamming, (5,), None), (np.hanning, (5,), None),
    # rounding, sign, integer division
    (np.floor, (X,), None), (np.ceil, (X,), None), (np.round, (X, 1), None), (np.around, (X,), None),
    (np.rint, (X,), None), (np.trunc, (X,), None), (np.fix, (X,), None), (np.ndarray.round, (X, 1), None),
    (np.sign, (X,), None), (np.signbit, (X,), None),
    (np.floor_divide, (X, 0.7), None), (operator.floordiv, (X, Y), None),
    (round, (1.37,), None), (int, (1.7,), None), (bool, (1.7,), None),
    (operator.index, (3,), None), (operator.truth, (1.7,), None),
    (math.floor, (1.3,), None), (math.ceil, (1.3,), None), (math.trunc, (-1.3,), None),
    # comparisons and logic
    (np.greater, (X, Y), None), (np.greater_equal, (X, Y), None), (np.less, (X, Y), None),
    (np.less_equal, (X, Y), None), (np.equal, (X, Y), None), (np.not_equal, (X, Y), None),
    (operator.lt, (X, Y), None), (operator.le, (X, Y), None), (operator.gt, (X, Y), None),
    (operator.ge, (X, Y), None), (operator.eq, (X, Y), None), (operator.ne, (X, Y), None),
    (operator.is_, (X, Y), None), (operator.is_not, (X, Y), None),
    (np.logical_and, (X, Y), None), (np.logical_or, (X, Y), None),
    (np.logical_not, (X,), None), (np.logical_xor, (X, Y), None), (operator.not_, (1.5,), None),
    (operator.and_, (MASK, ~MASK), None), (operator.or_, (MASK, ~MASK), None),
    (operator.xor, (MASK, MASK), None), (operator.invert, (MASK,), None),
    (np.bitwise_and, (MASK, ~MASK), None), (np.bitwise_or, (MASK, ~MASK), None),
    (np.bitwise_xor, (MASK, MASK), None), (np.invert, (MASK,), None),
    (np.isfinite, (X,), None), (np.isnan, (X,), None), (np.isinf, (X,), None),
    (np.isposinf, (X,), None), (np.isneginf, (X,), None), (np.isreal, (X,), None), (np.iscomplex, (X,), None),
    (np.isclose, (X, Y), None), (np.allclose, (X, Y), None),
    (np.array_equal, (X, Y), None), (np.array_equiv, (X, Y), None),
    (np.any, (X,), None), (np.all, (X,), None), (np.ndarray.any, (X,), None), (np.ndarray.all, (X,), None),
    (math.isfinite, (1.5,), None), (math.isnan, (1.5,), None), (math.isinf, (1.5,), None),
    (math.isclose, (1.5, 1.7), None),
    # fresh arrays
    (np.zeros, ((2, 3),), None), (np.ones, (3,), None), (np.empty, (3,), lambda n: np.empty(n).shape),
    (np.eye, (3,), None), (np.identity, (3,), None), (np.tri, (3,), None),
    (np.zeros_like, (X,), None), (np.ones_like, (X,), None), (np.empty_like, (X,), lambda a: np.empty_like(a).shape),
    # FFT sample frequencies (of the length; the spacing is taken as a constant)
    (np.fft.fftfreq, (8,), None), (np.fft.rfftfreq, (7,), None),
]


def _same(a, b):
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(p, q) for p, q in zip(a, b))
    return np.array_equal(a, b) and np.shape(a) == np.shape(b)


def _perturb(a, t):
    if isinstance(a, float):
        return a + t
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":
        return a + t * np.linspace(0.5, 1.5, a.size).reshape(a.shape)
    return a


@pytest.mark.parametrize("primal, args, fn", PIECEWISE, ids=lambda p: getattr(p, "__name__", None))
def test_nondiff_is_piecewise_constant(primal, args, fn):
    assert is_nondiff(primal) and lookup(primal) is None
    call = fn or primal
    base = call(*args)
    for i in range(len(args)):
        for t in (1e-7, -1e-7):
            moved = list(args)
            moved[i] = _perturb(args[i], t)
            assert _same(call(*moved), base), f"{primal!r} changes when argument {i} moves"


def _declared():
    """Every object the module passes to nondiff(...)."""
    tree = ast.parse(inspect.getsource(nondiff_module))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "nondiff":
            found += [eval(compile(ast.Expression(a), "<nondiff>", "eval"), vars(nondiff_module)) for a in node.args]
    return found


def test_every_declaration_is_checked():
    declared = _declared()
    assert len(declared) > 100
    checked = {id(p) for p, _, _ in PIECEWISE}
    assert [p for p in declared if id(p) not in checked] == []
