"""Gradients taken inside a differentiated function.

Calling a gradient function (what ``grad``, ``value_and_grad``, ``vjp`` or
``elementwise_grad`` return) on a differentiated value needs the derivative of a
gradient: forward mode and higher-order derivatives, which are planned (issue 17).
Until then such a call is refused with a message that says so, however it is
spelled::

    dinner = grad(inner)              # at module level, or in a closure
    def f(x):
        a = dinner(x)                 # a gradient function held by a global
        b = grad(inner)(x)            # made and called where it stands
        d = value_and_grad(inner)
        c = d(x)[1]                   # made into a local name, called later

On values that are not differentiated such a call runs as it is: its result is a
constant of the gradient.
"""

import ast
import inspect
import types

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
    """The local names ``body`` binds to a call of ``grad``, ``value_and_grad``... (``d = grad(g)``)."""
    found = set()
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Assign) and _made(node.value, resolver):
            found |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return found


def _made(node, resolver):
    """Is ``node`` a call of ``grad``, ``value_and_grad``, ``vjp`` or ``elementwise_grad``?"""
    if not isinstance(node, ast.Call):
        return False
    ok, fn = resolver.value_of(node.func, record=False)
    return ok and _kind(fn) == "maker"


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

