"""Programs in which a rule's result gets a zero cotangent at run time, for every rule.

Each registered rule's first direct case (``tests/rules``) is embedded in a few
program forms where the value the rule computes is overwritten on some paths,
unused in the last loop iteration, an unused item of a list, or an unused part
of a callee's tuple result. Its cotangent is then zero on some paths only:
``0.0`` at run time, where the rule's backward may need an array of its
result's shape (``g @ x.T``, ``g.reshape(...)``).

``program(case, form)`` gives ``(source, globals, calls, wrt)``: the source of
a module defining ``f``, the module globals it reads (the case's other
arguments, a weight ``W`` of the result's shape), the argument pairs to call
``f`` with, and the position of the differentiated one, ``x`` (the case's
first float argument, or the first item of it when it is a list).
"""

import ast
import types

import numpy as np

from adgen.runtime.registry import lookup

FORMS = {
    # overwritten on one path: the rule's cotangent is 0.0 when c > 0
    "branch": """def f(x, c):
    v = {call}
    if c > 0:
        v = W * 2.0
    return {use} + 0.5 * np.sum(x * x)
""",
    # the value of the last iteration is never used (a Kalman filter's last update)
    "last": """def f(x, n):
    s = 0.0
    v = {call}
    for i in range(n):
        s = s + {use}
        v = {call}
    return s
""",
    # overwritten in odd iterations only: the loop records which
    "loop": """def f(x, n):
    s = 0.0
    for i in range(n):
        v = {call}
        if i % 2 == 1:
            v = W * 2.0
        s = s + {use}
    return s + 0.5 * np.sum(x * x)
""",
    # an unused item of a list
    "list": """def f(x, c):
    vs = [{call}, x * c]
    return np.sum(vs[1] * vs[1])
""",
    # an unused part of a function's tuple result
    "callee": """def h(x):
    return {call}, np.sum(x * x)


def f(x, c):
    a, b = h(x)
    return b * c
""",
}
SECOND = {"branch": [1.0, -1.0], "last": [3], "loop": [3], "list": [1.5], "callee": [1.5]}


def _literal(value):
    """The source of ``value`` when it is a plain literal, else None."""
    if isinstance(value, (bool, int, str, type(None))) or (isinstance(value, tuple) and all(isinstance(v, (int, type(None))) for v in value)):
        text = repr(value)
        return text if ast.literal_eval(text) == value else None
    return None


# primals whose rule treats the input as symmetric (its cases symmetrise the argument)
SYMMETRIC = {np.linalg.cholesky, np.linalg.eigh, np.linalg.eigvalsh}


def embeddable(case):
    """Can ``case`` be written as a call in a program: no wrapper function (but for
    ndarray methods and the symmetric-input primals), a float first argument to
    differentiate (an array or a float, or a list or tuple starting with one), and a
    float result?"""
    if case.fn is not None and not _is_method(case.primal) and case.primal not in SYMMETRIC:
        return False
    rule = lookup(case.primal)
    if rule is None or rule.outputs == "sequence" or not case.wrt:
        return False
    x = _differentiated(case)
    if not isinstance(x, (float, np.ndarray)) or (_is_method(case.primal) and case.wrt[0] != 0):
        return False
    first = _first_output(case)
    return isinstance(first, (float, np.floating)) or (isinstance(first, np.ndarray) and first.dtype.kind == "f")


def _differentiated(case):
    """The value ``x`` stands for: the first float argument, or the first item of it."""
    a = case.args[case.wrt[0]]
    return a[0] if isinstance(a, (list, tuple)) and a else a


def _first_output(case):
    result = (case.fn or case.primal)(*case.args, **case.kwargs)
    return result[0] if lookup(case.primal).outputs else result


def _is_method(primal):
    return isinstance(primal, (types.MethodDescriptorType, types.GetSetDescriptorType)) and getattr(primal, "__objclass__", None) is np.ndarray


def program(case, form):
    names = {}
    parts = [_argument(case, k, a, names) for k, a in enumerate(case.args)]
    for key, value in case.kwargs.items():
        parts.append(f"{key}={_value(value, f'K_{key}', names)}")
    if isinstance(case.primal, types.GetSetDescriptorType):
        call = f"x.{case.primal.__name__}"
    elif _is_method(case.primal):
        call = f"x.{case.primal.__name__}({', '.join(parts[1:])})"
    else:
        names["P"] = case.primal
        call = f"P({', '.join(parts)})"
    if lookup(case.primal).outputs:
        call = f"{call}[0]"
    first = _first_output(case)
    rng = np.random.default_rng(7)
    names["W"] = float(rng.uniform(0.5, 1.5)) if np.ndim(first) == 0 else rng.uniform(0.5, 1.5, np.shape(first))
    source = "import numpy as np\n\n\n" + FORMS[form].format(call=call, use="np.sum(v * W)")
    x = _differentiated(case)
    return source, names, [(x, second) for second in SECOND[form]], 0


def _argument(case, k, a, names):
    if k != case.wrt[0]:
        return _value(a, f"A{k}", names)
    if isinstance(a, (list, tuple)):
        items = ["x"] + [_value(item, f"A{k}_{j}", names) for j, item in enumerate(a[1:], 1)]
        return ("[{}]" if isinstance(a, list) else "({},)").format(", ".join(items))
    return "0.5 * (x + np.swapaxes(x, -1, -2))" if case.primal in SYMMETRIC else "x"


def _value(value, name, names):
    """A literal for ``value`` when it is a plain one, else ``name`` (a module global)."""
    literal = _literal(value)
    if literal is not None:
        return literal
    names[name] = value
    return name
