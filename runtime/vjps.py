"""The built-in derivative rules by their own names, whichever file holds them: generated
code calls a rule it does not paste as ``_rt.vjps.<name>(g, ans, ...)``, so a committed
gradient does not change when a rule moves between files. No two built-in rules share a
name (``tests/rules/test_public_surface.py``)."""

import importlib
import inspect
import pathlib
import pkgutil
import sys

# where built-in rules live: the rule families (found, like the registry finds an optional
# library's, through ``importlib``: the loader ``adgen.runtime.rules`` sits above this module)
_FAMILIES = pkgutil.iter_modules([str(pathlib.Path(__file__).with_name("rules"))])
_HOMES = [f"{__package__}.items"] + [f"{__package__}.rules.{m.name}" for m in _FAMILIES]


def __getattr__(name):
    loaded = [h for h in _HOMES if h in sys.modules]
    for home in loaded + [h for h in _HOMES if h not in loaded]:  # an optional library's family last
        try:
            module = importlib.import_module(home)
        except ImportError:  # its library is not installed
            continue
        fn = vars(module).get(name)
        if inspect.isfunction(fn) and fn.__module__ == home and not name.startswith("_"):
            globals()[name] = fn
            return fn
    raise AttributeError(f"adgen has no built-in derivative rule named {name!r}")

