"""The rule of ``_rt.closure``: a nested function passed to a library function with the
values it captures (``adgen.runtime.callbacks``). Its cotangent, which the rule of the
library function returns for the function, is the tuple of those values' cotangents."""

from adgen.runtime.callbacks import attribute as _attribute
from adgen.runtime.callbacks import closure as _closure
from adgen.runtime.callbacks import constant_attribute as _constant_attribute
from adgen.runtime.registry import nondiff, vjp


@vjp(_closure)
def closure(g, ans, fn, names, values):
    cotangents = list(g)
    return None, None, cotangents


@vjp(_attribute)
def attribute(g, ans, obj, name):
    return g, None


nondiff(_constant_attribute)
