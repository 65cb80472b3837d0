"""Rules for reductions (sum, mean, max, ...) and scans (cumsum, ...)."""

import numpy as np

from runtime.registry import vjp


def _expand(g, x, axis, keepdims):
    """Broadcast the cotangent of a reduction back to the shape of its input."""
    shape = np.shape(x)
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


@vjp(np.sum)
def sum_(g, ans, a, axis=None, keepdims=False):
    return _expand(g, a, axis, keepdims)
