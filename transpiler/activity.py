"""Activity analysis: which names are *varied* (depend on ``wrt``) and *useful*
(reach the result). Only names that are both need adjoints.

The analysis is by name and flow-insensitive, iterated to a fixed point, so it
over-approximates safely: an extra active name costs an adjoint, never a wrong
gradient.
"""

import ast
from dataclasses import dataclass

from transpiler.syntax import names_in, path_of, walk


@dataclass
class Activity:
    varied: set
    useful: set

    def active(self, name):
        return name in self.varied and name in self.useful

    def expr_active(self, node):
        """Does the expression read an active name?"""
        return any(isinstance(n, ast.Name) and self.active(n.id) for n in walk(node))


def _assignments(body):
    """(target names, read names) for every assignment and the final return. A store
    ``y[i] = v`` and ``np.add.at(y, i, v)`` assign ``y`` from ``v`` (and ``y``)."""
    out = []
    for stmt in walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(stmt, ast.Assign):
            target = stmt.targets[0]
            if isinstance(target, ast.Subscript):
                out.append(({target.value.id}, _names(stmt.value) | {target.value.id}))
                continue
            out.append(({n.id for t in stmt.targets for n in walk(t) if isinstance(n, ast.Name)}, _names(stmt.value)))
        elif is_add_at(stmt):
            array, _, value = stmt.value.args
            out.append(({array.id}, _names(value) | {array.id}))
        elif isinstance(stmt, ast.Expr) and _changes_list(stmt.value):  # xs.append(v): xs now holds v
            out.append(({stmt.value.func.value.id}, _names(stmt.value)))
    return out


def _changes_list(node):
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("append", "extend")
        and isinstance(node.func.value, ast.Name)
    )


def _names(node):
    return names_in(node)


def is_add_at(stmt):
    """Is ``stmt`` the statement ``np.add.at(<name>, index, value)``?"""
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return False
    call = stmt.value
    return (
        path_of(call.func) == "np.add.at"
        and len(call.args) == 3
        and not call.keywords
        and isinstance(call.args[0], ast.Name)
    )


def _fixed_point(start, flows, step):
    found = set(start)
    changed = True
    while changed:
        changed = False
        for targets, reads in flows:
            new = step(targets, reads, found)
            if not new <= found:
                found |= new
                changed = True
    return found


def analyze(body, wrt, result_reads):
    """``wrt``: the differentiated parameter names; ``result_reads``: names the result reads."""
    flows = _assignments(body)
    varied = _fixed_point(wrt, flows, lambda targets, reads, v: targets if reads & v else set())
    useful = _fixed_point(result_reads, flows, lambda targets, reads, u: reads if targets & u else set())
    return Activity(varied, useful)


def _own_reads(stmt):
    """Names a statement reads itself (a compound statement: only its header)."""
    if isinstance(stmt, (ast.If, ast.While)):
        parts = [stmt.test]
    elif isinstance(stmt, ast.For):
        parts = [stmt.iter]
    else:
        parts = [stmt]
    return {n.id for part in parts for n in walk(part) if isinstance(n, ast.Name)}


def last_read(body, wrt_name):
    """The last statement, in source order, that reads ``wrt_name`` or a value
    computed from it (None if there is none): where a dependency the result
    does not have ends."""
    varied = _fixed_point({wrt_name}, _assignments(body), lambda targets, reads, v: targets if reads & v else set())
    found = [s for s in walk(ast.Module(body=body, type_ignores=[])) if isinstance(s, ast.stmt) and _own_reads(s) & varied]
    return max(found, key=lambda s: (s.lineno, s.col_offset), default=None)
