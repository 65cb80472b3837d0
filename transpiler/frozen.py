"""Frozen ``scipy.stats`` distributions: ``norm(mu, s).logpdf(x)`` is
``norm.logpdf(x, loc=mu, scale=s)``, whose rule differentiates ``x``, ``mu`` and ``s``.

Run on the qualified body (the freezing callee resolves statically), this pass writes
each method call of a frozen distribution as the distribution's own method with the
frozen parameters passed by name:

- ``norm(mu, s).logpdf(x)`` -> ``norm.logpdf(x, loc=mu, scale=s)``;
- a local ``d = norm(mu, s)`` (every assignment to ``d`` freezing the same distribution
  with the same parameters) -> ``d_loc = mu; d_scale = s``, and ``d.cdf(y)`` ->
  ``norm.cdf(y, loc=d_loc, scale=d_scale)``; ``d = norm(loc=d_loc, scale=d_scale)``
  stays only where ``d`` is used otherwise;
- a module-level (or closure) ``prior = norm(0.0, 1.0)``: ``prior.logpdf(t)`` ->
  ``_rt.unfrozen(prior).logpdf(t, loc=_rt.frozen_parameters(prior)[0], ...)``,
  the distribution and its parameters read from ``prior`` when the gradient runs (only
  which object ``prior`` is gets baked in, and guarded like any module-level object).

Only the methods whose frozen form is the distribution's with the parameters appended
are rewritten (``_UNIVARIATE``, ``_METHODS``). A frozen distribution used otherwise with differentiated
parameters (passed to a function, its ``rvs``, one of a kind not listed here) is AD211.
"""

import ast
import sys

import numpy as np

from adgen import errors, runtime
from adgen.marks import mark, marks
from adgen.names import member
from adgen.syntax import clone, walk

_UNIVARIATE = ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf", "pmf", "logpmf", "ppf", "isf",
               "mean", "var", "std", "median", "entropy", "support", "moment", "interval")
_METHODS = {"multivariate_normal": ("pdf", "logpdf", "entropy"), "dirichlet": ("pdf", "logpdf", "mean", "var", "entropy")}
_MULTIVARIATE_PARAMS = {"multivariate_normal": ("mean", "cov", "allow_singular"), "dirichlet": ("alpha",)}
_OTHER = ("rvs", "stats", "expect")  # a frozen distribution's methods not unfrozen here
_DIFFERENTIATED = ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf", "pmf", "logpmf")
_DROPPED = ("seed",)  # a freezing argument the methods do not take (it seeds rvs)


def _stats():
    return sys.modules.get("scipy.stats")


def distribution(obj):
    """``(name, parameter names, methods)`` when ``obj`` is a distribution of
    ``scipy.stats`` that this pass unfreezes (``stats.norm``), else None."""
    stats = _stats()
    if stats is None:
        return None
    if isinstance(obj, stats.rv_continuous) or isinstance(obj, stats.rv_discrete):
        name = getattr(obj, "name", None)
        if not isinstance(name, str) or getattr(stats, name, None) is not obj:
            return None
        shapes = [s.strip() for s in obj.shapes.split(",")] if obj.shapes else []
        rest = ("loc",) if isinstance(obj, stats.rv_discrete) else ("loc", "scale")
        return name, tuple(shapes) + rest, _UNIVARIATE
    for name, params in _MULTIVARIATE_PARAMS.items():
        if getattr(stats, name, None) is obj:
            return name, params, _METHODS[name]
    return None


def frozen_kind(obj):
    """``(name, parameter names, methods)`` when ``obj`` is a frozen distribution whose
    methods this pass rewrites (``norm(0, 1)``), else None."""
    stats = _stats()
    if stats is None:
        return None
    dist = getattr(obj, "dist", None) if isinstance(obj, stats.distributions.rv_frozen) else None
    if dist is not None:
        name = getattr(dist, "name", None)
        found = isinstance(name, str) and distribution(getattr(stats, name, None))
        return found if found and type(getattr(stats, name)) is type(dist) else None
    multivariate = stats._multivariate
    for name, kind in (("multivariate_normal", "multivariate_normal_frozen"), ("dirichlet", "dirichlet_frozen")):
        if type(obj) is getattr(multivariate, kind, None):
            return distribution(getattr(stats, name))
    return None


def is_frozen(obj):
    """Any frozen scipy.stats distribution (for AD211), rewritten here or not."""
    stats = _stats()
    if stats is None:
        return False
    return isinstance(obj, (stats.distributions.rv_frozen, stats._multivariate.multi_rv_frozen))


def refusal(fn):
    """``(message, its parts)`` of AD211 when ``fn``, reached by a differentiated value
    and without a rule, is a frozen distribution's method or a freezing call, else None."""
    stats = _stats()
    if stats is None:
        return None
    owner = getattr(fn, "__self__", None)
    if is_frozen(owner):
        method = getattr(fn, "__name__", "?")
        kind = type(getattr(owner, "dist", None) or owner).__name__.replace("_gen", "").replace("_frozen", "")
        return errors.AD211_FROZEN_METHOD, {"method": method, "kind": kind, "methods": _listed(owner)}
    if isinstance(fn, (stats.rv_continuous, stats.rv_discrete, stats._multivariate.multi_rv_generic)):
        name = getattr(fn, "name", None) or type(fn).__name__.replace("_gen", "")
        return errors.AD211_FROZEN_USED, {"name": name}
    return None


def _listed(owner):
    kind = frozen_kind(owner)
    if kind is None:
        return "of norm, t, gamma, beta, expon, laplace, logistic, cauchy, lognorm, poisson, binom, nbinom, multivariate_normal and dirichlet"
    return ", ".join(m for m in kind[2] if m in _DIFFERENTIATED) + f" of {kind[0]}"


def _methods(name):
    return _METHODS.get(name, _UNIVARIATE)


def unknown_method(func):
    """AD211's ``(message, its parts)`` for ``d.logpdf`` (an attribute no array has, that a frozen
    distribution's method has) where ``d`` is not known statically: a frozen distribution
    passed to a function, say; else None."""
    if _stats() is None or func.attr not in _UNIVARIATE + _OTHER or hasattr(np.ndarray, func.attr):
        return None
    what = ast.unparse(func.value)
    kind = marks(func).frozen
    if kind is not None:  # a local frozen distribution: a method this pass does not unfreeze
        methods = ", ".join(m for m in _methods(kind) if m in _DIFFERENTIATED)
        return errors.AD211_LOCAL_METHOD, {"method": func.attr, "kind": kind, "name": what, "methods": methods}
    return errors.AD211_UNKNOWN_VALUE, {"name": what, "method": func.attr}


class Unfreeze:
    def __init__(self, resolver, names, params=()):
        self.resolver = resolver
        self.names = names
        self.params = set(params)  # a parameter rebound to a frozen distribution is not a local one

    def run(self, body):
        locals_ = self._locals(body)
        return _Rewrite(self, locals_).rewrite_block(body)

    # -- what the freezing calls are ------------------------------------------------

    def freezing(self, node):
        """``(dist node, kind, {parameter: value node})`` for a call freezing a
        distribution, else None."""
        if not isinstance(node, ast.Call):
            return None
        ok, obj = self.resolver.value_of(node.func, record=False)
        kind = distribution(obj) if ok else None
        if kind is None or any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            return None
        params = kind[1]
        if len(node.args) > len(params):
            return None
        bound = dict(zip(params, node.args))
        for k in node.keywords:
            if k.arg in _DROPPED:
                continue
            if k.arg not in params or k.arg in bound:
                return None
            bound[k.arg] = k.value
        self.resolver.value_of(node.func)  # which distribution it is is baked in
        return node.func, kind, bound

    def _locals(self, body):
        """name -> (dist node, kind, parameter names) for the locals every assignment of which
        freezes the same distribution with the same parameters."""
        stores, frozen = {}, {}
        for stmt in body:
            for node in walk(stmt):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    stores[node.id] = stores.get(node.id, 0) + 1
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    found = self.freezing(node.value)
                    if found is not None:
                        frozen.setdefault(node.targets[0].id, []).append(found)
        out = {}
        for name, found in frozen.items():
            objs = {id(self.resolver.value_of(f[0], record=False)[1]) for f in found}
            keys = {tuple(sorted(f[2])) for f in found}
            if name not in self.params and len(found) == stores[name] and len(objs) == 1 and len(keys) == 1:
                dist, kind, bound = found[0]
                out[name] = (dist, kind, [p for p in kind[1] if p in bound])
        return out


class _Rewrite(ast.NodeTransformer):
    def __init__(self, owner, locals_):
        self.owner = owner
        self.locals = locals_
        self.fresh = {name: {p: owner.names.fresh(member(name, p)) for p in params} for name, (_, _, params) in locals_.items()}
        self.other_use = set()

    def rewrite_block(self, body):
        # first the calls (and so which locals are used otherwise), then the assignments
        body = [self.visit(stmt) for stmt in body]
        return self._assignments(body)

    def _assignments(self, body):
        out = []
        for stmt in body:
            for field in ("body", "orelse", "finalbody"):
                if isinstance(getattr(stmt, field, None), list) and getattr(stmt, field):
                    setattr(stmt, field, self._assignments(getattr(stmt, field)))
            if hasattr(stmt, "handlers"):
                for handler in stmt.handlers:
                    handler.body = self._assignments(handler.body)
            target = stmt.targets[0].id if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) else None
            if target not in self.locals or not self.fresh[target]:
                out.append(stmt)
                continue
            _, _, bound = self.owner.freezing(stmt.value)
            for p, name in self.fresh[target].items():
                out.append(ast.fix_missing_locations(ast.copy_location(ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=bound[p]), stmt)))
            if target in self.other_use:  # still needed as an object: frozen from the new names
                keywords = [ast.keyword(arg=p, value=ast.Name(id=name, ctx=ast.Load())) for p, name in self.fresh[target].items()]
                value = ast.Call(func=stmt.value.func, args=[], keywords=keywords)
                out.append(ast.fix_missing_locations(ast.copy_location(ast.Assign(targets=stmt.targets, value=value), stmt)))
        return out

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.locals:
            self.other_use.add(node.id)
        return node

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute) and not any(isinstance(a, ast.Starred) for a in node.args) and not any(k.arg is None for k in node.keywords):
            new = self._inline(node, func) or self._local(node, func) or self._global(node, func)
            if new is not None:
                self.generic_visit(new)
                return ast.fix_missing_locations(ast.copy_location(new, node))
        self.generic_visit(node)
        return node

    def _call(self, func, node, extra):
        given = {k.arg for k in node.keywords}
        if given & {k.arg for k in extra}:
            return None
        return ast.Call(func=func, args=list(node.args), keywords=list(node.keywords) + extra)

    def _inline(self, node, func):
        """``norm(mu, s).logpdf(x)``."""
        found = self.owner.freezing(func.value)
        if found is None or func.attr not in found[1][2]:
            return None
        dist, kind, bound = found
        extra = [ast.keyword(arg=p, value=bound[p]) for p in kind[1] if p in bound]
        return self._call(ast.Attribute(value=dist, attr=func.attr, ctx=ast.Load()), node, extra)

    def _local(self, node, func):
        """``d.logpdf(x)`` for a local ``d = norm(mu, s)``."""
        if not (isinstance(func.value, ast.Name) and func.value.id in self.locals):
            return None
        dist, kind, _ = self.locals[func.value.id]
        if func.attr not in kind[2]:
            mark(func, frozen=kind[0])  # for AD211, should a differentiated value reach it
            return None
        extra = [ast.keyword(arg=p, value=ast.Name(id=name, ctx=ast.Load())) for p, name in self.fresh[func.value.id].items()]
        return self._call(ast.Attribute(value=clone(dist), attr=func.attr, ctx=ast.Load()), node, extra)

    def _global(self, node, func):
        """``prior.logpdf(x)`` for a module-level (or closure) ``prior = norm(0, 1)``: the
        distribution and parameters are read from ``prior`` when the gradient runs."""
        resolver = self.owner.resolver
        if isinstance(func.value, ast.Name) and func.value.id in resolver.locals:
            return None
        ok, obj = resolver.value_of(func.value, record=False)
        kind = frozen_kind(obj) if ok else None
        if kind is None or func.attr not in kind[2]:
            return None
        resolver.value_of(func.value)  # which object it is is baked in (and guarded)
        stats = _stats()
        dist = getattr(stats, kind[0])
        unfrozen = ast.Call(func=_helper("unfrozen"), args=[clone(func.value)], keywords=[])
        method = ast.Attribute(value=unfrozen, attr=func.attr, ctx=ast.Load())
        mark(method, resolved=getattr(dist, func.attr))  # what resolve.value_of answers for it
        params = ast.Call(func=_helper("frozen_parameters"), args=[clone(func.value)], keywords=[])
        extra = [ast.keyword(arg=p, value=ast.Subscript(value=clone(params), slice=ast.Constant(k), ctx=ast.Load())) for k, p in enumerate(kind[1])]
        return self._call(method, node, extra)


def _helper(name):
    """``_rt.<name>``, resolved (a function of adgen's, which changes nothing)."""
    node = ast.Attribute(value=ast.Name(id="_rt", ctx=ast.Load()), attr=name, ctx=ast.Load())
    mark(node, resolved=getattr(runtime, name))
    return node


def run(body, resolver, names, params=()):
    """The body with frozen distributions' method calls unfrozen (see the module's doc)."""
    if _stats() is None:
        return body
    return Unfreeze(resolver, names, params).run(body)
