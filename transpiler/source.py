"""Find a function's source, its position in its real file, its globals and closure.

The source found must be the running function's: the definition is compiled again
in the function's own context and its code object compared with the function's
(``samecode.py``); a file edited but not reloaded, or another lambda now on the
line, is AD207. Only the function's own lines are parsed (a whole file only when
they cannot be, and then once per file content).
"""

import ast
import builtins
import importlib
import inspect
import linecache
import os
import sys
import tokenize
import weakref
from dataclasses import dataclass, field

from adgen import errors, fingerprint, samecode
from adgen.errors import TranspileError
from adgen.guards import EMPTY, Baked
from adgen.syntax import clone, walk


@dataclass(eq=False)
class Binding:
    """A module generated code reads: its name, its source file, its globals."""

    name: str
    path: str
    globals: dict


def binding_of(fn):
    """The ``Binding`` of the module a function is defined in."""
    return Binding(fn.__module__ or "__main__", fn.__code__.co_filename, fn.__globals__)


@dataclass
class Source:
    func: ast.FunctionDef  # positions are the real file's lines and columns
    filename: str
    lines: list  # every line of the file, for quoting in diagnostics and comments
    text: str  # the function's own source text (hashed for caches and headers)
    name: str
    module: str  # the module's name, for messages and the generated binding line
    globals: dict
    closure: dict = field(default_factory=dict)
    fn: object = None
    baked: Baked = field(default_factory=Baked)  # what the transform resolved: checked before reuse

    def line(self, n):
        return self.lines[n - 1] if 0 < n <= len(self.lines) else ""

    def binding(self):
        return Binding(self.module, self.filename, self.globals)

    @property
    def sha256(self):
        """The hash of what the source means: comments and blank lines do not change it."""
        return fingerprint.of_function(self.text)

    def lookup(self, name):
        """Resolve a free name the way Python would at call time: closure, globals, builtins
        (remembered in ``baked`` when the object is one the generated code depends on)."""
        if name in self.closure:
            value = self.closure[name]
            self.baked.cell(self.fn, name, (), value)
            return True, value
        if name in self.globals:
            value = self.globals[name]
            self.baked.name(self.globals, name, (), value)
            return True, value
        if hasattr(builtins, name):
            value = getattr(builtins, name)
            self.baked.name(self.globals, name, (), value)
            return True, value
        return False, None


_KEPT = weakref.WeakKeyDictionary()  # code -> its lines, for functions adgen made from text (``keep``)
_PARSED = {}  # (filename, id(lines)) -> (lines, tree): whole files parsed, by content
_FOUND = {}  # (code, filename, id(lines)) -> (lines, node, text): definitions found and checked
_MAX_FILES, _MAX_FOUND = 8, 512


def _remember(table, key, value, limit):
    if len(table) >= limit:
        table.pop(next(iter(table)))
    table[key] = value
    return value


def keep(fn, text):
    """Remember ``text`` as the source of ``fn``, a function adgen compiled from it."""
    _KEPT[fn.__code__] = text.splitlines(keepends=True)


def _lines(fn):
    """The lines of the file (or notebook cell, or REPL input) ``fn`` was defined in."""
    code = fn.__code__
    if code in _KEPT:
        return _KEPT[code]
    filename = code.co_filename
    linecache.checkcache(filename)  # a file edited (and reloaded) is read again
    lines = linecache.getlines(filename, getattr(fn, "__globals__", None))
    if not lines:  # Python 3.13's REPL keeps what was typed by code object, not by file name
        lines = getattr(linecache, "_getlines_from_code", lambda code: [])(code)
    if not lines:
        raise TranspileError([errors.AD108_NO_SOURCE.at(filename, code.co_firstlineno, 1, why=_no_source(filename))])
    return lines


_NO_SOURCE = {
    "<stdin>": "it was typed at the interactive prompt, which keeps no source before Python 3.13",
    "<string>": ("it was defined by `exec()` of a string, which keeps no source" if sys.version_info >= (3, 13)
                 else "it was defined by `python -c` or `exec()` of a string, which keep no source"),
}


def _no_source(filename):
    """Why a function defined in ``filename``, which has no lines, has no source (AD108)."""
    if filename in _NO_SOURCE:
        return _NO_SOURCE[filename]
    if filename.startswith("<"):
        return f"it was compiled from a string ({filename}), whose text Python did not keep"
    return f"its file {filename} cannot be read (moved, deleted, or only compiled code installed)"


def _parse_fragment(lines, first):
    """The definition starting at line ``first`` alone, parsed with its real positions,
    or None when its lines do not parse by themselves (a lambda inside a bracket)."""
    try:
        block = inspect.getblock(lines[first - 1 :])
    except (tokenize.TokenError, SyntaxError):
        return None
    if not block:
        return None
    indented = block[0][:1].isspace()
    # blank lines before it give every node its real line number as it is parsed
    text = "\n" * (first - 1 - indented) + ("if 1:\n" if indented else "") + "".join(block)
    try:
        return ast.parse(text)
    except SyntaxError:
        return None


def _parse_file(filename, lines):
    """``(tree, names it imports)`` of the whole file, once per content."""
    key = (filename, id(lines))
    if key not in _PARSED:
        try:
            tree = ast.parse("".join(lines), filename)
        except SyntaxError as exc:
            raise TranspileError([errors.AD108_UNPARSABLE.at(filename, exc.lineno or 1, 1, error=exc.msg)])
        _remember(_PARSED, key, (lines, tree, samecode.module_imports(tree)), _MAX_FILES)
    return _PARSED[key][1:]


def _first_line(node):
    """The line a definition starts on, decorators included."""
    return min([d.lineno for d in getattr(node, "decorator_list", [])] + [node.lineno])


def _segment(lines, node):
    if isinstance(node, ast.Lambda):
        return ast.get_source_segment("".join(lines[: node.end_lineno]), node)
    return "".join(lines[_first_line(node) - 1 : node.end_lineno])


def _candidates(tree, code):
    """The definitions in ``tree`` that may be ``code``'s, the likeliest first."""
    line = code.co_firstlineno
    if code.co_name == "<lambda>":
        found = [n for n in walk(tree) if isinstance(n, ast.Lambda)]
        cols = {p[2] for p in code.co_positions() if p[0] == line and p[2] is not None}

        def inside(n):
            return sum(n.body.col_offset <= c < (n.body.end_col_offset or 10**9) for c in cols)

        return sorted(found, key=lambda n: (n.lineno != line, abs(n.lineno - line), -inside(n)))
    found = [n for n in walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == code.co_name]
    return sorted(found, key=lambda n: (line not in (_first_line(n), n.lineno), abs(n.lineno - line)))


def _locate(fn, lines):
    """``(node, text)``: the definition in ``lines`` that compiles to ``fn``'s code."""
    code = fn.__code__
    key = (code, code.co_filename, id(lines))
    if key in _FOUND:
        return _FOUND[key][1:]
    fragment = _parse_fragment(lines, code.co_firstlineno)
    near = [n for n in _candidates(fragment, code) if _at_line(n, code)] if fragment is not None else []
    node = next((n for n in near if samecode.same(n, code, samecode.likely_imported(n, fn.__globals__))), None)
    if node is None:  # moved, its lines do not parse alone, or the guess at the imports was wrong
        tree, imported = _parse_file(code.co_filename, lines)
        node = next((n for n in _candidates(tree, code) if samecode.same(n, code, imported)), None)
    if node is None:
        _stale(fn, lines)
    return _remember(_FOUND, key, (lines, node, _segment(lines, node)), _MAX_FOUND)[1:]


def _at_line(node, code):
    if isinstance(node, ast.Lambda):
        return node.lineno == code.co_firstlineno
    return code.co_firstlineno in (_first_line(node), node.lineno)


def _stale(fn, lines):
    code = fn.__code__
    if code.co_filename.startswith("<"):
        # text kept under a made-up name may be another program's: Python 3.13 keeps the
        # `python -c` command as "<string>", the name every `exec()` of a string also gets
        raise TranspileError([errors.AD108_NO_SOURCE.at(code.co_filename, code.co_firstlineno, 1, why=_no_source(code.co_filename))])
    what = "lambda" if code.co_name == "<lambda>" else f"function {fn.__qualname__}"
    line = code.co_firstlineno
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    raise TranspileError([errors.AD207_STALE.at(code.co_filename, line, 1, 0, text, what=what, file=os.path.basename(code.co_filename))])


def as_function(node, name):
    """A lambda becomes ``def name(...): return body`` at the lambda's position."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return node
    ret = ast.copy_location(ast.Return(value=node.body), node.body)
    func = ast.FunctionDef(name=name, args=node.args, body=[ret], decorator_list=[], returns=None, type_params=[])
    return ast.copy_location(func, node)


def mangled(func, qualname):
    """``func`` with private names (``self.__w``, ``__b``) spelt as Python compiles them
    inside the class its ``qualname`` places it in (``self._Model__w``): the generated
    code stands outside the class, where Python would not rewrite them."""
    owner = class_of(qualname).lstrip("_")
    if not owner:
        return func

    def private(name):
        return name.startswith("__") and not name.endswith("__") and "." not in name

    func = clone(func)
    for node in walk(func):
        for slot in ("id", "attr", "arg") if not isinstance(node, ast.keyword) else ():  # keywords stay as written
            value = getattr(node, slot, None)
            if isinstance(value, str) and private(value):
                setattr(node, slot, f"_{owner}{value}")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not func and private(node.name):
            node.name = f"_{owner}{node.name}"
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            node.names = [f"_{owner}{n}" if private(n) else n for n in node.names]
    return func


def class_of(qualname):
    """The innermost class a function of this ``__qualname__`` is defined in, or ``""``:
    ``Model.f`` and ``Model.f.<locals>.g`` are in ``Model``, ``f.<locals>.g`` in none."""
    parts = qualname.split(".")
    for k in range(len(parts) - 2, -1, -1):
        if parts[k] != "<locals>" and parts[k + 1] != "<locals>":
            return parts[k]
    return ""


def load(fn):
    """The ``Source`` of a Python function object (AD108 without source, AD207 when the
    source found is not the running function's)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        raise TypeError(f"adgen can only differentiate Python functions, not {type(fn).__name__}")
    lines = _lines(fn)
    node, text = _locate(fn, lines)
    name = code.co_name if code.co_name != "<lambda>" else f"lambda_line{node.lineno}"
    closure = {}
    for var, cell in zip(code.co_freevars, fn.__closure__ or ()):
        try:
            closure[var] = cell.cell_contents
        except ValueError:  # a cell not filled yet: a closure variable all the same, never a global
            closure[var] = EMPTY
    return Source(
        func=mangled(as_function(node, name), fn.__qualname__),
        filename=code.co_filename,
        lines=lines,
        text=text,
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
