"""Checks that values are of the kinds the generated gradient is right for.

Arguments. The rules follow what operators and NumPy functions mean for
NumPy arrays and Python numbers. Some array types change that meaning:
``np.matrix`` (``*`` is a matrix product), masked arrays (masked entries take
no part), character and record arrays, and array-likes of other libraries
that take over NumPy's functions (``__array_ufunc__``, ``__array_function__``).
A generated gradient starts with ``real_args(...)`` (or ``plain_args(...)``
when it was generated for complex arguments), which refuses them (AD410), in
lists, tuples and dicts too; ``np.memmap`` is an ndarray in all but storage and
passes. ``real_args`` also refuses complex numbers: the gradient was not
generated for them (``grad`` generates another when it sees one).

Indexing a value that is not differentiated, with a differentiated index
(``c[x > 0]``, ``table[k]``), is piecewise constant in the index when it only
selects entries: arrays, lists, tuples, dicts and strings do. An object whose
``[...]`` computes something from the index (an index trick such as
``np.s_``, an interpolation table of yours) would get no gradient, so
``selecting`` refuses it (AD410) when the gradient runs; the transpiler asks
``selects`` about the module-level objects it sees.
"""

import collections
import warnings

import numpy as np

from adgen.runtime import errors

__all__ = ["selects", "selecting", "real_args", "plain_args", "odd_kind", "dispatching"]

_SCALARS = frozenset({float, int, bool, type(None), str, np.float64, np.float32, np.int64, np.int32, np.bool_})
_SAFE_ARRAYS = (np.memmap,)  # ndarray subclasses whose operators and functions are ndarray's


def real_args(values, names, shapes=None):
    """Refuse arguments of a kind the gradient does not cover, complex ones included, and,
    in a gradient specialised to argument shapes, of other shapes (``shapes``: one per
    value, None where any passes)."""
    if not _plain(values, False):
        _refuse(values, names, complex_ok=False)
    if shapes is not None:
        _check_shapes(values, shapes, names)


def plain_args(values, names, shapes=None):
    """``real_args`` for a gradient generated for complex arguments: complex ones pass."""
    if not _plain(values, True):
        _refuse(values, names, complex_ok=True)
    if shapes is not None:
        _check_shapes(values, shapes, names)


def _check_shapes(values, shapes, names):
    """AD403 for the first value whose shape is not the one its gradient was specialised to."""
    for k, (value, shape) in enumerate(zip(values, shapes)):
        if shape is not None and (value.shape if type(value) is np.ndarray else np.shape(value)) != shape:
            raise errors.AD403_ARGUMENT_SHAPE.error(name=names.split(", ")[k], shape=shape, actual=np.shape(value))


def _plain(values, complex_ok):
    """Are all ``values`` (a list or tuple) of kinds known to be fine? A quick look that
    ``odd_kind`` explains when it says no."""
    for value in values:
        t = type(value)
        if t is np.ndarray:
            if complex_ok or value.dtype.kind != "c":
                continue
        elif t in _SCALARS or (complex_ok and t is complex):
            continue
        elif t is list or t is tuple:
            if _plain(value, complex_ok):
                continue
        elif t is dict:
            if _plain(list(value.values()), complex_ok):
                continue
        if odd_kind(value, complex_ok):
            return False
    return True


def odd_kind(value, complex_ok=True):
    """Why ``value`` (searched through lists, tuples and dicts) is of a kind the gradient
    does not cover, or None."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        why = next(filter(None, (odd_kind(v, complex_ok) for v in value)), None)
        return why and why.replace("complex, and this gradient was generated for real arguments",
                                   "complex inside a list, tuple or dict, which only gets gradients of real values")
    t = type(value)
    if isinstance(value, np.ndarray) and t is not np.ndarray and not isinstance(value, _SAFE_ARRAYS):
        return f"a {t.__module__}.{t.__qualname__}, whose operators or NumPy functions mean something else than for an ndarray"
    if not isinstance(value, (np.ndarray, np.generic)) and (hasattr(t, "__array_ufunc__") or hasattr(t, "__array_function__")):
        if not dispatching(value):
            return f"a {t.__module__}.{t.__qualname__}, which takes over some of NumPy's functions but is not an array that follows NumPy"
    complex_value = np.iscomplexobj(value) if isinstance(value, (complex, np.ndarray, np.generic)) else dispatching(value) and value.dtype.kind == "c"
    if not complex_ok and complex_value:
        return "complex, and this gradient was generated for real arguments (grad() generates one for complex arguments when it sees them)"
    return None


def dispatching(value):
    """Is ``value`` an array of another library that follows NumPy's API and takes over its
    functions and operators (CuPy's, Dask's)? Generated code and the runtime's helpers run on
    it unchanged, making new arrays like it (``runtime/backends.py``)."""
    t = type(value)
    if t in _SCALARS or t is np.ndarray or t is list or t is tuple:  # the common kinds, at once
        return False
    return (
        not isinstance(value, np.ndarray)
        and getattr(t, "__array_function__", None) is not None
        and getattr(t, "__array_ufunc__", None) is not None
        and hasattr(value, "shape")
        and hasattr(value, "dtype")
    )


def _refuse(values, names, complex_ok):
    for value, name in zip(values, names.split(", ")):
        why = odd_kind(value, complex_ok)
        if why:
            raise errors.AD410_ARGUMENT.error(name=name, why=why)


def _chararray():
    """``np.char.chararray``, which NumPy 2.5 deprecates on access (adgen must import silently)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return np.char.chararray


# the __getitem__ of every type whose [...] only selects
_SELECTING = {
    getattr(t, "__getitem__")
    for t in (np.ndarray, np.generic, np.matrix, np.ma.MaskedArray, np.recarray, _chararray(), list, tuple, dict, str, bytes, range)
}


_NO_MISSING = (None, collections.defaultdict.__missing__)


def selects(obj):
    """Does ``obj[index]`` only select entries of ``obj``? (A dict whose ``__missing__``
    makes a value from a key it lacks computes; a ``defaultdict``'s ignores the key.)"""
    t = type(obj)
    if getattr(t, "__getitem__", None) not in _SELECTING:
        return False
    return getattr(t, "__missing__", None) in _NO_MISSING


def selecting(obj):
    """``obj``, after checking that ``obj[...]`` only selects (AD410 otherwise)."""
    if selects(obj):
        return obj
    raise errors.AD410_INDEXED_OBJECT.error(kind=f"{type(obj).__module__}.{type(obj).__qualname__}")
