"""Whether a helper may change an adjoint in place: only when nothing but the
generated code's own variable refers to it.

A helper measures ``sys.getrefcount(acc)`` as soon as it is called and asks
``alone(count)``. What that count is for a value only the caller's variable
holds depends on the interpreter, so it is measured once, here, with a call of
the same shape; if a second reference does not show in the count, nothing is
ever changed in place.
"""

import sys


def _count_in_callee(value):
    return sys.getrefcount(value)


def _count_when_alone():
    value = [0.0]
    alone = _count_in_callee(value)
    alias = value  # a second reference
    shared = _count_in_callee(value)
    del alias
    return alone if shared > alone else None


_ALONE = _count_when_alone()


def alone(count):
    """Did the caller's variable hold the only reference (``count``: the reference count
    the helper the generated code called saw)?"""
    return _ALONE is not None and count <= _ALONE
