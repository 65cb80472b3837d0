"""The facts passes record on AST nodes (``marks.Mark``): declared in one place, reached
only through ``marks.mark`` and ``marks.marks``, and carried by every kind of copy."""

import ast
import copy
import dataclasses
import pathlib

from adgen import marks, syntax
from adgen.marks import Mark, mark

TRANSPILER = pathlib.Path(__file__).resolve().parent.parent / "transpiler"
HOME = "marks.py"
# a mark on functions (what ``grad`` makes, and the class of what it returns), not on nodes
FUNCTION_MARK = "adgen_gradient"


def _sources():
    for path in sorted(TRANSPILER.rglob("*.py")):
        yield path.name, ast.parse(path.read_text(), str(path))


def _undeclared(name, tree):
    """``file:line: text`` for each place ``tree`` reaches a node attribute named ``adgen...``
    other than through ``marks``: an attribute read or written, or ``getattr``,
    ``hasattr``, ``setattr`` or ``delattr`` of such a name."""
    found = []
    for node in ast.walk(tree):
        attr = None
        if isinstance(node, ast.Attribute):
            attr = node.attr
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr", "setattr", "delattr"):
            if len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                attr = node.args[1].value
        if attr is None or not attr.startswith("adgen") or attr == FUNCTION_MARK:
            continue
        if not (name == HOME and attr == "adgen"):
            found.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_pass_hangs_an_undeclared_attribute_on_a_node():
    found = [line for name, tree in _sources() for line in _undeclared(name, tree)]
    assert found == []


def test_the_scan_sees_each_way_of_reaching_an_attribute():
    tree = ast.parse("node.adgen_zero = True\ngetattr(node, 'adgen_zero', False)\nhasattr(node, 'adgen_x')\nnode.adgen = 1\nsetattr(node, 'adgen', 1)\n")
    assert len(_undeclared("zeros.py", tree)) == 5
    assert _undeclared(HOME, ast.parse("node.adgen = 1\ngetattr(node, 'adgen', None)\n")) == []
    assert _undeclared("funcargs.py", ast.parse("hasattr(value, 'adgen_gradient')\n")) == []


def test_every_fact_is_written_read_and_documented():
    """Each field of ``Mark`` is recorded by some ``mark(node, field=...)``, read as
    ``marks(node).field`` (or through a name bound to ``marks(node)``), and has a docstring."""

    def is_call(node, name):
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name

    written, read = set(), set()
    for _, tree in _sources():
        held = {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) and is_call(n.value, "marks") for t in n.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if is_call(node, "mark"):
                written |= {k.arg for k in node.keywords}
            if isinstance(node, ast.Attribute) and (is_call(node.value, "marks") or (isinstance(node.value, ast.Name) and node.value.id in held)):
                read.add(node.attr)
    fields = {f.name for f in dataclasses.fields(Mark)}
    assert written == fields
    assert fields - read == set()  # ``read`` also holds other attributes of names that happen to match
    (cls,) = [n for n in ast.parse((TRANSPILER / HOME).read_text()).body if isinstance(n, ast.ClassDef) and n.name == "Mark"]
    documented = {a.target.id for a, doc in zip(cls.body, cls.body[1:]) if isinstance(a, ast.AnnAssign) and isinstance(doc, ast.Expr)}
    assert documented == fields


def _marked():
    """``_dx = _dx + g[0]``, tagged, with facts on the statement and on an inner node."""
    item = mark(ast.Subscript(value=syntax.load("g"), slice=ast.Constant(0), ctx=ast.Load()), zero=True)
    stmt = syntax.assign("_dx", ast.BinOp(left=syntax.load("_dx"), op=ast.Add(), right=item))
    return mark(syntax.tag(stmt, "accum", "g"), reads=frozenset({"x"}), restore="xs")


def test_a_node_without_facts_reads_the_defaults():
    assert marks.marks(syntax.load("x")) == Mark()
    assert syntax.kind_of(syntax.load("x")) == (None, None)


def test_mark_keeps_the_facts_a_node_had():
    stmt = _marked()
    assert syntax.kind_of(stmt) == ("accum", "g")
    assert (marks.marks(stmt).reads, marks.marks(stmt).restore, marks.marks(stmt).zero) == (frozenset({"x"}), "xs", False)
    assert marks.marks(stmt.value.right).zero


def test_copies_carry_the_facts():
    for copied in (syntax.clone, copy.deepcopy, copy.copy):
        stmt = _marked()
        new = copied(stmt)
        assert marks.marks(new) == marks.marks(stmt), copied
        assert marks.marks(new.value.right).zero, copied
        mark(new, zero=True, kind="set")  # a copy's new fact is its own
        assert syntax.kind_of(stmt) == ("accum", "g") and not marks.marks(stmt).zero, copied
        assert syntax.kind_of(new) == ("set", "g") and marks.marks(new).zero, copied


def test_deepcopy_copies_a_resolved_method_with_its_object():
    """As it did when ``resolved`` was an attribute of its own."""
    held = _Holder()
    node = mark(syntax.load("f"), resolved=held.value, callback=True)
    new = marks.marks(copy.deepcopy(node))
    assert new.callback and new.resolved() == 2.0 and new.resolved.__self__ is not held


class _Holder:
    def __init__(self):
        self.scale = 2.0

    def value(self):
        return self.scale
