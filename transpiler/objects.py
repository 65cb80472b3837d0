"""Objects a differentiated value meets that are not themselves differentiated: what
is indexed with one (``c[x > 0]``, ``np.r_[x, x]``), and a rule's arguments that
the transpiler can see statically (``mode=`` of ``np.pad``).

Indexing an array, list, tuple or dict only selects, so it is piecewise constant in
the index. Any other object needs a rule for its ``[...]`` (``np.r_``, ``np.c_``),
else AD209; one known only at run time is checked then (``_rt.selecting``, AD410).
"""

import ast
import inspect

from adgen import errors
from adgen.runtime import kinds, registry
from adgen.syntax import rt_call


def guarded_index(activity, resolver, node):
    """``_rt.selecting(c)[i]`` for ``c[i]``, a differentiated ``i`` indexing a ``c`` that
    is not differentiated and not known statically; else None."""
    if not isinstance(node, ast.Subscript) or activity.expr_active(node.value) or resolver.value_of(node.value)[0]:
        return None
    guarded = ast.Subscript(value=rt_call("selecting", node.value), slice=node.slice, ctx=ast.Load())
    return ast.copy_location(guarded, node)


def indexed_object(resolver, diags, node):
    """``(obj, items, rebuild, label)`` of ``obj[<differentiated value>]`` for a
    module-level ``obj`` whose ``[...]`` has a rule (``np.r_[x, y]``: the rule takes the
    items); None where it only selects (piecewise constant), or, reported (AD209), where
    it has no rule."""
    _, obj = resolver.value_of(node.value)
    if kinds.selects(obj):
        return None
    label = f"`{ast.unparse(node.value)}[...]`"
    if registry.lookup(obj) is None or registry.is_nondiff(obj):
        diags.report(node, errors.AD209_INDEX_OBJECT, label=label, kind=type(obj).__name__)
        return None
    items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]

    def rebuild(a, k):
        index = ast.Tuple(elts=a, ctx=ast.Load()) if isinstance(node.slice, ast.Tuple) else a[0]
        return ast.copy_location(ast.Subscript(value=node.value, slice=index, ctx=ast.Load()), node)

    return obj, list(items), rebuild, label


def index_object(rev, node):
    """The operation of ``obj[<differentiated value>]`` for a module-level ``obj``, as
    ``Reverser.operation`` returns it (None: piecewise constant, or refused)."""
    found = indexed_object(rev.resolver, rev.diags, node)
    if found is None:
        return None
    obj, items, rebuild, label = found
    return rev.rule_for(obj, node, items, [], rebuild, label)


def refusal(rev, tpl, mapping):
    """The rule's reason not to differentiate this call (AD210), judged on the arguments
    known statically (literals and module-level objects), or None."""
    if tpl.rule.refuse is None:
        return None
    return tpl.rule.refuse(**static_arguments(rev, mapping))


def static_arguments(rev, mapping):
    """The arguments of a rule's ``mapping`` known statically, by parameter name."""
    known = {}
    for pname, value in mapping.items():
        if isinstance(value, list):  # *args: each item, or UNKNOWN
            known[pname] = tuple(obj if found else registry.UNKNOWN for found, obj in (_static_value(rev, v) for v in value))
            continue
        found, obj = _static_value(rev, value)
        if found:
            known[pname] = obj
    return known


def known_arguments(rev, fn, args, keywords):
    """The arguments of a call of ``fn`` known statically, by parameter name (for ``Rule.pick``)."""
    if any(isinstance(a, ast.Starred) for a in args) or any(k is None for k, _ in keywords):
        return {}
    try:
        bound = inspect.signature(fn).bind_partial(*args, **dict(keywords))
    except (TypeError, ValueError):
        return {}
    known = {}
    for pname, value in bound.arguments.items():
        if isinstance(value, ast.AST):
            found, obj = _static_value(rev, value)
            if found:
                known[pname] = obj
    return known


def _static_value(rev, node):
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return rev.resolver.value_of(node)
