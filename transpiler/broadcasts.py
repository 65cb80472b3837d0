"""What the shapes already say, used in the backward pass.

``drop_expands``: what broadcasting does by itself, ``_rt.expand(g, S)`` left out of
the backward where an elementwise operation broadcasts ``g`` to the shape ``S`` anyway.

The rule of a sum hands back its cotangent broadcast to the summed array's shape,
``_rt.expand(_dans, (64, 10))``; the product it then meets, ``... * Y`` with ``Y`` of
shape ``(64, 10)``, would broadcast ``_dans`` just the same. In an elementwise
expression (``+ - * /``, unary signs, ``_rt.over`` and ``_rt.times``, whose results
broadcast all their operands) the expansion goes when another operand of the same
expression is known to have the shape ``S`` itself: the result keeps its shape (that
operand fixes it, and ``g`` broadcasts to ``S``, or the expansion would have failed),
and each entry is computed from the same values. A temporary ``_g1 = _rt.expand(g, S)``
becomes ``_g1 = g`` when every read of it is such an operand.

Shapes come from ``shapes.Shapes`` (the user's names) and from the forward
temporaries' values; anything unknown keeps its expansion.

``shapes_of_operands``: ``np.shape(_t6)`` of a forward temporary ``_t6 = np.log(_t5)``
reads ``np.shape(_t5)`` instead (an elementwise function keeps its operand's shape),
so that ``_t6`` need not be kept for the backward only to ask its shape.
"""

import ast

from adgen.syntax import Transformer, path_of, walk
from adgen.syntax import kind_of as _tag
from adgen.syntax import target as _target

ELEMENTWISE_CALLS = ("_rt.over", "_rt.times")  # broadcast all their arguments (``runtime/singular.py``)
ELEMENTWISE_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)


def known_shapes(forward, shapes):
    """Name -> shape for the names the forward pass binds (its temporaries too) with a
    value of a statically known shape, one for every binding (``shapes.Shapes``)."""
    found = {}
    for node in walk(ast.Module(body=forward, type_ignores=[])):
        if isinstance(node, ast.Assign):
            for lhs in node.targets:
                for name in (n.id for n in walk(lhs) if isinstance(n, ast.Name)):
                    if name in shapes.names:  # the user's: one shape for all its values, or None
                        shape = shapes.names[name]
                    else:  # a temporary the reversal made: the shape of what it holds
                        shape = shapes.of(node.value) if isinstance(lhs, ast.Name) else None
                    found[name] = shape if found.get(name, shape) == shape else None
    return {name: shape for name, shape in found.items() if shape is not None}


def drop_expands(backward, forward, shapes):
    """``backward`` without the expansions an elementwise operation makes anyway, by the
    shapes ``shapes`` (``shapes.Shapes``) knows and those of ``forward``'s temporaries."""
    nodes = list(walk(ast.Module(body=backward, type_ignores=[])))
    bound, reads = {}, {}
    for node in nodes:
        if isinstance(node, ast.Name):
            counts = reads if type(node.ctx) is ast.Load else bound
            counts[node.id] = counts.get(node.id, 0) + 1
    # temporaries bound once: each read sees the expansion
    temps = {_target(s): s for s in nodes if _is_expand_temp(s) and bound[_target(s)] == 1}
    spared = _Spare(known_shapes(forward, shapes), shapes, temps)
    backward = [spared.visit(s) for s in backward]
    for name, stmt in temps.items():
        if reads.get(name) and spared.spared.get(name, 0) == reads[name]:
            stmt.value = stmt.value.args[0]  # every read is broadcast to the shape anyway
    return backward


def _expanded(node):
    """``(g, S)`` for ``_rt.expand(g, S)`` that is ``g`` broadcast to the literal shape
    ``S`` (also ``_rt.expand(g, S, axis, True)``: kept dimensions broadcast alike)."""
    if not (isinstance(node, ast.Call) and path_of(node.func) == "_rt.expand" and not node.keywords):
        return None
    args = node.args
    shape = _literal_shape(args[1]) if len(args) in (2, 4) else None
    if shape is None or (len(args) == 4 and not (isinstance(args[3], ast.Constant) and args[3].value is True)):
        return None
    return args[0], shape


def _literal_shape(node):
    """The shape a node spells with literal ints (``(64, 10)``), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, tuple):
        return node.value
    if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) and type(e.value) is int for e in node.elts):
        return tuple(e.value for e in node.elts)
    return None


def _is_expand_temp(stmt):
    return _tag(stmt)[0] == "set" and _target(stmt) is not None and _expanded(stmt.value) is not None


def _elementwise(node):
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, ELEMENTWISE_OPS)
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, (ast.USub, ast.UAdd))
    return isinstance(node, ast.Call) and path_of(node.func) in ELEMENTWISE_CALLS and not node.keywords


class _Spare(Transformer):
    """Leaves out the expansions in each largest elementwise expression that holds an
    operand of a known shape; counts, per expansion temporary, the reads it spares."""

    def __init__(self, known, shapes, temps):
        self.known, self.shapes, self.temps, self.spared = known, shapes, temps, {}

    def shape(self, leaf):
        """The shape of an operand (None: not known)."""
        if isinstance(leaf, ast.Name) and leaf.id in self.known:
            return self.known[leaf.id]
        return None if _expanded(leaf) is not None else self.shapes.of(leaf)

    def generic_visit(self, node):
        if _elementwise(node):
            return self._expression(node)
        return super().generic_visit(node)

    def _expression(self, root):
        leaves = []  # (parent, field, index or None, leaf)
        self._leaves(root, leaves)
        for parent, field, index, leaf in leaves:  # the leaves' own expressions first
            new = self.visit(leaf)
            _put(parent, field, index, new)
        leaves = []
        self._leaves(root, leaves)
        full = {self.shape(leaf) for *_, leaf in leaves} - {None}
        for parent, field, index, leaf in leaves:
            expanded = _expanded(leaf)
            if expanded is not None and expanded[1] in full:
                _put(parent, field, index, expanded[0])
            elif isinstance(leaf, ast.Name) and leaf.id in self.temps and _expanded(self.temps[leaf.id].value)[1] in full:
                self.spared[leaf.id] = self.spared.get(leaf.id, 0) + 1
        return root

    def _leaves(self, node, out):
        if isinstance(node, ast.BinOp):
            fields = [("left", None), ("right", None)]
        elif isinstance(node, ast.UnaryOp):
            fields = [("operand", None)]
        else:
            fields = [("args", k) for k in range(len(node.args))]
        for field, index in fields:
            child = getattr(node, field) if index is None else getattr(node, field)[index]
            if _elementwise(child):
                self._leaves(child, out)
            else:
                out.append((node, field, index, child))


def _put(parent, field, index, value):
    if index is None:
        setattr(parent, field, value)
    else:
        getattr(parent, field)[index] = value


def shapes_of_operands(forward, backward, params, shapes):
    """``backward`` with ``np.shape(t)`` reading the shape of the operand whose shape a
    forward temporary ``t`` has (``shapes.Shapes.root``), where both hold one value for
    the whole function: ``t`` bound once, at the top of the forward pass (not in a loop
    or branch), and the operand a parameter never rebound or a name bound once."""
    everything = ast.Module(body=forward + backward, type_ignores=[])
    bound = {}
    for node in walk(everything):
        if isinstance(node, ast.Name) and type(node.ctx) is ast.Store:
            bound[node.id] = bound.get(node.id, 0) + 1
    roots = {}
    for stmt in forward:
        name = stmt.targets[0].id if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name) else None
        if name is None or bound.get(name) != 1 or name in params:
            continue
        root = shapes.root(stmt.value)
        if isinstance(root, ast.Name) and root.id != name and bound.get(root.id, 0) == (0 if root.id in params else 1):
            roots[name] = root.id
    for node in walk(ast.Module(body=backward, type_ignores=[])):
        if isinstance(node, ast.Call) and path_of(node.func) == "np.shape" and len(node.args) == 1:
            arg = node.args[0]
            if isinstance(arg, ast.Name) and arg.id in roots:
                node.args[0] = ast.Name(id=roots[arg.id], ctx=ast.Load())
    return backward
