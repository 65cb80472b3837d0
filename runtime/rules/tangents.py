"""Forward-mode rules of NumPy's functions that are not elementwise (the elementwise
ones take theirs from their reverse rules, ``tangent_registry``): the linear ones,
declared, and the others, each a function ``rule(t, ans, <parameters>)`` giving the
contribution of the tangent ``t`` of one parameter to the tangent of the result."""

import math
import operator

import numpy as np

import adgen.runtime as _rt
from adgen.runtime import backends, callbacks, core, items, nested, tangents
from adgen.runtime.tangent_registry import joint, jvp, linear, written

# linear in their first parameter: the tangent goes through the function itself
linear(
    operator.getitem,
    np.sum, np.ndarray.sum, np.mean, np.ndarray.mean, np.cumsum, np.ndarray.cumsum, np.diff,
    np.trace, np.ndarray.trace,
    np.transpose, np.ndarray.transpose, np.ndarray.T, np.reshape, np.ndarray.reshape,
    np.ravel, np.ndarray.ravel, np.ndarray.flatten, np.squeeze, np.ndarray.squeeze, np.expand_dims,
    np.moveaxis, np.swapaxes, np.ndarray.swapaxes, np.flip, np.fliplr, np.flipud, np.roll, np.rot90,
    np.tile, np.repeat, np.ndarray.repeat, np.broadcast_to,
    np.diag, np.diagonal, np.ndarray.diagonal, np.triu, np.tril, np.take,
    np.copy, np.ndarray.copy, np.atleast_1d, np.atleast_2d,
    backends.as_array,
)
# linear in a sequence of arrays, all at once: the sequence of their tangents
linear(np.concatenate, np.stack, np.hstack, np.vstack, np.column_stack, np.dstack)
# linear in each of two parameters, the other held: (x1 + dx1) @ x2 + x1 @ dx2
linear(operator.matmul, np.matmul, np.dot, np.ndarray.dot, np.inner, np.outer, np.tensordot, np.kron, np.cross, args=(0, 1))
# linear in each operand (``*operands`` after the subscripts, parameter 0 being ``*args``)
linear(np.einsum, args=(0,))


@jvp(np.max, np.amax, np.ndarray.max, np.min, np.amin, np.ndarray.min)
def extremum_tangent(t, ans, a, axis=None, *, keepdims=False):
    """The mean of the tangents at the entries that reach the extremum (ties share it
    equally, as the reverse rule splits the cotangent)."""
    at = np.equal(a, ans if keepdims or axis is None else np.expand_dims(ans, axis))  # a ufunc: a list or any library's array
    return np.sum(t * at, axis=axis, keepdims=keepdims) / np.sum(at, axis=axis, keepdims=keepdims)


@jvp(np.array)
def array_tangent(t, ans, object, dtype=None, *, copy=True, like=None):
    """Linear in ``object`` (a sequence of arrays takes the sequence of their tangents);
    an integer or boolean result carries none. Of the result's library (``like=``)."""
    kind = ans.dtype
    return np.array(t, dtype=kind, like=_rt.like(ans)) if kind.kind in "fc" else np.zeros(np.shape(ans), like=_rt.like(ans))


@jvp(np.asarray)
def asarray_tangent(t, ans, a, dtype=None, *, copy=None, like=None):
    return array_tangent(t, ans, a, dtype)


@jvp(np.var, np.ndarray.var)
def var_tangent(t, ans, a, axis=None, *, ddof=0, keepdims=False):
    # one expression, pasted into the tangent module, so that reverse mode can differentiate it again (hvp)
    return np.sum((a - np.mean(a, axis=axis, keepdims=True)) * t, axis=axis, keepdims=keepdims) * (2.0 / (np.size(a) / np.size(ans) - ddof))


@jvp(np.std, np.ndarray.std)
def std_tangent(t, ans, a, axis=None, *, ddof=0, keepdims=False):
    """0 where std is 0 (a kink), as the reverse rule."""
    return _rt.over(np.sum((a - np.mean(a, axis=axis, keepdims=True)) * t, axis=axis, keepdims=keepdims), ans * (np.size(a) / np.size(ans) - ddof))


@jvp(np.prod, np.ndarray.prod)
def prod_tangent(t, ans, a, axis=None, *, keepdims=False):
    """The sum over entries of the tangent times the product of the others (no division,
    so zeros in ``a`` are fine): ``a`` and ``t`` moved so the axes go last, then the
    products before and after each entry."""
    a, t = _rt.as_array(a, float), np.broadcast_to(t, np.shape(a))
    axes = tuple(range(a.ndim)) if axis is None else tuple(np.atleast_1d(axis) % max(a.ndim, 1))
    rest = [k for k in range(a.ndim) if k not in axes]
    shape = [a.shape[k] for k in rest] + [-1]
    flat_a = np.transpose(a, rest + list(axes)).reshape(shape)
    flat_t = np.transpose(t, rest + list(axes)).reshape(shape)
    ones = np.ones_like(flat_a[..., :1])
    before = np.cumprod(np.concatenate([ones, flat_a[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, flat_a[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    found = np.sum(flat_t * before * after, axis=-1)
    return np.reshape(found, np.shape(ans))


@jvp(np.linalg.solve, arg=0)
def solve_tangent_a(t, ans, a, b):
    return -(np.linalg.solve(a, t @ ans[..., None])[..., 0] if np.ndim(b) == 1 else np.linalg.solve(a, t @ ans))


@jvp(np.linalg.solve, arg=1)
def solve_tangent_b(t, ans, a, b):
    return np.linalg.solve(a, t)


@jvp(np.linalg.inv)
def inv_tangent(t, ans, a):
    return -ans @ t @ ans


@jvp(np.linalg.det)
def det_tangent(t, ans, a):
    return np.sum(_rt.cofactors(a, ans) * t, axis=(-2, -1))  # singular matrices too


@jvp(np.linalg.cholesky)
def cholesky_tangent(t, ans, a, *, upper=False):
    """dL = L phi(L^-1 dA L^-T), phi: the lower triangle with half the diagonal (for
    ``upper``, U = L^T)."""
    low = np.swapaxes(ans, -1, -2) if upper else ans
    inner = np.linalg.solve(low, np.swapaxes(np.linalg.solve(low, t), -1, -2))
    phi = np.tril(inner, -1) + 0.5 * inner * _rt.eye(np.shape(a)[-1], like=_rt.like(inner))
    found = low @ phi
    return np.swapaxes(found, -1, -2) if upper else found


@jvp(np.linalg.norm)
def norm_tangent(t, ans, x, ord=None, axis=None, keepdims=False):
    """Vector norms of any order, the Frobenius norm (``ord`` None or "fro" for a matrix)
    and the nuclear and spectral norms; another matrix norm raises."""
    x = _rt.as_array(x)
    vectors = (x.ndim == 1 and axis is None) or (axis is not None and np.ndim(axis) == 0)
    matrix = x.ndim == 2 and axis is None and ord in ("nuc", 2, -2)
    if not (ord is None or ord == "fro" or vectors or matrix):
        raise NotImplementedError(f"forward mode: the tangent of np.linalg.norm with ord={ord!r} is not implemented")
    whole = ans if keepdims or axis is None else np.expand_dims(ans, axis)
    if ord is None or ord == "fro" or (ord == 2 and vectors):
        return np.sum(x * t, axis=axis, keepdims=keepdims) / ans
    if vectors and ord in (np.inf, -np.inf):
        at = np.abs(x) == whole
        return np.sum(np.sign(x) * t * at, axis=axis, keepdims=keepdims) / np.sum(at, axis=axis, keepdims=keepdims)
    if vectors and ord == 0:  # the count of the non-zero entries: piecewise constant
        return np.zeros(np.shape(ans))
    if vectors:
        return np.sum(np.sign(x) * np.abs(x) ** (ord - 1) / whole ** (ord - 1) * t, axis=axis, keepdims=keepdims)
    u, s, vh = np.linalg.svd(x)
    inner = np.diagonal(u.T @ t @ vh.T)
    return np.sum(inner) if ord == "nuc" else inner[0 if ord == 2 else -1]


# -- builtins and math over sequences; the runtime helpers of containers and callbacks --
# A tangent of a list, tuple or dict is the same container of its items' tangents (runtime/tangents.py).

# a new container of the same items: of their tangents
linear(list, tuple, math.fsum)
# the argument of max/min returned takes its tangent along; the norms read every
# coordinate; with_item puts a tangent into a container (``+`` would join lists): the
# transpiler writes these (transpiler/forward_containers.py)
written(max, min, math.hypot, math.dist, items.with_item, nested.gradient_of)
# a copy of the value (its arrays copied): of its tangent; a container with one tangent
# replaced is linear in the container and the new item together
linear(core.copied)
joint(tangents.with_tangent_item, args=(0, 2))
joint(tangents.tuple_tangent_sum, args=(0,))  # a sum of tangents: the sum of their tangents


@jvp(sum)
def sum_tangent(t, ans, iterable, start=0):
    """The sum of the items' tangents (of the rows' tangents, for an array)."""
    return sum(t)


@jvp(sum, arg=1)
def sum_start_tangent(t, ans, iterable, start=0):
    return _rt.fit(t, ans)


@jvp(math.prod)
def math_prod_tangent(t, ans, iterable, *, start=1):
    """The sum over the items of each one's tangent times the product of the others (no
    division: zeros among the items are fine)."""
    values, tangents = list(iterable), list(t)
    total = 0.0
    for k in range(len(values)):
        total = total + tangents[k] * math.prod(values[:k], start=start) * math.prod(values[k + 1:])
    return total


@jvp(math.prod, arg=1)
def math_prod_start_tangent(t, ans, iterable, *, start=1):
    return t * math.prod(iterable)


@jvp(dict)
def dict_tangent(t, ans, iterable=()):
    """``dict(d)``: the tangents of ``d``'s items; ``dict(pairs)``: each key with the
    tangent of its value (a later pair wins, as in the dict)."""
    if isinstance(iterable, dict):
        return dict(t)
    return {pair[0]: tangent[1] for pair, tangent in zip(iterable, t)}


@jvp(items.array_copy)
def array_copy_tangent(t, ans, item):
    return np.copy(t)


@jvp(callbacks.closure, arg=2)
def closure_tangent(t, ans, fn, names, values):
    """The tangent of a function of the user's with the values it captured: the tuple of
    those values' tangents (as the cotangent of one is the tuple of their cotangents),
    for the forward rule of the library function it is passed to."""
    return tuple(t)


# -- tuple-valued elementwise functions: the tuple of their results' tangents (tangent_registry) --
# (their reverse rules are elementwise, but a tangent derived from one would be a single array)


@jvp(np.divmod, divmod, arg=0)
def divmod_tangent_x(t, ans, x, y):
    # the floor quotient is piecewise constant; the remainder x - q y moves with x
    return np.zeros(np.shape(ans[0])), t + np.zeros(np.shape(ans[1]))


@jvp(np.divmod, divmod, arg=1)
def divmod_tangent_y(t, ans, x, y):
    return np.zeros(np.shape(ans[0])), -t * ans[0]


@jvp(np.modf)
def modf_tangent(t, ans, x):
    return t + np.zeros(np.shape(ans[0])), np.zeros(np.shape(ans[1]))


@jvp(np.frexp)
def frexp_tangent(t, ans, x):
    # the mantissa x / 2**exponent; the integer exponent is piecewise constant
    return t * np.ldexp(1.0, -ans[1]), np.zeros(np.shape(ans[1]))
