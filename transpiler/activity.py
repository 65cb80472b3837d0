"""Activity analysis: which names are *varied* (depend on ``wrt``) and *useful*
(reach the result). Only names that are both need adjoints.

The analysis is by name and flow-insensitive, iterated to a fixed point, so it
over-approximates safely: an extra active name costs an adjoint, never a wrong
gradient. Values that carry no derivative stop it (``constant``, from
``carries_no_derivative``): ``n = W.shape[0]``, ``len(xs)``,
``int(x[0])``, ``x > 0`` are not varied, however ``W``, ``xs`` and ``x`` are, so
that ``z[:, :n]`` or ``z[:, :W.shape[0]]`` is an ordinary subscript.
"""

import ast
from dataclasses import dataclass, field

import numpy as np

from adgen.runtime import registry
from adgen.syntax import BINOPS, UNARYOPS, children, names_in, path_of, walk

MAYBE_CONSTANT = (ast.Compare, ast.BinOp, ast.UnaryOp, ast.Call, ast.Attribute)  # what ``constant`` may name


@dataclass
class Activity:
    varied: set
    useful: set
    constant: object = None  # expression -> does its value carry no derivative?
    known: dict = field(default_factory=dict, repr=False)  # expression -> expr_active's answer

    def active(self, name):
        return name in self.varied and name in self.useful

    def expr_active(self, node):
        """Does the expression read an active name (other than for a value that carries
        no derivative, like its shape)? Answered once per expression: reverse mode asks
        for every subexpression of a nested one."""
        found = self.known.get(node)
        if found is None:
            if isinstance(node, ast.Name):
                found = self.active(node.id)
            elif self.constant is not None and isinstance(node, MAYBE_CONSTANT) and self.constant(node):
                found = False
            else:
                found = any(self.expr_active(child) for child in children(node))
            self.known[node] = found
        return found


def reads(node, constant=None):
    """The names ``node`` reads, but for those read only inside a sub-expression whose
    value ``constant`` says carries no derivative."""
    if constant is None:
        return names_in(node)
    found, todo = set(), [node]
    while todo:
        n = todo.pop()
        if isinstance(n, ast.Name):
            found.add(n.id)
        elif not (isinstance(n, MAYBE_CONSTANT) and constant(n)):
            todo.extend(children(n))
    return found


def _assignments(body, constant=None):
    """(target names, read names) for every assignment and the final return. A store
    ``y[i] = v`` and ``np.add.at(y, i, v)`` assign ``y`` from ``v`` (and ``y``)."""
    out = []
    for stmt in walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(stmt, ast.Assign):
            target = stmt.targets[0]
            if isinstance(target, ast.Subscript):
                out.append(({target.value.id}, reads(stmt.value, constant) | {target.value.id}))
                continue
            out.append(({n.id for t in stmt.targets for n in walk(t) if isinstance(n, ast.Name)}, reads(stmt.value, constant)))
        elif is_add_at(stmt):
            array, _, value = stmt.value.args
            out.append(({array.id}, reads(value, constant) | {array.id}))
        elif isinstance(stmt, ast.Expr) and _changes_list(stmt.value):  # xs.append(v): xs now holds v
            out.append(({stmt.value.func.value.id}, reads(stmt.value, constant)))
    return out


def _changes_list(node):
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("append", "extend")
        and isinstance(node.func.value, ast.Name)
    )


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
        for targets, names in flows:
            new = step(targets, names, found)
            if not new <= found:
                found |= new
                changed = True
    return found


def analyze(body, wrt, result_reads, constant=None):
    """``wrt``: the differentiated parameter names; ``result_reads``: names the result reads;
    ``constant(expr)``: does the value of ``expr`` carry no derivative?"""
    flows = _assignments(body, constant)
    varied = _fixed_point(wrt, flows, lambda targets, names, v: targets if names & v else set())
    useful = _fixed_point(result_reads, flows, lambda targets, names, u: names if targets & u else set())
    return Activity(varied, useful, constant)


def _own_reads(stmt):
    """Names a statement reads itself (a compound statement: only its header)."""
    if isinstance(stmt, (ast.If, ast.While)):
        parts = [stmt.test]
    elif isinstance(stmt, ast.For):
        parts = [stmt.iter]
    else:
        parts = [stmt]
    return {n.id for part in parts for n in walk(part) if isinstance(n, ast.Name)}


def last_read(body, wrt_name, constant=None):
    """The last statement, in source order, that reads ``wrt_name`` or a value
    computed from it (None if there is none): where a dependency the result
    does not have ends."""
    varied = _fixed_point({wrt_name}, _assignments(body, constant), lambda targets, names, v: targets if names & v else set())
    found = [s for s in walk(ast.Module(body=body, type_ignores=[])) if isinstance(s, ast.stmt) and _own_reads(s) & varied]
    return max(found, key=lambda s: (s.lineno, s.col_offset), default=None)


def carries_no_derivative(node, resolver, real_only=()):
    """Is ``node`` an expression whose value carries no derivative, whatever it reads: a
    comparison, a form attribute (``x.shape``, ``x.ndim``), a call of a ``nondiff``
    function (``len``, ``np.shape``, ``int``, ``np.argmax``, an array's ``x.argmax()``)
    or operator (``//``, ``&``), but for those in ``real_only`` (``np.sign``: piecewise
    constant only for real values)? No cotangent flows through it (reverse mode stops
    there), so nothing it reads need be differentiated for it."""
    if isinstance(node, ast.Compare):
        return True
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        fn = (BINOPS if isinstance(node, ast.BinOp) else UNARYOPS).get(type(node.op))
        return fn is not None and registry.is_nondiff(fn)
    if isinstance(node, ast.Call):
        node = node.func
    elif not isinstance(node, ast.Attribute):
        return False
    ok, fn = resolver.value_of(node)
    if not ok and isinstance(node, ast.Attribute):
        fn = getattr(np.ndarray, node.attr, None)  # as ``operation`` reads it
    return fn is not None and registry.is_nondiff(fn) and not any(fn is f for f in real_only)
