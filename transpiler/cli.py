"""The ``adgen`` command: emit, check and show gradient modules. Its arguments and
commands are here; the gradient modules as files (their text, header, writing and
``emit --check``) are in ``gradient_files.py``.

Exit codes: 0 ok; 1 problems in the user's code (every diagnostic is printed)
or, for ``--check``, a stale file; 2 usage or I/O error; 3 a bug in adgen.
"""

import argparse
import dataclasses
import json
import os
import sys

from adgen import __version__, cache, check, pipeline, sidebyside, static, stubs
from adgen.errors import InternalError, RuleError, TranspileError
from adgen.files import write_atomic
from adgen.gradient_files import (
    Fail,
    check_files,
    counted,
    folder_of,
    function,
    generate,
    generate_gradient,
    import_module,
    load,
    parse_shapes,
    parse_wrt,
    posix_relpath,
    python_file,
    write_out,
)


def split_target(target):
    path, sep, func = target.rpartition(":")
    if not sep or not path or not func.isidentifier():
        raise Fail(f"expected FILE:FUNC, got {target!r}")
    return path, func


def read_module(path, reader):
    """``check --no-import``: the module in ``path`` read without running it (``static``)."""
    python_file(path)
    try:
        return reader.load(path)
    except SyntaxError as exc:
        raise Fail(f"{exc.filename or path}:{exc.lineno or 1}: syntax error: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise Fail(f"{path}: cannot read it: {exc}") from None


def split_check_target(target):
    """``FILE:FUNC`` -> (FILE, FUNC); a plain ``FILE`` -> (FILE, None)."""
    path, sep, func = target.rpartition(":")
    return (path, func) if sep and path and func.isidentifier() else (target, None)


def check_command(args):
    """``adgen check``: print every diagnostic; 1 when any is an error, 3 on a bug in adgen."""
    path, func = split_check_target(args.target)
    wrt = parse_wrt(args.wrt) if args.wrt is not None else 0
    if args.stubs is not None:
        if os.path.lexists(args.stubs):
            raise Fail(f"{args.stubs}: exists; not overwriting it (choose a new file for the stubs)")
        if not os.path.isdir(folder_of(args.stubs)):
            raise Fail(f"{args.stubs}: the folder {folder_of(args.stubs)} does not exist")
    reader = static.Reader(path) if args.no_import else None
    module = read_module(path, reader) if reader else import_module(path)
    if func:
        functions, skipped = [function(module, path, func)], []
    else:
        functions, skipped = check.functions_in(module, path)
    found, failures = [], []
    for fn in functions:
        try:
            found += check.diagnose(fn, wrt)
        except (RuleError, InternalError) as exc:
            failures.append(exc)
            print(f"adgen: in {fn.__name__}: {exc}", file=sys.stderr)
    if reader:
        found = static.explain(found, functions, reader)
    found = sorted((_as_given(d, path) for d in found), key=lambda d: (d.line, d.col))
    # a helper several functions call reports its problems once
    found = list({(d.filename, d.line, d.col, d.code, d.message): d for d in found}.values())
    report(found, args.format, f"{path}: {counted(len(functions), 'function')} checked")
    for name, why in skipped:
        print(f"adgen: note: {name} not checked: {why}", file=sys.stderr)
    if args.stubs is not None:
        write_stubs(args.stubs, [d.fix for d in found if d.code == "AD201" and d.fix], path)
    if any(isinstance(exc, InternalError) for exc in failures):
        return 3
    return 1 if failures or any(d.severity == "error" for d in found) else 0


def report(found, form, checked):
    """Diagnostics on stdout: rendered, with a closing count, or as a JSON list."""
    if form == "json":
        print(json.dumps([d.as_dict() for d in found], indent=2))
        return
    for d in found:
        print(d.render() + "\n")
    failed = sum(d.severity == "error" for d in found)
    print(f"{checked}: {counted(failed, 'error')}, {counted(len(found) - failed, 'warning')}")


def _as_given(diag, path):
    """The diagnostic with the file named as on the command line."""
    if os.path.abspath(diag.filename) == os.path.abspath(path):
        return dataclasses.replace(diag, filename=path)
    return diag


def write_stubs(out, fixes, path):
    if not fixes:
        print(f"adgen: no derivative rules are missing; {out} not written", file=sys.stderr)
        return
    text = stubs.stub_file(fixes, posix_relpath(os.path.abspath(path), folder_of(out)))
    try:
        write_atomic(out, text)
    except OSError as exc:
        raise Fail(f"{out}: cannot write it: {exc.strerror or exc}") from None
    print(f"adgen: wrote {counted(len(set(fixes)), 'rule stub')} to {out}", file=sys.stderr)


def run(args):
    usage = "adgen emit --check [--diff] OUT... [--source FILE]"
    if args.command == "emit" and args.check:
        if args.output or args.wrt is not None or args.shape or args.debug or args.has_aux or args.mode != "reverse":
            raise Fail(f"--check takes only generated files, folders or glob patterns: {usage}")
        if not args.target:
            raise Fail(f"--check needs the generated files, folders or glob patterns to check: {usage}")
        return check_files(args.target, args.source, args.diff)
    if args.command == "emit" and (args.source or args.diff):
        raise Fail(f"{'--source' if args.source else '--diff'} goes with --check: {usage}")
    if args.command == "cache":
        return cache_command(args.action)
    if args.command == "check":
        return check_command(args)
    targets = args.target if isinstance(args.target, list) else [args.target]  # show: one
    if len(targets) != 1:
        raise Fail("expected one FILE:FUNC (or --check OUT...)")
    path, func = split_target(targets[0])
    wrt = parse_wrt(args.wrt) if args.wrt is not None else 0
    out = getattr(args, "output", None)
    html = getattr(args, "html", False)
    if args.command == "show" and not html and (out is not None or args.force):
        raise Fail(f"{'-o' if out is not None else '--force'} goes with --html: adgen show --html FILE:FUNC -o view.html "
                   "(`adgen emit -o` writes a gradient module)")
    mode = getattr(args, "mode", "reverse")
    if mode != "reverse" and (args.debug or args.has_aux):
        raise Fail(f"--mode {mode} takes neither --debug nor --has-aux yet")
    if out is not None and not os.path.isdir(folder_of(out)):
        raise Fail(f"{out}: the folder {folder_of(out)} does not exist")
    if html:
        return show_html(path, func, wrt, out, args)
    if getattr(args, "stages", False):
        return show_stages(path, func, wrt, args)
    _, text = generate(path, func, wrt, out, parse_shapes(args.shape), args.debug, args.has_aux, getattr(args, "mode", "reverse"))
    if out is None:
        sys.stdout.write(text)
    else:
        write_out(out, text, path, args.force)
    return 0


def show_html(path, func, wrt, out, args):
    """``adgen show --html``: the side-by-side page (``sidebyside``) on stdout, or in ``out``."""
    _, gradient = generate_gradient(path, func, wrt, None, parse_shapes(args.shape), args.debug, lines=True, has_aux=args.has_aux)
    text = sidebyside.page(gradient)
    if out is None:
        sys.stdout.write(text)
    else:
        write_out(out, text, path, args.force, sidebyside.MARK)
    return 0


def show_stages(path, func, wrt, args):
    """``adgen show --stages``: the form after each stage of the pipeline, on stdout."""
    known = parse_shapes(args.shape)
    options = {"arg_shapes": known} if known else {}
    sys.stdout.write(pipeline.print_stages(load(path, func), wrt, debug=args.debug, has_aux=args.has_aux, **options))
    return 0


DEBUG_HELP = "check the tape on every pop, and that the backward pass stays finite (AD406, AD407)"
HAS_AUX_HELP = "the function returns (loss, aux): differentiate the loss; the gradient function returns ((loss, aux), gradients)"
SHAPE_HELP = "specialise to an argument shape, e.g. x=100x2 or k=scalar (repeatable); grad() does this per call"


def parser():
    p = argparse.ArgumentParser(prog="adgen", description="Reverse-mode gradients of Python/NumPy functions, as source code.")
    p.add_argument("--version", action="version", version=f"adgen {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("emit", help="write a gradient module (or check one is up to date)")
    e.add_argument("target", nargs="*", metavar="FILE:FUNC | OUT",
                   help="the function to differentiate; with --check, the generated files, folders and glob patterns to check")
    e.add_argument("--wrt", help="parameters to differentiate: names or positions, comma-separated (default: 0)")
    e.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout")
    e.add_argument("--force", action="store_true", help="overwrite OUT even if adgen did not write it")
    e.add_argument("--check", action="store_true", help="exit 1 if a generated file is stale, 0 if all are up to date (folders are searched for adgen's files)")
    e.add_argument("--diff", action="store_true", help="with --check: print a unified diff of what regenerating would change")
    e.add_argument("--source", metavar="FILE",
                   help="with --check of one file: the source its header names, when it is outside the file's folder (checking imports it)")
    e.add_argument("--shape", action="append", metavar="NAME=SHAPE", help=SHAPE_HELP)
    e.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    e.add_argument("--has-aux", action="store_true", help=HAS_AUX_HELP)
    e.add_argument("--mode", choices=("reverse", "forward", "hvp"), default="reverse",
                   help="reverse: the gradient module (the default); forward: the tangent module, jvp_f(<arguments>, <tangents>) -> (value, J v); "
                        "hvp: the tangent module and its gradient, value_and_grad_directional_f(<arguments>, <tangents>) -> (J v, H v)")
    c = sub.add_parser("check", help="report every problem in a function, or in every function of a file")
    c.add_argument("target", metavar="FILE[:FUNC]")
    c.add_argument("--wrt", help="parameters to differentiate (default: 0)")
    c.add_argument("--format", choices=("text", "json"), default="text", help="json: a list of diagnostics for tools")
    c.add_argument("--stubs", metavar="OUT", help="write a @defvjp stub for every missing rule to the new file OUT")
    c.add_argument("--no-import", action="store_true",
                   help="read FILE without importing it (its top-level code does not run): names resolve statically, as linters do; for untrusted files and CI")
    s = sub.add_parser("show", help="print a gradient module, or a side-by-side HTML view of it (--html)")
    s.add_argument("target", metavar="FILE:FUNC")
    s.add_argument("--wrt", help="parameters to differentiate (default: 0)")
    s.add_argument("--shape", action="append", metavar="NAME=SHAPE", help=SHAPE_HELP)
    s.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    s.add_argument("--has-aux", action="store_true", help=HAS_AUX_HELP)
    s.add_argument("--html", action="store_true",
                   help="one self-contained HTML page: your function and its gradient side by side, each line linked to what it made")
    s.add_argument("--stages", action="store_true", help="print the form after each stage of the pipeline (for reading what each stage does)")
    s.add_argument("-o", "--output", metavar="OUT", help="with --html: write the page to OUT instead of stdout")
    s.add_argument("--force", action="store_true", help="with --html -o: overwrite OUT even if adgen did not write it")
    k = sub.add_parser("cache", help="show or clear the folder of modules grad() writes")
    k.add_argument("action", choices=("info", "clear"), help="info: the folder, its files and bytes; clear: remove adgen's files")
    return p


def cache_command(action):
    """``adgen cache info|clear``: the cache folder ``grad()`` uses, and adgen's files in it."""
    where = cache.folder()
    files = cache.own_files(where)
    if action == "clear":
        print(f"{where}: removed {counted(cache.remove(p for p, _ in files), 'file')}")
        return 0
    size = sum(info.st_size for _, info in files)
    print(f"folder: {where}{'' if os.path.isdir(where) else ' (not made yet)'}")
    print(f"files: {len(files)}, {size} bytes (past {cache.DISK_LIMIT} bytes, the least recently used are removed)")
    if os.path.isdir(where):
        _, message, parts = cache.judge(where)
        if message:
            print(f"not used: {message.code} {message.render(parts)[0]}")
    return 0


def main(argv=None):
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2, --help 0
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        return run(args)
    except (Fail, RuleError) as exc:
        print(f"adgen: error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, Fail) else 1
    except TranspileError as exc:
        print("\n\n".join(d.render() for d in exc.diagnostics), file=sys.stderr)
        return 1
    except InternalError as exc:
        print(f"adgen: {exc}", file=sys.stderr)
        return 3
