"""Arrays of other libraries: the runtime makes new arrays of its operands' kind.

Generated code is NumPy calls and operators, which CuPy's and Dask's arrays take
over (``__array_ufunc__``, ``__array_function__``), so it runs on them unchanged.
What would not is an array the runtime makes from nothing (``np.zeros(shape)``,
``np.asarray(values)``): a NumPy array, which CuPy refuses to mix with its own
and which would make Dask's gradient eager. Helpers that make one pass
``like=like(operand)``, NumPy's way (NEP 35) of making it in the operand's library;
``like`` gives None, NumPy's default, for NumPy's own values, so NumPy code pays one
type check. adgen imports neither CuPy nor Dask: it only ever asks an array
what it is.
"""

import numpy as np

from adgen.runtime.kinds import dispatching

__all__ = ["foreign", "is_array", "like", "as_array", "eye", "upper_cholesky"]


def foreign(value):
    """Is ``value`` an array of another library (not NumPy's)?"""
    return type(value) is not np.ndarray and dispatching(value)


def is_array(value):
    """Is ``value`` an array, NumPy's or another library's?"""
    return isinstance(value, np.ndarray) or dispatching(value)


def like(*values):
    """The first array of another library among ``values``, else None: the ``like=`` that
    makes a new array where they live."""
    for value in values:
        if type(value) is not np.ndarray and dispatching(value):
            return value
    return None


def as_array(value, dtype=None, ref=None):
    """``np.asarray(value, dtype)`` that keeps another library's array in its library (no
    conversion, a cast where ``dtype`` differs), and makes one of ``ref``'s library from a
    list or number where ``ref`` is another library's array."""
    if type(value) is not np.ndarray and dispatching(value):
        return value if dtype is None or value.dtype == np.dtype(dtype) else value.astype(dtype)
    return np.asarray(value, dtype=dtype, like=None if ref is None else like(ref))


def eye(n, dtype=float, like=None):
    """``np.eye(n, dtype=dtype)``, of ``like``'s library where it is another library's array
    (NumPy passes ``order`` on to it, which Dask's ``eye`` does not take)."""
    if like is None:
        return np.eye(n, dtype=dtype)
    count = np.arange(n, like=like)
    return (count[:, None] == count).astype(dtype)


def upper_cholesky(factor):
    """Is ``factor``, what ``np.linalg.cholesky(a)`` returned, the upper factor? Dask's
    arrays take that call to ``dask.array.linalg.cholesky``, whose default is the upper one
    (NumPy's, CuPy's: the lower)."""
    return type(factor).__module__.partition(".")[0] == "dask"
