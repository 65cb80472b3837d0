"""``check_grads``: the derivatives adgen generates for a function, against central finite
differences and against each other.

For each argument differentiated, along a random direction ``v``: forward mode's ``J v``
against the finite difference of ``f`` along ``v``; reverse mode's ``J^T w`` (for a random
``w``) through ``<J^T w, v>`` against ``<w, (f(x + h v) - f(x - h v)) / 2h>``; the two
modes against each other by the dot-product test ``<J v, w> = <v, J^T w>``, to rounding;
with ``order=2``, ``H v`` (``hvp``) against the finite difference of the gradient along
``v``. A failure names the argument and shows the worst entry.
"""

import inspect

import numpy as np

from adgen import api, forward_api, higher

MODES = ("fwd", "rev")


def check_grads(f, args, wrt=0, order=1, modes=MODES, eps=1e-6, rtol=1e-5, atol=1e-8, seed=0):
    """Raise ``AssertionError`` naming the argument and the worst entry where a derivative
    of ``f`` at ``args`` disagrees; return None when all agree. ``wrt``: an argument (index
    or name) or a tuple of them, each checked apart; ``order``: 1, or 2 for ``hvp`` too
    (``f`` returning a number); ``modes``: ``"fwd"``, ``"rev"`` or both."""
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, not {order!r}")
    unknown = set(modes) - set(MODES)
    if unknown or not modes:
        raise ValueError(f"modes must be among {MODES}, not {tuple(modes)!r}")
    params = list(inspect.signature(f).parameters)
    rng = np.random.default_rng(seed)
    for item in wrt if isinstance(wrt, (tuple, list)) else (wrt,):
        index = item if isinstance(item, int) else params.index(item)
        _check_one(f, list(args), index, params[index], order, modes, eps, rtol, atol, rng)


def _check_one(f, args, index, name, order, modes, eps, rtol, atol, rng):
    x = args[index]
    if not (isinstance(x, (float, int, np.floating)) or (isinstance(x, np.ndarray) and x.dtype.kind == "f")):
        raise TypeError(f"check_grads checks arguments that are float arrays or numbers; `{name}` is a {type(x).__name__}")
    v = _like(x, rng)
    jv_fd = _difference(f, args, index, v, eps)
    w = _like(f(*args), rng)
    jv = ct = None
    if "fwd" in modes:
        jv = forward_api.jvp(f, wrt=index)(*args, v)[1]
        _compare(jv, jv_fd, "forward mode (jvp) J v", name, rtol, atol)
    if "rev" in modes:
        ct = api.vjp(f, wrt=index)(*args, w)
        _compare(_dot(ct, v), _dot(w, jv_fd), "reverse mode (vjp) <J^T w, v>", name, rtol, atol)
    if jv is not None and ct is not None:
        _compare(_dot(jv, w), _dot(ct, v), "the dot-product test <J v, w> = <v, J^T w> between forward and reverse mode", name, 1e-10, 1e-12)
    if order == 2:
        if np.ndim(w) != 0:
            raise ValueError("order=2 needs f to return a number")
        gradient = api.grad(f, wrt=index)
        hv_fd = _difference(gradient, args, index, v, eps)
        _compare(higher.hvp(f, wrt=index)(*args, v), hv_fd, "the Hessian-vector product (hvp) H v", name, rtol, atol)


def _like(value, rng):
    return rng.standard_normal(np.shape(value)) if np.ndim(value) else float(rng.standard_normal())


def _difference(f, args, index, v, eps):
    """The central finite difference of ``f`` along ``v`` in argument ``index``."""
    x = args[index]
    ahead, behind = list(args), list(args)
    ahead[index], behind[index] = x + eps * np.asarray(v), x - eps * np.asarray(v)
    if np.ndim(x) == 0:
        ahead[index], behind[index] = float(ahead[index]), float(behind[index])
    return (np.asarray(f(*ahead), dtype=float) - np.asarray(f(*behind), dtype=float)) / (2 * eps)


def _dot(a, b):
    return float(np.sum(np.asarray(a) * np.asarray(b)))


def _compare(got, expected, what, name, rtol, atol):
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        raise AssertionError(f"{what} of `{name}`: shape {got.shape}, expected {expected.shape}")
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    error = np.abs(got - expected)
    if np.all(error <= atol + rtol * scale):
        return
    worst = np.unravel_index(int(np.argmax(error)), error.shape) if error.ndim else ()
    at = f" at {worst}" if worst != () else ""
    raise AssertionError(f"{what} of `{name}` disagrees: worst entry{at}: got {got[worst]!r}, expected {expected[worst]!r} "
                         f"(error {error[worst]:.3g}, tolerance {atol + rtol * scale:.3g})")
