"""``names.py`` is the one home of the naming conventions: no other module spells a
generated name (no string literal in what it hands ``fresh``/``numbered``/``serial``),
every prefix in ``PREFIXES`` is used, each has one meaning, and no prefix reads as
another's numbered name (``_r1`` is a rule's result, never a range)."""

import ast
import pathlib

from adgen import names

TRANSPILER = pathlib.Path(__file__).resolve().parent.parent / "transpiler"
NAMING = ("fresh", "numbered", "serial")


def _modules():
    return {p.name: ast.parse(p.read_text()) for p in sorted(TRANSPILER.glob("*.py"))}


def _called(node):
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _spells(node):
    """Does ``node`` write part of a name as a literal (``"_x"``, ``f"_{v}0"``, ``"_" + v``)?
    A call's own arguments are its business (``alias_for(module.replace(".", "_"))``)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _spells(node.left) or _spells(node.right)
    return False


def _spelled():
    """``(module, line)`` of every call to ``fresh``/``numbered``/``serial`` outside
    ``names.py`` whose argument holds a string literal."""
    found = []
    for module, tree in _modules().items():
        if module == "names.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) in NAMING and node.args:
                if _spells(node.args[0]):
                    found.append((module, node.lineno))
    return found


def test_no_module_but_names_spells_a_generated_name():
    assert _spelled() == []


def test_the_scan_sees_a_spelled_name():
    tree = ast.parse('names.fresh("_x"); fresh(f"_{v}0"); names.numbered("_" + v); fresh(KEY); fresh(alias(m.replace(".", "_")))')
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _called(n) in NAMING]
    assert [_spells(c.args[0]) for c in calls] == [True, True, True, False, False]


def _uses(tree):
    """The names a module reads (the table ``PREFIXES`` aside) or imports from ``names``."""
    table = [n for n in tree.body if isinstance(n, ast.Assign) and any(getattr(t, "id", None) == "PREFIXES" for t in n.targets)]
    skip = {id(n) for t in table for n in ast.walk(t)}
    reads = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and id(n) not in skip}
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module == "adgen.names" for a in n.names}
    return reads | imported


def test_every_prefix_is_used():
    constants = {k for k, v in vars(names).items() if k.isupper() and isinstance(v, str) and v in names.PREFIXES}
    assert {vars(names)[k] for k in constants} == set(names.PREFIXES)
    used = set().union(*(_uses(tree) for tree in _modules().values()))
    assert sorted(constants - used) == []


def test_prefixes_are_distinct_and_unambiguous():
    prefixes = [v for k, v in vars(names).items() if k.isupper() and isinstance(v, str) and v in names.PREFIXES]
    assert len(prefixes) == len(set(prefixes)) == len(names.PREFIXES)
    assert len(set(names.PREFIXES.values())) == len(names.PREFIXES)  # one meaning each
    # a numbered name of one prefix is never a numbered name of another: ``_r1`` is not ``_range1``
    numbered = {p: {f"{p}{k}" for k in range(1, 30)} for p in names.PREFIXES}
    for p in names.PREFIXES:
        for q in names.PREFIXES:
            assert p == q or not numbered[p] & numbered[q], (p, q)


def test_names_made_from_the_users():
    assert (names.saved_as("x"), names.saved_as("_t1")) == ("_x0", "_t10")
    assert names.shape_name("W") == "_W_shape"
    assert (names.member("p", 0), names.member("kw", "scale")) == ("p_0", "kw_scale")
    assert names.default_of("g", "act") == "_g_act"
    assert names.lambda_of("f") == "f_lambda"
    assert names.module_alias("linalg") == "_linalg"


def test_serial_and_numbered_step_around_the_users_names():
    made = names.Names({"_t2", "_c1"})
    assert [made.temp(), made.temp(), made.temp()] == ["_t1", "_t2_1", "_t3"]
    assert [made.numbered(names.FLAG), made.numbered(names.FLAG)] == ["_c2", "_c3"]
    assert [made.serial(names.RESULT), made.serial(names.GRAD)] == ["_r1", "_g1"]
    assert made.adjoint("x") == made.adjoint("x") == "_dx"
