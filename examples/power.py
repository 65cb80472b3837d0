import numpy as np


def power_sum(x, n):
    """sin of x to the power n, written out the long way."""
    y = x ** n
    y = y * x
    y, z = y / x, y
    return np.sin(y) + 0.0 * z
