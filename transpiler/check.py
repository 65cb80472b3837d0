"""The supported subset, as a table naming every ``ast`` node type.

``check`` walks a function and collects *every* diagnostic before anything is
transformed. Whether a construct is differentiable also depends on which
values it touches; that part is decided later, by ``reverse``.
"""

import ast

from adgen import fields, funcargs, funcvalues, lift
from adgen.errors import Diagnostics
from adgen.names import RESERVED
from adgen.syntax import names_in, walk

OK = None

# statement type -> None (supported) or (code, message)
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
    ast.FunctionDef: ("AD105", "a nested `def` is supported only at the top level of the function's body"),
    ast.AsyncFunctionDef: ("AD105", "nested function definitions are not supported"),
    ast.ClassDef: ("AD105", "class definitions inside the function are not supported"),
    ast.Delete: ("AD101", "`del` is not supported"),
    ast.AsyncFor: ("AD101", "`async for` is not supported"),
    ast.With: ("AD101", "`with` blocks are not supported"),
    ast.AsyncWith: ("AD101", "`async with` is not supported"),
    ast.Match: ("AD101", "`match` statements are not supported"),
    ast.Try: ("AD101", "`try` blocks are not supported"),
    ast.TryStar: ("AD101", "`try`/`except*` blocks are not supported"),
    ast.Import: ("AD101", "imports inside the function are not supported; import at module level"),
    ast.ImportFrom: ("AD101", "imports inside the function are not supported; import at module level"),
    ast.Global: ("AD101", "`global` is not supported"),
    ast.Nonlocal: ("AD101", "`nonlocal` is not supported"),
}

# expression type -> None (supported, at least on values that are not differentiated) or (code, message)
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
    ast.Lambda: ("AD105", "lambdas inside the differentiated function are not supported"),
    ast.NamedExpr: ("AD102", "assignment expressions (`:=`) are not supported"),
    ast.Await: ("AD102", "`await` is not supported"),
    ast.Yield: ("AD102", "generators (`yield`) are not supported"),
    ast.YieldFrom: ("AD102", "generators (`yield from`) are not supported"),
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
            diags.add("AD103", target, "only a named array can be stored into: `a[i] = v`, `a[i][j] = v`")
        elif base.id in RESERVED:
            diags.add("AD107", base, f"`{base.id}` is reserved for generated code")
    elif isinstance(target, ast.Name):
        if target.id in RESERVED:
            diags.add("AD107", target, f"`{target.id}` is reserved for generated code")
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            if isinstance(elt, (ast.Tuple, ast.List)) and not nested:
                diags.add("AD103", elt, "nested unpacking is not supported yet")
            else:
                _check_target(elt, diags, nested, stores)
    elif isinstance(target, ast.Starred):
        diags.add("AD103", target, "starred assignment targets are not supported")
    else:
        kind = type(target).__name__.lower()
        diags.add("AD103", target, f"assigning to a {kind} is not supported yet")


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
        diags.add("AD104", args.vararg, f"`*{args.vararg.arg}` is not supported")
    if args.kwarg:
        diags.add("AD104", args.kwarg, f"`**{args.kwarg.arg}` is not supported")
    for a in args.posonlyargs + args.args + args.kwonlyargs:
        if a.arg in RESERVED:
            diags.add("AD107", a, f"parameter `{a.arg}` is reserved for generated code")


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
        diags.add("AD101", func, "`async` functions cannot be differentiated (they return a coroutine)")
    _check_signature(func, diags)
    body = func.body
    if not _always_returns(body):
        diags.add("AD110", body[-1] if body else func, "the function must end with `return <expression>`")
    _check_depth(body, diags)
    top_defs = {id(s) for s in body if isinstance(s, ast.FunctionDef)}  # lifted to module level (lift.py)
    top_defs |= {id(s.value) for s in body if lift.named_lambda(s)}
    top_defs |= lift.callback_lambdas(src, body)  # a lambda passed to odeint, say: lifted too
    top_defs |= funcargs.display_lambdas(body)  # fns = (np.sin, lambda v: 3 * v): named, then lifted
    top_defs |= funcargs.applied_lambdas(src, body, names_in(body, ast.Store) | {a.arg for a in func.args.args})  # partial(lambda a, b: a * b, 3.0)(x)
    top_defs |= funcvalues.mapped_lambdas(src, body, names_in(body, ast.Store) | {a.arg for a in func.args.args})  # map(lambda v: ..., xs): a comprehension
    for node in walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.stmt):
            problem = STATEMENTS.get(type(node), ("AD101", f"`{type(node).__name__}` statements are not supported"))
            if problem and id(node) not in top_defs:
                diags.add(problem[0], node, problem[1])
            if isinstance(node, ast.Return) and node.value is None:
                diags.add("AD110", node, "every `return` must return a value")
            if isinstance(node, ast.Expr) and not _harmless(node.value):
                diags.add("AD109", node, "a bare expression statement may change values behind adgen's back")
            for target in _targets(node):
                unpacking = isinstance(node, ast.Assign) and isinstance(target, (ast.Tuple, ast.List))  # may nest: see containers
                _check_target(target, diags, nested=isinstance(node, ast.For) or unpacking, stores=not isinstance(node, ast.For))
        elif isinstance(node, ast.expr):
            problem = EXPRESSIONS.get(type(node), ("AD102", f"`{type(node).__name__}` expressions are not supported"))
            if problem and id(node) not in top_defs:
                diags.add(problem[0], node, problem[1])
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in DYNAMIC and not fields.literal_getattr(node):
                diags.add("AD102", node, f"`{node.func.id}()` reads or runs code by name, which adgen cannot follow")
    return diags


def _check_depth(body, diags):
    """AD113 for each top-level statement nested more than ``MAX_DEPTH`` levels deep
    (counted without recursion, which such a tree would exhaust)."""
    for stmt in body:
        todo = [(stmt, 1)]
        while todo:
            node, depth = todo.pop()
            if depth > MAX_DEPTH:
                diags.add("AD113", stmt, f"this statement nests expressions or blocks more than {MAX_DEPTH} levels deep")
                break
            todo.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def raise_if_unsupported(src):
    check(src).raise_if_any()
