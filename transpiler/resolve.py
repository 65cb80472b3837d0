"""Static name resolution: what object an expression in the user's code names.

Free names in the user's function are qualified for generated code (numpy
becomes ``np``, other globals are read from the user's module at run time),
and callees are resolved to the objects their derivative rules are keyed by.
"""

import ast
import builtins
import copy
import inspect
import keyword
import re
import types

import numpy as np

from adgen import errors, funcargs, guards, runtime
from adgen.guards import EMPTY
from adgen.libraries import installed
from adgen.marks import marks
from adgen.names import Names
from adgen.runtime import registry
from adgen.syntax import dotted, path_of

_ABSENT = object()


class Resolver:
    def __init__(self, src, names: Names, diags):
        self.src = src
        self.names = names
        self.diags = diags
        self.module_alias = None  # the alias of the user's module, once a global needs it
        self.bound = {"np": np, "_rt": runtime}  # names of generated code -> the objects they hold
        self.locals = set()
        self.instances = None  # instances.Samples: the objects of the user's its names hold

    # -- qualifying free names --------------------------------------------------------

    def qualify(self, body, local_names):
        """Rewrite the free names in ``body`` so they resolve inside the generated module."""
        resolver = self
        self.locals = set(local_names)

        class Qualify(ast.NodeTransformer):
            def visit_Name(self, node):
                if isinstance(node.ctx, ast.Load) and node.id not in local_names:
                    return ast.fix_missing_locations(ast.copy_location(resolver._qualified(node), node))
                return node

        return [Qualify().visit(stmt) for stmt in body]

    def _qualified(self, node):
        name = node.id
        if name in self.src.closure or marks(node).runtime:
            return node  # closure variables become keyword-only parameters; ``_rt`` of lift.py
        found, value = self.src.lookup(name)
        if not found:
            self.diags.report(node, errors.AD202_UNDEFINED, name=name)
            return node
        if name in self.src.globals:
            path = numpy_path(value)
            if path is not None:
                return dotted(path)
            if value is runtime:  # generated code differentiated again: every generated module imports it as ``_rt``
                return dotted("_rt")
            if self.module_alias is None:
                self.module_alias = self.names.fresh(alias_for(self.src.module))
            return ast.Attribute(value=ast.Name(id=self.module_alias, ctx=ast.Load()), attr=name, ctx=ast.Load())
        return node  # a builtin

    def as_written(self, node):
        """A copy of ``node`` as the user wrote it, for messages: the user's globals without
        the module alias ``qualify`` put in front of them (``_m.grad(_m.inner)`` -> ``grad(inner)``)."""
        alias = self.module_alias

        class Unqualify(ast.NodeTransformer):
            def visit_Attribute(self, attr):
                if isinstance(attr.value, ast.Name) and attr.value.id == alias:
                    return ast.Name(id=attr.attr, ctx=ast.Load())
                return self.generic_visit(attr)

        return Unqualify().visit(copy.deepcopy(node))

    # -- resolving callees ------------------------------------------------------------

    def value_of(self, node, record=True):
        """``(True, obj)`` when ``node`` statically names a module-level object (recorded in
        the source's ``baked`` unless ``record`` is false: see ``guards``). A callee a pass
        wrote and resolved itself (``frozen``: ``Mark.resolved``) is what it says."""
        resolved = marks(node).resolved
        if resolved is not None:
            return True, resolved
        if reads_a_default(node):
            ok, fn = self.value_of(node.args[0], record)  # a default generated code reads (a tangent module's call): fixed when fn was defined
            return (True, runtime.default(fn, node.args[1].value)) if ok and callable(fn) else (False, None)
        found = self.root(node, items=True)
        if found is None:
            return False, None
        obj, attrs, where = found
        for attr in attrs:
            if isinstance(attr, tuple):  # FNS[1], ACTS["relu"]: a function in a container (funcargs.py)
                obj = funcargs.item(obj, attr[0])
                if obj is None:
                    return False, None
            elif not isinstance(obj, (types.ModuleType, types.SimpleNamespace, type)) or not hasattr(obj, attr):
                return False, None
            else:
                obj = getattr(obj, attr)
        if record and where is not None:
            where(obj, False)
        return (False, None) if obj is EMPTY else (True, obj)

    def method_of(self, node):
        """``(True, bound method)`` when ``node`` (``norm.logpdf``, ``rng.normal``) names a
        method of a module-level object of an installed library: not a module, class, array
        or number, nor an object of a class of yours (those run through their source).
        Recorded like ``value_of``: another object there later makes the gradient again."""
        if not isinstance(node, ast.Attribute):
            return False, None
        root = self.root(node)
        ok, obj = self.value_of(node.value, record=False)
        if root is None or root[2] is None or not ok or isinstance(obj, (types.ModuleType, type, np.ndarray, np.generic, int, float, complex)):
            return False, None
        method = inspect.getattr_static(type(obj), node.attr, None)
        if isinstance(method, types.FunctionType):
            library = installed(method.__code__.co_filename)
        else:  # compiled (a method descriptor, a Cython function): never the user's
            library = callable(method) and not isinstance(method, (staticmethod, classmethod, type))
        if not library:
            return False, None
        bound = getattr(obj, node.attr)  # a plain function on the class: binding runs nothing
        root[2](bound, True)
        return True, bound

    def data_of(self, node):
        """``value_of``, but also through attributes of any object (``config.scale``, an
        instance's attribute) when what the whole names is data: the values whose kind the
        transform looks at (complex, ``np.matrix``...), recorded so that a later change of
        kind is seen (``guards``). Attributes are read without running code (no properties)."""
        found = self.value_of(node)
        if found[0] or not isinstance(node, ast.Attribute):
            return found
        root = self.root(node)
        if root is None or root[2] is None:
            return False, None
        obj, attrs, where = root
        for attr in attrs:
            obj = inspect.getattr_static(obj, attr, _ABSENT)
            if obj is _ABSENT or hasattr(type(obj), "__get__"):  # absent, or a property, method...
                return False, None
        if isinstance(obj, guards.DATA):
            where(obj, False)
            return True, obj
        return False, None

    def read_by(self, fn, depth=0):
        """``(name, value)`` for each value a function of yours reads from its globals and
        closure, and those the functions of yours it calls read (to a few levels): what it
        may return without its text showing it. Recorded, so that a later change is seen."""
        code = fn.__code__
        cells = []
        for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
            try:
                cells.append((name, cell.cell_contents))
            except ValueError:  # not filled yet
                pass
        found = [(n, fn.__globals__[n]) for n in sorted(names_read(code)) if n in fn.__globals__]
        for name, value in found:
            self.src.baked.name(fn.__globals__, name, (), value)
        for name, value in found + cells:
            yield name, value
            if depth < 3 and yours(value) and value is not fn:
                yield from self.read_by(value, depth + 1)

    def pin(self, node, obj):
        """Record that the method ``node`` (``obj.method``, the object read from the user's
        globals or a closure) calls the function ``obj``."""
        found = self.root(node)
        if found is not None and found[2] is not None:
            found[2](obj, True)

    def root(self, node, items=False):
        """``(object, attributes to follow, record)`` for a dotted name: the object its
        first part names, the rest, and how to record what the whole resolves to. With
        ``items``, literal subscripts too (``FNS[1].f``), each a ``(key,)`` among the attributes."""
        attrs = []
        while isinstance(node, ast.Attribute) or (items and funcargs.literal_index(node)):
            attrs.insert(0, node.attr if isinstance(node, ast.Attribute) else (funcargs.index(node),))
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        name, src = node.id, self.src
        if name == self.module_alias:  # a global of the user's module, as ``qualify`` wrote it
            if not attrs or attrs[0] not in src.globals:
                return None
            rest = tuple(attrs[1:])
            return src.globals[attrs[0]], rest, lambda obj, method: src.baked.name(src.globals, attrs[0], rest, obj, method)
        if name in self.bound:  # generated names: np, lifted nested defs
            return self.bound[name], attrs, None
        if name in self.locals:
            return None
        rest = tuple(attrs)
        if name in src.closure:
            if src.closure[name] is EMPTY:  # assigned later: whatever it will hold is not baked in
                src.baked.cell(src.fn, name, (), EMPTY)
            return src.closure[name], rest, lambda obj, method: src.baked.cell(src.fn, name, rest, obj, method)
        if hasattr(builtins, name):
            return getattr(builtins, name), rest, lambda obj, method: src.baked.name(src.globals, name, rest, obj, method)
        return None


def yours(fn):
    """A Python function of the user's without a rule (not NumPy's or adgen's)."""
    return isinstance(fn, types.FunctionType) and not (fn.__module__ or "").startswith(("numpy", "adgen.")) and registry.lookup(fn) is None


def names_read(code):
    """The global (and attribute) names ``code`` and the code nested in it read."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= names_read(const)
    return names


def alias_for(module):
    """A readable identifier for the module named ``module`` (any string: ``my-model``,
    ``<run_path>``, ``__main__``)."""
    base = re.sub(r"\W", "_", module.rpartition(".")[2]).strip("_") or "module"
    if base[0].isdigit() or keyword.iskeyword(base) or not base.isascii():
        base = "module_" + base if base.isascii() else "module"
    return base


def numpy_path(value):
    """``"np.linalg.norm"`` for objects reachable from numpy under their own name."""
    if isinstance(value, types.ModuleType):
        if value is np:
            return "np"
        if value.__name__.startswith("numpy.") and _get(np, value.__name__[6:]) is value:
            return "np." + value.__name__[6:]
        return None
    name = getattr(value, "__name__", None)
    if not isinstance(name, str):
        return None
    for prefix, module in (("np", np), ("np.linalg", np.linalg)):
        try:
            if getattr(module, name, None) is value:
                return f"{prefix}.{name}"
        except Exception:
            return None
    return None


def _get(obj, dotted):
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
    return obj


def reads_a_default(node):
    """Is ``node`` ``_rt.default(f, "name")``, how generated code passes a parameter's default
    (a tangent module calling a function of yours with its default ``act=np.tanh``)?"""
    return isinstance(node, ast.Call) and path_of(node.func) == "_rt.default" and len(node.args) == 2 and isinstance(node.args[1], ast.Constant)
