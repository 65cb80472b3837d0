"""Forward mode of a library function that calls a function of the user's (a callback
parameter, ``registry.Rule.callbacks``: ``func`` of ``scipy.integrate.odeint``).

Its forward rule integrates the tangent of the state beside the state (forward
sensitivity), which needs the tangent of the user's function: the module's tangent
function of it (``forward_calls.Callees``), with respect to the state, and to the items of
``args`` for the contribution of ``args``' tangent, is passed to the rule as the keyword
``<parameter>_jvp``::

    _dot_ys = _rt.jvps.odeint_tangent_y0(_dot_y0, ys, decay, y0, t, (k,), ..., func_jvp=jvp_decay)

The callback must be a function of the user's defined at module level: a nested ``def``
or a ``lambda`` (with the values it captures) is refused (AD224), as is a layout the rule
refuses (AD210: ``odeint``'s ``tfirst`` not written as a constant).
"""

import ast
import inspect

from adgen import errors, objects
from adgen.calls import is_user_function
from adgen.syntax import load


def with_jvps(fwd, node, rule, tpl, mapping, slots, active, parts):
    """``parts`` (one contribution per slot of ``active``, calls of the rule) with the
    tangent function of the callback each needs, or None after a diagnostic."""
    (param, layout_of), = rule.callbacks.items()
    layout = layout_of(**objects.static_arguments(fwd, mapping))
    if isinstance(layout, str):
        fwd.diags.report(node, errors.AD210_RULE_REFUSES, reason=layout)
        return None
    ok, fn = fwd.resolver.value_of(mapping[param])
    if not ok or not is_user_function(fn) or fn.__code__.co_freevars:
        fwd.diags.report(node, errors.AD224_NESTED_CALLBACK, name=tpl.name.rpartition(".")[2], param=param)
        return None
    names = list(inspect.signature(fn).parameters)
    fixed = [k for k in layout if not isinstance(k, str)]  # True: the state, False: the time
    spread = next((k[1:] for k in layout if isinstance(k, str)), None)  # "*args": the items of that parameter
    state = names[fixed.index(True)]
    found = []
    for part, k in zip(parts, active):
        pname = tpl.params[slots[k][0]].name
        wanted = [state] + (names[len(fixed):] if pname == spread else [])
        if not isinstance(part, ast.Call):
            fwd.diags.report(node, errors.AD224_NO_RULE, name=tpl.name)
            return None
        part.keywords.append(ast.keyword(arg=f"{param}_jvp", value=load(fwd.callees.function(fn, wanted))))
        found.append(part)
    return found
