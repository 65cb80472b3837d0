"""The built-in derivative rules, one module per family. Importing registers them; the
rules of optional libraries register once the user's code has imported the library, or
when a generated module reaches them (``_rt.rules.scipy_special``, ``_rt.rules.scipy_linalg``)."""

import importlib

from adgen.runtime import registry
from adgen.runtime.rules import (  # noqa: F401
    arrays,
    binary,
    callbacks,
    decompositions,
    elementwise,
    fft,
    helpers,
    indexing,
    linalg,
    nondiff,
    padding,
    polynomials,
    reductions,
    selection,
    shape,
    statistics,
    tangents,
    tangents_arrays,
    tangents_linalg,
    tangents_stats,
)

# rule module -> the library it needs
_OPTIONAL = {"scipy_special": "scipy.special", "scipy_integrate": "scipy.integrate", "scipy_stats": "scipy.stats", "scipy_linalg": "scipy.linalg",
             "scipy_stats_tangents": "scipy.stats", "scipy_linalg_tangents": "scipy.linalg"}
for _module, _library in _OPTIONAL.items():
    registry.optional(_library, f"{__name__}.{_module}")


def __getattr__(name):
    if name in _OPTIONAL:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
