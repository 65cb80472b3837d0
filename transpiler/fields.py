"""Objects whose attributes are parameters: attribute reads ``p.W``, ``layer.b``,
``params.layers[0].W``, ``getattr(p, "W")``, and objects built from
differentiated values, ``Layer(W, b)``.

An object (a dataclass instance, a namedtuple, an object with a ``__dict__``) is
a container whose items are read by name, so ``p.W`` on a differentiated ``p`` is
differentiated as the subscript ``p["W"]`` is: through the rule of
``operator.getitem``, whose cotangent ``scatter(g, p, "W")`` is an adjoint of
``p``'s structure (``adgen.runtime.container_adjoints``: a namedtuple's field goes to its
position, so ``p.W``, ``p[0]`` and ``W, b = p`` add up). The forward pass
keeps the attribute read as written.

A namedtuple or a dataclass whose ``__init__`` only stores its arguments (the
one ``dataclass`` writes, without ``__post_init__``) built from differentiated
values is a container display, as ``(W, b)`` or ``{"W": W, "b": b}`` is: each
argument's cotangent is its field's part of the object's adjoint. So is an object
of a class whose ``__init__`` stores its differentiated parameters as they are
(``self.W = W``; ``constructed.stored_parameters``), whatever else it stores.

An attribute named like an array's (``x.T``, ``x.real``, ``x.shape``), or read
from a value known to be an array, is the array's; the gradient of an object
that holds a differentiated attribute of such a name is refused when it runs
(AD416), never given a wrong value.
"""

import ast
import builtins
import dataclasses
import inspect
import operator

from adgen import constructed
from adgen.runtime import container_adjoints


def of_object(rev, node):
    """Is ``node``, ``v.name`` read (not called) from a differentiated ``v``, an object's
    attribute? It is unless ``v`` is statically an array or a number (its shape is known),
    or ``name`` is one adgen reads as an array's (``container_adjoints.array_names``: ``x.T``,
    ``x.shape``); an array's method not called (``d.mean``, ``d.std``) is a field."""
    return rev.shapes.of(node.value) is None and node.attr not in container_adjoints.array_names()


def read(rev, node):
    """``(template, args, keywords, rebuild)`` for ``node``, an object's attribute ``v.name``
    (``of_object``): the subscript ``v["name"]`` (``Reverser.operation``)."""

    def rebuild(args, keywords):
        return ast.copy_location(ast.Attribute(value=args[0], attr=node.attr, ctx=ast.Load()), node)

    name = ast.copy_location(ast.Constant(node.attr), node)
    return rev.rule_for(operator.getitem, node, [node.value, name], [], rebuild, f"the attribute .{node.attr}")


def literal_getattr(call):
    """Is ``call`` ``getattr(v, "name")``, with the name written out (``subset.py`` refuses
    other calls of ``getattr``: what they read is known only when they run)?"""
    args = call.args
    named = isinstance(call.func, ast.Name) and call.func.id == "getattr"
    return named and len(args) == 2 and not call.keywords and isinstance(args[1], ast.Constant) and type(args[1].value) is str


def as_attribute(fn, call):
    """``v.name`` for ``call``, ``getattr(v, "name")`` (``fn``: what it calls), which reads the
    same; else None."""
    if fn is not builtins.getattr or not literal_getattr(call):
        return None
    return ast.copy_location(ast.Attribute(value=call.args[0], attr=call.args[1].value, ctx=ast.Load()), call)


def construct(rev, node, fwd):
    """``(forward expression, Op)`` for ``node``, a call that builds a namedtuple or a plain
    dataclass (``plain_class``) from differentiated values, else ``None``: lowered as the
    dict display ``{field: argument}`` (a namedtuple's fields by position), whose
    cotangents are the fields' parts of the object's adjoint."""
    if not isinstance(node, ast.Call) or any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return None
    ok, cls = rev.resolver.value_of(node.func, record=False)
    stored = constructed.stored_parameters(cls, rev.resolver.src.baked) if ok and not plain_class(cls) else None
    if not ok or not (plain_class(cls) or stored):
        return None
    rev.resolver.value_of(node.func)  # recorded: another class there makes the gradient again
    params = list(inspect.signature(cls).parameters)
    named = params[: len(node.args)] + [k.arg for k in node.keywords]
    if len(node.args) > len(params) or not set(named) <= set(params) or len(set(named)) < len(named):
        return None  # a call Python refuses when it runs
    given = node.args + [k.value for k in node.keywords]
    if stored is not None:  # __init__ stores these parameters as they are: ``self.W = W``
        if any(n not in stored and rev.activity.expr_active(v) for n, v in zip(named, given)):
            return None  # a differentiated value __init__ computes with: no rule (AD201)
        keys = [stored.get(n) for n in named]
    else:
        keys = [cls._fields.index(n) if issubclass(cls, tuple) else n for n in named]
    kept = [k for k in range(len(given)) if keys[k] is not None]
    holder = ast.Dict(keys=[ast.copy_location(ast.Constant(keys[k]), node) for k in kept], values=[given[k] for k in kept])
    lowered, op = rev.lower_seq(ast.copy_location(holder, node), fwd)
    values = list(given)
    for k, v in zip(kept, lowered.values):
        values[k] = v
    keywords = [ast.keyword(arg=k.arg, value=v) for k, v in zip(node.keywords, values[len(node.args) :])]
    return ast.copy_location(ast.Call(func=node.func, args=values[: len(node.args)], keywords=keywords), node), op


def plain_class(cls):
    """Does calling ``cls`` only store its arguments as the object's fields: a namedtuple
    class (``collections.namedtuple``, ``typing.NamedTuple``) or a dataclass with the
    ``__init__`` that ``dataclass`` writes, whose parameters are its fields (no
    ``InitVar``), no ``__post_init__``, and no ``__new__`` of its own (nor any class
    between it and the one that made it)?"""
    if not isinstance(cls, type):
        return False
    if issubclass(cls, tuple):
        maker = next((c for c in cls.__mro__ if "_make" in c.__dict__ and "_fields" in c.__dict__), None)
    elif dataclasses.is_dataclass(cls) and cls.__dataclass_params__.init and not hasattr(cls, "__post_init__"):
        maker = next(c for c in cls.__mro__ if "__dataclass_fields__" in c.__dict__)
        written = getattr(cls.__init__, "__code__", None)  # dataclass compiles it from a string
        if written is None or written.co_filename != "<string>" or maker.__dict__.get("__init__") is not cls.__init__:
            return False
        if list(inspect.signature(cls).parameters) != [f.name for f in dataclasses.fields(cls) if f.init]:
            return False
    else:
        return False
    for c in cls.__mro__ if maker is not None else ():
        if c is maker:
            return issubclass(cls, tuple) or "__new__" not in c.__dict__  # a namedtuple's is its own
        if "__new__" in c.__dict__ or "__init__" in c.__dict__:
            return False
    return False
