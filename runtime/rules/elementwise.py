"""Rules for elementwise functions of one argument (NumPy ufuncs, ``math``, builtins).

A one-expression body that names only its parameters, ``np`` and ``_rt`` is
inlined into generated code as written, so keep these as plain NumPy.
"""

import math

import numpy as np

from runtime.registry import vjp


@vjp(np.sin, math.sin, elementwise=True)
def sin(g, ans, x):
    return g * np.cos(x)


@vjp(np.exp, math.exp, elementwise=True)
def exp(g, ans, x):
    return g * ans
