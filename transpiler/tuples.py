"""Tuple results used as values: unpacked into names where the call is made.

A function of yours that returns a tuple of ``n`` values, known when the gradient is
made (``width``), may have its result used whole. Such a call is unpacked into names
right before the statement that makes it, and its result stands as a display of them
(``unpack``)::

    p = polar(r, t)          ->  p_0, p_1 = polar(r, t)
                                 p = (p_0, p_1)
    return polar(r, t)       ->  _s1, _s2 = polar(r, t)
                                 return (_s1, _s2)
    return polar(r, t)[::-1] ->  _s1, _s2 = polar(r, t)
                                 return (_s2, _s1)

so the rest of the pipeline sees only the two forms it differentiates, ``a, b = f(x)``
and ``f(x)[k]``, and tuples of names (``containers``). The width of a function's
result is that of every ``return``: a display (with ``*`` of tuples of known width), a
call of such a function (through any number of helpers), a constant slice of one, or a
local name every assignment of which binds one (``t = polar(r, a); return t``).
Derivative rules with a fixed number of outputs (``np.linalg.eigh``) count as well.
"""

import ast

from adgen.marks import mark, marks
from adgen.names import PART, member
from adgen.syntax import load, walk

# parts of an expression that may run other times than once, or not at all: left alone
_MAYBE = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.IfExp, ast.BoolOp)
# the fields of a statement evaluated once, before anything else it does
_ONCE = {ast.Assign: "value", ast.AugAssign: "value", ast.Return: "value", ast.Expr: "value", ast.For: "iter", ast.If: "test"}


# -- how many values a function returns ------------------------------------------------


def width(func, width_of):
    """``n`` when every ``return`` of ``func`` (an AST) gives a tuple of ``n`` values, else 0.
    ``width_of(call)``: the width of what a call in ``func`` returns (0: not a tuple of known
    width; None: not known yet, a recursive call, which agrees with any other ``return``)."""
    binds = _bindings(func)
    widths = {_width(r.value, width_of, binds, frozenset()) for r in walk(func) if isinstance(r, ast.Return)}
    widths.discard(None)
    return widths.pop() if len(widths) == 1 else 0


def _bindings(func):
    """Local name -> the values its assignments bind, or None where it is bound otherwise
    (a parameter, a loop variable, an unpacking, an augmented assignment)."""
    args = func.args
    binds = {a.arg: None for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg] if a is not None}
    for node in walk(func):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name not in binds or binds[name] is not None:
                binds.setdefault(name, []).append(node.value)
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            for n in walk(target) if isinstance(target, ast.AST) else ():
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                    binds[n.id] = None
    return binds


def _width(node, width_of, binds, seen):
    if isinstance(node, ast.Tuple):
        total = 0
        for e in node.elts:
            n = _width(e.value, width_of, binds, seen) if isinstance(e, ast.Starred) else 1
            if not n:
                return n
            total += n
        return total
    if isinstance(node, ast.Call):
        return width_of(node)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        bounds = _constant_slice(node.slice)
        n = _width(node.value, width_of, binds, seen) if bounds is not None else 0
        return len(range(n)[bounds]) if n else n
    if isinstance(node, ast.Name) and binds.get(node.id) and node.id not in seen:
        widths = {_width(v, width_of, binds, seen | {node.id}) for v in binds[node.id]}
        return widths.pop() if len(widths) == 1 else 0
    return 0


def _constant_slice(index):
    parts = [None if p is None else _int(p) for p in (index.lower, index.upper, index.step)]
    if any(q is None and p is not None for p, q in zip((index.lower, index.upper, index.step), parts)) or parts[2] == 0:
        return None
    return slice(*parts)


def _int(node):
    """The value of an integer literal (``2``, ``-1``), else None."""
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return None
    return value if type(value) is int else None


# -- unpacking the calls whose result is used whole ------------------------------------


def unpack(body, width_of, fresh):
    """``(body, changed)``: ``body`` with each call of known tuple width whose result is used
    whole unpacked before its statement (see the module's doc). ``fresh(base)``: a new
    local name."""
    out, changed = [], False
    for stmt in body:
        for field_name in ("body", "orelse"):
            inner = getattr(stmt, field_name, None)
            if type(inner) is list and inner and isinstance(inner[0], ast.stmt):
                new, deeper = unpack(inner, width_of, fresh)
                setattr(stmt, field_name, new)
                changed = changed or deeper
        hoist = _Hoist(width_of, fresh, stmt)
        field_name = _ONCE.get(type(stmt))
        value = getattr(stmt, field_name, None) if field_name else None
        if value is None:
            out.append(stmt)
            continue
        if isinstance(stmt, ast.Assign) and isinstance(value, ast.Call) and _named_whole(stmt, value, width_of):
            out += _named(stmt, hoist, width_of, fresh)
        else:
            setattr(stmt, field_name, hoist.keep(value) if _kept(stmt, value, width_of) else hoist.visit(value))
            out += hoist.before + [stmt]
        changed = changed or bool(hoist.before)
    return out, changed


def _named_whole(stmt, value, width_of):
    """``t = f(x)`` with ``f`` returning a tuple of known width."""
    return len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and bool(width_of(value))


def _named(stmt, hoist, width_of, fresh):
    """``t = f(x)`` -> ``t_0, t_1 = f(x)``; ``t = (t_0, t_1)``."""
    name = stmt.targets[0].id
    call = hoist.keep(stmt.value)
    parts = [fresh(member(name, k)) for k in range(width_of(call))]
    hoist.before.append(_assign(parts, call, stmt))
    whole = ast.copy_location(ast.Assign(targets=stmt.targets, value=_display(parts, call)), stmt)
    return hoist.before + [whole]


def _kept(stmt, value, width_of):
    """A call already in a form the pipeline differentiates: ``a, b = f(x)`` (names), or a
    call standing alone (its result unused)."""
    if not isinstance(value, ast.Call):
        return False
    if isinstance(stmt, ast.Expr):
        return True
    if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Tuple):
        return False
    return all(isinstance(e, ast.Name) for e in stmt.targets[0].elts)  # else AD302 if the widths differ


class _Hoist(ast.NodeTransformer):
    """Unpacks, innermost first, the calls of known tuple width in one expression."""

    def __init__(self, width_of, fresh, stmt):
        self.width_of = width_of
        self.fresh = fresh
        self.stmt = stmt
        self.before = []  # the statements unpacking them

    def keep(self, call):
        """``call`` itself left as it is, the calls in its arguments visited."""
        return self.generic_visit(call)

    def visit_Call(self, node):
        self.generic_visit(node)
        n = self.width_of(node)
        if not n:
            return node
        parts = [self.fresh(PART) for _ in range(n)]
        self.before.append(_assign(parts, node, self.stmt))
        return _display(parts, node)

    def visit_Subscript(self, node):
        """``f(x)[k]`` is picked where it is made; ``f(x)[-1]`` and ``f(x)[::-1]`` index the
        display of its values."""
        index = node.slice
        k = _int(index) if isinstance(index, (ast.Constant, ast.UnaryOp)) else None
        if isinstance(node.value, ast.Call) and k is not None and 0 <= k < (self.width_of(node.value) or 0):
            node.value = self.keep(node.value)
            return node
        self.generic_visit(node)
        display = node.value if marks(node.value).unpacked else None
        if display is not None and k is not None and -len(display.elts) <= k < len(display.elts):
            return display.elts[k]  # f(x)[-1]
        bounds = _constant_slice(index) if isinstance(index, ast.Slice) else None
        if display is not None and bounds is not None:
            return _display_of(display.elts[bounds], node)
        return node

    def generic_visit(self, node):
        if isinstance(node, _MAYBE):
            return node
        return super().generic_visit(node)


def _assign(parts, call, where):
    targets = ast.Tuple(elts=[ast.Name(id=p, ctx=ast.Store()) for p in parts], ctx=ast.Store())
    return ast.fix_missing_locations(ast.copy_location(ast.Assign(targets=[targets], value=call), where))


def _display(parts, where):
    return _display_of([load(p) for p in parts], where)


def _display_of(elts, where):
    display = ast.copy_location(ast.Tuple(elts=elts, ctx=ast.Load()), where)
    mark(display, unpacked=True)
    return ast.fix_missing_locations(display)
