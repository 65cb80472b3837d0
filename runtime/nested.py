"""Gradient functions (``dg = grad(g)``) called inside a differentiated function.

Generated code calls them through ``gradient_of`` so that reverse mode has a rule for the
call (``rules/helpers.py``), and forward mode writes its tangent with ``gradient_tangent``:
the derivative of a gradient is a Hessian-vector product,
which the transpiler makes (``adgen.higher`` provides it when imported, as it is whenever
a gradient function exists)."""

_PRODUCTS = []  # the two functions adgen.higher provides


def provide(backward, forward):
    """Set how the Hessian-vector products of a gradient function are made:
    ``backward(gradient function, its arguments, the cotangent of its result)`` -> the
    arguments' cotangents, and ``forward(gradient function, its arguments, their
    tangents)`` -> the tangent of its result."""
    _PRODUCTS[:] = [backward, forward]


def gradient_of(gradient, *args):
    """``gradient(*args)``: the gradient function called on the arguments."""
    return gradient(*args)


def hessian_product(gradient, args, g):
    """The cotangents of ``args`` in ``gradient(*args)`` for the cotangent ``g`` of its result."""
    return _PRODUCTS[0](gradient, args, g)


def gradient_tangent(gradient, args, tangents):
    """The tangent of ``gradient(*args)`` for the tangents of ``args`` (forward mode)."""
    return _PRODUCTS[1](gradient, args, tangents)
