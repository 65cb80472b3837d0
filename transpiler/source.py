"""Find a function's source, its position in its real file, its globals and closure."""

import ast
import builtins
import hashlib
import importlib
import linecache
import os
import sys
from dataclasses import dataclass, field

from transpiler.errors import Diagnostic, TranspileError


@dataclass
class Source:
    func: ast.FunctionDef  # positions are the real file's lines and columns
    filename: str
    lines: list  # every line of the file, for quoting in diagnostics and comments
    text: str  # the function's own source text (hashed for caches and headers)
    name: str
    module: str  # importable module name, for the globals generated code reads
    globals: dict
    closure: dict = field(default_factory=dict)
    fn: object = None

    def line(self, n):
        return self.lines[n - 1] if 0 < n <= len(self.lines) else ""

    @property
    def sha256(self):
        return hashlib.sha256(self.text.encode()).hexdigest()

    def lookup(self, name):
        """Resolve a free name the way Python would at call time: closure, globals, builtins."""
        if name in self.closure:
            return True, self.closure[name]
        if name in self.globals:
            return True, self.globals[name]
        if hasattr(builtins, name):
            return True, getattr(builtins, name)
        return False, None


def _fail(code, message, filename, line=1):
    raise TranspileError([Diagnostic(code, message, filename, line, 1)])


def _parse_file(filename, module_globals=None):
    lines = linecache.getlines(filename, module_globals)
    if not lines:
        _fail("AD108", "cannot find the source of the function", filename)
    text = "".join(lines)
    try:
        return ast.parse(text, filename), lines, text
    except SyntaxError as exc:
        _fail("AD108", f"cannot parse the file: {exc.msg}", filename, exc.lineno or 1)


def _first_line(node):
    """The line a definition starts on, decorators included."""
    return min([d.lineno for d in getattr(node, "decorator_list", [])] + [node.lineno])


def _segment(text, node):
    if isinstance(node, ast.Lambda):
        return ast.get_source_segment(text, node)
    return "".join(text.splitlines(keepends=True)[_first_line(node) - 1 : node.end_lineno])


def _find_def(tree, fn):
    code = fn.__code__
    if fn.__name__ == "<lambda>":
        found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno]
        if len(found) > 1:  # several lambdas on one line: the one whose body holds the code's columns
            cols = [p[2] for p in code.co_positions() if p[0] == code.co_firstlineno and p[2] is not None]

            def inside(n):
                return sum(n.body.col_offset <= c < (n.body.end_col_offset or 10**9) for c in cols)

            found.sort(key=inside, reverse=True)
        return found[0] if found else None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == fn.__name__:
            if code.co_firstlineno in (_first_line(node), node.lineno):
                return node
    return None


def _as_function(node, name):
    """A lambda becomes ``def name(...): return body`` at the lambda's position."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return node
    ret = ast.copy_location(ast.Return(value=node.body), node.body)
    func = ast.FunctionDef(name=name, args=node.args, body=[ret], decorator_list=[], returns=None, type_params=[])
    return ast.copy_location(func, node)


def load(fn):
    """The ``Source`` of a Python function object."""
    code = getattr(fn, "__code__", None)
    if code is None:
        raise TypeError(f"adgen can only differentiate Python functions, not {type(fn).__name__}")
    filename = code.co_filename
    tree, lines, text = _parse_file(filename, getattr(fn, "__globals__", None))
    node = _find_def(tree, fn)
    if node is None:
        _fail("AD108", f"cannot find the definition of {fn.__qualname__}", filename, code.co_firstlineno)
    name = fn.__name__ if fn.__name__ != "<lambda>" else f"lambda_line{node.lineno}"
    closure = {}
    for var, cell in zip(code.co_freevars, fn.__closure__ or ()):
        try:
            closure[var] = cell.cell_contents
        except ValueError:  # a cell not filled yet
            pass
    return Source(
        func=_as_function(node, name),
        filename=filename,
        lines=lines,
        text=_segment(text, node),
        name=name,
        module=fn.__module__ or "__main__",
        globals=fn.__globals__,
        closure=closure,
        fn=fn,
    )


def module_name_for(path):
    """The importable name of the module in ``path`` and the folder to import it from."""
    path = os.path.abspath(path)
    folder, base = os.path.split(path)
    parts = [os.path.splitext(base)[0]]
    while os.path.exists(os.path.join(folder, "__init__.py")):
        folder, pkg = os.path.split(folder)
        parts.insert(0, pkg)
    return ".".join(parts), folder


def import_file(path):
    """Import the module in ``path``: resolving names needs its real globals, so
    the file is imported (as Python would when the gradient runs)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such file: {path}")
    module_name, folder = module_name_for(path)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module = importlib.import_module(module_name)
    if os.path.abspath(getattr(module, "__file__", "") or "") != os.path.abspath(path):
        raise ImportError(f"importing {module_name!r} found {module.__file__}, not {path}")
    return module


def function_in(module, funcname):
    """The Python function ``module.funcname`` (the primal of one decorated with @grad)."""
    fn = getattr(module, funcname, None)
    fn = getattr(fn, "primal", fn)
    if fn is None or not hasattr(fn, "__code__"):
        raise LookupError(f"{module.__file__} has no function named {funcname!r}")
    return fn

