"""Lay out the gradient function: forward blocks, the values they must record
for the backward pass, backward blocks in reverse order, and the epilogue.

A value is recorded only when a statement overwrites it *and* some backward
statement reads it (to-be-recorded analysis). Straight-line code keeps it in a
local (``_y1 = y``); the backward pass reads the local, and puts it back into
``y`` only when an earlier backward statement reads ``y`` too.
"""

import ast
import copy

from transpiler.reverse import assign, load, tag

EPILOGUE = "epilogue"


def comment(text):
    """A statement standing for the comment ``# text`` (``emit`` prints it as one)."""
    node = ast.Expr(value=ast.Call(func=load("__comment__"), args=[ast.Constant(text)], keywords=[]))
    node.adgen = ("comment", None)
    return node


def source_comment(src, stmt):
    text = src.line(stmt.lineno).strip()
    if getattr(stmt, "end_lineno", stmt.lineno) != stmt.lineno:
        text += " ..."
    return comment(f"line {stmt.lineno}: {text}")


def plan_saves(blocks, wrt):
    """For each block, the user names it must record before it runs: {name: restore?}."""
    readers = {name: {EPILOGUE} for name in wrt}
    saves = []
    for b in blocks:
        mine = {}
        for v in b.targets:
            restore = bool(readers.get(v))
            if restore or v in b.reads_pre:
                mine[v] = restore
        saves.append(mine)
        for v in b.reads_pre:
            if v not in b.targets:
                readers.setdefault(v, set()).add(id(b))
        for v in b.targets:
            readers[v] = {id(b)} if v in b.reads_post else set()
    return saves


class _RenameOperands(ast.NodeTransformer):
    def __init__(self, renames):
        self.renames = renames

    def visit_Name(self, node):
        if node.id in self.renames and isinstance(node.ctx, ast.Load) and not getattr(node, "adgen_ans", False):
            return ast.copy_location(load(self.renames[node.id]), node)
        return node


def layout(src, blocks, names, seed_stmt, wrt):
    """The body of the gradient function."""
    saves = plan_saves(blocks, wrt)
    forward, backward = [], []
    for b, mine in zip(blocks, saves):
        renames = {}
        for v in mine:
            saved = names.fresh(f"_{v.lstrip('_')}0")
            renames[v] = saved
            forward.append(tag(assign(saved, load(v)), "save", None))
        forward.extend(b.forward)
        body = [_RenameOperands(renames).visit(copy.deepcopy(s)) for s in b.backward]
        for v, restore in mine.items():
            if restore:
                body.append(tag(assign(v, load(renames[v])), "restore", None))
        if body:
            backward.append([source_comment(src, b.stmt)] + body)
    out = [comment("forward")] + forward + [comment("backward"), seed_stmt]
    for group in reversed(backward):
        out.extend(group)
    return out
