"""Second derivatives and Jacobians, built from the generated forward and reverse code.

``hvp(f, wrt)(*args, v)`` is ``H v``: the tangent module of ``f`` (``jvp``) computes the
derivative of ``f`` along ``v``, a scalar, and reverse mode differentiates that module in
its turn (reverse over forward), so the Hessian-vector product is one more generated
module (``.source``), from code adgen wrote. ``hessian`` stacks ``H e_i``; ``jacobian``
stacks ``J e_i`` (forward sweeps) or ``e_j J`` (reverse sweeps), whichever needs fewer;
``jacfwd`` and ``jacrev`` choose by name. ``grad(grad(f))`` of a function of a number
is ``hvp`` along ``1.0`` (``api``).

Arguments and results may be containers (pytrees: lists, tuples, dicts, namedtuples,
dataclasses, objects), as for ``grad``: ``hvp`` takes a vector of the argument's
structure and returns one. ``hessian`` and ``jacobian`` use JAX's nested layout: the
Jacobian of a container result with respect to a container argument is the result's
structure holding, at each float leaf ``o``, the argument's structure holding, at each
float leaf ``x``, the array of shape ``o.shape + x.shape`` (the Hessian: the argument's
structure twice); other leaves (ints, strings) hold ``None``. For an array argument and
result that is the plain ``out.shape + x.shape`` array."""

import ast
import inspect

import numpy as np

from adgen import api, binding, forward_api, nested
from adgen.cache import load_module
from adgen.names import DIRECTIONAL, Names, identifiers
from adgen.runtime import errors as runtime_errors
from adgen.runtime import nested as runtime_nested
from adgen.runtime.container_adjoints import as_grad, float_leaves, leaves_like
from adgen.syntax import path_of, walk

_MODULES = {}  # (code, wrt, shapes) -> the wrapper around the tangent module, and its gradient


def _wrt_names(fn, wrt):
    """``(parameter names, as a tuple?)`` of ``wrt`` for ``fn``."""
    params = list(inspect.signature(fn).parameters)
    items = list(wrt) if isinstance(wrt, (tuple, list)) else [wrt]
    names = [params[w] if isinstance(w, int) else w for w in items]
    return names, isinstance(wrt, (tuple, list))


def _directional(fn, wrt, arg_shapes, samples=None, scalars=False):
    """The tangent module (``pipeline.Gradient``) and the gradient (``api.GradFunction``) of
    ``fn``'s derivative along given tangents: a function ``(<fn's parameters>, <a tangent per
    wrt>) -> J v`` written below the tangent module, differentiated with respect to ``wrt``.
    ``scalars``: the tangent module computes numbers with ``math`` (``scalars.py``)."""
    key = (fn.__code__, id(fn.__globals__), repr(wrt), forward_api.shapes_key(arg_shapes), scalars)
    if key in _MODULES and _MODULES[key][0].guard.holds(fn):
        return _MODULES[key]
    made, _ = forward_api._compiled(fn, wrt, arg_shapes, samples, scalars=scalars)
    text, wrapper = directional_text(made, list(inspect.signature(fn).parameters), fn.__name__)
    space = binding.bound(load_module(text, wrapper), made.modules)
    names_wrt, as_tuple = _wrt_names(fn, wrt)
    gradient = api.grad(space[wrapper], wrt=tuple(names_wrt) if as_tuple else names_wrt[0])
    _MODULES[key] = (made, gradient)
    return made, gradient


def directional_text(made, params, primal_name):
    """``(text, name)``: the tangent module ``made`` (``pipeline.Gradient``) with its function
    made into ``name``, ``directional_f(<f's parameters>, <the tangents>) -> J v``, the
    function ``hvp`` differentiates: renamed and returning the tangent alone
    (``return _ans, _dot_ans`` -> ``return _dot_ans``), so that reverse mode differentiates
    its body as the function it is, specialised to the arguments' shapes as it is, with no
    call to follow (a recursive call goes to a tangent function of its own, ``jvp_f_1``)."""
    tree = ast.parse(made.text)
    name = Names(identifiers(tree)).fresh(DIRECTIONAL + (primal_name if primal_name.isidentifier() else "lambda"))
    doc = f'"""The derivative of {primal_name} along {", ".join(made.dout)}: its gradient is the Hessian-vector product (H v)."""'
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == made.funcname)
    returns = [n for n in _own_nodes(func) if isinstance(n, ast.Return)]
    if not all(isinstance(r.value, ast.Tuple) and len(r.value.elts) == 2 for r in returns):
        call = ", ".join(params + made.dout)
        return made.text + f"\n\ndef {name}({call}):\n    {doc}\n    return {made.funcname}({call})[1]\n", name
    lines = made.text.split("\n")
    edits = [(r.lineno, r.end_lineno, [" " * r.col_offset + "return " + ast.unparse(r.value.elts[1])]) for r in returns]
    first = func.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        edits.append((first.lineno, first.end_lineno, [" " * first.col_offset + doc]))
    edits.append((func.lineno, func.lineno, [lines[func.lineno - 1].replace(f"def {made.funcname}(", f"def {name}(", 1)]))
    edits += [(stmt.lineno, stmt.end_lineno, []) for stmt in _unread_values(func, returns)]
    for start, end, new in sorted(edits, reverse=True):
        lines[start - 1:end] = new
    return "\n".join(lines), name


def _unread_values(func, returns):
    """The statements of ``func``'s body that compute only what nothing reads once the
    returns give the tangent alone: the value (``_ans = loss + ...``), and what only it read
    (NumPy arithmetic; a call of anything else may do more than compute)."""
    dropped = set()
    while True:
        reads = {n.id for s in func.body if id(s) not in dropped for n in walk(s)
                 if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and not any(n is r.value.elts[0] for r in returns)}
        found = [s for s in func.body if id(s) not in dropped and isinstance(s, ast.Assign) and len(s.targets) == 1
                 and isinstance(s.targets[0], ast.Name) and s.targets[0].id not in reads and _arithmetic(s.value)]
        if not found:
            return [s for s in func.body if id(s) in dropped]
        dropped |= {id(s) for s in found}


def _arithmetic(expr):
    """Does ``expr`` only compute: names, constants, operators, subscripts, calls of NumPy's?"""
    return all(not isinstance(n, ast.Call) or (path_of(n.func) or "").startswith("np.") for n in walk(expr))


def _own_nodes(func):
    """The nodes of ``func``'s body, not those of functions defined inside it."""
    todo = list(func.body)
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))


class HvpFunction:
    """What ``hvp`` returns: call it with ``fn``'s arguments and then the vector(s)."""

    def __init__(self, fn, wrt):
        if not callable(fn) or not hasattr(fn, "__code__"):
            raise TypeError(f"hvp() takes a function (a def or a lambda), not {type(fn).__name__}")
        self.primal, self.wrt = fn, wrt
        self._signature = inspect.signature(fn)

    def _gradient(self, args, scalars=True):
        bound = self._signature.bind(*args)
        shapes, samples = forward_api.shapes_of(self._signature, bound), forward_api.samples_of(self._signature, bound)
        return _directional(self.primal, self.wrt, shapes, samples, scalars)

    @property
    def source(self):
        """The Hessian-vector product's module (for arguments of any shape)."""
        return _directional(self.primal, self.wrt, None)[1].source

    def __call__(self, *args):
        if not args:
            raise TypeError("hvp takes the function's arguments, then the vector")
        *args, v = args
        _, as_tuple = _wrt_names(self.primal, self.wrt)
        vectors = tuple(v) if as_tuple else (v,)
        made, gradient = self._gradient(args)
        closure = api.closure_values(self.primal, made.closure)  # keyword-only, and the tangents after them
        try:
            return gradient(*args, **closure, **dict(zip(made.dout, vectors)))
        except (ArithmeticError, ValueError):
            if not made.scalars:
                raise
            # math raised in the tangent module (the gradient's own math has run again without it)
            made, gradient = self._gradient(args, scalars=False)
            return gradient(*args, **closure, **dict(zip(made.dout, vectors)))


def hvp(fn=None, wrt=0):
    """The Hessian-vector product: ``hvp(f, wrt)(*args, v)`` is ``H v``, ``H`` the Hessian
    of ``f``'s scalar result with respect to ``wrt`` (a tuple of vectors in, a tuple out,
    for a tuple ``wrt``: the blocks of the Hessian applied to them)."""
    if fn is None:
        return lambda f: HvpFunction(f, wrt)
    return HvpFunction(fn, wrt)


@nested.makes_gradients
def grad(fn=None, wrt=0, debug=False, has_aux=False):
    """``api.grad``; and of a gradient, ``grad(grad(f))``, the second derivative (of a
    function of a number: the gradient it differentiates must be a number)."""
    if fn is None:
        return lambda f: grad(f, wrt, debug, has_aux)
    if isinstance(fn, api.GradFunction) and fn.mode == "grad" and not (fn.has_aux or has_aux or debug or fn.debug):
        return SecondDerivative(fn, wrt)
    return api.grad(fn, wrt, debug, has_aux)


class SecondDerivative:
    """``grad(grad(f, wrt=i), wrt=o)``: ``d^2 f / do di``, from ``hvp(f)`` along ``e_i``."""

    def __init__(self, inner, wrt):
        fn = inner.primal
        inner_names, inner_tuple = _wrt_names(fn, inner.wrt)
        outer_names, outer_tuple = _wrt_names(fn, wrt)
        if inner_tuple or outer_tuple:
            raise TypeError("grad(grad(f)) takes one argument at a time for each gradient: use hessian or hvp for more")
        self.inner, self.outer = inner_names[0], outer_names[0]
        self.primal = fn
        both = self.inner if self.outer == self.inner else (self.inner, self.outer)
        self._product = hvp(fn, both)
        self._params = list(inspect.signature(fn).parameters)
        for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(self, attr, getattr(fn, attr, None))

    def __call__(self, *args):
        x = args[self._params.index(self.inner)]
        if np.ndim(x) != 0:
            raise TypeError(f"grad of grad({self.__name__}) needs `{self.inner}` to be a number (the inner gradient must be a scalar): "
                            "use hessian or hvp for arrays")
        if self.outer == self.inner:
            return self._product(*args, 1.0)
        y = args[self._params.index(self.outer)]
        return self._product(*args, (1.0, _zero_like(y)))[1]


def _float_hvp(gradient, args, along):
    """``gradient = grad(f, wrt)`` called on ``args`` inside a differentiated function:
    ``(positions of the arguments holding floats, H u over them)``, ``u`` given by
    ``along(position)``."""
    fn = getattr(gradient, "primal", None)
    if not (isinstance(gradient, api.GradFunction) and gradient.mode == "grad" and not gradient.has_aux and hasattr(fn, "__code__")):
        raise runtime_errors.AD411_RULE_REFUSES.error(
            reason=f"{getattr(gradient, '__name__', gradient)!r} is called on a differentiated value, and only a grad(g) function "
                   "of a def or lambda (without has_aux) is differentiated through")
    if any(isinstance(a, (list, tuple, dict)) for a in args):
        raise runtime_errors.AD411_RULE_REFUSES.error(reason=f"grad({fn.__name__}) is differentiated through only on arrays and numbers, not containers")
    floats = [k for k, a in enumerate(args) if np.asarray(a).dtype.kind == "f"]
    return floats, hvp(fn, tuple(floats))(*args, tuple(along(k) for k in floats))


def _inner(gradient):
    """The positions of the parameters ``gradient`` differentiates, and whether it gives a tuple."""
    names, as_tuple = _wrt_names(gradient.primal, gradient.wrt)
    params = list(inspect.signature(gradient.primal).parameters)
    return [params.index(n) for n in names], as_tuple


def _hessian_product(gradient, args, g):
    """The cotangents of ``args`` for the cotangent ``g`` of ``gradient(*args)``: ``H u``,
    ``u`` being ``g`` at ``wrt`` and 0 elsewhere (``None`` for the arguments not of floats)."""
    inner, as_tuple = _inner(gradient) if isinstance(gradient, api.GradFunction) else ([], False)
    given = g if as_tuple else (g,)
    floats, product = _float_hvp(gradient, args, lambda k: _spread(given[inner.index(k)], args[k]) if k in inner else _zero_like(args[k]))
    found = [None] * len(args)
    for k, p in zip(floats, product):
        found[k] = p
    return found


def _gradient_tangent(gradient, args, tangents):
    """The tangent of ``gradient(*args)`` for the tangents of ``args``: the entries at
    ``wrt`` of ``H t`` (the Hessian is symmetric)."""
    floats, product = _float_hvp(gradient, args, lambda k: _spread(tangents[k], args[k]))
    inner, as_tuple = _inner(gradient)
    found = tuple(product[floats.index(k)] if k in floats else _zero_like(args[k]) for k in inner)
    return found if as_tuple else found[0]


runtime_nested.provide(_hessian_product, _gradient_tangent)


def _spread(g, x):
    """The cotangent ``g`` (a scalar 0.0 stands for zeros) with ``x``'s shape."""
    return g if np.shape(g) == np.shape(x) else np.broadcast_to(g, np.shape(x)) * 1.0


def _zero_like(y):
    return 0.0 if np.ndim(y) == 0 else np.zeros(np.shape(y))


def _rebuilt(tree, values):
    """``tree``'s structure with ``values`` at its float leaves, in order (``None`` at the others)."""
    found = iter(values)
    return as_grad(0.0, tree, lambda g, leaf: next(found))


def _basis(x):
    """The unit tangents of ``x`` (an array, a number or a container), each of its
    structure: ``(leaf position, tangent)`` per entry of each float leaf."""
    parts = float_leaves(x)
    for j, leaf in enumerate(parts):
        for k in range(np.size(leaf)):
            e = np.zeros(np.size(leaf))
            e[k] = 1.0
            unit = e.reshape(np.shape(leaf)) if np.ndim(leaf) else float(e[0])
            yield j, _rebuilt(x, [unit if i == j else _zero_like(p) for i, p in enumerate(parts)])


def _blocks(sweeps, rows_like, cols_like, by_rows=False):
    """The nested layout: block ``[o][j]`` of shape ``rows_like``'s float leaf ``o``'s
    shape + ``cols_like``'s leaf ``j``'s. ``sweeps``: ``(leaf position, leaf values)`` per
    unit vector, in order: forward sweeps go along ``cols_like``'s leaves and give values at
    ``rows_like``'s; reverse sweeps (``by_rows``) the other way."""
    rows, cols = float_leaves(rows_like), float_leaves(cols_like)
    out = []
    for o, row in enumerate(rows):
        blocks = []
        for j, col in enumerate(cols):
            if by_rows:
                found = [values[j] for at, values in sweeps if at == o]
                stacked = np.stack(found) if found else np.zeros((0,) + np.shape(col))
            else:
                found = [values[o] for at, values in sweeps if at == j]
                stacked = np.stack(found, axis=-1) if found else np.zeros(np.shape(row) + (0,))
            blocks.append(stacked.reshape(np.shape(row) + np.shape(col)))
        out.append(_rebuilt(cols_like, blocks))
    return _rebuilt(rows_like, out)


def _single(fn, wrt, name):
    names, as_tuple = _wrt_names(fn, wrt)
    if as_tuple:
        raise TypeError(f"{name}() takes one argument to differentiate (wrt={wrt!r}): call it once per argument")
    return list(inspect.signature(fn).parameters).index(names[0])


def hessian(fn, wrt=0):
    """``hessian(f, wrt)(*args)``: the Hessian of ``f``'s scalar result with respect to the
    argument ``wrt``, of shape ``x.shape + x.shape``, one ``hvp`` per entry of ``x`` (for a
    container ``x``, the nested layout of the module's docstring)."""
    index = _single(fn, wrt, "hessian")
    product = hvp(fn, wrt)

    def hessian_of(*args):
        x = args[index]
        columns = [(j, leaves_like(product(*args, e), x)) for j, e in _basis(x)]
        return _blocks(columns, x, x)

    return hessian_of


def jacfwd(fn, wrt=0):
    """The Jacobian of ``f``'s result with respect to ``wrt`` by forward sweeps, one per
    entry of the argument: shape ``out.shape + x.shape`` (nested for containers)."""
    index = _single(fn, wrt, "jacfwd")
    tangent = forward_api.jvp(fn, wrt)

    def jacobian_of(*args):
        x, value = args[index], fn(*args)
        columns = [(j, leaves_like(tangent(*args, e)[1], value)) for j, e in _basis(x)]
        return _blocks(columns, value, x)

    return jacobian_of


def jacrev(fn, wrt=0):
    """The Jacobian by reverse sweeps, one per entry of the result."""
    index = _single(fn, wrt, "jacrev")
    pullback = api.vjp(fn, wrt)

    def jacobian_of(*args):
        x, value = args[index], fn(*args)
        rows = [(o, leaves_like(pullback(*args, e), x)) for o, e in _basis(value)]
        return _blocks(rows, value, x, by_rows=True)

    return jacobian_of


def jacobian(fn, wrt=0):
    """The Jacobian of ``f``'s result with respect to ``wrt``, shape ``out.shape + x.shape``
    (nested for containers): forward sweeps when the argument has fewer entries than the
    result, else reverse."""
    index = _single(fn, wrt, "jacobian")
    forward, reverse = jacfwd(fn, wrt), jacrev(fn, wrt)

    def jacobian_of(*args):
        wide = _size(args[index]) <= _size(fn(*args))
        return forward(*args) if wide else reverse(*args)

    return jacobian_of


def _size(tree):
    return sum(np.size(leaf) for leaf in float_leaves(tree))
