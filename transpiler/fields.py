"""Attribute reads of objects whose attributes are parameters: ``p.W``, ``layer.b``,
``params.layers[0].W``, ``getattr(p, "W")``.

An object (a dataclass instance, a namedtuple, an object with a ``__dict__``) is
a container whose items are read by name, so ``p.W`` on a differentiated ``p`` is
differentiated as the subscript ``p["W"]`` is: through the rule of
``operator.getitem``, whose cotangent ``scatter(g, p, "W")`` is an adjoint of
``p``'s structure (``adgen.runtime.trees``: a namedtuple's field goes to its
position, so ``p.W``, ``p[0]`` and ``W, b = p`` add up). The forward pass
keeps the attribute read as written.

An attribute named like an array's (``x.T``, ``x.real``, ``x.shape``), or
read from a value known to be an array, is the array's; the gradient of an object that holds a differentiated attribute of
such a name is refused when it runs (AD416), never given a wrong value.
"""

import ast
import builtins
import operator

from adgen.runtime import trees


def of_object(rev, node):
    """Is ``node``, ``v.name`` read (not called) from a differentiated ``v``, an object's
    attribute? It is unless ``v`` is statically an array or a number (its shape is known),
    or ``name`` is one adgen reads as an array's (``trees.array_names``: ``x.T``,
    ``x.shape``); an array's method not called (``d.mean``, ``d.std``) is a field."""
    return rev.shapes.of(node.value) is None and node.attr not in trees.array_names()


def read(rev, node):
    """``(template, args, keywords, rebuild)`` for ``node``, an object's attribute ``v.name``
    (``of_object``): the subscript ``v["name"]`` (``Reverser.operation``)."""

    def rebuild(args, keywords):
        return ast.copy_location(ast.Attribute(value=args[0], attr=node.attr, ctx=ast.Load()), node)

    name = ast.copy_location(ast.Constant(node.attr), node)
    return rev.rule_for(operator.getitem, node, [node.value, name], [], rebuild, f"the attribute .{node.attr}")


def literal_getattr(call):
    """Is ``call`` ``getattr(v, "name")``, with the name written out (``check.py`` refuses
    other calls of ``getattr``: what they read is known only when they run)?"""
    args = call.args
    return len(args) == 2 and not call.keywords and isinstance(args[1], ast.Constant) and type(args[1].value) is str


def by_name(fn, call):
    """``operator.getitem`` for ``getattr(v, "name")`` (the same read as ``v.name``), else ``fn``."""
    return operator.getitem if fn is builtins.getattr and literal_getattr(call) else fn
