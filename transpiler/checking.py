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
from adgen.runtime.container_adjoints import float_leaves, is_tree, leaves_like, map_floats

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
    if isinstance(args[index], (int, np.integer)) and not isinstance(args[index], (bool, np.bool_)):
        args[index] = float(args[index])  # a number given as an int: checked as the float
    x = args[index]
    if not float_leaves(x) or (not is_tree(x) and not (isinstance(x, (float, int, np.floating)) or isinstance(x, np.ndarray) and x.dtype.kind == "f")):
        raise TypeError(f"check_grads checks arguments that are float arrays or numbers, or containers of them; `{name}` is a {type(x).__name__}")
    v = _like(x, rng)
    jv_fd = _difference(f, args, index, v, eps)
    w = _like(f(*args), rng)
    jv = ct = None
    if "fwd" in modes:
        jv = forward_api.jvp(f, wrt=index)(*args, v)[1]
        _compare(_flat(jv, jv_fd), _flat(jv_fd), "forward mode (jvp) J v", name, rtol, atol)
    if "rev" in modes:
        ct = api.vjp(f, wrt=index)(*args, w)
        _compare(_dot(ct, v, x), _dot(w, jv_fd), "reverse mode (vjp) <J^T w, v>", name, rtol, atol)
    if jv is not None and ct is not None:
        _compare(_dot(jv, w, jv_fd), _dot(ct, v, x), "the dot-product test <J v, w> = <v, J^T w> between forward and reverse mode", name, 1e-10, 1e-12)
    if order == 2:
        if is_tree(w) or np.ndim(w) != 0:
            raise ValueError("order=2 needs f to return a number")
        gradient = api.grad(f, wrt=index)
        hv_fd = _difference(gradient, args, index, v, eps)
        _compare(_flat(higher.hvp(f, wrt=index)(*args, v), hv_fd), _flat(hv_fd), "the Hessian-vector product (hvp) H v", name, rtol, atol)


# values and containers of them (pytrees) alike: their float leaves, in ``leaves``' order


def _like(value, rng):
    return map_floats(value, lambda leaf: rng.standard_normal(np.shape(leaf)) if np.ndim(leaf) else float(rng.standard_normal()))


def _difference(f, args, index, v, eps):
    """The central finite difference of ``f`` along ``v`` in argument ``index``: the
    result's structure, a float array (or number) at each float leaf."""
    x = args[index]

    def moved(h):
        steps = iter(float_leaves(v))
        return map_floats(x, lambda leaf: float(leaf + h * next(steps)) if np.ndim(leaf) == 0 else leaf + h * np.asarray(next(steps)))

    ahead, behind = list(args), list(args)
    ahead[index], behind[index] = moved(eps), moved(-eps)
    before = iter(float_leaves(f(*behind)))
    return map_floats(f(*ahead), lambda a: (np.asarray(a, dtype=float) - np.asarray(next(before), dtype=float)) / (2 * eps))


def _flat(tree, like=None):
    """The entries of ``tree``'s float leaves (at the places of ``like``'s), as one vector
    (one number for a number)."""
    if not is_tree(like if like is not None else tree):
        return np.asarray(tree, dtype=float)
    parts = [part.ravel() for part in leaves_like(tree, like if like is not None else tree)]
    return np.concatenate(parts) if parts else np.zeros(0)


def _dot(a, b, like=None):
    """``<a, b>`` over the float leaves (``like``: the value whose structure ``a`` has)."""
    return float(np.sum(_flat(a, like if like is not None else b) * _flat(b)))


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
