"""Rules for functions that move, copy or rearrange entries without arithmetic.

Reshaping, transposing, stacking, splitting, tiling and casting are
all linear maps, so each cotangent is the adjoint map applied to ``g``: a
reshape back, the inverse permutation, a split where the primal joined, a sum
where the primal repeated entries.

A parameter taking a list of arrays (``concatenate``, ``stack``, ``array``)
gets a *list* of cotangents, one per element (never a tuple: a tuple would
mean one cotangent per parameter).
"""

from itertools import accumulate

import numpy as np

import adgen.runtime as _rt
from adgen.runtime import backends
from adgen.runtime.registry import vjp

# -- reshaping ---------------------------------------------------------------------------
# Reshaping g back in the order the forward used undoes it. order="A" means F for a
# Fortran-contiguous argument and C otherwise, so it is resolved against the argument
# (g's own layout says nothing). The conditional folds away in generated code when
# the order is a literal.


@vjp(np.reshape, complex=True)
def reshape(g, ans, a, shape=None, order="C"):
    return np.reshape(g, np.shape(a), order=order if order != "A" else ("F" if np.isfortran(_rt.as_array(a)) else "C"))


@vjp(np.ndarray.reshape, complex=True)
def ndarray_reshape(g, ans, a, *shape, order="C"):
    # x.reshape(2, 3), x.reshape((2, 3)) and x.reshape(-1) all undo the same way
    return np.reshape(g, np.shape(a), order=order if order != "A" else ("F" if np.isfortran(_rt.as_array(a)) else "C"))


@vjp(np.ravel, np.ndarray.ravel, np.ndarray.flatten, complex=True)
def ravel(g, ans, a, order="C"):
    return (
        _rt.rules.shape.unravel_k(g, a)
        if order == "K"
        else np.reshape(g, np.shape(a), order=order if order != "A" else ("F" if np.isfortran(_rt.as_array(a)) else "C"))
    )


def unravel_k(g, a):
    """The cotangent of ``np.ravel(a, order="K")``, which reads ``a`` in the order of its
    memory: number the entries in that layout (``empty_like`` keeps it) and ravel the numbers
    the same way, to see which entry of ``a`` each entry of ``g`` came from."""
    a = _rt.as_array(a)
    like = _rt.like(a)
    number = np.empty_like(a, dtype=np.intp)
    number[...] = np.arange(a.size, like=like).reshape(a.shape)
    out = np.empty(a.size, np.result_type(g, np.float64), like=like)
    out[np.ravel(number, order="K")] = g
    return out.reshape(a.shape)


@vjp(np.expand_dims, complex=True)
def expand_dims(g, ans, a, axis):
    return np.reshape(g, np.shape(a))


@vjp(np.squeeze, np.ndarray.squeeze, complex=True)
def squeeze(g, ans, a, axis=None):
    return np.reshape(g, np.shape(a))


@vjp(np.atleast_1d, complex=True)
def atleast_1d(g, ans, arys):
    # a single argument only; with several, NumPy returns a tuple
    return np.reshape(g, np.shape(arys))


@vjp(np.atleast_2d, complex=True)
def atleast_2d(g, ans, arys):
    return np.reshape(g, np.shape(arys))


@vjp(np.atleast_3d, complex=True)
def atleast_3d(g, ans, arys):
    return np.reshape(g, np.shape(arys))


@vjp(np.broadcast_to, complex=True)
def broadcast_to(g, ans, array, shape):
    return _rt.unbroadcast(g, array)


# -- permuting axes ----------------------------------------------------------------------


def _untranspose(g, axes):
    """The cotangent of ``np.transpose(a, axes)``: transpose by the inverse permutation."""
    if axes is None or len(axes) == 0:
        return np.transpose(g)  # reversing the axes is its own inverse
    return np.transpose(g, np.argsort(np.mod(axes, np.ndim(g))).tolist())


@vjp(np.transpose, complex=True)
def transpose(g, ans, a, axes=None):
    return _untranspose(g, axes)


@vjp(np.ndarray.transpose, complex=True)
def ndarray_transpose(g, ans, a, *axes):
    # x.transpose(), x.transpose(1, 0), x.transpose((1, 0)), x.transpose(None)
    if len(axes) == 1 and (axes[0] is None or np.ndim(axes[0]) == 1):
        axes = axes[0]
    return _untranspose(g, axes)


@vjp(np.ndarray.T, complex=True)
def T(g, ans, a):
    return np.transpose(g)


@vjp(np.swapaxes, np.ndarray.swapaxes, complex=True)
def swapaxes(g, ans, a, axis1, axis2):
    return np.swapaxes(g, axis1, axis2)


@vjp(np.matrix_transpose, np.linalg.matrix_transpose, complex=True)
def matrix_transpose(g, ans, x):
    return np.swapaxes(g, -1, -2)


@vjp(np.moveaxis, complex=True)
def moveaxis(g, ans, a, source, destination):
    return np.moveaxis(g, destination, source)


# -- joining: the cotangent is g cut back into the pieces -------------------------------


def _cut(g, arrays, sizes, axis):
    """Split ``g`` along ``axis`` into pieces of ``sizes``, each shaped like its array."""
    ends = list(accumulate(sizes))
    before = (slice(None),) * (axis % np.ndim(g))
    pieces = [g[before + (slice(end - n, end),)] for n, end in zip(sizes, ends)]  # slices: np.split is not Dask's
    return _rt.Adj([np.reshape(p, np.shape(x)) for p, x in zip(pieces, arrays)])


@vjp(np.concatenate, complex=True)
def concatenate(g, ans, arrays, axis=0):
    if axis is None:  # the arrays were flattened first
        return _cut(np.ravel(g), arrays, [np.size(x) for x in arrays], 0)
    return _cut(g, arrays, [np.shape(x)[axis] for x in arrays], axis)


@vjp(np.stack, complex=True)
def stack(g, ans, arrays, axis=0):
    return _rt.Adj([np.reshape(gk, np.shape(x)) for gk, x in zip(np.moveaxis(g, axis, 0), arrays)])


@vjp(np.hstack, complex=True)
def hstack(g, ans, tup):
    # 1-D pieces are joined along axis 0, everything else along axis 1
    axis = 0 if np.ndim(ans) == 1 else 1
    return _cut(g, tup, [np.shape(np.atleast_1d(x))[axis] for x in tup], axis)


@vjp(np.vstack, complex=True)
def vstack(g, ans, tup):
    # 0-d and 1-D pieces become rows
    return _cut(g, tup, [np.shape(np.atleast_2d(x))[0] for x in tup], 0)


@vjp(np.dstack, complex=True)
def dstack(g, ans, tup):
    # pieces of fewer than 3 dimensions become (1, n, 1) or (m, n, 1) first
    return _cut(g, tup, [np.shape(np.atleast_3d(x))[2] for x in tup], 2)


@vjp(np.column_stack, complex=True)
def column_stack(g, ans, tup):
    # 0-d and 1-D pieces become single columns
    return _cut(g, tup, [1 if np.ndim(x) < 2 else np.shape(x)[1] for x in tup], 1)


# -- splitting: the cotangent is the pieces' cotangents joined ---------------------------
# An unused piece has the cotangent 0.0; broadcasting it to the piece's shape fills it in.


@vjp(np.split, np.array_split, outputs="sequence")
def split(g, ans, ary, indices_or_sections, axis=0):
    return np.concatenate([np.broadcast_to(_rt.as_array(gk, ref=ak), np.shape(ak)) for gk, ak in zip(g, ans)], axis=axis)


@vjp(np.hsplit, outputs="sequence")
def hsplit(g, ans, ary, indices_or_sections):
    axis = 0 if np.ndim(ary) == 1 else 1
    return np.concatenate([np.broadcast_to(_rt.as_array(gk, ref=ak), np.shape(ak)) for gk, ak in zip(g, ans)], axis=axis)


@vjp(np.vsplit, outputs="sequence")
def vsplit(g, ans, ary, indices_or_sections):
    return np.concatenate([np.broadcast_to(_rt.as_array(gk, ref=ak), np.shape(ak)) for gk, ak in zip(g, ans)], axis=0)


# -- repeating: the cotangent sums over the copies ---------------------------------------


@vjp(np.tile, complex=True)
def tile(g, ans, A, reps):
    shape = np.shape(A)
    reps = tuple(np.atleast_1d(reps))
    n = max(len(shape), len(reps))
    padded = (1,) * (n - len(shape)) + shape
    reps = (1,) * (n - len(reps)) + reps
    # output axis i, of length reps[i] * padded[i], splits into (copy, position)
    g = np.reshape(g, [d for pair in zip(reps, padded) for d in pair])
    return np.reshape(np.sum(g, axis=tuple(range(0, 2 * n, 2))), shape)


@vjp(np.repeat, np.ndarray.repeat, complex=True)
def repeat(g, ans, a, repeats, axis=None):
    if axis is None:  # a was flattened first
        source = np.repeat(np.arange(np.size(a), like=_rt.like(a)), repeats)  # the input entry of each output entry
        out = np.zeros(np.size(a), _rt.float_dtype(a), like=_rt.like(a))
        np.add.at(out, source, np.ravel(g))
        return np.reshape(out, np.shape(a))
    axis = axis % np.ndim(a)
    source = np.repeat(np.arange(np.shape(a)[axis], like=_rt.like(a)), repeats)
    out = _rt.zeros_for(a)
    np.add.at(out, (slice(None),) * axis + (source,), g)
    return out


# -- reordering entries: apply the inverse reordering ------------------------------------


@vjp(np.roll, complex=True)
def roll(g, ans, a, shift, axis=None):
    return np.roll(g, np.negative(shift), axis)


@vjp(np.flip, complex=True)
def flip(g, ans, m, axis=None):
    return np.flip(g, axis)


@vjp(np.fliplr, complex=True)
def fliplr(g, ans, m):
    return np.fliplr(g)


@vjp(np.flipud, complex=True)
def flipud(g, ans, m):
    return np.flipud(g)


# -- building arrays from lists ----------------------------------------------------------


def _unpack(g, obj):
    """Cut ``g`` into the nested-list structure of ``obj`` (lists of cotangents)."""
    if isinstance(obj, (list, tuple)):
        return _rt.Adj([_unpack(g[k], item) for k, item in enumerate(obj)])
    return g


def _is_cast_to_float(dtype):
    """Whether casting to ``dtype`` keeps the values (a float or complex dtype, or None).

    A cast to an integer or bool dtype is piecewise constant: its cotangent is zero.
    """
    return dtype is None or np.dtype(dtype).kind in "fc"


# copy= changes only whether the result may share memory with the argument (which
# transpiler/memory.py follows), not its values: the cotangent is the same. like= picks the
# library of the result (another library's array: CuPy's, Dask's), not its values.
@vjp(np.array, complex=True)
def array(g, ans, object, dtype=None, *, copy=True, like=None):
    return _unpack(_rt.rules.shape._full(g, ans) if _is_cast_to_float(dtype) else np.zeros(np.shape(ans)), object)


@vjp(list, tuple)
def to_list(g, ans, iterable=()):
    return _rt.container_adjoints.like(g, iterable)


@vjp(dict)
def to_dict(g, ans, iterable=()):
    return _rt.container_adjoints.dict_back(g, iterable)


@vjp(np.asarray, complex=True)
def asarray(g, ans, a, dtype=None, *, copy=None, like=None):
    return _unpack(_rt.rules.shape._full(g, ans) if _is_cast_to_float(dtype) else np.zeros(np.shape(ans)), a)


@vjp(backends.as_array, complex=True)
def as_array(g, ans, value, dtype=None, ref=None):
    return _unpack(_rt.rules.shape._full(g, ans) if _is_cast_to_float(dtype) else np.zeros(np.shape(ans), like=_rt.like(ans)), value)


def _full(g, ans):
    """``g`` with ``ans``'s shape (a cotangent may arrive as a number standing for all entries)."""
    return g if np.shape(g) == np.shape(ans) else np.broadcast_to(g, np.shape(ans))


@vjp(np.ndarray.astype, complex=True)
def astype(g, ans, a, dtype, *, copy=True):
    if not _is_cast_to_float(dtype):
        return _rt.zeros_for(a)
    target = _rt.float_dtype(a)
    if target.kind != "c":
        g = np.real(g)  # a real argument cast to complex: only the real part flows back
    return _rt.as_array(g, target)  # back to the argument's precision


@vjp(np.copy, complex=True)
def copy(g, ans, a, order="K"):
    return g


@vjp(np.ndarray.copy, complex=True)
def ndarray_copy(g, ans, a, order="C"):
    return g


# -- more conversions: the cotangent passes through ------------------------------------------
# asanyarray and asarray_chkfinite take asarray's arguments (plain arrays only reach them:
# subclasses are refused, AD410); ascontiguousarray and asfortranarray make a 0-d value
# 1-d; require changes only the memory layout.


@vjp(np.asanyarray, np.asarray_chkfinite)
def asanyarray(g, ans, a, dtype=None, order=None):
    return _unpack(_rt.rules.shape._full(g, ans) if _is_cast_to_float(dtype) else np.zeros(np.shape(ans)), a)


@vjp(np.ascontiguousarray, np.asfortranarray)
def ascontiguousarray(g, ans, a, dtype=None):
    return _unpack(np.reshape(_rt.rules.shape._full(g, ans), np.shape(np.asarray(a))) if _is_cast_to_float(dtype) else np.zeros(np.shape(np.asarray(a))), a)


@vjp(np.require)
def require(g, ans, a, dtype=None, requirements=None):
    return _unpack(_rt.rules.shape._full(g, ans) if _is_cast_to_float(dtype) else np.zeros(np.shape(ans)), a)


if hasattr(np, "astype"):  # NumPy 2's function form of ndarray.astype

    @vjp(np.astype)
    def np_astype(g, ans, x, dtype, *, copy=True):
        return _rt.rules.shape.astype(g, ans, x, dtype)


@vjp(np.real_if_close)
def real_if_close(g, ans, a, tol=100):
    # a real argument comes back as it is (complex ones are refused, AD310)
    return g


# -- more joining and splitting ----------------------------------------------------------------


def _block_cot(g, ans, arrays):
    """np.block places every entry of every leaf once: run it on the leaves' entry numbers to
    find where each went, then cut ``g`` into the nested-list structure of ``arrays``."""
    sizes = []

    def number(item):
        if isinstance(item, list):
            return [number(x) for x in item]
        start = sum(sizes)
        sizes.append(np.size(item))
        return np.arange(start, start + np.size(item), like=like).reshape(np.shape(item))

    like = _rt.like(ans)
    where = np.ravel(np.block(number(arrays)))
    flat = np.empty(sum(sizes), dtype=np.result_type(g, np.float64), like=like)
    flat[where] = np.ravel(np.broadcast_to(_rt.as_array(g, ref=like), np.shape(ans)))
    pieces = iter(np.split(flat, list(accumulate(sizes[:-1]))))

    def cut(item):
        if isinstance(item, list):
            return _rt.Adj([cut(x) for x in item])
        return np.reshape(next(pieces), np.shape(item))

    return cut(arrays)


@vjp(np.block)
def block(g, ans, arrays):
    return _rt.rules.shape._block_cot(g, ans, arrays)


if hasattr(np, "row_stack"):  # vstack's old name (deprecated in NumPy 2.0)

    @vjp(np.row_stack)
    def row_stack(g, ans, tup):
        return _cut(g, tup, [np.shape(np.atleast_2d(x))[0] for x in tup], 0)


@vjp(np.dsplit, outputs="sequence")
def dsplit(g, ans, ary, indices_or_sections):
    return np.concatenate([np.broadcast_to(_rt.as_array(gk, ref=ak), np.shape(ak)) for gk, ak in zip(g, ans)], axis=2)


if hasattr(np, "unstack"):  # NumPy 2.1

    @vjp(np.unstack, outputs="sequence")
    def unstack(g, ans, x, *, axis=0):
        return np.stack([np.broadcast_to(_rt.as_array(gk, ref=ak), np.shape(ak)) for gk, ak in zip(g, ans)], axis=axis)


@vjp(np.resize)
def resize(g, ans, a, new_shape):
    # the result repeats a's entries in order, cyclically: each entry's copies add up
    return np.reshape(
        np.bincount(
            np.arange(np.size(ans), like=_rt.like(ans)) % max(np.size(a), 1), np.ravel(np.broadcast_to(g, np.shape(ans))), minlength=np.size(a)
        )[: np.size(a)],
        np.shape(a),
    )
