"""Rules declared for complex values (``@vjp(..., complex=...)``), checked against finite
differences on the real and the imaginary part of every complex entry separately (an
oracle that does not depend on a convention), with complex and real operands mixed.

Inside generated code the cotangent of ``z = x + iy`` is ``dL/dx - i dL/dy``; the
gradient a user gets is its conjugate, ``dL/dx + i dL/dy`` (``adgen.runtime.core.as_grad``).
For ``w = f(z)`` and ``L = Re(sum(conj(v) * w))`` the cotangent of ``w`` is ``conj(v)``.
"""

import operator
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest

from gradcheck import check_complex_grad
from adgen.runtime import backends
from adgen.runtime.registry import lookup, rules
from tests.rules.test_decompositions import eig_phase_free_check, eigvals_check

rng = np.random.default_rng(11)


def z(*shape, quadrant=1):
    """Complex entries away from the axes (branch cuts of log, sqrt, arcsin, ... lie on them)."""
    re = rng.uniform(0.3, 1.2, shape) * (1 if quadrant in (1, 4) else -1)
    im = rng.uniform(0.2, 1.1, shape) * (1 if quadrant in (1, 2) else -1)
    out = re + 1j * im
    return complex(out) if shape == () else out


def r(*shape):
    return float(rng.uniform(0.5, 1.5)) if shape == () else rng.uniform(0.5, 1.5, shape)


@dataclass
class C:
    primal: object
    args: tuple
    kwargs: dict = field(default_factory=dict)
    fn: object = None
    id: str = ""
    check: object = None  # a check of its own (a tuple result, a loss of a special form), called with args

    def __post_init__(self):
        name = getattr(self.primal, "__name__", None) or repr(self.primal)
        kinds = ",".join(_kind(a) for a in self.args if _checked(a))
        self.id = self.id or f"{name}[{kinds}]"


def _kind(a):
    if isinstance(a, list):
        return "[" + ",".join(map(_kind, a)) + "]"
    return ("c" if np.iscomplexobj(a) else "r") + "x".join(map(str, np.shape(a)))


def _checked(a):
    if isinstance(a, list):
        return any(map(_checked, a))
    return isinstance(a, (float, complex)) or (isinstance(a, np.ndarray) and a.dtype.kind in "fc")


def _quiet_astype(a, dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        return a.astype(dtype)


def unary(primal, shapes=((3,), (2, 3)), quadrants=(1, 2, 3, 4), **kw):
    return [C(primal, (z(*s, quadrant=q),), **kw) for s in shapes for q in quadrants[: 2 if len(s) > 1 else 4]]


def binary(primal, **kw):
    return [
        C(primal, (z(3), z(3)), **kw),
        C(primal, (z(2, 3), r(3)), **kw),
        C(primal, (r(2, 1), z(1, 3)), **kw),
        C(primal, (z(), z(3)), **kw),
        C(primal, (r(3), z()), **kw),
    ]


CUTS_ON_AXES = [np.sin, np.cos, np.tan, np.sinh, np.cosh, np.tanh, np.exp, np.expm1, np.exp2, np.log, np.log1p,
                np.log2, np.log10, np.sqrt, np.square, np.reciprocal, np.negative, np.positive, np.arctan,
                np.arcsinh, np.conjugate, np.real, np.imag, np.absolute, np.angle, abs, operator.neg, operator.pos]

COMPLEX_CASES = [
    *[c for f in CUTS_ON_AXES for c in unary(f)],
    *unary(np.arcsin), *unary(np.arccos), *unary(np.arctanh), *unary(np.arccosh), *unary(np.sinc), *unary(operator.abs),
    C(np.angle, (z(3),), {"deg": True}, fn=lambda a, deg: np.angle(a, deg=deg)),
    C(np.ndarray.conj, (z(3),)), C(np.ndarray.conjugate, (z(2, 2),)),
    C(np.ndarray.real, (z(3),), fn=lambda a: a.real), C(np.ndarray.imag, (z(3),), fn=lambda a: a.imag),
    *[c for f in (np.add, np.subtract, np.multiply, np.divide, operator.add, operator.sub, operator.mul, operator.truediv) for c in binary(f)],
    C(np.power, (z(3), 2.5)), C(np.power, (z(3), z(3))), C(np.power, (r(3), z(3))), C(np.power, (-r(3), z(3)), id="power[negative real base]"),
    C(operator.pow, (z(2, 3), 3.0)), C(operator.pow, (2.0, z(3))),
    # reductions and scans
    C(np.sum, (z(2, 3),)), C(np.sum, (z(2, 3), 1)), C(np.sum, (z(2, 3),), {"axis": 0, "keepdims": True}),
    C(np.ndarray.sum, (z(2, 3),)), C(np.mean, (z(2, 3), 0)), C(np.ndarray.mean, (z(2, 3),)),
    C(np.prod, (z(4),)), C(np.prod, (z(2, 3), 1)), C(np.ndarray.prod, (z(3),)),
    C(np.cumsum, (z(4),)), C(np.cumsum, (z(2, 3), 1)), C(np.ndarray.cumsum, (z(2, 3),)),
    C(np.cumprod, (z(4),)), C(np.ndarray.cumprod, (z(2, 3), 0)),
    # moving entries
    C(np.reshape, (z(2, 3), (3, 2))), C(np.ndarray.reshape, (z(2, 3), 6)), C(np.ravel, (z(2, 3),)),
    C(np.ndarray.ravel, (z(2, 3),)), C(np.ndarray.flatten, (z(2, 3),)),
    C(np.transpose, (z(2, 3),)), C(np.ndarray.transpose, (z(2, 3),)), C(np.ndarray.T, (z(2, 3),), fn=lambda a: a.T),
    C(np.swapaxes, (z(2, 3), 0, 1)), C(np.ndarray.swapaxes, (z(2, 3), 0, 1)), C(np.moveaxis, (z(2, 3, 2), 0, -1)),
    C(np.expand_dims, (z(3), 0)), C(np.squeeze, (z(1, 3),)), C(np.ndarray.squeeze, (z(3, 1),)),
    C(np.broadcast_to, (z(3), (2, 3))), C(np.atleast_1d, (z(),)), C(np.atleast_2d, (z(3),)), C(np.atleast_3d, (z(3),)),
    C(np.concatenate, ([z(2), r(3), z(1)],)), C(np.stack, ([z(3), r(3)],)), C(np.hstack, ([z(2), z(3)],)),
    C(np.vstack, ([z(3), r(3)],)), C(np.column_stack, ([z(3), z(3)],)),
    C(np.dstack, ([z(2, 3), r(2, 3)],)), C(np.matrix_transpose, (z(2, 3),)), C(np.linalg.matrix_transpose, (z(3, 2),)),
    C(np.array, ([z(3), z(3)],)), C(np.array, ([r(3), r(3)],), {"dtype": complex}),
    C(np.ndarray.astype, (r(3), np.complex128)), C(np.ndarray.astype, (z(3), np.complex128)),
    C(np.ndarray.astype, (z(3), np.float64), fn=_quiet_astype, id="astype[complex to float: the real part]"), C(np.asarray, (z(2, 2),)), C(backends.as_array, (z(2, 2),)), C(np.copy, (z(3),)), C(np.ndarray.copy, (z(3),)),
    C(np.flip, (z(2, 3), 1)), C(np.fliplr, (z(2, 3),)), C(np.flipud, (z(2, 3),)), C(np.roll, (z(4), 1)),
    C(np.rot90, (z(2, 3),)), C(np.rollaxis, (z(2, 3, 2), 2)),
    C(np.tile, (z(3), 2)), C(np.repeat, (z(3), 2)), C(np.ndarray.repeat, (z(2, 2), 2, 1)),
    C(operator.getitem, (z(4), 1)), C(operator.getitem, (z(2, 3), (slice(None), [0, 2, 0]))),
    C(np.where, (np.array([True, False, True]), z(3), r(3))), C(np.take, (z(4), [0, 3, 3])),
    C(np.triu, (z(3, 3),)), C(np.tril, (z(3, 3), -1)), C(np.diagonal, (z(3, 3),)), C(np.ndarray.diagonal, (z(3, 3),)),
    C(np.diag, (z(3),)), C(np.diag, (z(3, 3),)), C(np.diagflat, (z(3),)), C(np.trace, (z(3, 3),)), C(np.ndarray.trace, (z(3, 3),)),
    # products and linear algebra
    C(np.matmul, (z(2, 3), z(3, 2))), C(np.linalg.matmul, (z(2, 3), z(3))), C(np.linalg.outer, (z(2), z(3))),
    C(np.linalg.tensordot, (z(2, 3), z(3, 2)), {"axes": 1}), C(np.linalg.diagonal, (z(2, 3, 3),)), C(np.linalg.trace, (z(3, 3),)),
    C(np.ndarray.take, (z(4), [1, 1])), C(np.matmul, (z(3), r(3, 2))), C(operator.matmul, (r(2, 3), z(3))),
    C(np.dot, (z(2, 3), z(3))), C(np.ndarray.dot, (z(2, 3), z(3, 2))), C(np.inner, (z(3), z(3))),
    C(np.outer, (z(3), r(2))), C(np.kron, (z(2), z(2, 2))), C(np.tensordot, (z(2, 3), z(3, 2)), {"axes": 1}),
    C(np.einsum, ("ij,jk->ik", z(2, 3), z(3, 2))), C(np.einsum, (z(2, 3), [0, 1], r(3), [1])),
    C(np.linalg.inv, (z(3, 3) + 3 * np.eye(3),)), C(np.linalg.solve, (z(3, 3) + 3 * np.eye(3), z(3))),
    C(np.linalg.solve, (z(3, 3) + 3 * np.eye(3), z(3, 2))), C(np.linalg.det, (z(3, 3),)),
    C(np.linalg.matrix_power, (z(3, 3), 3)), C(np.linalg.matrix_power, (z(3, 3) + 2 * np.eye(3), -2)),
    C(np.linalg.multi_dot, ([z(2, 3), r(3, 4), z(4)],)),
    # eig: the eigenvectors' phases are LAPACK's choice, so the loss must not depend on them
    C(np.linalg.eig, (z(3, 3),), check=eig_phase_free_check), C(np.linalg.eigvals, (z(3, 3),), check=eigvals_check),
    # np.roots: complex coefficients, and real ones with complex roots
    C(np.roots, (z(4),)), C(np.roots, (np.array([1.0, 0.4, 1.3, -0.2]),)),
    # np.sort_complex: complex entries, a real input (complex result, real cotangent); equal
    # real parts are a kink in the real parts (test_selection.py checks their order by hand)
    C(np.sort_complex, (z(6),)), C(np.sort_complex, (z(2, 4, quadrant=3),)), C(np.sort_complex, (r(5),)),
    # np.fft (more cases in test_fft.py)
    *[C(f, (z(2, 4),), kw) for f in (np.fft.fft, np.fft.ifft, np.fft.fft2, np.fft.ifft2, np.fft.fftn, np.fft.ifftn,
                                     np.fft.irfft, np.fft.irfft2, np.fft.irfftn, np.fft.hfft, np.fft.fftshift,
                                     np.fft.ifftshift) for kw in ({}, {"norm": "ortho"} if "shift" not in f.__name__ else {"axes": 0})],
    *[C(f, (r(2, 5),), {"norm": "forward"}) for f in (np.fft.rfft, np.fft.rfft2, np.fft.rfftn, np.fft.ihfft, np.fft.fft)],
]


def _loss(case, v):
    """L(*args) = Re(sum(conj(v) * f(*args))): its cotangent of f's result is conj(v)."""
    call = case.fn or case.primal

    def loss(*args):
        return float(np.sum(np.real(np.conj(v) * call(*args, **case.kwargs))))

    return loss


@pytest.mark.parametrize("case", COMPLEX_CASES, ids=lambda c: c.id)
def test_complex_rule(case):
    rule = lookup(case.primal).for_complex()
    assert rule is not None, f"{case.id}: the rule is not declared for complex values"
    if case.check is not None:
        return case.check(*case.args)
    ans = (case.fn or case.primal)(*case.args, **case.kwargs)
    v = rng.standard_normal(np.shape(ans)) + (1j * rng.standard_normal(np.shape(ans)) if np.iscomplexobj(ans) else 0)
    cots = rule.fn(np.conj(v), ans, *case.args, **case.kwargs)
    cots = cots if isinstance(cots, tuple) else (cots,)
    checked = [i for i, a in enumerate(case.args) if _checked(a)]
    assert checked
    loss = _loss(case, v)
    for i in checked:
        if isinstance(case.args[i], list):  # a list of operands: a list of cotangents, item by item
            for k, item in enumerate(case.args[i]):
                _check(lambda x, i=i, k=k: loss(*_with_item(case.args, i, k, x)), [item], 0, cots[i][k])
        else:
            _check(loss, list(case.args), i, cots[i])


def _check(loss, args, i, cot):
    a = args[i]
    cot = np.broadcast_to(cot, np.shape(a))
    grad = np.conj(cot) if np.iscomplexobj(a) else np.real(cot)  # what as_grad and the transpiler make of it
    check_complex_grad(loss, args, i, grad if np.ndim(a) else grad[()].item())


def _with_item(args, i, k, x):
    items = list(args[i])
    items[k] = x
    return args[:i] + (items,) + args[i + 1 :]


def test_every_rule_declared_for_complex_values_has_a_case():
    checked = {id(c.primal) for c in COMPLEX_CASES}
    declared = [p for p, rule in rules() if rule.complex and rule.fn.__module__.startswith("adgen.runtime.")]
    missing = [p for p in declared if id(p) not in checked and not _only_real(p)]
    assert not missing, f"rules declared for complex values without a complex case: {missing}"


def _only_real(primal):
    """Primals that take real numbers only (math.*, float) share a rule with a complex-capable one."""
    module = getattr(primal, "__module__", None)
    return module == "math" or primal in (float, np.float64, np.fabs, pow, np.float_power)
