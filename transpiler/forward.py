"""Forward mode: the function with the tangent of each active value computed beside it.

Each assignment of an active value ``y = e`` gets the statement of its tangent,
``_dot_y = <the tangent of e>``; a store ``a[i] = e`` gets ``_dot_a[i] = ...``;
branches and loops stay as they are, their bodies transformed (a loop over an active
array walks its tangent beside it). The tangent of an expression is built from the
tangents of its operands by the forward rules (``runtime.tangent_registry``): the sum of
each active operand's contribution. An operand a contribution reads is kept in a
temporary when it is more than a name or a constant, and the result is too when a
contribution reads it (``ans``) and the statement rebinds a name it reads.

A tangent is ``None`` where it is zero for sure (a value that does not vary); a name
that is active but is assigned such a value gets an explicit zero, so that every active
name has its tangent bound wherever the name is.

What forward mode does not cover yet is refused with AD224, never differentiated wrongly.
"""

import ast
import operator

import numpy as np

from adgen import errors, forward_callbacks, forward_calls, forward_containers, forward_sums, forward_tuples, inline, nested, objects
from adgen.calls import is_user_function
from adgen.runtime import registry, tangent_registry
from adgen.syntax import BINOPS, UNARYOPS, assign, call, clone, dotted, is_atomic, load, names_in, path_of, rt_call, statements, walk


class Forward:
    """Writes the tangent statements of one function's body (``run``)."""

    def __init__(self, resolver, activity, shapes, names, diags, callees=None):
        self.resolver = resolver
        self.act = activity
        self.shapes = shapes
        self.names = names
        self.diags = diags
        self.callees = callees

    def tangent(self, name):
        return self.names.tangent(name)

    # -- statements -----------------------------------------------------------------

    def run(self, body):
        # a store into an array may reach another through a tangent that is another's own
        # (``y = x + c``: ``_dot_y`` is ``_dot_x``) while the values are apart: then such a
        # tangent is copied
        self.stores = stores_into_arrays(body)
        self.gradient_names = nested.gradient_names(body, self.resolver)  # d = grad(g): d(x) is differentiated through
        return self.block(body)

    def block(self, stmts):
        out = []
        for stmt in stmts:
            out.extend(self.statement(stmt))
        return out

    def statement(self, stmt):
        changed = forward_containers.statement(self, stmt)  # ys.append(e), v = ys.pop(): the tangent changed alike
        if changed is not None:
            return changed
        if isinstance(stmt, (ast.If, ast.While)):
            stmt.body, stmt.orelse = self.block(stmt.body), self.block(stmt.orelse)
            return [stmt]
        if isinstance(stmt, ast.For):
            return [self.loop(stmt)]
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                return self.assign(stmt, target.id)
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                return self.store(stmt, target)
            if isinstance(target, (ast.Tuple, ast.List)):  # q, r = np.linalg.qr(a)
                return forward_tuples.unpack(self, stmt, target, ROOT)
        if isinstance(stmt, (ast.Raise, ast.Assert)) or (isinstance(stmt, ast.Expr) and self._checks(stmt.value)):
            return [stmt]  # binds nothing: no tangent changes
        if self._touches_active(stmt):
            self.diags.report(stmt, errors.AD224_STATEMENT, kind=type(stmt).__name__)
        return [stmt]

    def loop(self, stmt):
        """A ``for`` over an active array (or list) walks its tangent beside it."""
        stmt.body, stmt.orelse = self.block(stmt.body), self.block(stmt.orelse)
        if not self.act.expr_active(stmt.iter):
            return stmt
        if not (isinstance(stmt.target, ast.Name) and isinstance(stmt.iter, ast.Name)):
            self.diags.report(stmt, errors.AD224_LOOP)
            return stmt
        item, items = stmt.target.id, stmt.iter.id
        stmt.target = ast.Tuple(elts=[ast.Name(id=item, ctx=ast.Store()), ast.Name(id=self.tangent(item), ctx=ast.Store())], ctx=ast.Store())
        stmt.iter = ast.Call(func=ast.Name(id="zip", ctx=ast.Load()), args=[load(items), load(self.tangent(items))], keywords=[])
        return stmt

    def assign(self, stmt, name):
        """``y = e``: the tangent after the statement (reading ``y`` as the result), or
        before it when the tangent reads the old ``y``, the result then kept in a
        temporary if the tangent reads it too."""
        if not self.act.expr_active(stmt.value) and not self.act.active(name):
            return [stmt]
        pre = []
        primal, tan = self.expr(stmt.value, pre, ROOT)
        stmt.value = primal
        if not self.act.active(name):
            return pre + [stmt]
        dot = self.tangent(name)
        if tan is None:
            return pre + [stmt, assign(dot, self.zero(name, primal))]
        if pre and _unpacks(pre[-1], primal, tan):  # y = g(x): y, _dot_y = jvp_g(x, _dot_x)
            pre[-1].targets[0].elts = [ast.Name(id=name, ctx=ast.Store()), ast.Name(id=dot, ctx=ast.Store())]
            return pre + ([assign(dot, rt_call("copied", load(dot)))] if self.stores else [])  # a container's too
        if self.stores and _passed_through(tan) and not isinstance(primal, ast.Name):
            tan = call("np.copy", tan)
        if name not in names_in(tan):
            return pre + [stmt, assign(dot, clone(tan, {ROOT: load(name)}))]
        if ROOT in names_in(tan):
            kept = self.names.temp()
            pre.append(assign(kept, primal))
            stmt.value, tan = load(kept), clone(tan, {ROOT: load(kept)})
        return pre + [assign(dot, tan), stmt]

    def store(self, stmt, target):
        """``a[i] = e``: ``_dot_a[i]`` gets the tangent of ``e`` (zero for a value that does
        not vary); before the store when ``e`` or its tangent reads ``a``."""
        name = target.value.id
        if not self.act.active(name):
            if self.act.expr_active(stmt.value):
                self.diags.report(stmt, errors.AD224_STORE, name=name)
            return [stmt]
        pre = []
        index = target.slice
        if not self._cheap(index):
            kept = self.names.temp()
            pre.append(assign(kept, index))
            index = target.slice = load(kept)
        primal, tan = self.expr(stmt.value, pre, None)
        stmt.value = primal
        into = ast.Subscript(value=ast.Name(id=self.tangent(name), ctx=ast.Store()), slice=clone(index), ctx=ast.Store())
        tangent_store = ast.Assign(targets=[into], value=ast.Constant(0.0) if tan is None else tan, lineno=stmt.lineno)
        if name in names_in(stmt.value) | names_in(tangent_store.value):  # the tangent reads the array before the store changes it
            return pre + [tangent_store, stmt]
        return pre + [stmt, tangent_store]

    def zero(self, name, value):
        """The zero tangent of ``name`` just bound to ``value``, which does not vary."""
        if isinstance(value, ast.Constant) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool):
            return ast.Constant(0.0)
        if isinstance(value, (ast.List, ast.Dict)) and not (value.keys if isinstance(value, ast.Dict) else value.elts):
            return type(value)(keys=[], values=[]) if isinstance(value, ast.Dict) else ast.List(elts=[], ctx=ast.Load())  # a new one, filled as the primal is
        shape = self.shapes.of(value)
        if shape == ():
            return ast.Constant(0.0)
        return rt_call("zero_tangent", load(name))

    def _checks(self, node):
        """Is ``node`` a call whose result, as a statement, changes no tangent: of a function
        that carries no derivative (a runtime check, ``_rt.returned(...)``), or of your own
        (``plot(ax, u)``: a change it made to a differentiated argument is refused when it
        runs, ``_rt.lent``/``_rt.returned`` around it, as in reverse mode)?"""
        if not isinstance(node, ast.Call):
            return False
        ok, fn = self.resolver.value_of(node.func)
        return ok and (registry.is_nondiff(fn) or (is_user_function(fn) and registry.lookup(fn) is None))

    def _touches_active(self, stmt):
        return any(isinstance(n, ast.Name) and self.act.active(n.id) for n in walk(stmt))

    # -- expressions ----------------------------------------------------------------

    def expr(self, node, pre, ans_name=None):
        """``(primal, tangent)`` of ``node``: the expression to compute it (operands kept
        in temporaries appended to ``pre``) and its tangent, or ``None`` where it is zero.
        ``ans_name``: the name a tangent of the whole expression reads the result by
        (``ROOT``: the statement decides), else it is kept in a temporary."""
        if isinstance(node, ast.Name):
            return node, (load(self.tangent(node.id)) if self.act.active(node.id) else None)
        if not self.act.expr_active(node) or isinstance(node, (ast.Constant, ast.Compare)):
            return node, None
        if isinstance(node, ast.Call):
            own = forward_calls.own(self, node)
            if own is not None:
                return forward_calls.own_call(self, own, pre)
            through = nested.rewritten(node, self.resolver, self.gradient_names, self.diags)  # grad(g)(x): _rt.gradient_of, or AD201
            if through is None:
                return node, None
            node = through
        found = forward_containers.expression(self, node, pre)  # a container display, an object's attribute
        if found is not None:
            return found
        guarded = objects.guarded_index(self.act, self.resolver, node)  # c[i]: only selects, checked when it runs
        if guarded is not None:
            return guarded, None
        found = self.operation(node)
        if found is None:
            return node, None
        fn, args, keywords, rebuild, label = found
        if registry.is_nondiff(fn):
            return node, None
        library = all(k == "like" and is_atomic(v) for k, v in keywords)  # like=x: of x's library
        if (fn is np.array or fn is np.asarray) and library and len(args) == 1 and self._numbers(args[0]):
            parts = [self.expr(e, pre) for e in args[0].elts]  # an array of numbers: the array of their tangents
            tangents = call("np.array", ast.List(elts=[ast.Constant(0.0) if t is None else t for _, t in parts], ctx=ast.Load()))
            tangents.keywords = [ast.keyword(arg=k, value=clone(v)) for k, v in keywords]
            return rebuild([type(args[0])(elts=[p for p, _ in parts], ctx=ast.Load())], keywords), tangents
        how = tangent_registry.lookup(fn)
        rule = registry.lookup(fn)
        if how is not None and how.written:
            return forward_containers.written(self, node, fn, args, keywords, rebuild, pre)
        if how is None or rule is None:
            self.diags.report(node, errors.AD224_NO_RULE, name=label)
            return node, None
        try:
            mapping, slot_args = inline.bind(inline.template(rule), args, keywords)
        except inline.BindError as exc:
            self.diags.report(node, errors.AD204_RULE_ARGUMENTS, rule=label, error=exc, params=", ".join(map(str, inline.template(rule).params)))
            return node, None
        refused = objects.refusal(self, inline.template(rule), mapping)  # the reverse rule's refuse= conditions hold forward too
        if refused:
            self.diags.report(node, errors.AD210_RULE_REFUSES, reason=refused)
            return node, None
        primal, tan = self._apply(node, how, rule, mapping, slot_args, args, keywords, rebuild, pre, ans_name)
        return primal, (forward_sums.scale_out(tan) if fn in forward_sums.SUMS else tan)

    def _apply(self, node, how, rule, mapping, slot_args, args, keywords, rebuild, pre, ans_name):
        lowered = {}
        for arg in args + [v for _, v in keywords]:
            if isinstance(arg, (ast.List, ast.Tuple)):
                parts = [self.expr(e, pre) for e in arg.elts]
                lowered[id(arg)] = (type(arg)(elts=[p for p, _ in parts], ctx=ast.Load()), parts)
            else:
                lowered[id(arg)] = self.expr(arg, pre)
        tpl = inline.template(rule)
        slots = _slot_params(tpl.params, mapping)  # per slot: (parameter index, item of a *args or None)
        active = [k for k, a in enumerate(slot_args) if a is not None and _has_tangent(lowered[id(a)])]
        if not active:
            return rebuild([lowered[id(a)][0] for a in args], [(k, lowered[id(v)][0]) for k, v in keywords]), None
        plans = [self._plan(how, tpl, k, *slots[k]) for k in active]
        if any(plan is None for plan in plans):
            self.diags.report(node, errors.AD224_NO_RULE, name=tpl.name)
            return node, None
        if how.joint is not None:  # the parameters a joining function is linear in together: one contribution for all of them
            kept = [(plan, k) for plan, k in zip(plans, active) if plan[0] != "joint"]
            if len(kept) < len(active):
                kept.append((("joint", _joint_reads(how, tpl)), None))
            plans, active = [p for p, _ in kept], [k for _, k in kept]
        if rule.outputs is not None and not isinstance(rule.outputs, int) and len(plans) > 1:  # a sequence's contributions would be joined by +
            self.diags.report(node, errors.AD224_SEQUENCE_SUM, name=tpl.name)
            return node, None
        read = set().union(*(reads for _, reads in plans))
        fit = how.derived is not None and not self._spans(node, active, slot_args)
        others = [tpl.params[slots[k][0]].name for k, a in enumerate(slot_args) if fit and a is not None and k not in active and slots[k][1] is None]
        read |= set(others)
        for pname in read:  # the operands the contributions read, kept unless cheap to read again
            for arg in mapping[pname] if isinstance(mapping[pname], list) else [mapping[pname]]:
                if id(arg) in lowered and not self._cheap(lowered[id(arg)][0]):
                    kept = self.names.temp()
                    pre.append(assign(kept, lowered[id(arg)][0]))
                    lowered[id(arg)] = (load(kept), lowered[id(arg)][1])
        primal = rebuild([lowered[id(a)][0] for a in args], [(k, lowered[id(v)][0]) for k, v in keywords])
        values = {p.name: self._value(mapping[p.name], lowered) for p in tpl.params}
        parts = [self._joint(how.joint, args, keywords, tpl.params, lowered, rebuild) if k is None
                 else self._contribution(plan, k, slots[k], slot_args, lowered, values, args, keywords, rebuild, tpl, rule)
                 for (plan, _), k in zip(plans, active)]
        if rule.callbacks:  # the user's function the primal calls (odeint's func): its tangent function, passed
            parts = forward_callbacks.with_jvps(self, node, rule, tpl, mapping, slots, active, parts)
            if parts is None:
                return node, None
        ans = None
        if any(_reads_ans(p) for p in parts):
            if ans_name is None:
                kept = self.names.temp()
                pre.append(assign(kept, primal))
                primal = load(kept)
            ans = load(kept) if ans_name is None else ast.Name(id=ans_name, ctx=ast.Load())
            parts = [_filled(p, ans) for p in parts]
        if len(parts) > 1 and _maybe_tuples(rule, how, parts):  # tuple tangents add entry by entry
            return primal, forward_tuples.added(parts)
        total = parts[0]
        for p in parts[1:]:
            total = forward_sums.added(total, p)
        others = [p for p in others if not forward_sums.multiplies(total, values[p])]
        if fit and others:  # a tangent smaller than the result (``x + b``, ``b`` larger): spread over the other operands' shape
            total = rt_call("fit", total, *[clone(values[p]) for p in others])
        return primal, total

    def _plan(self, how, tpl, k, index, item):
        """``(how, the parameters it reads)`` for the contribution of slot ``k``: ``"linear"``,
        ``"explicit"`` (its rule's template), ``"pasted"`` (the elementwise reverse
        template), ``"called"`` (the elementwise reverse rule, called), ``"zero"``; or None."""
        names = {p.name for p in tpl.params}
        if how.joint is not None and index in how.joint:
            return "joint", _joint_reads(how, tpl)
        if how.linear is not None and index in how.linear:
            return "linear", names - {tpl.params[index].name}
        if index in how.rules:
            rtpl = inline.template(registry.Rule(how.rules[index]))
            if {p.name for p in tpl.params} - {p.name for p in rtpl.params}:
                return None  # a parameter the reverse rule takes and this one would ignore
            out = forward_tuples.output(rtpl)
            if rtpl.inlined and out is not None:
                return ("explicit", rtpl), names_in(out) & names
            if rtpl.rule.fn.__module__.startswith("adgen.runtime."):  # a built-in rule, called by its public name
                return ("explicit", rtpl), names
            return None  # a forward rule of the user's with more than one statement: not called yet
        if how.derived is not None:
            out = tpl.output(k)
            if out is None:
                return "zero", set()
            if tpl.inlined:
                out = _strip_unbroadcast(out)
                if not any(path_of(n.func) in ("_rt.unbroadcast", "_rt.sum_to", "_rt.expand") for n in walk(out) if isinstance(n, ast.Call)):
                    return ("pasted", out), names_in(out) & names
            if tpl.rule.fn.__module__.startswith("adgen.runtime."):  # a built-in rule, called by its public name
                return "called", names
        return None  # a rule of the user's with more than one statement: not used forward yet

    def _contribution(self, plan, k, slot, slot_args, lowered, values, args, keywords, rebuild, tpl, rule):
        """The contribution of slot ``k``'s tangent, reading the result as the placeholder
        ``ANS`` (filled in once it is known)."""
        index, item = slot
        low = lowered[id(slot_args[k])]
        t = _tangent_of(low) if item is None else low[1]
        kind = plan[0] if isinstance(plan, tuple) else plan
        if kind == "linear":
            return self._linear(index, item, args, keywords, tpl.params, lowered, rebuild)
        if kind == "explicit":
            return self._pasted(plan[1], t, values)
        if kind == "pasted":
            return inline.paste(plan[1], {**values, tpl.g: t, tpl.ans: _ans()})
        if kind == "zero":
            return ast.Constant(0.0)
        return self._called(rule.fn, k, t, args, keywords, lowered)

    def _pasted(self, tpl, t, values):
        """An explicit rule's contribution: its one expression with the tangent for ``t``, or
        a call of it (``_rt.jvps.<name>``) when it has more than one statement."""
        out = forward_tuples.output(tpl)
        if tpl.inlined and out is not None:
            return inline.paste(out, {**values, tpl.g: t, tpl.ans: _ans()})
        args, keywords = [t, _ans()], []
        for p in tpl.params:
            if p.name not in values:  # one the transpiler passes itself (``func_jvp``: forward_callbacks)
                continue
            value = values[p.name]
            if p.kind == p.KEYWORD_ONLY:
                if not inline.is_default(value):
                    keywords.append(ast.keyword(arg=p.name, value=clone(value)))
            elif p.kind == p.VAR_POSITIONAL:
                args.extend(clone(e) for e in value.elts)
            else:
                args.append(clone(value))
        return ast.Call(func=dotted(f"_rt.jvps.{tpl.rule.fn.__name__}"), args=args, keywords=keywords)

    def _called(self, fn, k, t, args, keywords, lowered):
        """``_rt.elementwise_jvp(_rt.vjps.<rule>, k, t, ans, <the call's arguments>)``, for a
        built-in elementwise rule that is called rather than pasted."""
        call = rt_call("elementwise_jvp", dotted(f"_rt.vjps.{fn.__name__}"), ast.Constant(k), t, _ans(), *[clone(lowered[id(a)][0]) for a in args])
        call.keywords = [ast.keyword(arg=n, value=clone(lowered[id(v)][0])) for n, v in keywords]
        return call

    def _linear(self, index, item, args, keywords, params, lowered, rebuild):
        """The primal called with the tangent in place of parameter ``index`` (of its item
        ``item`` of a ``*args``), the sequence of tangents for a sequence of arrays."""
        new_args = [clone(lowered[id(a)][0]) for a in args]
        new_keywords = [(n, clone(lowered[id(v)][0])) for n, v in keywords]
        name = params[index].name
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
        if item is not None:  # one item of *args
            new_args[index + item] = _tangent_of(lowered[id(args[index + item])])
            return rebuild(new_args, new_keywords)
        for k, a in enumerate(args):
            if k < len(positional) and positional[k].name == name:
                new_args[k] = _tangent_of(lowered[id(a)])
        for k, (n, v) in enumerate(keywords):
            if n == name:
                new_keywords[k] = (n, _tangent_of(lowered[id(v)]))
        return rebuild(new_args, new_keywords)

    def _joint(self, joint, args, keywords, params, lowered, rebuild):
        """The primal called with every parameter of ``joint`` (every item of a ``*args``)
        replaced by its tangent, or by a zero tangent where it has none (``None`` stays):
        ``np.append(x, v)`` -> ``np.append(_dot_x, _rt.zero_tangent(v))``."""
        names = {params[i].name for i in joint}
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]

        def swapped(a):
            low = lowered[id(a)]
            if _has_tangent(low):
                return _tangent_of(low)
            if isinstance(low[0], ast.Constant) and low[0].value is None:
                return clone(low[0])
            if isinstance(low[0], ast.Slice):  # np.r_[a, 0:3]: the slice as a value
                parts = [clone(p) if p is not None else ast.Constant(None) for p in (low[0].lower, low[0].upper, low[0].step)]
                return rt_call("zero_tangent", ast.Call(func=ast.Name(id="slice", ctx=ast.Load()), args=parts, keywords=[]))
            return rt_call("zero_tangent", clone(low[0]))

        new_args = []
        for k, a in enumerate(args):
            p = positional[min(k, len(positional) - 1)] if positional else None
            mine = p is not None and (k < len(positional) or p.kind == p.VAR_POSITIONAL) and p.name in names
            new_args.append(swapped(a) if mine else clone(lowered[id(a)][0]))
        new_keywords = [(n, swapped(v) if n in names else clone(lowered[id(v)][0])) for n, v in keywords]
        return rebuild(new_args, new_keywords)

    def _value(self, value, lowered):
        if isinstance(value, list):
            return ast.Tuple(elts=[clone(lowered[id(v)][0]) if id(v) in lowered else v for v in value], ctx=ast.Load())
        return clone(lowered[id(value)][0]) if id(value) in lowered else value

    def _spans(self, node, active, slot_args):
        """Is the sum of the contributions of ``active`` sure to have the result's shape
        (so that it needs no ``_rt.fit``)? Yes when the shapes say so, or when every operand
        without a tangent is a number."""
        whole = self.shapes.of(node)
        if whole is not None and all(self.shapes.of(slot_args[k]) == whole for k in active):
            return True
        for k, a in enumerate(slot_args):
            if a is None or k in active:
                continue
            if isinstance(a, ast.Constant) or self.shapes.of(a) == ():
                continue
            return False
        return True

    def _numbers(self, node):
        """Is ``node`` a list or tuple display of values known to be numbers?"""
        return isinstance(node, (ast.List, ast.Tuple)) and bool(node.elts) and all(self.shapes.of(e) == () for e in node.elts)

    def _cheap(self, node):
        """Cheap to read again: a name, a constant, an entry or slice of a named array
        (``h[i % 3]``), or arithmetic of values that do not vary (``i + 1``)."""
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            return not self.act.expr_active(node.slice) and is_atomic(node.slice)
        return isinstance(node, (ast.Name, ast.Constant)) or (is_atomic(node) and not self.act.expr_active(node))

    def operation(self, node):
        """``(primal function, args, keywords, rebuild, label)`` for a differentiable node, or
        ``None`` with a diagnostic."""
        if isinstance(node, ast.BinOp):
            rebuild = lambda a, k: ast.copy_location(ast.BinOp(left=a[0], op=node.op, right=a[1]), node)  # noqa: E731
            return BINOPS.get(type(node.op)), [node.left, node.right], [], rebuild, f"the operator {type(node.op).__name__}"
        if isinstance(node, ast.UnaryOp):
            rebuild = lambda a, k: ast.copy_location(ast.UnaryOp(op=node.op, operand=a[0]), node)  # noqa: E731
            return UNARYOPS.get(type(node.op)), [node.operand], [], rebuild, f"the operator {type(node.op).__name__}"
        if isinstance(node, ast.Subscript):
            if not self.act.expr_active(node.value):  # np.r_[x, y]: the object's rule; c[x > 0] selects (no tangent)
                found = objects.indexed_object(self.resolver, self.diags, node)
                return None if found is None else (found[0], found[1], [], found[2], found[3])
            rebuild = lambda a, k: ast.copy_location(ast.Subscript(value=a[0], slice=a[1], ctx=ast.Load()), node)  # noqa: E731
            return operator.getitem, [node.value, node.slice], [], rebuild, "subscripts"
        if isinstance(node, ast.Attribute):
            fn = getattr(np.ndarray, node.attr, None)
            rebuild = lambda a, k: ast.copy_location(ast.Attribute(value=a[0], attr=node.attr, ctx=ast.Load()), node)  # noqa: E731
            if fn is None:
                self.diags.report(node, errors.AD205_NO_ATTRIBUTE, name=node.attr)
                return None
            return fn, [node.value], [], rebuild, f"the array attribute .{node.attr}"
        if isinstance(node, ast.Call):
            return self._call(node)
        self.diags.report(node, errors.AD224_EXPRESSION, kind=type(node).__name__)
        return None

    def _call(self, node):
        func, args, keywords = node.func, list(node.args), [(k.arg, k.value) for k in node.keywords]
        if any(isinstance(a, ast.Starred) for a in args) or any(n is None for n, _ in keywords):
            self.diags.report(node, errors.AD224_SPREAD)
            return None
        ok, fn = self.resolver.value_of(func)
        if not ok:
            ok, fn = self.resolver.method_of(func)
        if not ok and self.resolver.instances is not None:  # a function an object holds: self.subtract(x, y), np.subtract there
            ok, fn = self.resolver.instances.function(func)
        if ok:
            if is_user_function(fn) and registry.lookup(fn) is None:
                self.diags.report(node, errors.AD224_OWN_FUNCTION, name=getattr(fn, "__qualname__", ast.unparse(func)))
                return None

            def rebuild(a, k):
                return ast.copy_location(ast.Call(func=func, args=a, keywords=[ast.keyword(arg=n, value=v) for n, v in k]), node)

            return fn, args, keywords, rebuild, ast.unparse(func)
        if isinstance(func, ast.Attribute):
            fn = getattr(np.ndarray, func.attr, None)
            if fn is None:
                self.diags.report(func, errors.AD205_NO_METHOD, name=func.attr)
                return None

            def rebuild(a, k):
                method = ast.copy_location(ast.Attribute(value=a[0], attr=func.attr, ctx=ast.Load()), func)
                return ast.copy_location(ast.Call(func=method, args=a[1:], keywords=[ast.keyword(arg=n, value=v) for n, v in k]), node)

            return fn, [func.value] + args, keywords, rebuild, f"the array method .{func.attr}()"
        self.diags.report(node, errors.AD224_CALL, name=ast.unparse(func))
        return None


ANS = "<ans>"  # where a contribution reads the primal's result, until it is known (never a user's name)
ROOT = "<root>"  # where the tangent of a statement's value reads the value, until the statement is laid out


def _ans():
    return ast.Name(id=ANS, ctx=ast.Load())


def _reads_ans(expr):
    return any(isinstance(n, ast.Name) and n.id == ANS for n in walk(expr))


def _filled(expr, ans):
    return clone(expr, {ANS: ans})


def _tangent_of(low):
    """The tangent of a lowered operand: a sequence of arrays gets the sequence of their
    tangents, zeros for those without."""
    primal, tan = low
    if isinstance(tan, list):  # a list or tuple display: (primal, tangent) per item
        items = [t if t is not None else rt_call("zero_tangent", clone(p)) for p, t in tan]
        return (ast.Tuple if isinstance(primal, ast.Tuple) else ast.List)(elts=items, ctx=ast.Load())
    return tan


def _has_tangent(low):
    tan = low[1]
    if isinstance(tan, list):
        return any(t is not None for _, t in tan)
    return tan is not None


def _maybe_tuples(rule, how, parts):
    """May the contributions ``parts`` be tuples (or lists), which ``+`` would join rather than
    add: a result of a fixed tuple, one declared ``sequence_valued``, a tuple display a rule
    pasted, or what a rule called by name returns (``scipy.linalg.eigh`` gives ``(w, v)`` or
    ``w`` by its arguments)?"""
    if isinstance(rule.outputs, int) or how.sequence:
        return True
    if how.derived is not None:  # elementwise: arrays
        return False
    return any(isinstance(p, ast.Tuple) or (isinstance(p, ast.Call) and (path_of(p.func) or "").startswith("_rt.jvps.")) for p in parts)


def stores_into_arrays(body):
    """Does ``body`` store into an array anywhere (``a[i] = e``)?"""
    return any(isinstance(t, ast.Subscript) for n in statements(body) if isinstance(n, ast.Assign) for t in n.targets)


def _passed_through(tan):
    """May the tangent ``tan`` be another's own array (a name, or one ``_rt.fit`` may give back)?"""
    return isinstance(tan, ast.Name) or (isinstance(tan, ast.Call) and path_of(tan.func) == "_rt.fit" and isinstance(tan.args[0], ast.Name))


def _unpacks(stmt, primal, tan):
    """Is ``stmt`` the ``_t1, _dot_t1 = jvp_g(...)`` of a call whose value and tangent are
    ``primal`` and ``tan`` (names read nowhere else)?"""
    if not (isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Tuple)):
        return False
    names = [e.id for e in stmt.targets[0].elts]
    return isinstance(primal, ast.Name) and isinstance(tan, ast.Name) and names == [primal.id, tan.id]


def _strip_unbroadcast(expr):
    """``_rt.unbroadcast(e, x)`` -> ``e``: forward, nothing is summed."""
    class Strip(ast.NodeTransformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            return node.args[0] if path_of(node.func) == "_rt.unbroadcast" else node

    return Strip().visit(clone(expr))


def _joint_reads(how, tpl):
    """The parameters the joint contribution reads as they are: all but the joint ones."""
    return {p.name for p in tpl.params} - {tpl.params[i].name for i in how.joint}


def _slot_params(params, mapping):
    """Per cotangent slot (as ``inline.bind`` orders them): ``(parameter index, item)``,
    ``item`` the position within a ``*args`` parameter, else ``None``."""
    slots = []
    for index, p in enumerate(params):
        if p.kind == p.VAR_POSITIONAL:
            slots.extend((index, item) for item in range(len(mapping[p.name])))
        else:
            slots.append((index, None))
    return slots
