"""The supported subset, as a table naming every ``ast`` node type (what ``adgen check``
runs is ``check.py``).

``check`` walks a function against it and collects *every* diagnostic before anything
is transformed. Whether a construct is differentiable also depends on which
values it touches; that part is decided later, by ``reverse``.
"""

import ast

from adgen import errors, fields, funcargs, funcvalues, lift
from adgen.errors import Diagnostics
from adgen.names import RESERVED
from adgen.syntax import names_in, walk

OK = None


def _refused(statement):
    return errors.AD101_STATEMENT, {"statement": statement}


# statement type -> None (supported) or (message, its parts)
STATEMENTS = {
    ast.Assign: OK,
    ast.AugAssign: OK,
    ast.AnnAssign: OK,
    ast.Return: OK,
    ast.Expr: OK,  # a docstring or print(...); other bare expressions are refused by normalize
    ast.Pass: OK,
    ast.Assert: OK,
    ast.Raise: OK,
    ast.If: OK,
    ast.For: OK,
    ast.While: OK,
    ast.Break: OK,
    ast.Continue: OK,
    ast.FunctionDef: (errors.AD105_NESTED_DEF, {}),
    ast.AsyncFunctionDef: (errors.AD105_ASYNC_DEF, {}),
    ast.ClassDef: (errors.AD105_CLASS, {}),
    ast.Delete: _refused("del"),
    ast.AsyncFor: _refused("async for"),
    ast.With: _refused("with"),
    ast.AsyncWith: _refused("async with"),
    ast.Match: _refused("match"),
    ast.Try: _refused("try"),
    ast.TryStar: _refused("try/except*"),
    ast.Import: (errors.AD101_IMPORT, {}),
    ast.ImportFrom: (errors.AD101_IMPORT, {}),
    ast.Global: _refused("global"),
    ast.Nonlocal: _refused("nonlocal"),
}

# expression type -> None (supported, at least on values that are not differentiated) or (message, its parts)
EXPRESSIONS = {
    ast.BinOp: OK,
    ast.UnaryOp: OK,
    ast.Call: OK,
    ast.Attribute: OK,
    ast.Subscript: OK,
    ast.Slice: OK,
    ast.Name: OK,
    ast.Constant: OK,
    ast.Tuple: OK,
    ast.List: OK,
    ast.Compare: OK,
    ast.BoolOp: OK,
    ast.IfExp: OK,
    ast.Dict: OK,
    ast.Set: OK,
    ast.JoinedStr: OK,
    ast.FormattedValue: OK,
    ast.Starred: OK,  # refused where it matters: in calls to rules and in targets
    ast.ListComp: OK,
    ast.SetComp: OK,
    ast.DictComp: OK,
    ast.GeneratorExp: OK,
    ast.Lambda: (errors.AD105_LAMBDA, {}),
    ast.NamedExpr: (errors.AD102_EXPRESSION, {"expression": ":="}),
    ast.Await: (errors.AD102_EXPRESSION, {"expression": "await"}),
    ast.Yield: (errors.AD102_GENERATOR, {"keyword": "yield"}),
    ast.YieldFrom: (errors.AD102_GENERATOR, {"keyword": "yield from"}),
}


# the deepest nesting of statements and expressions transformed: passes recurse over the
# tree (copy.deepcopy takes four frames a level), within Python's recursion limit
MAX_DEPTH = 200

# builtins that reach values by name at run time: a gradient could not see what they read
DYNAMIC = {"eval", "exec", "compile", "globals", "locals", "vars", "getattr", "setattr", "delattr", "__import__"}


def _targets(node):
    if isinstance(node, (ast.Assign,)):
        return node.targets
    if isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For)):
        return [node.target]
    return []


def _check_target(target, diags, nested=False, stores=True):
    """``nested``: tuples may nest (loop targets such as ``i, (u, v)``, unpacking);
    ``stores``: a store into an array may stand in it (an assignment's target, not a loop's)."""
    if isinstance(target, ast.Subscript) and stores:
        base = target.value
        while isinstance(base, ast.Subscript):  # a[i][j] = v: see stores.py
            base = base.value
        if not isinstance(base, ast.Name):
            diags.report(target, errors.AD103_STORE_BASE)
        elif base.id in RESERVED:
            diags.report(base, errors.AD107_RESERVED, name=base.id)
    elif isinstance(target, ast.Name):
        if target.id in RESERVED:
            diags.report(target, errors.AD107_RESERVED, name=target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            if isinstance(elt, (ast.Tuple, ast.List)) and not nested:
                diags.report(elt, errors.AD103_NESTED_UNPACKING)
            else:
                _check_target(elt, diags, nested, stores)
    elif isinstance(target, ast.Starred):
        diags.report(target, errors.AD103_STARRED)
    else:
        diags.report(target, errors.AD103_TARGET, kind=type(target).__name__.lower())


def _harmless(value):
    """Docstrings, calls and comprehensions may stand alone as statements: a call run for
    its side effects (``print``, ``logger(ax, u, t)``, ``pbar.update(1)``) runs in the
    forward pass and gets no gradient, and ``aliasing`` checks that it leaves the values
    the gradient needs as they were (``xs.append(v)``-like calls: see ``containers``;
    ``<ufunc>.at(...)``: ``reverse`` checks it is ``np.add.at``). A comprehension run for
    its calls becomes a loop (``funcvalues``)."""
    return isinstance(value, (ast.Constant, ast.Call, ast.ListComp, ast.SetComp, ast.GeneratorExp))


def _check_signature(func, diags):
    args = func.args
    if args.vararg:
        diags.report(args.vararg, errors.AD104_STAR_ARGS, name=args.vararg.arg)
    if args.kwarg:
        diags.report(args.kwarg, errors.AD104_STAR_KWARGS, name=args.kwarg.arg)
    for a in args.posonlyargs + args.args + args.kwonlyargs:
        if a.arg in RESERVED:
            diags.report(a, errors.AD107_RESERVED_PARAMETER, name=a.arg)


def _always_returns(body):
    """Does every path through ``body`` end in a ``return``?"""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.If):
        return _always_returns(last.body) and _always_returns(last.orelse)
    return isinstance(last, ast.Return)


def check(src):
    """Every diagnostic for ``src``'s function (a ``Diagnostics``)."""
    diags = Diagnostics(src)
    func = src.func
    if isinstance(func, ast.AsyncFunctionDef):
        diags.report(func, errors.AD101_ASYNC_FUNCTION)
    _check_signature(func, diags)
    body = func.body
    if not _always_returns(body):
        diags.report(body[-1] if body else func, errors.AD110_NO_RETURN)
    _check_depth(body, diags)
    top_defs = {id(s) for s in body if isinstance(s, ast.FunctionDef)}  # lifted to module level (lift.py)
    top_defs |= {id(s.value) for s in body if lift.named_lambda(s)}
    top_defs |= lift.callback_lambdas(src, body)  # a lambda passed to odeint, say: lifted too
    top_defs |= funcargs.display_lambdas(body)  # fns = (np.sin, lambda v: 3 * v): named, then lifted
    top_defs |= funcargs.applied_lambdas(src, body, names_in(body, ast.Store) | {a.arg for a in func.args.args})  # partial(lambda a, b: a * b, 3.0)(x)
    top_defs |= funcvalues.mapped_lambdas(src, body, names_in(body, ast.Store) | {a.arg for a in func.args.args})  # map(lambda v: ..., xs): a comprehension
    for node in walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.stmt):
            problem = STATEMENTS.get(type(node), _refused(type(node).__name__))
            if problem and id(node) not in top_defs:
                diags.report(node, problem[0], **problem[1])
            if isinstance(node, ast.Return) and node.value is None:
                diags.report(node, errors.AD110_EMPTY_RETURN)
            if isinstance(node, ast.Expr) and not _harmless(node.value):
                diags.report(node, errors.AD109_BARE_EXPRESSION)
            for target in _targets(node):
                unpacking = isinstance(node, ast.Assign) and isinstance(target, (ast.Tuple, ast.List))  # may nest: see containers
                _check_target(target, diags, nested=isinstance(node, ast.For) or unpacking, stores=not isinstance(node, ast.For))
        elif isinstance(node, ast.expr):
            problem = EXPRESSIONS.get(type(node), (errors.AD102_EXPRESSION, {"expression": type(node).__name__}))
            if problem and id(node) not in top_defs:
                diags.report(node, problem[0], **problem[1])
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in DYNAMIC and not fields.literal_getattr(node):
                diags.report(node, errors.AD102_BY_NAME, name=node.func.id)
    return diags


def _check_depth(body, diags):
    """AD113 for each top-level statement nested more than ``MAX_DEPTH`` levels deep
    (counted without recursion, which such a tree would exhaust)."""
    for stmt in body:
        todo = [(stmt, 1)]
        while todo:
            node, depth = todo.pop()
            if depth > MAX_DEPTH:
                diags.report(stmt, errors.AD113_STATEMENT_DEPTH, depth=MAX_DEPTH)
                break
            todo.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def raise_if_unsupported(src):
    check(src).raise_if_any()
