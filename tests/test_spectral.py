"""FFTs and matrix decompositions end to end: real-valued losses built from np.fft and
np.linalg (eig, eigvals, qr, svd, lstsq, ...) differentiated by ``adgen.grad`` and checked
against finite differences (on the real and the imaginary part of complex arguments)."""

import numpy as np
import pytest

from gradcheck import check_complex_grad
from adgen import TranspileError, grad

rng = np.random.default_rng(5)
X = rng.uniform(-1, 1, 8)
X7 = rng.uniform(-1, 1, 7)
H = rng.uniform(-1, 1, 5) + 1j * rng.uniform(-1, 1, 5)
IMG = rng.uniform(-1, 1, (4, 6))
Z = rng.uniform(-1, 1, 6) + 1j * rng.uniform(-1, 1, 6)


def power(x):
    return np.sum(np.abs(np.fft.fft(x)) ** 2)


def filtered(x, h):
    return np.sum(np.fft.irfft(np.fft.rfft(x) * h, n=8) ** 2)


def filtered_odd(x):
    return np.sum(np.sin(np.fft.irfft(np.fft.rfft(x, norm="ortho") * H[:4], n=7, norm="ortho")))


def spectrum_2d(a):
    f = np.fft.fftshift(np.fft.fft2(a, norm="ortho"))
    return np.sum(np.abs(f[1:3, 2:5]) ** 2) + np.real(np.sum(np.fft.ifftn(f * f, axes=(0,))))


def real_2d(a):
    f = np.fft.rfft2(a, s=(5, 6))
    return np.sum(np.fft.irfftn(f * np.conj(f), s=(4, 6), axes=(0, 1)) * a)


def hermitian(z):
    return np.sum(np.fft.hfft(z, n=9, norm="forward") ** 3) + np.sum(np.abs(np.fft.ihfft(np.real(z))) ** 2)


def complex_in(z):
    w = np.fft.ifft(np.fft.ifftshift(z), n=9) * np.fft.fft(z, n=9, norm="ortho")
    return np.sum(np.real(w) * np.imag(w))


@pytest.mark.parametrize("fn,args", [
    (power, [X]),
    (power, [Z]),
    (filtered, [X, H]),
    (filtered_odd, [X7]),
    (spectrum_2d, [IMG]),
    (real_2d, [IMG]),
    (hermitian, [Z]),
    (complex_in, [Z]),
], ids=lambda v: getattr(v, "__name__", ""))
def test_fft_losses(fn, args):
    for i in range(len(args)):
        check_complex_grad(fn, args, i, grad(fn, wrt=i)(*args))


def test_parseval():
    # sum |fft(x)|^2 = n sum x^2: the gradient is 2 n x
    assert np.allclose(grad(power)(X), 2 * len(X) * X)


def fftn_repeated_axes(a):
    return np.sum(np.abs(np.fft.fftn(a, axes=(0, 0))))


def test_repeated_fft_axes_are_refused():
    with pytest.raises(TranspileError) as e:
        grad(fftn_repeated_axes)(IMG)
    assert "AD210" in str(e.value)


# -- np.linalg -------------------------------------------------------------------------------------------

S = rng.uniform(-1, 1, (3, 3)) + 2 * np.eye(3)
A_REAL = S @ np.diag([1.0, -2.0, 3.0]) @ np.linalg.inv(S)  # nonsymmetric, real distinct spectrum
A_PAIR = np.array([[0.3, -1.2, 0.4], [1.1, 0.2, -0.3], [0.2, 0.5, 1.7]])  # a complex pair
TALL = rng.uniform(-1, 1, (6, 3))
B = rng.uniform(-1, 1, 6)
SQ = rng.uniform(-1, 1, (3, 3)) + 3 * np.eye(3)


def top_eigenvalue(a):
    return np.max(np.real(np.linalg.eigvals(a)))


def eigen_mix(a):
    w, v = np.linalg.eig(a)
    return np.sum(np.real(w) * np.imag(w)) + np.sum(np.abs(v[0]) ** 2 * np.abs(w))


def residual_fit(a, b):
    x, res, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return res[0] + np.sum(x ** 2) + np.sum(s)


def qr_loss(a):
    q, r = np.linalg.qr(a)
    return np.sum(q[:, 0] * np.arange(6)) + np.sum(np.abs(np.linalg.qr(a, mode="r")))


def nuclear(a):
    return np.sum(np.linalg.svd(a, compute_uv=False))


def powers(a):
    return np.sum(np.linalg.matrix_power(a, 3)) + np.trace(np.linalg.matrix_power(a, -2)) + np.sum(np.linalg.matrix_power(a, 0))


def chain(a, b):
    return np.linalg.multi_dot([b[:3], a, a.T, b[:3]]) + np.sum(np.linalg.tensorsolve(a.reshape(3, 3), b[:3]))


@pytest.mark.parametrize("fn,args", [
    (top_eigenvalue, [A_REAL]),
    (eigen_mix, [A_REAL]),
    (eigen_mix, [A_PAIR]),
    (eigen_mix, [A_PAIR + 0.5j * np.eye(3) + 0.2j * A_REAL]),
    (residual_fit, [TALL, B]),
    (qr_loss, [TALL]),
    (nuclear, [TALL]),
    (powers, [SQ]),
    (chain, [SQ, B]),
], ids=lambda v: getattr(v, "__name__", ""))
def test_linalg_losses(fn, args):
    for i in range(len(args)):
        check_complex_grad(fn, args, i, grad(fn, wrt=i)(*args))


def test_nuclear_norm_gradient_is_u_vh():
    u, s, vh = np.linalg.svd(TALL, full_matrices=False)
    assert np.allclose(grad(nuclear)(TALL), u @ vh)


def qr_raw(a):
    h, tau = np.linalg.qr(a, mode="raw")
    return np.sum(h)


def test_qr_raw_is_refused():
    with pytest.raises(TranspileError) as e:
        grad(qr_raw)(TALL)
    assert "AD210" in str(e.value) and "mode='raw'" in str(e.value)


def rank_deficient_fit(a, b):
    x, res, rank, s = np.linalg.lstsq(a, b)
    return np.sum(x)


def test_rank_deficient_lstsq_is_refused_when_the_gradient_runs():
    from adgen.runtime.core import GradientError

    a = np.outer(B, [1.0, 2.0, 3.0])
    with pytest.raises(GradientError, match="AD411"):
        grad(rank_deficient_fit)(a, B)


def values_of_a_flag(a):
    flag = a.shape[0] > 100
    return np.sum(np.linalg.svd(a, compute_uv=flag))


def test_a_single_result_needs_a_constant_argument():
    with pytest.raises(TranspileError) as e:
        grad(values_of_a_flag)(TALL)
    assert "AD302" in str(e.value) and "compute_uv=False" in str(e.value)


def positional_forms(a):
    return np.sum(np.linalg.qr(a, "r")) + np.sum(np.linalg.svd(a, False, False) ** 2)


def test_positional_arguments_choose_the_single_result_rule():
    check_complex_grad(positional_forms, [TALL], 0, grad(positional_forms)(TALL))
