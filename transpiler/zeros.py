"""Zero adjoints: folded away where they are surely zero, guarded where they may be.

Adjoints start at zero without a line of code: the first contribution assigns
(``_dx = c``, not ``_dx = 0.0 + c``), contributions of a zero cotangent vanish,
and a zero read becomes the literal ``0.0``. Through branches and loops an
adjoint counts as zero only when it is zero on every path (loops to a fixed
point); where paths disagree it is set to ``0.0`` explicitly, once, before the
loop or at the end of the branch.

Such an adjoint, zero on some paths only, is *possibly zero*: at run time it
may be the scalar ``0.0`` standing for a zero of any shape. So is what a
statement marked ``zero`` (``Mark.zero``) computes (an item of a container's adjoint,
``_rt.part(_dxs, 0)``; a callee's cotangents). A rule cannot compute from that
zero: it may need its cotangent in its result's shape (``g @ x.T``,
``g.reshape(...)``), and even elementwise arithmetic would turn it into an
array of the wrong shape (``0.0 * y`` has ``y``'s shape, not the operand's;
added to the operand's adjoint it broadcasts it, and the real part is counted
again for each copy). So statements that compute from a possibly zero
cotangent run under ``if _rt.nonzero(_dv):`` (their contributions are zero
otherwise), unless they only pass the zero on (``_dx = _dx + _g1``,
``_rt.unbroadcast(_g1, x)``, ``-_g1``), which leaves it ``0.0``.
"""

import ast

from adgen.marks import mark, marks
from adgen.syntax import Transformer, kind_of, names_in, path_of, tag, target, targets


def passes(expr, cotangents):
    """Is ``expr`` the scalar ``0.0`` when each cotangent in it (a name in
    ``cotangents``) is? Sums of cotangents, their negations and products with number
    literals, and their unbroadcasting are; anything that reads a value of the primal
    (``g * y``: ``y`` may be an array, making the zero an array of ``y``'s shape) is not."""
    if isinstance(expr, ast.Name):
        return expr.id in cotangents
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool)
    if isinstance(expr, ast.UnaryOp):
        return isinstance(expr.op, (ast.USub, ast.UAdd)) and passes(expr.operand, cotangents)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub)):
        return passes(expr.left, cotangents) and passes(expr.right, cotangents)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Mult, ast.Div)):
        number = (lambda e: isinstance(e, ast.Constant) and passes(e, cotangents))  # noqa: E731
        return (number(expr.right) and passes(expr.left, cotangents)) or (number(expr.left) and passes(expr.right, cotangents))
    if isinstance(expr, ast.Call) and path_of(expr.func) in ("_rt.unbroadcast", "_rt.sum_to") and expr.args:
        return passes(expr.args[0], cotangents)
    return False


def is_zero(expr):
    """Is ``expr`` zero whatever its names hold: ``0.0``, ``_rt.unbroadcast(0.0, x)``,
    ``-0.0 * g`` (a rule's cotangent from an unused output's)?"""
    if isinstance(expr, ast.Constant):
        return type(expr.value) in (int, float) and expr.value == 0
    if isinstance(expr, ast.UnaryOp):
        return isinstance(expr.op, (ast.USub, ast.UAdd)) and is_zero(expr.operand)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub)):
        return is_zero(expr.left) and is_zero(expr.right)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Mult, ast.Div, ast.MatMult)):
        return is_zero(expr.left) or (is_zero(expr.right) and not isinstance(expr.op, ast.Div))
    if isinstance(expr, ast.Call) and path_of(expr.func) in ("_rt.unbroadcast", "_rt.sum_to") and expr.args:
        return is_zero(expr.args[0])
    return False


# -- what reverse marks: cotangents that may be 0.0 (``Mark.zero``) ------------------------


def passes_zero(op):
    """Can ``op`` take a cotangent that may be ``0.0`` as it is? An inlined rule can
    when each of its cotangents is that cotangent, unbroadcast or negated
    (``passes``): they are ``0.0`` too."""
    if op.kind != "rule" or not op.tpl.inlined:
        return False
    return all(passes(e, {op.tpl.g}) for e in op.outputs.values())


def may_return_zero(tpl):
    """May ``tpl``'s rule return ``0.0`` for an operand of any shape? A user's rule may,
    and a rule of several outputs (``divmod``, ``eigh``) when the outputs its cotangent
    comes from are unused; the others return cotangents of their operands' shapes
    (tests/test_zero_adjoints.py)."""
    return bool(tpl.rule.outputs) or not tpl.module.startswith("adgen.runtime.")


def keep_mark(new, old):
    """``new`` (an expression wrapping ``old``) may be zero when ``old`` may be."""
    return mark(new, zero=marks(old).zero)


def _zero_init(name):
    stmt = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=ast.Constant(0.0), lineno=0)
    return tag(stmt, "init", None)


class _ZeroReads(Transformer):
    def __init__(self, zeros):
        self.zeros = zeros

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.zeros:
            return ast.copy_location(ast.Constant(0.0), node)
        return node


def fold_zeros(body, adjoints):
    """``adjoints``: every adjoint and cotangent temporary (all zero at the start)."""
    return _Fold(set(adjoints)).run(body, set(adjoints), set())[0]


class _Fold:
    def __init__(self, cotangents):
        self.cotangents = cotangents
        self.mentioned = {}  # id of a branch or loop -> _mentioned's answer
        self.keep = []

    def run(self, body, zeros, maybe, apply=True):
        """``(new body, adjoints zero after it, adjoints possibly zero after it)``, given
        those before it (``maybe`` and ``zeros`` are disjoint). ``apply``: change the
        statements (else only work out which adjoints are zero and possibly zero)."""
        out = []
        k = 0
        while k < len(body):
            stmt = body[k]
            k += 1
            if _via(stmt, zeros, maybe) is not None and not passes(stmt.value, self.cotangents):
                group, k = _group(body, k - 1)
                stmt = _guard(group)
            if isinstance(stmt, (ast.If, ast.For, ast.While)):
                self._compound(stmt, zeros, maybe, apply, out)
                out.append(stmt)
            else:
                stmt = self._one(stmt, zeros, maybe, apply)
                if stmt is not None:
                    out.append(stmt)
        return out, zeros, maybe

    def _compound(self, stmt, zeros, maybe, apply, out):
        """Updates ``zeros`` and ``maybe`` past ``stmt``, a branch or a loop. Only the
        adjoints it mentions can change in it, so only those are followed through it:
        the sets hold every adjoint of the function, and copying them at each branch
        made the pass quadratic in the function's length."""
        names = self._mentioned(stmt)
        inner = zeros & names, maybe & names
        if isinstance(stmt, ast.If):
            after, after_maybe = self._branches(stmt, *inner, apply)
        else:
            after, after_maybe = self._loop(stmt, *inner, apply, out)
        zeros.difference_update(names)
        maybe.difference_update(names)
        zeros.update(after)
        maybe.update(after_maybe)

    def _mentioned(self, stmt):
        """The names in ``stmt`` and the cotangents its tagged statements compute from
        (for a branch or a loop: from its parts' answers, so each is read once)."""
        found = self.mentioned.get(id(stmt))
        if found is not None:
            return found
        if isinstance(stmt, (ast.If, ast.For, ast.While)):
            found = names_in([getattr(stmt, f) for f in ("test", "target", "iter") if hasattr(stmt, f)])
            for inner in stmt.body + stmt.orelse:
                found |= self._mentioned(inner)
            self.mentioned[id(stmt)] = found
            self.keep.append(stmt)  # its id stays its own while the pass runs
            return found
        via = kind_of(stmt)[1]
        return names_in(stmt) | set(via if isinstance(via, tuple) else (via,) if via else ())

    def _branches(self, stmt, zeros, maybe, apply):
        inside = maybe - {marks(stmt).guard}  # a guard's cotangent is not zero inside
        body, after_body, maybe_body = self.run(stmt.body, set(zeros), inside, apply)
        orelse, after_else, maybe_else = self.run(stmt.orelse, set(zeros), set(maybe), apply)
        joined = after_body & after_else
        if apply:
            stmt.body = body + [_zero_init(a) for a in sorted(after_body - joined)]
            stmt.orelse = orelse + [_zero_init(a) for a in sorted(after_else - joined)]
        return joined, (maybe_body | maybe_else | after_body | after_else) - joined

    def _loop(self, stmt, zeros, maybe, apply, out):
        """The adjoints zero and possibly zero at the loop's entry (and after it). Zero
        at entry: zero before the loop and after the body; possibly zero: possibly zero
        before or after the body, or zero on one of the two only (set to ``0.0``
        explicitly, before the loop or at the end of the body)."""
        entry, entry_maybe = set(zeros), set(maybe)
        while True:
            _, leaving, leaving_maybe = self.run(stmt.body, set(entry), set(entry_maybe), False)
            joined = entry & leaving
            joined_maybe = (entry_maybe | leaving_maybe | zeros | leaving) - joined
            if joined == entry and joined_maybe == entry_maybe:
                break
            entry, entry_maybe = joined, joined_maybe
        if apply:
            out += [_zero_init(a) for a in sorted(zeros - entry)]
            stmt.body = self.run(stmt.body, set(entry), set(entry_maybe))[0] + [_zero_init(a) for a in sorted(leaving - entry)]
        return entry, entry_maybe

    def _one(self, stmt, zeros, maybe, apply):
        """The statement with zero adjoints folded away, or ``None``; updates ``zeros``
        and ``maybe``."""
        kind, via = kind_of(stmt)
        vias = via if isinstance(via, tuple) else ((via,) if via else ())
        if kind in ("accum", "set") and vias and all(v in zeros for v in vias):
            if kind == "set":
                zeros.update(targets(stmt))
                maybe.difference_update(targets(stmt))
            return None
        if kind == "zero":
            zeros.add(target(stmt))
            maybe.discard(target(stmt))
            return None
        possibly = marks(stmt).zero or _via(stmt, zeros, maybe) is not None
        if kind == "accum" and target(stmt) in zeros:
            kind = "set"  # the first contribution assigns
            if apply:
                stmt.value = stmt.value.right
                tag(stmt, "set", via)
        if apply and zeros and not zeros.isdisjoint(names_in(stmt, ast.Load)):
            stmt = _ZeroReads(zeros).visit(stmt)
        zeros.difference_update(targets(stmt))
        if not possibly:
            maybe.difference_update(targets(stmt))
        elif kind != "accum":  # added to an adjoint, a zero leaves it as it was
            maybe.update(targets(stmt))
        return stmt


def _via(stmt, zeros, maybe):
    """The cotangent ``stmt`` computes from, when it is possibly (not surely) zero."""
    kind, via = kind_of(stmt)
    ok = kind in ("accum", "set") and isinstance(via, str) and via in maybe and via not in zeros
    return via if ok else None


def _group(body, start):
    """The run of statements from ``start`` that compute from the first one's cotangent
    or from what the run assigns; and the index after it."""
    sources, end = {kind_of(body[start])[1]}, start
    while end < len(body) and kind_of(body[end])[0] in ("accum", "set") and kind_of(body[end])[1] in sources:
        sources |= targets(body[end])
        end += 1
    return body[start:end], end


def _guard(group):
    """``if _rt.nonzero(_dv): <group>``: statements whose contributions vanish when their
    cotangent ``_dv`` is zero."""
    via = kind_of(group[0])[1]
    test = ast.Call(func=ast.Attribute(value=ast.Name(id="_rt", ctx=ast.Load()), attr="nonzero", ctx=ast.Load()),
                    args=[ast.Name(id=via, ctx=ast.Load())], keywords=[])
    guard = ast.copy_location(ast.If(test=test, body=group, orelse=[]), group[0])
    return mark(guard, guard=via)
