"""Gradients taken inside a differentiated function.

A gradient function (what ``grad``, ``value_and_grad``, ``vjp`` or
``elementwise_grad`` return) may be called on a differentiated value, however it is
spelled::

    dinner = grad(inner)              # at module level, or in a closure
    def f(x):
        a = dinner(x)                 # a gradient function held by a global
        b = grad(inner)(x)            # made and called where it stands
        d = grad(inner)
        c = d(x)                      # made into a local name, called later

A ``grad`` function is differentiated through: the call goes through
``_rt.gradient_of``, whose reverse rule is a Hessian-vector product of ``inner``
(``adgen.higher``). The others (``value_and_grad``, ``vjp``, ``elementwise_grad``, and
``grad`` with ``has_aux``) are refused (AD201); a local name's kind is known only when
it runs, where the rule refuses them (AD411). On values that are not differentiated
such a call runs as it is: its result is a constant of the gradient.
"""

import ast
import inspect
import types

from adgen import errors

_MARK = "adgen_gradient"  # "maker" on grad, value_and_grad...; "function" on the class of what they return


def makes_gradients(fn):
    """Marks ``fn`` as one of adgen's functions that make gradient functions."""
    setattr(fn, _MARK, "maker")
    return fn


def _kind(obj):
    if isinstance(obj, types.FunctionType):
        return getattr(obj, _MARK, None)
    return inspect.getattr_static(type(obj), _MARK, None)  # runs no code of the object's


def gradient_names(body, resolver):
    """The local names ``body`` binds to a call of ``grad``, ``value_and_grad``... (``d = grad(g)``),
    each with that call."""
    found = {}
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Assign) and _made(node.value, resolver):
            found.update({t.id: node.value for t in node.targets if isinstance(t, ast.Name)})
    return found


def _made(node, resolver):
    """Is ``node`` a call of ``grad``, ``value_and_grad``, ``vjp`` or ``elementwise_grad``?"""
    if not isinstance(node, ast.Call):
        return False
    ok, fn = resolver.value_of(node.func, record=False)
    return ok and _kind(fn) == "maker"


def rewritten(node, resolver, local, diags):
    """The call ``node`` (on differentiated values) as differentiation takes it: ``node``
    itself when its callee is no gradient function; ``_rt.gradient_of(...)`` for a ``grad``
    function; None, with AD201, for another gradient function."""
    refused = refusal(node.func, resolver, local)
    if not refused:
        return node
    through = through_gradient_of(node, resolver, local)
    if through is None:
        diags.report(node, errors.AD201_GRADIENT_CALLED, name=refused)
    return through


def through_gradient_of(node, resolver, local):
    """``_rt.gradient_of(<the gradient function>, <arguments>)`` for a call ``node`` of a
    ``grad`` function with positional arguments, else None."""
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    func = node.func
    made = local[func.id] if isinstance(func, ast.Name) and func.id in local else func
    if _made(made, resolver):
        ok, maker = resolver.value_of(made.func, record=False)
        if getattr(maker, "__name__", None) != "grad" or any(k.arg != "wrt" for k in made.keywords):
            return None
    else:
        ok, fn = resolver.value_of(func, record=False)
        if not ok or getattr(fn, "mode", None) != "grad" or getattr(fn, "has_aux", True) or getattr(fn, "debug", True):
            return None
    found = ast.Call(func=ast.Attribute(value=ast.Name(id="_rt", ctx=ast.Load()), attr="gradient_of", ctx=ast.Load()), args=[func, *node.args], keywords=[])
    return ast.copy_location(found, node)


def refusal(func, resolver, local):
    """``func`` as written when it, the callee of a call on differentiated values, is a
    gradient function (``local``: the names ``gradient_names`` found), else None (AD201)."""
    if isinstance(func, ast.Name) and func.id in local:
        pass
    elif not _made(func, resolver):
        ok, fn = resolver.value_of(func, record=False)
        if not ok or _kind(fn) is None:
            return None
    return ast.unparse(resolver.as_written(func))

