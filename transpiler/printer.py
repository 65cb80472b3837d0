"""Print a generated function as source text, with the standard library's ``ast.unparse``.

adgen's files were first printed by astor; a file a user committed must not change
because the printer did. ``ast.unparse`` writes the same text but for four habits,
which this module keeps, so that what adgen writes is byte for byte what it wrote
before:

- a tuple that is a whole statement's value is written bare: ``return a, b``,
  ``x = a, b``, ``x += a, b``; a one-element tuple as ``a,``;
- a complex literal is written with a float imaginary part: ``1.0j``, ``(1.0+2.0j)``;
- a number used as a dictionary key is parenthesised: ``{(1): v}``;
- a unary operation as an exponent is not: ``2 ** -k``.

The tree given is not changed: the printer works on a copy.
"""

import ast

from adgen.syntax import clone, statements

_BARE_TUPLE = (ast.Return, ast.Assign, ast.AugAssign, ast.Expr)


def source(func):
    """The text of ``func`` (an ``ast.FunctionDef``), ending with a newline."""
    tree = _Habits().visit(clone(func))
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _verbatim(text):
    """A node ``ast.unparse`` writes as ``text``, unparenthesised (it reads as a name)."""
    return ast.Name(id=text, ctx=ast.Load())


def _complex(value):
    text = f"{float(value.imag)!r}j"
    if value.real == 0 and str(value.real)[0] != "-":
        return text
    sign = "" if text[0] == "-" else "+"
    return f"({float(value.real)!r}{sign}{text})"


def _is_number(node):
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) in (int, float, complex, bool)


class _Habits(ast.NodeTransformer):
    """Rewrites the four habits above into verbatim nodes, innermost first."""

    def visit_Constant(self, node):
        return _verbatim(_complex(node.value)) if isinstance(node.value, complex) else node

    def visit_Dict(self, node):
        numbers = [k is not None and _is_number(k) for k in node.keys]
        self.generic_visit(node)
        node.keys = [_verbatim(f"({ast.unparse(k)})") if number else k for k, number in zip(node.keys, numbers)]
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow) and isinstance(node.right, ast.UnaryOp) and not isinstance(node.right.op, ast.Not):
            node.right = _verbatim(ast.unparse(node.right))
        return node

    def generic_visit(self, node):
        node = super().generic_visit(node)
        if isinstance(node, _BARE_TUPLE) and isinstance(node.value, ast.Tuple) and node.value.elts:
            elts = [ast.unparse(e) for e in node.value.elts]
            node.value = _verbatim(", ".join(elts) + ("," if len(elts) == 1 else ""))
        return node


def origins(func, text):
    """For each line of ``text``, ``func`` as ``source`` printed it: ``None`` where no
    statement starts, else the ``lineno`` of the statement of ``func`` printed there (the
    user's line it was made from), ``0`` when it has none. The printed text is parsed
    again and its statements are paired with ``func``'s, which have the same structure;
    all ``None`` if they do not pair up."""
    found = [None] * text.count("\n")
    made, printed = list(statements(func.body)), list(statements(ast.parse(text).body[0].body))
    if len(made) != len(printed) or any(type(a) is not type(b) for a, b in zip(made, printed)):
        return found
    for a, b in zip(made, printed):
        found[b.lineno - 1] = getattr(a, "lineno", None) or 0
    return found
