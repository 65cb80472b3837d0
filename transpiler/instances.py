"""Objects of the user's classes that a differentiated function calls methods of:
``self.predict(x)``, ``for layer in self.layers: x = layer(x)``, ``self.blocks["enc"](x)``,
``super().energy(x)``, ``cls.scale(x)``.

Which function ``obj.method(...)`` runs depends on the class of ``obj``, which the
function's text does not show. The transform looks at the objects themselves: the
arguments of the call being differentiated (``self`` of ``grad(model.loss)``), module
globals and closure variables, and what their attributes, list, tuple and dict items
hold (``Samples``). A method is found through the object's class (its base classes
too, and for ``super()`` the classes after the method's own); static and class methods,
callable objects (``__call__``), functions and ``functools.partial`` objects held in
attributes are called like the user's functions (``calls.py``). The values themselves
(``self.W``) are still read when the gradient runs.

So a gradient is specialised to the *structure* of these objects (``structure``): their
classes, and those of the objects their attributes and items hold, which functions they
hold, and the kinds of data that is not plain (a complex array). An argument of another
structure gets a gradient of its own, as one of another shape does (``api``); a global
or closure variable that changes structure, or a class whose method is replaced, makes
the gradient be transformed again (``guards``).
"""

import ast
import functools
import inspect
import sys
import types

import numpy as np

from adgen import constructed, errors, guards
from adgen.libraries import installed
from adgen.marks import mark, marks

_DEPTH = 6  # objects nested deeper are not looked into (nor resolved through)
_ABSENT = object()
_PLAIN_TYPES = frozenset({float, int, bool, type(None), str, np.ndarray, np.float64, constructed.Computed})
_ROUTINES = (types.FunctionType, types.BuiltinFunctionType, types.BuiltinMethodType, type)


class Key:
    """The specialisation key of an object argument (``api``): its structure."""

    __slots__ = ("parts", "_hash")

    def __init__(self, parts):
        self.parts = parts
        self._hash = hash(parts)

    def __eq__(self, other):
        return isinstance(other, Key) and self.parts == other.parts

    def __hash__(self):
        return self._hash

    def __repr__(self):
        head = self.parts[0] if isinstance(self.parts, tuple) else self.parts
        return f"<object of {getattr(head, '__qualname__', head)}>"


class Same(guards.Check):
    """A guard: the value checked has the structure it had (``guards.Guard``)."""

    def __init__(self, value):
        self.parts = structure(value)

    def matches(self, value):
        return structure(value) == self.parts


def key_of(value):
    """A ``Key`` for an object of a class of the user's, such a class, or a list or tuple
    holding such objects, else None."""
    if is_object(value) or (isinstance(value, type) and _user_class(value, True)):
        return Key(structure(value))
    if type(value) in (list, tuple) and any(map(is_object, value)):
        return Key(structure(value))
    return None


def is_object(value):
    """Is ``value`` an object of a class of the user's (not data, a function, a module...)?"""
    t = type(value)
    return t not in _PLAIN_TYPES and _user_class(t)


@functools.lru_cache(maxsize=1024)
def _user_class(t, any_class=False):
    """A class defined in the user's code (not in an installed library, NumPy or adgen)."""
    if not any_class and issubclass(t, guards.DATA + (types.ModuleType, functools.partial) + _ROUTINES + (types.MethodType,)):
        return False
    name = t.__module__ or ""
    if name == "builtins" or name.startswith(("numpy", "adgen.", "functools")):
        return False
    path = getattr(sys.modules.get(name), "__file__", None)
    return path is None or not installed(path)


def structure(value, depth=0, seen=()):
    """What method resolution through ``value`` depends on (hashable), or None where it
    depends on nothing (plain numbers, arrays, strings, lists of them)."""
    t = type(value)
    if t in _PLAIN_TYPES:
        return None
    if isinstance(value, guards.DATA):
        if guards.plain(value):
            return None
        if t in (list, tuple, dict) and depth < _DEPTH:
            items = value.items() if t is dict else enumerate(value)
            return (t, tuple((k, structure(v, depth + 1, seen)) for k, v in items))
        return ("data", guards.kinds_in(value))
    if isinstance(value, functools.partial):
        args = tuple(structure(a, depth + 1, seen) for a in value.args)
        return (functools.partial, structure(value.func, depth + 1, seen), args, tuple(sorted(value.keywords)))
    if isinstance(value, types.MethodType):
        return (types.MethodType, value.__func__, structure(value.__self__, depth + 1, seen))
    if isinstance(value, _ROUTINES) or callable(value) and not is_object(value):
        try:
            hash(value)
            return value  # which function: by identity
        except TypeError:
            return t
    if not is_object(value):
        return t  # another library's object: its class
    if depth >= _DEPTH or id(value) in seen:
        return (t, "...")
    attrs = getattr(value, "__dict__", {})
    inner = seen + (id(value),)
    parts = ((name, structure(v, depth + 1, inner)) for name, v in sorted(attrs.items()))
    return (t, tuple((name, s) for name, s in parts if s is not None))


class Samples:
    """The objects names of one function hold when the transform runs (its parameters',
    from the call's arguments or the caller's samples; locals assigned from their
    attributes and items), and the methods calls on them run."""

    def __init__(self, resolver, params, diags):
        self.resolver = resolver
        self.src = resolver.src
        self.diags = diags
        self.values = {p: v for p, v in params.items() if v is not None}
        self.refused = set()  # nodes already reported
        self.built = {}  # id of a call building an object of the user's -> (its sample, or None and why not)
        self.unfollowed = {}  # a local assigned such an object adgen cannot follow -> (class, why)
        self.mixed = {}  # a local taking items of a list or dict of objects of several classes -> that list

    def scan(self, body, params):
        """Give locals assigned only from samples of one structure (``layer = self.layers[_k1]``,
        the loop variable of ``for layer in self.layers``) those samples."""
        stores, simple = {}, set()
        for node in ast.walk(ast.Module(body=body, type_ignores=[])):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                stores.setdefault(node.targets[0].id, []).append(node.value)
                simple.add(id(node.targets[0]))
            elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)) and id(node) not in simple:
                stores.setdefault(node.id, []).append(None)
        for name in set(stores) & set(self.values):
            del self.values[name]  # a parameter rebound: its sample says nothing
        for _ in range(2):  # ``b = a`` before ``a`` is known
            for name, values in stores.items():
                if name in params or name in self.values:
                    continue
                found = [self.of(v) if v is not None else None for v in values]
                kinds = {structure(s) for s in found}
                if found[0] is not None and len(kinds) == 1 and not (isinstance(values[0], ast.List) and _may_change(body, name)):
                    self.values[name] = found[0]
                elif any(self._why(v) for v in values):
                    self.unfollowed[name] = next(self._why(v) for v in values if self._why(v))
                elif any(isinstance(v, ast.Subscript) and self._mixed(self.of(v.value)) for v in values):
                    seq = next(v.value for v in values if isinstance(v, ast.Subscript))
                    written = stores.get(seq.id, [None]) if isinstance(seq, ast.Name) else [seq]
                    self.mixed[name] = written[0] if len(written) == 1 and written[0] is not None else seq  # as the user wrote it
        self._changed_after_built(body)

    def _changed_after_built(self, body):
        """AD219 for a method called on an object the function built that changes the object
        (``m = Model(); m.set_act(np.cos)``): its sample would no longer say what it holds."""
        built = {id(found) for found, _ in self.built.values() if found is not None}
        for node in ast.walk(ast.Module(body=body, type_ignores=[])):
            func = getattr(node, "func", None) if isinstance(node, ast.Call) else None
            if not isinstance(func, ast.Attribute) or id(self.of(func.value)) not in built:
                continue
            raw = inspect.getattr_static(type(self.of(func.value)), func.attr, None)
            found = constructed.store_into_self(raw) if isinstance(raw, types.FunctionType) else None
            if found is not None:
                self._refuse(func, errors.AD219_CHANGED, name=ast.unparse(func), line=found[0], text=found[1])

    # -- what an expression holds ------------------------------------------------------

    def of(self, node):
        """The object (or class) ``node`` holds when the transform runs, if it is known."""
        if isinstance(node, ast.Name):
            if node.id in self.values:
                return self.values[node.id]
            return self._outside(node)
        if isinstance(node, ast.Attribute):
            base = self.of(node.value)
            if base is None:
                return self._outside(node)
            if is_object(base):
                held = getattr(base, "__dict__", {}).get(node.attr, _ABSENT)
                return None if held is _ABSENT or structure(held) is None else held
            return None
        if isinstance(node, ast.Subscript):
            return self._item(self.of(node.value), node.slice)
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts:  # ``[ELU(0.1), Sigmoid()]``
            items = [self._held(e) if not isinstance(e, ast.Starred) else None for e in node.elts]
            return None if any(v is None for v in items) else (list if isinstance(node, ast.List) else tuple)(items)
        if isinstance(node, ast.Call) and self._built(node) is not None:
            return self._built(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "type" and len(node.args) == 1 and not node.keywords:
            inner = self.of(node.args[0])
            return type(inner) if is_object(inner) else None
        return None

    def _item(self, seq, index):
        if not isinstance(seq, (list, tuple, dict)) or structure(seq) is None:
            return None
        if isinstance(index, ast.Constant):
            try:
                return seq[index.value]
            except (KeyError, IndexError, TypeError):
                return None
        items = list(seq.values() if isinstance(seq, dict) else seq)
        if items and len({structure(v) for v in items}) == 1:
            return items[0]  # any item, as all are alike (the key of ``api`` holds each one's)
        return None

    def _held(self, node):
        """What an item of a list or tuple display holds: an object (or class) of the user's,
        or a function known statically (``[np.sin, np.cos]``)."""
        found = self.of(node)
        if found is None:
            ok, value = self.resolver.value_of(node)
            found = value if ok and callable(value) and not isinstance(value, type) else None
        return found

    def _built(self, call):
        """The sample of the object ``call`` builds, ``Cls(...)`` of a class of the user's
        (``constructed``), or None (why not: ``_why``)."""
        if id(call) in self.built:
            return self.built[id(call)][0]
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            return None
        ok, cls = self.resolver.value_of(call.func, record=False)
        if not ok or not isinstance(cls, type) or not _user_class(cls) or issubclass(cls, tuple):
            return None
        self.resolver.value_of(call.func)  # recorded: another class there makes the gradient again
        args = [self._known(a) for a in call.args]
        keywords = {k.arg: self._known(k.value) for k in call.keywords}
        found, why = constructed.sample(cls, args, keywords, self.src.baked, _user_class)
        self.built[id(call)] = (found, None if why is None else (cls, why))
        return found

    def _known(self, node):
        """An argument of a call building an object, as far as the transform knows it."""
        found = self.of(node)
        if found is not None:
            return found
        try:
            return ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            ok, value = self.resolver.value_of(node)
            return value if ok else None

    def _why(self, node):
        """``(class, reason)`` when ``node`` holds an object built where adgen does not follow
        its construction, else None."""
        if isinstance(node, ast.Call):
            return self.built.get(id(node), (None, None))[1]
        return self.unfollowed.get(node.id) if isinstance(node, ast.Name) else None

    def _unfollowed(self, node, func):
        """AD219 for ``func`` called on ``node``, an object built in a way adgen does not follow."""
        cls, why = self._why(node)
        self._refuse(func, errors.AD219_CONSTRUCTION, name=ast.unparse(func), cls=cls.__qualname__, why=why)

    def _outside(self, node):
        """A module global or closure variable holding an object of the user's (or one of
        their classes): recorded, so that another structure there makes the gradient again."""
        root = self.resolver.root(node)
        if root is None or root[2] is None:
            return None
        ok, value = self.resolver.value_of(node, record=False)
        sequence = type(value) in (list, tuple) and any(map(is_object, value))  # ``for act in ACTIVATIONS``
        if not ok or not (is_object(value) or sequence or (isinstance(value, type) and _user_class(value, True))):
            return None
        if is_object(value) or sequence:
            root[2](Same(value), False)
        return value

    # -- which function a call runs -----------------------------------------------------

    def callee(self, func):
        """``(function, receiver node or None, (extra args, extra keywords))`` that calling
        ``func`` runs, for a function of the user's reached through a sample; None when
        ``func`` is not one (AD218 recorded when it is one adgen cannot follow)."""
        if isinstance(func, ast.Attribute):
            if _is_super(func.value):
                return self._super(func)
            base = self.of(func.value)
            if base is None and self._why(func.value):
                self._unfollowed(func.value, func)
                return None
            if base is None and isinstance(func.value, ast.Subscript) and self._mixed(self.of(func.value.value)):
                self.mixed[ast.unparse(func.value)] = func.value.value
                self.callee(ast.copy_location(ast.Name(id=ast.unparse(func.value), ctx=ast.Load()), func))  # AD218
                self.refused.add(id(func))
                return None
            if is_object(base):
                held = getattr(base, "__dict__", {}).get(func.attr, _ABSENT)
                if held is not _ABSENT:
                    return self._value_callee(held, func)
                return self._through_class(type(base), func, func.value, bound=True)
            if isinstance(base, type):
                return self._through_class(base, func, func.value, bound=False)
            if isinstance(base, types.ModuleType) or base is None:  # ``model.net(x)``: a module global
                held = self.of(func)
                return self._value_callee(held, func) if is_object(held) else None
            return None
        if isinstance(func, ast.Name) and func.id in self.mixed:
            seq = ast.unparse(self.mixed[func.id])
            self._refuse(func, errors.AD218_MIXED_CLASSES, name=func.id, seq=seq)
            return None
        if self.of(func) is None and self._why(func):
            self._unfollowed(func, func)
            return None
        return self._value_callee(self.of(func), func)

    @staticmethod
    def _mixed(seq):
        items = list(seq.values() if isinstance(seq, dict) else seq) if isinstance(seq, (list, tuple, dict)) else []
        return len({structure(v) for v in items}) > 1 and any(is_object(v) for v in items)

    def function(self, func):
        """A function held in an object's attribute or item (``self.act`` holding
        ``np.tanh``) that is not the user's: ``(True, function)`` for its rule, else ``(False, None)``."""
        if isinstance(func, ast.Name):  # ``f = FUNCTIONS[0]``, a loop unrolled (``unroll``)
            held = self.values.get(func.id)
            plain = held is not None and callable(held) and not is_object(held) and not isinstance(held, (type, functools.partial))
            return (True, held) if plain else (False, None)
        if not isinstance(func, (ast.Attribute, ast.Subscript)) or _is_super(getattr(func, "value", None)):
            return False, None
        base = self.of(func.value)
        if isinstance(func, ast.Attribute) and not is_object(base):
            return False, None
        held = self.of(func) if isinstance(func, ast.Subscript) else getattr(base, "__dict__", {}).get(func.attr, _ABSENT)
        if held is None or held is _ABSENT or is_object(held) or isinstance(held, functools.partial):
            return False, None
        return (True, held) if callable(held) else (False, None)

    def _value_callee(self, value, func):
        if isinstance(value, constructed.Computed):
            self._refuse(func, errors.AD219_COMPUTED_FUNCTION, name=ast.unparse(func), why=value.text)
            return None
        if value is None or value is _ABSENT:
            return None
        if isinstance(value, types.FunctionType):
            return value, None, ([], [])
        if isinstance(value, functools.partial):
            if not isinstance(value.func, types.FunctionType):
                return None  # a library function: its rule, through the Reverser
            args = [_part(func, "args", k) for k in range(len(value.args))]
            keywords = [ast.keyword(arg=k, value=_part(func, "keywords", k)) for k in sorted(value.keywords)]
            return value.func, None, (args, keywords)
        if is_object(value):
            return self._through_class(type(value), func, func, bound=True, attr="__call__")
        return None

    def _through_class(self, cls, func, receiver, bound, attr=None):
        """The function ``cls``'s attribute ``attr`` (that of ``func``) runs."""
        attr = attr or func.attr
        raw = inspect.getattr_static(cls, attr, _ABSENT)
        if raw is _ABSENT:
            return None
        self.src.baked.attribute(cls, attr)  # ``Model.predict = other`` later: transformed again
        return self._bound(raw, cls, func, receiver, bound, attr)

    def _bound(self, raw, cls, func, receiver, bound, attr):
        if isinstance(raw, staticmethod):
            raw, receiver = raw.__func__, None
        elif isinstance(raw, classmethod):
            raw = raw.__func__
            receiver = _type_of(receiver) if bound else receiver
        elif not bound:
            receiver = None  # ``Class.method(obj, x)``: obj is among the arguments
        if isinstance(raw, types.FunctionType):
            return raw, receiver, ([], [])
        if isinstance(raw, property):
            self._refuse(func, errors.AD218_PROPERTY, name=ast.unparse(func), cls=cls.__qualname__)
        return None  # a library function a class holds (``act = np.tanh``): its rule

    def _super(self, func):
        """``super().method``: the first class after the method's own, in the MRO of the
        class of its first parameter, that defines ``method``."""
        owner = self.src.closure.get("__class__")
        first = self.src.func.args.posonlyargs + self.src.func.args.args
        sample = self.values.get(first[0].arg) if first else None
        if not isinstance(owner, type) or sample is None:
            self._refuse(func, errors.AD218_SUPER_UNKNOWN)
            return None
        cls = sample if isinstance(sample, type) else type(sample)
        mro = cls.__mro__
        after = mro[mro.index(owner) + 1 :] if owner in mro else ()
        for base in after:
            if func.attr in base.__dict__:
                self.src.baked.attribute(base, func.attr)
                receiver = ast.Name(id=first[0].arg, ctx=ast.Load())
                return self._bound(base.__dict__[func.attr], base, func, receiver, not isinstance(sample, type), func.attr)
        return None

    def spell_super(self, body):
        """``super().f`` -> ``super(Owner, self).f``, ``Owner`` read from the user's module:
        generated code is not inside the class, where zero-argument ``super()`` works. The
        calls adgen differentiates call the method found (``_super``) instead."""
        owner = self.src.closure.get("__class__")
        first = self.src.func.args.posonlyargs + self.src.func.args.args
        samples = self

        class Spell(ast.NodeTransformer):
            def visit_Call(self, node):
                self.generic_visit(node)
                if not _is_super(node) or marks(node).super:
                    return node
                if not isinstance(owner, type) or not first or samples.src.globals.get(owner.__name__) is not owner:
                    samples._refuse(node, errors.AD218_SUPER_NOT_GLOBAL)
                    return node
                cls = samples.resolver.qualify([ast.Expr(ast.Name(id=owner.__name__, ctx=ast.Load()))], samples.resolver.locals)[0].value
                new = ast.Call(func=node.func, args=[cls, ast.Name(id=first[0].arg, ctx=ast.Load())], keywords=[])
                mark(new, super=True)
                return ast.fix_missing_locations(ast.copy_location(new, node))

        if not any(_is_super(n) for s in body for n in ast.walk(s)):
            return body
        return [Spell().visit(s) for s in body]

    def _refuse(self, node, message, **parts):
        """Report ``message`` at ``node``, once."""
        if id(node) not in self.refused:
            self.refused.add(id(node))
            self.diags.report(node, message, **parts)


def _may_change(body, name):
    """May the list ``name`` is bound to change after (``name.append(v)``, ``name[0] = v``,
    passed to a function)? Only ``len(name)`` and ``name[i]`` reads are sure not to."""
    parents = {id(c): n for s in body for n in ast.walk(s) for c in ast.iter_child_nodes(n)}
    for node in (n for s in body for n in ast.walk(s)):
        if not (isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)):
            continue
        parent = parents.get(id(node))
        read = isinstance(parent, ast.Subscript) and parent.value is node and isinstance(parent.ctx, ast.Load)
        counted = isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "len"
        if not (read or counted):
            return True
    return False


def _is_super(node):
    """``super()``, or what ``spell_super`` made of it."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"):
        return False
    return marks(node).super or (not node.args and not node.keywords)


def _type_of(node):
    return ast.Call(func=ast.Name(id="type", ctx=ast.Load()), args=[node], keywords=[])


def _part(func, attr, key):
    """``func.args[k]`` / ``func.keywords["k"]``: a ``functools.partial``'s bound argument."""
    return ast.Subscript(value=ast.Attribute(value=func, attr=attr, ctx=ast.Load()), slice=ast.Constant(key), ctx=ast.Load())
