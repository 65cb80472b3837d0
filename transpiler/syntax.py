"""Building and recognising the statements and expressions of generated code: the
small constructors every pass uses (``load``, ``assign``, ``rt_call``), the tags
the optimiser reads, and the recognisers of cheap expressions and of calls that read
an argument only for its shape."""

import ast
import operator
from collections import deque

from adgen.marks import mark, marks

# the functions Python calls for each operator
BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.MatMult: operator.matmul,
    ast.Mod: operator.mod,
    ast.FloorDiv: operator.floordiv,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
}
UNARYOPS = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_, ast.Invert: operator.invert}


def clone(node, replace=None, moved=()):
    """A deep copy of an AST (or a list of them), each node's ``marks.Mark`` included;
    several times faster than ``copy.deepcopy``, which the transform would otherwise spend
    most of its time in. Immutable leaves (a ``Mark`` among them) are shared; lists, sets
    and dicts are copied.
    ``replace``: name -> expression; each such name becomes a copy of its expression, or,
    for names in ``moved`` (which the caller knows occur once), the expression itself."""
    if isinstance(node, ast.AST):
        if replace is not None and type(node) is ast.Name and node.id in replace:
            return replace[node.id] if node.id in moved else clone(replace[node.id])
        new = type(node).__new__(type(node))
        fields = new.__dict__
        for key, value in node.__dict__.items():
            fields[key] = clone(value, replace, moved)
        return new
    if isinstance(node, list):
        return [clone(x, replace, moved) for x in node]
    if isinstance(node, tuple):
        return tuple(clone(x, replace, moved) for x in node)
    if isinstance(node, (set, frozenset)):
        return type(node)(clone(x, replace, moved) for x in node)
    if isinstance(node, dict):
        return {k: clone(v, replace, moved) for k, v in node.items()}
    return node


def same(a, b):
    """Do two trees read the same (``ast.dump(a) == ast.dump(b)``, without printing them)?"""
    if type(a) is not type(b):
        return False
    if isinstance(a, ast.AST):
        return all(same(getattr(a, f, None), getattr(b, f, None)) for f in a._fields)
    if type(a) is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


# fields that hold strings, numbers or flags, never a node
_LEAVES = {"id", "attr", "arg", "kind", "type_comment", "name", "module", "level", "is_async", "conversion"}
_CHILD_FIELDS = {}  # node class -> the fields that may hold nodes


def _child_fields(cls):
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        fields = _CHILD_FIELDS[cls] = tuple(f for f in getattr(cls, "_fields", ()) if f not in _LEAVES)
    return fields


def children(node):
    """``ast.iter_child_nodes``, as a list, faster."""
    found = []
    for field in _child_fields(type(node)):
        value = getattr(node, field, None)
        if type(value) is list:
            found.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            found.append(value)
    return found


def walk(node):
    """``ast.walk``, in the same order, about twice as fast: the passes walk the
    generated code over and over, and this is where a transform spends much of its time."""
    todo = deque([node])
    while todo:
        node = todo.popleft()
        for field in _child_fields(type(node)):
            value = getattr(node, field, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        todo.append(item)
            elif isinstance(value, ast.AST):
                todo.append(value)
        yield node


class Transformer(ast.NodeTransformer):
    """``ast.NodeTransformer`` with the same contract, about twice as fast: visitor
    methods are looked up once per node class, and lists are rewritten in place."""

    def visit(self, node):
        cls = type(self)
        table = cls.__dict__.get("_methods")
        if table is None:
            table = cls._methods = {}
        method = table.get(type(node))
        if method is None:
            method = table[type(node)] = getattr(cls, "visit_" + type(node).__name__, cls.generic_visit)
        return method(self, node)

    def generic_visit(self, node):
        for field in node._fields:
            old = getattr(node, field, None)
            if type(old) is list:
                new = []
                for item in old:
                    if isinstance(item, ast.AST):
                        item = self.visit(item)
                        if item is None:
                            continue
                        if not isinstance(item, ast.AST):
                            new.extend(item)
                            continue
                    new.append(item)
                old[:] = new
            elif isinstance(old, ast.AST):
                value = self.visit(old)
                if value is None:
                    delattr(node, field)
                elif value is not old:
                    setattr(node, field, value)
        return node


def statements(body):
    """Every statement of ``body`` and of the blocks nested in it (``if``, loops,
    ``try``...), without looking into expressions."""
    for stmt in body:
        yield stmt
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(stmt, field, None)
            if type(inner) is list:
                yield from statements(inner)


_NAME_FIELDS = {}  # node class -> the fields that may hold names (not contexts, operators, Global's strings)


def _name_fields(cls):
    fields = _NAME_FIELDS.get(cls)
    if fields is None:
        fields = _NAME_FIELDS[cls] = tuple(f for f in _child_fields(cls) if f not in ("ctx", "op", "ops"))
    return fields


def name_nodes(node):
    """Every ``ast.Name`` in ``node`` (an AST or a list of them), in no promised order:
    the names a pass looks at, found several times faster than through ``ast.walk``."""
    found = []
    stack = list(node) if isinstance(node, list) else [node]
    while stack:
        n = stack.pop()
        if type(n) is ast.Name:
            found.append(n)
            continue
        for field in _name_fields(type(n)):
            value = getattr(n, field, None)
            if type(value) is list:
                stack.extend(value)  # None and strings among them have no fields
            elif isinstance(value, ast.AST):
                stack.append(value)
    return found


def names_in(node, ctx=None):
    """The ids of the names in ``node`` (an AST or a list of them); ``ctx``: only those
    read (``ast.Load``) or only those bound (``ast.Store``)."""
    if ctx is None:
        return {n.id for n in name_nodes(node)}
    return {n.id for n in name_nodes(node) if type(n.ctx) is ctx}


def path_of(node):
    """``"np.linalg.norm"`` for a dotted name (``Name`` or ``Attribute`` chain), else None;
    much cheaper than ``ast.unparse`` for telling which function a call names."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))

def at(new, old):
    """``new`` placed at ``old``'s position (its missing locations filled in)."""
    return ast.fix_missing_locations(ast.copy_location(new, old))


NOT_LITERAL = object()  # what ``literal`` gives for a node that is not one


def literal(node, default=NOT_LITERAL):
    """The value of ``node`` when it is a literal (``3``, ``-1.0``, ``(2, 3)``, ``None``), else ``default``."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return default


def is_literal(node):
    return literal(node) is not NOT_LITERAL


def literal_int(node):
    """The value of an int literal (``3``, ``-1``; not ``True``), else None."""
    value = literal(node) if node is not None else None
    return value if type(value) is int else None


def dotted(path):
    """The expression ``a.b.c`` for the path ``"a.b.c"``."""
    parts = path.split(".")
    node = ast.Name(id=parts[0], ctx=ast.Load())
    for part in parts[1:]:
        node = ast.Attribute(value=node, attr=part, ctx=ast.Load())
    return node


# What a generated statement is, for the passes that clean the gradient up (``optimize``,
# ``zeros``, ``debug``, ``inplace``): ``tag`` marks it, ``kind_of`` reads the mark (the
# ``kind`` and ``via`` of its ``marks.Mark``, which copies of it keep). The user's
# statements have none.
KINDS = {
    "accum": "adds a contribution to an adjoint: _dx = _dx + e",
    "set": "assigns an adjoint or a cotangent temporary: _g1 = e",
    "zero": "resets an adjoint: _dy = 0.0",
    "init": "an adjoint's zero start, where zeros.fold_zeros needs one",
    "save": "keeps a value the forward overwrites: _y0 = y",
    "restore": "puts a kept value back in the backward: y = _y0",
    "pop": "takes a recorded value off the tape: y = _tape.pop()",
    "undo": "puts back the entries an in-place store overwrote: a[i] = _t1",
    "comment": "stands for a comment: # line 5: y = y * x",
}


def tag(stmt, kind, via):
    """Mark ``stmt`` as a generated statement of ``kind`` (``KINDS``); ``via``: the
    cotangent (or tuple of them) it computes from, else None."""
    assert kind in KINDS, kind
    return mark(stmt, kind=kind, via=via)


def kind_of(stmt):
    """``(kind, via)`` of a statement ``tag`` marked, else ``(None, None)``."""
    found = marks(stmt)
    return found.kind, found.via


def comment(text):
    """A statement standing for the comment ``# text`` (``emit`` prints it as one)."""
    return tag(ast.Expr(value=ast.Call(func=load("__comment__"), args=[ast.Constant(text)], keywords=[])), "comment", None)


def assign(name, value, where=None):
    stmt = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=value, lineno=0)
    return ast.copy_location(stmt, where) if where is not None else stmt


def target(stmt):
    """The name an assignment to one name binds, else None."""
    if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    return None


def targets(stmt):
    """The names an assignment binds (``_g1, _dy = ...`` binds two)."""
    if not isinstance(stmt, ast.Assign):
        return set()
    lhs = stmt.targets[0]
    return {e.id for e in (lhs.elts if isinstance(lhs, ast.Tuple) else [lhs]) if isinstance(e, ast.Name)}


def load(name):
    return ast.Name(id=name, ctx=ast.Load())


def as_result(name):
    """A read of a statement's new value (its ``ans``), told apart from operand reads."""
    return mark(load(name), ans=True)


def is_atomic(node):
    """Cheap to evaluate again in the backward pass: names, constants, and calls-free
    arithmetic on them (index expressions such as ``i + 1`` or ``1:n``)."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.Attribute):
        return is_atomic(node.value) and not marks(node).active
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(is_atomic(e) for e in node.elts)
    if isinstance(node, ast.Slice):
        return all(p is None or is_atomic(p) for p in (node.lower, node.upper, node.step))
    if isinstance(node, (ast.UnaryOp, ast.BinOp)) and not marks(node).active:
        return all(is_atomic(c) for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr))
    return False


CHEAP_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub)


def recomputable(node, budget=2):
    """Cheaper to compute again in the backward pass than to record: at most ``budget``
    additions, subtractions, multiplications, divisions, negations or subscripts of names
    and numbers (``k * (r - L)``, ``x[t]``)."""
    return _op_count(node) <= budget


def _op_count(node):
    if isinstance(node, (ast.Name, ast.Constant)):
        return 0
    if isinstance(node, ast.BinOp) and isinstance(node.op, CHEAP_OPS):
        return 1 + _op_count(node.left) + _op_count(node.right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, CHEAP_OPS):
        return 1 + _op_count(node.operand)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and is_atomic(node.slice):
        return 1  # x[t]: a view, or a small copy
    return 99


# calls of generated code that read one argument only for its shape: position of that argument
SHAPE_READS = {"_rt.unbroadcast": 1, "np.shape": 0}


# ... only for its shape and dtype (the layout records the whole value for these)
FORM_READS = {"_rt.scatter": 1, "_rt.cut_at": 1, "_rt.zero_at": 1, "_rt.take_at": 1}


_FORM_OR_SHAPE_READS = {**SHAPE_READS, **FORM_READS}


def shape_operand(call, reads=SHAPE_READS):
    """The name whose shape alone ``call`` needs (``_rt.unbroadcast(g, v)``,
    ``np.shape(v)``), or ``None``; ``reads``: the table of such calls."""
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
        return None
    arg = reads.get(path_of(call.func))
    if arg is None or len(call.args) <= arg or not isinstance(call.args[arg], ast.Name):
        return None
    return call.args[arg]


def form_operand(call):
    """The name ``call`` reads only for its shape and dtype, or ``None``."""
    return shape_operand(call, _FORM_OR_SHAPE_READS)


def value_names(exprs):
    """The ids of the names ``exprs`` read for their values: all but the argument of
    ``np.shape(...)``."""
    found, shaped = set(), set()
    for expr in exprs:
        for n in walk(expr):  # a call comes before its arguments
            if type(n) is ast.Name:
                if id(n) not in shaped:
                    found.add(n.id)
            elif type(n) is ast.Call and n.args and path_of(n.func) == "np.shape":
                shaped.add(id(n.args[0]))
    return found


def is_simple(node):
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return isinstance(node.operand, ast.Name)
    if isinstance(node, ast.Tuple):
        return all(is_simple(e) for e in node.elts)
    return isinstance(node, ast.Subscript) and is_simple(node.value) and isinstance(node.slice, ast.Constant)


def call(func, *args):
    """``func(*args)``; ``func`` may be a dotted path (``np.shape``)."""
    return ast.Call(func=dotted(func), args=list(args), keywords=[])


def rt_call(attr, *args):
    """``_rt.attr(*args)``: a call to the runtime."""
    return call(f"_rt.{attr}", *args)


def is_unbroadcast(expr):
    return isinstance(expr, ast.Call) and path_of(expr.func) == "_rt.unbroadcast"


def is_int_constant(node):
    return isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool)


def index_value(expr):
    """Slices are only syntax inside brackets: pass ``1:3`` to a rule as ``np.s_[1:3]``."""
    has_slice = isinstance(expr, ast.Slice) or (
        isinstance(expr, ast.Tuple) and any(isinstance(e, ast.Slice) for e in expr.elts)
    )
    if has_slice:
        return ast.Subscript(value=dotted("np.s_"), slice=expr, ctx=ast.Load())
    return expr
