"""How generated code finds the module whose globals it reads: by the module's file.

A gradient module has one line per module of the user's it reads::

    model = _rt.user_module('model', 'model.py', __file__)

``'model.py'`` is the source file (relative to the gradient module's folder, or
absolute). The module is the one already running from that file, whatever its name:
a script run as ``__main__``, a module loaded with ``importlib.util`` and never put
in ``sys.modules``. Only when none is loaded is it imported by its name, and then
only if that name leads to that file: another module of the same name elsewhere on
``sys.path`` is never imported or read (AD409).

``grad()`` imports the same text while ``deferred()``, without looking anything up,
and hands each generated function the globals of the running function itself.
"""

import contextlib
import importlib
import importlib.util
import os
import sys
import threading

from adgen.runtime import errors

_state = threading.local()


@contextlib.contextmanager
def deferred():
    """Import gradient modules without binding them (``grad()`` binds their functions)."""
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1


class Unbound:
    """Stands for a module in a gradient module imported while ``deferred``."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise errors.AD409_NOT_BOUND.error(name=self._name)


def user_module(name, path, here):
    """The module ``name`` whose source is ``path`` (relative to the folder of ``here``,
    the gradient module's file)."""
    if getattr(_state, "depth", 0):
        return Unbound(name)
    target = _real(os.path.join(os.path.dirname(os.path.abspath(here)), path))
    module = _loaded(name, target)
    return module if module is not None else _imported(name, target, here)


def _real(path):
    return os.path.normcase(os.path.realpath(path))


def _file_of(module):
    try:
        return getattr(module, "__file__", None)
    except Exception:  # noqa: BLE001 - a module object that misbehaves is not the one
        return None


def _loaded(name, target):
    """The running module from ``target``, the one named ``name`` first."""
    found = []
    base = os.path.basename(target)
    for key, module in list(sys.modules.items()):
        file = _file_of(module)
        if isinstance(file, str) and os.path.normcase(os.path.basename(file)) == base and _real(file) == target:
            found.append((key != name, key, module))
    return min(found, key=lambda f: f[:2])[2] if found else None


def _imported(name, target, here):
    """Import ``name``, checking before each step that it leads to ``target`` (a package's
    ``__init__.py`` for each package on the way)."""
    parts = name.split(".")
    for i in range(len(parts)):
        prefix = ".".join(parts[: i + 1])
        expected = target
        for _ in range(len(parts) - 1 - i):
            expected = os.path.dirname(expected)
        if i < len(parts) - 1:
            expected = _real(os.path.join(expected, "__init__.py"))
        module = sys.modules.get(prefix)
        file = _file_of(module) if module is not None else _origin(prefix)
        if not isinstance(file, str) or _real(file) != expected:
            found = f"finds {file}" if isinstance(file, str) else "finds no module"
            raise errors.AD409_NOT_RUNNING.error(file=os.path.basename(here), target=target, prefix=prefix, found=found, target_file=os.path.basename(target))
        if module is None:
            importlib.import_module(prefix)
    return sys.modules[name]


def _origin(name):
    """The file importing ``name`` would run, without running it (its parent packages are
    imported by then)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError, AttributeError):
        return None
    return spec.origin if spec is not None else None
