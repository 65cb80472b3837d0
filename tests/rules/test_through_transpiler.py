"""Every rule case again, end to end: a function calling the primal is written
to a file, differentiated by adgen, and checked against finite differences.
This checks the binding of arguments and the inlining of every rule. Then forward
mode on the same function: its tangent (``jvp``) against the dot product of the
gradient just checked with the same tangents, ``<grad f, v> = J v``; a case forward
mode does not cover yet must be refused with AD224 (or, for a forward rule that does
not take these arguments, raise saying so), never give a number
(``test_forward_coverage.py`` counts the rules it lacks)."""

import builtins
import importlib.util
import inspect
import math
import operator
import sys

import numpy as np
import pytest
import scipy.integrate
import scipy.linalg
import scipy.special
import scipy.stats

from gradcheck import check_grad
from tests.rules.harness import _is_float
from tests.rules.test_coverage import all_cases
from tests.rules.test_padding import pad_options, padded
from tests.rules.test_selection import _clip_kw, clip_options
from tests.rules.test_public_surface import assert_public
from adgen import grad, jvp
from adgen.errors import TranspileError

OPERATORS = {
    operator.add: "{0} + {1}",
    operator.sub: "{0} - {1}",
    operator.mul: "{0} * {1}",
    operator.truediv: "{0} / {1}",
    operator.pow: "{0} ** {1}",
    operator.mod: "{0} % {1}",
    operator.matmul: "{0} @ {1}",
    operator.neg: "-{0}",
    operator.pos: "+{0}",
    operator.getitem: "{0}[{1}]",
    operator.abs: "abs({0})",
}


# Rule cases that do not run here, each with why; ``test_every_case_runs_or_says_why``
# asserts these are exactly the ones left out.
RUN_ELSEWHERE = {
    "attribute": "a runtime helper generated code calls for a library result's attribute (sol.y), not a user's call: end to end in test_scipy_integrate.py",
    "closure": "a runtime helper generated code calls for a nested function passed to a library: end to end in test_scipy_integrate.py",
    "array_copy": "a runtime helper generated code calls for a store into an array held in a list: end to end in test_list_stores.py",
    "with_item": "a runtime helper generated code calls for a store into a list's item: end to end in test_list_stores.py",
    "with_tangent_item": "a runtime helper forward code calls for a store into a list's item's tangent: end to end in test_forward_containers.py",
    "tuple_tangent_sum": "a runtime helper forward code calls to add tuple-valued tangents: end to end in test_forward.py and test_higher.py",
    "as_array": "a runtime helper forward rules call to keep another library's array in its library: end to end (hvp) in test_higher.py",
    "copied": "a runtime helper generated code calls for a value with its arrays copied: end to end in test_forward_containers.py and test_higher.py",
    "gradient_of": "a runtime helper generated code calls for a grad function called inside a differentiated function: end to end in test_higher.py",
}
MODULES = (("np", np), ("np.linalg", np.linalg), ("np.fft", np.fft), ("math", math), ("scipy.special", scipy.special), ("scipy.linalg", scipy.linalg),
           ("scipy.integrate", scipy.integrate))


def spelling(primal):
    """How a user writes a call to ``primal``, as a format string over argument texts."""
    if primal in OPERATORS:
        return OPERATORS[primal], False
    name = getattr(primal, "__name__", None)
    if isinstance(primal, type(np.ndarray.T)) or (name and getattr(np.ndarray, name, None) is primal):
        attr = name
        if isinstance(getattr(np.ndarray, attr), property) or not callable(primal):
            return "{0}." + attr, False
        return "{0}." + attr + "({rest})", True
    owner = getattr(primal, "__self__", None)
    dist = next((n for n, v in vars(scipy.stats).items() if v is owner), None) if owner is not None else None
    if name and dist and not _module_or_class(owner):
        return f"scipy.stats.{dist}.{name}({{all}})", True  # a distribution's method
    for prefix, module in MODULES:
        if name and getattr(module, name, None) is primal:
            return f"{prefix}.{name}({{all}})", True
    if name and getattr(builtins, name, None) is primal:
        return f"{name}({{all}})", True
    return None, False


def _module_or_class(obj):
    return isinstance(obj, (type, type(np)))


def why_not_run(case):
    """None for a case that runs here, else why it does not."""
    return RUN_ELSEWHERE.get(getattr(case.primal, "__name__", None))


# Cases evaluated through a function of the test's that only picks keywords: the call is
# written to the primal directly, ``(positions passed positionally, {keyword: position})``.
def _pad_call(args):
    mode = args[2] if len(args) > 2 else "constant"
    return list(range(min(len(args), 3))), pad_options(mode, args[3] if len(args) > 3 else None)


ADAPTERS = {padded: _pad_call, _clip_kw: lambda args: ([0], clip_options(args[3], args[4]))}


# Primals whose cases evaluate them through a lambda of the test's that only calls them (or
# takes the real part): the call is written to the primal itself, since a function of the
# user's returning complex values is not differentiated (AD310).
DIRECT = {np.linalg.eig, np.linalg.eigvals, np.roots, np.sort_complex, scipy.integrate.odeint}
# The differentiated attribute of a primal returning an object (``solve_ivp(...).y``).
ATTRIBUTE = {scipy.integrate.solve_ivp: "y"}


def _call_format(case):
    """The call as the user's function writes it: the primal itself, or, where the case
    evaluates it through a function of its own (``cholesky(sym(a))``, eigenvectors with a
    fixed sign), a call of that function, which adgen differentiates from its source."""
    fmt, _ = spelling(case.primal)
    if case.primal in ATTRIBUTE:
        return fmt + "." + ATTRIBUTE[case.primal]
    if case.fn is not None and case.fn not in ADAPTERS and case.primal not in DIRECT and not (fmt and "{0}." in fmt):
        return "FN({all})"
    return fmt


ALL = all_cases()
CASES = [c for c in ALL if why_not_run(c) is None]


def _has_float(a):
    return _is_float(a) or _is_complex(a) or isinstance(a, (list, tuple)) and any(_has_float(e) for e in a)


def _is_complex(a):
    return isinstance(a, complex) or isinstance(a, np.ndarray) and a.dtype.kind == "c"


def _argument(a, name, params, consts):
    """The text of argument ``a``: a parameter for each float in it (two for a complex
    value, its real and imaginary parts), a module constant ``name`` for the rest."""
    if _is_float(a):
        params.append(name)
        return name
    if _is_complex(a):
        params.extend([f"{name}_re", f"{name}_im"])
        return f"({name}_re + 1j * {name}_im)"
    if isinstance(a, (list, tuple)) and _has_float(a):
        items = [_argument(e, f"{name}_{k}", params, consts) for k, e in enumerate(a)]
        return ("[" if isinstance(a, list) else "(") + ", ".join(items) + ("]" if isinstance(a, list) else ",)")
    consts[name.replace("p", "C", 1)] = a
    return name.replace("p", "C", 1)


def _constant(a, name, consts):
    consts[name] = a
    return name


def _floats(a):
    if _is_float(a):
        return [a]
    if _is_complex(a):
        return [np.real(a), np.imag(a)] if isinstance(a, np.ndarray) else [a.real, a.imag]
    return [f for e in a for f in _floats(e)] if isinstance(a, (list, tuple)) else []


def _loss(value, text, key, seeds, rng):
    """A real number that depends on every float in ``value`` (the text ``text``): its
    sum weighted by random seeds (the real and imaginary parts apart for a complex one,
    each value of a dict), or None when it has no float."""
    if isinstance(value, dict):
        terms = [_loss(v, f"{text}[{k!r}]", f"{key}_{n}", seeds, rng) for n, (k, v) in enumerate(value.items())]
        return " + ".join(t for t in terms if t) or None
    kind = np.asarray(value).dtype.kind
    if kind not in "fc":
        return None
    seeds[f"G{key}"] = rng.standard_normal(np.shape(value))
    if kind == "f":
        return f"np.sum(G{key} * {text})"
    seeds[f"H{key}"] = rng.standard_normal(np.shape(value))
    return f"np.sum(G{key} * np.real({text})) + np.sum(H{key} * np.imag({text}))"


def build(case, tmp_path, counter=[0]):
    """Write ``f(p0, p1, ...)`` = sum of seed * primal(...) to a module and import it."""
    counter[0] += 1
    params, texts, consts = [], [], {}
    for i, a in enumerate(case.args):
        differentiated = i in case.wrt or not case.wrt  # (a list's floats, unless wrt names other arguments)
        texts.append(_argument(a, f"p{i}", params, consts) if differentiated or _is_float(a) else _constant(a, f"C{i}", consts))
    kw = []
    kwargs = {k: v for k, v in case.kwargs.items() if not k.endswith("_vjp")}  # a callback's VJP: adgen writes its own
    for k, v in kwargs.items():
        consts[f"K_{k}"] = v
        kw.append(f"{k}=K_{k}")
    fmt = _call_format(case)
    consts["FN"] = case.fn
    if case.fn in ADAPTERS:  # (the primal's own result, which ``fn`` only picks keywords for)
        positional, keywords = ADAPTERS[case.fn](case.args)
        defaults = [p.default for p in inspect.signature(case.fn).parameters.values()]
        given = [texts[i] for i in positional] + [f"{k}={texts[i] if i < len(texts) else repr(defaults[i])}" for k, i in keywords.items()]
        texts, kw = given, []
    rest = ", ".join(texts[1:] + kw)
    call = fmt.format(*texts, all=", ".join(texts + kw), rest=rest)
    ans = case.primal(*case.args, **kwargs) if case.primal in DIRECT else (case.fn or case.primal)(*case.args, **case.kwargs)
    seeds, rng = {}, np.random.default_rng(7)
    if isinstance(ans, (tuple, list)):
        outs = [f"o{k}" for k in range(len(ans))]
        terms = [_loss(o, f"o{k}", f"{k}", seeds, rng) for k, o in enumerate(ans) if k not in case.zero_outputs]
        body = f"    {', '.join(outs)} = {call}\n    return " + " + ".join(t for t in terms if t) + "\n"
    else:
        loss = _loss(ans, "o", "", seeds, rng)
        if loss is None:  # an integer result: its gradient must be 0
            seeds["G"], loss = rng.standard_normal(np.shape(ans)), "np.sum(G * o)"
        body = f"    o = {call}\n    return {loss}\n"
    text = f"import math\n\nimport numpy as np\nimport scipy.integrate\nimport scipy.linalg\nimport scipy.special\nimport scipy.stats\n\n\ndef f({', '.join(params)}):\n{body}\n"
    path = tmp_path / f"rulecase_{counter[0]}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    for k, v in {**consts, **seeds}.items():
        setattr(module, k, v)
    flat, checked = [], []
    for i, a in enumerate(case.args):
        differentiated = i in case.wrt or not case.wrt
        floats = _floats(a) if differentiated or _is_float(a) else []
        if differentiated or not _is_float(a):  # a list's floats, a complex value's parts: each checked
            checked.extend(range(len(flat), len(flat) + len(floats)))
        flat.extend(floats)
    return module.f, flat, checked


def test_every_case_runs_or_says_why():
    left_out = {getattr(c.primal, "__name__", None) for c in ALL if why_not_run(c) is not None}
    assert left_out == set(RUN_ELSEWHERE)
    assert len(CASES) + sum(why_not_run(c) is not None for c in ALL) == len(ALL) > 2800


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule_through_transpiler(case, tmp_path):
    fn, args, wrt = build(case, tmp_path)
    if not wrt:
        pytest.fail("case has no float argument to check")
    dfn = grad(fn, wrt=tuple(wrt))
    grads = dfn(*args)
    assert_public(dfn.source_for(*args))
    for i, g in zip(wrt, grads):
        check_grad(fn, args, i, g, rtol=max(case.rtol, 1e-5), atol=max(case.atol, 1e-6))
    _check_forward(case, fn, args, wrt, grads)


def _check_forward(case, fn, args, wrt, grads):
    rng = np.random.default_rng(3)
    tangents = tuple(rng.standard_normal(np.shape(args[i])) if np.ndim(args[i]) else float(rng.standard_normal()) for i in wrt)
    try:
        value, tangent = jvp(fn, wrt=tuple(wrt))(*args, tangents)
    except TranspileError as exc:
        assert {d.code for d in exc.diagnostics} == {"AD224"}, str(exc)
        return
    except NotImplementedError as exc:  # a forward rule that raises for these arguments (np.linalg.norm's matrix norms)
        assert str(exc).startswith("forward mode:")
        return
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12, atol=1e-12)
    expected = sum(np.sum(np.asarray(g) * v) for g, v in zip(grads, tangents))
    scale = max(1.0, sum(float(np.sum(np.abs(np.asarray(g) * v))) for g, v in zip(grads, tangents)))
    assert abs(tangent - expected) <= max(case.rtol, 1e-7) * scale + max(case.atol, 1e-9), (tangent, expected)
