"""Gradients kept on disk for later processes: a new process asking for a gradient that
one before it made loads the module and runs it without transforming.

A gradient depends on more than its function's source: on its callees' sources, and on
what every name it resolved meant (``guards.py``). So beside the module's text (the
file ``cache.py`` writes anyway) goes a manifest, ``adgen_<name>_<key>.json``:

- the **key** it was made for, computed without transforming: the function (its module,
  qualified name, file, the text of its lines and a digest of its code, so an edit that
  changes either is another key), ``wrt``, the argument shapes and the call's
  specialisation, ``debug`` and ``has_aux``, and the environment: adgen's version and a
  digest of its own files (a changed transpiler never serves old modules), Python's and
  NumPy's versions, and the derivative rules registered (the user's, by their code);
- every **check** of the gradient's guard in a form another process can make again:
  where the value is found (a module's globals by the module's name, a class's
  attributes, a closure cell or an attribute of a function found by an earlier check,
  then the same chain of attributes, items and literal calls) and what it must be: a
  function by its identity (module, qualified name, file, lines, code), a class or a
  library object by the path that finds it (and the package's version; a class of the
  user's also by its file's contents), a module by name, plain data or its kinds;
- the functions whose sources it was made from, the warnings the transform issued
  (issued again where it is loaded), and the SHA-256 of the module's text.

Loading reads the manifest (a regular file of the user's, in the folder ``cache.py``
judges safe), checks its own digest and key, makes every check again and compares,
reads the module's text and compares its SHA-256, and only then executes it; the guard
of the loaded gradient is built from the objects found now, so ``Guard.holds`` keeps
working in the new process. Anything missing, unreadable, corrupt or different is a
miss: the gradient is transformed as before and the files written again, atomically.
A gradient with a check that cannot be written down exactly (an object's structure, a
function held by an object, a value found by a path no other process can follow) is
never kept: it is transformed in each process, as before. The manifest is JSON, never
pickle; nothing read from it reaches generated code. ``ADGEN_PERSIST=0`` turns the
cache of gradients off (the module files are still written for tracebacks).
"""

import ast
import builtins
import gc
import hashlib
import inspect
import json
import linecache
import os
import re
import sys
import threading
import types
import weakref

import numpy as np

from adgen import cache, errors, funcargs, guards, pipeline, source, valuereads
from adgen.libraries import installed
from adgen.runtime import registry

FORMAT = 1  # of the manifest: a reader of another format ignores it
MAX_MANIFEST = 8 * 2**20  # bytes: a larger file is not read
MAX_TEXT = 256 * 2**20
_MISSING = object()
_PACKAGE_DIRS = tuple(os.path.dirname(os.path.abspath(m.__file__)) + os.sep for m in (guards, registry))  # transpiler/, runtime/
_CHECKS = {valuereads.Immutable: "immutable", valuereads.SolidValue: "solid"}  # guards.Check kinds a process can make again
_LITERALS = (type(None), bool, int, float, complex, str, bytes)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_lock = threading.Lock()
_environment = []  # [the environment's description], once computed
_rules = [None, None]  # [registry version, digest of the rules registered then (None: cannot be written down)]
_identities = weakref.WeakKeyDictionary()  # code -> ((module, qualname, id(lines)), lines, identity)
loads = [0]  # gradients loaded from disk in this process (for tests and benchmarks)


class Miss(Exception):
    """A check made again does not hold, or the manifest cannot be read."""


def enabled():
    """Is the cache of gradients on (``ADGEN_PERSIST`` is not 0, no, off or false)?"""
    return os.environ.get("ADGEN_PERSIST", "1").strip().lower() not in ("0", "no", "off", "false")


# -- what an object is, as another process can tell it --------------------------------------


def code_digest(code):
    """A digest of what a code object runs (its nested code objects included)."""
    h = hashlib.sha256()
    _code(code, h)
    return h.hexdigest()


def _code(code, h):
    h.update(b"code(")
    for part in (code.co_code, code.co_linetable, getattr(code, "co_exceptiontable", b"")):
        h.update(len(part).to_bytes(8, "little") + part)
    fields = (code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount, code.co_nlocals, code.co_stacksize, code.co_flags,
              code.co_firstlineno, code.co_filename, code.co_name, code.co_qualname, code.co_names, code.co_varnames, code.co_freevars,
              code.co_cellvars)
    h.update(repr(fields).encode())
    for const in code.co_consts:
        _const(const, h)
    h.update(b")")


def _const(value, h):
    if isinstance(value, types.CodeType):
        _code(value, h)
    elif type(value) in (tuple, frozenset):
        h.update(f"{type(value).__name__}(".encode())
        items = sorted(value, key=repr) if type(value) is frozenset else value  # a set's order depends on the hash seed
        for item in items:
            _const(item, h)
        h.update(b")")
    else:
        h.update(repr((type(value).__name__, value)).encode())


def _last_line(code):
    """The last line of the source a code object (and those nested in it) was compiled from."""
    last = code.co_firstlineno
    for _, end, _, _ in code.co_positions():
        if end is not None and end > last:
            last = end
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            last = max(last, _last_line(const))
    return last


def identity(fn):
    """A digest of a Python function as a gradient depends on it: its module, qualified
    name and file, the text of its lines in that file and its code; None for a function
    without a file (typed at the prompt, made from a string) or whose globals are not
    its module's."""
    code = fn.__code__
    filename = code.co_filename
    module = sys.modules.get(fn.__module__ or "")
    if not filename or filename.startswith("<") or getattr(module, "__dict__", None) is not fn.__globals__:
        return None
    linecache.checkcache(filename)  # a file edited since it was read is read again
    lines = linecache.getlines(filename, fn.__globals__)
    head = (fn.__module__, fn.__qualname__, id(lines))
    known = _identities.get(code)
    if known is not None and known[0] == head and known[1] is lines:
        return known[2]
    first = code.co_firstlineno
    text = "".join(lines[first - 1 : _last_line(code)])
    if not text:
        return None
    h = hashlib.sha256(json.dumps([fn.__module__, fn.__qualname__, filename, first]).encode())
    h.update(text.encode("utf-8", "surrogatepass"))
    _code(code, h)
    try:
        _identities[code] = (head, lines, h.hexdigest())  # the same lines (linecache's list) and code: the same digest
    except TypeError:
        pass
    return h.hexdigest()


def _literal(value, depth=0):
    """``repr(value)`` for a number, string, bytes, None or a tuple of them, else None."""
    if type(value) in _LITERALS:
        return repr(value)
    if type(value) is tuple and depth < 8:
        items = [_literal(v, depth + 1) for v in value]
        return None if None in items else repr(value)
    return None


def _round_trip(value):
    """``repr(value)`` when ``ast.literal_eval`` makes an equal value of the same types
    from it (for a value a check passes to code: an item's key, a factory's argument)."""
    text = _literal(value)
    if text is None:
        return None
    try:
        back = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return text if _same(back, value) else None


def _same(a, b):
    if type(a) is not type(b):
        return False
    if type(a) is tuple:
        return len(a) == len(b) and all(map(_same, a, b))
    return a == b


def _resolve(module, qualname):
    """The object ``qualname`` names in the module ``module`` already imported (nothing is
    imported, no attribute computed), or ``_MISSING``."""
    obj = sys.modules.get(module, _MISSING)
    for part in qualname.split("."):
        if obj is _MISSING or not part.isidentifier():
            return _MISSING
        try:
            obj = inspect.getattr_static(obj, part)
        except AttributeError:
            return _MISSING
    return obj


def _path_of(obj, hint=None):
    """``[module, qualified name]`` that finds ``obj`` (``_resolve``), or None. ``hint``:
    another such pair to try (where a check found it: SciPy's ufuncs name no module)."""
    candidates = [hint] if hint else []
    module, name = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    candidates.append((module, name))
    owner = getattr(obj, "__objclass__", None)  # a slot or method of a builtin type: np.ndarray.sum
    if isinstance(owner, type):
        candidates.append((owner.__module__, f"{owner.__qualname__}.{getattr(obj, '__name__', '')}"))
    if isinstance(getattr(obj, "__self__", None), types.ModuleType):  # a builtin function: math.sin
        candidates.append((obj.__self__.__name__, getattr(obj, "__name__", None)))
    for module, name in candidates:
        if isinstance(module, str) and isinstance(name, str) and "<" not in name and _resolve(module, name) is obj:
            return [module, name]
    return None


def _version_of(module):
    """The version of the package ``module`` belongs to, as it says, or None."""
    version = getattr(sys.modules.get(module.partition(".")[0]), "__version__", None)
    return version if isinstance(version, str) else None


def _file_digest(module):
    """A digest of the source file of the user's module ``module`` (None for a library's;
    ``_MISSING`` for one of the user's without a readable file)."""
    path = getattr(sys.modules.get(module), "__file__", None)
    if module == "builtins" or (isinstance(path, str) and installed(path)):
        return None
    if not isinstance(path, str):
        return _MISSING
    linecache.checkcache(path)
    lines = linecache.getlines(path)
    return hashlib.sha256("".join(lines).encode("utf-8", "surrogatepass")).hexdigest() if lines else _MISSING


def describe(obj, depth=0, hint=None):
    """What ``obj`` is, as JSON another process compares with what it finds: equal
    descriptions for objects a gradient may treat alike. None for an object that has no
    such description (an object of the user's, a function made from a string, ...).
    ``hint``: a path that may find it (``_path_of``)."""
    text = _literal(obj)
    if text is not None:
        return ["literal", text]
    if depth > 8:
        return None
    kind = type(obj)
    if kind is types.ModuleType:
        path = getattr(obj, "__file__", None)
        return ["module", obj.__name__, path if isinstance(path, str) else None] if sys.modules.get(obj.__name__) is obj else None
    if kind is types.FunctionType and not (installed(obj.__code__.co_filename) and _path_of(obj)):  # a library's: by its path, as below
        found = identity(obj)
        return ["function", found] if found else None
    if kind is types.MethodType:
        parts = [describe(obj.__self__, depth + 1), describe(obj.__func__, depth + 1)]
        return ["method", *parts] if None not in parts else None
    if kind is types.CodeType:
        return ["code", code_digest(obj)]
    if kind is tuple:
        items = [describe(v, depth + 1) for v in obj]
        return ["tuple", items] if None not in items else None
    if kind is dict:
        items = [[k, describe(v, depth + 1)] for k, v in obj.items()]
        return ["dict", items] if all(type(k) is str and v is not None for k, v in items) else None
    path = _path_of(obj, hint)
    if path is None:
        return None
    if isinstance(obj, type):
        digest = _file_digest(path[0])
        return None if digest is _MISSING else ["class", *path, _version_of(path[0]), digest]
    return ["object", *path, _version_of(path[0])]


def _kinds(kinds):
    """``guards.kinds_in``'s answer as JSON (sorted), or None."""
    out = []
    for kind in kinds:
        found = [describe(kind[0]), kind[1]] if type(kind) is tuple else describe(kind)
        if found is None or found[0] is None:
            return None
        out.append(found)
    return sorted(out, key=json.dumps)


# -- the key --------------------------------------------------------------------------------


def environment():
    """What changes generated code besides the request: adgen's version and its files,
    Python's and NumPy's versions (computed once per process)."""
    with _lock:
        if not _environment:
            import adgen

            h = hashlib.sha256()
            for base in _PACKAGE_DIRS:
                for folder, subfolders, files in os.walk(base):
                    subfolders[:] = sorted(s for s in subfolders if s != "__pycache__")
                    for name in sorted(f for f in files if f.endswith(".py")):
                        path = os.path.join(folder, name)
                        with open(path, "rb") as f:
                            data = f.read()
                        h.update(f"{os.path.relpath(path, base)}\0{len(data)}\0".encode() + data)
            _environment.append({"adgen": adgen.__version__, "code": h.hexdigest(), "python": sys.version, "cache_tag": sys.implementation.cache_tag,
                                 "numpy": np.__version__})
        return _environment[0]


def rules():
    """A digest of the derivative rules registered now (adgen's by name, as its files are
    in ``environment``; the user's by their code), or None when one of the user's cannot
    be written down."""
    version = registry.version()
    if _rules[0] == version:
        return _rules[1]
    registry.load_pending()  # the rules of libraries already imported, as a transform would load them
    try:
        entries = [json.dumps(["rule", _primal(p), _rule(r)]) for p, r in registry.rules()]
        entries += [json.dumps(["nondiff", _primal(p)]) for p in registry.nondiff_primals()]
        digest = hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()
    except Unwritable:
        digest = None
    _rules[:] = [registry.version(), digest]
    return digest


class Unwritable(Exception):
    """Something the key depends on has no description another process can compare."""


def _own(fn):
    code = getattr(fn, "__code__", None)
    return code is not None and code.co_filename.startswith(_PACKAGE_DIRS)


def _primal(obj):
    """A primal a rule is registered for: a function of the user's by its identity, a
    library's by its type and names (cheap: there are hundreds)."""
    fn = getattr(obj, "__func__", obj)
    if isinstance(fn, types.FunctionType) and not installed(fn.__code__.co_filename) and not _own(fn):
        found = describe(obj)
        if found is None:
            raise Unwritable  # a function of the user's no other process can name
        return found
    return [type(obj).__qualname__, getattr(obj, "__module__", None), getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)]


def _rule(rule):
    """A registered rule as JSON: adgen's by name (its code is in ``environment``), the
    user's by its code and every function and option it was registered with."""
    variants = [_rule(r) for _, r in rule.variants]
    if _own(rule.fn):
        return ["adgen", rule.fn.__module__, rule.fn.__qualname__, variants]
    functions = [rule.fn, rule.refuse, rule.shape, *rule.callbacks.values(), *(w for w, _ in rule.variants)]
    if not isinstance(rule.complex, (bool, registry.Rule)):
        functions.append(rule.complex)
    described = [None if f is None else describe(f) for f in functions]
    if any(d is None for f, d in zip(functions, described) if f is not None):
        raise Unwritable
    complex_ = rule.complex if isinstance(rule.complex, bool) else _rule(rule.complex) if isinstance(rule.complex, registry.Rule) else None
    return [described, bool(rule.elementwise), repr(rule.outputs), list(rule.constant), repr(rule.attribute), sorted(rule.callbacks), complex_, variants]


class Key:
    """The request a gradient is made for, as JSON (``parts``), its digest, and the name
    of its manifest."""

    def __init__(self, parts, stem):
        self.parts = parts
        self.digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
        self.name = f"adgen_{stem}_{self.digest[:16]}.json"


def key(fn, wrt, shapes, debug, has_aux, call, scalars=True):
    """The ``Key`` of the gradient ``api._compiled`` makes for these arguments, or None
    when it is not kept (turned off, a function without a file, shapes holding objects,
    a call passing something that cannot be written down)."""
    if not enabled():
        return None
    try:
        return _key(fn, wrt, shapes, debug, has_aux, call, scalars)
    except Exception:  # noqa: BLE001 - an object that will not be described: not kept, transformed as before
        return None


def _key(fn, wrt, shapes, debug, has_aux, call, scalars):
    me = describe(fn)
    spec = _call(call)
    plain_wrt = _literal(tuple(wrt) if type(wrt) is list else wrt) is not None
    parts = {"format": FORMAT, "function": me, "wrt": repr(wrt) if plain_wrt else None, "shapes": _literal(shapes), "call": spec,
             "debug": _literal(debug), "has_aux": _literal(has_aux), "scalars": _literal(scalars)}
    if None in parts.values():
        return None
    parts["rules"] = rules()
    if parts["rules"] is None:
        return None
    parts["environment"] = environment()
    stem = re.sub(r"\W", "_", fn.__code__.co_name)[:64]
    return Key(parts, stem)


def _call(call):
    """``api._compiled``'s ``call`` as JSON, or None."""
    if call is None:
        return "none"
    shape, statics, counts = call
    items = []
    for param, static in statics:
        found = _static(static)
        if found is None:
            return None
        items.append([param, found])
    spec = [_literal(shape), items, _literal(counts)]
    return None if spec[0] is None or spec[2] is None else spec


def counted(fn, compute):
    """``compute(fn)``, the set of ``fn``'s parameters that count spread repetitions
    (``api._count_parameters``), kept on disk by ``fn``'s identity: finding it reads the
    function's source, which a gradient loaded from disk does not need."""
    try:
        me = identity(fn) if enabled() else None
    except Exception:  # noqa: BLE001 - as ``key``
        me = None
    if me is None:
        return compute(fn)
    stem = re.sub(r"\W", "_", fn.__code__.co_name)[:64]
    parts = {"format": FORMAT, "counted": me, "environment": environment()}
    name = f"adgen_{stem}_{hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]}.json"
    try:
        data = cache.read_file(name, 2**16)
        record = json.loads(data.decode("utf-8")) if data is not None else None
        if type(record) is dict and record.get("digest") == _digest(record) and record.get("parts") == parts:
            params = record["params"]
            if type(params) is list and all(isinstance(p, str) for p in params):
                return set(params)
    except (ValueError, UnicodeError, KeyError):
        pass
    params = compute(fn)
    record = {"parts": parts, "params": sorted(params)}
    record["digest"] = _digest(record)
    cache.write_file(name, json.dumps(record, sort_keys=True))
    return params


# -- writing --------------------------------------------------------------------------------


def store(fn, wanted, gradient, stem, heard, call):
    """Write the manifest of ``gradient`` (just transformed for ``wanted``, a ``Key``, and
    ``call``; its module loaded as ``stem``; ``heard``: the warnings its transform issued)
    when every check can be written down; whether it was."""
    try:
        if describe(fn) != wanted.parts["function"] or rules() != wanted.parts["rules"]:
            return False  # edited, or a rule registered, while it was transformed
        manifest = _manifest(fn, wanted, gradient, stem, heard, call)
    except Exception:  # noqa: BLE001 - Unwritable, or an object that will not be described: not kept
        return False
    if manifest is None:
        return False
    return cache.write_file(wanted.name, json.dumps(manifest, sort_keys=True))


def _manifest(fn, wanted, gradient, stem, heard, call):
    checks = _written_checks(fn, gradient.guard, call)
    if checks is None:
        return None
    entries, located = checks
    sources = []
    for f in gradient.guard.functions:
        at = located.get(id(f), (None,))[0] or _path_locator(f)
        if at is None:
            return None
        sources.append({"at": at, "is": describe(f)})
    modules = {}
    for alias, binding in gradient.modules.items():
        if getattr(sys.modules.get(binding.name), "__dict__", None) is not binding.globals or not isinstance(binding.path, str):
            return None
        modules[alias] = [binding.name, binding.path]
    fields = {"funcname": gradient.funcname, "wrt": list(gradient.wrt), "wrt_tuple": bool(gradient.wrt_tuple), "dout": gradient.dout,
              "closure": list(gradient.closure), "has_aux": bool(gradient.has_aux), "keywords": dict(gradient.keywords), "modules": modules,
              "scalars": bool(gradient.scalars)}
    if not _fields_ok(fields):
        return None
    text = gradient.text.encode("utf-8")
    body = {"format": FORMAT, "key": wanted.digest, "parts": wanted.parts, "stem": stem, "module": cache.module_name(gradient.text, stem) + ".py",
            "size": len(text), "sha256": hashlib.sha256(text).hexdigest(), "gradient": fields, "checks": entries, "sources": sources,
            "warnings": [d.as_dict() for d in heard]}
    body["digest"] = _digest(body)
    return body


def _digest(body):
    return hashlib.sha256(json.dumps({k: v for k, v in body.items() if k != "digest"}, sort_keys=True).encode()).hexdigest()


def _fields_ok(fields):
    names = [fields["funcname"], fields["dout"], *fields["wrt"], *fields["closure"], *fields["keywords"], *fields["keywords"].values()]
    return all(isinstance(n, str) and _IDENTIFIER.fullmatch(n) for n in names) and all(isinstance(a, str) and a.isidentifier() for a in fields["modules"])


def _path_locator(obj):
    path = _path_of(obj)
    found = describe(obj) if path is not None else None
    return ["path", *path, found] if found is not None else None


def _written_checks(fn, guard, call):
    """``(checks as JSON, {id(object): (locator, object)})`` for the checks of ``guard``,
    each placed after the checks that find the objects it reads from; None when one
    cannot be written down."""
    located = {id(fn): (["top"], fn)}
    for param, static in call[1] if call else ():  # functions the call passes: found again from the call
        for i, item in enumerate(static.items):
            located.setdefault(id(item), (["static", param, i], item))
    waiting = list(guard.recorded)
    entries = []
    while waiting:
        left = []
        for check in waiting:
            entry = _written(check, located)
            if entry is None:
                left.append(check)
                continue
            entries.append(entry)
            kind, _, _, _, expected, method = check
            if entry["expect"][0] not in ("plain", "kinds", "check", "literal") and not isinstance(expected, (tuple, dict)):
                located.setdefault(id(expected), (["found", len(entries) - 1], expected))
        if len(left) == len(waiting):
            return None  # a check reads from an object no other process can find
        waiting = left
    return entries, located


def _written(check, located):
    """One check as JSON, or None while (or when) the object it reads from has no locator."""
    kind, owner, name, attrs, expected, method = check
    if kind == "name":
        at = _namespace(owner, located)
    elif owner is None:
        at = ["top"]
    else:
        at = located.get(id(owner), (None,))[0] or _path_locator(owner)
    if at is None:
        return None
    steps = _steps(attrs)
    if steps is None:
        raise Unwritable  # a path no other process can follow
    if isinstance(expected, guards.Check):
        expect = _written_check(expected)
    elif expected is guards.PLAIN:
        expect = ["plain"]
    elif isinstance(expected, frozenset) and kind != "attr":
        found = _kinds(expected)
        if found is None:
            raise Unwritable
        expect = ["kinds", found]
    else:
        expect = describe(expected, hint=_hint(owner, name, attrs) if kind == "name" else None)
        if expect is None:
            raise Unwritable
    if kind == "name" and not isinstance(name, str) or kind == "cell" and type(name) is not int or kind == "attr" and not isinstance(name, str):
        raise Unwritable
    return {"kind": kind, "at": at, "name": name, "steps": steps, "expect": expect, "method": bool(method)}


def _written_check(check):
    """A ``guards.Check`` as JSON: the checks of a kind of value, and those of the
    functions a container or a factory gave (``funcargs``) by their descriptions."""
    if type(check) in _CHECKS:
        return ["check", _CHECKS[type(check)]]
    if type(check) is funcargs.SameFunctions:
        found = _static(check.static)
        if found is not None:
            return ["functions", found]
    if type(check) is funcargs.SameFunction:
        found = _function_made(check.fn)
        if found is not None:
            return ["made", found]
    raise Unwritable  # an object's structure (instances.Same): no other process can check it


def _static(static):
    """A ``funcargs.Static`` (a function, or a container of them) as JSON, or None."""
    found = [describe(v) for v in static.items]
    return None if None in found else [static.kind.__name__, _literal(static.keys), found]


def _function_made(fn):
    """What ``funcargs.same_function`` compares of a function a factory made, as JSON: the
    function, and what each closure cell holds (``"data"``: read when the gradient runs)."""
    me = describe(fn)
    if me is None or type(fn) is not types.FunctionType:
        return None if me is None else [me, None]  # np.tanh: the same object
    cells = []
    for cell in fn.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:
            return None
        cells.append("data" if isinstance(value, guards.DATA) else describe(value))
    return None if None in cells else [me, cells]


def _hint(namespace, name, attrs):
    """The path a name check reads a library's object by: ``[module, attributes]`` where the
    name holds a module and the attributes are names (``scipy.special.gammaln``)."""
    root = namespace.get(name) if name in namespace else getattr(builtins, name, None)
    if isinstance(root, types.ModuleType) and attrs and all(isinstance(a, str) for a in attrs):
        return (root.__name__, ".".join(attrs))
    return None


def _namespace(ns, located):
    """The locator of a namespace a name is looked up in: a module's globals, or a class's."""
    if type(ns) is dict:
        name = ns.get("__name__")
        return ["module", name] if isinstance(name, str) and getattr(sys.modules.get(name), "__dict__", None) is ns else None
    if type(ns) is types.MappingProxyType:
        inner = gc.get_referents(ns)[0]  # the dict a class's namespace shows
        for _, obj in list(located.values()):
            for cls in obj.__mro__ if isinstance(obj, type) else ():
                if gc.get_referents(vars(cls))[0] is inner:
                    where = located.get(id(cls), (None,))[0] or _path_locator(cls)
                    return ["class", where] if where is not None else None
    return None


def _steps(attrs):
    out = []
    for a in attrs or ():
        if isinstance(a, str):
            out.append(["attr", a])
        elif isinstance(a, guards.Calling):
            args = [_round_trip(v) for v in a.args]
            keywords = [[k, _round_trip(v)] for k, v in a.keywords]
            if None in args or any(v is None for _, v in keywords):
                return None
            out.append(["call", args, keywords])
        elif type(a) is tuple and len(a) == 1 and _round_trip(a[0]) is not None:
            out.append(["item", _round_trip(a[0])])
        else:
            return None
    return out


# -- reading --------------------------------------------------------------------------------


def load(fn, wanted, call):
    """``(Gradient, stem)`` kept for ``wanted`` (a ``Key``) when its manifest matches,
    every check holds again and its text is intact; else None. The warnings its
    transform issued are issued again."""
    try:
        manifest = _read(wanted)
        gradient = _restored(fn, manifest, call)
        text = cache.read_file(manifest["module"], manifest["size"])
        if text is None or len(text) != manifest["size"] or hashlib.sha256(text).hexdigest() != manifest["sha256"]:
            raise Miss
        gradient.text = text.decode("utf-8")
        stem = manifest["stem"]
        if cache.module_name(gradient.text, stem) + ".py" != manifest["module"]:
            raise Miss
        diags = [errors.Diagnostic(**d) for d in manifest["warnings"]]
    except Exception:  # noqa: BLE001 - a manifest or a file not as written, a check failing: transformed again
        return None
    cache.touch(wanted.name)
    for diag in diags:
        errors.issue(diag)
    loads[0] += 1
    return gradient, stem


def _read(wanted):
    data = cache.read_file(wanted.name, MAX_MANIFEST)
    if data is None:
        raise Miss
    manifest = json.loads(data.decode("utf-8"))
    if type(manifest) is not dict or manifest.get("format") != FORMAT or manifest.get("digest") != _digest(manifest):
        raise Miss  # another format, or a corrupt or truncated file
    if manifest["key"] != wanted.digest or manifest["parts"] != json.loads(json.dumps(wanted.parts)):
        raise Miss
    module, size = manifest["module"], manifest["size"]
    if not (isinstance(module, str) and cache.is_module_file(module) and type(size) is int and 0 <= size <= MAX_TEXT):
        raise Miss
    return manifest


def _restored(fn, manifest, call):
    """The gradient the manifest describes, its text still to read, with a guard of the
    objects its checks find now; ``Miss`` when one does not hold."""
    statics = {param: static.items for param, static in (call[1] if call else ())}
    found, recorded = [], []
    for entry in manifest["checks"]:
        value, owner = _check(entry, fn, statics, found)
        recorded.append((entry["kind"], owner, entry["name"], _attrs(entry["steps"]), value, bool(entry["method"])))
    functions = []
    for item in manifest["sources"]:
        f = _find(item["at"], fn, statics, found)
        if describe(f) != item["is"]:
            raise Miss
        functions.append(f)
    fields = manifest["gradient"]
    if not _fields_ok(fields):
        raise Miss
    modules = {}
    for alias, (name, path) in fields["modules"].items():
        module = sys.modules.get(name)
        if module is None or not isinstance(path, str):
            raise Miss
        modules[alias] = source.Binding(name, path, module.__dict__)
    guard = guards.Guard.restored(recorded, functions)
    return pipeline.Gradient("", fields["funcname"], tuple(fields["wrt"]), bool(fields["wrt_tuple"]), fields["dout"], list(fields["closure"]), guard,
                             modules, has_aux=bool(fields["has_aux"]), keywords=dict(fields["keywords"]), scalars=bool(fields.get("scalars")))


def _check(entry, fn, statics, found):
    """Make one check again: ``(what the guard expects now, the owner it reads from)``."""
    kind, at, name, method = entry["kind"], entry["at"], entry["name"], entry["method"]
    if kind == "name":
        if at[0] == "module":
            owner = getattr(sys.modules.get(at[1]), "__dict__", None)
        else:
            cls = _find(at[1], fn, statics, found)
            owner = vars(cls) if isinstance(cls, type) else None
        if not isinstance(owner, (dict, types.MappingProxyType)) or not isinstance(name, str):
            raise Miss
        value = owner[name] if name in owner else getattr(builtins, name, _MISSING)
    else:
        target = _find(at, fn, statics, found)
        owner = None if at == ["top"] else target
        try:
            value = target.__closure__[name].cell_contents if kind == "cell" else getattr(target, name)
        except (AttributeError, ValueError, IndexError, TypeError):
            raise Miss from None
    attrs = _attrs(entry["steps"])
    if attrs:
        try:
            value = guards.follow(value, attrs)
        except Exception:  # noqa: BLE001 - as Guard.holds: a name gone, a factory failing: transformed again
            raise Miss from None
    expect = entry["expect"]
    obj = None
    if expect[0] == "plain":
        if not guards.plain(value):
            raise Miss
        expected = guards.PLAIN
    elif expect[0] == "kinds":
        if not guards.plain(value) and _kinds(guards.kinds_in(value)) != expect[1]:
            raise Miss
        expected = guards.PLAIN if guards.plain(value) else guards.kinds_in(value)
    elif expect[0] == "check":
        expected = {v: k for k, v in _CHECKS.items()}[expect[1]]()
        if not expected.matches(value):
            raise Miss
    elif expect[0] == "functions":
        if not funcargs.is_static(value) or _static(funcargs.Static(value)) != expect[1]:
            raise Miss
        expected = funcargs.SameFunctions(value)
    elif expect[0] == "made":
        if not _made_like(value, expect[1]):
            raise Miss
        expected = funcargs.SameFunction(value)
    else:
        if method:
            value = getattr(value, "__func__", value)
        if describe(value, hint=_hint(owner, name, attrs) if kind == "name" else None) != expect:
            raise Miss
        expected = obj = value
    found.append(obj)
    return expected, owner


def _made_like(fn, made):
    """Would ``funcargs.same_function`` take ``fn`` for the function ``made`` describes?"""
    me, cells = made
    if describe(fn) != me or (cells is None) != (type(fn) is not types.FunctionType):
        return False
    now = fn.__closure__ or () if cells is not None else ()
    if len(now) != len(cells or ()):
        return False
    for cell, then in zip(now, cells or ()):
        try:
            value = cell.cell_contents
        except ValueError:
            return False
        if not isinstance(value, guards.DATA) and (then == "data" or describe(value) != then):
            return False
    return True


def _find(at, fn, statics, found):
    """The object a locator names now."""
    if at[0] == "top":
        return fn
    if at[0] == "found" and type(at[1]) is int and 0 <= at[1] < len(found) and found[at[1]] is not None:
        return found[at[1]]
    if at[0] == "static":
        items = statics.get(at[1], ())
        if type(at[2]) is int and 0 <= at[2] < len(items):
            return items[at[2]]
    if at[0] == "path":
        obj = _resolve(at[1], at[2])
        if obj is not _MISSING and describe(obj) == at[3]:
            return obj
    raise Miss


def _attrs(steps):
    out = []
    for step in steps:
        if step[0] == "attr" and isinstance(step[1], str):
            out.append(step[1])
        elif step[0] == "item":
            out.append((_value(step[1]),))
        elif step[0] == "call":
            out.append(guards.Calling([_value(a) for a in step[1]], {k: _value(v) for k, v in step[2]}))
        else:
            raise Miss
    return tuple(out)


def _value(text):
    """The literal ``text`` stands for (numbers, strings, bytes, None, tuples of them)."""
    if not isinstance(text, str):
        raise Miss
    value = ast.literal_eval(text)
    if _literal(value) is None:
        raise Miss
    return value
