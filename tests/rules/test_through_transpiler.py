"""Every rule case again, end to end: a function calling the primal is written
to a file, differentiated by adgen, and checked against finite differences.
This checks the binding of arguments and the inlining of every rule."""

import importlib.util
import math
import operator

import numpy as np
import pytest
import scipy.linalg
import scipy.special
import scipy.stats

from gradcheck import check_grad
from tests.rules.harness import _is_float
from tests.rules.test_coverage import all_cases
from adgen import grad

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
}


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
    for prefix, module in (("np", np), ("np.linalg", np.linalg), ("math", math), ("scipy.special", scipy.special), ("scipy.linalg", scipy.linalg)):
        if name and getattr(module, name, None) is primal:
            return f"{prefix}.{name}({{all}})", True
    if name and getattr(__builtins__ if isinstance(__builtins__, dict) else __builtins__.__dict__, "get", None):
        pass
    import builtins

    if name and getattr(builtins, name, None) is primal:
        return f"{name}({{all}})", True
    return None, False


def _module_or_class(obj):
    return isinstance(obj, (type, type(np)))


def _cases():
    out = []
    for c in all_cases():
        fmt, _ = spelling(c.primal)
        nested = any(isinstance(a, (list, tuple)) and any(isinstance(e, (list, tuple)) for e in a) for a in c.args)
        if nested:
            continue  # nested lists of parameters cannot be spelled as a flat parameter list
        if fmt is not None and c.fn is None or (c.fn is not None and fmt and "{0}." in fmt):
            out.append(c)
    return out


CASES = _cases()


def build(case, tmp_path, counter=[0]):
    """Write ``f(p0, p1, ...)`` = sum of seed * primal(...) to a module and import it."""
    counter[0] += 1
    params, texts, consts = [], [], {}
    for i, a in enumerate(case.args):
        if _is_float(a):
            params.append(f"p{i}")
            texts.append(f"p{i}")
        elif isinstance(a, (list, tuple)) and a and all(_is_float(e) for e in a):
            names = [f"p{i}_{k}" for k in range(len(a))]
            params.extend(names)
            texts.append(("[" if isinstance(a, list) else "(") + ", ".join(names) + ("]" if isinstance(a, list) else ",)"))
        else:
            consts[f"C{i}"] = a
            texts.append(f"C{i}")
    kw = []
    for k, v in case.kwargs.items():
        consts[f"K_{k}"] = v
        kw.append(f"{k}=K_{k}")
    fmt, _ = spelling(case.primal)
    rest = ", ".join(texts[1:] + kw)
    call = fmt.format(*texts, all=", ".join(texts + kw), rest=rest)
    ans = (case.fn or case.primal)(*case.args, **case.kwargs)
    rng = np.random.default_rng(7)
    if isinstance(ans, (tuple, list)):
        outs = [f"o{k}" for k in range(len(ans))]
        seeds = {f"G{k}": rng.standard_normal(np.shape(o)) for k, o in enumerate(ans)}
        body = f"    {', '.join(outs)} = {call}\n    return " + " + ".join(
            f"np.sum(G{k} * o{k})" for k in range(len(ans)) if k not in case.zero_outputs and np.asarray(ans[k]).dtype.kind == "f"
        )
    else:
        seeds = {"G": rng.standard_normal(np.shape(ans))}
        body = f"    return np.sum(G * ({call}))\n"
    text = f"import math\n\nimport numpy as np\nimport scipy.linalg\nimport scipy.special\nimport scipy.stats\n\n\ndef f({', '.join(params)}):\n{body}\n"
    path = tmp_path / f"rulecase_{counter[0]}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    import sys

    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    for k, v in {**consts, **seeds}.items():
        setattr(module, k, v)
    flat, checked = [], []
    for i, a in enumerate(case.args):
        if _is_float(a):
            if i in case.wrt:
                checked.append(len(flat))
            flat.append(a)
        elif isinstance(a, (list, tuple)) and a and all(_is_float(e) for e in a):
            checked.extend(range(len(flat), len(flat) + len(a)))
            flat.extend(a)
    return module.f, flat, checked


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule_through_transpiler(case, tmp_path):
    fn, args, wrt = build(case, tmp_path)
    if not wrt:
        pytest.fail("case has no float argument to check")
    grads = grad(fn, wrt=tuple(wrt))(*args)
    for i, g in zip(wrt, grads):
        check_grad(fn, args, i, g, rtol=max(case.rtol, 1e-5), atol=max(case.atol, 1e-6))
