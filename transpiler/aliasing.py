"""In-place writes, checked: a store must not change a value behind a name adgen
tracks separately.

Reverse mode reasons about names: ``z = y[1:3]`` gives ``z`` a value once. A
later store ``y[2] = v`` changes ``z`` too when ``z`` is a view of ``y``, and a
gradient that followed names alone would miss it. So, on the structured body:

- Names *may share* memory when one is bound from the other through a value
  that can be a view or a container of it (``z = y``, ``z = y[i]``,
  ``z = y.T``, ``np.reshape(y, ...)``, ``[y, w]``, ``xs.append(y)``, a call
  adgen cannot see into); arithmetic and NumPy's other functions make new values.
- A store (``y[i] = v``, ``y[i] += v``, ``np.add.at(y, i, v)``) is accepted only
  into an array the function itself created, on every path to the store
  (``np.zeros``, ``np.empty``, ``x.copy()``, arithmetic...), never into an
  argument or a view (AD305). ``out=`` arguments are refused the same way.
- After a store into ``y`` (or ``x += e`` on an ``x`` that may share memory),
  every other name sharing memory with it is *stale* until bound again; reading
  a stale name is AD306.

Checked this way, every in-place change the gradient sees goes through the name
it was made with, and ``reverse`` can undo stores one by one in the backward pass.
"""

import ast
import types

from transpiler import source
from transpiler.activity import is_add_at
from transpiler.errors import AdgenError
from transpiler.syntax import names_in, walk

VIEWS = {
    "reshape", "ravel", "transpose", "squeeze", "expand_dims", "asarray", "asanyarray",
    "ascontiguousarray", "asfortranarray", "atleast_1d", "atleast_2d", "atleast_3d",
    "broadcast_to", "broadcast_arrays", "diagonal", "diag", "real", "imag", "swapaxes",
    "moveaxis", "rollaxis", "flip", "fliplr", "flipud", "rot90", "split", "array_split",
    "hsplit", "vsplit", "dsplit", "matrix_transpose", "permute_dims", "view", "T", "mT", "flat",
}
FRESH_METHODS = {"copy", "astype", "sum", "mean", "prod", "max", "min", "std", "var", "dot", "cumsum", "cumprod",
                 "tolist", "item", "all", "any", "argmax", "argmin", "round", "clip", "trace", "nonzero"}
FRESH_BUILTINS = {"len", "range", "float", "int", "bool", "abs", "round", "sum"}
NO_MEMORY = {"shape", "ndim", "size", "dtype", "nbytes", "itemsize"}
LIST_METHODS = {"append", "extend", "insert"}


def _names(node):
    return names_in(node, ast.Load)


def shares(expr, known=None):
    """The names whose memory the value of ``expr`` may share. ``known``: static shapes;
    an entry picked out of an array by integers (``x[2]``, shape ``()``) is a NumPy
    scalar, a copy."""
    if isinstance(expr, ast.Name):
        return {expr.id}
    if isinstance(expr, ast.Subscript) and known is not None and known.of(expr) == ():
        return set()
    if isinstance(expr, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.Compare, ast.JoinedStr)):
        return set()
    if isinstance(expr, ast.Subscript):
        return shares(expr.value, known)
    if isinstance(expr, ast.Attribute):
        return set() if expr.attr in NO_MEMORY else shares(expr.value, known)
    if isinstance(expr, ast.Call):
        return _call_shares(expr, known)
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return set().union(*(shares(e, known) for e in expr.elts))
    if isinstance(expr, ast.Dict):
        return set().union(*(shares(v, known) for v in expr.values))
    if isinstance(expr, ast.IfExp):
        return shares(expr.body, known) | shares(expr.orelse, known)
    if isinstance(expr, ast.BoolOp):
        return set().union(*(shares(v, known) for v in expr.values))
    return _names(expr)  # comprehensions and anything else: whatever they read


def _call_shares(call, known):
    func = call.func
    path = ast.unparse(func)
    args = call.args + [k.value for k in call.keywords]
    if known is not None and _returns_new(known.resolver, func):
        return set()
    if path.startswith("np.") and not path.startswith("np.random"):
        if path.rpartition(".")[2] in VIEWS:
            return set().union(*(shares(a, known) for a in args))
        return set()
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name | ast.Subscript | ast.Attribute):
        if func.attr in FRESH_METHODS:
            return set()
        return shares(func.value, known) | set().union(*(shares(a, known) for a in args))
    if isinstance(func, ast.Name) and func.id in FRESH_BUILTINS:
        return set()
    return set().union(*(shares(a, known) for a in args))


def _returns_new(resolver, func):
    """Is ``func`` one of the user's Python functions whose every ``return`` gives a new
    value (arithmetic, NumPy's non-view functions, or a local name only ever bound to
    such values), never one of its arguments or a view of one?"""
    ok, fn = resolver.value_of(func)
    if not ok or not isinstance(fn, types.FunctionType):
        return False
    code = fn.__code__
    if code not in _RETURNS_NEW:
        _RETURNS_NEW[code] = _all_returns_new(fn)
    return _RETURNS_NEW[code]


_RETURNS_NEW = {}


def _all_returns_new(fn):
    try:
        func = source.load(fn).func
    except AdgenError:
        return False
    params = {a.arg for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs}
    bound = {}
    for node in walk(func):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.NamedExpr)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = getattr(node, "value", None) if not isinstance(node, (ast.AugAssign, ast.For)) else None
            for t in targets:
                for n in walk(t):
                    if isinstance(n, ast.Name):
                        bound.setdefault(n.id, []).append(value if isinstance(t, ast.Name) else None)

    def new(expr, seen):
        if isinstance(expr, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.Compare)) or is_fresh_array(expr):
            return True
        if isinstance(expr, ast.Name) and expr.id not in params and expr.id not in seen and expr.id in bound:
            return all(v is not None and new(v, seen | {expr.id}) for v in bound[expr.id])
        return False

    returns = [n.value for n in walk(func) if isinstance(n, ast.Return)]
    return bool(returns) and all(r is not None and new(r, frozenset()) for r in returns)


def is_fresh_array(expr):
    """Does ``expr`` make a new array nothing else refers to?"""
    if isinstance(expr, (ast.BinOp, ast.UnaryOp)):
        return True
    if not isinstance(expr, ast.Call):
        return False
    path = ast.unparse(expr.func)
    if path.startswith("np.") and not path.startswith("np.random"):
        return path.rpartition(".")[2] not in VIEWS
    return isinstance(expr.func, ast.Attribute) and expr.func.attr in ("copy", "astype")


def _stored_array(stmt):
    """The name a statement stores into in place (``y[i] = v``, ``np.add.at(y, ...)``), or
    None. A store into a global is into ``module.name``, which is never new."""
    if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Subscript):
        base = stmt.targets[0].value
        return base.id if isinstance(base, ast.Name) else ast.unparse(base)
    if is_add_at(stmt):
        return stmt.value.args[0].id
    return None


def _list_update(stmt):
    """``(list name, added value)`` for ``xs.append(v)`` / ``extend`` / ``insert``, or None."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        if isinstance(func, ast.Attribute) and func.attr in LIST_METHODS and isinstance(func.value, ast.Name) and stmt.value.args:
            return func.value.id, stmt.value.args[-1]
    return None


def _simple(body):
    """Every simple statement of ``body``, nested ones included."""
    for stmt in body:
        if isinstance(stmt, (ast.If, ast.For, ast.While)):
            yield from _simple(stmt.body + stmt.orelse)
        else:
            yield stmt


class State:
    """At a point of the body: what each name may point to (abstract arrays), the names
    an in-place write may have changed behind them, and the names surely bound to an
    array made here. An allocation site's newest array is told apart from its older ones,
    so ``u = un`` at the end of a loop does not make the next ``un = np.zeros(...)``
    share memory with ``u``."""

    def __init__(self, points=None, stale=(), fresh=()):
        self.points = dict(points or {})
        self.stale = set(stale)
        self.fresh = set(fresh)

    def copy(self):
        return State(self.points, self.stale, self.fresh)

    def join(self, other):
        points = dict(self.points)
        for name, objs in other.points.items():
            points[name] = points.get(name, frozenset()) | objs
        return State(points, self.stale | other.stale, self.fresh & other.fresh)

    def covers(self, other):
        return (
            other.stale <= self.stale
            and self.fresh <= other.fresh
            and all(objs <= self.points.get(n, frozenset()) for n, objs in other.points.items())
        )

    def objects(self, names):
        out = set()
        for n in names:
            out |= self.points.get(n, {("free", n)})
        return frozenset(out)

    def sharing(self, name):
        """The other names that may point to what ``name`` points to."""
        mine = self.objects([name])
        return {n for n, objs in self.points.items() if n != name and objs & mine}


class Checker:
    def __init__(self, params, diags, known=None):
        self.known = known
        self.diags = diags
        self.params = set(params)
        self.reported = set()
        self.shared = {}  # stored name -> names that shared its memory at some store
        self.final = None  # the state at the end of the body (when it stores)

    def run(self, body):
        if any(_stored_array(s) or getattr(s, "adgen_inplace", False) for s in _simple(body)):
            start = State({p: frozenset({("param", p)}) for p in self.params})
            self.final = self._flow(body, start, report=True)
        for stmt in body:
            for node in walk(stmt):
                if isinstance(node, ast.Call) and any(k.arg == "out" for k in node.keywords):
                    self.diags.add("AD305", node, "`out=` writes into an existing array in place", "Assign the result to a name instead.")
        for stmt in _simple(body):  # ``check`` let ``<ufunc>.at(...)`` stand alone: only np.add.at may
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and getattr(stmt.value.func, "attr", None) == "at" and not is_add_at(stmt):
                self.diags.add("AD109", stmt, f"`{ast.unparse(stmt.value.func)}` changes its first argument in place, which is differentiated only for np.add.at", "Compute the new values and store them: `y[i] = y[i] * v`.")

    def members(self, name):
        """``name`` and the names that shared its memory when something stored into it."""
        return self.shared.get(name, set()) | {name}

    def at_end(self, a, b):
        """May ``a`` and ``b`` share memory when the body ends?"""
        return self.final is not None and bool(self.final.objects([a]) & self.final.objects([b]))

    def _flow(self, body, state, report):
        for stmt in body:
            if isinstance(stmt, ast.If):
                self._reads(stmt.test, state, report)
                state = self._flow(stmt.body, state.copy(), report).join(self._flow(stmt.orelse, state.copy(), report))
            elif isinstance(stmt, (ast.For, ast.While)):
                self._reads(stmt.iter if isinstance(stmt, ast.For) else stmt.test, state, report)
                if isinstance(stmt, ast.For):
                    state.points[stmt.target.id] = frozenset()
                while True:  # the state at the top of the body, to a fixed point
                    after = self._flow(stmt.body, state.copy(), False)
                    if state.covers(after):
                        break
                    state = state.join(after)
                self._flow(stmt.body, state.copy(), report)
                state.fresh -= _rebound(stmt.body, self._new)  # a break may leave from anywhere
            else:
                self._simple_stmt(stmt, state, report)
        return state

    def _simple_stmt(self, stmt, state, report):
        self._reads(stmt, state, report)
        stored = _stored_array(stmt)
        update = _list_update(stmt)
        if stored is not None:
            if stored not in state.fresh and report:
                self._refuse_store(stmt, stored)
            others = state.sharing(stored)
            state.stale |= others
            if report:
                self.shared.setdefault(stored, set()).update(others)
        elif update:
            name, value = update
            state.points[name] = state.objects([name]) | state.objects(shares(value, self.known))
        elif isinstance(stmt, ast.Assign):
            target = stmt.targets[0]
            if getattr(stmt, "adgen_inplace", False):  # x += e: x keeps pointing where it did
                state.stale |= state.sharing(target.id)
                state.stale.discard(target.id)
                return
            objs = state.objects(shares(stmt.value, self.known))
            new = isinstance(target, ast.Name) and self._new(stmt.value)
            if new or isinstance(stmt.value, (ast.BinOp, ast.UnaryOp)):
                site = id(stmt)
                for n, o in state.points.items():
                    if ("site", site, "new") in o:
                        state.points[n] = o - {("site", site, "new")} | {("site", site, "old")}
                objs = objs | {("site", site, "new")}
            for name in _names_in(target):
                state.points[name] = frozenset(objs)
                state.stale.discard(name)
                (state.fresh.add if new else state.fresh.discard)(name)

    def _new(self, value):
        """Does ``value`` make a new array? Also a call of the user's function that returns
        a new value (if that is not an array, a store into it fails where it runs: AD404
        or Python's own error)."""
        if is_fresh_array(value):
            return True
        return isinstance(value, ast.Call) and self.known is not None and _returns_new(self.known.resolver, value.func)

    def _refuse_store(self, stmt, name):
        what = "an argument of the function" if name in self.params else "a value that may not be a new array (a view, an argument, a list...)"
        self.diags.add(
            "AD305",
            stmt,
            f"stores into `{name}`, which may be {what}",
            f"Store only into arrays the function creates: `{name} = np.zeros(...)`, or a copy: `{name} = {name}.copy()`.",
        )

    def _reads(self, node, state, report):
        if not report or not state.stale:
            return
        for n in walk(node):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in state.stale and (n.lineno, n.col_offset) not in self.reported:
                self.reported.add((n.lineno, n.col_offset))
                self.diags.add(
                    "AD306",
                    n,
                    f"reads `{n.id}`, which may share memory with an array an earlier in-place write changed",
                    f"Bind `{n.id}` after the write, or make it a copy where it is bound (`.copy()`).",
                )


def _rebound(body, new):
    """Names some assignment in ``body`` binds to a value that may not be a new array
    (``new(value)``: the value surely is one)."""
    return {n for s in _simple(body) if isinstance(s, ast.Assign) and not (isinstance(s.targets[0], ast.Name) and new(s.value))
            for n in ([] if isinstance(s.targets[0], ast.Subscript) else _names_in(s.targets[0]))}


def _names_in(target):
    return [n.id for n in walk(target) if isinstance(n, ast.Name)]


def check(body, params, diags, known=None):
    """Record AD305/AD306 diagnostics for in-place writes ``body`` cannot make safely;
    returns the ``Checker``, which tells which names may share memory.
    ``known``: static shapes (``shapes.Shapes``), or None."""
    checker = Checker(params, diags, known)
    checker.run(body)
    return checker
