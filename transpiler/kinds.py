"""Values whose type changes what operators and NumPy functions mean, found statically.

The rules follow NumPy arrays and Python numbers. A function that makes an
``np.matrix`` (``*`` is a matrix product), a masked array (masked entries take
no part), a character or record array, or that reads such a value from a
global or closure variable, would be differentiated as if it held arrays:
AD309. Arguments are checked when the gradient runs (``runtime/kinds.py``,
AD410).
"""

import ast

import numpy as np

from adgen import errors
from adgen.resolve import names_read, yours
from adgen.runtime import kinds as runtime_kinds

# modules whose functions make arrays of those kinds (np.ma.array, np.asmatrix, np.char.array, np.rec.array)
ODD_MODULES = ("numpy.ma", "numpy.matrixlib", "numpy.char", "numpy._core.defchararray", "numpy.rec", "numpy._core.records")
ODD_FUNCTIONS = (np.asmatrix, np.bmat)  # make matrices, but say they are in numpy
ODD_NAMES = {"ma", "matrix", "asmatrix", "bmat", "masked_array", "recarray", "chararray"}  # in a function of yours


def check(body, resolver, diags):
    """AD309 for each call that makes, and each global read that holds, a value of an odd kind."""
    for stmt in body:
        _visit(stmt, resolver, diags)


def _visit(node, resolver, diags):
    if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load):
        found, value = resolver.data_of(node)
        if found:  # a module-level value: its dotted parts are modules, nothing to look into
            why = runtime_kinds.odd_kind(value) if not isinstance(value, type) else None
            if why:
                diags.report(node, errors.AD309_ODD_VALUE, name=ast.unparse(node), why=why)
            return
    elif isinstance(node, ast.Call):
        made = _makes(node, resolver)
        if made:
            diags.report(node, errors.AD309_ODD_MAKER, name=ast.unparse(node.func), made=made)
    for child in ast.iter_child_nodes(node):
        _visit(child, resolver, diags)


def _makes(call, resolver):
    """The odd kind of value ``call`` makes (``"a numpy.matrix"``), or None."""
    found, fn = resolver.value_of(call.func)
    if found and _odd_maker(fn):
        return f"a {_name(fn)}" if isinstance(fn, type) else _KINDS[next(k for k in _KINDS if _name(fn).startswith(k))]
    if found and yours(fn):  # a function of yours that reads one, or whose text makes one
        if ODD_NAMES & names_read(fn.__code__):
            return "an array of such a kind (its code names one)"
        why = next(filter(None, (runtime_kinds.odd_kind(v) for _, v in resolver.read_by(fn) if not isinstance(v, type))), None)
        if why:
            return f"what it reads, {why.partition(',')[0]}"
    if isinstance(call.func, ast.Attribute) and call.func.attr == "view":  # x.view(np.matrix), x.view(type=...)
        for arg in call.args + [k.value for k in call.keywords]:
            found, cls = resolver.value_of(arg)
            if found and isinstance(cls, type) and _odd_maker(cls):
                return f"a {_name(cls)}"
    return None


def _odd_maker(fn):
    if isinstance(fn, type):
        return issubclass(fn, np.ndarray) and not issubclass(fn, np.memmap) and fn is not np.ndarray
    module = getattr(fn, "__module__", None) or ""
    return callable(fn) and (module.startswith(ODD_MODULES) or any(fn is f for f in ODD_FUNCTIONS))


_KINDS = {
    "numpy.ma": "a masked array",
    "numpy.rec": "a record array",
    "numpy._core.records": "a record array",
    "numpy.char": "a character array",
    "numpy._core.defchararray": "a character array",
    "": "an np.matrix",  # np.asmatrix, np.bmat, numpy.matrixlib
}


def _name(obj):
    return f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', repr(obj))}"
