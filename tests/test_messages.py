"""Every diagnostic text has one home: ``transpiler/errors.py`` for what the transpiler
reports, ``runtime/errors.py`` for the run-time checks (AD4xx). Elsewhere a call site
passes a message and its variable parts, never a text or a code of its own."""

import ast
import glob
import os
import re
import string

import pytest

from adgen import errors
from adgen.runtime import errors as runtime_errors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOMES = {os.path.join(ROOT, "transpiler", "errors.py"), os.path.join(ROOT, "runtime", "errors.py")}
SOURCES = sorted(
    p for folder in ("transpiler", "runtime") for p in glob.glob(os.path.join(ROOT, folder, "**", "*.py"), recursive=True) if p not in HOMES
)

MESSAGES = {name: m for name, m in vars(errors).items() if isinstance(m, errors.Message)}
RUNTIME_MESSAGES = {name: m for name, m in vars(runtime_errors).items() if isinstance(m, runtime_errors.Message)}

BUILDERS = {"Diagnostic", "GradientError", "AdgenWarning", "Message"}  # called by name, or as an attribute
COLLECTOR_METHODS = {"add", "report", "warn"}  # called on a ``Diagnostics`` (``diags``, ``self.diags``, ``rev.diags``)


def _texts(call):
    """The arguments of ``call`` written as a string or an f-string."""
    values = list(call.args) + [k.value for k in call.keywords]
    return [v for v in values if isinstance(v, ast.JoinedStr) or isinstance(v, ast.Constant) and isinstance(v.value, str)]


def _builds_a_diagnostic(call):
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if name in BUILDERS:
        return True
    receiver = func.value if isinstance(func, ast.Attribute) else None
    held = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
    return name in COLLECTOR_METHODS and held == "diags"


def _written(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def test_no_module_outside_the_homes_builds_a_diagnostic_from_text():
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(_written(path))):
            if isinstance(node, ast.Call) and _builds_a_diagnostic(node) and _texts(node):
                found.append(f"{os.path.relpath(path, ROOT)}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert found == []


def test_no_module_outside_the_homes_passes_a_code_of_its_own():
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(_written(path))):
            if isinstance(node, ast.Call):
                for text in _texts(node):
                    if isinstance(text, ast.Constant) and re.fullmatch(r"AD\d{3}", text.value):
                        found.append(f"{os.path.relpath(path, ROOT)}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert found == []


def _fields(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_each_message_is_named_for_its_code_and_has_a_hint(name):
    message = MESSAGES[name]
    assert name.startswith(message.code + "_") and message.code in errors.CODES
    parts = {f: f"<{f}>" for f in _fields(message.text) | _fields(message.hint)}
    text, hint = message.render(parts)
    assert text and not text.endswith(".") and hint


@pytest.mark.parametrize("name", sorted(RUNTIME_MESSAGES))
def test_each_runtime_message_is_named_for_a_run_time_code(name):
    message = RUNTIME_MESSAGES[name]
    assert name.startswith(message.code + "_") and message.code.startswith("AD4") and message.code in errors.CODES
    error = message.error(**{f: 1 for f in _fields(message.text)})  # 1: any format spec takes it
    assert str(error).startswith(message.code + " ") and error.code == message.code


def test_every_message_is_used_somewhere():
    text = "\n".join(_written(p) for p in SOURCES)
    unused = [name for name in sorted(MESSAGES) + sorted(RUNTIME_MESSAGES) if not re.search(rf"\b{name}\b", text)]
    assert unused == []


def test_the_messages_raise_exactly_the_codes_of_the_table():
    codes = {m.code for m in MESSAGES.values()} | {m.code for m in RUNTIME_MESSAGES.values()}
    assert codes == set(errors.CODES)


def test_a_hint_naming_an_empty_part_gives_way_to_the_codes_rewrite():
    stub = "@defvjp(f)\ndef f_vjp(g, ans, x): ..."
    assert errors.AD201_NO_RULE.render({"name": "f", "stub": stub}) == ("no derivative rule for f", "register one before calling grad:\n" + stub)
    assert errors.AD201_NO_RULE.render({"name": "f", "stub": ""})[1] == errors.CODES["AD201"][2]
    assert errors.AD202_UNDEFINED.render({"name": "q"}) == ("name `q` is not defined", errors.CODES["AD202"][2])
