"""A zero cotangent contributes exactly zero, even through an infinite local derivative.

Some rules have a local derivative that is infinite where the function itself is
finite, or where a later step masks the value out: ``sqrt`` and ``x ** 0.5`` at 0,
``1 / r`` and ``log`` at 0, ``arcsin`` at +-1. Where such an entry's cotangent is
exactly zero (``np.where(r > 0, 1 / r, 0)``, ``inv_r[r > 0] = 1 / r[r > 0]``) the
product ``0 * inf`` would be NaN and spoil the whole gradient; the chain rule with
the masked entry left out gives 0. These rules call ``over`` or ``times``, which
compute the usual expression and look for a singular entry: ``over`` counts the
zeros of a small denominator, and lets NumPy's floating-point error state report
a division by zero in a large one (no extra pass); ``times`` checks the local
factor. Only where one is found is the result recomputed with zero-cotangent
entries set to 0. A
non-zero cotangent still meets the infinity (the function has no derivative there).
"""

import numpy as np

from adgen.runtime import backends

__all__ = ["over", "times"]

try:  # NumPy 2's C function, without np.count_nonzero's Python wrapper (a third of the cost)
    from numpy._core.multiarray import count_nonzero as _count_nonzero
except ImportError:  # pragma: no cover - NumPy 1
    _count_nonzero = np.count_nonzero

_SMALL = 2048  # below, counting the zeros is faster than setting NumPy's error state
_ndarray = np.ndarray


def over(g, den, num=None):
    """``g / den`` (``g * num / den`` with ``num``), exactly 0 where ``g`` is 0."""
    if type(den) is _ndarray:
        size = den.size
        if size < _SMALL:
            if _count_nonzero(den) == size:
                return g / den if num is None else g * num / den
        else:  # a large array: no extra pass; a 0 / 0, x / 0 or 0 * inf raises instead
            try:
                with np.errstate(divide="raise", invalid="raise"):
                    return g / den if num is None else g * num / den
            except FloatingPointError:
                pass
    elif not isinstance(den, np.ndarray) and not backends.foreign(den) and den != 0:  # a number (an array: the careful path)
        return g / den if num is None else g * num / den
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.divide(g, den) if num is None else np.divide(np.multiply(g, num), den)
    return _zero_where_zero(g, out)


def times(g, factor):
    """``g * factor``, exactly 0 where ``g`` is 0 (``factor`` may be infinite there)."""
    if type(factor) is np.ndarray:
        clear = np.isfinite(factor).all()
    elif backends.foreign(factor):  # no look at its values (a GPU's would travel, a Dask graph be computed)
        clear = False
    else:
        clear = np.isfinite(factor)
    if clear:
        return g * factor
    with np.errstate(invalid="ignore"):
        out = np.multiply(g, factor)
    return _zero_where_zero(g, out)


def _zero_where_zero(g, out):
    out = np.where(np.equal(g, 0), 0, out)  # a Python 0 takes out's dtype
    return out[()] if out.ndim == 0 else out
