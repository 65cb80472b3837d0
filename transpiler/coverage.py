"""The NumPy coverage table: every public callable of ``numpy``, ``numpy.linalg`` and
``numpy.fft``, and every ``ndarray`` method, classified from the registry as

- **rule**: a derivative rule is registered;
- **non-differentiable**: declared so (``nondiff``), its result carries no derivative;
- **refused**: a call with a differentiated argument is an error, for the reason given.

``python -m adgen.coverage`` prints the table; ``runtime/rules/COVERAGE.md`` is that
output, and a test keeps the two the same.
"""

import types
import warnings

import numpy as np

import adgen.runtime  # noqa: F401 - registers the built-in rules
from adgen.runtime import registry

NAMESPACES = (("np", np), ("np.linalg", np.linalg), ("np.fft", np.fft), ("ndarray", np.ndarray))

# Why a callable without a rule has none, by name (``namespace.name`` or a bare name for
# every namespace). What is not listed has no rule yet: AD201, and ``@defvjp`` adds one.
_REASONS = {
    "changes an array in place; write the update as an assignment (`x[i] = v`), which adgen differentiates": (
        "copyto place put putmask fill_diagonal ndarray.fill ndarray.put ndarray.sort ndarray.partition "
        "ndarray.resize ndarray.setfield ndarray.setflags ndarray.byteswap"),
    "reads or writes files, bytes or text; nothing to differentiate": (
        "save savez savez_compressed savetxt load loadtxt genfromtxt fromfile fromregex fromstring frombuffer "
        "fromiter from_dlpack memmap array2string array_repr array_str base_repr binary_repr "
        "format_float_positional format_float_scientific datetime_as_string typename info show_config "
        "show_runtime get_include test np.linalg.test np.fft.test ndarray.dump ndarray.dumps ndarray.tofile "
        "ndarray.tobytes ndarray.tolist ndarray.item ndarray.to_device"),
    "sets or reads NumPy's settings": (
        "errstate geterr seterr geterrcall seterrcall getbufsize setbufsize get_printoptions set_printoptions "
        "printoptions"),
    "integer, bit or date arithmetic; its results are not real-valued functions of real inputs": (
        "bincount bitwise_count bitwise_left_shift bitwise_right_shift left_shift right_shift gcd lcm packbits "
        "unpackbits busday_count busday_offset is_busday isnat datetime_data"),
    "calls a Python function of yours per element or slice, which adgen cannot see into; write the loop": (
        "apply_along_axis apply_over_axes frompyfunc fromfunction vectorize piecewise"),
    "the size of its result depends on the values (a set or a histogram of them), so it has no derivative "
    "with respect to them": (
        "unique unique_all unique_counts unique_inverse unique_values intersect1d union1d setdiff1d setxor1d isin "
        "histogram histogram2d histogramdd histogram_bin_edges extract compress trim_zeros ndarray.compress"),
    "describes types, memory or shapes, not values": (
        "can_cast result_type promote_types min_scalar_type mintypecode common_type isdtype issubdtype "
        "may_share_memory shares_memory isfortran iterable broadcast_shapes finfo iinfo ndarray.view "
        "ndarray.getfield np.linalg.LinAlgError"),
}
# Callables without a rule that the transpiler differentiates as the statements they are
STATEMENTS = {np.put_along_axis: "as a statement, the store it makes (`a[index] = values`), which adgen differentiates"}
_REASON_OF = {name: reason for reason, names in _REASONS.items() for name in names.split()}
_TYPE = "a type: calling it builds an object or converts to another type (only float64 and complex128 conversions differentiate)"
_MISSING = "no derivative rule yet (AD201); `@defvjp` adds one"


def callables(obj):
    """``(name, value)`` of the public callables of ``obj``, sorted by name."""
    found = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reading a deprecated name warns
        for name in sorted(dir(obj)):
            if name.startswith("_"):
                continue
            try:
                value = getattr(obj, name)
            except AttributeError:
                continue
            if callable(value) and not isinstance(value, types.ModuleType):
                found.append((name, value))
    return found


def classify(namespace, name, value):
    """``("rule" | "non-differentiable" | "refused", reason)``."""
    if registry.lookup(value) is not None:
        return "rule", ""
    if any(value is f for f in STATEMENTS):
        return "rule", STATEMENTS[value]
    if registry.is_nondiff(value):
        return "non-differentiable", ""
    reason = _REASON_OF.get(f"{namespace}.{name}") or (_REASON_OF.get(name) if namespace == "np" else None)
    if reason is None and isinstance(value, type):
        reason = _TYPE
    return "refused", reason or _MISSING


def table():
    """The Markdown page: a count per namespace, then one row per callable."""
    rows, counts = [], []
    for namespace, obj in NAMESPACES:
        kinds = {"rule": 0, "non-differentiable": 0, "refused": 0}
        for name, value in callables(obj):
            kind, reason = classify(namespace, name, value)
            kinds[kind] += 1
            rows.append(f"| `{namespace}.{name}` | {kind} | {reason} |")
        counts.append(f"| `{namespace}` | {kinds['rule']} | {kinds['non-differentiable']} | {kinds['refused']} |")
    head = [
        "# What adgen differentiates in NumPy",
        "",
        f"Generated from adgen's registry by `python -m adgen.coverage` (NumPy {np.__version__}); a test keeps it in sync.",
        "**rule**: differentiated. **non-differentiable**: its result carries no derivative (it may be called on",
        "differentiated values). **refused**: a differentiated argument is an error, for the reason given.",
        "",
        "| namespace | rule | non-differentiable | refused |",
        "|---|---|---|---|",
        *counts,
        "",
        "| callable | kind | why refused |",
        "|---|---|---|",
    ]
    return "\n".join(head + rows) + "\n"


if __name__ == "__main__":
    print(table(), end="")
