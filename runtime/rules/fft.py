"""Rules for np.fft: the transforms (every ``n``/``s``, ``axis``/``axes`` and ``norm``) and the shifts.

Every transform is linear. In the convention of generated code (the cotangent of
``z = x + iy`` is ``dL/dx - i dL/dy``) the cotangent of a complex-linear map's input
is the transpose (not the conjugate transpose) of the map applied to ``g``; the
DFT matrix, with any of the three scalings, is symmetric, so:

- ``fft``/``ifft``/``fftn``/...: the same transform of ``g`` (same ``norm``), then
  undo the input's cropping or zero-padding to ``n`` (crop <-> pad with zeros);
- ``rfft``/``rfftn`` (real input): ``g`` padded with zeros to the full length ``n``
  on the last transformed axis, then ``fftn`` of it (the real part is the cotangent);
- ``irfft``/``irfftn``: real-linear in the input, which stands for the Hermitian
  spectrum: the cotangent is ``ifftn(g)`` on the first ``n // 2 + 1`` entries of the
  last axis, doubled except at 0 and (even ``n``) ``n / 2``, entries that appear once
  (whose imaginary parts NumPy ignores: the formula gives them the right cotangent);
- ``hfft(a) = irfft(conj(a))``, ``ihfft(a) = conj(rfft(a))`` with the other scaling.

The shifts are rolls: ``fftshift``'s cotangent is ``ifftshift`` of ``g`` and back.
Repeated axes in ``axes`` are not supported (AD210).
"""

import numpy as np

import adgen.runtime as _rt
from adgen.runtime.registry import vjp

_SWAP = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


def _fit(x, lengths, axes):
    """``x`` cut, or padded with zeros, along each of ``axes`` to the matching length."""
    x = _rt.as_array(x)
    for axis, n in zip(axes, lengths):
        have = x.shape[axis]
        if have > n:
            x = x[(slice(None),) * axis + (slice(n),)]
        elif have < n:
            widths = [(0, 0)] * x.ndim
            widths[axis] = (0, n - have)
            x = np.pad(x, widths)
    return x


def _axes(a, s, axes):
    """The (non-negative) transformed axes of an n-dimensional transform, as NumPy picks them."""
    nd = np.ndim(a)
    if axes is None:
        axes = range(nd) if s is None else range(nd - len(s), nd)
    return [int(k) % nd for k in axes]


def _lengths(a, s, axes):
    """The transform lengths along ``axes``: ``s`` (``-1``: the input's length), else the input's."""
    if s is None:
        return [np.shape(a)[k] for k in axes]
    return [np.shape(a)[k] if n == -1 else int(n) for k, n in zip(axes, s)]


def _real_like(c, a):
    """The cotangent of a real input is the real part."""
    return c if np.iscomplexobj(a) else np.real(c)


def _complex_cot(g, a, axes, inverse, norm):
    """Cotangent of ``(i)fftn(a, s, axes, norm)``: the same transform of ``g``, fit to ``a``."""
    c = (np.fft.ifftn if inverse else np.fft.fftn)(g, axes=axes, norm=norm)
    return _real_like(_fit(c, [np.shape(a)[k] for k in axes], axes), a)


def _rfft_cot(g, a, lengths, axes, norm):
    """Cotangent of ``rfftn(a, s, axes, norm)`` (real ``a``), ``lengths`` the full transform lengths."""
    g = _fit(g, lengths[-1:], axes[-1:])
    c = np.fft.fftn(g, axes=axes, norm=norm)
    return np.real(_fit(c, [np.shape(a)[k] for k in axes], axes))


def _irfft_cot(g, a, axes, norm):
    """Cotangent of ``irfftn(a, s, axes, norm)``, ``g`` of the (real) result's shape."""
    n = np.shape(g)[axes[-1]]
    c = np.fft.ifftn(g, axes=axes, norm=norm)
    c = _fit(c, [n // 2 + 1], axes[-1:])
    k = np.arange(n // 2 + 1, like=_rt.like(c))
    weight = np.where((k == 0) | (2 * k == n), 1.0, 2.0)
    c = c * np.reshape(weight, [-1 if j == axes[-1] else 1 for j in range(c.ndim)])
    return _real_like(_fit(c, [np.shape(a)[k] for k in axes], axes), a)


def _repeated_axes(axes=None, **_):
    """Why a call with these (statically known) ``axes`` has no rule here, or None."""
    if isinstance(axes, (tuple, list)) and all(isinstance(k, int) for k in axes) and len(set(axes)) != len(axes):
        return f"an n-dimensional FFT over a repeated axis ({tuple(axes)}) has no derivative rule; transform each axis once"
    return None


# -- complex transforms ------------------------------------------------------------------------


@vjp(np.fft.fft, complex=True)
def fft(g, ans, a, n=None, axis=-1, norm=None, out=None):
    return _rt.rules.fft._complex_cot(g, a, [axis % np.ndim(a)], False, norm)


@vjp(np.fft.ifft, complex=True)
def ifft(g, ans, a, n=None, axis=-1, norm=None, out=None):
    return _rt.rules.fft._complex_cot(g, a, [axis % np.ndim(a)], True, norm)


@vjp(np.fft.fftn, complex=True, refuse=_repeated_axes)
def fftn(g, ans, a, s=None, axes=None, norm=None, out=None):
    return _rt.rules.fft._complex_cot(g, a, _rt.rules.fft._axes(a, s, axes), False, norm)


@vjp(np.fft.fft2, complex=True, refuse=_repeated_axes)
def fft2(g, ans, a, s=None, axes=(-2, -1), norm=None, out=None):
    return _rt.rules.fft._complex_cot(g, a, _rt.rules.fft._axes(a, s, axes), False, norm)


@vjp(np.fft.ifftn, complex=True, refuse=_repeated_axes)
def ifftn(g, ans, a, s=None, axes=None, norm=None, out=None):
    return _rt.rules.fft._complex_cot(g, a, _rt.rules.fft._axes(a, s, axes), True, norm)


@vjp(np.fft.ifft2, complex=True, refuse=_repeated_axes)
def ifft2(g, ans, a, s=None, axes=(-2, -1), norm=None, out=None):
    return _rt.rules.fft._complex_cot(g, a, _rt.rules.fft._axes(a, s, axes), True, norm)


# -- real input, Hermitian output, and back ----------------------------------------------------


@vjp(np.fft.rfft, complex=True)
def rfft(g, ans, a, n=None, axis=-1, norm=None, out=None):
    return _rt.rules.fft._rfft_cot(g, a, [np.shape(a)[axis] if n is None else n], [axis % np.ndim(a)], norm)


@vjp(np.fft.rfftn, complex=True, refuse=_repeated_axes)
def rfftn(g, ans, a, s=None, axes=None, norm=None, out=None):
    axes = _rt.rules.fft._axes(a, s, axes)
    return _rt.rules.fft._rfft_cot(g, a, _rt.rules.fft._lengths(a, s, axes), axes, norm)


@vjp(np.fft.rfft2, complex=True, refuse=_repeated_axes)
def rfft2(g, ans, a, s=None, axes=(-2, -1), norm=None, out=None):
    axes = _rt.rules.fft._axes(a, s, axes)
    return _rt.rules.fft._rfft_cot(g, a, _rt.rules.fft._lengths(a, s, axes), axes, norm)


@vjp(np.fft.irfft, complex=True)
def irfft(g, ans, a, n=None, axis=-1, norm=None, out=None):
    return _rt.rules.fft._irfft_cot(g, a, [axis % np.ndim(a)], norm)


@vjp(np.fft.irfftn, complex=True, refuse=_repeated_axes)
def irfftn(g, ans, a, s=None, axes=None, norm=None, out=None):
    return _rt.rules.fft._irfft_cot(g, a, _rt.rules.fft._axes(a, s, axes), norm)


@vjp(np.fft.irfft2, complex=True, refuse=_repeated_axes)
def irfft2(g, ans, a, s=None, axes=(-2, -1), norm=None, out=None):
    return _rt.rules.fft._irfft_cot(g, a, _rt.rules.fft._axes(a, s, axes), norm)


@vjp(np.fft.hfft, complex=True)
def hfft(g, ans, a, n=None, axis=-1, norm=None, out=None):
    # hfft(a) = irfft(conj(a)) with the other scaling
    return np.conj(_rt.rules.fft._irfft_cot(g, a, [axis % np.ndim(a)], _rt.rules.fft._SWAP[norm]))


@vjp(np.fft.ihfft, complex=True)
def ihfft(g, ans, a, n=None, axis=-1, norm=None, out=None):
    # ihfft(a) = conj(rfft(a)) with the other scaling
    size = np.shape(a)[axis] if n is None else n
    return _rt.rules.fft._rfft_cot(np.conj(g), a, [size], [axis % np.ndim(a)], _rt.rules.fft._SWAP[norm])


# -- shifts ------------------------------------------------------------------------------------------


@vjp(np.fft.fftshift, complex=True)
def fftshift(g, ans, x, axes=None):
    return np.fft.ifftshift(g, axes)


@vjp(np.fft.ifftshift, complex=True)
def ifftshift(g, ans, x, axes=None):
    return np.fft.fftshift(g, axes)
