"""Generated code reaches the runtime only through ``adgen.runtime.PUBLIC`` (and the
built-in rules by name, ``_rt.vjps.<name>``), never by the runtime's file layout
(``_rt.rules.reductions.expand``); and every public name is one something uses."""

import ast
import importlib
import inspect
import pathlib
import re
import textwrap
import warnings

import numpy as np
import pytest
import scipy.integrate  # noqa: F401  (the optional libraries' rules register once these are loaded)
import scipy.linalg  # noqa: F401
import scipy.special  # noqa: F401
import scipy.stats  # noqa: F401

import corpus_calls
import corpus_containers
import corpus_control
import corpus_inplace
import corpus_public_libraries
import corpus_straight
from adgen import grad, inline, runtime
from adgen.errors import AdgenWarning
from adgen.runtime import registry, vjps
from adgen.syntax import names_in

ROOT = pathlib.Path(__file__).resolve().parents[2]
REACHED = re.compile(r"\b_rt\.(\w+)")
CORPORA = (corpus_straight, corpus_calls, corpus_containers, corpus_control, corpus_inplace, corpus_public_libraries)


def assert_public(text):
    """``text`` (a generated module) reaches the runtime only by public names."""
    assert "_rt.rules." not in text
    assert not set(REACHED.findall(text)) - set(runtime.PUBLIC), "generated code reaches a runtime name that is not public"


def builtin_rules():
    """Every built-in rule registered now (variants and complex forms included), one per function."""
    found = {r.fn: r for _, rule in registry.rules() for r in _forms(rule) if (r.fn.__module__ or "").startswith("adgen.runtime.")}
    return sorted(found.values(), key=lambda r: (r.fn.__module__, r.fn.__name__))


def _forms(rule):
    yield rule
    for _, variant in rule.variants:
        yield from _forms(variant)
    if rule.for_complex() not in (None, rule):
        yield rule.for_complex()


def _template_texts():
    for rule in builtin_rules():
        tpl = inline.template(rule)
        if tpl.inlined:
            yield rule.fn, [ast.unparse(o) for o in tpl.outputs if o is not None]


def _generated_texts():
    """The committed example gradients and the corpus's generated modules (seed 0)."""
    texts = [p.read_text() for p in sorted((ROOT / "examples").glob("grad_*.py"))]
    for corpus in CORPORA:
        for fn, builders, wrt in corpus.CASES:
            rng = np.random.default_rng(0)
            args = [b(rng) for b in builders]
            with warnings.catch_warnings():  # a case may warn on purpose (corpus.WARNS)
                warnings.simplefilter("ignore", AdgenWarning)
                texts.append(grad(fn, wrt=wrt).source_for(*args))
    return texts


@pytest.fixture(scope="module")
def generated():
    return _generated_texts()


@pytest.mark.parametrize("name", sorted(runtime.PUBLIC))
def test_public_name_is_the_helper_at_its_place(name):
    place, doc = runtime.PUBLIC[name]
    module, _, attr = place.rpartition(".")
    expected = importlib.import_module(f"adgen.runtime.{place}") if not module else getattr(importlib.import_module(f"adgen.runtime.{module}"), attr)
    assert getattr(runtime, name) is expected
    assert doc and not name.startswith("_")


def test_builtin_rules_have_unique_public_names():
    fns = [rule.fn for rule in builtin_rules()]
    assert len(fns) > 400
    names = [fn.__name__ for fn in fns]
    assert len(set(names)) == len(names), sorted(n for n in names if names.count(n) > 1)
    for fn in fns:
        assert not fn.__name__.startswith("_") and getattr(vjps, fn.__name__) is fn


def test_pasted_rules_reach_only_public_names():
    pasted = 0
    for fn, texts in _template_texts():
        pasted += 1
        for text in texts:
            assert_public(text)
    assert pasted > 150


def test_no_one_expression_rule_is_called_for_want_of_a_public_name():
    for fn in [rule.fn for rule in builtin_rules()]:
        body = [s for s in ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0].body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        params = set(inspect.signature(fn).parameters) | {"np", "_rt"}
        if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None and names_in(body[0].value) <= params:
            assert inline._published(body[0].value) is not None, f"{fn.__module__}.{fn.__name__} reaches a helper with no public name"


def test_generated_code_reaches_only_public_names(generated):
    assert len(generated) > 250
    for text in generated:
        assert_public(text)


def test_every_public_name_is_used(generated):
    used = {name for text in generated for name in REACHED.findall(text)}
    used |= {name for _, texts in _template_texts() for text in texts for name in REACHED.findall(text)}
    for path in (ROOT / "transpiler").glob("*.py"):  # what the transpiler writes in rarer cases (--debug, frozen distributions)
        source = path.read_text()
        used |= set(REACHED.findall(source)) | set(re.findall(r"\"(\w+)\"", source))  # _rt.x, rt_call("x")
    assert set(runtime.PUBLIC) - used == set()
