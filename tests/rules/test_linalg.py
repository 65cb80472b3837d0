import operator

import numpy as np
import pytest

from gradcheck import check_grad
from adgen.runtime.registry import lookup
from tests.rules.harness import Case, check_case, cotangents

rng = np.random.default_rng(2)


def r(*shape):
    """A random float (shape ()) or array with entries in [-2, 2)."""
    return float(rng.uniform(-2, 2)) if shape == () else rng.uniform(-2, 2, shape)


def well_conditioned(*shape):
    """Random square matrices (or stacks) with a dominant diagonal: invertible, det > 0 or < 0."""
    n = shape[-1]
    return rng.uniform(-1, 1, shape) + 3.0 * np.eye(n)


def spd(*shape):
    """Symmetric positive definite: B B^T + n I (with distinct eigenvalues)."""
    b = rng.uniform(-1, 1, shape)
    return b @ np.swapaxes(b, -1, -2) + shape[-1] * np.eye(shape[-1])


def sym(a):
    return (a + np.swapaxes(a, -1, -2)) / 2


def pair_cases(primal, pairs, **kw):
    return [Case(primal, (r(*sa), r(*sb)), **kw) for sa, sb in pairs]


DOT_PAIRS = [
    ((), ()),
    ((), (3,)),
    ((2, 3), ()),
    ((4,), (4,)),
    ((2, 4), (4,)),
    ((4,), (4, 3)),
    ((2, 4), (4, 3)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 4, 3)),
    ((2, 3, 4), (5, 4, 2)),
]
MATMUL_PAIRS = [
    ((4,), (4,)),
    ((2, 4), (4,)),
    ((4,), (4, 3)),
    ((2, 4), (4, 3)),
    ((2, 3, 4), (4, 5)),
    ((4, 5), (2, 5, 3)),
    ((2, 1, 3, 4), (5, 4, 2)),  # batch axes broadcast against each other
    ((4,), (2, 4, 3)),
    ((2, 3, 4), (4,)),
]
INNER_PAIRS = [((), ()), ((3,), ()), ((4,), (4,)), ((2, 4), (4,)), ((2, 4), (3, 5, 4))]

EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ij", [(2, 3)]),
    ("ba", [(2, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(3, 3, 2)]),
    ("iji->j", [(3, 2, 3)]),
    ("ii,i->i", [(3, 3), (3,)]),
    ("i,i->", [(4,), (4,)]),
    ("i,i", [(4,), (4,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,j", [(3,), (4,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ij,j", [(2, 3), (3,)]),
    ("ijk,ikl->jl", [(2, 3, 4), (2, 4, 5)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij,jk,kl", [(2, 3), (3, 4), (4, 2)]),
    ("Ba,ab", [(2, 3), (3, 4)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),  # a label broadcast from length 1
    (",i->i", [(), (3,)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("i...->i...", [(2, 3, 4)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("i i , i j -> j", [(3, 3), (3, 2)]),
]

# (sublists, one per operand, then the output sublist or None) and the operands' shapes
EINSUM_SUBLISTS = [
    (([0, 1], [1]), [(2, 3)]),
    (([0, 1], None), [(2, 3)]),
    (([1, 0], None), [(2, 3)]),
    (([0, 0], [0]), [(3, 3)]),
    (([0, 0], None), [(3, 3)]),
    (([0, 1], [1, 2], [0, 2]), [(2, 3), (3, 4)]),
    (([0, 1], [1, 2], None), [(2, 3), (3, 4)]),
    (([0], [0], []), [(4,), (4,)]),
    (([0], [1], None), [(3,), (4,)]),
    (([0, 1], [1, 2], [2, 3], [0, 3]), [(2, 3), (3, 4), (4, 2)]),
    (([Ellipsis, 0, 1], [Ellipsis, 1, 2], [Ellipsis, 0, 2]), [(2, 3, 4), (4, 5)]),
    (([Ellipsis, 0, 1], [Ellipsis, 1, 2], None), [(2, 1, 3, 4), (5, 4, 2)]),
    (([Ellipsis, 1], [1, Ellipsis]), [(2, 3)]),
    (([0, Ellipsis], [0, Ellipsis]), [(2, 3, 4)]),
    (([Ellipsis, 0, 0], [Ellipsis, 0]), [(2, 3, 3)]),
    (([30, 1], [1, 51], [30, 51]), [(2, 3), (3, 4)]),  # labels 26..51 are lower-case letters
]


def sublist_args(subs, shapes):
    """The arguments of an interleaved einsum call (a None output sublist is left out)."""
    *ins, out = subs
    args = [a for s, sh in zip(ins, shapes) for a in (r(*sh), s)]
    return tuple(args + ([] if out is None else [out]))


SQ = well_conditioned(3, 3)
STACK = well_conditioned(2, 3, 3)
NEG = well_conditioned(3, 3) @ np.diag([1.0, 1.0, -1.0])  # a negative determinant
SPD = spd(3, 3)
SPD_STACK = spd(2, 4, 4)
TALL = r(4, 3)
WIDE = r(2, 4)
SVD_SQ = np.array([[3.0, 0.5, -0.2], [0.4, -2.0, 0.3], [0.1, 0.2, 1.0]])  # distinct singular values

CASES = [
    # products
    *pair_cases(np.dot, DOT_PAIRS),
    *pair_cases(np.ndarray.dot, [((4,), (4,)), ((2, 4), (4, 3)), ((2, 3, 4), (5, 4, 2))]),
    *pair_cases(np.matmul, MATMUL_PAIRS),
    *pair_cases(operator.matmul, MATMUL_PAIRS),
    *pair_cases(np.linalg.matmul, [((2, 4), (4, 3)), ((2, 3, 4), (4,))]),
    *pair_cases(np.vdot, [((), ()), ((4,), (4,)), ((2, 3), (2, 3)), ((2, 3), (6,))]),
    *pair_cases(np.inner, INNER_PAIRS),
    *pair_cases(np.outer, [((3,), (4,)), ((2, 3), (2,)), ((), (3,))]),
    *pair_cases(np.linalg.outer, [((3,), (4,))]),
    *pair_cases(np.vecdot, [((4,), (4,)), ((2, 4), (4,)), ((2, 1, 3), (4, 3))]),
    *pair_cases(np.linalg.vecdot, [((2, 4), (3, 1, 4))]),
    Case(np.vecdot, (r(3, 2), r(3, 1)), {"axis": 0}),
    Case(np.linalg.vecdot, (r(2, 3, 4), r(3, 4)), {"axis": -2}),
    *pair_cases(np.kron, [((), (2, 2)), ((3,), (2,)), ((2, 3), (3, 2)), ((3,), (2, 2)), ((2, 1, 2), (2, 3))]),
    # tensordot: axes as an int and as a pair of sequences (or ints)
    Case(np.tensordot, (r(2, 3, 4), r(3, 4, 5))),
    Case(np.tensordot, (r(2, 3), r(3, 4)), {"axes": 1}),
    Case(np.tensordot, (r(2, 3), r(4,)), {"axes": 0}),
    Case(np.tensordot, (r(2, 3, 4), r(4, 5, 3)), {"axes": ([1, 2], [2, 0])}),
    Case(np.tensordot, (r(2, 3, 4), r(4, 5, 2)), {"axes": ([-1, 0], [0, -1])}),
    Case(np.tensordot, (r(2, 3), r(3, 4)), {"axes": (1, 0)}),
    Case(np.tensordot, (r(2, 3), r(2, 3)), {"axes": ([0, 1], [0, 1])}),
    Case(np.linalg.tensordot, (r(2, 3, 4), r(4, 5, 3)), {"axes": ([1, 2], [2, 0])}),
    Case(np.linalg.tensordot, (r(2, 3, 4), r(3, 4, 5))),
    # einsum (subscripts first; the operands are arguments 1, 2, ...)
    *[Case(np.einsum, (s, *(r(*sh) for sh in shapes)), id=f"einsum[{s}]") for s, shapes in EINSUM],
    Case(np.einsum, ("ij,jk,kl->il", r(2, 3), r(3, 4), r(4, 2)), {"optimize": True}, id="einsum[optimize]"),
    Case(
        np.einsum,
        ("ij,jk,kl->il", r(2, 3), r(3, 4), r(4, 2)),
        {"optimize": ["einsum_path", (1, 2), (0, 1)]},  # a precomputed path
        id="einsum[path]",
    ),
    # einsum's interleaved form: operand, sublist, operand, sublist, ..., [output sublist]
    *[Case(np.einsum, sublist_args(subs, shapes), id=f"einsum{subs}") for subs, shapes in EINSUM_SUBLISTS],
    Case(np.einsum, (r(2, 3), [0, 1], r(3, 4), [1, 2], [0, 2]), {"optimize": True}, id="einsum[sublists,optimize]"),
    # diagonals and traces
    Case(np.trace, (r(3, 3),)),
    Case(np.trace, (r(3, 4),), {"offset": 1}),
    Case(np.trace, (r(4, 3),), {"offset": -2}),
    Case(np.trace, (r(2, 3, 4),), {"axis1": 1, "axis2": 2}),
    Case(np.trace, (r(3, 2, 4),), {"offset": 1, "axis1": -1, "axis2": 0}),
    Case(np.trace, (r(3, 3), 1)),
    Case(np.ndarray.trace, (r(3, 3),)),
    Case(np.ndarray.trace, (r(2, 3, 3),), {"axis1": -2, "axis2": -1}),
    Case(np.diagonal, (r(3, 3),)),
    Case(np.diagonal, (r(3, 4),), {"offset": 1}),
    Case(np.diagonal, (r(4, 3),), {"offset": -1}),
    Case(np.diagonal, (r(2, 3, 4),), {"axis1": 2, "axis2": 0}),
    Case(np.diagonal, (r(3, 2, 3),), {"offset": -1, "axis1": -1, "axis2": 0}),
    Case(np.ndarray.diagonal, (r(3, 3),)),
    Case(np.ndarray.diagonal, (r(2, 3, 4),), {"offset": 1, "axis1": 1, "axis2": 2}),
    Case(np.linalg.trace, (r(3, 3),)),
    Case(np.linalg.trace, (r(2, 3, 4),), {"offset": 1}),
    Case(np.linalg.diagonal, (r(3, 3),)),
    Case(np.linalg.diagonal, (r(2, 4, 3),), {"offset": -1}),
    Case(np.diag, (r(3),)),
    Case(np.diag, (r(3),), {"k": 1}),
    Case(np.diag, (r(3),), {"k": -2}),
    Case(np.diag, (r(3, 3),)),
    Case(np.diag, (r(3, 4),), {"k": 1}),
    Case(np.diag, (r(4, 3),), {"k": -1}),
    # inverses and solves
    Case(np.linalg.inv, (SQ,)),
    Case(np.linalg.inv, (STACK,)),
    Case(np.linalg.solve, (SQ, r(3))),
    Case(np.linalg.solve, (SQ, r(3, 2))),
    Case(np.linalg.solve, (STACK, r(3))),
    Case(np.linalg.solve, (STACK, r(2, 3, 2))),
    Case(np.linalg.solve, (SQ, r(2, 3, 2))),  # b's batch broadcasts a
    Case(np.linalg.pinv, (SQ,)),
    Case(np.linalg.pinv, (TALL,)),
    Case(np.linalg.pinv, (WIDE,)),
    Case(np.linalg.pinv, (r(2, 4, 3),)),
    # determinants
    Case(np.linalg.det, (SQ,)),
    Case(np.linalg.det, (NEG,)),
    Case(np.linalg.det, (STACK,)),
    Case(np.linalg.det, (r(1, 1),)),
    # singular matrices: det is a polynomial, its derivative (the cofactors) exists there too
    Case(np.linalg.det, (np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]),)),
    Case(np.linalg.det, (np.outer(r(3), r(3)),)),
    Case(np.linalg.det, (np.zeros((2, 2)),)),
    Case(np.linalg.det, (np.stack([np.outer(r(3), r(3)), well_conditioned(3, 3)]),)),
    Case(np.linalg.slogdet, (SQ,)),
    Case(np.linalg.slogdet, (NEG,), zero_outputs=(0,)),
    Case(np.linalg.slogdet, (STACK,), zero_outputs=(0,)),
    # symmetric inputs (symmetric arguments, as the primal expects them): the
    # oracle perturbs entries independently, so the primal is composed with the
    # symmetrising map (see linalg's docstring).
    Case(np.linalg.cholesky, (SPD,), fn=lambda a: np.linalg.cholesky(sym(a))),
    Case(np.linalg.cholesky, (SPD_STACK,), fn=lambda a: np.linalg.cholesky(sym(a))),
    Case(
        np.linalg.cholesky,
        (SPD,),
        {"upper": True},
        fn=lambda a, upper: np.linalg.cholesky(sym(a), upper=upper),
    ),
    Case(np.linalg.eigh, (SPD,), fn=lambda a: np.linalg.eigh(sym(a))),
    Case(np.linalg.eigh, (sym(r(4, 4)),), fn=lambda a: np.linalg.eigh(sym(a)), id="eigh[indefinite]"),
    Case(np.linalg.eigh, (SPD,), fn=lambda a: np.linalg.eigh(sym(a)), zero_outputs=(0,)),
    Case(np.linalg.eigh, (SPD,), fn=lambda a: np.linalg.eigh(sym(a)), zero_outputs=(1,)),
    Case(np.linalg.eigh, (SPD_STACK,), fn=lambda a: np.linalg.eigh(sym(a))),
    Case(np.linalg.eigh, (SPD,), {"UPLO": "U"}, fn=lambda a, UPLO: np.linalg.eigh(sym(a), UPLO)),
    Case(np.linalg.eigvalsh, (sym(r(4, 4)),), fn=lambda a: np.linalg.eigvalsh(sym(a))),
    Case(np.linalg.eigvalsh, (SPD_STACK,), fn=lambda a: np.linalg.eigvalsh(sym(a))),
    # singular values (distinct and nonzero)
    Case(np.linalg.svdvals, (TALL,)),
    Case(np.linalg.svdvals, (r(2, 2, 3),)),
    Case(np.linalg.svd, (SVD_SQ,)),
    Case(np.linalg.svd, (TALL,), {"full_matrices": False}),
    Case(np.linalg.svd, (WIDE,), {"full_matrices": False}),
    Case(np.linalg.svd, (r(2, 4, 3),), {"full_matrices": False}),
    Case(np.linalg.svd, (TALL,), {"full_matrices": False}, zero_outputs=(0, 2)),
    Case(np.linalg.svd, (WIDE,), {"full_matrices": False}, zero_outputs=(1,)),
    Case(np.linalg.svd, (TALL,), zero_outputs=(0, 2), id="svd[full, s only]"),
    Case(np.linalg.svd, (r(2, 3, 5),), zero_outputs=(0, 2), id="svd[full, wide stack, s only]"),
]


_R = np.random.default_rng(23)
CASES += [
    Case(np.diagflat, (_R.uniform(-2, 2, 3),)),
    Case(np.diagflat, (_R.uniform(-2, 2, (2, 2)),), {"k": 1}),
    Case(np.diagflat, (_R.uniform(-2, 2, 3), -2)),
]

@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    check_case(case)


def _ones_like(ans):
    if isinstance(ans, tuple):
        return tuple(_ones_like(a) for a in ans)
    return np.ones(np.shape(ans)) if np.ndim(ans) else 1.0


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_cotangent_shapes(case):
    """Cotangents have exactly their argument's shape (not merely a broadcastable one)."""
    ans = (case.fn or case.primal)(*case.args, **case.kwargs)
    g = _ones_like(ans)
    if case.zero_outputs:
        g = tuple(0.0 if k in case.zero_outputs else gk for k, gk in enumerate(g))
    for i, c in enumerate(cotangents(lookup(case.primal), g, ans, case.args, case.kwargs)):
        if c is not None:
            assert np.shape(c) == np.shape(case.args[i])


def test_symmetric_cotangents_are_symmetric():
    for primal in (np.linalg.cholesky, np.linalg.eigh):
        ans = primal(SPD)
        g = tuple(r(*np.shape(a)) for a in ans) if isinstance(ans, tuple) else r(*ans.shape)
        c = cotangents(lookup(primal), g, ans, (SPD,), {})[0]
        assert np.allclose(c, c.T)


def test_slogdet_sign_alone_has_zero_cotangent():
    ans = np.linalg.slogdet(SQ)
    c = cotangents(lookup(np.linalg.slogdet), (1.0, 0.0), ans, (SQ,), {})[0]
    assert np.array_equal(c, np.zeros((3, 3)))


def test_slogdet_of_a_singular_matrix_is_ad411_not_a_crash():
    from adgen import grad
    from adgen.runtime.core import GradientError

    with pytest.raises(GradientError, match="AD411 np.linalg.slogdet of a singular matrix"):
        grad(lambda a: np.linalg.slogdet(a)[1])(np.zeros((2, 2)))


def test_einsum_interleaved_form_matches_the_string_form():
    """A hand check independent of finite differences: the same contraction in both forms."""
    a, b = r(2, 3), r(3, 4)
    g = r(2, 4)
    rule = lookup(np.einsum).fn
    by_string = rule(g, a @ b, "ij,jk->ik", a, b)
    by_lists = rule(g, a @ b, a, [0, 1], b, [1, 2], [0, 2])
    assert by_lists[1] is None and by_lists[3] is None and by_lists[4] is None
    assert np.allclose(by_lists[0], g @ b.T) and np.allclose(by_string[1], g @ b.T)
    assert np.allclose(by_lists[2], a.T @ g) and np.allclose(by_string[2], a.T @ g)


def test_svd_full_factors_of_a_non_square_input():
    """The extra columns of U (rows of V^T) are not determined by the input: a cotangent on
    them is refused (AD411); without one, the gradient is the reduced factors' gradient."""
    from adgen.runtime.core import GradientError

    rule = lookup(np.linalg.svd).fn
    for a in (TALL, WIDE, r(2, 4, 3)):
        full, reduced = np.linalg.svd(a), np.linalg.svd(a, full_matrices=False)
        g = tuple(r(*np.shape(x)) for x in reduced)
        padded = (np.zeros(full[0].shape), g[1], np.zeros(full[2].shape))
        k = min(a.shape[-2:])
        padded[0][..., :, :k] = g[0]
        padded[2][..., :k, :] = g[2]
        assert np.allclose(rule(padded, full, a), rule(g, reduced, a, False))
        assert np.allclose(rule((0.0, g[1], 0.0), full, a), rule((0.0, g[1], 0.0), reduced, a, False))
        with pytest.raises(GradientError, match="AD411"):
            rule(tuple(np.ones(np.shape(x)) for x in full), full, a)


DEGENERATE = [np.eye(3), np.diag([2.0, 2.0, -1.0]), np.zeros((3, 3)), np.diag([1.0, 0.0, 0.0])]


@pytest.mark.parametrize("a", DEGENERATE, ids=["identity", "repeated", "zero", "rank one"])
def test_unused_factors_at_repeated_values_add_nothing(a):
    """At repeated eigenvalues or singular values (zero ones too) the factors have no
    derivative, but a result that reads only the values may: an unused factor's cotangent
    0.0 must add nothing (it multiplied 1 / 0 and gave NaN). Hand-computed: d trace(S) = I,
    d ||A||_F^2 = 2A, and d sum(s) = U V^T at a full-rank A."""
    eigh, svd = lookup(np.linalg.eigh).fn, lookup(np.linalg.svd).fn
    w, v = np.linalg.eigh(a)
    assert np.allclose(eigh((np.ones(3), 0.0), (w, v), a), np.eye(3))
    for full in (True, False):
        u, s, vh = np.linalg.svd(a, full_matrices=full)
        assert np.allclose(svd((0.0, 2.0 * s, 0.0), (u, s, vh), a, full), 2.0 * a)
    u, s, vh = np.linalg.svd(np.eye(3) * 2.0)
    assert np.allclose(svd((0.0, np.ones(3), 0.0), (u, s, vh), np.eye(3) * 2.0), u @ vh)


def test_unused_factors_through_the_transpiler():
    from adgen import grad

    def trace_of(a):
        w, v = np.linalg.eigh(a + a.T)
        return np.sum(w)

    def frobenius(a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return np.sum(s**2)

    for a in DEGENERATE:
        assert np.allclose(grad(trace_of)(a), 2.0 * np.eye(3))
        assert np.allclose(grad(frobenius)(a), 2.0 * a)


def test_einsum_with_a_path_einsum_path_found():
    from adgen import grad

    def contract(a):
        path = np.einsum_path("ij,jk,kl->il", a, a, a, optimize="greedy")[0]
        return np.sum(np.einsum("ij,jk,kl->il", a, a, a, optimize=path) ** 2)

    a = r(3, 3)
    check_grad(contract, [a], 0, grad(contract)(a))
