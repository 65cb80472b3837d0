"""Gradient functions (``dg = grad(g)``) called inside a differentiated function.

Generated code calls them through ``gradient_of`` so that reverse mode has a rule for the
call (``rules/helpers.py``): the derivative of a gradient is a Hessian-vector product,
which the transpiler makes (``adgen.higher`` provides it when imported, as it is whenever
a gradient function exists)."""

_PRODUCT = []  # the function adgen.higher provides


def provide(product):
    """Set how the Hessian-vector product of a gradient function is made:
    ``product(gradient function, its arguments, the cotangent of its result)``."""
    _PRODUCT[:] = [product]


def gradient_of(gradient, *args):
    """``gradient(*args)``: the gradient function called on the arguments."""
    return gradient(*args)


def hessian_product(gradient, args, g):
    """The cotangents of ``args`` in ``gradient(*args)`` for the cotangent ``g`` of its result."""
    return _PRODUCT[0](gradient, args, g)
