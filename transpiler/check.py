"""What ``adgen check`` reports: the diagnostics of a function, errors and
warnings, gathered by running the whole pipeline on it (the supported-subset table
it meets first is ``subset.py``)."""

import ast
import dataclasses
import inspect
import os
import warnings

from adgen import source
from adgen.errors import AdgenWarning, TranspileError
from adgen.pipeline import transform
from adgen.syntax import clone, walk


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

    The pipeline stops at the first stage that finds errors. When that is the check of
    the supported syntax (AD1xx), the function is checked again without the statements
    it refused, so that unresolvable names and missing rules (AD2xx) and the like show
    in the same run.
    """
    src = source.load(fn)
    found, caught = _run(src, wrt)
    refused = [d for d in found if d.code.startswith("AD1") and d.code not in ("AD110", "AD113")]  # AD113: too deep to copy
    if refused and len(refused) == len(found):
        trimmed, removed = _without(src, refused)
        more, _ = _run(trimmed, wrt)
        seen = {(d.line, d.col, d.code) for d in found}
        found += [d for d in more if (d.line, d.col, d.code) not in seen and not _about(d, removed)]
    return sorted(found, key=lambda d: (d.line, d.col)) + caught


def _run(src, wrt):
    """(errors, warnings) of transforming ``src``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AdgenWarning)
        try:
            transform(src, wrt)
            found = []
        except TranspileError as exc:
            found = list(exc.diagnostics)
    return found, [w.message.diagnostic for w in caught if isinstance(w.message, AdgenWarning)]


def _without(src, refused):
    """``(src with each refused statement replaced by pass, the names they assigned)``;
    a refused ``*args``/``**kwargs`` is dropped from the signature."""
    func = clone(src.func)
    lines = {(d.line, d.col) for d in refused}
    removed = set()

    def hit(node):
        return any(
            (getattr(n, "lineno", None), getattr(n, "col_offset", -2) + 1) in lines
            for n in walk(node) if not isinstance(n, (ast.expr_context, ast.operator))
        )

    def trim(body):
        out = []
        for stmt in body:
            compound = isinstance(stmt, (ast.If, ast.For, ast.While)) and (stmt.lineno, stmt.col_offset + 1) not in lines
            if compound:
                stmt.body = trim(stmt.body) or [ast.Pass()]
                stmt.orelse = trim(stmt.orelse)
                if isinstance(stmt, (ast.For, ast.While)) and hit(stmt.iter if isinstance(stmt, ast.For) else stmt.test):
                    stmt = ast.Pass()
            elif hit(stmt):
                removed.update(n.id for n in walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
                removed.update(getattr(n, "name", "") for n in walk(stmt) if isinstance(n, (ast.FunctionDef, ast.ClassDef)))
                stmt = ast.copy_location(ast.Pass(), stmt)
            out.append(stmt)
        return out

    func.body = trim(func.body) or [ast.Pass()]
    func.args.vararg = func.args.kwarg = None
    return dataclasses.replace(src, func=func), removed


def _about(diagnostic, names):
    """Is ``diagnostic`` an undefined-name error for one of ``names`` (assigned only by a
    statement the second check left out)?"""
    return diagnostic.code == "AD202" and any(f"`{n}`" in diagnostic.message for n in names)
