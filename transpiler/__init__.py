"""adgen: reverse-mode gradients of Python/NumPy functions, as readable source code.

    from adgen import grad
    dloss = grad(loss, wrt=(0, 1))
    gW, gb = dloss(W, b, X, y)
    print(dloss.source)

``defvjp`` registers a derivative rule (``vjp`` is taken by the vector-Jacobian
product of a function), ``defjvp`` a forward-mode one (one per parameter); ``nondiff``
declares functions without a derivative.

The names below are imported when first used, so that a generated module, which
imports only ``adgen.runtime``, does not load the transpiler.
"""

import importlib

__version__ = "0.2.0"

_PUBLIC = {  # name -> (module, attribute)
    "grad": ("adgen.higher", "grad"),
    "value_and_grad": ("adgen.api", "value_and_grad"),
    "vjp": ("adgen.api", "vjp"),
    "elementwise_grad": ("adgen.api", "elementwise_grad"),
    "jvp": ("adgen.forward_api", "jvp"),
    "hvp": ("adgen.higher", "hvp"),
    "hessian": ("adgen.higher", "hessian"),
    "jacobian": ("adgen.higher", "jacobian"),
    "jacfwd": ("adgen.higher", "jacfwd"),
    "jacrev": ("adgen.higher", "jacrev"),
    "check_grads": ("adgen.checking", "check_grads"),
    "defvjp": ("adgen.runtime.registry", "vjp"),
    "nondiff": ("adgen.runtime.registry", "nondiff"),
    "defjvp": ("adgen.runtime.tangent_registry", "jvp"),
    "TranspileError": ("adgen.errors", "TranspileError"),
    "RuleError": ("adgen.errors", "RuleError"),
    "InternalError": ("adgen.errors", "InternalError"),
    "AdgenWarning": ("adgen.errors", "AdgenWarning"),
}

__all__ = list(_PUBLIC)


def __getattr__(name):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'adgen' has no attribute {name!r}")
    module, attribute = _PUBLIC[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))
