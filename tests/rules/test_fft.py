"""Finite-difference checks of the np.fft rules (runtime/rules/fft.py).

The transforms' results are complex, so each case is checked like the rules of
test_complex.py: for ``L = Re(sum(conj(v) * f(a)))`` the cotangent of the result is
``conj(v)``, and the rule's cotangent (conjugated for a complex argument, its real
part for a real one) must match finite differences on the real and imaginary part
of every entry of ``a``.
"""

import numpy as np
import pytest

from gradcheck import check_complex_grad
from adgen.runtime.registry import is_nondiff, lookup
from tests.rules.harness import Case

rng = np.random.default_rng(14)


def r(*shape):
    return rng.uniform(-1, 1, shape)


def z(*shape):
    return rng.uniform(-1, 1, shape) + 1j * rng.uniform(-1, 1, shape)


fft = np.fft
NORMS = [{}, {"norm": "backward"}, {"norm": "ortho"}, {"norm": "forward"}]

CASES = [
    # one-dimensional complex transforms: n pads or crops, any axis, every norm
    *[Case(f, (x,), kw) for f in (fft.fft, fft.ifft) for x in (r(5), z(6)) for kw in NORMS],
    *[Case(f, (z(5),), {"n": n}) for f in (fft.fft, fft.ifft) for n in (3, 8)],
    *[Case(f, (z(3, 4),), {"axis": 0, "n": 5, "norm": "ortho"}) for f in (fft.fft, fft.ifft)],
    Case(fft.fft, (r(2, 3, 4),), {"axis": 1}),
    Case(fft.fft, (z(4),), {"norm": None}),
    # n-dimensional
    *[Case(f, (x,), kw) for f in (fft.fft2, fft.ifft2, fft.fftn, fft.ifftn) for x in (r(3, 4), z(3, 4)) for kw in NORMS],
    *[Case(f, (z(2, 3, 4),), {"s": (5, 2), "axes": (1, 2)}) for f in (fft.fft2, fft.ifft2, fft.fftn, fft.ifftn)],
    *[Case(f, (z(2, 3, 4),), {"axes": (0, 2), "s": (3, -1), "norm": "ortho"}) for f in (fft.fft2, fft.ifftn)],
    Case(fft.fftn, (z(2, 3, 4),), {"axes": [2, 0]}),
    Case(fft.ifftn, (z(2, 3, 4),), {"axes": (1,)}),
    # real input, half spectrum
    *[Case(fft.rfft, (r(n),), kw) for n in (5, 6) for kw in NORMS],
    *[Case(fft.rfft, (r(5),), {"n": n}) for n in (3, 4, 8, 9)],
    Case(fft.rfft, (r(3, 4),), {"axis": 0, "norm": "forward"}),
    *[Case(f, (r(3, 4),), kw) for f in (fft.rfft2, fft.rfftn) for kw in NORMS],
    *[Case(f, (r(2, 3, 5),), {"s": (4, 3), "axes": (1, 2)}) for f in (fft.rfft2, fft.rfftn)],
    Case(fft.rfftn, (r(2, 3, 5),), {"axes": (2, 0), "norm": "ortho"}),
    Case(fft.rfftn, (r(2, 3, 5),)),
    # half spectrum to real: odd and even lengths, cropped and padded spectra
    *[Case(fft.irfft, (x,), kw) for x in (z(4), r(4)) for kw in NORMS],
    *[Case(fft.irfft, (z(4),), {"n": n}) for n in (3, 5, 7, 8, 10)],
    Case(fft.irfft, (z(3, 4),), {"axis": 0, "norm": "ortho"}),
    *[Case(f, (z(3, 4),), kw) for f in (fft.irfft2, fft.irfftn) for kw in NORMS],
    *[Case(f, (z(2, 3, 4),), {"s": (4, 5), "axes": (-2, -1)}) for f in (fft.irfft2, fft.irfftn)],
    Case(fft.irfftn, (z(2, 3, 4),), {"axes": (2, 0), "s": (3, 5), "norm": "forward"}),
    Case(fft.irfftn, (z(2, 3, 4),)),
    # Hermitian
    *[Case(fft.hfft, (x,), kw) for x in (z(4), r(4)) for kw in NORMS],
    *[Case(fft.hfft, (z(4),), {"n": n}) for n in (5, 8, 3)],
    Case(fft.hfft, (z(3, 4),), {"axis": 0}),
    *[Case(fft.ihfft, (r(n),), kw) for n in (5, 6) for kw in NORMS],
    *[Case(fft.ihfft, (r(5),), {"n": n}) for n in (4, 7)],
    Case(fft.ihfft, (r(3, 4),), {"axis": 0, "norm": "ortho"}),
    # shifts
    *[Case(f, (x,), kw) for f in (fft.fftshift, fft.ifftshift) for x in (r(5), z(2, 3)) for kw in ({}, {"axes": 0}, {"axes": (1,)} if np.ndim(x) > 1 else {})],
]


def _loss(case, v):
    call = case.fn or case.primal

    def loss(*args):
        return float(np.sum(np.real(np.conj(v) * call(*args, **case.kwargs))))

    return loss


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule(case):
    rule = lookup(case.primal)
    assert rule is not None and rule.complex is True, f"{case.id}: no rule declared for complex values"
    ans = case.primal(*case.args, **case.kwargs)
    v = rng.standard_normal(np.shape(ans)) + (1j * rng.standard_normal(np.shape(ans)) if np.iscomplexobj(ans) else 0)
    cot = rule.fn(np.conj(v), ans, *case.args, **case.kwargs)
    a = case.args[0]
    assert np.shape(cot) == np.shape(a)
    grad = np.conj(cot) if np.iscomplexobj(a) else np.real(cot)
    check_complex_grad(_loss(case, v), list(case.args), 0, grad)


def test_real_input_cotangents_are_real():
    for f in (fft.rfft, fft.rfftn, fft.ihfft):
        a = r(2, 4)
        ans = f(a)
        cot = lookup(f).fn(np.conj(ans), ans, a)
        assert not np.iscomplexobj(cot)


def test_repeated_axes_are_refused():
    for f in (fft.fftn, fft.ifftn, fft.fft2, fft.ifft2, fft.rfftn, fft.rfft2, fft.irfftn, fft.irfft2):
        why = lookup(f).refuse(axes=(0, 0))
        assert why and "repeated axis" in why
        assert lookup(f).refuse(axes=(0, 1)) is None and lookup(f).refuse() is None


def test_frequencies_are_not_differentiated():
    for f in (fft.fftfreq, fft.rfftfreq):
        assert is_nondiff(f) and lookup(f) is None
