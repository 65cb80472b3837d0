"""Checks that values are of the kinds the generated gradient is right for.

Indexing a value that is not differentiated, with a differentiated index
(``c[x > 0]``, ``table[k]``), is piecewise constant in the index when it only
selects entries: arrays, lists, tuples, dicts and strings do. An object whose
``[...]`` computes something from the index (an index trick such as
``np.s_``, an interpolation table of yours) would get no gradient, so
``selecting`` refuses it (AD410) when the gradient runs; the transpiler asks
``selects`` about the module-level objects it sees.
"""

import numpy as np

from runtime.core import GradientError

__all__ = ["selects", "selecting"]

# the __getitem__ of every type whose [...] only selects
_SELECTING = {
    getattr(t, "__getitem__")
    for t in (np.ndarray, np.generic, np.matrix, np.ma.MaskedArray, np.recarray, np.char.chararray, list, tuple, dict, str, bytes, range)
}


def selects(obj):
    """Does ``obj[index]`` only select entries of ``obj``?"""
    return getattr(type(obj), "__getitem__", None) in _SELECTING


def selecting(obj):
    """``obj``, after checking that ``obj[...]`` only selects (AD410 otherwise)."""
    if getattr(type(obj), "__getitem__", None) in _SELECTING:
        return obj
    raise GradientError(
        "AD410",
        f"a {type(obj).__module__}.{type(obj).__qualname__} is indexed with a differentiated value, and its [...] "
        "has no derivative rule (only indexing arrays, lists, tuples and dicts is differentiated through)",
    )
