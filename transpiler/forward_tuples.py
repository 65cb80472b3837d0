"""Forward mode of tuple-valued results: ``q, r = np.linalg.qr(a)``.

A primal whose reverse rule takes a tuple cotangent (``@vjp(primal, outputs=N)``) has
an explicit forward rule that returns the tuple of its results' tangents, one per
result (``runtime.tangent_registry``). A statement unpacking such a result,
``q, r = f(a)``, gets ``_dot_q, _dot_r = <the tuple tangent>``: a target that is not
active takes its entry in a throwaway name, and where the whole tangent is zero for
sure (``None``) each active target gets its own zero. A result kept whole
(``res = np.linalg.svd(a)``) keeps its tuple tangent whole, and ``res[0]`` reads
``_dot_res[0]`` (indexing is linear). The contributions of several arguments to a
tuple tangent add entry by entry (``_rt.tuple_tangent_sum``), never ``+`` (which would
join the tuples).
"""

import ast

from adgen import errors
from adgen.syntax import assign, call, clone, load, names_in, rt_call


def unpack(fwd, stmt, target, root):
    """The statements of ``<names> = e`` (a flat tuple or list of names) and their
    tangents, for ``fwd`` (a ``forward.Forward``); ``root``: the placeholder by which
    ``fwd.expr`` lets a tangent read the statement's value."""
    if not all(isinstance(e, ast.Name) for e in target.elts):  # starred or nested targets
        if fwd._touches_active(stmt):
            fwd.diags.report(stmt, errors.AD224_NESTED_TARGET)
        return [stmt]
    names = [e.id for e in target.elts]
    if not fwd.act.expr_active(stmt.value) and not any(fwd.act.active(n) for n in names):
        return [stmt]
    pre = []
    primal, tan = fwd.expr(stmt.value, pre, root)
    stmt.value = primal
    active = [n for n in names if fwd.act.active(n)]
    if not active:
        return pre + [stmt]
    if tan is None:
        return pre + [stmt] + [assign(fwd.tangent(n), rt_call("zero_tangent", load(n))) for n in active]
    out = list(pre)
    if root in names_in(tan) and not set(names) & names_in(tan):  # the tangent reads the result, as the tuple of the new names
        after_stmt = _tangent_statements(fwd, names, _picked(clone(tan, {root: ast.Tuple(elts=[load(n) for n in names], ctx=ast.Load())})), stmt)
        return out + [stmt] + after_stmt[0] + after_stmt[1] + _copies(fwd, tan, active)
    if root in names_in(tan):  # ... and the operands the statement rebinds: the result kept, unpacked after the tangent
        kept = fwd.names.temp()
        out.append(assign(kept, primal))
        stmt.value, tan = load(kept), clone(tan, {root: load(kept)})
    # the tangent before the statement: it reads the operands as they were (``a, b = f(a)``)
    before, after = _tangent_statements(fwd, names, tan, stmt)
    out.extend(before)
    out.append(stmt)
    out.extend(after)
    return out + _copies(fwd, tan, active)


def _copies(fwd, tan, active):
    """Where the body stores into arrays: copies of tangents another function gave, which
    may be its own arrays."""
    if fwd.stores and isinstance(tan, ast.Name):
        return [assign(fwd.tangent(n), call("np.copy", load(fwd.tangent(n)))) for n in active]
    return []


def _tangent_statements(fwd, names, tan, where):
    """``(before, after)`` the statement: ``_dot_q, _dot_r = tan``, or one statement per
    entry of a tuple display (an entry ``None``: a zero, after, as it reads the value)."""
    if isinstance(tan, (ast.Tuple, ast.List)) and len(tan.elts) == len(names):
        before, after = [], []
        for n, t in zip(names, tan.elts):
            if not fwd.act.active(n):
                continue
            if isinstance(t, ast.Constant) and t.value is None:
                after.append(assign(fwd.tangent(n), rt_call("zero_tangent", load(n))))
            else:
                before.append((fwd.tangent(n), t))
        if not before:
            return [], after
        if len(before) == 1:
            return [assign(before[0][0], before[0][1])], after
        # one statement, all entries read before any is bound (``q, r = qr(q)`` reads ``_dot_q``)
        targets = ast.Tuple(elts=[ast.Name(id=d, ctx=ast.Store()) for d, _ in before], ctx=ast.Store())
        values = ast.Tuple(elts=[t for _, t in before], ctx=ast.Load())
        return [ast.Assign(targets=[targets], value=values, lineno=getattr(where, "lineno", 0))], after
    targets = [ast.Name(id=fwd.tangent(n) if fwd.act.active(n) else fwd.names.temp(), ctx=ast.Store()) for n in names]
    return [ast.Assign(targets=[ast.Tuple(elts=targets, ctx=ast.Store())], value=tan, lineno=getattr(where, "lineno", 0))], []


def added(parts):
    """The sum of the tuple tangents ``parts``, entry by entry."""
    return rt_call("tuple_tangent_sum", *parts)


def output(tpl):
    """The expression of a one-expression forward rule (its template ``tpl``): the tuple
    display it returns whole (the tangents of a tuple-valued result), else its one value."""
    if tpl.inlined and len(tpl.outputs) > 1:
        return ast.Tuple(elts=[ast.Constant(None) if o is None else o for o in tpl.outputs], ctx=ast.Load())
    return tpl.output(0)


def _picked(expr):
    """``(q, r)[1]`` -> ``r``: the entries of the result a rule reads, by their names."""

    class Pick(ast.NodeTransformer):
        def visit_Subscript(self, node):
            self.generic_visit(node)
            index, value = node.slice, node.value
            n = len(value.elts) if isinstance(value, ast.Tuple) else 0
            if n and isinstance(index, ast.Constant) and type(index.value) is int and -n <= index.value < n:
                return value.elts[index.value]
            return node

    return Pick().visit(expr)
