"""Hashes of what code means, not how it is written.

A source file whose comments or blank lines change, or a generated file a formatter
rewrote, still means the same program; its syntax tree is the same. These hashes are
of the tree: comments, blank lines, line breaks, parentheses and positions do not enter.
The walk writes fields the same way on every Python from 3.11 (``ast.dump`` does not:
3.13 leaves out empty fields, 3.12 added ``type_params``), so a hash taken on one
version is the hash on another.
"""

import ast
import hashlib
import textwrap


def of_code(text):
    """The hash of module text; ``None`` when it does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    return hashlib.sha256(_canonical(tree).encode()).hexdigest()


def of_function(text):
    """The hash of a function's source text (indented, for a method); of the text itself
    when it is not a whole statement (a lambda's line)."""
    try:
        tree = ast.parse(textwrap.dedent(text))
    except (SyntaxError, ValueError):
        return hashlib.sha256(text.encode()).hexdigest()
    return hashlib.sha256(_canonical(tree).encode()).hexdigest()


def _canonical(node):
    if isinstance(node, ast.AST):
        fields = (f"{name}={_canonical(value)}" for name, value in ast.iter_fields(node) if value not in (None, []))
        return f"{type(node).__name__}({', '.join(fields)})"
    if isinstance(node, list):
        return f"[{', '.join(_canonical(item) for item in node)}]"
    return f"{type(node).__name__}:{node!r}"
