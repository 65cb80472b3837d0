"""``has_aux``: a function returning ``(loss, aux)`` is differentiated for ``loss`` alone.

After ``structure`` every ``return e`` is ``<result> = e``. With ``has_aux`` each
becomes an assignment of the loss to ``<result>`` and of the auxiliary value to
``<aux>``, which the gradient function returns beside the value::

    return loss, {"h": h}      ->   _aux = {"h": h}
                                    _ans = loss
    return out                 ->   _aux = _rt.aux_of(out, 'line 9 of f')
                                    _ans = out[0]

    return helper(x)           ->   _ans, _aux = helper(x)

A pair display (``(e0, e1)``, ``[e0, e1]``) is split where it stands (in Python's
order, or aux first when the loss is a name, so that the seed goes straight into
it). The result of a function of the user's (or one with a rule for two outputs) is
unpacked: the callee must return a pair display, which ``calls.py`` checks. A value
that is visibly not a pair (a tuple of three, a dict, a number, ``None``, what
``np.sum`` returns) is AD214; any other value is checked when the gradient runs
(``_rt.aux_of``: AD414 unless it is a tuple or list of two). Nothing the result
depends on reads ``<aux>``, so activity leaves it undifferentiated: no cotangent
flows from it, and whatever it computes needs no derivative rule.
"""

import ast
import types

import numpy as np

from adgen import calls, errors
from adgen.names import AUX
from adgen.runtime import registry
from adgen.syntax import load, rt_call, walk

# displays and expressions whose value is never a tuple or list of two
_NOT_PAIRS = (ast.Dict, ast.Set, ast.DictComp, ast.SetComp, ast.GeneratorExp, ast.Constant, ast.JoinedStr, ast.Compare, ast.Lambda)


def split(body, result, names, diags, src, resolver):
    """``body`` with each ``<result> = e`` split into the loss and the aux; the aux's name."""
    aux = names.fresh(AUX)
    splitter = _Split(result, aux, names, diags, src, resolver)
    return [s for stmt in body for s in splitter.statement(stmt)], aux


class _Split:
    def __init__(self, result, aux, names, diags, src, resolver):
        self.result, self.aux, self.names, self.diags, self.src = result, aux, names, diags, src
        self.resolver = resolver

    def statement(self, stmt):
        for field in ("body", "orelse"):
            if isinstance(stmt, (ast.If, ast.For, ast.While)):
                setattr(stmt, field, [s for inner in getattr(stmt, field) for s in self.statement(inner)])
        if not _assigns(stmt, self.result):
            return [stmt]
        value = stmt.value
        if isinstance(value, (ast.Tuple, ast.List)) and not any(isinstance(e, ast.Starred) for e in value.elts):
            if len(value.elts) == 2:
                return self._pair(stmt, *value.elts)
            self._refuse(stmt, f"a {_kind(value)} of {len(value.elts)} items")
            return [stmt]
        if isinstance(value, _NOT_PAIRS):
            self._refuse(stmt, _kind(value))
            return [stmt]
        if isinstance(value, ast.Call):
            unpacked = self._unpacked(stmt, value)
            if unpacked is not None:
                return unpacked
        return self._checked(stmt, value)

    def _unpacked(self, stmt, call):
        """``<result>, <aux> = f(...)`` for a call whose tuple result the gradient unpacks
        (a function of the user's, or one with a derivative rule for several outputs:
        ``calls.py`` and the reverser check the count); AD214 for a function with a rule
        for one result; None for others (checked when the gradient runs)."""
        ok, fn = self.resolver.value_of(call.func, record=False)
        rule = registry.lookup(fn) if ok else None
        if rule is not None and not rule.variants and rule.outputs is None:
            self._refuse(stmt, f"the one value of `{ast.unparse(self.resolver.as_written(call.func))}`")
            return [stmt]
        if ok and rule is None and (registry.is_nondiff(fn) or _library_function(fn)):
            return None  # run as it is
        targets = ast.Tuple(elts=[ast.Name(id=n, ctx=ast.Store()) for n in (self.result, self.aux)], ctx=ast.Store())
        new = ast.Assign(targets=[targets], value=call)
        return [ast.fix_missing_locations(ast.copy_location(new, stmt))]

    def _pair(self, stmt, loss, aux):
        first = [self._store(self.result, loss, stmt), self._store(self.aux, aux, stmt)]
        named = isinstance(loss, ast.Name) and not any(isinstance(n, ast.NamedExpr) for n in walk(aux))
        return first[::-1] if named else first

    def _checked(self, stmt, value):
        out = []
        if not isinstance(value, ast.Name):
            pair = self.names.temp()
            out.append(self._store(pair, value, stmt))
            value = load(pair)
        where = f"line {stmt.lineno} of {self.src.name}"
        out.append(self._store(self.aux, rt_call("aux_of", load(value.id), ast.Constant(where)), stmt))
        loss = ast.Subscript(value=load(value.id), slice=ast.Constant(0), ctx=ast.Load())
        out.append(self._store(self.result, loss, stmt))
        return out

    def _store(self, name, value, where):
        new = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=value)
        return ast.fix_missing_locations(ast.copy_location(new, where))

    def _refuse(self, stmt, what):
        self.diags.report(stmt.value, errors.AD214_NOT_A_PAIR, what=what)


def _library_function(fn):
    """A function of NumPy's, Python's or an installed package's (not one of the user's)."""
    return isinstance(fn, (types.BuiltinFunctionType, types.FunctionType, np.ufunc)) and not calls.is_user_function(fn)


def _assigns(stmt, name):
    return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == name


def _kind(node):
    """What the expression ``node`` makes, in words."""
    if isinstance(node, ast.Constant):
        return "None" if node.value is None else f"a constant of type {type(node.value).__name__}"
    words = {ast.Tuple: "tuple", ast.List: "list", ast.Dict: "dict", ast.Set: "set", ast.DictComp: "dict", ast.SetComp: "set",
             ast.GeneratorExp: "generator", ast.JoinedStr: "string", ast.Compare: "comparison", ast.Lambda: "function"}
    return words[type(node)] if isinstance(node, (ast.Tuple, ast.List)) else "a " + words[type(node)]
