"""What ``transpiler/memory.py`` claims of NumPy, checked against NumPy itself: the
functions it trusts to make new memory return none of their arguments' memory, the
ones it trusts to return scalars do, and it finds every way a call changes a value
in place."""

import ast
import inspect

import numpy as np
import pytest

from adgen import memory

a = np.linspace(0.5, 2.0, 4)
b = np.linspace(-1.0, 1.0, 4)
M = np.array([[2.0, 0.5], [0.5, 1.0]])
i = np.array([0, 2, 1, 3])
z = np.array(1.5)

# a call of each function trusted to return new memory (``a``, ``b``, ``M``, ``i``: arguments)
SAMPLES = {
    "zeros": "np.zeros(3)", "ones": "np.ones(3)", "empty": "np.empty(3)", "full": "np.full(3, 2.0)",
    "zeros_like": "np.zeros_like(a)", "ones_like": "np.ones_like(a)", "empty_like": "np.empty_like(a)",
    "full_like": "np.full_like(a, 2.0)", "array": "np.array(a)", "astype": "np.astype(a, float)", "copy": "np.copy(a)", "arange": "np.arange(3.0)",
    "linspace": "np.linspace(0, 1, 3)", "logspace": "np.logspace(0, 1, 3)", "geomspace": "np.geomspace(1, 2, 3)",
    "eye": "np.eye(2)", "identity": "np.identity(2)", "tri": "np.tri(2)", "triu": "np.triu(M)", "tril": "np.tril(M)",
    "diagflat": "np.diagflat(a)", "vander": "np.vander(a)", "concatenate": "np.concatenate([a])", "stack": "np.stack([a])",
    "vstack": "np.vstack([a])", "hstack": "np.hstack([a])", "dstack": "np.dstack([a])", "column_stack": "np.column_stack([a])",
    "block": "np.block([a])", "append": "np.append(a, [])", "insert": "np.insert(a, 0, [])", "delete": "np.delete(a, [])",
    "tile": "np.tile(a, 1)", "repeat": "np.repeat(a, 1)", "pad": "np.pad(a, 0)", "roll": "np.roll(a, 0)", "sort": "np.sort(a)",
    "argsort": "np.argsort(i)", "lexsort": "np.lexsort([i])", "partition": "np.partition(a, 1)", "argpartition": "np.argpartition(i, 1)",
    "unique": "np.unique(a)", "cumsum": "np.cumsum(a)", "cumprod": "np.cumprod(a)", "nancumsum": "np.nancumsum(a)",
    "nancumprod": "np.nancumprod(a)", "where": "np.where(a > 1.0, a, b)", "select": "np.select([a > 0], [a])",
    "choose": "np.choose([0, 0, 0, 0], [a])", "interp": "np.interp(a, a, b)", "convolve": "np.convolve(a, [1.0])",
    "correlate": "np.correlate(a, [1.0])", "polyval": "np.polyval([1.0], a)", "cov": "np.cov(a)", "corrcoef": "np.corrcoef(a, b)",
    "bincount": "np.bincount(i)", "digitize": "np.digitize(a, [1.0])", "searchsorted": "np.searchsorted(a, a)",
    "argwhere": "np.argwhere(a)", "flatnonzero": "np.flatnonzero(a)", "take": "np.take(a, i)",
    "take_along_axis": "np.take_along_axis(a, i, 0)", "compress": "np.compress([1, 1, 1, 1], a)", "extract": "np.extract(a > 0, a)",
    "outer": "np.outer(a, 1.0)", "kron": "np.kron(a, 1.0)", "cross": "np.cross(a[:3], b[:3])", "tensordot": "np.tensordot(a, 1.0, 0)",
    "isclose": "np.isclose(a, a)", "meshgrid": "np.meshgrid(a)", "indices": "np.indices((2,))", "diff": "np.diff(a)",
    "ediff1d": "np.ediff1d(a)", "gradient": "np.gradient(a)", "unwrap": "np.unwrap(a)", "sinc": "np.sinc(a)", "i0": "np.i0(a)",
    "fix": "np.fix(a)", "angle": "np.angle(a)", "nan_to_num": "np.nan_to_num(a)", "sort_complex": "np.sort_complex(a)",
    "histogram": "np.histogram(a)", "nonzero": "np.nonzero(a)", "linalg.inv": "np.linalg.inv(M)", "linalg.pinv": "np.linalg.pinv(M)",
    "linalg.solve": "np.linalg.solve(M, a[:2])", "linalg.lstsq": "np.linalg.lstsq(M, a[:2])", "linalg.eig": "np.linalg.eig(M)",
    "linalg.eigh": "np.linalg.eigh(M)", "linalg.eigvals": "np.linalg.eigvals(M)", "linalg.eigvalsh": "np.linalg.eigvalsh(M)",
    "linalg.svd": "np.linalg.svd(M)", "linalg.qr": "np.linalg.qr(M)", "linalg.cholesky": "np.linalg.cholesky(M)",
    "linalg.multi_dot": "np.linalg.multi_dot([M, M])", "linalg.tensorinv": "np.linalg.tensorinv(M, 1)",
    "linalg.tensorsolve": "np.linalg.tensorsolve(M, a[:2])",
    # may return scalars
    "sum": "np.sum(a)", "prod": "np.prod(a)", "mean": "np.mean(a)", "std": "np.std(a)", "var": "np.var(a)",
    "average": "np.average(a)", "median": "np.median(a)", "percentile": "np.percentile(a, 50)", "quantile": "np.quantile(a, 0.5)",
    "nansum": "np.nansum(a)", "nanprod": "np.nanprod(a)", "nanmean": "np.nanmean(a)", "nanstd": "np.nanstd(a)",
    "nanvar": "np.nanvar(a)", "nanmedian": "np.nanmedian(a)", "nanpercentile": "np.nanpercentile(a, 50)",
    "nanquantile": "np.nanquantile(a, 0.5)", "max": "np.max(M, axis=0)", "min": "np.min(M, axis=0)", "amax": "np.amax(M, axis=0)",
    "amin": "np.amin(M, axis=0)", "nanmax": "np.nanmax(M, axis=0)", "nanmin": "np.nanmin(M, axis=0)", "ptp": "np.ptp(M, axis=0)",
    "argmax": "np.argmax(M, axis=0)", "argmin": "np.argmin(M, axis=0)", "nanargmax": "np.nanargmax(M, axis=0)",
    "nanargmin": "np.nanargmin(M, axis=0)", "all": "np.all(M, axis=0)", "any": "np.any(M, axis=0)",
    "count_nonzero": "np.count_nonzero(M, axis=0)", "dot": "np.dot(M, a[:2])", "vdot": "np.vdot(a, b)", "inner": "np.inner(M, M)",
    "trace": "np.trace(M)", "clip": "np.clip(a, 0.0, None)", "round": "np.round(a)", "around": "np.around(a)",
    "trapezoid": "np.trapezoid(M)", "allclose": "np.allclose(a, b)", "array_equal": "np.array_equal(a, a)",
    "linalg.norm": "np.linalg.norm(M, axis=0)", "linalg.det": "np.linalg.det(M)", "linalg.slogdet": "np.linalg.slogdet(M)",
    "linalg.matrix_rank": "np.linalg.matrix_rank(M)", "linalg.cond": "np.linalg.cond(M)",
}
# what the same functions give for arguments of shape () (or reducing to it)
SCALAR_SAMPLES = {
    "dot": "np.dot(z, z)", "trace": "np.trace(M)", "trapezoid": "np.trapezoid(a)", "vdot": "np.vdot(a, b)", "inner": "np.inner(a, b)",
    "percentile": "np.percentile(z, 50)", "quantile": "np.quantile(z, 0.5)", "nanpercentile": "np.nanpercentile(z, 50)",
    "nanquantile": "np.nanquantile(z, 0.5)", "allclose": "np.allclose(z, z)", "array_equal": "np.array_equal(z, z)",
    "linalg.det": "np.linalg.det(M)", "linalg.slogdet": "np.linalg.slogdet(M)", "linalg.matrix_rank": "np.linalg.matrix_rank(M)",
    "linalg.cond": "np.linalg.cond(M)", "clip": "np.clip(z, 0.0, 1.0)", "linalg.norm": "np.linalg.norm(z)",
}


FUNCTIONS = {path: fn for path in SAMPLES for fn in memory._numpy(path)}  # those this NumPy has


def arrays_in(value):
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (tuple, list)):
        return [x for v in value for x in arrays_in(v)]
    return []


def test_every_trusted_function_has_a_sample():
    assert set(FUNCTIONS.values()) == memory.FRESH | memory.FRESH_SCALAR


@pytest.mark.parametrize("path", sorted(FUNCTIONS))
def test_trusted_functions_return_none_of_their_arguments_memory(path):
    args = {"np": np, "a": a.copy(), "b": b.copy(), "M": M.copy(), "i": i.copy(), "z": z.copy()}
    result = eval(SAMPLES[path], args)  # noqa: S307 - the table above
    for out in arrays_in(result):
        for arg in ("a", "b", "M", "i"):
            assert not np.shares_memory(out, args[arg]), (SAMPLES[path], arg)


def test_the_runtime_s_new_tangents_hold_none_of_their_arguments_memory():
    from adgen.runtime import tangents

    assert memory.RUNTIME_FRESH == {tangents.zero_tangent, tangents.tangent_arg}
    x, v = a.copy(), b.copy()
    for out in (tangents.zero_tangent(x), tangents.tangent_arg(x, v, "x")):
        assert not np.shares_memory(out, x) and not np.shares_memory(out, v)
    assert np.shares_memory(tangents.tangent_arg(x, v, "x", copy=False), v)  # not new: not trusted


@pytest.mark.parametrize("path", sorted(p for p, fn in FUNCTIONS.items() if fn in memory.FRESH_SCALAR))
def test_functions_trusted_for_scalars_return_scalars_where_the_shape_is_empty(path):
    call = SCALAR_SAMPLES.get(path, f"np.{path}(z)")
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


def test_trusted_functions_with_a_copy_or_overwrite_parameter_are_trusted_only_with_its_safe_value():
    # numpy's namespace: every function that may return (or overwrite) its argument by a keyword
    risky = {"copy", "overwrite_input", "overwrite_a", "overwrite_b", "inplace"}
    trusted = memory.FRESH | memory.FRESH_SCALAR
    for module in (np, np.linalg):
        for name in dir(module):
            fn = getattr(module, name)
            if callable(fn) and any(fn is t for t in trusted):
                try:
                    params = set(inspect.signature(fn).parameters)
                except (TypeError, ValueError):
                    continue
                assert params & risky <= set(memory.KEEPS_FRESH), name
