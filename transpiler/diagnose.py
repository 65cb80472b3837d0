"""What ``adgen check`` reports: the diagnostics of a function, errors and
warnings, gathered by running the whole pipeline on it."""

import ast
import inspect
import os
import warnings

from transpiler import source
from transpiler.errors import AdgenWarning, TranspileError
from transpiler.pipeline import transform


def functions_in(module, path):
    """The functions ``def``-ined at the top level of ``path`` (``module``'s file), in
    order, and (name, reason) for those not checked."""
    with open(path, "rb") as f:
        tree = ast.parse(f.read(), path)
    found, skipped = [], []
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        fn = getattr(module, node.name, None)
        fn = getattr(fn, "primal", fn)  # decorated with @grad
        code = getattr(fn, "__code__", None)
        if code is None or os.path.abspath(code.co_filename) != os.path.abspath(path):
            skipped.append((node.name, "the module binds the name to something else"))
        elif not inspect.signature(fn).parameters:
            skipped.append((node.name, "it has no parameters to differentiate"))
        elif fn not in found:
            found.append(fn)
    return found, skipped


def diagnose(fn, wrt):
    """Every diagnostic of the function ``fn`` differentiated with respect to ``wrt``.

    The pipeline stops at the first stage that finds errors (with all of that
    stage's diagnostics), so errors of later stages show once those are fixed.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AdgenWarning)
        try:
            transform(source.load(fn), wrt)
            found = []
        except TranspileError as exc:
            found = list(exc.diagnostics)
    return found + [w.message.diagnostic for w in caught if isinstance(w.message, AdgenWarning)]
