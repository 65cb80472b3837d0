"""Clean-ups on the gradient function's body, so it reads like a hand-written one.

- ``fold_zeros``: adjoints start at zero without a line of code; the first
  contribution assigns (``_dx = c``, not ``_dx = 0.0 + c``), contributions of
  a zero cotangent vanish, and a zero read becomes the literal ``0.0``.
- ``drop_dead``: generated assignments nobody reads (adjoints of values that
  never reach an argument, records never used) are removed.
- ``drop_empty_comments``: a ``# line`` comment left with nothing under it goes.
"""

import ast

GENERATED = {"accum", "set", "zero", "save", "restore"}


def _tag(stmt):
    return getattr(stmt, "adgen", (None, None))


def _target(stmt):
    if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    return None


class _ZeroReads(ast.NodeTransformer):
    def __init__(self, zeros):
        self.zeros = zeros

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.zeros:
            return ast.copy_location(ast.Constant(0.0), node)
        return node


def fold_zeros(body, adjoints):
    zeros = set(adjoints)
    out = []
    for stmt in body:
        kind, via = _tag(stmt)
        vias = via if isinstance(via, tuple) else ((via,) if via else ())
        target = _target(stmt)
        if kind in ("accum", "set") and vias and all(v in zeros for v in vias):
            if kind == "set":
                zeros.add(target)
            continue
        if kind == "zero":
            zeros.add(target)
            continue
        if kind == "accum" and target in zeros:
            stmt.value = stmt.value.right
            stmt.adgen = ("set", via)
        stmt = _ZeroReads(zeros).visit(stmt)
        if target is not None:
            zeros.discard(target)
        out.append(stmt)
    return out


def _reads(stmt):
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def drop_dead(body):
    live = set()
    out = []
    for stmt in reversed(body):
        kind, _ = _tag(stmt)
        target = _target(stmt)
        if kind in GENERATED and target not in live:
            continue
        if target is not None:
            live.discard(target)
        live |= _reads(stmt)
        out.append(stmt)
    return out[::-1]


def _is_line_comment(stmt):
    if _tag(stmt)[0] != "comment":
        return False
    text = stmt.value.args[0].value
    return text.startswith("line ")


def drop_empty_comments(body):
    """Drop ``# line`` comments with nothing under them, and repeats of the one above."""
    out = []
    last = None
    for k, stmt in enumerate(body):
        if _is_line_comment(stmt):
            following = body[k + 1] if k + 1 < len(body) else None
            if following is None or _tag(following)[0] == "comment" or isinstance(following, ast.Return):
                continue
            text = stmt.value.args[0].value
            if text == last:
                continue
            last = text
        out.append(stmt)
    return out


def run(body, adjoints):
    body = fold_zeros(body, adjoints)
    body = drop_dead(body)
    return drop_empty_comments(body)

