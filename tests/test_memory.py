"""What ``transpiler/memory.py`` claims of NumPy, checked against NumPy itself: the
functions it trusts to make new memory return none of their arguments' memory, the
ones it trusts to return scalars do, and it finds every way a call changes a value
in place."""

import ast

import numpy as np
import pytest

from transpiler import memory

a = np.linspace(0.5, 2.0, 4)
b = np.linspace(-1.0, 1.0, 4)
M = np.array([[2.0, 0.5], [0.5, 1.0]])
i = np.array([0, 2, 1, 3])
z = np.array(1.5)

# a call of each function trusted to return new memory (``a``, ``b``, ``M``, ``i``: arguments)
SAMPLES = {
    np.zeros: "np.zeros(3)", np.ones: "np.ones(3)", np.empty: "np.empty(3)", np.full: "np.full(3, 2.0)",
    np.zeros_like: "np.zeros_like(a)", np.ones_like: "np.ones_like(a)", np.empty_like: "np.empty_like(a)",
    np.full_like: "np.full_like(a, 2.0)", np.array: "np.array(a)", np.copy: "np.copy(a)", np.arange: "np.arange(3.0)",
    np.linspace: "np.linspace(0, 1, 3)", np.logspace: "np.logspace(0, 1, 3)", np.geomspace: "np.geomspace(1, 2, 3)",
    np.eye: "np.eye(2)", np.identity: "np.identity(2)", np.tri: "np.tri(2)", np.triu: "np.triu(M)", np.tril: "np.tril(M)",
    np.diagflat: "np.diagflat(a)", np.vander: "np.vander(a)", np.concatenate: "np.concatenate([a])", np.stack: "np.stack([a])",
    np.vstack: "np.vstack([a])", np.hstack: "np.hstack([a])", np.dstack: "np.dstack([a])", np.column_stack: "np.column_stack([a])",
    np.block: "np.block([a])", np.append: "np.append(a, [])", np.insert: "np.insert(a, 0, [])", np.delete: "np.delete(a, [])",
    np.tile: "np.tile(a, 1)", np.repeat: "np.repeat(a, 1)", np.pad: "np.pad(a, 0)", np.roll: "np.roll(a, 0)", np.sort: "np.sort(a)",
    np.argsort: "np.argsort(i)", np.lexsort: "np.lexsort([i])", np.partition: "np.partition(a, 1)", np.argpartition: "np.argpartition(i, 1)",
    np.unique: "np.unique(a)", np.cumsum: "np.cumsum(a)", np.cumprod: "np.cumprod(a)", np.nancumsum: "np.nancumsum(a)",
    np.nancumprod: "np.nancumprod(a)", np.where: "np.where(a > 1.0, a, b)", np.select: "np.select([a > 0], [a])",
    np.choose: "np.choose([0, 0, 0, 0], [a])", np.interp: "np.interp(a, a, b)", np.convolve: "np.convolve(a, [1.0])",
    np.correlate: "np.correlate(a, [1.0])", np.polyval: "np.polyval([1.0], a)", np.cov: "np.cov(a)", np.corrcoef: "np.corrcoef(a, b)",
    np.bincount: "np.bincount(i)", np.digitize: "np.digitize(a, [1.0])", np.searchsorted: "np.searchsorted(a, a)",
    np.argwhere: "np.argwhere(a)", np.flatnonzero: "np.flatnonzero(a)", np.take: "np.take(a, i)",
    np.take_along_axis: "np.take_along_axis(a, i, 0)", np.compress: "np.compress([1, 1, 1, 1], a)", np.extract: "np.extract(a > 0, a)",
    np.outer: "np.outer(a, 1.0)", np.kron: "np.kron(a, 1.0)", np.cross: "np.cross(a[:3], b[:3])", np.tensordot: "np.tensordot(a, 1.0, 0)",
    np.isclose: "np.isclose(a, a)", np.meshgrid: "np.meshgrid(a)", np.indices: "np.indices((2,))", np.diff: "np.diff(a)",
    np.ediff1d: "np.ediff1d(a)", np.gradient: "np.gradient(a)", np.unwrap: "np.unwrap(a)", np.sinc: "np.sinc(a)", np.i0: "np.i0(a)",
    np.fix: "np.fix(a)", np.angle: "np.angle(a)", np.nan_to_num: "np.nan_to_num(a)", np.sort_complex: "np.sort_complex(a)",
    np.histogram: "np.histogram(a)", np.nonzero: "np.nonzero(a)", np.linalg.inv: "np.linalg.inv(M)", np.linalg.pinv: "np.linalg.pinv(M)",
    np.linalg.solve: "np.linalg.solve(M, a[:2])", np.linalg.lstsq: "np.linalg.lstsq(M, a[:2])", np.linalg.eig: "np.linalg.eig(M)",
    np.linalg.eigh: "np.linalg.eigh(M)", np.linalg.eigvals: "np.linalg.eigvals(M)", np.linalg.eigvalsh: "np.linalg.eigvalsh(M)",
    np.linalg.svd: "np.linalg.svd(M)", np.linalg.qr: "np.linalg.qr(M)", np.linalg.cholesky: "np.linalg.cholesky(M)",
    np.linalg.multi_dot: "np.linalg.multi_dot([M, M])", np.linalg.tensorinv: "np.linalg.tensorinv(M, 1)",
    np.linalg.tensorsolve: "np.linalg.tensorsolve(M, a[:2])",
    # may return scalars
    np.sum: "np.sum(a)", np.prod: "np.prod(a)", np.mean: "np.mean(a)", np.std: "np.std(a)", np.var: "np.var(a)",
    np.average: "np.average(a)", np.median: "np.median(a)", np.percentile: "np.percentile(a, 50)", np.quantile: "np.quantile(a, 0.5)",
    np.nansum: "np.nansum(a)", np.nanprod: "np.nanprod(a)", np.nanmean: "np.nanmean(a)", np.nanstd: "np.nanstd(a)",
    np.nanvar: "np.nanvar(a)", np.nanmedian: "np.nanmedian(a)", np.nanpercentile: "np.nanpercentile(a, 50)",
    np.nanquantile: "np.nanquantile(a, 0.5)", np.max: "np.max(M, axis=0)", np.min: "np.min(M, axis=0)", np.amax: "np.amax(M, axis=0)",
    np.amin: "np.amin(M, axis=0)", np.nanmax: "np.nanmax(M, axis=0)", np.nanmin: "np.nanmin(M, axis=0)", np.ptp: "np.ptp(M, axis=0)",
    np.argmax: "np.argmax(M, axis=0)", np.argmin: "np.argmin(M, axis=0)", np.nanargmax: "np.nanargmax(M, axis=0)",
    np.nanargmin: "np.nanargmin(M, axis=0)", np.all: "np.all(M, axis=0)", np.any: "np.any(M, axis=0)",
    np.count_nonzero: "np.count_nonzero(M, axis=0)", np.dot: "np.dot(M, a[:2])", np.vdot: "np.vdot(a, b)", np.inner: "np.inner(M, M)",
    np.trace: "np.trace(M)", np.clip: "np.clip(a, 0.0, None)", np.round: "np.round(a)", np.around: "np.around(a)",
    np.trapezoid: "np.trapezoid(M)", np.allclose: "np.allclose(a, b)", np.array_equal: "np.array_equal(a, a)",
    np.linalg.norm: "np.linalg.norm(M, axis=0)", np.linalg.det: "np.linalg.det(M)", np.linalg.slogdet: "np.linalg.slogdet(M)",
    np.linalg.matrix_rank: "np.linalg.matrix_rank(M)", np.linalg.cond: "np.linalg.cond(M)",
}
# what the same functions give for arguments of shape () (or reducing to it)
SCALAR_SAMPLES = {
    np.dot: "np.dot(z, z)", np.trace: "np.trace(M)", np.trapezoid: "np.trapezoid(a)", np.vdot: "np.vdot(a, b)", np.inner: "np.inner(a, b)",
    np.percentile: "np.percentile(z, 50)", np.quantile: "np.quantile(z, 0.5)", np.nanpercentile: "np.nanpercentile(z, 50)",
    np.nanquantile: "np.nanquantile(z, 0.5)", np.allclose: "np.allclose(z, z)", np.array_equal: "np.array_equal(z, z)",
    np.linalg.det: "np.linalg.det(M)", np.linalg.slogdet: "np.linalg.slogdet(M)", np.linalg.matrix_rank: "np.linalg.matrix_rank(M)",
    np.linalg.cond: "np.linalg.cond(M)", np.clip: "np.clip(z, 0.0, 1.0)", np.linalg.norm: "np.linalg.norm(z)",
}


def arrays_in(value):
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (tuple, list)):
        return [x for v in value for x in arrays_in(v)]
    return []


def test_every_trusted_function_has_a_sample():
    assert set(SAMPLES) == memory.FRESH | memory.FRESH_SCALAR


@pytest.mark.parametrize("fn", sorted(SAMPLES, key=lambda f: f.__qualname__), ids=lambda f: f.__qualname__)
def test_trusted_functions_return_none_of_their_arguments_memory(fn):
    args = {"np": np, "a": a.copy(), "b": b.copy(), "M": M.copy(), "i": i.copy(), "z": z.copy()}
    result = eval(SAMPLES[fn], args)  # noqa: S307 - the table above
    for out in arrays_in(result):
        for arg in ("a", "b", "M", "i"):
            assert not np.shares_memory(out, args[arg]), (SAMPLES[fn], arg)


@pytest.mark.parametrize("fn", sorted(memory.FRESH_SCALAR, key=lambda f: f.__qualname__), ids=lambda f: f.__qualname__)
def test_functions_trusted_for_scalars_return_scalars_where_the_shape_is_empty(fn):
    call = SCALAR_SAMPLES.get(fn, f"np.{fn.__name__}(z)" if fn.__module__ == "numpy" else None)
    result = eval(call, {"np": np, "a": a, "b": b, "M": M, "z": z})  # noqa: S307
    assert not arrays_in(result), call  # a NumPy or Python scalar: it cannot change in place


@pytest.mark.parametrize("ufunc", [np.sin, np.add, np.multiply, np.maximum, np.exp, np.negative, np.matmul, np.logaddexp])
def test_ufuncs_return_scalars_for_arrays_of_shape_empty(ufunc):
    operands = [z] * ufunc.nin if ufunc is not np.matmul else [np.ones(2), np.ones(2)]
    assert isinstance(ufunc(*operands), np.generic)


@pytest.mark.parametrize("fn", sorted(memory.ALWAYS_ARRAY, key=lambda f: f.__qualname__), ids=lambda f: f.__qualname__)
def test_conversions_trusted_to_give_arrays_give_arrays(fn):
    extra = {np.swapaxes: (0, 1), np.moveaxis: (0, 1), np.expand_dims: (0,), np.linalg.matrix_power: (1,), np.broadcast_to: ((2, 4),),
             np.lib.stride_tricks.sliding_window_view: (2,), np.reshape: ((4,),)}.get(fn, ())
    square = fn in (np.diagonal, np.matrix_transpose, np.fliplr, np.flipud, np.rot90, np.linalg.matrix_power, np.swapaxes, np.moveaxis)
    assert isinstance(fn(M if square else a, *extra), np.ndarray)


@pytest.mark.parametrize(
    "call,changed",
    [
        ("np.sin(x, y)", "y"),
        ("np.add(x, x, y)", "y"),
        ("np.dot(x, x, y)", "y"),
        ("np.sum(x, 0, None, y)", "y"),
        ("np.cumsum(x, out=y)", "y"),
        ("np.copyto(y, x)", "y"),
        ("np.fill_diagonal(y, 0.0)", "y"),
        ("y.fill(0.0)", "y"),
        ("y.sort()", "y"),
        ("np.median(y, overwrite_input=True)", "y"),
        ("np.random.shuffle(y)", "y"),
        ("np.ndarray.fill(y, 0.0)", "y"),
        ("np.ndarray.__setitem__(y, 0, 1.0)", "y"),
        ("np.sin(x)", None),
        ("np.median(y, overwrite_input=False)", None),
        ("np.sort(y)", None),
    ],
)
def test_calls_that_change_a_value_in_place_are_found(call, changed):
    node = ast.parse(call, mode="eval").body

    def resolve(expr):
        try:
            return True, eval(ast.unparse(expr), {"np": np})  # noqa: S307
        except NameError:
            return False, None

    found = [ast.unparse(e) for e, _ in memory.changed_by(node, resolve)]
    assert found == ([changed] if changed else [])
