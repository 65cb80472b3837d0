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
