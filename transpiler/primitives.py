"""``grad(np.sin)``: differentiating a function adgen has a derivative rule for.

Such a function has no Python source (a NumPy ufunc), or source that is not what is
meant (``np.sum``'s own implementation, rather than its rule). It is differentiated
through a one-line Python function that calls it, as a user would write::

    def sin(x):
        return np.sin(x)

taking the function's parameters that have no default (a ufunc's inputs).
"""

import inspect
import keyword
import sys

import numpy as np

from adgen import source, stubs
from adgen.resolve import numpy_path
from adgen.runtime import registry

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def stand_in(fn):
    """The Python function standing for ``fn``; None when ``fn`` has neither a derivative
    rule nor a declaration that it has no derivative, or cannot be spelled by its name."""
    if registry.lookup(fn) is None and not registry.is_nondiff(fn):
        return None
    spelled, scope = _spelling(fn)
    if spelled is None:
        return None
    params = [p.name for p in stubs.signature(fn).parameters.values() if p.kind in _POSITIONAL and p.default is p.empty]
    name = getattr(fn, "__name__", "")
    if not params or not name.isidentifier() or keyword.iskeyword(name) or name in params:
        return None
    text = f"def {name}({', '.join(params)}):\n    return {spelled}({', '.join(params)})\n"
    namespace = dict(scope, __name__=f"adgen.primitives.{name}")
    exec(compile(text, f"<adgen: {spelled}>", "exec"), namespace)  # noqa: S102 - text made of names checked above
    made = namespace[name]
    source.keep(made, text)
    return made


def _spelling(fn):
    """(``np.sin`` or ``module.name``, the globals that spelling needs), or (None, None)
    when ``fn`` is not found under its own name in its module."""
    path = numpy_path(fn)
    if path is not None:
        return path, {"np": np}
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or module not in sys.modules:
        return None, None
    spelled = f"{module}.{qualname}"
    if not all(part.isidentifier() and not keyword.iskeyword(part) for part in spelled.split(".")):
        return None, None
    root = module.split(".")[0]
    value = sys.modules[root]
    for part in spelled.split(".")[1:]:
        value = getattr(value, part, None)
    return (spelled, {root: sys.modules[root]}) if value is fn else (None, None)
