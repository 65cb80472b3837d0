"""Static name resolution: what object an expression in the user's code names.

Free names in the user's function are qualified for generated code (numpy
becomes ``np``, other globals are read from the user's module at run time),
and callees are resolved to the objects their derivative rules are keyed by.
"""

import ast
import builtins
import types

import numpy as np

from transpiler.names import Names


class Resolver:
    def __init__(self, src, names: Names, diags):
        self.src = src
        self.names = names
        self.diags = diags
        self.module_alias = None  # the alias of the user's module, once a global needs it
        self.bound = {"np": np}  # names of generated code -> the objects they hold
        self.locals = set()

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
        if name in self.src.closure:
            return node  # closure variables become keyword-only parameters
        found, value = self.src.lookup(name)
        if not found:
            self.diags.add("AD202", node, f"name `{name}` is not defined")
            return node
        if name in self.src.globals:
            path = numpy_path(value)
            if path is not None:
                return dotted(path)
            if self.module_alias is None:
                base = self.src.module.rpartition(".")[2].strip("_") or "module"
                self.module_alias = self.names.fresh(base)
                self.bound[self.module_alias] = types.SimpleNamespace(**self.src.globals)
            return ast.Attribute(value=ast.Name(id=self.module_alias, ctx=ast.Load()), attr=name, ctx=ast.Load())
        return node  # a builtin

    # -- resolving callees ------------------------------------------------------------

    def value_of(self, node):
        """``(True, obj)`` when ``node`` statically names a module-level object."""
        if isinstance(node, ast.Name):
            if node.id in self.bound:  # generated names: np, the user's module, lifted nested defs
                return True, self.bound[node.id]
            if node.id in self.locals:
                return False, None
            if node.id in self.src.closure:
                return True, self.src.closure[node.id]
            if hasattr(builtins, node.id):
                return True, getattr(builtins, node.id)
            return False, None
        if isinstance(node, ast.Attribute):
            ok, base = self.value_of(node.value)
            if ok and isinstance(base, (types.ModuleType, types.SimpleNamespace, type)):
                if hasattr(base, node.attr):
                    return True, getattr(base, node.attr)
        return False, None


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


def dotted(path):
    """The expression ``a.b.c`` for the path ``"a.b.c"``."""
    parts = path.split(".")
    node = ast.Name(id=parts[0], ctx=ast.Load())
    for part in parts[1:]:
        node = ast.Attribute(value=node, attr=part, ctx=ast.Load())
    return node
