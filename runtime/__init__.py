"""The run-time support of adgen's generated gradient modules.

Generated code imports this package as ``_rt`` and calls only what it
exports. It depends on NumPy alone, never on the transpiler (``adgen`` itself).
"""

from adgen.runtime.core import GradientError, ONES, Tape, aux_of, copied, as_grad, as_grads, check_shapes, float_dtype, freevar, nonzero, seed, sum_to, unbroadcast, zero_for_real, zeros_for, default
from adgen.runtime.chains import chained_index
from adgen.runtime.items import array_copy, with_item
from adgen.runtime.callbacks import Closure, attribute, callback_vjp, closure, constant_attribute
from adgen.runtime.debug import DebugTape, check_finite
from adgen.runtime.inplace import along_axis, apart, cut_at, immutable, lent, returned, take_at, zero_at
from adgen.runtime.kinds import plain_args, real_args, selecting
from adgen.runtime.modules import user_module
from adgen.runtime.registry import is_nondiff, lookup, nondiff, vjp
from adgen.runtime.singular import over, times
from adgen.runtime import trees  # noqa: F401  (adjoints of lists, tuples and dicts)
from adgen.runtime.trees import Adj, AdjDict, drop_last, part, push
from adgen.runtime import rules  # noqa: F401  (registers every built-in rule)

__all__ = [
    "GradientError",
    "ONES",
    "aux_of",
    "Closure",
    "callback_vjp",
    "closure",
    "attribute",
    "constant_attribute",
    "check_shapes",
    "Tape",
    "as_grad",
    "as_grads",
    "float_dtype",
    "freevar",
    "default",
    "zeros_for",
    "zero_for_real",
    "nonzero",
    "seed",
    "unbroadcast",
    "sum_to",
    "copied",
    "DebugTape",
    "check_finite",
    "along_axis",
    "chained_index",
    "with_item",
    "array_copy",
    "apart",
    "selecting",
    "real_args",
    "plain_args",
    "cut_at",
    "immutable",
    "lent",
    "returned",
    "zero_at",
    "take_at",
    "user_module",
    "vjp",
    "nondiff",
    "lookup",
    "is_nondiff",
    "rules",
    "trees",
    "Adj",
    "AdjDict",
    "part",
    "drop_last",
    "push",
    "over",
    "times",
]
