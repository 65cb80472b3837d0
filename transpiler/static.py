"""Reading a module without running it, for ``adgen check --no-import``: its names are
resolved from its top-level statements the way a linter resolves them.

- ``def``s and ``class``es become real function and class objects, made by compiling
  their statements alone with everything evaluated at definition time neutralised:
  decorators (other than ``staticmethod``/``classmethod``), annotations, default values
  that are not literals, base classes that are not classes of the module, class-body
  statements other than ``def``s and literals. Their bodies never run (the check only
  reads them), so the only code that runs is Python making function objects.
- Literal constants (``K = 3.0``), aliases (``act = np.tanh``) and lambdas are bound.
- An import finds what Python would: a module already imported (numpy, math, adgen: as
  Python looks in ``sys.modules`` first), else the user's file (next to the file, in its
  package, on PYTHONPATH or in the current folder), which is read the same way, never
  imported. Nothing is imported: an installed module not loaded yet stays unknown.
- Every other name the module binds (``SPRING = Spring(3.0, 1.0)``, ``exec``, loops)
  is an ``Unresolved``: calling it is AD506, a diagnostic that says to check with imports.
"""

import ast
import builtins
import copy
import linecache
import os
import sys
import sysconfig
import types

from adgen import constants, errors, samecode, source

KEEP = "__adgen_keep__"  # stands for a decorator: returns what it decorates
UNKNOWN = "__adgen_unresolved__"  # stands for a default value that is not a literal
_INSTALLED = tuple(os.path.realpath(sysconfig.get_path(k)) + os.sep for k in ("stdlib", "platstdlib", "purelib", "platlib"))


class Unresolved:
    """A module-level name bound by code that runs only when the module is imported."""

    def __init__(self, name, filename, line):
        self.name, self.filename, self.line = name, filename, line

    def __repr__(self):
        return f"<{self.name}: bound when {os.path.basename(self.filename)} runs (line {self.line})>"


class Reader:
    """Reads modules without running them; each file once (imports may go in circles)."""

    def __init__(self, path):
        self.root = source.module_name_for(path)[1]  # where the file's imports are looked for
        # then the folders of sys.path a user chose (PYTHONPATH, the current one), not installed ones
        self.path = [os.path.abspath(p or os.curdir) for p in sys.path if not (os.path.realpath(p or os.curdir) + os.sep).startswith(_INSTALLED)]
        self.modules = {}  # real path -> module object
        self.trees = {}  # a module's file -> its syntax tree
        self.classes = set()  # the classes read from the user's files
        self.stars = {}  # module name -> modules it took `*` from without knowing their names

    def load(self, path, name=None):
        real = os.path.realpath(path)
        if real in self.modules:
            return self.modules[real]
        name = name or source.module_name_for(path)[0]
        module = types.ModuleType(name)
        module.__file__ = os.path.abspath(path)
        if os.path.basename(path) == "__init__.py":
            module.__path__ = [os.path.dirname(module.__file__)]
        self.modules[real] = module
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), module.__file__)
        self.trees[module.__file__] = tree
        _Module(self, module, tree).run()
        return module

    # -- imports ------------------------------------------------------------------

    def local_path(self, dotted, base):
        """The file of module ``dotted`` under the folder ``base``, or None."""
        where = os.path.join(base, *dotted.split("."))
        for path in (where + ".py", os.path.join(where, "__init__.py")):
            if os.path.isfile(path):
                return path
        return None

    def module(self, dotted, base=None):
        """The module ``dotted`` as an import in the file would find it: one Python has
        already imported (``sys.modules``, as Python looks there first), else the user's
        file, read (and made an attribute of its package, as an import does); None for
        one that would have to be imported (an installed module not loaded yet)."""
        if base is None and dotted in sys.modules:
            return sys.modules[dotted]
        for folder in [base] if base is not None else [self.root] + self.path:
            path = self.local_path(dotted, folder)
            if path is not None:
                module = self.load(path, dotted)
                parent, _, last = dotted.rpartition(".")
                package = self.module(parent, base) if parent else None
                if isinstance(package, types.ModuleType) and KEEP in vars(package):
                    vars(package).setdefault(last, module)
                return module
        return None


class _Module:
    """Binds one module's top-level names."""

    def __init__(self, reader, module, tree):
        self.reader, self.module, self.tree = reader, module, tree
        self.names = module.__dict__
        self.names.update({KEEP: lambda obj: obj, UNKNOWN: Unresolved("a default value", module.__file__, 0)})
        self.future = [s for s in tree.body if isinstance(s, ast.ImportFrom) and s.module == "__future__"]
        self.imported = samecode.module_imports(tree)

    def run(self):
        for stmt in self.tree.body:
            self.statement(stmt)

    def statement(self, stmt):
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                self.import_(alias)
        elif isinstance(stmt, ast.ImportFrom):
            self.import_from(stmt)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.define(stmt)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            self.assign(stmt)
        elif isinstance(stmt, ast.If) and _is_main_guard(stmt.test):
            return  # runs only as a script
        elif isinstance(stmt, ast.With):  # `with warnings.catch_warnings():`: what the body binds
            for item in stmt.items:
                if item.optional_vars is not None:
                    self.unknown(ast.Assign(targets=[item.optional_vars], value=ast.Constant(None), lineno=stmt.lineno))
            for inner in stmt.body:
                self.statement(inner)
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    self.names.pop(target.id, None)
        else:
            self.unknown(stmt)

    def unknown(self, stmt):
        """Names ``stmt`` may bind, bound to ``Unresolved``."""
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                self.bind_unknown(node.id, node.lineno)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.bind_unknown(node.name, node.lineno)
            elif isinstance(node, ast.alias):
                self.bind_unknown((node.asname or node.name).partition(".")[0], stmt.lineno)

    def bind_unknown(self, name, line):
        if name != "*":
            self.names[name] = Unresolved(name, self.module.__file__, line)

    # -- imports ------------------------------------------------------------------

    def import_(self, alias):
        module = self.reader.module(alias.name)
        if module is None:
            self.bind_unknown((alias.asname or alias.name).partition(".")[0], 0)
        elif alias.asname:
            self.names[alias.asname] = module
        else:
            self.names[alias.name.partition(".")[0]] = self.reader.module(alias.name.partition(".")[0])

    def import_from(self, stmt):
        if stmt.module == "__future__":
            return
        base = None
        if stmt.level:
            base = os.path.dirname(self.module.__file__)
            for _ in range(stmt.level - 1):
                base = os.path.dirname(base)
        module = self.reader.module(stmt.module, base) if stmt.module else None
        for alias in stmt.names:
            if alias.name == "*":
                self.star(module, stmt)
                continue
            found, value = _attribute(module, alias.name)
            if not found:
                dotted = f"{stmt.module}.{alias.name}" if stmt.module else alias.name
                value = self.reader.module(dotted, base)
            if value is None or isinstance(value, Unresolved):
                self.bind_unknown(alias.asname or alias.name, stmt.lineno)
            else:
                self.names[alias.asname or alias.name] = value

    def star(self, module, stmt):
        if module is None:
            self.reader.stars.setdefault(self.module.__name__, []).append(stmt.module or ".")
            return
        public = _attribute(module, "__all__")[1] or [n for n in vars(module) if not n.startswith("_")]
        self.names.update({n: v for n, (ok, v) in ((n, _attribute(module, n)) for n in public) if ok})

    # -- definitions and assignments ---------------------------------------------------

    def define(self, stmt):
        if stmt.name in ("__getattr__", "__dir__"):
            return  # a module's hooks would run on attribute lookups: never bound
        node = _neutral(stmt, self.names, self.reader.classes)
        if node is None:
            self.bind_unknown(stmt.name, stmt.lineno)
            return
        self.execute(node)
        if isinstance(stmt, ast.ClassDef):
            self.reader.classes.add(self.names[stmt.name])

    def assign(self, stmt):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        value = stmt.value
        found = constants.evaluate(value, lambda node: _value_of(node, self.names))
        for target in targets:
            if isinstance(target, ast.Name) and isinstance(value, ast.Lambda):
                self.execute(ast.Assign(targets=[target], value=_neutral_lambda(value)))
            elif isinstance(target, ast.Name) and found[0]:
                self.names[target.id] = found[1]
            else:
                self.unknown(ast.Assign(targets=[target], value=ast.Constant(None), lineno=stmt.lineno))

    def execute(self, node):
        """Run a definition made harmless by ``_neutral``: it only makes an object (or a
        class of them), whose code is then the code the file compiles to (``_recode``)."""
        before = dict(self.names)
        tree = ast.fix_missing_locations(ast.Module(body=self.future + [node], type_ignores=[]))
        exec(compile(tree, self.module.__file__, "exec", dont_inherit=True), self.names)  # noqa: S102
        # compiled (never run) after stand-ins for the module's imports: a call of a method of a
        # name an import binds compiles to other instructions (np.sin(x) in Python 3.11)
        stand_ins = [ast.Import(names=[ast.alias(name=n)]) for n in sorted(self.imported)]
        tree = ast.fix_missing_locations(ast.Module(body=self.future + stand_ins + [node], type_ignores=[]))
        code = compile(tree, self.module.__file__, "exec", dont_inherit=True)
        for name, value in self.names.items():
            if before.get(name) is not value:
                _recode(value, code)


def _recode(value, code):
    """Give the function ``value`` (or the functions of the class ``value``) the code
    object of the same name among ``code``'s constants."""
    inner = {c.co_name: c for c in code.co_consts if isinstance(c, types.CodeType)}
    if isinstance(value, types.FunctionType) and value.__code__.co_name in inner:
        value.__code__ = inner[value.__code__.co_name]
    elif isinstance(value, type) and value.__name__ in inner:
        for member in vars(value).values():
            _recode(getattr(member, "__func__", member), inner[value.__name__])


def _is_main_guard(test):
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and len(test.comparators) == 1 and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value == "__main__")


def _value_of(node, names):
    """(True, object) for a name or attribute chain naming something already bound,
    without running anything of the user's (a module read from the user's files is
    looked into, never asked); else (False, None)."""
    if isinstance(node, ast.Name):
        value = names.get(node.id, getattr(builtins, node.id, None))
        return (value is not None and not isinstance(value, Unresolved)), value
    if isinstance(node, ast.Attribute):
        ok, base = _value_of(node.value, names)
        if ok and isinstance(base, (types.ModuleType, type)):
            found, value = _attribute(base, node.attr)
            return found and not isinstance(value, Unresolved), value
    return False, None


def _attribute(obj, name):
    """(True, ``obj.name``) or (False, None): a module read from the user's files is looked
    into (``vars``), never asked (its ``__getattr__`` is the user's code); an imported
    module or a class (read ones are made by ``type``) is asked."""
    if obj is None:
        return False, None
    if isinstance(obj, types.ModuleType) and KEEP in vars(obj):
        return name in vars(obj), vars(obj).get(name)
    try:
        return True, getattr(obj, name)
    except Exception:  # noqa: BLE001 - no such attribute (or one that fails to load)
        return False, None


def _neutral(stmt, names, classes):
    """A copy of the ``def`` or ``class`` statement that, executed, runs nothing of the
    user's; None for a class it cannot make so (a base class or keyword it cannot resolve)."""
    stmt = copy.deepcopy(stmt)
    stmt.decorator_list = [_decorator(d, names) for d in stmt.decorator_list]
    if isinstance(stmt, ast.ClassDef):
        bases = [_value_of(b, names) for b in stmt.bases]
        if stmt.keywords or not all(ok and (value is object or value in classes) for ok, value in bases):
            return None
        stmt.body = [_neutral(s, names, classes) if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) else s
                     for s in stmt.body if _class_member(s)] or [ast.Pass()]
        return stmt
    _neutral_arguments(stmt.args)
    stmt.returns = None
    return stmt


def _decorator(node, names):
    """``staticmethod``/``classmethod`` stay; every other decorator keeps what it decorates."""
    if isinstance(node, ast.Name) and node.id in ("staticmethod", "classmethod") and node.id not in names:
        return node
    return ast.copy_location(ast.Name(id=KEEP, ctx=ast.Load()), node)


def _class_member(stmt):
    """Class-body statements kept: methods (but ``__init_subclass__``, which would run as a
    subclass is made) and literal attributes."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return stmt.name not in ("__init_subclass__", "__set_name__", "__class_getitem__")
    if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
        try:
            ast.literal_eval(stmt.value)
            return True
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return False
    return False


def _neutral_arguments(args):
    """No annotation, and a stand-in for each default value that is not a literal."""
    for arg in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
        if arg is not None:
            arg.annotation = None
    args.defaults = [_literal_or_unknown(d) for d in args.defaults]
    args.kw_defaults = [None if d is None else _literal_or_unknown(d) for d in args.kw_defaults]


def _literal_or_unknown(node):
    try:
        ast.literal_eval(node)
        return node
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return ast.copy_location(ast.Name(id=UNKNOWN, ctx=ast.Load()), node)


def _neutral_lambda(node):
    node = copy.deepcopy(node)
    _neutral_arguments(node.args)
    return node


# -- diagnostics about what could not be resolved ------------------------------------------


def explain(diagnostics, functions, reader):
    """The diagnostics of a static check of ``functions``: each one about a call of an
    ``Unresolved`` name (or of a name a ``from ... import *`` of an unknown module may
    bind) replaced by AD506 at that name, and an AD506 warning at each other read of an
    ``Unresolved`` name in the functions or the functions of the user's they call."""
    out = [_unresolved_call(d, reader) or d for d in diagnostics]
    seen = {(d.filename, d.line, d.col) for d in out if d.code == "AD506"}
    for fn in functions:
        for d in _unresolved_reads(fn, reader, set()):
            if (d.filename, d.line, d.col) not in seen:
                seen.add((d.filename, d.line, d.col))
                out.append(d)
    return out


def _unresolved_reads(fn, reader, visited):
    """AD506 warnings for the reads of ``Unresolved`` globals in ``fn`` and the functions
    read from the user's files it calls."""
    code = getattr(fn, "__code__", None)
    tree = reader.trees.get(getattr(code, "co_filename", None))
    if tree is None or code in visited:
        return []
    visited.add(code)
    node = next((n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == code.co_name
                 and code.co_firstlineno in [n.lineno] + [d.lineno for d in n.decorator_list]), None)
    if node is None:
        return []
    names = fn.__globals__
    body = ast.Module(body=node.body, type_ignores=[])  # decorators and defaults ran when it was defined
    local = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
    local |= {n.id for n in ast.walk(body) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    found = []
    for n in ast.walk(body):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in local and isinstance(names.get(n.id), Unresolved):
            value = names[n.id]
            where = (code.co_filename, n.lineno, n.col_offset + 1, n.end_col_offset + 1, linecache.getline(code.co_filename, n.lineno))
            found.append(errors.AD506_READ.at(*where, severity="warning", name=n.id, file=os.path.basename(value.filename), line=value.line))
        elif isinstance(n, ast.Call):
            ok, callee = _value_of(n.func, names)
            if ok and isinstance(callee, types.FunctionType):
                found += _unresolved_reads(callee, reader, visited)
    return found


def _unresolved_call(diag, reader):
    module = next((m for m in reader.modules.values() if m.__file__ == os.path.abspath(diag.filename)), None)
    if module is None or diag.line == 0:
        return None
    for node in ast.walk(reader.trees[module.__file__]):
        if isinstance(node, ast.Call) and node.lineno == diag.line and node.col_offset + 1 == diag.col:
            root = node.func
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name):
                return _ad506(diag, root, module, reader)
    if diag.code == "AD202" and reader.stars.get(module.__name__):
        name = diag.message.split("`")[1] if "`" in diag.message else ""
        where = (diag.filename, diag.line, diag.col, diag.end_col, diag.source_line)
        return errors.AD506_STAR_IMPORT.at(*where, name=name, module=reader.stars[module.__name__][0])
    return None


def _ad506(diag, root, module, reader):
    value = module.__dict__.get(root.id)
    if not isinstance(value, Unresolved):
        return None
    message = errors.AD506_CALL if value.line else errors.AD506_CALL_IMPORTED
    where = (diag.filename, root.lineno, root.col_offset + 1, root.end_col_offset + 1, diag.source_line)
    return message.at(*where, name=root.id, file=os.path.basename(module.__file__), line=value.line)
