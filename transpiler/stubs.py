"""Rule stubs for functions without a derivative rule (AD201): the ``@defvjp``
skeleton a diagnostic's hint shows, and the file ``adgen check --stubs`` writes.

    @defvjp(np.i0)
    def i0_vjp(g, ans, x):
        # return the cotangent of the first parameter, or a tuple with one per leading parameter
        raise NotImplementedError("the derivative rule of np.i0")

A stub names the function as users spell it and takes the function's own
parameters (``inspect.signature``), so calls that type-check against the
function bind to the rule too. Its body raises until it is written: an
unedited stub never yields a wrong gradient.
"""

import ast
import builtins
import inspect
import sys
import types

import numpy as np

from adgen.emit import printable
from adgen.libraries import installed
from adgen.resolve import numpy_path


def spelling(fn):
    """How users write ``fn`` (``np.sin``, ``operator.mul``, ``math.exp``, ``mod.f``,
    ``scipy.special.gammaln``, ``scipy.stats.norm.logpdf``), or None."""
    module = getattr(fn, "__module__", None) or ""
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, types.ModuleType) or owner is builtins:
        owner = None
    if owner is not None and not isinstance(owner, type):  # a method of a library's object
        path = public_path(owner) or public_path(owner, anywhere=True)
        spelled = f"{path}.{fn.__name__}" if path else None
    elif not isinstance(name, str):
        return None
    elif module.startswith("numpy") or isinstance(fn, np.ufunc):
        spelled = numpy_path(fn) or public_path(fn) or f"np.{name}"
    elif module == "_operator":
        spelled = f"operator.{name}"
    elif module == "builtins":
        spelled = name
    elif not module and name.startswith("ndarray."):  # an array method
        spelled = f"np.{name}"
    else:
        spelled = public_path(fn) or (f"{module}.{name}" if module else name)
    return spelled if spelled and all(part.isidentifier() for part in spelled.split(".")) else None


def public_path(obj, anywhere=False):
    """``scipy.stats.norm``: where a public module of an installed package (``anywhere``:
    or of the user's, ``model.SPRING``) holds ``obj`` under a public name (the shortest
    such path), or None."""
    name = getattr(obj, "__name__", None)
    found = []
    for modname, module in list(sys.modules.items()):
        if module is None or modname == "__main__" or any(part.startswith("_") for part in modname.split(".")):
            continue
        if not anywhere and not installed(getattr(module, "__file__", None) or "/"):
            continue
        table = getattr(module, "__dict__", {})
        if isinstance(name, str):
            if table.get(name) is obj:
                found.append((modname.count("."), modname, name))
        else:
            found += [(modname.count("."), modname, key) for key, value in list(table.items()) if value is obj and not key.startswith("_")]
    return f"{min(found)[1]}.{min(found)[2]}" if found else None


def _module_to_import(spelled):
    """The ``import`` a stub file needs to spell ``spelled`` (numpy is always imported):
    its longest prefix that is a module."""
    if "." not in spelled or spelled.startswith("np."):
        return None
    parts = spelled.split(".")
    for k in range(len(parts) - 1, 0, -1):
        if ".".join(parts[:k]) in sys.modules:
            return ".".join(parts[:k])
    return parts[0]


def signature(fn):
    """``fn``'s signature; a ufunc's inputs only; an array method's from NumPy's function of that name."""
    if isinstance(fn, np.ufunc):
        names = ["x"] if fn.nin == 1 else [f"x{i + 1}" for i in range(fn.nin)]
        return inspect.Signature([inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
    shaped = _distribution_signature(fn)
    if shaped is not None:
        return shaped
    name = getattr(fn, "__qualname__", "")
    if name.startswith("ndarray.") and hasattr(np, fn.__name__):
        fn = getattr(np, fn.__name__)
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return inspect.Signature([inspect.Parameter("x", inspect.Parameter.POSITIONAL_OR_KEYWORD)])


def _distribution_signature(fn):
    """A ``scipy.stats`` distribution's ``logpdf``-like method, ``(x, *args, **kwds)`` to
    Python, as SciPy documents it: ``(x, <its shape parameters>, loc=0, scale=1)``
    (``k`` and no ``scale`` for a discrete one), or None for anything else."""
    owner = getattr(fn, "__self__", None)
    kinds = {c.__name__ for c in type(owner).__mro__}
    if not ({"rv_continuous", "rv_discrete"} & kinds) or getattr(fn, "__name__", "") not in _DENSITIES:
        return None
    discrete = "rv_discrete" in kinds
    shapes = [n.strip() for n in (owner.shapes or "").split(",") if n.strip()]
    names = ["k" if discrete else "x"] + shapes
    params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names]
    params += [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=d) for n, d in (("loc", 0), ("scale", 1))[: 1 if discrete else 2]]
    return inspect.Signature(params)


_DENSITIES = ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf", "pmf", "logpmf", "ppf", "isf")


def _literal(value):
    try:
        ast.literal_eval(repr(value))
        return True
    except (ValueError, SyntaxError):
        return False


def _parameters(fn):
    """The parameter list as source text: annotations dropped, defaults that are not literals become None."""
    params = []
    for p in signature(fn).parameters.values():
        default = p.default
        if default is not p.empty and not _literal(default):
            default = None
        params.append(p.replace(annotation=p.empty, default=default))
    sig = inspect.Signature(params)
    return [p.name for p in params], str(sig)[1:-1]


def stub(fn):
    """The stub's source text (an ``import`` line first when the spelling needs one), or "" when ``fn`` cannot be spelled."""
    spelled = spelling(fn)
    if spelled is None:
        return ""
    names, params = _parameters(fn)
    g, ans = ("g_" if "g" in names else "g"), ("ans_" if "ans" in names else "ans")
    module = _module_to_import(spelled)
    lines = [f"import {module}"] if module else []
    lines += [
        f"@defvjp({spelled})",
        f"def {_stub_name(fn, spelled)}_vjp({g}, {ans}{', ' if params else ''}{params}):",
        "    # return the cotangent of the first parameter, or a tuple with one per leading parameter",
        f'    raise NotImplementedError("the derivative rule of {spelled}")',
    ]
    return "\n".join(lines)


def _stub_name(fn, spelled):
    """``i0`` for ``np.i0``; ``vonmises_logpdf`` for a method of an object (``scipy.stats.vonmises.logpdf``),
    so that the stubs of two objects' methods of one name do not share a name."""
    owner = getattr(fn, "__self__", None)
    of_object = owner is not None and not isinstance(owner, (type, types.ModuleType))
    return "_".join(spelled.split(".")[-2:]) if of_object and spelled.count(".") >= 2 else spelled.rsplit(".", 1)[-1]


def stub_file(stubs, origin):
    """One importable module holding every stub in ``stubs`` (deduplicated, in order)."""
    imports, bodies = set(), []
    for text in dict.fromkeys(stubs):
        lines = text.splitlines()
        imports.update(line for line in lines if line.startswith("import "))
        bodies.append("\n".join(line for line in lines if not line.startswith("import ")))
    head = [
        f'"""Derivative rules adgen is missing for {_in_docstring(origin)} (written by `adgen check --stubs`).',
        "",
        "Write each rule's body, then import this module before calling grad.",
        '"""',
        "",
        *sorted(imports | {"import numpy as np"}),
        "",
        "from adgen import defvjp",
    ]
    return "\n".join(head) + "\n\n\n" + "\n\n\n".join(bodies) + "\n"


def _in_docstring(text):
    """``text`` (a path) as it reads back inside a ``\"\"\"`` string: backslashes and quotes
    escaped, and the characters that could end a line."""
    return printable(text.replace("\\", "\\\\").replace('"', '\\"'))
