"""In-place changes, checked by value: no change may reach a value behind a name
that adgen tracks separately.

Reverse mode reasons about names: ``w = v`` gives ``w`` a value once. A later
``v *= 3.0`` changes ``w`` too when both are one array, and a gradient that
followed names alone would miss it. So, on the structured body, each name holds
an abstract value (``memory.Value``: the memory it may be and hold, however it was
made: a view, a fancy index of a new array, a conversion that may return its
argument, a list, a helper's result), joined over branches and iterated to a
fixed point over loops, and:

- A store (``y[i] = v``, ``y[i] += v``, ``np.add.at(y, i, v)``) is accepted only
  into a name surely bound to a new array (AD305): never an argument, a view, or
  what a conversion may have returned. A differentiated value stored into an
  array of integers or booleans would be truncated (AD307; checked again when the
  gradient runs, AD408).
- ``z += e`` changes ``z``'s array in place, but binds a new value when ``z`` is a
  number. When it may be either (a parameter of shape ``()``), and a name that
  would see the change is read later, the generated code checks before the
  statement that ``z`` is a number (``_rt.immutable``, AD408 when it runs).
- A call that changes a value in place (``np.copyto``, ``y.fill(0)``, ``out=``, a
  function of the user's that changes its argument) is refused (AD305), or, for a
  value that may be a number, checked the same way.
- After a change, every other name whose value may see it is *stale* until bound
  again: reading it is AD306. Globals and closure values are outside memory,
  which one change makes stale for all of them.

Checked this way, every in-place change the gradient sees goes through the name
it was made with, and ``reverse`` can undo stores one by one in the backward pass.
"""

import ast
import copy
import inspect
import types

from adgen import argstores, calls, errors, flow, inplace, instances, memory, source, valuereads
from adgen.activity import is_add_at
from adgen.effects import Effects
from adgen.errors import AdgenError
from adgen.marks import marks
from adgen.memory import IMM, MUT, Value
from adgen.runtime import registry
from adgen.syntax import load, names_in, path_of, rt_call, walk

DEFINITE = "definite"  # a cause of staleness that no run-time check can rule out
OUTSIDE_NAME = "<outside>"  # stands for every global and closure value
LIST_METHODS = {"append", "extend", "insert"}


class State:
    """At a point of the body: each name's value, and the names an in-place change may
    have changed behind them, with the causes (``DEFINITE``, or the statements whose
    run-time check would rule the change out)."""

    def __init__(self, values=None, stale=None, params=()):
        self.values = dict(values or {})
        self.stale = dict(stale or {})
        self.params = params  # the caller may pass one array for two of them

    def copy(self):
        return State(self.values, self.stale, self.params)

    def join(self, other):
        values = dict(self.values)
        for name, b in other.values.items():
            a = values.get(name)
            if a is not b:  # (most values are shared by both states)
                values[name] = Value(own=b.own, held=b.held) if a is None else a.join(b)
        for name in values.keys() - other.values.keys():
            a = values[name]
            values[name] = Value(own=a.own, held=a.held)  # not bound on one path: nothing is known of it there
        stale = dict(self.stale)
        for name, causes in other.stale.items():
            stale[name] = stale.get(name, frozenset()) | causes
        return State(values, stale, self.params)

    def change(self, objs, cause, exclude=()):
        """Record that the memory ``objs`` may have changed; returns the names that see it.
        An argument changed for sure may be another argument too (``f(a, a)``): names of
        the others' memory are stale unless the two are checked apart on entry."""
        hit = self._see(objs, cause, exclude)
        if any(memory.is_outside(o) for o in objs):
            hit.append(OUTSIDE_NAME)
            self.stale[OUTSIDE_NAME] = self.stale.get(OUTSIDE_NAME, frozenset()) | {cause}
        changed = {o[1] for o in objs if o[0] == "param"}
        for p in changed if cause == DEFINITE else ():
            for q in self.params:
                if q != p:
                    self._see(memory.param(q).reach, ("apart",) + tuple(sorted((p, q))), exclude)
        return hit

    def _see(self, objs, cause, exclude):
        hit = [n for n, v in self.values.items() if n not in exclude and v.reach & objs]
        for name in hit:
            self.stale[name] = self.stale.get(name, frozenset()) | {cause}
        return hit

    def bind(self, name, value):
        self.values[name] = value
        self.stale.pop(name, None)

    def age(self, site):
        """A site's newest value becomes an older one: ``u = un`` at the end of a loop does
        not make the next ``un = np.zeros(...)`` share memory with ``u``."""
        old = site[:-1] + ("old",)
        for name, v in self.values.items():
            if site in v.own or site in v.held:
                self.values[name] = v.mapped(site, old)


class _Values(flow.Analysis):
    """``Checker``'s values flowing through the body; reports (``apply``) only on the last
    pass over a loop, once its head's state is final."""

    def __init__(self, checker):
        self.checker = checker

    def step(self, stmt, state, apply):
        self.checker._simple_stmt(stmt, state, apply)
        return [stmt], state

    def test(self, stmt, state, apply=False):
        self.checker._reads(stmt.iter if isinstance(stmt, ast.For) else stmt.test, state, apply)
        return state

    def bind(self, stmt, state):
        item = self.checker._item_of(stmt.iter, state)
        for name in _names_in(stmt.target):
            state.bind(name, item)
        return state

    def join(self, a, b):
        return a.join(b)

    def same(self, a, b):
        return a.values == b.values and a.stale == b.stale

    def copy(self, state):
        return state.copy()


class Checker:
    def __init__(self, body, params, diags, known, act, param_shapes, outside, temp):
        self.diags = diags
        self.temp = temp
        self.act = act
        self.params = list(params)
        self.outside = set(outside)
        self.param_kinds = {p: MUT if param_shapes.get(p) not in (None, ()) else memory.UNK for p in params}
        self.plain = {("param", p, "items") for p in params if p in param_shapes}  # a number's or array's items: none
        local = set(params) | names_in(body, ast.Store)
        self.effects = Effects(calls.is_user_function)
        free = lambda name: memory.FROM_OUTSIDE if name in self.outside or name in local else memory.EMPTY  # noqa: E731
        shapes = {}
        shape_of = lambda node: shapes[id(node)] if id(node) in shapes else shapes.setdefault(id(node), known.of(node))  # noqa: E731
        resolver = known.resolver
        peek = lambda node: resolver.value_of(node, record=False)  # noqa: E731
        self.evaluator = memory.Evaluator(resolver.value_of, free, shape_of, self.effects, peek, resolver.pin)
        self.resolver = resolver
        self.is_array = valuereads.Solid(body, shape_of, peek, resolver.pin)
        self.outside_values = valuereads.Outside(resolver.src.baked)
        self.seen = {}  # id(node) -> its reads that may see an in-place change; id(global read) -> what of it does
        self.reported = set()
        self.shared = {}  # stored name -> names that shared its memory at some store
        self.final = None  # the state at the end of the body
        self.checks = {}  # (id(stmt), name) -> (stmt, expression, what): possible run-time checks
        self.needed = set()  # the keys of those the generated code makes
        self.called = []  # calls run as they are that may change an argument: see ``check_calls``
        self.called_outside = []  # calls that may change a global or closure value in place: the same
        self.sites = set()  # the sites some state has values of
        self.parts = {}  # id(node) -> what ``_parts`` found in it

    def run(self, body):
        start = State({p: memory.param(p, self.param_kinds[p]) for p in self.params}, params=tuple(self.params))
        self.final = self._flow(body, start, report=True)
        for node in walk(ast.Module(body=body, type_ignores=[])):
            if isinstance(node, ast.Call):
                for _, how in memory.changed_by(node, self.evaluator.resolve):
                    self.diags.report(node, errors.AD305_CALL_CHANGES, how=how)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and getattr(node.value.func, "attr", None) == "at" and not is_add_at(node):
                self.diags.report(node, errors.AD109_UFUNC_AT, ufunc=ast.unparse(node.value.func))

    def members(self, name):
        """``name`` and the names that shared its memory when something stored into it."""
        return self.shared.get(name, set()) | {name}

    def at_end(self, a, b):
        """May ``a`` and ``b`` share memory when the body ends?"""
        va, vb = self.final.values.get(a), self.final.values.get(b)
        return va is None or vb is None or bool(va.reach & vb.reach)

    def guarded(self, body):
        """``body`` with the run-time checks it needs: arguments that must not share memory,
        on entry; values that must be numbers, before their statements."""
        apart = []
        for key in sorted(k for k in self.needed if k[0] == "apart"):
            what = f"`{key[1]}` and `{key[2]}` must not share memory: an in-place change of one is read through the other"
            apart.append(ast.Expr(rt_call("apart", load(key[1]), load(key[2]), ast.Constant(what))))
        return [ast.fix_missing_locations(ast.copy_location(a, body[0])) for a in apart] + self._guarded(body)

    def _guarded(self, body):
        out = []
        for stmt in body:
            for field in ("body", "orelse"):
                if isinstance(stmt, (ast.If, ast.For, ast.While)):
                    setattr(stmt, field, self._guarded(getattr(stmt, field)))
            after = []
            for key in sorted(k for k in self.needed if k[0] == id(stmt)):
                kind, _, expr, what = self.checks[key]
                if kind == "lent":
                    before, returned = self._lent(stmt, expr, what)
                    out.append(before)
                    after.append(returned)
                else:
                    check = ast.Expr(rt_call("immutable", copy.deepcopy(expr), ast.Constant(what)))
                    out.append(ast.fix_missing_locations(ast.copy_location(check, stmt)))
            out.append(stmt)
            out.extend(after)
        return out

    # -- the flow ------------------------------------------------------------------

    def _flow(self, body, state, report):
        """The state at the end of ``body`` (``flow.forward``); ``report``: diagnose as it goes."""
        end = flow.forward(body, state, _Values(self), apply=report)[1]
        return end if end is not None else State(params=state.params)  # no path reaches the end

    def _item_of(self, iterable, state):
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.func.id == "range":
            return memory.EMPTY
        seq = self.evaluator.of(iterable, state.values)
        return Value(own=seq.reach, held=seq.held)

    def _simple_stmt(self, stmt, state, report):
        self._reads(stmt, state, report)
        self._calls(stmt, state, report)
        stored = _stored_array(stmt)
        if stored is not None:
            self._store(stmt, stored, state, report)
        elif _item_store(stmt):
            self._item_store(stmt, state, report)
        elif _list_update(stmt):
            name, value = _list_update(stmt)
            v, added = state.values.get(name, memory.FROM_OUTSIDE), self.evaluator.of(value, state.values)
            state.values[name] = Value(v.own, v.held | added.reach, v.fresh, v.kind)  # its items change
        elif isinstance(stmt, ast.Assign) and marks(stmt).inplace:
            self._update(stmt, state, report)
        elif isinstance(stmt, ast.Assign):
            site = self._site(stmt, state)
            value = self.evaluator.of(stmt.value, state.values).named(site)
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                state.bind(target.id, value)
            else:
                item = Value(own=value.reach, held=value.held, fresh=value.reach <= {site})
                for name in _names_in(target):
                    state.bind(name, item)

    def _site(self, stmt, state):
        """The site of the values ``stmt`` makes; any earlier one is older now."""
        site = ("site", id(stmt), "new")
        if site in self.sites:
            state.age(site)
        self.sites.add(site)
        return site

    def _store(self, stmt, name, state, report):
        """``y[i] = v`` or ``np.add.at(y, i, v)``."""
        value = state.values.get(name)
        stored = stmt.value.args[2] if is_add_at(stmt) else stmt.value
        if report and (value is None or not value.fresh):
            self._refuse_store(stmt, name)
        if report and value is not None and value.integer and self.act.expr_active(stored):
            self._refuse_integer(stmt, name)
        if value is not None:
            hit = state.change(value.own, DEFINITE, exclude={name})
            if report:
                self.shared.setdefault(name, set()).update(h for h in hit if h != OUTSIDE_NAME)

    def _item_store(self, stmt, state, report):
        """``xs = _rt.with_item(xs, k, w)``, the end of a store ``xs[k][j] = v`` (``stores.py``):
        a change of an item of ``xs``, which every other name that may hold it sees
        (stale after it); refused where the items may be the caller's (AD221)."""
        name = stmt.targets[0].id
        value = state.values.get(name, memory.FROM_OUTSIDE)
        items = value.held - self.plain  # (``[x[:2].copy()]`` holds no item of ``x``)
        if report and _callers(items):
            what = "an item of an argument" if any(o[0] == "param" for o in items if isinstance(o, tuple)) else "a global's item or an argument's"
            self.diags.report(stmt, errors.AD221_CALLERS_ITEM, name=name, what=what)
        state.change(items, DEFINITE, exclude={name})
        added = self.evaluator.of(stmt.value.args[2], state.values)
        site = self._site(stmt, state)
        state.bind(name, Value(own=frozenset({site}), held=value.held | added.reach, kind=memory.MUT))

    def _update(self, stmt, state, report):
        """``x += e`` (normalised to ``x = x + e``): in place on an array."""
        name = stmt.targets[0].id
        value = state.values.get(name, memory.FROM_OUTSIDE)
        if value.kind == IMM:
            site = self._site(stmt, state)
            state.bind(name, self.evaluator.of(stmt.value, state.values).named(site))
            return
        if report and value.integer and self.act.expr_active(stmt.value):
            self._refuse_integer(stmt, name)
        if value.kind == MUT:
            state.change(value.own, DEFINITE, exclude={name})
            return
        what = f"line {stmt.lineno}: `{_augmented(stmt)}` changes `{name}` in place unless it is a number, and a name bound to the same value is read later"
        key = (id(stmt), name)
        self.checks[key] = ("immutable", stmt, ast.Name(id=name, ctx=ast.Load()), what)
        state.change(value.own, key, exclude={name})
        state.values[name] = value.join(self.evaluator.of(stmt.value, state.values).named(self._site(stmt, state)))

    def _calls(self, stmt, state, report):
        """The user's functions called by ``stmt`` that may change their arguments in place.
        The gradient calls its own copy of such a function (``_fwd_f``), which binds new
        values instead, when the call is differentiated: the caller's names then miss the
        change, and go stale. Otherwise it runs the function itself, which must not change
        an array (AD305) or, for a value that may be a number, must get one (checked)."""
        for node in self._parts(stmt)[1]:
            ok, fn, call = self.evaluator.callee(node)
            effect = self.effects.of(fn) if ok else None
            if effect is not None:
                copied = self._lowered(stmt) and registry.lookup(fn) is None and not registry.is_nondiff(fn) and self.act.expr_active(call)
                args, outside = effect.changed(call, copied)
            elif report and not ok and self._changes_its_object(node):
                continue
            elif self.evaluator.unknown_callee(node, ok, fn, state.values) and not (self._lowered(stmt) and self.act.expr_active(node)):
                # it may be a function of the user's, run as it is (differentiated, reverse
                # mode refuses it: AD202, AD203...)
                args, outside, copied = node.args + [k.value for k in node.keywords], False, False
            else:
                continue
            for arg in args:
                if arg is call.func:  # the object a ``__call__`` runs on (``memory.Evaluator.callee``): its own state
                    continue
                self._changed_argument(stmt, node, arg, copied, state, report, fn if effect is not None else None)
            if outside:
                state.change(memory.FROM_OUTSIDE.reach, DEFINITE)
            if report and (outside or (effect is not None and memory.OUTSIDE in effect.changes)):
                self.called_outside.append((stmt, node))  # the gradient's copy of it too

    def _changes_its_object(self, call):
        """AD305 for ``model.set_act(f)``, ``model`` an object the call passes (``instances``)
        whose class's method stores into it: the gradient would not see the change."""
        if not isinstance(call.func, ast.Attribute) or (path_of(call.func.value) or ".").split(".")[0] not in self.params:
            return False  # an object built here: ``constructed`` follows its stores (or refuses, AD219)
        held = self.resolver.instances.of(call.func.value)
        method = inspect.getattr_static(type(held), call.func.attr, None) if instances.is_object(held) else None
        if not isinstance(method, types.FunctionType) or not _changes_receiver(method):
            return False
        obj, callee = ast.unparse(call.func.value), ast.unparse(call.func)
        self.diags.report(call, errors.AD305_STORES_INTO_OBJECT, name=callee, obj=obj, kind=type(held).__name__)
        return True

    def _lowered(self, stmt):
        """Does reverse mode rewrite ``stmt``'s expression (calling ``_fwd_f`` for a call of
        the user's ``f`` on differentiated values), or run it as it is?"""
        if is_add_at(stmt):
            return self.act.active(stmt.value.args[0].id)
        if not isinstance(stmt, ast.Assign):
            return False
        target = stmt.targets[0]
        if isinstance(target, ast.Subscript):
            return isinstance(target.value, ast.Name) and self.act.active(target.value.id)
        return any(self.act.active(n) for n in _names_in(target))

    def _changed_argument(self, stmt, call, arg, copied, state, report, fn=None):
        value = self.evaluator.of(arg, state.values)
        if value.kind == IMM:
            return
        callee = ast.unparse(call.func)
        if copied:
            checkable = value.kind != MUT and isinstance(arg, ast.Name)
            key = (id(stmt), ast.unparse(arg))
            if checkable:
                what = (
                    f"line {stmt.lineno}: `{callee}` changes its argument `{arg.id}` in place unless it is a number, "
                    "and a name bound to the same value is read later"
                )
                self.checks[key] = ("immutable", stmt, arg, what)
            state.change(value.own, key if checkable else DEFINITE)
        elif not isinstance(arg, ast.Name):
            if report and not (value.fresh and not value.held):  # a new array (``f(u * 2.0)``) only the call sees: its change is its own
                self._refuse_call(call, callee, ast.unparse(arg))
        elif self.act.active(arg.id) or _callers(value.own) or (value.kind == MUT and self.act.expr_active(call)):
            # its change has a derivative (it is differentiated, or the call may store a
            # differentiated argument into it), or is the caller's
            what = (
                "a differentiated value"
                if self.act.active(arg.id)
                else "an array of the caller's" if _callers(value.own) else "an array the call may store a differentiated value into"
            )
            if report and fn is not None and self._refuse_store_in_callee(call, callee, fn, arg, what):
                return
            key = (id(stmt), arg.id)
            self.checks[key] = ("lent", stmt, arg, _lent_message(stmt, callee, arg.id, what))
            if report:
                self.needed.add(key)
        elif report:  # the gradient runs it too: only a backward statement could see the change
            seen = {n for n, v in state.values.items() if v.reach & value.own} | {arg.id}
            self.called.append((stmt, call, arg, seen))

    def check_calls(self, nodes):
        """The in-place changes of calls run as they are (``_calls``) that a backward
        statement would see: it reads the array as it was before (a store is undone for
        it; a call cannot be). The gradient checks that the call leaves it as it was."""
        for stmt, call, arg, seen in self.called:
            read, block = inplace.read_before(nodes, stmt, seen)
            if block is None:
                self._refuse_call(call, ast.unparse(call.func), arg.id)
            elif read:
                what = _lent_message(stmt, ast.unparse(call.func), arg.id, "which the gradient of an earlier statement reads")
                before, after = self._lent(stmt, arg, what)
                block.forward[:] = [before] + block.forward + [after]
                block.temps.append(before.targets[0].id)
        for stmt, call in self.called_outside:
            self._check_outside(nodes, stmt, call)

    def _check_outside(self, nodes, stmt, call):
        """A call that may change a global (or closure) value in place, after a backward
        statement that reads one as it was: the gradient checks the call leaves it as it was."""
        found, block = inplace.backward_before(nodes, stmt)
        subjects = {}
        for s in found:
            for n, subject in self._value_reads(s):
                if n.id in self.outside and self._reached(subject) is not None:
                    subjects.setdefault(ast.unparse(subject), subject)
        callee = ast.unparse(self.resolver.as_written(call.func))
        for _, subject in sorted(subjects.items()):
            written = ast.unparse(self.resolver.as_written(subject))
            if block is None:
                self._refuse_call(call, callee, written)
                continue
            what = f"line {stmt.lineno}: `{callee}` changes `{written}`, a global or closure value the gradient of an earlier statement reads, in place"
            before, after = self._lent(stmt, subject, what)
            block.forward[:] = [before] + block.forward + [after]
            block.temps.append(before.targets[0].id)

    def _lent(self, stmt, arg, what):
        """``_l = _rt.lent(arg)`` and ``_rt.returned(_l, what)``: around a call that must not
        change ``arg`` in place."""
        name = self.temp()
        before = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=rt_call("lent", copy.deepcopy(arg)))
        after = ast.Expr(rt_call("returned", load(name), ast.Constant(what)))
        return [ast.fix_missing_locations(ast.copy_location(s, stmt)) for s in (before, after)]

    def _refuse_store_in_callee(self, call, callee, fn, arg, what):
        """AD222 where the source of ``fn``, called with ``arg`` and run as it is, shows
        the store that changes it (found through the functions it calls too)."""
        effect = self.effects.of(fn)
        bound = effect.bind(call) or {}
        params = [p for p, a in bound.items() if a is arg]
        found = argstores.store_into(fn, params[0], self.effects) if params else None
        if found is None:
            return False  # a change not written on the parameter's name: checked when the gradient runs
        filename, line, text = found
        callee = getattr(fn, "__name__", callee)
        self.diags.report(call, errors.AD222_CHANGES_ARGUMENT, name=callee, param=params[0], arg=arg.id, what=what, file=filename, line=line, text=text)
        return True

    def _refuse_call(self, call, callee, arg):
        self.diags.report(call, errors.AD305_MAY_CHANGE_ARGUMENT, name=callee, arg=arg)

    def _refuse_store(self, stmt, name):
        what = (
            "an argument of the function"
            if name in self.params
            else "a value that may not be a new array (a view, an argument, a conversion that may return its argument, a list...)"
        )
        self.diags.report(stmt, errors.AD305_STORE, name=name, what=what)

    def _refuse_integer(self, stmt, name):
        self.diags.report(stmt, errors.AD307_INTEGER_STORE, name=name)

    def _parts(self, node):
        """``(names read, calls)`` of a statement or expression (statements are looked at
        again on every round of a loop's fixed point)."""
        found = self.parts.get(id(node))
        if found is None:
            nodes = list(walk(node))
            found = self.parts[id(node)] = (
                [n for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)],
                [n for n in nodes if isinstance(n, ast.Call)],
            )
        return found

    def _reads(self, node, state, report):
        if not report or not state.stale:
            return
        for n, subject in self._value_reads(node):
            outside = n.id in self.outside
            causes = state.stale.get(OUTSIDE_NAME if outside else n.id)
            if not causes:
                continue
            reached = self._reached(subject) if outside else ""
            if reached is None:  # a function, a module, a number...: no array a change reaches
                continue
            if DEFINITE not in causes:
                self.needed |= causes
            elif (n.lineno, n.col_offset) not in self.reported:
                self.reported.add((n.lineno, n.col_offset))
                self._refuse_read(n, subject, reached)

    def _value_reads(self, node):
        """``(name, node read)`` for each name ``node`` reads (a global: ``alias.G``), but
        not those read only for their metadata (``x.shape``, ``len(x)``: ``valuereads``)."""
        found = self.seen.get(id(node))
        if found is None:
            subjects = valuereads.subjects(node, self.resolver.module_alias, lambda n: self.resolver.value_of(n, record=False))
            names = [n for n in self._parts(node)[0]]
            callee = lambda call: self.resolver.value_of(call.func)[1]  # noqa: E731
            meta = valuereads.metadata_reads(node, [subjects[id(n)] for n in names], self.is_array, callee)
            found = self.seen[id(node)] = [(n, subjects[id(n)]) for n in names if id(subjects[id(n)]) not in meta]
        return found

    def _reached(self, subject):
        """None when the global or closure value ``subject`` reads holds nothing an in-place
        change can reach (recorded: ``valuereads``); else what may (``""``: unknown)."""
        key = ("outside", id(subject))
        if key not in self.seen:
            ok, value = self.resolver.value_of(subject)
            reached = self.outside_values.sees(value) if ok else ""
            if ok and reached is None and valuereads.immutable(value):
                self.resolver.pin(subject, valuereads.Immutable())
            self.seen[key] = reached
        return self.seen[key]

    def _refuse_read(self, n, subject, reached):
        if n.id not in self.outside:
            self.diags.report(n, errors.AD306_SHARED_NAME, name=n.id)
        else:
            message = errors.AD306_OUTSIDE_VALUE_READS if reached else errors.AD306_OUTSIDE_VALUE
            self.diags.report(n, message, name=ast.unparse(self.resolver.as_written(subject)), reached=reached)


def _changes_receiver(fn):
    """Does the method ``fn`` store into its receiver (``self.act = f``, ``self.W[0] = v``,
    ``self.n += 1``) in its own body? (A store made by a method it calls is not seen.)"""
    try:
        func = source.load(fn).func
    except (AdgenError, OSError, TypeError):
        return False
    params = func.args.posonlyargs + func.args.args
    if not params:
        return False
    receiver = params[0].arg
    for node in ast.walk(func):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        for target in targets:
            while isinstance(target, (ast.Attribute, ast.Subscript)):
                if isinstance(target.value, ast.Name) and target.value.id == receiver:
                    return True
                target = target.value
    return False


def _lent_message(stmt, callee, name, what):
    return f"line {stmt.lineno}: `{callee}` runs as it is (it is not differentiated) and must not change `{name}`, {what}, in place"


def _callers(objs):
    """Is some of the memory ``objs`` the caller's: an argument's, or a global's?"""
    return any(o[0] == "param" or memory.is_outside(o) for o in objs if isinstance(o, tuple))


def _augmented(stmt):
    """The user's ``x += e`` of a normalised ``x = x + e``."""
    value = stmt.value
    return ast.unparse(ast.AugAssign(target=stmt.targets[0], op=value.op, value=value.right))


def _stored_array(stmt):
    """The name a statement stores into in place (``y[i] = v``, ``np.add.at(y, ...)``), or
    None. A store into a global is into ``module.name``, which is never new."""
    if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Subscript):
        base = stmt.targets[0].value
        return base.id if isinstance(base, ast.Name) else ast.unparse(base)
    if is_add_at(stmt):
        return stmt.value.args[0].id
    return None


def _item_store(stmt):
    return isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) and path_of(stmt.value.func) == "_rt.with_item"


def _list_update(stmt):
    """``(list name, added value)`` for ``xs.append(v)`` / ``extend`` / ``insert``, or None."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        if isinstance(func, ast.Attribute) and func.attr in LIST_METHODS and isinstance(func.value, ast.Name) and stmt.value.args:
            return func.value.id, stmt.value.args[-1]
    return None


def _names_in(target):
    return [n.id for n in walk(target) if isinstance(n, ast.Name)]


def check(body, params, diags, known, act, param_shapes, outside, temp):
    """Record AD305/AD306/AD307 diagnostics for in-place changes ``body`` cannot make
    safely; returns the ``Checker``, which tells which names may share memory and adds
    the run-time checks the body needs (``guarded``). ``known``: static shapes
    (``shapes.Shapes``); ``act``: activity; ``param_shapes``: the shapes the gradient is
    specialised to; ``outside``: the names that read globals or closure values; ``temp()``:
    a new name for generated code."""
    checker = Checker(body, params, diags, known, act, param_shapes, outside, temp)
    checker.run(body)
    return checker
