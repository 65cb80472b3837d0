"""Shifts that cannot change the result: the maximum subtracted for numerical stability.

A stable softmax or log-sum-exp subtracts each row's maximum ``c`` before ``np.exp``
and adds it back, or divides it out: ``z = x - c; z - np.log(np.sum(np.exp(z), axis=1,
keepdims=True))``; a soft minimum of numbers subtracts their minimum,
``m - g * np.log(np.exp(-(a - m) / g) + np.exp(-(b - m) / g))`` with
``m = np.minimum(a, b)``. The result does not depend on ``c`` at all, so the cotangent that
reaches ``c`` is zero, mathematically; reverse mode would still compute it (the entries
equal to the maximum, a sum, a division: a pass over the array that adds rounding
noise). This module proves, for each such ``c``, that the result is independent of it;
the activity analysis then treats ``c`` as a value that carries no derivative, as a
hand-written gradient does (and as JAX's ``logsumexp`` does by stopping the gradient at
its maximum).

The proof follows the straight-line code after ``c`` and gives each value that reads
``c`` a form in which ``c`` appears:

- ``("add", k, layout)``: ``u + k * c`` with ``u`` independent of ``c``;
- ``("mul", k, layout)``: ``u * exp(k * c)``;

where ``k`` is a number times a product of powers of numbers the function does not
change after ``c`` (``-1 / g``, so that ``g * (-1 / g)`` is ``-1``), and ``layout`` says where ``c``'s entries lie: for each axis of the value (counted
from the last, as broadcasting aligns them), the axis of ``c`` it runs along, or None
where the ``c`` part is constant along it. ``exp`` turns the first form into the second
and ``log`` back; sums, means and extrema over axes along which the ``c`` part is
constant keep the form; two forms combine only with the same layout; ``k = 0`` is
independent of ``c``. Anything else that reads ``c``, or any other statement that reads
a value that does (a store, a loop, a branch, a call of a function of yours), abandons
the proof, as does an axis whose place is not known. In a loop's body, a value that
depends on ``c`` must be read only later in the same pass through the body. So a
proof is only made of arithmetic it fully understands; where it fails, ``c`` is
differentiated as before.
"""

import ast
import math

import numpy as np

from adgen import runtime
from adgen.syntax import names_in, walk

ONE = (1.0, ())  # k: a number, and the names it is multiplied by, with their powers
ZERO = ("add", (0.0, ()), ())  # independent of c

_EXTREMA = {np.max, np.amax, np.min, np.amin}
_PAIRWISE = {np.minimum, np.maximum, np.fmin, np.fmax, min, max}
_SUMS = {np.sum, np.mean}
_METHODS = {"max": "extremum", "min": "extremum", "sum": "sum", "mean": "sum"}
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def irrelevant(body, result, shapes, resolver):
    """The ids of the calls (``np.max``, ``np.min``, ``x.max()``, ``np.minimum``, ...)
    whose value cannot change the function's result ``result`` (a name)."""
    proof = _Proof(shapes, resolver, body)
    found = set()
    for block in _blocks(body):
        for k, stmt in enumerate(block):
            if not _assigns_a_name(stmt):
                continue
            for node in walk(stmt.value):
                layout = proof.root_layout(node) if isinstance(node, ast.Call) else None
                if layout is not None and proof.independent(block[k:], node, layout, result if block is body else None):
                    found.add(id(node))
    return found


def _blocks(body):
    """``body`` and every block of statements inside it (not in functions defined there)."""
    todo = [body]
    while todo:
        block = todo.pop()
        yield block
        for stmt in block:
            if not isinstance(stmt, _SCOPES):
                todo.extend(getattr(stmt, field) for field in ("body", "orelse", "finalbody") if isinstance(getattr(stmt, field, None), list))


class _Proof:
    def __init__(self, shapes, resolver, body):
        self.shapes = shapes
        self.resolver = resolver
        self.body = body
        self._loads = None  # name -> its loads in the function, found once a proof needs them
        self.root = None  # (the call whose independence is being proved, its form)
        self.factors = set()  # the names the forms' k are multiplied by

    @property
    def loads(self):
        """Name -> its loads in the function: ``(the load, inside a function defined there?)``.
        Found on the first proof that gets this far: most functions have no shift to prove."""
        if self._loads is None:
            self._loads = {}
            todo = [(s, False) for s in self.body]
            while todo:
                node, inner = todo.pop()
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                    self._loads.setdefault(node.id, []).append((node, inner))
                todo.extend((child, inner or isinstance(node, _SCOPES)) for child in ast.iter_child_nodes(node))
        return self._loads

    def _ndim(self, node):
        shape = self.shapes.of(node)
        return len(shape) if isinstance(shape, tuple) else None

    def _function(self, call):
        """``(kind, operand, method)`` of a call: kind "extremum", "pairwise", "sum",
        "exp", "log" or None; ``method``: called as a method of the operand (``x.max()``)."""
        func = call.func
        ok, fn = self.resolver.value_of(func, record=False)
        if not ok:
            if isinstance(func, ast.Attribute) and func.attr in _METHODS:  # an array's (the root's operand has a known shape; others read c)
                return _METHODS[func.attr], func.value, True
            return None, None, False
        if not call.args:
            return None, None, False
        if any(fn is f for f in _EXTREMA):
            return "extremum", call.args[0], False
        if any(fn is f for f in _PAIRWISE):
            return "pairwise", None, False
        if any(fn is f for f in _SUMS):
            return "sum", call.args[0], False
        if any(fn is f for f in (np.exp, np.log, math.exp, math.log)) and len(call.args) == 1 and not call.keywords:
            return fn.__name__, call.args[0], False
        if fn is runtime.over and len(call.args) in (2, 3) and not call.keywords:  # a tangent module's division
            return "over", None, False
        return None, None, False

    def _reduced(self, call, operand, method):
        """``(axes reduced, counted from the last, or None for all; keepdims)`` of a
        reduction call, or None when its arguments are not literal or an axis cannot be
        placed."""
        if call.args[0 if method else 1 :]:
            return None
        options = {kw.arg: kw.value for kw in call.keywords}
        if not set(options) <= {"axis", "keepdims"}:
            return None
        keep = options.get("keepdims")
        if keep is not None and not (isinstance(keep, ast.Constant) and type(keep.value) is bool):
            return None
        keepdims = keep is not None and keep.value
        axis = options.get("axis")
        if axis is None or (isinstance(axis, ast.Constant) and axis.value is None):
            return None, keepdims
        items = [_number(i) for i in (axis.elts if isinstance(axis, ast.Tuple) else [axis])]
        if not all(i is not None and i == int(i) for i in items):
            return None
        items = [int(i) for i in items]
        ndim = self._ndim(operand)
        if ndim is None:
            return (frozenset(items), keepdims) if all(i < 0 for i in items) else None
        if not all(-ndim <= i < ndim for i in items):
            return None
        return frozenset(i - ndim if i >= 0 else i for i in items), keepdims

    def root_layout(self, call):
        """The layout of the value of a ``max``/``min`` reduction or an elementwise
        ``np.minimum``/``np.maximum`` (the ``c`` of the module's docstring), or None for
        any other call or one whose shape is not known."""
        kind, operand, method = self._function(call)
        if kind == "pairwise":
            shape = self.shapes.of(call)
            return tuple(range(len(shape))) if isinstance(shape, tuple) and not call.keywords else None
        if kind != "extremum":
            return None
        reduced = self._reduced(call, operand, method)
        ndim = self._ndim(operand)
        if reduced is None or ndim is None:
            return None
        axes, keepdims = reduced
        if axes is None:
            return ()
        if keepdims:
            return _stripped(tuple(None if a in axes else a + ndim for a in range(-ndim, 0)))
        return tuple(a + ndim for a in range(-ndim, 0) if a not in axes)

    def independent(self, statements, root, layout, result):
        """Does the result not depend on the value of the call ``root`` (of form
        ``("add", 1, layout)``), found in the first of ``statements``? They run in order:
        a name assigned again takes its new form. ``result``: the function's result
        name, where ``statements`` end its body; else they end a loop's or a branch's,
        and what depends on ``c`` may be read only later in them."""
        self.root, self.factors = (root, ("add", ONE, layout)), set()
        forms, ever, reads = {}, {}, set()  # names depending on c -> form; -> where first assigned; the loads read
        for k, stmt in enumerate(statements):
            used = names_in(stmt) & set(forms)
            if not (used or k == 0):
                if names_in(stmt) & self.factors:
                    return False  # a name k is multiplied by, changed
                continue
            if not _assigns_a_name(stmt):
                return False  # a store, a loop, a branch, a call as a statement
            form = self._form(stmt.value, forms)
            name = stmt.targets[0].id
            if form is None or name in self.factors:
                return False
            reads |= {id(n) for n in walk(stmt.value) if isinstance(n, ast.Name) and n.id in forms}
            forms.pop(name, None)
            if not _zero(form):
                forms[name] = form
                ever.setdefault(name, k)
        if result is not None and result in forms:
            return False
        for name in ever:
            for node, inner in self.loads.get(name, []):
                if inner or (result is None and id(node) not in reads):
                    return False  # read by a function defined here, or where it may hold another pass's value
        return True

    def _form(self, node, forms):
        if node is self.root[0]:
            return self.root[1]
        if not (names_in(node) & set(forms) or any(n is self.root[0] for n in walk(node))):
            return ZERO
        if isinstance(node, ast.Name):
            return forms[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self._form(node.operand, forms)
            return inner and ((inner[0], _scaled(inner[1], -1.0), inner[2]) if inner[0] == "add" else inner)
        if isinstance(node, ast.BinOp):
            return self._binop(node, forms)
        if isinstance(node, ast.Call):
            return self._call(node, forms)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, forms)
        return None

    def _binop(self, node, forms):
        left, right = self._form(node.left, forms), self._form(node.right, forms)
        if left is None or right is None:
            return None
        if not _zero(left) and not _zero(right) and left[2] != right[2]:
            return None  # c laid out differently in the two: c[i] + c[j] is no multiple of c
        layout = right[2] if _zero(left) else left[2]
        op = type(node.op)
        if op in (ast.Add, ast.Sub):
            sign = 1.0 if op is ast.Add else -1.0
            if _additive(left) and _additive(right):
                k = _added(left[1], right[1], sign)
                return None if k is None else _made("add", k, layout)
            if _multiplicative(left) and _multiplicative(right) and left[1] == right[1]:
                return left if not _zero(left) else right  # u e^(kc) + v e^(kc) = (u + v) e^(kc)
            return None
        if op in (ast.Mult, ast.Div):
            scaled = self._scaled_by(node, left, right, layout, op)
            if scaled is not None:
                return scaled
            if _multiplicative(left) and _multiplicative(right):
                k = _added(left[1], right[1], 1.0 if op is ast.Mult else -1.0)
                return None if k is None else _made("mul", k, layout)
            return None
        if op is ast.Pow and _multiplicative(left) and _zero(right) and _number(node.right) is not None:
            return _made("mul", _scaled(left[1], _number(node.right)), layout)
        return None

    def _scaled_by(self, node, left, right, layout, op):
        """``(u + k c) * s``, ``(u + k c) / s``, ``s * (u + k c)`` for ``s`` a literal number or
        a name holding a number: ``("add", k * s, layout)``; else None."""
        if left[0] == "add" and not _zero(left) and _zero(right):
            factor, power = node.right, 1 if op is ast.Mult else -1
        elif op is ast.Mult and right[0] == "add" and not _zero(right) and _zero(left):
            factor, power, left = node.left, 1, right
        else:
            return None
        number = _number(factor)
        if number is not None:
            return _made("add", _scaled(left[1], number ** power), layout) if number else None
        if isinstance(factor, ast.Name) and self.shapes.of(factor) == ():
            self.factors.add(factor.id)
            return ("add", _times(left[1], factor.id, power), layout)
        return None

    def _call(self, node, forms):
        kind, operand, method = self._function(node)
        if kind == "over":  # _rt.over(a, d[, b]): a / d (a * b / d)
            top = node.args[0] if len(node.args) == 2 else ast.BinOp(left=node.args[0], op=ast.Mult(), right=node.args[2])
            return self._binop(ast.BinOp(left=top, op=ast.Div(), right=node.args[1]), forms)
        if kind is None or operand is None:
            return None
        if _reads(node, forms, self.root[0]) - _reads(operand, forms, self.root[0]) or (not method and _reads_any(node.args[1:], forms, self.root[0])):
            return None  # c read by an argument other than the operand
        inner = self._form(operand, forms)
        if inner is None:
            return None
        if kind == "exp":
            return ("mul", inner[1], inner[2]) if _additive(inner) else None
        if kind == "log":
            return ("add", inner[1], inner[2]) if _multiplicative(inner) else None
        reduced = self._reduced(node, operand, method)
        if reduced is None or not (_multiplicative(inner) if kind == "sum" else _additive(inner)):
            return None
        axes, keepdims = reduced
        layout = inner[2]
        if axes is None:
            return inner if not layout else None  # over every axis: only a c constant everywhere
        if any(-a <= len(layout) and layout[a] is not None for a in axes):
            return None  # reduced along an axis where the c part varies
        if keepdims:
            return inner
        return (inner[0], inner[1], _stripped(tuple(d for a, d in zip(range(-len(layout), 0), layout) if a not in axes)))

    def _subscript(self, node, forms):
        """``m[:, 0]``, ``m[:, None]``: an integer only where the ``c`` part is constant."""
        inner = self._form(node.value, forms)
        ndim = self._ndim(node.value)
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if inner is None or ndim is None or _reads_any(items, forms, self.root[0]):
            return None
        padded = [None] * (ndim - len(inner[2])) + list(inner[2])
        out, axis = [], 0
        for item in items:
            if isinstance(item, ast.Constant) and item.value is None:
                out.append(None)
            elif isinstance(item, ast.Slice) and item.lower is None and item.upper is None and item.step is None and axis < ndim:
                out.append(padded[axis])
                axis += 1
            elif isinstance(item, ast.Constant) and type(item.value) is int and axis < ndim and padded[axis] is None:
                axis += 1
            else:
                return None
        return (inner[0], inner[1], _stripped(tuple(out + padded[axis:])))


def _assigns_a_name(stmt):
    return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)


def _reads(node, forms, root):
    """The values of ``forms`` (and the root call) ``node`` reads."""
    found = {n.id for n in walk(node) if isinstance(n, ast.Name) and n.id in forms}
    return found | ({"<root>"} if any(n is root for n in walk(node)) else set())


def _reads_any(nodes, forms, root):
    return any(_reads(n, forms, root) for n in nodes)


def _number(node):
    """The value of a literal number (``2.0``, ``-0.5``), else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    return None


def _stripped(layout):
    """A layout without the leading axes where the ``c`` part is constant (broadcasting adds them)."""
    k = 0
    while k < len(layout) and layout[k] is None:
        k += 1
    return layout[k:]


# -- k: a number times powers of names -------------------------------------------------------


def _scaled(k, number):
    return (k[0] * number, k[1])


def _times(k, name, power):
    factors = dict(k[1])
    factors[name] = factors.get(name, 0) + power
    return (k[0], tuple(sorted((n, p) for n, p in factors.items() if p)))


def _added(a, b, sign):
    """``a + sign * b``, or None when they are not multiples of one product of names."""
    if b[0] == 0.0:
        return a
    if a[0] == 0.0:
        return _scaled(b, sign)
    return (a[0] + sign * b[0], a[1]) if a[1] == b[1] else None


def _zero(form):
    return form[1][0] == 0.0


def _additive(form):
    return form[0] == "add" or _zero(form)


def _multiplicative(form):
    return form[0] == "mul" or _zero(form)


def _made(kind, k, layout):
    return ZERO if k[0] == 0.0 else (kind, k, layout)
