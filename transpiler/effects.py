"""What a call of one of the user's own functions does to memory, read from its source.

The ``Effect`` of a function says which of its parameters (or outside memory) its
result may share, whether that result is always new, and which parameters it may
change in place: ``a += 1`` or ``a.fill(0)`` on a parameter changes the caller's
array, while the gradient's copy of the function (``_fwd_f``) binds a new value,
so the caller's other names would not see what the user's function does.

It is worked out by name over the whole body (flow-insensitive: a name holds the
join of every value assigned to it), to a fixed point. Recursive functions start
from "shares nothing, changes nothing" and grow until nothing changes, so a
function passing its argument on to itself is followed through.
"""

import ast
import types
from dataclasses import dataclass

from adgen import lift, memory, source
from adgen.errors import AdgenError
from adgen.memory import OUTSIDE, Value
from adgen.syntax import walk

RESULT = ("result",)  # the result is memory the function made


@dataclass(frozen=True)
class Effect:
    params: tuple  # every parameter, in order: positional ones first
    positional: int  # how many may be passed by position
    own: frozenset  # what the result may be: memory objects of the parameters (``memory.param``), outside ones, RESULT
    held: frozenset  # what the result may hold, the same way
    fresh: bool  # the result is always a new array
    changes: frozenset  # parameter names and OUTSIDE: what the function may change in place
    same: frozenset = frozenset()  # when every return gives back a parameter as it came: those
    skipped: frozenset = None  # what of ``changes`` the gradient's copy (``_fwd_f``) may not change (None: all)

    def bind(self, call):
        """``{parameter: argument expression}`` for ``call``, or None when it cannot be
        told (``*args``, ``**kwargs``)."""
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            return None
        bound = dict(zip(self.params[: self.positional], call.args))
        bound.update({k.arg: k.value for k in call.keywords if k.arg in self.params})
        return bound

    @property
    def returns(self):
        """The parameters (by name), OUTSIDE and RESULT: what the result may share."""
        return frozenset(o[1] if o[0] == "param" else OUTSIDE if memory.is_outside(o) else o for o in self.own | self.held)

    def result(self, call, values):
        """The ``Value`` of ``call``, given the values of its arguments (in ``call.args``
        then ``call.keywords`` order)."""
        bound = self.bind(call)
        if bound is None:
            return memory.union(values + [memory.made(), memory.FROM_OUTSIDE])
        by_node = {id(a): v for a, v in zip(call.args + [k.value for k in call.keywords], values)}

        def objects(shared):
            out = set()
            for o in shared:
                if o[0] == "param":  # the argument (or, for "items", what it holds)
                    arg = by_node[id(bound[o[1]])] if o[1] in bound else memory.FROM_OUTSIDE  # a default value
                    out |= arg.held if len(o) == 3 else arg.own
                elif o == RESULT:
                    out.add(memory.NEW)
                else:
                    out.add(o)
            return frozenset(out)

        kinds = {by_node[id(bound[p])].kind if p in bound else memory.UNK for p in self.same}
        kind = kinds.pop() if len(kinds) == 1 else memory.UNK
        return Value(own=objects(self.own), held=objects(self.held), fresh=self.fresh, kind=kind)

    def changed(self, call, copied=False):
        """The argument expressions whose values ``call`` may change in place (None for
        every argument when they cannot be told apart), and whether it may change
        outside memory. ``copied``: those the gradient's copy of the function, which it
        runs instead, may leave unchanged."""
        bound = self.bind(call)
        changes = self.skipped if copied and self.skipped is not None else self.changes
        params = changes - {OUTSIDE}
        if bound is None:
            args = call.args + [k.value for k in call.keywords] if params else []
        else:
            args = [bound[p] for p in self.params if p in params and p in bound]
        return args, OUTSIDE in changes


BOTTOM = Effect((), 0, frozenset(), frozenset(), True, frozenset())


class Effects:
    """The effects of the user's functions one transformation calls, each worked out once."""

    def __init__(self, is_user_function):
        self.is_user_function = is_user_function
        self.done = {}
        self.pending = {}  # key -> its approximation while it is being worked out
        self.round = {}  # worked out while some approximation was pending

    def of(self, fn):
        """The ``Effect`` of the user's function ``fn`` (a function or a lifted nested
        def), or None for anything else."""
        if isinstance(fn, lift.Lifted):
            key, src = id(fn), fn.src
        elif isinstance(fn, types.FunctionType) and self.is_user_function(fn):
            key, src = fn.__code__, None
        else:
            return None
        if key in self.done:
            return self.done[key]
        if key in self.pending:
            return self.pending[key]
        if key in self.round:
            return self.round[key]
        if src is None:
            try:
                src = source.load(fn)
            except (AdgenError, OSError, TypeError):
                return None
        return self._fixed_point(key, src)

    def _fixed_point(self, key, src):
        outermost = not self.pending
        self.pending[key] = BOTTOM
        while True:
            if outermost:
                self.round = {}
            effect = _effect(src, self)
            if effect == self.pending[key]:
                break
            self.pending[key] = effect
        del self.pending[key]
        (self.done if outermost else self.round)[key] = effect
        return effect


def _effect(src, effects):
    func = src.func
    args = func.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    params = tuple(positional + [a.arg for a in args.kwonlyargs])
    stmts = list(own_statements(func.body))
    local = set(params) | {n.id for s in stmts for n in walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    evaluator = memory.Evaluator(memory.resolver_in(src, local), memory.free_in(src, local), effects=effects)
    env = {p: memory.param(p) for p in params}
    while True:
        before = dict(env)
        for stmt in stmts:
            _bind(stmt, evaluator, env)
        if env == before:
            break
    returns = [evaluator.of(r.value, env) if r.value is not None else memory.EMPTY for s in stmts for r in [s] if isinstance(r, ast.Return)]
    changes, skipped = set(), set()
    for stmt in stmts:
        changes |= _changes(stmt, evaluator, env)
        skipped |= _changes(stmt, evaluator, env, copied=True)
    given_back = [r.value.id for s in stmts for r in [s] if isinstance(r, ast.Return) and isinstance(r.value, ast.Name) and r.value.id in params]
    same = frozenset(given_back) if len(given_back) == len(returns) and all(env[p] == memory.param(p) for p in given_back) else frozenset()
    return Effect(
        params,
        len(positional),
        _kept(frozenset().union(*(v.own for v in returns)), params),
        _kept(frozenset().union(*(v.held for v in returns)), params),
        bool(returns) and all(v.fresh for v in returns),
        _named(frozenset(changes), params) - {RESULT},
        same,
        _named(frozenset(skipped), params) - {RESULT},
    )


def _kept(objs, params):
    """Objects as a result's effect keeps them: its parameters' and outside ones, RESULT
    for what the function made."""
    return frozenset(o if (o[0] == "param" and o[1] in params) or memory.is_outside(o) else RESULT for o in objs)


def _named(objs, params):
    """Objects as an effect names them: parameter names, OUTSIDE, RESULT for the rest."""
    out = set()
    for o in objs:
        if isinstance(o, tuple) and o[0] == "param" and o[1] in params:
            out.add(o[1])
        elif memory.is_outside(o):
            out.add(OUTSIDE)
        else:
            out.add(RESULT)
    return frozenset(out)


def own_statements(body):
    """Every statement of ``body``, nested ones included, but not those of nested
    definitions (their own functions)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from own_statements(getattr(stmt, field, []))
        for handler in getattr(stmt, "handlers", []):
            yield from own_statements(handler.body)


def _own_nodes(stmt):
    """The nodes of ``stmt`` itself: a compound statement's header only (its body's
    statements come one by one), and nothing of a nested definition."""
    if isinstance(stmt, (ast.If, ast.While)):
        return list(walk(stmt.test))
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return list(walk(stmt.iter))
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [n for item in stmt.items for n in walk(item.context_expr)]
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Try)):
        return []
    return list(walk(stmt))


def _bind(stmt, evaluator, env):
    """Join into ``env`` what ``stmt`` assigns."""
    site = ("site", id(stmt))
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
        value = evaluator.of(stmt.value, env).named(site)
        for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
            _assign(target, value, env)
    elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        _assign(stmt.target, Value(own=frozenset({site}), fresh=True), env)
    elif isinstance(stmt, (ast.For, ast.AsyncFor)):
        seq = evaluator.of(stmt.iter, env)
        _assign(stmt.target, Value(own=seq.reach, held=seq.held), env)
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        for item in stmt.items:
            if item.optional_vars is not None:
                _assign(item.optional_vars, evaluator.of(item.context_expr, env).named(site), env)
    for node in _own_nodes(stmt):
        if isinstance(node, ast.NamedExpr):
            _assign(node.target, evaluator.of(node.value, env).named(site), env)


def _assign(target, value, env):
    if isinstance(target, ast.Name):
        env[target.id] = env[target.id].join(value) if target.id in env else value
    elif isinstance(target, (ast.Tuple, ast.List)):
        item = Value(own=value.reach, held=value.held, fresh=value.fresh and value.held <= value.own)
        for t in target.elts:
            _assign(t.value if isinstance(t, ast.Starred) else t, item, env)


def _changes(stmt, evaluator, env, copied=False):
    """The objects ``stmt`` may change in place; ``copied``: those it may change in the
    function's copy (``_fwd_f``), which binds new values instead, and does not.

    A call that stands alone as a statement (``plot(ax, u)``) runs as it is in the copy
    too, and the copy's ``aliasing`` checks it leaves the caller's arrays as they were
    (or refuses): what it changes, the copy changes too, or the gradient stops."""
    out = set()
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        value = env.get(stmt.target.id, memory.FROM_OUTSIDE)
        if value.kind != memory.IMM:
            out |= value.own
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
    for target in targets if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For)) else []:
        for node in walk(target) if target is not None else []:
            if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, ast.Store):
                out |= evaluator.of(node.value, env).own
    for node in _own_nodes(stmt):
        if isinstance(node, ast.Call):
            for arg, _ in memory.changed_by(node, evaluator.resolve):
                out |= evaluator.of(arg, env).own
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("append", "extend", "insert", "pop"):
                out |= evaluator.of(node.func.value, env).own
            if copied and isinstance(stmt, ast.Expr) and node is stmt.value:
                continue
            ok, fn, call = evaluator.callee(node)
            effect = evaluator.effect_of(fn) if ok else None
            if effect is None and evaluator.unknown_callee(node, ok, fn, env):
                for arg in node.args + [k.value for k in node.keywords]:  # it may change any argument
                    out |= evaluator.of(arg, env).own
            if effect is not None:
                args, outside = effect.changed(call, copied)
                for arg in args:
                    out |= evaluator.of(arg, env).own
                if outside:
                    out.add(OUTSIDE)
    return out
