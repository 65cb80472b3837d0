"""Running a gradient on another library's arrays and comparing it with NumPy's.

``on_backend(fn, args, wrt, convert, kind)``: the gradient of ``fn`` at ``args``
with every array argument converted (``convert``: to a duck array, to a Dask
array), checked leaf by leaf against the gradient at the NumPy arguments: the
same numbers to 1e-12, and each array leaf of the library's ``kind`` (numbers
stay numbers).
"""

import warnings

import numpy as np

from gradcheck import tree_paths
from adgen import grad
from adgen.errors import AdgenWarning


def convert_arrays(value, convert):
    """``value`` with each ndarray in it (through lists, tuples, dicts) converted."""
    if isinstance(value, np.ndarray):
        return convert(value)
    if isinstance(value, (list, tuple)) and type(value) in (list, tuple):
        return type(value)(convert_arrays(v, convert) for v in value)
    if isinstance(value, dict):
        return {k: convert_arrays(v, convert) for k, v in value.items()}
    return value


def gradient(fn, args, wrt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AdgenWarning)  # the corpus's own warnings are checked elsewhere
        grads = grad(fn, wrt=wrt)(*args)
    return grads if isinstance(wrt, tuple) else (grads,)


def check_same(got, expected, kind, materialise):
    """``got`` (a tree of the library's arrays and numbers) equals ``expected`` (NumPy's)."""
    got_leaves, expected_leaves = list(tree_paths(got)), list(tree_paths(expected))
    assert [p for p, _ in got_leaves] == [p for p, _ in expected_leaves], "the gradients differ in structure"
    for (path, leaf), (_, want) in zip(got_leaves, expected_leaves):
        if want is None:  # not differentiated (an int, a string)
            assert leaf is None, f"gradient {path}: {leaf!r} where NumPy's is None"
            continue
        if isinstance(want, np.ndarray):
            assert isinstance(leaf, kind), f"gradient {path}: a {type(leaf).__module__}.{type(leaf).__name__}, not the argument's library's"
        else:  # a number; a 0-d array of the library where it was computed from its arrays (a tangent of a sum)
            assert not isinstance(leaf, np.ndarray) and np.ndim(leaf) == 0, f"gradient {path}: an array where NumPy's gradient is a number"
        if isinstance(leaf, kind) and not isinstance(leaf, np.ndarray):
            leaf = materialise(leaf)
        np.testing.assert_allclose(np.asarray(leaf), want, rtol=1e-12, atol=1e-12, err_msg=f"gradient {path}")
