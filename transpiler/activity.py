"""Activity analysis: which names are *varied* (depend on ``wrt``) and *useful*
(reach the result). Only names that are both need adjoints.

The analysis is by name and flow-insensitive, iterated to a fixed point, so it
over-approximates safely: an extra active name costs an adjoint, never a wrong
gradient.
"""

import ast
from dataclasses import dataclass


@dataclass
class Activity:
    varied: set
    useful: set

    def active(self, name):
        return name in self.varied and name in self.useful

    def expr_active(self, node):
        """Does the expression read an active name?"""
        return any(isinstance(n, ast.Name) and self.active(n.id) for n in ast.walk(node))


def _assignments(body):
    """(target names, read names) for every assignment and the final return."""
    out = []
    for stmt in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(stmt, ast.Assign):
            targets = {n.id for t in stmt.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            reads = {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
            out.append((targets, reads))
    return out


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
