"""Does a definition found in a file compile to a running function's code?

The definition is compiled again inside stand-ins for the scopes its code object
names (``co_qualname``: ``outer.<locals>.Model.step`` is a method of a class in a
function), with the function's closure variables as locals of the innermost
enclosing function and its ``from __future__`` flags, so that name lookups, name
mangling and closures compile as they did. Then the two code objects are compared
field by field, nested code objects too, but not their positions: an edit that only
moves the function, or changes comments and blank lines, changes nothing that runs.
"""

import __future__

import ast
import copy
import types

from adgen.syntax import walk

_FUTURE = 0
for _feature in __future__.all_feature_names:
    _FUTURE |= getattr(__future__, _feature).compiler_flag

_FIELDS = ("co_name", "co_argcount", "co_posonlyargcount", "co_kwonlyargcount", "co_flags", "co_code",
           "co_names", "co_varnames", "co_freevars", "co_cellvars")


def same(node, code, imported):
    """Does ``node`` (a ``FunctionDef`` or ``Lambda`` with its real positions) compile,
    in ``code``'s context, to ``code``? ``imported``: the names its module binds by
    ``import`` (``np.sum(x)`` compiles otherwise when ``np`` is a module imported there)."""
    try:
        compiled = _compile(node, code, imported)
    except (SyntaxError, ValueError, TypeError):
        return False
    return compiled is not None and same_code(compiled, code)


def same_code(a, b):
    if any(getattr(a, f) != getattr(b, f) for f in _FIELDS):
        return False
    return len(a.co_consts) == len(b.co_consts) and all(map(_same_const, a.co_consts, b.co_consts))


def _same_const(x, y):
    if type(x) is not type(y):
        return False
    if isinstance(x, types.CodeType):
        return same_code(x, y)
    if isinstance(x, tuple):
        return len(x) == len(y) and all(map(_same_const, x, y))
    if isinstance(x, (float, complex)):
        return repr(x) == repr(y)  # -0.0 is not 0.0, and nan is nan
    return x == y


def module_imports(tree):
    """The names a module binds with ``import`` statements in its own scope."""
    names, todo = set(), [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import):
            names.update(a.asname or a.name.partition(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names if a.name != "*")
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))
    return names


def likely_imported(node, namespace):
    """A guess at ``module_imports`` without the module's source: the names ``node`` calls
    methods on that hold modules, or classes from other modules."""
    bases = {n.func.value.id for n in walk(node)
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)}
    here = namespace.get("__name__")
    return {b for b in bases if isinstance(namespace.get(b), types.ModuleType)
            or (isinstance(namespace.get(b), type) and namespace[b].__module__ != here)}


def _compile(node, code, imported):
    """The code object ``node`` compiles to inside stand-ins for ``code``'s scopes."""
    if isinstance(node, ast.Lambda):
        stmt = ast.copy_location(ast.Expr(value=node), node)
    else:
        node = copy.copy(node)  # the parsed tree itself is shared: only this level changes
        node.decorator_list = []  # run by the enclosing scope: not part of the function's code
        stmt = node
    body = [stmt]
    scopes = _scopes(code.co_qualname)
    innermost = max((i for i, (_, kind) in enumerate(scopes) if kind == "def"), default=None)
    free = [v for v in code.co_freevars if v != "__class__"]  # a class makes __class__ itself
    for i in reversed(range(len(scopes))):
        name, kind = scopes[i]
        if kind == "def":
            head = [_none(v, node) for v in free] if i == innermost else []
            wrapper = ast.FunctionDef(name=name, args=_no_args(), body=head + body, decorator_list=[], returns=None, type_params=[])
        else:
            wrapper = ast.ClassDef(name=name, bases=[], keywords=[], body=body, decorator_list=[], type_params=[])
        body = [ast.copy_location(wrapper, node)]
    imports = [ast.copy_location(ast.Import(names=[ast.alias(name=n)]), node) for n in sorted(imported)]
    module = ast.fix_missing_locations(ast.Module(body=imports + body, type_ignores=[]))
    code_now = compile(module, code.co_filename, "exec", flags=code.co_flags & _FUTURE, dont_inherit=True)
    for name, _ in scopes:
        code_now = _last_named(code_now, name)
        if code_now is None:
            return None
    return _last_named(code_now, code.co_name)


def _scopes(qualname):
    """``"f.<locals>.C.m"`` -> ``[("f", "def"), ("C", "class")]``: the scopes around ``m``."""
    parts = qualname.split(".")[:-1]
    scopes = []
    for i, part in enumerate(parts):
        if part == "<locals>":
            continue
        function_like = part.startswith("<") or (i + 1 < len(parts) and parts[i + 1] == "<locals>")
        name = part if part.isidentifier() else f"_adgen_scope{i}"  # <listcomp>, <genexpr>: function scopes
        scopes.append((name, "def" if function_like else "class"))
    return scopes


def _none(name, at):
    """``name = None``: makes ``name`` a closure variable of what the scope holds."""
    return ast.copy_location(ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=ast.Constant(None)), at)


def _no_args():
    return ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])


def _last_named(code, name):
    """The last code object named ``name`` among ``code``'s constants (a default value
    that is a lambda comes before the function it belongs to)."""
    found = [c for c in code.co_consts if isinstance(c, types.CodeType) and c.co_name == name]
    return found[-1] if found else None
