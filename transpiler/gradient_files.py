"""Gradient modules as files, for the ``adgen`` command (``cli.py``): the function named
by ``FILE:FUNC``, imported afresh; its gradient module's text, with the header that says
how to regenerate it; writing it, only over a file adgen wrote; reading a header back;
and ``emit --check``, which regenerates each file and compares.

A usage or I/O error is a ``Fail``: one line on stderr, exit 2.
"""

import contextlib
import difflib
import glob
import importlib
import linecache
import os
import re
import shlex
import sys
import typing

from adgen import __version__, emit, errors, fingerprint, hvp_module, pipeline, shapes, source
from adgen.errors import InternalError, RuleError, TranspileError
from adgen.files import through_links, write_atomic
from adgen.pipeline import transform

SUFFIX = "  (run in this file's folder)"
_FIRST = re.compile(r"^" + re.escape(emit.HEADER_MARK) + r" (\S+) from (.*):([^:]+)\. Do not edit\.$")
_SHA = re.compile(r"source sha256: ([0-9a-f]+)")
_CODE = re.compile(r"code sha256: ([0-9a-f]+)")


class Fail(Exception):
    """A usage or I/O error: one line on stderr, exit 2."""


def coded(message, **parts):
    """A ``Fail`` message with its code (AD5xx: the files adgen reads) and its hint."""
    text, hint = message.render(parts)
    return f"{message.code} {text}\nhint: {hint}"


def parse_wrt(text):
    """``"x"`` -> ``"x"``, ``"x,w"`` -> ``("x", "w")``, ``"0"`` -> ``0``, ``"x,"`` -> ``("x",)``."""
    items = [t.strip() for t in text.split(",")]
    as_tuple = len(items) > 1
    if as_tuple and items[-1] == "":
        items.pop()  # a trailing comma asks for a one-element tuple
    if not items or any(not t for t in items):
        raise Fail(f"bad --wrt {text!r}: expected parameter names or ints separated by commas")
    items = [int(t) if re.fullmatch(r"[+-]?\d+", t) else t for t in items]
    return tuple(items) if as_tuple else items[0]


def wrt_text(wrt):
    """The normalised ``--wrt`` text of a parsed wrt."""
    if isinstance(wrt, tuple):
        return ",".join(map(str, wrt)) + ("," if len(wrt) == 1 else "")
    return str(wrt)


def folder_of(out):
    return os.path.dirname(os.path.abspath(out))


def posix_relpath(path, start):
    try:
        rel = os.path.relpath(path, start)
    except ValueError:  # another drive on Windows
        rel = os.path.abspath(path)
    return rel.replace(os.sep, "/")


def python_file(path):
    """Refuse (``Fail``) a ``path`` that is not an existing ``.py`` file."""
    if not path.endswith(".py"):
        raise Fail(f"{path}: not a Python file (expected a .py file)")
    if not os.path.isfile(path):
        raise Fail(f"{path}: no such file")


def import_module(path):
    """``source.import_file`` with a fresh import, so an edited file is read again."""
    python_file(path)
    importlib.invalidate_caches()
    linecache.checkcache()
    name, _ = source.module_name_for(path)
    old = sys.modules.get(name)
    if old is not None and os.path.abspath(getattr(old, "__file__", "") or "") == os.path.abspath(path):
        del sys.modules[name]
    try:
        with contextlib.redirect_stdout(sys.stderr):  # keep prints at import out of the generated text
            return source.import_file(path)
    except SyntaxError as exc:
        raise Fail(f"{exc.filename or path}:{exc.lineno or 1}: syntax error: {exc.msg}") from None
    except ImportError as exc:
        raise Fail(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - the user's module failed while being imported
        raise Fail(f"{path}: importing it raised {type(exc).__name__}: {exc}") from None


def function(module, path, func):
    try:
        return source.function_in(module, func)
    except LookupError:
        raise Fail(f"{path}: no function named {func!r}") from None


def load(path, func):
    return source.load(function(import_module(path), path, func))


def parse_shapes(items):
    """``["x=100x2", "k=scalar"]`` -> ``{"x": (100, 2), "k": ()}``."""
    found = {}
    for item in items or ():
        name, sep, text = item.partition("=")
        if not sep or not name.strip().isidentifier():
            raise Fail(f"bad --shape {item!r}: expected NAME=SHAPE, such as x=100x2 or k=scalar")
        try:
            found[name.strip()] = shapes.parse(text)
        except ValueError as exc:
            raise Fail(f"bad --shape {item!r}: {exc}") from None
    return found


def shape_options(arg_shapes):
    return "".join(f" --shape {n}={shapes.spell(s)}" for n, s in arg_shapes.items())


def generate(path, func, wrt, out=None, arg_shapes=None, debug=False, has_aux=False, mode="reverse"):
    """The generated text, with the header ``emit -o out`` (or stdout when ``out`` is None)
    writes; ``debug``: with the checks of ``--debug``; ``has_aux``: the function returns
    ``(loss, aux)`` (``--has-aux``); ``mode``: ``"forward"`` for the tangent module
    (``--mode forward``), ``"hvp"`` for the Hessian-vector product's (``hvp_module``)."""
    src, gradient = generate_gradient(path, func, wrt, out, arg_shapes, debug, has_aux=has_aux, mode=mode)
    return src, gradient.text


def generate_gradient(path, func, wrt, out=None, arg_shapes=None, debug=False, lines=False, has_aux=False, mode="reverse"):
    """``generate``'s source and ``pipeline.Gradient``; ``lines``: with ``Gradient.lines``."""
    src = load(path, func)
    params = pipeline.params(src.func)
    unknown = sorted(set(arg_shapes or ()) - set(params))
    if unknown:
        raise Fail(f"--shape names {', '.join(unknown)}, not a parameter of {func} ({', '.join(params)})")
    arg_shapes = {p: arg_shapes[p] for p in params if p in (arg_shapes or {})}
    base = os.getcwd() if out is None else folder_of(out)
    origin = posix_relpath(os.path.abspath(path), base)
    command = f"adgen emit {emit.shell_word(origin + ':' + func)} --wrt {shlex.quote(wrt_text(wrt))}{shape_options(arg_shapes)}"
    command += " --debug" if debug else ""
    command += " --has-aux" if has_aux else ""
    command += f" --mode {mode}" if mode != "reverse" else ""
    if out is not None:
        command += f" -o {emit.shell_word(os.path.basename(out))}{SUFFIX}"
    if mode == "hvp":
        stem = os.path.splitext(os.path.basename(out))[0] if out is not None else f"hvp_{func}"
        text, gradient = hvp_module.hvp_text(src, wrt, origin, command, arg_shapes, base, stem)
        gradient.text = text
        return src, gradient
    return src, transform(src, wrt, origin=origin, command=command, arg_shapes=arg_shapes, debug=debug, base=base, lines=lines, has_aux=has_aux,
                          mode=mode)


def write_out(out, text, path, force, mark=emit.HEADER_MARK):
    """Write ``text`` to ``out`` atomically; through it when it is a symbolic link (the
    link stays, its target gets the text and keeps its permissions). An existing ``out``
    is overwritten only when its first line starts with ``mark`` (adgen wrote it), or
    with ``force``."""
    out = through_links(out)
    if not os.path.isdir(folder_of(out)):
        raise Fail(f"{out}: the folder {folder_of(out)} does not exist")
    if os.path.isdir(out):
        raise Fail(f"{out}: is a folder")
    if os.path.exists(out) and os.path.samefile(out, path):
        raise Fail(f"{out}: refusing to overwrite the source file")
    mode = None
    if os.path.exists(out):
        with open(out, "rb") as f:
            first = f.readline()
        if not first.startswith(mark.encode()) and not force:
            raise Fail(f"{out}: exists and was not written by adgen; not overwriting it (use --force)")
        mode = os.stat(out).st_mode & 0o7777
    try:
        write_atomic(out, text, mode)
    except OSError as exc:
        raise Fail(f"{out}: cannot write it: {exc.strerror or exc}") from None


class Header(typing.NamedTuple):
    """What an adgen file's header says."""

    rel: str  # the source, relative to the file's folder
    func: str
    wrt: object
    sha: str  # the source's hash (short)
    arg_shapes: dict
    debug: bool
    code: str  # the hash of the code adgen wrote below the header; "" before 0.2.0
    version: str  # the adgen that wrote it
    has_aux: bool = False  # generated with --has-aux
    mode: str = "reverse"  # "forward": generated with --mode forward


def read_header(out):
    """The ``Header`` of an adgen file."""
    try:
        with open(out, "rb") as f:
            lines = [f.readline().decode("utf-8").rstrip("\r\n") for _ in range(3)]
    except FileNotFoundError:
        raise Fail(f"{out}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise Fail(f"{out}: cannot read it: {exc}") from None
    first = _FIRST.match(lines[0])
    sha = _SHA.search(lines[1])
    if not first or not lines[1].startswith("# wrt: ") or not sha:
        raise Fail(f"{out}: not a file generated by adgen (no header)")
    version, quoted, func = first.groups()
    try:
        rel = emit.unliteral(quoted)
    except (ValueError, SyntaxError):
        raise Fail(f"{out}: its header names no readable source path: {quoted}") from None
    wrt_names = lines[1][len("# wrt: "):].split("   ")[0].split(", ")
    wrt = tuple(wrt_names) if len(wrt_names) > 1 else wrt_names[0]
    arg_shapes, debug, has_aux, mode = {}, False, False, "reverse"
    if lines[2].startswith("# regenerate: "):
        try:
            args = shlex.split(lines[2][len("# regenerate: "):].removesuffix(SUFFIX))
        except ValueError:
            args = []
        if "--wrt" in args[:-1]:
            wrt = parse_wrt(args[args.index("--wrt") + 1])
        arg_shapes = parse_shapes([v for k, v in zip(args, args[1:]) if k == "--shape"])
        debug = "--debug" in args
        has_aux = "--has-aux" in args
        mode = args[args.index("--mode") + 1] if "--mode" in args[:-1] else "reverse"
        if len(args) > 2 and args[:2] == ["adgen", "emit"] and ":" in args[2]:
            func = args[2].rpartition(":")[2]
    code = _CODE.search(lines[1])
    return Header(rel, func, wrt, sha.group(1), arg_shapes, debug, code.group(1) if code else "", version, has_aux, mode)


def check_stale(out, named=None, diff=False):
    """``emit --check OUT``: 0 when up to date, 1 when stale. ``named``: the source file,
    given with ``--source``; ``diff``: print what regenerating it would change.

    Up to date means the file's code is the code adgen generates now: its syntax tree,
    so a formatter's layout, or comments and blank lines edited in the source (which
    shift the line numbers quoted in its comments), do not make it stale."""
    head = read_header(out)
    path = confined_source(out, head.rel, named)
    _, text = generate(path, head.func, head.wrt, out, head.arg_shapes, head.debug, head.has_aux, head.mode)
    with open(out, "rb") as f:
        current = f.read()
    if current == text.encode("utf-8"):
        print(f"{out} is up to date")
        return 0
    if diff:
        show_diff(out, current, text)
    redo = (
        f"adgen emit {emit.shell_word(f'{head.rel}:{head.func}')} --wrt {shlex.quote(wrt_text(head.wrt))}{shape_options(head.arg_shapes)}"
        f"{' --debug' if head.debug else ''}{' --has-aux' if head.has_aux else ''}{f' --mode {head.mode}' if head.mode != 'reverse' else ''}"
        f" -o {emit.shell_word(os.path.basename(out))}"
    )
    try:
        now = fingerprint.of_code(current.decode("utf-8"))
    except UnicodeDecodeError:
        now = None
    if now is not None and now == fingerprint.of_code(text):
        print(f"{out} is up to date: its code is what adgen generates, only comments or layout differ "
              f"(a formatter, or comments or blank lines edited in the source); `{redo}` in its folder rewrites them")
        return 0
    print(f"{out} is stale: {stale_reason(head, text, now)}; regenerate it with `{redo}` in its folder", file=sys.stderr)
    return 1


def stale_reason(head, text, now):
    """Why a file whose code is not what adgen generates is so: edited by hand, its
    source changed, or adgen changed."""
    source = f"the source {head.rel}:{head.func}"
    changed = _SHA.search(text).group(1) != head.sha  # the hash covers the functions it calls too
    if now is None:
        edited = "the file was edited: it is not valid Python"
    elif head.code and not now.startswith(head.code):
        edited = "the file was edited: its code is not the code adgen wrote (the code hash in its header)"
    else:
        edited = None
    if edited:
        return f"{edited}{f', and {source} changed' if changed else ''}"
    if changed:
        return f"{source} (or a function of yours it calls) changed since it was generated"
    if head.version != __version__:
        return f"{source} is unchanged, but adgen {head.version} wrote it and adgen {__version__} generates different code"
    return f"{source} is unchanged but adgen now generates different code"


def show_diff(out, current, text):
    """A unified diff on stdout: the file as it is, against what adgen would write."""
    old = current.decode("utf-8", errors="replace").splitlines(keepends=True)
    lines = difflib.unified_diff(old, text.splitlines(keepends=True), f"{out} (as it is)", f"{out} (regenerated)")
    sys.stdout.writelines(line if line.endswith("\n") else line + "\n" for line in lines)


def check_files(targets, named=None, diff=False):
    """``emit --check OUT...``: every file, each reported; the worst status of all (0 up
    to date, 1 stale or a problem in the user's code, 2 a usage or I/O error, 3 a bug)."""
    files = generated_files(targets)
    if named is not None and len(files) != 1:
        raise Fail(f"--source names the source of one generated file, but the check has {len(files)}")
    worst, counts = 0, {}
    for out in files:
        try:
            status = check_stale(out, named, diff)
        except (Fail, RuleError) as exc:
            print(f"adgen: error: {exc}", file=sys.stderr)
            status = 2 if isinstance(exc, Fail) else 1
        except TranspileError as exc:
            print("\n\n".join(d.render() for d in exc.diagnostics), file=sys.stderr)
            status = 1
        except InternalError as exc:
            print(f"adgen: {exc}", file=sys.stderr)
            status = 3
        worst = max(worst, status)
        word = ("up to date", "stale", "failed", "failed")[status]
        counts[word] = counts.get(word, 0) + 1
    if len(files) > 1:
        print(f"{counted(len(files), 'file')} checked: " + ", ".join(f"{n} {w}" for w, n in counts.items()))
    return worst


def generated_files(targets):
    """The files ``emit --check`` reads: a file named is taken as it is; a folder, walked,
    and a glob pattern give the files adgen wrote (a header's first line) in them."""
    found = []
    for target in targets:
        if os.path.isfile(target):
            found.append(target)
            continue
        if os.path.isdir(target):
            matches = _walk(target)
        elif any(c in target for c in "*?["):
            matches = sorted(glob.glob(target, recursive=True))
            matches = [m for path in matches for m in (_walk(path) if os.path.isdir(path) else [path])]
        else:
            raise Fail(f"{target}: no such file or folder")
        mine = [path for path in matches if path.endswith(".py") and _written_by_adgen(path)]
        if not mine:
            raise Fail(f"{target}: holds no file generated by adgen")
        found += mine
    return list(dict.fromkeys(found))


def _walk(folder):
    """The ``.py`` files below ``folder``, sorted; hidden folders, ``__pycache__`` and
    virtual environments (a ``pyvenv.cfg``) are skipped."""
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__"
                         and not os.path.isfile(os.path.join(top, d, "pyvenv.cfg")))
        found += [os.path.join(top, f) for f in sorted(files) if f.endswith(".py")]
    return found


def _written_by_adgen(path):
    try:
        with open(path, "rb") as f:
            return f.readline().startswith(emit.HEADER_MARK.encode())
    except OSError:
        return False


def confined_source(out, rel, named):
    """The source file ``out``'s header names (``rel``, relative to its folder), which
    checking it imports, so runs: refused (AD505) when it lies outside ``out``'s folder and
    its subfolders, links resolved, unless the user named that same file (``named``)."""
    path = os.path.join(folder_of(out), rel)
    shown = emit.literal(rel)
    if not os.path.isfile(path):
        raise Fail(f"{out}: its source {shown} (relative to the file's folder) does not exist")
    real = os.path.realpath(path)
    if named is not None:
        if not os.path.isfile(named) or os.path.realpath(named) != real:
            raise Fail(f"{out}: its header names the source {shown}, not {named}")
        return path
    tree = os.path.realpath(folder_of(out))
    try:
        inside = os.path.commonpath([tree, real]) == tree
    except ValueError:  # another drive
        inside = False
    if not inside:
        redo = f"adgen emit --check {emit.shell_word(out)} --source {emit.shell_word(real)}"
        raise Fail(coded(errors.AD505_OUTSIDE, out=out, shown=shown, tree=tree, redo=redo))
    return path


def counted(n, noun):
    """``counted(2, "file")`` -> ``"2 files"``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
