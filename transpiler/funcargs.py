"""Function values known when the gradient is made: functions given to the differentiated
function itself, and lists, tuples and dicts of functions.

- **A parameter holding a function.** ``grad(f)(x, np.tanh)``, ``grad(f)(x, act=my_act)``
  for ``def f(x, act): return np.sum(act(x))``: the call shows the function, so the
  gradient is made for it (``act(x)`` then has ``tanh``'s rule, or is ``my_act``
  differentiated), as it is for a default that is a function (``variadic.py``). The
  function is part of the key the gradient is cached under (``Static``), so a call with
  another function makes another gradient, as a call with other shapes does. A list,
  tuple or dict of functions given for a parameter (``fns=[np.sin, act]``) is resolved
  the same way, item by item. ``adgen emit``, which sees no call, cannot know the
  function: AD223.
- **Factories.** ``make_act("tanh")(x)``, or ``act = get_activation("relu")`` then
  ``act(x)``: a function of yours called with literal arguments, whose result is called
  (or passed to a function), is called when the gradient is made, and what it returns
  resolves the call (``factories``). The guard calls it again each time the gradient
  runs, as the function itself does, and makes the gradient again when it returns
  another function (a function with the same code, holding the same functions, is the same).
- **Containers of functions.** ``FNS[1](x)``, ``ACTS["relu"](x)``, ``fns[0](x)``, where
  the container is a global, a closure variable or such a parameter and the index a
  literal, name the function the container holds there (``resolve.Resolver.value_of``,
  guarded item by item). A loop over one (``for f in fns: x = f(x)``, ``for i, f in
  enumerate(fns)``, ``for i in range(len(fns))``, ``.values()``, ``.items()``) is written
  out, one copy of its body per function (``unroll``), each calling its own function;
  the guard checks the container holds the same functions, as many. A local bound once
  to a display of functions (``fns = (np.sin, swish)``) is read in place: ``fns[1](x)``
  is ``swish(x)``; a lambda there is bound to a name of its own first, so that it is
  lifted like a nested def (``lift.py``).
"""

import ast
import copy
import functools
import types

import numpy as np

from adgen import errors, guards
from adgen.marks import mark
from adgen.names import lambda_of
from adgen.syntax import NOT_LITERAL, literal

FUNCTIONS = (types.FunctionType, types.BuiltinFunctionType, np.ufunc, functools.partial)
MAX_UNROLLED = 64  # a loop over more functions than this is left as it is


def is_function(value):
    """A plain function, a builtin or NumPy function, a ufunc or a ``functools.partial``
    (callable instances are ``instances.py``'s)."""
    return isinstance(value, FUNCTIONS) and not hasattr(value, "adgen_gradient")


def is_static(value):
    """A function, or a list, tuple or dict of them: what a call's argument may hold for
    the gradient to be made for it."""
    if type(value) in (list, tuple):
        return bool(value) and all(map(is_function, value))
    if type(value) is dict:
        return bool(value) and all(map(is_function, value.values()))
    return is_function(value)


class Static:
    """A key for a function value given to the differentiated function: equal for the same
    function, or a container of the same type holding the same functions (under the same
    keys). It holds them, so their ids are not reused while the gradient is cached."""

    def __init__(self, value):
        self.kind = type(value)
        self.keys = tuple(value) if self.kind is dict else None
        self.items = tuple(value.values()) if self.kind is dict else tuple(value) if self.kind in (list, tuple) else (value,)
        self._hash = hash((self.kind, self.keys, tuple(map(id, self.items))))

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        same = isinstance(other, Static) and (self.kind, self.keys) == (other.kind, other.keys) and len(self.items) == len(other.items)
        return same and all(a is b for a, b in zip(self.items, other.items))

    def value(self):
        """The value as it was given (a container rebuilt from its items)."""
        if self.kind is dict:
            return dict(zip(self.keys, self.items))
        return self.kind(self.items) if self.kind in (list, tuple) else self.items[0]


_MAYBE = frozenset(FUNCTIONS) | {list, tuple, dict}


def may_hold(values):
    """Might one of ``values`` be a function value (a cheap test, for every call)?"""
    return any(type(v) in _MAYBE for v in values)


def statics(named, defaults):
    """``((parameter, Static), ...)`` for the arguments of a call (``named``: parameter ->
    value) that hold function values, or the default that is a function (``defaults``)."""
    return tuple((p, Static(v)) for p, v in named.items() if is_static(v) or (p in defaults and v is defaults[p]))


# -- items of containers of functions ------------------------------------------------------


def literal_index(node):
    """Is ``node`` a subscript by a literal integer or string (``FNS[1]``, ``FNS[-1]``,
    ``ACTS["relu"]``)?"""
    return index(node) is not None


def index(node):
    """The literal key of the subscript ``node``, or None."""
    if not isinstance(node, ast.Subscript):
        return None
    key = node.slice
    if isinstance(key, ast.UnaryOp) and isinstance(key.op, ast.USub) and isinstance(key.operand, ast.Constant) and type(key.operand.value) is int:
        return -key.operand.value
    if isinstance(key, ast.Constant) and (type(key.value) is int or isinstance(key.value, str)):
        return key.value
    return None


def item(container, key):
    """The function ``container[key]`` holds, or None (not a list, tuple or dict of the
    user's, no such item, or not a function there)."""
    if type(container) not in (list, tuple, dict):
        return None
    try:
        value = container[key]
    except (IndexError, KeyError, TypeError):
        return None
    return value if is_function(value) else None


# -- the function's own parameters, when no call shows them ----------------------------------


def unresolved(func, parameters):
    """``(message, its parts)`` for a callee ``func`` no pass resolved: AD223 where it is (an item
    of) a parameter of the differentiated function (``parameters``), known only when it is
    called, else AD202."""
    root = func
    while isinstance(root, ast.Subscript):
        root = root.value
    if isinstance(root, ast.Name) and root.id in parameters:
        return errors.AD223_PARAMETER_FUNCTION, {"name": ast.unparse(func), "param": root.id}
    return errors.AD202_UNKNOWN_FUNCTION, {"name": ast.unparse(func)}


# -- loops over containers of functions, written out -------------------------------------------


class SameFunctions(guards.Check):
    """A guard: the container still holds the same functions, as many of them (a loop over
    it was written out for them)."""

    def __init__(self, value):
        self.static = Static(value)

    def matches(self, value):
        return is_static(value) and Static(value) == self.static


class _Containers:
    """The containers of functions a function's body reads, by name: parameters a call
    resolved (``statics``), locals bound once to a display of functions, globals and
    closure variables."""

    def __init__(self, body, src, local, statics, is_builtin):
        self.src, self.local, self.statics, self.is_builtin = src, local, statics, is_builtin
        self.nested = {s.name for s in body if isinstance(s, ast.FunctionDef)} | {s.targets[0].id for s in body if _named_lambda(s)}
        self.displays = _displays(body, self._function_node)

    def _function_node(self, node):
        """Does ``node`` (``np.sin``, ``my_act``, a nested def) name a function, as Python reads it here?"""
        if isinstance(node, ast.Name) and node.id in self.nested:
            return True
        attrs = []
        while isinstance(node, ast.Attribute):
            attrs.insert(0, node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id in self.local:
            return False
        found, value = self.src.lookup(node.id)
        for attr in attrs:
            if not isinstance(value, types.ModuleType):
                return False
            value = getattr(value, attr, None)
        return found and is_function(value)

    def items(self, node):
        """``[(key, expression for that item)]`` of the container ``node`` names, or None."""
        if not isinstance(node, ast.Name):
            return None
        name = node.id
        if name in self.displays:
            return self.displays[name]
        if name in self.statics:
            value = self.statics[name]
        elif name in self.local:
            return None
        else:
            found, value = self.src.lookup(name)
            if not (found and is_static(value)):
                return None
            check = SameFunctions(value)
            if name in self.src.closure:
                self.src.baked.cell(self.src.fn, name, (), check)
            else:
                self.src.baked.name(self.src.globals, name, (), check)
        if not is_static(value) or not isinstance(value, (list, tuple, dict)):
            return None
        keys = list(value) if isinstance(value, dict) else range(len(value))
        return [(k, ast.Subscript(value=ast.Name(id=name, ctx=ast.Load()), slice=ast.Constant(k), ctx=ast.Load())) for k in keys]


def _displays(body, names_function):
    """Local name -> its items, for names bound once, at the top level of ``body``, to a
    tuple, list or dict display of functions, and bound nowhere else."""
    found = {}
    for stmt in _display_statements(body):
        items = _display_items(stmt.value)
        if all(names_function(v) for _, v in items):
            found[stmt.targets[0].id] = items
    return found


def _display_statements(body):
    """The statements ``name = <display>`` at the top level of ``body`` (a non-empty tuple,
    list, or dict with literal keys), ``name`` bound nowhere else."""
    stores = {}
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            stores[node.id] = stores.get(node.id, 0) + 1
    return [
        s
        for s in body
        if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) and stores[s.targets[0].id] == 1 and _display_items(s.value)
    ]


def _display_items(value):
    """``[(key, item)]`` of a tuple, list or dict display with literal keys, else ``[]``."""
    if isinstance(value, (ast.Tuple, ast.List)) and not any(isinstance(v, ast.Starred) for v in value.elts):
        return list(enumerate(value.elts))
    if isinstance(value, ast.Dict) and all(isinstance(k, ast.Constant) for k in value.keys):
        return [(k.value, v) for k, v in zip(value.keys, value.values)]
    return []


def run(body, src, local, statics, is_builtin, fresh):
    """``body`` with the function values it reads resolved, before its nested defs are
    lifted: lambdas in displays named (``display_lambdas``), factories (``factories``),
    loops over containers of functions written out and items of local displays read in
    place (``unroll``). ``local``: the names the function binds; ``statics``: parameter ->
    the function value a call gave it; ``is_builtin(name)``: does it mean Python's builtin;
    ``fresh(name)``: a new local name."""
    body = [_Applied(src, local).visit(stmt) for stmt in body]
    body = _name_lambdas(body, fresh)
    local = local | {s.targets[0].id for s in body if _named_lambda(s)}
    body = factories(body, src, local)
    return unroll(body, src, local, statics, is_builtin)


def applied_lambdas(src, body, local):
    """``{id(lambda)}`` for the lambdas called where they stand, ``(lambda a, b: e)(u, v)`` or
    ``partial(lambda a, b: e, u)(v)``, with names or literals: ``run`` writes ``e`` with
    ``u`` and ``v`` in place of ``a`` and ``b``."""
    applied = _Applied(src, local)
    return {id(applied.parts(n)[0]) for s in body for n in ast.walk(s) if isinstance(n, ast.Call) and applied.parts(n)}


class _Applied(ast.NodeTransformer):
    """``(lambda a, b: e)(u, v)`` and ``partial(lambda a, b: e, u)(v)`` -> ``e`` with ``u``
    and ``v`` in place of ``a`` and ``b``, where each of ``u``, ``v`` is a name, a dotted
    name or a literal (read once or more, the same value)."""

    def __init__(self, src, local):
        self.src, self.local = src, local

    def parts(self, call):
        """``(lambda, arguments)`` of such a call, or None."""
        fn, args = call.func, list(call.args)
        if isinstance(fn, ast.Call) and self._is_partial(fn.func) and fn.args and not fn.keywords:
            fn, args = fn.args[0], fn.args[1:] + args
        if not isinstance(fn, ast.Lambda) or call.keywords:
            return None
        spec = fn.args
        plain = not (spec.posonlyargs or spec.vararg or spec.kwonlyargs or spec.kwarg or spec.defaults)
        if not plain or len(spec.args) != len(args) or not all(_simple(a) for a in args):
            return None
        return fn, args

    def _is_partial(self, node):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id not in self.local:
            found, module = self.src.lookup(node.value.id)
            return found and getattr(module, node.attr, None) is functools.partial
        return isinstance(node, ast.Name) and node.id not in self.local and self.src.lookup(node.id) == (True, functools.partial)

    def visit_Lambda(self, node):
        return node  # its own scope

    def visit_Call(self, node):
        self.generic_visit(node)
        found = self.parts(node)
        if found is None:
            return node
        fn, args = found
        body = _Replace(dict(zip([a.arg for a in fn.args.args], args)), {}).visit(copy.deepcopy(fn.body))
        return ast.fix_missing_locations(ast.copy_location(body, node))


def _simple(node):
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, (ast.Name, ast.Constant))


def _named_lambda(stmt):
    return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Lambda)


def display_lambdas(body):
    """``{id(lambda)}`` for the lambdas that are items of a display of ``_displays``'s form
    (``ops = {"sq": lambda v: v ** 2, "sin": np.sin}``): named by ``run``, then lifted."""
    found = set()
    for stmt in _display_statements(body):
        found |= {id(v) for _, v in _display_items(stmt.value) if isinstance(v, ast.Lambda)}
    return found


def _name_lambdas(body, fresh):
    """Each lambda in a display (``display_lambdas``) bound to a name of its own just
    before the display (``ops_lambda = lambda v: v ** 2``), as ``lift.py`` lifts such names."""
    ids = display_lambdas(body)
    if not ids:
        return body
    out = []
    for stmt in body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, (ast.Tuple, ast.List, ast.Dict)):
            holder = stmt.value.values if isinstance(stmt.value, ast.Dict) else stmt.value.elts
            for k, item in enumerate(holder):
                if id(item) in ids:
                    name = fresh(lambda_of(stmt.targets[0].id))
                    out.append(ast.fix_missing_locations(ast.copy_location(ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=item), item)))
                    holder[k] = ast.copy_location(ast.Name(id=name, ctx=ast.Load()), item)
        out.append(stmt)
    return out


def unroll(body, src, local, statics, is_builtin):
    """``body`` with its loops over containers of functions written out, and the items of
    local displays of functions (``fns = (np.sin, act)``, ``fns[0](x)``) read in place."""
    containers = _Containers(body, src, local, statics, is_builtin)
    body = _Unrolled(containers, body).block(body)
    items = {name: dict(found) for name, found in containers.displays.items()}
    body = [_Replace({}, items).visit(stmt) for stmt in body]
    read = {n.id for s in body for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    # every item read in place
    return [s for s in body if not (isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name) and s.targets[0].id in set(items) - read)]


class _Unrolled:
    def __init__(self, containers, body):
        self.containers = containers
        self.body = body

    def block(self, stmts):
        out = []
        for stmt in stmts:
            written = self._written_out(stmt) if isinstance(stmt, ast.For) else None
            if written is not None:
                out += self.block(written)
                continue
            for field in ("body", "orelse"):
                if isinstance(stmt, (ast.For, ast.While, ast.If)):
                    setattr(stmt, field, self.block(getattr(stmt, field)))
            out.append(stmt)
        return out

    def _written_out(self, loop):
        """The copies of ``loop``'s body, one per function of the container it goes over, or None."""
        found = self._form(loop.iter, loop.target)
        if found is None or loop.orelse or any(isinstance(n, (ast.Break, ast.Continue)) for s in loop.body for n in ast.walk(s)):
            return None
        targets, copies = found
        stored = {n.id for s in loop.body for n in ast.walk(s) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
        inside = {id(n) for s in loop.body for n in ast.walk(s)}
        outside = {n.id for s in self.body for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and id(n) not in inside}
        if stored & targets or outside & targets or len(copies) > MAX_UNROLLED:
            return None  # the loop variable is rebound in the loop or read after it
        out = []
        for subs in copies:
            out += [_Replace(subs, {}).visit(copy.deepcopy(s)) for s in loop.body]
        return out

    def _form(self, it, target):
        """``(target names, [name -> node, one per item])`` for ``for f in C``, ``for i, f in
        enumerate(C)``, ``for i in range(len(C))``, ``for f in C.values()``, ``for k, f in
        C.items()`` over a container of functions ``C``, else None."""
        names = [target] if isinstance(target, ast.Name) else target.elts if isinstance(target, ast.Tuple) else []
        if not names or not all(isinstance(n, ast.Name) for n in names):
            return None
        ids = [n.id for n in names]
        call = it if isinstance(it, ast.Call) and not it.keywords and len(it.args) <= 1 else None
        builtin = call is not None and isinstance(call.func, ast.Name) and self.containers.is_builtin(call.func.id) and call.func.id
        method = call is not None and not call.args and isinstance(call.func, ast.Attribute) and call.func.attr
        if isinstance(it, ast.Name) and len(ids) == 1:
            items, make = self.containers.items(it), lambda k, i, node: [node]
        elif builtin == "enumerate" and len(ids) == 2:
            items, make = self.containers.items(call.args[0]), lambda k, i, node: [ast.Constant(i), node]
        elif builtin == "range" and len(ids) == 1 and _is_len(call.args[0], self.containers.is_builtin):
            items, make = self.containers.items(call.args[0].args[0]), lambda k, i, node: [ast.Constant(i)]
        elif method in ("values", "items") and len(ids) == (1 if method == "values" else 2):
            items = self.containers.items(call.func.value)
            make = (lambda k, i, node: [node]) if method == "values" else (lambda k, i, node: [ast.Constant(k), node])
            if items is not None and not all(isinstance(k, str) for k, _ in items):
                return None  # not a dict
        else:
            return None
        if items is None or (builtin in ("range", "enumerate") or isinstance(it, ast.Name)) and any(isinstance(k, str) for k, _ in items):
            return None  # a loop over a dict goes over its keys
        return set(ids), [dict(zip(ids, make(k, i, node))) for i, (k, node) in enumerate(items)]


def _is_len(node, is_builtin):
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "len"
        and is_builtin("len")
        and len(node.args) == 1
        and not node.keywords
    )


class _Replace(ast.NodeTransformer):
    """Names read replaced by nodes (``subs``), and literal items of local displays of
    functions by the display's item (``items``: name -> key -> node)."""

    def __init__(self, subs, items):
        self.subs, self.items = subs, items

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.subs:
            return ast.fix_missing_locations(ast.copy_location(copy.deepcopy(self.subs[node.id]), node))
        return node

    def visit_Subscript(self, node):
        self.generic_visit(node)
        if literal_index(node) and isinstance(node.value, ast.Name) and index(node) in self.items.get(node.value.id, {}):
            return ast.fix_missing_locations(ast.copy_location(copy.deepcopy(self.items[node.value.id][index(node)]), node))
        return node


# -- functions returned by a factory -------------------------------------------------------------


def same_function(a, b):
    """Is ``a`` the function ``b`` for a gradient made for ``b``: the same object, or a
    function with the same code holding the same functions in its closure (a factory's
    result made again; the values it holds are read when the gradient runs)."""
    if a is b:
        return True
    if type(a) is not types.FunctionType or type(b) is not types.FunctionType or a.__code__ is not b.__code__:
        return False
    cells = zip(a.__closure__ or (), b.__closure__ or ())
    return all(x.cell_contents is y.cell_contents or isinstance(x.cell_contents, guards.DATA) for x, y in cells)


class SameFunction(guards.Check):
    """A guard: a factory called again returns the function the gradient was made for."""

    def __init__(self, fn):
        self.fn = fn

    def matches(self, value):
        return same_function(value, self.fn)


def factories(body, src, local):
    """Resolve the calls of functions of yours with literal arguments whose result is called
    (``make_act("tanh")(x)``), and the names bound once, at the top level of ``body``, to
    one (``act = get_activation("relu")``) that are only called or passed to calls: each
    read of such a name becomes the call, which ``resolve`` answers with the function it
    returned when the gradient was made (``Mark.resolved``)."""
    made = {}
    module = ast.Module(body=body, type_ignores=[])
    for node in ast.walk(module):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Call):
            _resolve_factory(node.func, src, local, made)
    bound = _bound_factories(body, src, local, made)
    if not bound:
        return body
    body = [s for s in body if not (isinstance(s, ast.Assign) and s.targets[0] in [b for b, _ in bound.values()])]
    return [_Replace({name: call for name, (_, call) in bound.items()}, {}).visit(s) for s in body]


def _bound_factories(body, src, local, made):
    """Name -> (its store, the factory call it is bound to) for ``act = make(...)`` as
    ``factories`` says."""
    stores, uses = {}, {}
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            stores[node.id] = stores.get(node.id, 0) + 1
        if isinstance(node, ast.Call):
            for used in [node.func] + node.args + [k.value for k in node.keywords]:
                uses[id(used)] = True
    loads = [n for n in ast.walk(ast.Module(body=body, type_ignores=[])) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    found = {}
    for stmt in body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Call):
            name = stmt.targets[0].id
            if stores[name] == 1 and all(id(n) in uses for n in loads if n.id == name) and _resolve_factory(stmt.value, src, local, made):
                found[name] = (stmt.targets[0], stmt.value)
    return found


def _scalar(node):
    """The value of a literal number, string, bool or None (``-1.0`` too), else ``NOT_LITERAL``."""
    value = literal(node)
    return value if value is None or isinstance(value, (bool, int, float, complex, str)) else NOT_LITERAL


def _resolve_factory(call, src, local, made):
    """Call the factory ``call`` names (with literal arguments) and mark ``call`` with the
    function it returns, guarded; False where it is not one."""
    attrs, root = [], call.func
    while isinstance(root, ast.Attribute):
        attrs.insert(0, root.attr)
        root = root.value
    values = [_scalar(a) for a in call.args + [k.value for k in call.keywords]]
    if any(v is NOT_LITERAL for v in values) or not all(k.arg for k in call.keywords) or not isinstance(root, ast.Name) or root.id in local:
        return False
    found, factory = src.lookup(root.id)
    for attr in attrs:
        factory = getattr(factory, attr, None) if isinstance(factory, types.ModuleType) else None
    if not found or type(factory) is not types.FunctionType:
        return False
    step = guards.Calling(values[: len(call.args)], {k.arg: v for k, v in zip(call.keywords, values[len(call.args) :])})
    key = (id(factory), step)
    if key not in made:
        try:
            made[key] = step(factory)
        except Exception:  # noqa: BLE001 - the user's code, run as the primal would run it: left to fail there
            made[key] = None
    result = made[key]
    if not is_function(result):
        return False
    check, path = SameFunction(result), tuple(attrs) + (step,)
    if root.id in src.closure:
        src.baked.cell(src.fn, root.id, path, check)
    else:
        src.baked.name(src.globals, root.id, path, check)
    mark(call, resolved=result)
    return True
