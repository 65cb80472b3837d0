"""The test oracle: central finite differences in float64.

Small arguments are checked entry by entry; large ones along random
directions (a directional derivative compared with the dot product of the
gradient and the direction). Everything here is independent of adgen.
"""

import numpy as np

FULL_LIMIT = 64  # arguments with at most this many entries are checked entry by entry


def _as_float(x):
    if isinstance(x, np.ndarray):
        return x.astype(np.float64)
    return float(x)


def _with(args, i, value):
    args = list(args)
    args[i] = value
    return args


def _step(x):
    return 1e-6 * max(1.0, float(np.max(np.abs(x)))) if np.size(x) else 1e-6


def directional(f, args, i, direction, eps=None):
    """d/dt f(..., args[i] + t * direction, ...) at t = 0, by central differences."""
    x = _as_float(args[i])
    h = _step(x) if eps is None else eps
    plus = f(*_with(args, i, x + h * direction))
    minus = f(*_with(args, i, x - h * direction))
    return (plus - minus) / (2 * h)


def numerical_grad(f, args, i, eps=None):
    """The full gradient of the scalar function ``f`` in argument ``i``."""
    x = _as_float(args[i])
    if not isinstance(x, np.ndarray):
        return float(directional(f, args, i, 1.0, eps))
    out = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[k] = 1.0
        out[k] = directional(f, args, i, e, eps)
    return out


def _close(a, b, rtol, atol):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.maximum(np.abs(a), np.abs(b))))


def check_grad(f, args, i, grad, rtol=1e-5, atol=1e-6, directions=4, seed=0):
    """Assert that ``grad`` is the gradient of scalar ``f`` in argument ``i``.

    Raises ``AssertionError`` with both values when they disagree.
    """
    x = args[i]
    if np.shape(grad) != np.shape(x):
        raise AssertionError(f"gradient shape {np.shape(grad)} != argument shape {np.shape(x)}")
    if np.size(x) <= FULL_LIMIT:
        expected = numerical_grad(f, args, i)
        if not _close(grad, expected, rtol, atol):
            raise AssertionError(
                f"gradient in argument {i} disagrees with finite differences:\n"
                f"  computed: {np.asarray(grad)!r}\n  numeric:  {np.asarray(expected)!r}"
            )
        return
    rng = np.random.default_rng(seed)
    for _ in range(directions):
        v = rng.standard_normal(np.shape(x))
        expected = directional(f, args, i, v)
        got = float(np.sum(np.asarray(grad) * v))
        if not _close(got, expected, rtol * 10, atol * np.sqrt(np.size(x))):
            raise AssertionError(
                f"directional derivative in argument {i} disagrees: "
                f"<grad, v> = {got!r}, finite differences = {expected!r}"
            )


def scalarize(f, g):
    """phi(*args) = <g, f(*args)>, summing over every output when f returns a tuple."""

    def phi(*args):
        out = f(*args)
        if isinstance(out, (tuple, list)):
            return sum(float(np.sum(np.asarray(gk) * np.asarray(ok))) for gk, ok in zip(g, out))
        return float(np.sum(np.asarray(g) * np.asarray(out)))

    return phi


def check_vjp(f, args, i, g, cotangent, **tol):
    """Assert that ``cotangent`` is the vector-Jacobian product of ``f`` with ``g`` in argument ``i``."""
    check_grad(scalarize(f, g), args, i, cotangent, **tol)


def random_like(value, rng):
    """A random cotangent with the shape of ``value`` (a tuple for tuple results)."""
    if isinstance(value, (tuple, list)):
        return tuple(random_like(v, rng) for v in value)
    return rng.standard_normal(np.shape(value)) if np.ndim(value) else float(rng.standard_normal())
