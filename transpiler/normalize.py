"""Small rewrites, one job each, that leave a smaller language to differentiate.

Each pass takes and returns a list of statements; positions are kept
(``ast.copy_location``) so that diagnostics and ``# line`` comments stay right.

- ``strip_docstring``: ``\"\"\"Doc.\"\"\"`` -> (nothing)
- ``split_augassign``: ``x += e`` -> ``x = x + e`` (marked ``Mark.inplace``: on an array
  the user's code changes it in place, which ``aliasing`` checks nothing else sees);
  ``y[i] += e`` -> ``y[i] = y[i] + e``
- ``plain_assign``: ``x: float = e`` -> ``x = e``; ``a = b = e`` -> ``a = e; b = a``
- ``unpack_tuples``: ``a, b = e1, e2`` -> ``a = e1; b = e2`` (through temporaries
  when a target is read on the right, as in ``a, b = b, a``)
"""

import ast

from adgen.marks import mark
from adgen.names import Names
from adgen.syntax import at, names_in, walk


def _name(id, ctx, where):
    return at(ast.Name(id=id, ctx=ctx), where)


def strip_docstring(body, names):
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        return body[1:]
    return body


def split_augassign(body, names):
    out = []
    for stmt in body:
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            read = _name(stmt.target.id, ast.Load(), stmt.target)
            value = at(ast.BinOp(left=read, op=stmt.op, right=stmt.value), stmt)
            stmt = at(ast.Assign(targets=[stmt.target], value=value), stmt)
            mark(stmt, inplace=True)
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Subscript):
            target = stmt.target
            if not reads_only_names(target.slice):  # evaluate the index once
                index = names.temp()
                out.append(at(ast.Assign(targets=[_name(index, ast.Store(), target)], value=slice_value(target.slice)), stmt))
                target = at(ast.Subscript(value=target.value, slice=_name(index, ast.Load(), target), ctx=ast.Store()), target)
            read = at(ast.Subscript(value=target.value, slice=target.slice, ctx=ast.Load()), target)
            value = at(ast.BinOp(left=read, op=stmt.op, right=stmt.value), stmt)
            stmt = at(ast.Assign(targets=[target], value=value), stmt)
        out.append(stmt)
    return out


def slice_value(index):
    """``index`` as a value outside brackets: ``1:n`` -> ``slice(1, n, None)``, in a tuple too."""
    if isinstance(index, ast.Slice):
        parts = [index.lower, index.upper, index.step]
        while len(parts) > 1 and parts[-1] is None and (len(parts) > 2 or parts[0] is None):
            parts.pop()  # slice(None), slice(a, None), slice(None, b), slice(a, b, c)
        args = [p if p is not None else ast.Constant(None) for p in parts]
        return at(ast.Call(func=_name("slice", ast.Load(), index), args=args, keywords=[]), index)
    if isinstance(index, ast.Tuple):
        return at(ast.Tuple(elts=[slice_value(e) for e in index.elts], ctx=ast.Load()), index)
    return index


def reads_only_names(index):
    """An index made of names, numbers, slices and ``+``/``-`` on them, cheap and safe to
    evaluate twice."""
    for node in walk(index):
        if isinstance(node, ast.BinOp) and not isinstance(node.op, (ast.Add, ast.Sub)):
            return False
        if not isinstance(node, (ast.Name, ast.Constant, ast.Slice, ast.Tuple, ast.BinOp, ast.UnaryOp, ast.expr_context, ast.operator, ast.unaryop)):
            return False
    return True


def plain_assign(body, names):
    out = []
    for stmt in body:
        if isinstance(stmt, ast.AnnAssign):
            if stmt.value is None:
                continue
            stmt = at(ast.Assign(targets=[stmt.target], value=stmt.value), stmt)
        if isinstance(stmt, ast.Assign) and len(stmt.targets) > 1:
            first, *rest = stmt.targets
            out.append(at(ast.Assign(targets=[first], value=stmt.value), stmt))
            for target in rest:
                out.append(at(ast.Assign(targets=[target], value=_copy_as_load(first)), stmt))
            continue
        out.append(stmt)
    return out


def _copy_as_load(target):
    if isinstance(target, ast.Name):
        return _name(target.id, ast.Load(), target)
    return at(ast.Tuple(elts=[_copy_as_load(e) for e in target.elts], ctx=ast.Load()), target)


def _reads(node):
    return names_in(node)


def unpack_tuples(body, names):
    out = []
    for stmt in body:
        if (
            isinstance(stmt, ast.Assign)
            and isinstance(stmt.targets[0], (ast.Tuple, ast.List))
            and isinstance(stmt.value, (ast.Tuple, ast.List))
            and len(stmt.targets[0].elts) == len(stmt.value.elts)
            and all(isinstance(t, ast.Name) for t in stmt.targets[0].elts)
        ):
            targets, values = stmt.targets[0].elts, stmt.value.elts
            written = {t.id for t in targets}
            clash = any(_reads(v) & written for v in values[1:])
            if not clash:
                out.extend(at(ast.Assign(targets=[t], value=v), stmt) for t, v in zip(targets, values))
                continue
            temps = [names.temp() for _ in values]
            out.extend(at(ast.Assign(targets=[_name(t, ast.Store(), stmt)], value=v), stmt) for t, v in zip(temps, values))
            out.extend(at(ast.Assign(targets=[tg], value=_name(t, ast.Load(), stmt)), stmt) for tg, t in zip(targets, temps))
            continue
        out.append(stmt)
    return out


def distinct_targets(body, names):
    """``_, s, _ = f(a)`` -> ``_t1, s, _ = f(a)``: a name unpacked into more than once keeps
    its last value, as in Python, and the others get names of their own, so that the
    result read back from the targets (a rule's ``ans``) is the whole result."""
    for stmt in body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], (ast.Tuple, ast.List)):
            elts = stmt.targets[0].elts
            ids = [e.id if isinstance(e, ast.Name) else None for e in elts]
            for k, e in enumerate(elts):
                if ids[k] is not None and ids[k] in ids[k + 1:]:
                    elts[k] = _name(names.temp(), ast.Store(), e)
    return body


PASSES = [split_augassign, plain_assign, distinct_targets, unpack_tuples]


def nested(body, fn):
    """Apply ``fn`` (a list of statements -> a list) to ``body`` and to every block
    nested in it, innermost first."""
    for stmt in body:
        for field in ("body", "orelse"):
            if isinstance(stmt, (ast.If, ast.For, ast.While)):
                setattr(stmt, field, nested(getattr(stmt, field), fn))
    return fn(body)


def run(body, names: Names):
    body = strip_docstring(body, names)
    for p in PASSES:
        body = nested(body, lambda b, p=p: p(b, names))
    return body
