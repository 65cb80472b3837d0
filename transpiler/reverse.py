"""Reverse mode for expressions: the machinery every statement's reverser shares.

A statement's reverser (``reversers.py`` picks it by the statement's kind) makes a
``Block``: its forward statements (the user's statement, after ``Reverser.lower``
hoisted into temporaries only the sub-expressions whose values the backward pass
reads) and its backward statements (``Reverser.backprop``: the cotangent pushed
from an expression to its operands' adjoints). Backward statements carry a tag
``(kind, via)`` for the optimiser: ``accum`` (``_dx = _dx + c``), ``set``
(``_g = c``) or ``zero`` (``_dx = 0.0``), where ``c`` is linear in the adjoint
named by ``via``.
"""

import ast
import builtins
import operator
import types
from dataclasses import dataclass, field

import numpy as np

from adgen import complexity, container_rewrites, errors, fields, frozen, funcargs, inline, nested, objects, shapes, stubs, variadic, zeros
from adgen.inline import BindError
from adgen.marks import mark, marks
from adgen.names import GRAD, RESULT, module_alias
from adgen.resolve import alias_for
from adgen.runtime import registry
from adgen.simplify import is_literal
from adgen.source import binding_of
from adgen.syntax import (
    BINOPS,
    FORM_READS,
    UNARYOPS,
    assign,
    call,
    clone,
    dotted,
    index_value,
    is_atomic,
    is_int_constant,
    is_simple,
    is_unbroadcast,
    load,
    name_nodes,
    names_in,
    recomputable,
    rt_call,
    shape_operand,
    tag,
    value_names,
    walk,
)


@dataclass
class Op:
    """A differentiable node of an expression, after lowering."""

    kind: str  # "var" | "rule" | "seq" | "pick" | "call" (to the user's function, calls.py)
    node: ast.expr
    name: str = ""  # var: the variable
    tpl: object = None  # rule: its template
    values: dict = field(default_factory=dict)  # rule: parameter -> expression of its value
    slots: list = field(default_factory=list)  # rule/seq: child Op (or None) per cotangent slot
    outputs: dict = field(default_factory=dict)  # rule: slot -> cotangent template
    ans: ast.expr = None  # rule: expression of the node's value
    deferred: set = field(default_factory=set)  # rule: slots whose unbroadcasting is left to the operand
    shapes: dict = field(default_factory=dict)  # rule: parameter -> static shape of its value (or None)
    index: int = 0  # pick: which output of a tuple-valued call
    width: int = 0  # pick: how many outputs
    real_slots: set = field(default_factory=set)  # rule: real operands of a value that may be complex


@dataclass
class Block:
    """A statement reversed: the (forward, backward) pair the layout consumes, and what
    the layout needs to know to record values for it."""

    stmt: ast.stmt  # the user's statement, for the ``# line`` comment
    forward: list
    backward: list
    targets: list  # user names the statement assigns
    temps: list  # temporaries its forward assigns
    reads_pre: set = field(default_factory=set)  # names the backward reads as they were before
    reads_post: set = field(default_factory=set)  # names the backward reads as they are after
    undo: tuple = None  # an in-place store's (array, save, undo, saved): inplace.drop_needless_undo


class Reverser:
    """``calls``: a ``calls.Caller`` for calls to the user's own functions (None: refused);
    ``complexity``: which values may be complex (``complexity.Complexity``, None: none);
    ``parameters``: the differentiated function's own parameters, not a callee's
    (``funcargs.unresolved``); ``gradient_names``: local names bound to a gradient
    function (``nested.py``)."""

    def __init__(self, resolver, activity, shapes, names, diags, calls=None, complexity=None, parameters=frozenset(), gradient_names=None):
        self.resolver = resolver
        self.activity = activity
        self.shapes = shapes
        self.names = names
        self.diags = diags
        self.calls = calls
        self.complexity = complexity
        self.parameters = parameters
        self.gradient_names = gradient_names or {}
        self.backward_names = set()  # adjoints and adjoint temporaries
        self.adjoints = set()  # the adjoints of variables
        self.large = set()  # temporaries statically known to be large arrays
        self.rule_modules = {}  # module name -> alias used in generated code
        self.rule_bindings = {}  # that alias -> source.Binding of the module
        self._pending = {}  # while ``backprop_into`` runs: target name -> cotangents reaching it

    # -- names -------------------------------------------------------------------------

    def adjoint(self, var):
        name = self.names.adjoint(var)
        self.backward_names.add(name)
        self.adjoints.add(name)
        return name

    def _note_size(self, name, origin):
        shape = self.shapes.of(origin)
        if shape is not None and shapes.size(shape) >= shapes.LARGE:
            self.large.add(name)

    def gtemp(self):
        name = self.names.serial(GRAD)
        self.backward_names.add(name)
        return name

    def rtemp(self):
        name = self.names.serial(RESULT)
        self.backward_names.add(name)
        return name

    # -- what a statement's backward reads ---------------------------------------------

    def reads(self, block):
        """``(pre, post)``: the names the block's backward reads as they were before the
        statement ran and as they are after it (its result and temporaries). A name read
        only for its form by a ``FORM_READS`` call, with a shape known statically, is not
        counted: any value the name holds later has that shape, so it need not be recorded."""
        pre, post = set(), set()
        static = set()
        for stmt in block.backward:
            for node in walk(stmt):  # a call comes before its arguments
                if _static_form_read(node, self.shapes):
                    static.add(id(shape_operand(node, FORM_READS)))
                if id(node) in static:
                    continue
                if not isinstance(node, ast.Name) or not isinstance(node.ctx, ast.Load):
                    continue
                if node.id in self.backward_names or node.id in ("np", "_rt") or node.id in self.resolver.bound:
                    continue
                if node.id in self.rule_modules.values():
                    continue
                if marks(node).ans or node.id in block.temps:
                    post.add(node.id)
                else:
                    pre.add(node.id)
        return pre, post

    # -- lowering: hoist what the backward pass needs -----------------------------------

    def lower(self, node, fwd, root_ans=None, tuple_width=0):
        """``(forward expression, Op or None)`` for ``node``; appends hoisted temporaries to ``fwd``."""
        if isinstance(node, ast.Name):
            return node, (Op("var", node, name=node.id) if self.activity.active(node.id) else None)
        if not self.activity.expr_active(node):
            return node, None
        if isinstance(node, (ast.List, ast.Tuple, ast.Dict)):
            return self.lower_seq(node, fwd)
        if isinstance(node, ast.Subscript) and self._tuple_call(node.value) and is_int_constant(node.slice):
            return self._lower_pick(node, fwd)
        built = fields.construct(self, node, fwd)  # Layer(W, b)
        if built is not None:
            return built
        if self.calls is not None and isinstance(node, ast.Call):
            done = self.calls.lower(self, node, fwd, tuple_width)
            if done is not None and done[1] is not None and self._complex_at(node, node.args + [k.value for k in node.keywords]):
                self.diags.report(node, errors.AD310_OWN_FUNCTION)
                return node, None
            if done is not None:
                return done
        guarded = objects.guarded_index(self.activity, self.resolver, node)
        if guarded is not None:
            return guarded, None
        found = self.operation(node, tuple_width)
        if found is None:
            return node, None
        tpl, args, keywords, rebuild = found
        try:
            mapping, slot_args = inline.bind(tpl, args, keywords)
        except BindError as exc:
            self.diags.report(node, errors.AD204_RULE_ARGUMENTS, rule=tpl.name, error=exc, params=", ".join(str(p) for p in tpl.params))
            return node, None
        refusal = objects.refusal(self, tpl, mapping)
        if refusal:
            self.diags.report(node, errors.AD210_RULE_REFUSES, reason=refusal)
            return node, None
        plans = {}
        if tpl.rule.callbacks:  # the user's functions it calls: their VJPs, generated (calls.py)
            plans = self.calls.callbacks(self, node, tpl, mapping) if self.calls is not None else None
            if plans is None:
                return node, None
        lowered = {}
        for arg in args + [v for _, v in keywords]:
            lowered[id(arg)] = self.lower(arg, fwd)
        slots = [lowered[id(a)][1] if a is not None else None for a in slot_args]
        held = tpl.rule.constant and [p.name for p, child in zip(tpl.params, slots) if child is not None and p.name in tpl.rule.constant]
        if held:
            self.diags.report(node, errors.AD311_CONSTANT_PARAMETER, rule=tpl.name, param=held[0])
            return node, None
        if container_rewrites.joins(node) and any(slots):
            self.diags.report(node, errors.AD112_JOINED)
            return node, None
        outputs = {}
        for k, child in enumerate(slots):
            if child is not None and tpl.output(k) is not None:
                outputs[k] = tpl.output(k)
        if not outputs:
            return rebuild([lowered[id(a)][0] for a in args], [(k, lowered[id(v)][0]) for k, v in keywords]), None
        deferred = set()
        known = {p: self.shapes.of(v) for p, v in mapping.items() if isinstance(v, ast.expr)}
        if tpl.inlined:
            keep, deferred = self._unbroadcast_keep(node, tpl, mapping, slots, slot_args)
            outputs = {k: inline.specialise(e, keep, known) for k, e in outputs.items()}
            needs = names_in(list(outputs.values()))
            shape_only = needs - value_names(outputs.values())
        else:
            needs = {p.name for p in tpl.params} | {tpl.g} | ({tpl.ans} if tpl.reads_ans else set())
            shape_only = set()
        self._hoist_operands(mapping, lowered, needs, shape_only, fwd)
        new = rebuild([lowered[id(a)][0] for a in args], [(k, lowered[id(v)][0]) for k, v in keywords])
        values = {}
        for pname, value in mapping.items():
            if isinstance(value, list):
                values[pname] = [index_value(lowered[id(a)][0]) for a in value]
            else:
                values[pname] = index_value(lowered[id(value)][0]) if id(value) in lowered else value
        for pname, plan in plans.items():
            values[pname + "_vjp"] = self.calls.callback_vjp(plan, values[pname])
        ans = root_ans
        if tpl.ans in needs and root_ans is None:
            new = self.hoist(new, fwd, node)
            ans = new
        mark(new, active=True)
        op = Op("rule", node, tpl=tpl, values=values, slots=slots, outputs=outputs, ans=ans, deferred=deferred, shapes=known)
        if self.maybe_complex(node):  # its cotangent may be complex: a real operand takes the real part
            op.real_slots = {k for k, a in enumerate(slot_args) if a is not None and not self.maybe_complex(a)}
        return new, op

    def _hoist_operands(self, mapping, lowered, needs, shape_only, fwd):
        """Keep in temporaries the operand values the backward reads, unless they are
        names, numbers or cheap to compute again. An operand read only for its shape is
        kept, never computed again."""
        for pname, value in mapping.items():
            if pname not in needs:
                continue
            for arg in value if isinstance(value, list) else [value]:
                if id(arg) not in lowered or is_atomic(lowered[id(arg)][0]):
                    continue
                if pname in shape_only or not recomputable(lowered[id(arg)][0]):
                    expr, child = lowered[id(arg)]
                    lowered[id(arg)] = (self.hoist(expr, fwd, arg), child)

    def hoist(self, expr, fwd, origin):
        """``expr`` (the lowered form of ``origin``) into a new forward temporary."""
        name = self.names.temp()
        self._note_size(name, origin)
        fwd.append(assign(name, index_value(expr), expr))  # a slice is kept as ``np.s_[...]``
        return ast.copy_location(load(name), expr)

    def lower_seq(self, node, fwd):
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                self.diags.report(node, errors.AD102_DICT_SPREAD)
                return node, None
            parts = [self.lower(e, fwd) for e in node.values]
            new = ast.copy_location(ast.Dict(keys=node.keys, values=[p[0] for p in parts]), node)
        else:
            parts = [self.lower(e, fwd) for e in node.elts]
            new = ast.copy_location(type(node)(elts=[p[0] for p in parts], ctx=ast.Load()), node)
        slots = [p[1] for p in parts]
        if not any(slots):
            return new, None
        return new, Op("seq", node, slots=slots)

    def _lower_pick(self, node, fwd):
        call = node.value
        width = self._tuple_call(call)
        expr, op = self.lower(call, fwd, tuple_width=width)
        if op is None:
            return node, None
        if not isinstance(expr, ast.Name):
            expr = self.hoist(expr, fwd, call)
            op.ans = expr
        new = ast.copy_location(ast.Subscript(value=expr, slice=node.slice, ctx=ast.Load()), node)
        return new, Op("pick", node, slots=[op], index=node.slice.value, width=width)

    def _tuple_call(self, node):
        """The fixed number of outputs of a call to a tuple-valued function, else 0."""
        if not isinstance(node, ast.Call):
            return 0
        ok, fn = self.resolver.value_of(node.func)
        rule = registry.lookup(fn) if ok else None
        if rule is not None and rule.variants:
            rule = rule.pick(objects.known_arguments(self, fn, node.args, [(k.arg, k.value) for k in node.keywords]))
        if rule is None and self.calls is not None:
            return self.calls.tuple_width(self, node)  # a function of the user's returning `a, b`
        return rule.outputs if rule is not None and isinstance(rule.outputs, int) else 0

    def _unbroadcast_keep(self, node, tpl, mapping, slots, slot_args):
        """``(keep, deferred)``: the parameters whose cotangents stay unbroadcast here, and
        the slots whose unbroadcasting is left to the operand.

        Only an elementwise rule drops any: for an operand whose shape is statically the
        result's, or whose other operands are all number literals or of the same shape (``Shapes.alike``)
        (shapes already agree), and for an operand
        that is itself a variable or elementwise (they commute with unbroadcasting, so the
        operand's own rule or the variable receiving the cotangent does it), as long as
        every path below it stays elementwise up to a point that unbroadcasts."""
        if not tpl.rule.elementwise:
            return set(mapping), set()
        keep = set()
        operands = {p: v for p, v in mapping.items() if not isinstance(v, list) and not inline.is_default(v)}
        shape = self.shapes.of(node)
        for p, v in operands.items():
            if shape is not None and self.shapes.of(v) == shape:
                continue
            others = [o for q, o in operands.items() if q != p]
            if not all(is_literal(o) or self.shapes.alike(o, v) for o in others):
                keep.add(p)
        deferred = set()
        for k, child in enumerate(slots):
            pname = _param_of(mapping, slot_args[k])
            static = shape is not None and self.shapes.of(operands.get(pname)) is not None  # summed here
            if pname in keep and not static and child is not None and accepts_unshaped(child):
                keep.discard(pname)
                deferred.add(k)
        return keep, deferred

    def _static_unbroadcast(self, expr, op):
        """``_rt.unbroadcast(e, x)`` -> ``np.sum(e, axis=...)`` when the rule's result and
        ``x`` have known shapes (and ``e``, with the result's shape, is no wider)."""
        inner, target = expr.args
        source, shape = self.shapes.of(op.node), op.shapes.get(getattr(target, "id", None))
        if source is None or shape is None:
            return expr
        return shapes.reduction(inner, source, shape) or expr

    # -- what operation a node is --------------------------------------------------------

    def operation(self, node, tuple_width=0):
        """``(template, args, keywords, rebuild)`` for a differentiable node, or ``None``
        (not differentiable, or a diagnostic was recorded)."""
        if isinstance(node, ast.BinOp):
            fn = BINOPS.get(type(node.op))
            rebuild = lambda a, k: ast.copy_location(ast.BinOp(left=a[0], op=node.op, right=a[1]), node)  # noqa: E731
            return self.rule_for(fn, node, [node.left, node.right], [], rebuild, _op_name(node))
        if isinstance(node, ast.UnaryOp):
            fn = UNARYOPS.get(type(node.op))
            rebuild = lambda a, k: ast.copy_location(ast.UnaryOp(op=node.op, operand=a[0]), node)  # noqa: E731
            return self.rule_for(fn, node, [node.operand], [], rebuild, _op_name(node))
        if isinstance(node, ast.Compare):
            return None  # piecewise constant
        if isinstance(node, (ast.BoolOp, ast.IfExp)):
            self.diags.report(node, errors.AD106_CONDITIONAL)
            return None
        if isinstance(node, ast.Call):
            return self._call(node, tuple_width)
        if isinstance(node, ast.Attribute):
            ok, value = self.resolver.value_of(node)
            if ok:
                return None  # a module-level constant
            if fields.of_object(self, node):  # p.W
                return fields.read(self, node)
            fn = getattr(np.ndarray, node.attr, None)
            rebuild = lambda a, k: ast.copy_location(ast.Attribute(value=a[0], attr=node.attr, ctx=ast.Load()), node)  # noqa: E731
            if fn is None:
                self.diags.report(node, errors.AD205_NO_ATTRIBUTE, name=node.attr)
                return None
            return self.rule_for(fn, node, [node.value], [], rebuild, f"the array attribute .{node.attr}", missing=errors.AD205_NO_RULE)
        if isinstance(node, ast.Subscript):
            if not self.activity.expr_active(node.value):
                return objects.index_object(self, node)
            rebuild = lambda a, k: ast.copy_location(ast.Subscript(value=a[0], slice=a[1], ctx=ast.Load()), node)  # noqa: E731
            return self.rule_for(operator.getitem, node, [node.value, node.slice], [], rebuild, "subscripts")
        self.diags.report(node, errors.AD102_DIFFERENTIATED, expression=type(node).__name__)
        return None

    def _call(self, node, tuple_width):
        node = variadic.shape_spread(node, lambda x: len(s) if isinstance(s := self.shapes.of(x), tuple) else None)
        if variadic.spread_left(node):
            self.diags.report(node, errors.AD206_UNKNOWN_SPREAD, name=ast.unparse(node.func))
            return None
        keywords = [(k.arg, k.value) for k in node.keywords]
        func = node.func
        through = nested.rewritten(node, self.resolver, self.gradient_names, self.diags)  # grad(g)(x): _rt.gradient_of, or AD201
        if through is not node:
            return None if through is None else self._call(through, tuple_width)
        ok, fn = self.resolver.value_of(func)
        if not ok:  # a method of a library's object: norm.logpdf(x), rng.normal(mu)
            ok, fn = self.resolver.method_of(func)
        if not ok and self.resolver.instances is not None:  # a function an object holds: self.act(x)
            ok, fn = self.resolver.instances.function(func)
        args = list(node.args)
        if ok and fields.as_attribute(fn, node) is not None:  # getattr(p, "W") is p.W
            return self.operation(fields.as_attribute(fn, node))
        if ok:

            def rebuild(a, k):
                call = ast.Call(func=func, args=a, keywords=[ast.keyword(arg=n, value=v) for n, v in k])
                return ast.copy_location(call, node)

            label = ast.unparse(func)
        elif isinstance(func, ast.Attribute):
            fn = getattr(np.ndarray, func.attr, None)
            held = frozen.unknown_method(func) if fn is None else None
            if held is not None:
                self.diags.report(func, held[0], **held[1])
                return None
            if fn is None:
                container = hasattr(list, func.attr) or hasattr(dict, func.attr)
                self.diags.report(func, errors.AD205_CONTAINER_METHOD if container else errors.AD205_NO_METHOD, name=func.attr)
                return None
            args = [func.value] + args

            def rebuild(a, k):
                method = ast.copy_location(ast.Attribute(value=a[0], attr=func.attr, ctx=ast.Load()), func)
                call = ast.Call(func=method, args=a[1:], keywords=[ast.keyword(arg=n, value=v) for n, v in k])
                return ast.copy_location(call, node)

            label = f"the array method .{func.attr}()"
        else:
            message, parts = funcargs.unresolved(func, self.parameters)
            self.diags.report(func, message, **parts)
            return None
        return self.rule_for(fn, node, args, keywords, rebuild, label, tuple_width=tuple_width)

    def maybe_complex(self, node):
        return self.complexity is not None and self.complexity.maybe(node)

    def _complex_at(self, node, operands):
        return self.maybe_complex(node) or any(self.maybe_complex(a) for a in operands)

    def rule_for(self, fn, node, args, keywords, rebuild, label, missing=errors.AD201_NO_RULE, tuple_width=0):
        operands = args + [v for _, v in keywords]
        if registry.is_nondiff(fn):
            if any(fn is f for f in complexity.COMPLEX_NONDIFF) and self._complex_at(node, operands):
                self.diags.report(node, errors.AD310_NOT_PIECEWISE_CONSTANT, name=label)
            return None
        rule = registry.lookup(fn)
        if rule is not None and rule.variants:
            rule = rule.pick(objects.known_arguments(self, fn, args, keywords))
        if rule is None:
            held = frozen.refusal(fn)
            if held is not None:
                self.diags.report(node, held[0], **held[1])
                return None
            if self.calls is None and isinstance(fn, types.FunctionType) and not fn.__module__.startswith(("numpy", "adgen.")):
                self.diags.report(node, errors.AD203_OWN_FUNCTION, name=fn.__qualname__)
            else:
                fix = stubs.stub(fn)
                owner = getattr(fn, "__self__", None)
                of_object = owner is not None and not isinstance(owner, (type, types.ModuleType)) and owner is not builtins
                kind = of_object and (stubs.public_path(type(owner)) or f"{type(owner).__module__}.{type(owner).__qualname__}")
                message = errors.AD201_NO_RULE_OF_OBJECT if of_object else missing
                self.diags.report(node, message, fix, name=stubs.spelling(fn) or label, kind=kind, stub=fix)
            return None
        if rule.outputs and not tuple_width:
            message = errors.AD302_TUPLE_RESULT_VARIANTS if registry.lookup(fn).variants else errors.AD302_TUPLE_RESULT
            self.diags.report(node, message, name=label)
            return None
        if self._complex_at(node, operands):
            rule = rule.for_complex()
            if rule is None:
                self.diags.report(node, errors.AD310_NOT_VERIFIED, name=stubs.spelling(fn) or label)
                return None
        return inline.template(rule), args, keywords, rebuild

    # -- backward: push the cotangent from a node to its operands ------------------------

    def backprop_into(self, op, g, via, targets, out):
        """``backprop`` for an assignment to ``targets``: the cotangents that reach a target
        are returned (target -> list), not added to its adjoint, which the assignment sets."""
        self._pending = {n: [] for n in targets}
        self.backprop(op, g, via, out)
        pending, self._pending = self._pending, {}
        return pending

    def backprop(self, op, g, via, out, shaped=True):
        """``shaped``: ``g`` has the node's shape (else it may still carry broadcast axes).
        A ``g`` marked ``zero`` (``Mark.zero``) may be the scalar ``0.0`` (an item of a container's
        adjoint, a callee's cotangent): a variable adds it as it is; anything else computes
        from it only through a temporary that ``optimize`` knows may be zero."""
        if zeros.is_zero(g):
            return  # the cotangent of an unused output, say: nothing flows
        if op.kind == "var":
            if not shaped:
                shape = self.shapes.of(load(op.name))  # statically known: no need to record it
                g = zeros.keep_mark(rt_call("unbroadcast", g, load(op.name)) if shape is None else rt_call("sum_to", g, ast.Constant(shape)), g)
            if op.name in self._pending:
                self._pending[op.name].append(g)
            else:
                adj = self.adjoint(op.name)
                stmt = mark(tag(assign(adj, ast.BinOp(left=load(adj), op=ast.Add(), right=g)), "accum", via), zero=marks(g).zero)
                out.append(stmt)
            return
        if marks(g).zero and isinstance(g, ast.Name) and g.id in self.adjoints:
            g, via = load(g.id), g.id  # an adjoint variable: optimize knows when it may be zero
        elif marks(g).zero and not zeros.passes_zero(op):
            name = self.gtemp()
            self._note_size(name, op.node)
            stmt = mark(tag(assign(name, g), "set", via), zero=True)
            out.append(stmt)
            g, via = load(name), name
        if op.kind == "seq":
            g, via = self._atomic_g(g, via, sum(c is not None for c in op.slots), out, op.node)
            keys = op.node.keys if isinstance(op.node, ast.Dict) else [ast.Constant(k) for k in range(len(op.slots))]
            for k, (key, child) in enumerate(zip(keys, op.slots)):
                if child is None:
                    continue
                if isinstance(g, ast.Tuple) and isinstance(via, tuple):  # ``a, b = ...``: the targets' own adjoints
                    self.backprop(child, g.elts[k], via[k], out)
                else:
                    self.backprop(child, _item(g, clone(key)), via, out)
        elif op.kind == "call":
            self.calls.backprop(self, op, g, via, out)
        elif op.kind == "pick":
            elts = [ast.Constant(0.0)] * op.width
            elts[op.index] = g
            self.backprop(op.slots[0], ast.Tuple(elts=elts, ctx=ast.Load()), via, out)
        else:
            self._backprop_rule(op, g, via, out, shaped)

    def _atomic_g(self, g, via, uses, out, node):
        """A cotangent expression (of ``node``) used more than once is computed once, into ``_g<n>``."""
        if uses > 1 and not is_simple(g):
            name = self.gtemp()
            self._note_size(name, node)
            stmt = mark(tag(assign(name, g), "set", via), zero=marks(g).zero)
            out.append(stmt)
            return load(name), name
        return g, via

    def _backprop_rule(self, op, g, via, out, shaped):
        tpl = op.tpl
        if tpl.inlined:
            uses = sum(n.id == tpl.g for n in name_nodes(list(op.outputs.values())))
            g, via = self._atomic_g(g, via, uses, out, op.node)
            values = dict(op.values, **{tpl.g: g, tpl.ans: op.ans})
            moved = (tpl.g,) if uses == 1 else ()  # the cotangent, read once, is not copied
            for k, expr in op.outputs.items():
                fixed = is_unbroadcast(expr)
                if fixed and shaped:
                    expr = self._static_unbroadcast(expr, op)
                share = _real(inline.paste(expr, values, moved), k, op)
                mark(share, zero=marks(g).zero or zeros.may_return_zero(tpl))
                self.backprop(op.slots[k], share, via, out, fixed or (shaped and k not in op.deferred))
            return
        result = self.rtemp()
        out.append(tag(assign(result, self._rule_call(op, g)), "set", via))
        for k, expr in op.outputs.items():
            share = _real(inline.instantiate(expr, {"__result__": load(result)}), k, op)
            mark(share, zero=zeros.may_return_zero(tpl))
            self.backprop(op.slots[k], share, result, out, shaped)

    def _rule_call(self, op, g):
        tpl = op.tpl
        if tpl.by_primal:  # no module holds the rule by its name: the registry has it
            func = call("_rt.rule_of", clone(op.node.func), ast.Constant(tpl.rule.fn.__qualname__))
        elif tpl.module.startswith("adgen.runtime."):  # a built-in rule, by its unique name
            func = dotted(f"_rt.vjps.{tpl.attr}")
        else:
            func = ast.Attribute(value=dotted(self._rule_module(tpl.module, tpl.rule.fn)), attr=tpl.attr, ctx=ast.Load())
        args, keywords = [clone(g), clone(op.ans) if tpl.reads_ans else ast.Constant(None)], []
        by_keyword = False
        varargs = any(p.kind == p.VAR_POSITIONAL for p in tpl.params)
        for p in tpl.params:
            value = op.values[p.name]
            if p.kind == p.VAR_POSITIONAL:
                args.extend(clone(value))
            elif p.kind == p.KEYWORD_ONLY or (by_keyword and not varargs):
                if not inline.is_default(value):
                    keywords.append(ast.keyword(arg=p.name, value=clone(value)))
            elif inline.is_default(value) and not varargs:
                by_keyword = True
            else:
                args.append(clone(value))
        result = ast.Call(func=func, args=args, keywords=keywords)
        return call("_rt.cotangents", result, ast.Constant(len(op.slots))) if tpl.sourceless else result

    def _rule_module(self, module, fn):
        if module not in self.rule_modules:
            self.rule_modules[module] = alias = self.names.fresh(module_alias(alias_for(module.replace(".", "_"))))
            self.rule_bindings[alias] = binding_of(fn)
        return self.rule_modules[module]


def _real(cot, k, op):
    """The cotangent of slot ``k``, as its real part where the operand is real."""
    return call("np.real", cot) if k in op.real_slots else cot


def _static_form_read(call, known):
    """Is ``call`` a ``FORM_READS`` call whose form argument has a static shape?"""
    operand = shape_operand(call, FORM_READS)
    return operand is not None and known.of(operand) is not None


def _item(g, key):
    """The cotangent of one item of a list, tuple or dict whose cotangent is ``g``: an
    adjoint variable may still be a plain zero (``_rt.part``), a rule's result is not.
    Either may be ``0.0`` for this item."""
    if isinstance(g, ast.Name):
        item = call("_rt.part", g, key)
    else:
        item = ast.Subscript(value=g, slice=key, ctx=ast.Load())
    mark(item, zero=True)
    return item


def accepts_unshaped(op):
    """Can this node take a cotangent that may still carry broadcast axes? A variable can
    (it unbroadcasts on receipt); an elementwise rule can when each operand's cotangent is
    unbroadcast by the rule itself or goes to an operand that can take it in turn."""
    if op.kind == "var":
        return True
    if op.kind != "rule" or not op.tpl.rule.elementwise:
        return False
    return all(is_unbroadcast(expr) or accepts_unshaped(op.slots[k]) for k, expr in op.outputs.items())


def _param_of(mapping, arg):
    for pname, value in mapping.items():
        if value is arg:
            return pname
    return None


def _op_name(node):
    op = node.op
    return f"the operator `{type(op).__name__}`"


