"""The Hessian-vector product as one file (``adgen emit --mode hvp``).

The file holds, under one header, the derivative of ``f`` along the tangents
(``directional_f``: the tangent module of ``f``, as ``--mode forward`` writes it, returning
the tangent alone), and below it the gradient of ``directional_f``, which is ``H v``
(``value_and_grad_directional_f(<f's parameters>, <the tangents>)`` returns ``(J v, H v)``).
Reverse mode reads the top of the file as it will be written, so its ``# line N``
comments are lines of the file itself. A file that quotes no other generated file and
needs nothing but the user's module, NumPy and the runtime, as the other modes'."""

import re

from adgen import binding, emit, fingerprint, higher, pipeline, source
from adgen.cache import execute

_HEADER_LINES = 3  # what emit.header writes with a command: its first line, wrt and hashes, regenerate


def hvp_text(src, wrt, origin, command, arg_shapes, base, stem):
    """The text of the file: ``src`` the user's function (``source.Source``), ``stem`` the
    file's name without ``.py`` (what the docstrings call it)."""
    made = pipeline.transform(src, wrt, arg_shapes=arg_shapes, base=base, mode="forward")
    text, wrapper = higher.directional_text(made, pipeline.params(src.func), src.name)
    head, body = _split_header(text)
    top = "\n" * _HEADER_LINES + body
    module = execute(stem, top, f"{stem}.py")
    space = binding.bound(module, made.modules)
    shapes = dict(arg_shapes or {})
    shapes.update({dot: shapes[p] for p, dot in zip(made.wrt, made.dout) if p in shapes})
    reverse = pipeline.transform(source.load(space[wrapper]), tuple(made.wrt) if made.wrt_tuple else made.wrt[0], arg_shapes=shapes, base=base)
    _, below = _split_header(reverse.text)
    imports, functions = _imports_and_rest(below)
    missing = [line for line in imports if line not in top.splitlines()]
    text = top.lstrip("\n") + "\n\n" + ("\n".join(missing) + "\n\n\n" if missing else "") + functions
    sha = re.search(r"source sha256: ([0-9a-f]+)", head[1]).group(1)
    header = emit.header(origin, src.name, made.wrt, sha, command, arg_shapes, fingerprint.of_code(text))
    return header + text, reverse


def _split_header(text):
    """``(header lines, the rest)`` of a generated module's text."""
    lines = text.split("\n")
    count = next(k for k, line in enumerate(lines) if not line.startswith("#"))
    return lines[:count], "\n".join(lines[count:])


def _imports_and_rest(body):
    """The import lines a generated module starts with, and the rest of its text."""
    lines = body.split("\n")
    k = 0
    while k < len(lines) and (not lines[k] or lines[k].startswith(("import ", "from "))):
        k += 1
    return [line for line in lines[:k] if line], "\n".join(lines[k:])
