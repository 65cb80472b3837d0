"""Calls that run or read code by name, however they are spelled.

``subset.py`` refuses ``eval(...)``, ``exec(...)``, ``globals()``... written with
Python's own names. The same builtins reached another way read the function's
values behind the gradient's back just as well (``builtins.eval("x * 2")``
depends on ``x``, which the gradient cannot see, so it would be zero)::

    y = builtins.eval("x * 2")      # through the builtins module
    y = run("x * 2")                # run = eval, at module level

Once names are resolved, a call of any of them is AD102 too.
"""

import ast
import builtins

from adgen import errors
from adgen.subset import DYNAMIC
from adgen.syntax import walk

_BY_NAME = {id(getattr(builtins, name)): name for name in DYNAMIC}


def check(body, resolver, diags):
    """AD102 for each call in ``body`` of a builtin of ``subset.DYNAMIC`` not spelled by its name."""
    for node in walk(ast.Module(body=body, type_ignores=[])):
        if not isinstance(node, ast.Call) or isinstance(node.func, ast.Name) and node.func.id in DYNAMIC:
            continue  # subset.py's
        ok, fn = resolver.value_of(node.func, record=False)
        name = _BY_NAME.get(id(fn)) if ok else None
        if name is not None and fn is getattr(builtins, name):
            diags.report(node, errors.AD102_BY_NAME_ALIAS, written=ast.unparse(resolver.as_written(node.func)), name=name)
