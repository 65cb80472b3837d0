"""Objects the differentiated function (or a helper) builds itself: ``SquareLoss().loss(y,
p)``, ``TanH()(x)``, ``m = Model(0.5); m.energy(x)``, ``for act in [ELU(0.1), Sigmoid()]``.

Which method such an object runs, and which objects and functions its attributes hold,
depends on what its class's ``__init__`` stores, since the object does not exist when the
gradient is made. ``sample`` makes a stand-in for it, a *sample* (``instances``) of the
same class whose ``__dict__`` holds what ``__init__`` would store, read from its source
without running it:

- ``self.a = <expression>`` stores the expression's value: a parameter of ``__init__``
  (the call's argument, or the default ``__init__`` holds), a literal, a global, an object
  of a class of yours built there (a sample of its own), a list, tuple or dict display of
  those; any other expression (``np.zeros(n)``, ``2 * alpha``) is data whose value does
  not matter (``None`` stands for it: calling it is refused, never resolved);
- ``name = <expression>`` binds a local the same way;
- ``super().__init__(...)``, ``super(Cls, self).__init__(...)`` and
  ``Base.__init__(self, ...)`` do what the base class's ``__init__`` does;
- docstrings and ``pass`` do nothing.

A dataclass whose ``__init__`` is the one ``dataclass`` writes stores its fields (a
``default_factory`` stores data). Anything else the construction may do (another
statement in ``__init__``, a ``__new__``, ``__post_init__``, a metaclass, ``__slots__``,
``__setattr__`` or ``__getattr__``, an ``__init__`` without source) is a reason, returned
instead of a sample, that ``instances`` reports (AD219) where a method of the object is
called. When the gradient runs, the object is built by the class itself, as written.
"""

import abc
import ast
import dataclasses
import inspect
import types

from adgen import source
from adgen.errors import AdgenError

_DEPTH = 4  # objects built by objects built by ... deeper are not followed


class Computed:
    """What ``__init__`` stores that adgen does not evaluate (``self.f = FUNCTIONS[kind]``,
    ``self.w = np.zeros(n)``): data to the transform (``instances.structure``), and calling
    it is refused (AD219), naming the statement."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text


_UNKNOWN = None  # an argument only known when the code runs: data, never a function resolved
_HOOKS = ("__new__", "__slots__", "__setattr__", "__getattr__", "__getattribute__", "__post_init__")


def sample(cls, args, keywords, baked, yours, depth=0):
    """``(sample, None)`` for ``cls(*args, **keywords)`` (the arguments' values as the
    transform knows them, ``None`` where it does not), or ``(None, reason)``. ``baked``:
    the source's record of what it bakes in (``__init__`` replaced later: made again);
    ``yours(cls)``: is ``cls`` a class of the user's (whose objects are followed)?"""
    reason = _refused(cls)
    if reason is None and depth > _DEPTH:
        reason = "it is built by objects nested too deeply"
    if reason is not None:
        return None, reason
    obj = object.__new__(cls)
    if dataclasses.is_dataclass(cls) and _written_init(cls):
        return _dataclass(cls, obj, args, keywords)
    owner = next(c for c in cls.__mro__ if "__init__" in c.__dict__)
    baked.attribute(cls, "__init__")
    reason = _init(owner, obj, args, keywords, baked, yours, depth)
    return (obj, None) if reason is None else (None, reason)


def _refused(cls):
    if type(cls) not in (type, abc.ABCMeta):  # ABCMeta only checks that no method is abstract
        return f"its class has the metaclass {type(cls).__name__}"
    for c in cls.__mro__[:-1]:
        hook = next((h for h in _HOOKS if c.__dict__.get(h, ()) != () and not _written(c.__dict__[h])), None)  # ``__slots__ = ()``: nothing
        if hook is not None:
            return f"class {c.__qualname__} defines `{hook}`"
    return None


def _written_init(cls):
    return _written(cls.__init__)


def _written(fn):
    """Did ``dataclass`` write ``fn`` (the ``__init__`` of a dataclass, the ``__setattr__``
    that makes it frozen)? It compiles them from a string."""
    code = getattr(fn, "__code__", None)
    return code is not None and code.co_filename == "<string>"


def _dataclass(cls, obj, args, keywords):
    fields = [f for f in dataclasses.fields(cls) if f.init]
    try:
        bound = inspect.signature(cls).bind(*args, **keywords)
    except TypeError as exc:
        return None, f"the call does not match its fields: {exc}"
    for f in fields:
        value = bound.arguments.get(f.name, f.default if f.default is not dataclasses.MISSING else _UNKNOWN)
        obj.__dict__[f.name] = value
    return obj, None


def _init(owner, obj, args, keywords, baked, yours, depth):
    """Store into ``obj`` what ``owner.__init__`` stores, called with ``args`` and
    ``keywords``; a reason when it cannot be followed, else None."""
    init = owner.__dict__["__init__"]
    where = f"`{owner.__qualname__}.__init__`"
    if init is object.__init__:
        return None
    if not isinstance(init, types.FunctionType):
        return f"{where} is not a Python function"
    try:
        src = source.load(init)
    except (AdgenError, OSError, TypeError):
        return f"{where} has no source adgen can read"
    baked.attribute(init, "__code__")
    try:
        bound = inspect.signature(init).bind(obj, *args, **keywords)
    except TypeError as exc:
        return f"the call does not match {where}: {exc}"
    bound.apply_defaults()
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in inspect.signature(init).parameters.values()):
        return f"{where} takes `*args` or `**kwargs`"
    reader = _Reader(owner, obj, dict(bound.arguments), init.__globals__, baked, yours, depth)
    for stmt in src.func.body:
        problem = reader.run(stmt)
        if problem is not None:
            return f"{where} line {stmt.lineno}: `{ast.unparse(stmt)}` {problem}"
    return None


class _Reader:
    """Runs the statements of one ``__init__`` on values known statically."""

    def __init__(self, owner, obj, env, globals_, baked, yours, depth):
        self.owner, self.obj, self.env, self.globals = owner, obj, env, globals_
        self.baked, self.yours, self.depth = baked, yours, depth
        self.me = next(iter(env))  # ``self``

    def run(self, stmt):
        """None when ``stmt`` is followed, else what it does that is not."""
        if isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
            return None
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if len(targets) != 1:
                return "stores into several targets"
            target = targets[0]
            if isinstance(target, ast.Name) and target.id != self.me:
                self.env[target.id] = self.value(stmt.value)
                return None
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == self.me:
                value = self.value(stmt.value)
                where = f"what `{self.owner.__qualname__}.__init__` stores there is known only when it runs (line {stmt.lineno}: `{ast.unparse(stmt)}`)"
                self.obj.__dict__[target.attr] = Computed(where) if value is _UNKNOWN else value
                return None
            return "stores into something other than an attribute of the object"
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            return self._base_init(stmt.value)
        return "is not a store into an attribute of the object"

    def _base_init(self, call):
        """``super().__init__(...)``, ``super(Cls, self).__init__(...)``, ``Base.__init__(self, ...)``."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
            return "calls a function (only a base class's `__init__` is followed)"
        base = func.value
        args = call.args
        if isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and base.func.id == "super":
            after = self.owner
            if base.args:
                start = self.value(base.args[0])
                if not isinstance(start, type) or len(base.args) != 2 or not _is_name(base.args[1], self.me):
                    return "calls `super()` with arguments adgen does not follow"
                after = start
            mro = type(self.obj).__mro__
            rest = mro[mro.index(after) + 1 :] if after in mro else ()
        else:
            cls = self.value(base)
            if not isinstance(cls, type) or not args or not _is_name(args[0], self.me):
                return "calls a function (only a base class's `__init__` is followed)"
            rest, args = cls.__mro__, args[1:]
        owner = next((c for c in rest if "__init__" in c.__dict__), object)
        if any(isinstance(a, ast.Starred) for a in args) or any(k.arg is None for k in call.keywords):
            return "passes `*args` or `**kwargs` on"
        values = [self.value(a) for a in args]
        keywords = {k.arg: self.value(k.value) for k in call.keywords}
        reason = _refused(owner) if owner is not object else None
        return reason or _init(owner, self.obj, values, keywords, self.baked, self.yours, self.depth)

    def value(self, node):
        """What ``node`` holds, where it matters (objects, classes, functions), else ``_UNKNOWN``."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return self.env[node.id]
            if node.id in self.globals:
                self.baked.name(self.globals, node.id, (), self.globals[node.id])
                return self.globals[node.id]
            return _UNKNOWN
        if isinstance(node, ast.Attribute):
            base = self.value(node.value)
            if base is self.obj:
                return self.obj.__dict__.get(node.attr, _UNKNOWN)
            if isinstance(base, (types.ModuleType, type)):
                found = inspect.getattr_static(base, node.attr, _UNKNOWN)
                return _UNKNOWN if isinstance(found, (staticmethod, classmethod, property)) else found
            return _UNKNOWN
        if isinstance(node, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in node.elts):
            return (list if isinstance(node, ast.List) else tuple)(self.value(e) for e in node.elts)
        if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) for k in node.keys):
            return {k.value: self.value(v) for k, v in zip(node.keys, node.values)}
        if isinstance(node, ast.Call) and not any(isinstance(a, ast.Starred) for a in node.args) and all(k.arg for k in node.keywords):
            cls = self.value(node.func)
            if isinstance(cls, type) and self.yours(cls):
                args = [self.value(a) for a in node.args]
                built, _ = sample(cls, args, {k.arg: self.value(k.value) for k in node.keywords}, self.baked, self.yours, self.depth + 1)
                return built
        return _UNKNOWN


def _is_name(node, name):
    return isinstance(node, ast.Name) and node.id == name



def store_into_self(fn):
    """``(line, text)`` of a statement of the method ``fn`` that changes its object
    (``self.f = g``, ``self.inner.w = v``, ``setattr(self, ...)``), else None: called on an
    object built in the function, it would make the object differ from its sample."""
    try:
        func = source.load(fn).func
    except (AdgenError, OSError, TypeError):
        return None
    first = (func.args.posonlyargs + func.args.args)[:1]
    me = first[0].arg if first else None
    for node in ast.walk(func):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        calls_setattr = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr")
        if any(_rooted(t, me) and isinstance(t, ast.Attribute) for t in targets) or (calls_setattr and node.args and _rooted(node.args[0], me)):
            return node.lineno, ast.unparse(node)
    return None


def _rooted(node, name):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return _is_name(node, name)


def stored_parameters(cls, baked):
    """``{parameter: attribute}`` for a class of the user's whose ``__init__`` (its own, its
    construction followed: ``sample``) stores these parameters as they are (``self.W = W``)
    and reads them nowhere else; None when it has no such parameter or is not followed."""
    if not isinstance(cls, type) or issubclass(cls, tuple) or dataclasses.is_dataclass(cls) or _refused(cls) is not None:
        return None
    owner = next(c for c in cls.__mro__ if "__init__" in c.__dict__)
    init = owner.__dict__["__init__"]
    if owner is object or not isinstance(init, types.FunctionType):
        return None
    try:
        func = source.load(init).func
    except (AdgenError, OSError, TypeError):
        return None
    params = [a.arg for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs][1:]
    me = (func.args.posonlyargs + func.args.args)[0].arg if func.args.posonlyargs + func.args.args else None
    stores, reads = {}, {}
    for stmt in func.body:
        plain = isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.Name)
        target = stmt.targets[0] if plain else None
        if plain and isinstance(target, ast.Attribute) and _is_name(target.value, me) and stmt.value.id in params:
            stores.setdefault(stmt.value.id, []).append(target.attr)
            continue
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and n.id in params:
                reads[n.id] = True
    found = {p: attrs[0] for p, attrs in stores.items() if len(attrs) == 1 and p not in reads}
    if not found:
        return None
    required = [p for p in list(inspect.signature(init).parameters.values())[1:] if p.default is p.empty]
    args = [None] * sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in required)
    keywords = {p.name: None for p in required if p.kind is p.KEYWORD_ONLY}
    return found if sample(cls, args, keywords, baked, lambda c: False)[1] is None else None
