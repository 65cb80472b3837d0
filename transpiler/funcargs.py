"""Function values known when the gradient is made: functions given to the differentiated
function itself, and lists, tuples and dicts of functions.

- **A parameter holding a function.** ``grad(f)(x, np.tanh)``, ``grad(f)(x, act=my_act)``
  for ``def f(x, act): return np.sum(act(x))``: the call shows the function, so the
  gradient is made for it (``act(x)`` then has ``tanh``'s rule, or is ``my_act``
  differentiated), as it is for a default that is a function (``variadic.py``). The
  function is part of the key the gradient is cached under (``Static``), so a call with
  another function makes another gradient, as a call with other shapes does. A list,
  tuple or dict of functions given for a parameter (``fns=[np.sin, act]``) is resolved
  the same way, item by item. ``adgen emit``, which sees no call, cannot know the
  function: AD223.
- **Containers of functions.** ``FNS[1](x)``, ``ACTS["relu"](x)``, ``fns[0](x)``, where
  the container is a global, a closure variable or such a parameter and the index a
  literal, name the function the container holds there (``resolve.Resolver.value_of``,
  guarded item by item). A loop over one (``for f in fns: x = f(x)``, ``for i, f in
  enumerate(fns)``, ``for i in range(len(fns))``) is written out, one copy of its body
  per function (``unroll``), each calling its own function.
"""

import ast
import functools
import types

import numpy as np



FUNCTIONS = (types.FunctionType, types.BuiltinFunctionType, np.ufunc, functools.partial)
MAX_UNROLLED = 64  # a loop over more functions than this is left as it is


def is_function(value):
    """A plain function, a builtin or NumPy function, a ufunc or a ``functools.partial``
    (callable instances are ``instances.py``'s)."""
    return isinstance(value, FUNCTIONS) and not hasattr(value, "adgen_gradient")


def is_static(value):
    """A function, or a list, tuple or dict of them: what a call's argument may hold for
    the gradient to be made for it."""
    if type(value) in (list, tuple):
        return bool(value) and all(map(is_function, value))
    if type(value) is dict:
        return bool(value) and all(map(is_function, value.values()))
    return is_function(value)


class Static:
    """A key for a function value given to the differentiated function: equal for the same
    function, or a container of the same type holding the same functions (under the same
    keys). It holds them, so their ids are not reused while the gradient is cached."""

    def __init__(self, value):
        self.kind = type(value)
        self.keys = tuple(value) if self.kind is dict else None
        self.items = tuple(value.values()) if self.kind is dict else tuple(value) if self.kind in (list, tuple) else (value,)
        self._hash = hash((self.kind, self.keys, tuple(map(id, self.items))))

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        same = isinstance(other, Static) and (self.kind, self.keys) == (other.kind, other.keys) and len(self.items) == len(other.items)
        return same and all(a is b for a, b in zip(self.items, other.items))

    def value(self):
        """The value as it was given (a container rebuilt from its items)."""
        if self.kind is dict:
            return dict(zip(self.keys, self.items))
        return self.kind(self.items) if self.kind in (list, tuple) else self.items[0]


def statics(named, defaults):
    """``((parameter, Static), ...)`` for the arguments of a call (``named``: parameter ->
    value) that hold function values, or the default that is a function (``defaults``)."""
    return tuple((p, Static(v)) for p, v in named.items() if is_static(v) or (p in defaults and v is defaults[p]))


# -- items of containers of functions ------------------------------------------------------


def literal_index(node):
    """Is ``node`` a subscript by a literal integer or string (``FNS[1]``, ``ACTS["relu"]``)?"""
    if not isinstance(node, ast.Subscript) or not isinstance(node.slice, ast.Constant):
        return False
    key = node.slice.value
    return isinstance(key, str) or (isinstance(key, int) and not isinstance(key, bool))


def item(container, key):
    """The function ``container[key]`` holds, or None (not a list, tuple or dict of the
    user's, no such item, or not a function there)."""
    if type(container) not in (list, tuple, dict):
        return None
    try:
        value = container[key]
    except (IndexError, KeyError, TypeError):
        return None
    return value if is_function(value) else None


# -- the function's own parameters, when no call shows them ----------------------------------


def unresolved(func, parameters):
    """``(code, message)`` for a callee ``func`` no pass resolved: AD223 where it is (an item
    of) a parameter of the differentiated function (``parameters``), known only when it is
    called, else AD202."""
    root = func
    while isinstance(root, ast.Subscript):
        root = root.value
    if isinstance(root, ast.Name) and root.id in parameters:
        return "AD223", f"`{ast.unparse(func)}` calls a function held by the parameter `{root.id}`, which is known only when the function is called"
    return "AD202", f"cannot tell statically which function `{ast.unparse(func)}` is"
