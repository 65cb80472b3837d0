"""The run-time support of adgen's generated gradient modules.

Generated code imports this package as ``_rt`` and calls only the names in ``PUBLIC``:
one flat, stable surface (``_rt.expand``, never ``_rt.rules.reductions.expand``), so a
committed gradient does not change when a helper moves between the runtime's files. A
rule that generated code calls rather than pastes is ``_rt.vjps.<its name>``. The
package depends on NumPy alone, never on the transpiler (``adgen`` itself).
"""

import importlib

from adgen.runtime import container_adjoints  # noqa: F401  (adjoints of lists, tuples and dicts)
from adgen.runtime.backends import as_array, eye, like
from adgen.runtime.callbacks import Closure, attribute, callback_vjp, closure, constant_attribute
from adgen.runtime.chains import chained_index
from adgen.runtime.container_adjoints import Adj, AdjDict, drop_last, part, push
from adgen.runtime.core import (
    ONES,
    GradientError,
    Tape,
    as_grad,
    as_grads,
    aux_of,
    copied,
    default,
    float_dtype,
    freevar,
    nonzero,
    seed,
    sum_to,
    unbroadcast,
    zero_for_real,
    zeros_for,
)
from adgen.runtime.debug import DebugTape, check_finite
from adgen.runtime.inplace import along_axis, apart, cut_at, immutable, lent, returned, take_at, zero_at
from adgen.runtime.items import array_copy, with_item
from adgen.runtime.kinds import plain_args, real_args, selecting
from adgen.runtime.modules import user_module
from adgen.runtime.singular import over, times

# isort: split
# last, as before: the rule modules import this package as ``_rt``, complete by then
from adgen.runtime import rules  # noqa: F401  (registers every built-in rule)

# name -> (where it lives, below ``adgen.runtime``; what generated code uses it for)
PUBLIC = {
    # the tape, seeds and gradients
    "Tape": ("core.Tape", "the values the forward pass records for the backward pass"),
    "DebugTape": ("debug.DebugTape", "a tape that checks each pop against its push (--debug)"),
    "check_finite": ("debug.check_finite", "AD407 when a backward statement makes an adjoint non-finite (--debug)"),
    "seed": ("core.seed", "the seed of the backward pass, checked against the result"),
    "aux_of": ("core.aux_of", "the auxiliary value of a function differentiated with has_aux"),
    "as_grad": ("core.as_grad", "an adjoint as the gradient of its argument: its type, shape and dtype"),
    "as_grads": ("core.as_grads", "as_grad for several arguments, no two sharing memory"),
    "real_args": ("kinds.real_args", "refuse arguments of a kind (or, specialised, a shape) the gradient does not cover"),
    "plain_args": ("kinds.plain_args", "real_args for a gradient generated for complex arguments"),
    "copied": ("core.copied", "a value with every array in it copied"),
    "user_module": ("modules.user_module", "the user's module, by name and path, for the globals it reads"),
    "freevar": ("core.freevar", "the value a closure variable of a function holds now"),
    "default": ("core.default", "the default value of a function's parameter"),
    # arrays of other libraries (CuPy's, Dask's)
    "as_array": ("backends.as_array", "np.asarray that keeps another library's array in its library"),
    # cotangent arithmetic
    "unbroadcast": ("core.unbroadcast", "sum a cotangent over the axes its operand was broadcast along"),
    "sum_to": ("core.sum_to", "unbroadcast to a recorded shape"),
    "expand": ("rules.reductions.expand", "the cotangent of a sum broadcast back to the summed shape"),
    "nonzero": ("core.nonzero", "is a cotangent other than the scalar 0.0 that stands for any zero"),
    "zeros_for": ("core.zeros_for", "a fresh zero gradient of an array's shape, added into entry by entry"),
    "entries_of": ("core.entries_of", "the cotangent of an array built from a list of numbers, one entry each"),
    "zero_for_real": ("core.zero_for_real", "the zero cotangent of a value adgen judged real"),
    "over": ("singular.over", "g / den (g * num / den), exactly 0 where g is 0"),
    "times": ("singular.times", "g * factor, exactly 0 where g is 0"),
    "matmul_x1": ("rules.linalg.matmul_x1", "the cotangent of x1 in x1 @ x2"),
    "matmul_x2": ("rules.linalg.matmul_x2", "the cotangent of x2 in x1 @ x2"),
    "scatter": ("rules.selection.scatter", "a zero cotangent with g at a[index] (or at an attribute or key)"),
    "scatter_add": ("rules.selection.scatter_add", "acc + scatter(g, a, index), into acc in place when it can"),
    # in-place stores and aliasing
    "cut_at": ("inplace.cut_at", "split a cotangent at the entries a store overwrote"),
    "zero_at": ("inplace.zero_at", "a cotangent with the entries a store overwrote zeroed"),
    "take_at": ("inplace.take_at", "the cotangent of what y[index] += v added"),
    "along_axis": ("inplace.along_axis", "the index through which np.put_along_axis stores"),
    "chained_index": ("chains.chained_index", "one index for a chain of indexing a[i][j]"),
    "with_item": ("items.with_item", "a new list, tuple or dict with one item replaced"),
    "array_copy": ("items.array_copy", "a copy of an array item before a chained store into it"),
    "apart": ("inplace.apart", "check that two arguments share no memory"),
    "immutable": ("inplace.immutable", "check that an in-place change binds a new value"),
    "lent": ("inplace.lent", "before a call adgen cannot follow: the value, to compare after"),
    "returned": ("inplace.returned", "after that call: put the value back if it changed"),
    "selecting": ("kinds.selecting", "an object after checking that indexing it only selects"),
    # lists, tuples, dicts and objects
    "part": ("container_adjoints.part", "the adjoint of one item of a container's adjoint"),
    "push": ("container_adjoints.push", "the adjoint of a list before xs.pop(index)"),
    "drop_last": ("container_adjoints.drop_last", "the adjoint of a list before its last item was appended"),
    "put_back": ("container_adjoints.put_back", "undo item = xs.pop(index)"),
    "copy_back": ("container_adjoints.like", "the adjoint of a copy (list(x), tuple(x)) given back to x"),
    "dict_back": ("container_adjoints.dict_back", "the adjoint of source in dict(source)"),
    "per_output": ("rules.arrays._per_output", "the cotangent of a tuple result, one per output"),
    # functions of the user's passed to a library, and library objects
    "closure": ("callbacks.closure", "a lifted nested function with the values it captured"),
    "callback_vjp": ("callbacks.callback_vjp", "the VJP of a function of the user's that a library calls"),
    "attribute": ("callbacks.attribute", "the differentiated attribute of a library result (sol.y)"),
    "constant_attribute": ("callbacks.constant_attribute", "another attribute of such a result, not differentiated"),
    "unfrozen": ("rules.scipy_stats.unfrozen", "the distribution of a frozen scipy.stats distribution"),
    "frozen_parameters": ("rules.scipy_stats.parameters", "the parameters a frozen distribution appends to its methods"),
    # forward mode (jvp_ functions)
    "tangent_arg": ("tangents.tangent_arg", "a tangent given for an argument, checked and copied"),
    "zero_tangent": ("tangents.zero_tangent", "the zero tangent of a value"),
    "fit": ("tangents.fit", "a tangent broadcast to its value's shape"),
    "tuple_tangent_sum": ("tangents.tuple_tangent_sum", "the sum of tuple tangents, entry by entry"),
    "elementwise_jvp": ("tangents.elementwise_jvp", "the tangent through an elementwise rule generated code calls"),
    "gradient_of": ("nested.gradient_of", "a gradient function called inside a differentiated function"),
    "gradient_tangent": ("nested.gradient_tangent", "the tangent of a gradient function's result: a Hessian-vector product"),
    "with_tangent_item": ("tangents.with_tangent_item", "the tangent of with_item: a new container with one tangent replaced"),
    "chosen": ("tangents.chosen", "the position of the argument builtin max/min returned, whose tangent is the result's"),
    "jvps": ("vjps", "the built-in forward rules by name, for those generated code calls rather than pastes"),
    # derivative rules, and what pasted rules reach
    "vjps": ("vjps", "the built-in rules by name, for those generated code calls rather than pastes"),
    "rule_of": ("registry.rule_of", "a user's rule no module holds by name, found by its primal"),
    "cotangents": ("registry.cotangents", "a source-less rule's result as one cotangent per parameter"),
    "moved": ("rules.arrays._moved", "the cotangent of an input whose entries were moved, summed back"),
    "numbers": ("rules.arrays._numbers", "the entries' numbers 0..size-1, shaped like x"),
    "marks": ("rules.arrays._marks", "-1 everywhere, shaped like x: entries that came from elsewhere"),
    "full_cot": ("rules.arrays._full_cot", "the cotangent of a 'same'/'valid' convolution in the full one"),
    "partition_back": ("rules.arrays._partition_back", "the cotangent of a permutation along an axis"),
    "rolled_axes": ("rules.arrays._rolled", "the axes in the order np.rollaxis puts them"),
    "cofactors": ("rules.linalg.cofactors", "the matrix of cofactors, d det(A) / dA"),
    "cond_cot": ("rules.linalg._cond_cot", "the cotangent of np.linalg.cond"),
    "eig_cot": ("rules.decompositions._eig_cot", "the cotangent of a in w, v = eig(a)"),
    "eigvals_cot": ("rules.decompositions._eigvals_cot", "the cotangent of a in eigvals(a)"),
    "matrix_power_cot": ("rules.decompositions._matrix_power_cot", "the cotangent of a in matrix_power(a, n)"),
    "multi_dot_cot": ("rules.decompositions._multi_dot_cot", "the cotangents of multi_dot's matrices"),
    "qr_cot": ("rules.decompositions._qr_cot", "the cotangent of a in q, r = qr(a)"),
    "tensorinv_cot": ("rules.decompositions._tensorinv_cot", "the cotangent of a in tensorinv(a, ind)"),
    "bessel_i1": ("rules.elementwise._i1", "the modified Bessel function I1, the slope of I0"),
    "fft_axes": ("rules.fft._axes", "the transformed axes of an n-dimensional FFT"),
    "fft_cot": ("rules.fft._complex_cot", "the cotangent of a complex FFT"),
    "rfft_cot": ("rules.fft._rfft_cot", "the cotangent of a real-input FFT"),
    "irfft_cot": ("rules.fft._irfft_cot", "the cotangent of an inverse real FFT"),
    "fft_adjoint_norm": ("rules.fft._SWAP", "the norm of the adjoint transform, by the primal's norm"),
    "poly_cot": ("rules.polynomials._poly_cot", "the cotangent of np.poly's zeros"),
    "polyder_cot": ("rules.polynomials._polyder_cot", "the cotangent of p in polyder(p, m)"),
    "roots_cot": ("rules.polynomials._roots_cot", "the cotangent of p in roots(p)"),
    "poly_tail": ("rules.polynomials._tail", "the last entries of g, as polynomials align"),
    "block_cot": ("rules.shape._block_cot", "the cotangents of np.block's leaves"),
    "astype_back": ("rules.shape.astype", "the cotangent of a in a.astype(dtype)"),
    "unravel_k": ("rules.shape.unravel_k", "the cotangent of np.ravel(a, order='K')"),
    "quantile_cot": ("rules.statistics._quantile_cot", "the cotangent of a in quantile(a, q)"),
    "revcumsum": ("rules.statistics._revcumsum", "the reversed cumulative sum along an axis"),
    "cholesky_cot": ("rules.scipy_linalg._cholesky_cot", "the cotangent of scipy.linalg.cholesky's input"),
    "expm_cot": ("rules.scipy_linalg._expm_cot", "the cotangent of scipy.linalg.expm's input"),
    "scipy_inv_cot": ("rules.scipy_linalg._inv_cot", "the cotangent of scipy.linalg.inv's input"),
    "lu_factor_cot": ("rules.scipy_linalg._lu_factor_cot", "the cotangent of scipy.linalg.lu_factor's input"),
    "scipy_qr_cot": ("rules.scipy_linalg._qr_cot", "the cotangent of scipy.linalg.qr's input"),
    "sqrtm_cot": ("rules.scipy_linalg._sqrtm_cot", "the cotangent of scipy.linalg.sqrtm's input"),
    "ellip_slopes": ("rules.scipy_special._ellip_slopes", "the slopes of ellipk and ellipe"),
    "exprel_slope": ("rules.scipy_special._exprel_slope", "the slope of exprel"),
    "rgamma_slope": ("rules.scipy_special._rgamma_slope", "the slope of rgamma"),
}

__all__ = ["GradientError", "ONES", "Adj", "AdjDict", "Closure", "float_dtype", *PUBLIC]


def public_name(place):
    """The public name of the helper at ``place`` below ``adgen.runtime``
    (``"rules.reductions.expand"`` -> ``"expand"``), or None."""
    return _BY_PLACE.get(place)


_BY_PLACE = {place: name for name, (place, _) in PUBLIC.items()} | {name: name for name in PUBLIC}


def __getattr__(name):
    """A public helper not imported above (one of a rule family's, perhaps of an optional
    library's), imported on first use and kept."""
    if name not in PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, _, attr = PUBLIC[name][0].rpartition(".")
    value = importlib.import_module(f"{__name__}.{attr}") if not module else getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    globals()[name] = value
    return value
