"""Where a function of the user's changes one of its parameters in place, for messages.

``effects`` says *whether* a function may change a parameter; this finds the statement
that does, following calls of other functions of the user's that are passed it::

    def show(u):           # store_into(show, "u") -> (its file, 3, "u[0] = 0.0")
        clip(u)
    def clip(u):
        u[0] = 0.0

Only stores written on the parameter's own name count (``u[i] = v``, ``u.attr = v``,
``u += v``, ``u.fill(0)``, ``np.copyto(u, v)``, ``out=u``, a call passing ``u`` to a
function that stores into it); a change through another name, or by a callee without
source, is found when the gradient runs (``aliasing``'s ``lent`` check).
"""

import ast
import types

from adgen import lift, memory, source
from adgen.effects import own_statements
from adgen.errors import AdgenError
from adgen.syntax import walk


def _source_of(fn):
    if isinstance(fn, lift.Lifted):
        return fn.src
    if not isinstance(fn, types.FunctionType):
        return None
    try:
        return source.load(fn)
    except (AdgenError, OSError, TypeError):
        return None


def store_into(fn, param, effects, seen=None):
    """``(filename, line, statement text)`` of a statement of ``fn`` that changes its
    parameter ``param`` in place, or None."""
    seen = set() if seen is None else seen
    if (id(fn), param) in seen:
        return None
    seen.add((id(fn), param))
    src = _source_of(fn)
    if src is None:
        return None
    args = src.func.args
    local = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    local |= {n.id for s in src.func.body for n in walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    resolve = memory.resolver_in(src, local)
    for stmt in own_statements(src.func.body):
        if _stores(stmt, param):
            return src.filename, stmt.lineno, src.line(stmt.lineno).strip()
        for node in _own_calls(stmt):
            if any(_is(arg, param) for arg, _ in memory.changed_by(node, resolve)):
                return src.filename, stmt.lineno, src.line(stmt.lineno).strip()
            found = _through_call(node, param, resolve, effects, seen)
            if found is not None:
                return found
    return None


def _is(node, param):
    return isinstance(node, ast.Name) and node.id == param


def _stores(stmt, param):
    if isinstance(stmt, ast.AugAssign) and _is(stmt.target, param):
        return True
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, (ast.AugAssign, ast.AnnAssign, ast.For)) else []
    for target in targets:
        for node in walk(target):
            if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, ast.Store):
                base = node.value
                while isinstance(base, (ast.Subscript, ast.Attribute)):
                    base = base.value
                if _is(base, param):
                    return True
    return False


def _own_calls(stmt):
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return []
    if isinstance(stmt, (ast.If, ast.While)):
        nodes = walk(stmt.test)
    elif isinstance(stmt, ast.For):
        nodes = walk(stmt.iter)
    else:
        nodes = walk(stmt)
    return [n for n in nodes if isinstance(n, ast.Call)]


def _through_call(call, param, resolve, effects, seen):
    """A store of a function of the user's that ``call`` passes ``param`` to."""
    ok, callee = resolve(call.func)
    effect = effects.of(callee) if ok else None
    bound = effect.bind(call) if effect is not None else None
    if not bound:
        return None
    for name, arg in bound.items():
        if _is(arg, param) and name in effect.changes:
            found = store_into(callee, name, effects, seen)
            if found is not None:
                return found
    return None
