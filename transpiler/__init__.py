"""adgen: reverse-mode gradients of Python/NumPy functions, as readable source code.

    from transpiler import grad
    dloss = grad(loss, wrt=(0, 1))
    gW, gb = dloss(W, b, X, y)
    print(dloss.source)

``defvjp`` registers a derivative rule (``vjp`` is taken by the vector-Jacobian
product of a function); ``nondiff`` declares functions without a derivative.
"""

from runtime.registry import nondiff
from runtime.registry import vjp as defvjp
from transpiler.api import grad, value_and_grad, vjp
from transpiler.errors import AdgenWarning, InternalError, RuleError, TranspileError

__version__ = "0.1.0"

__all__ = ["grad", "value_and_grad", "vjp", "defvjp", "nondiff", "TranspileError", "RuleError", "InternalError", "AdgenWarning"]
