"""Debug mode (``grad(f, debug=True)``, ``adgen emit --debug``): after each backward
statement that assigns an adjoint, a check that the adjoint is finite, naming the
user's line (its ``# line`` comment) and the values the statement read:

    # line 5: y = np.sqrt(x)
    _dx = _dy * 0.5 / y
    _rt.check_finite('line 5: y = np.sqrt(x)', _dx=_dx, _dy=_dy, y=y)

The tape checks pops itself (``_rt.DebugTape``, set up by ``assemble.Layout``).
"""

import ast

from adgen.syntax import kind_of, load, names_in, rt_call, walk

CHECKED = {"accum", "set"}


def instrument(body, modules):
    """``body`` with finiteness checks after the backward's adjoint assignments;
    ``modules``: names of modules generated code reads (not worth showing)."""
    return _instrument(body, set(modules) | {"np", "_rt"}, [None])


def _instrument(body, modules, line):
    """``line``: a one-item list holding the latest ``# line`` comment seen, in order."""
    out = []
    for stmt in body:
        out.append(stmt)
        kind = kind_of(stmt)[0]
        if kind == "comment":
            text = stmt.value.args[0].value
            if text.startswith("line "):
                line[0] = text
        elif isinstance(stmt, (ast.If, ast.For, ast.While)):
            stmt.body = _instrument(stmt.body, modules, line)
            stmt.orelse = _instrument(stmt.orelse, modules, line)
        elif kind in CHECKED and line[0] is not None and isinstance(stmt, ast.Assign):
            out.append(_check(stmt, modules, line[0]))
    return out


def _check(stmt, modules, where):
    """``_rt.check_finite(where, <the adjoint assigned>=..., <each name read>=...)``."""
    target = [n.id for n in walk(stmt.targets[0]) if isinstance(n, ast.Name)][-1]
    reads = sorted(names_in(stmt.value, ast.Load) - modules - {target})
    call = rt_call("check_finite", ast.Constant(where))
    call.keywords = [ast.keyword(arg=n, value=load(n)) for n in [target] + reads]
    return ast.Expr(value=call)
