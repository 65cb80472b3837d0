"""The test oracle: central finite differences in float64.

Small arguments are checked entry by entry; large ones along random
directions (a directional derivative compared with the dot product of the
gradient and the direction). Everything here is independent of adgen.
"""

import copy
import dataclasses
import enum
import sys

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


def check_every_argument(f, args, grads, rtol=1e-6, atol=1e-9):
    """``check_grad`` for each argument of ``f``, ``grads`` holding one gradient per argument."""
    for i, g in enumerate(grads):
        check_grad(f, list(args), i, g, rtol=rtol, atol=atol)


def scalarize(f, g):
    """phi(*args) = <g, f(*args)>, summing over every output when f returns a tuple."""

    def phi(*args):
        out = f(*args)
        if isinstance(out, dict):
            return sum(float(np.sum(np.asarray(g[k]) * np.asarray(v))) for k, v in out.items())
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
    if isinstance(value, dict):
        return {k: random_like(v, rng) for k, v in value.items()}
    return rng.standard_normal(np.shape(value)) if np.ndim(value) else float(rng.standard_normal())


# -- container arguments (pytrees) --------------------------------------------------------


class Field(str):
    """A path key naming an object's attribute (not a dict key)."""


def _slot_names(x):
    return [n for c in type(x).__mro__ for n in c.__dict__.get("__slots__", ()) if n not in ("__dict__", "__weakref__")]


def is_object(x):
    """A dataclass instance or an object with a ``__dict__`` or ``__slots__`` of a class not
    of the standard library's (but its namespaces) nor an Enum (namedtuples are tuples)."""
    if isinstance(x, (np.ndarray, np.generic, float, int, complex, str, type(None), list, tuple, dict, type, enum.Enum)) or callable(x):
        return False
    if hasattr(type(x), "__array_function__"):  # an array of another library (tests/duck.py, Dask's)
        return False
    if dataclasses.is_dataclass(x):
        return True
    package = type(x).__module__.partition(".")[0]
    if package in sys.stdlib_module_names and package not in ("types", "argparse"):
        return False
    return hasattr(x, "__dict__") or bool(_slot_names(x))


def object_fields(x):
    """The attribute names of an object that are its parameters."""
    names = [f.name for f in dataclasses.fields(x)] if dataclasses.is_dataclass(x) else []
    names += [n for n in _slot_names(x) if n not in names and hasattr(x, n)]
    return names + [n for n in getattr(x, "__dict__", {}) if n not in names]


def tree_paths(tree, path=()):
    """``(path, leaf)`` for every leaf of nested dicts, lists, tuples and objects, depth first."""
    if is_object(tree):
        for name in object_fields(tree):
            yield from tree_paths(getattr(tree, name), path + (Field(name),))
    elif isinstance(tree, dict):
        for k, v in tree.items():
            yield from tree_paths(v, path + (k,))
    elif isinstance(tree, (list, tuple)):
        for k, v in enumerate(tree):
            yield from tree_paths(v, path + (k,))
    else:
        yield path, tree


def tree_get(tree, path):
    for key in path:
        tree = getattr(tree, key) if isinstance(key, Field) else tree[key]
    return tree


def tree_put(tree, path, value):
    """A copy of ``tree`` (copied along ``path`` only) with ``value`` at ``path``."""
    if not path:
        return value
    key, rest = path[0], path[1:]
    if isinstance(key, Field):
        out = copy.copy(tree)
        object.__setattr__(out, key, tree_put(getattr(tree, key), rest, value))
        return out
    if isinstance(tree, dict):
        out = dict(tree)
        out[key] = tree_put(tree[key], rest, value)
        return out
    items = list(tree)
    items[key] = tree_put(tree[key], rest, value)
    if hasattr(tree, "_fields"):
        return type(tree)(*items)
    return tuple(items) if isinstance(tree, tuple) else items


def is_float_leaf(x):
    if isinstance(x, np.ndarray):
        return x.dtype.kind == "f"
    return isinstance(x, (float, np.floating))


def check_tree_grad(f, args, i, grad, **tol):
    """Assert that ``grad`` is the gradient of scalar ``f`` in the container argument
    ``args[i]``: the same structure (dict keys, list, tuple), ``None`` at every leaf that
    is not a float, and at each float leaf the leaf's type and shape and a value that
    agrees with finite differences in that leaf alone."""
    x = args[i]
    _same_structure(grad, x)
    for path, leaf in tree_paths(x):
        g = tree_get(grad, path)
        if not is_float_leaf(leaf):
            if g is not None:
                raise AssertionError(f"the gradient of the non-float leaf at {path} must be None, not {g!r}")
            continue
        if type(g) is not type(leaf) and not (isinstance(leaf, np.ndarray) and isinstance(g, np.ndarray)):
            raise AssertionError(f"the gradient at {path} is a {type(g).__name__}, the leaf a {type(leaf).__name__}")

        def of_leaf(value, path=path):
            return f(*_with(args, i, tree_put(x, path, value)))

        check_grad(of_leaf, [leaf], 0, g, **tol)


def _same_structure(grad, x, path=()):
    if is_object(x):
        if type(grad) is not type(x) or grad is x:
            raise AssertionError(f"at {path}: expected a new {type(x).__name__}, got {grad!r}")
        for name in object_fields(x):
            _same_structure(getattr(grad, name), getattr(x, name), path + (Field(name),))
    elif isinstance(x, dict):
        if type(grad) is not dict or list(grad) != list(x):
            raise AssertionError(f"at {path}: expected a dict with keys {list(x)}, got {grad!r}")
        for k in x:
            _same_structure(grad[k], x[k], path + (k,))
    elif isinstance(x, (list, tuple)):
        if type(grad) is not type(x) or len(grad) != len(x):
            raise AssertionError(f"at {path}: expected a {type(x).__name__} of {len(x)}, got {grad!r}")
        for k, (g, v) in enumerate(zip(grad, x)):
            _same_structure(g, v, path + (k,))


# -- complex arguments ---------------------------------------------------------------------
# The oracle does not depend on a convention: it differentiates the real-valued f along the
# real and the imaginary part of each entry separately. adgen's gradient of a real f with
# respect to z = x + iy is dL/dx + i dL/dy (README, "Complex numbers").


def numerical_complex_grad(f, args, i, eps=1e-6):
    """``df/dx + i df/dy`` for a complex ``args[i]`` (``df/dx`` for a real one), entry by entry."""
    x = args[i]
    is_complex = np.iscomplexobj(x)
    arr = np.asarray(x, dtype=np.complex128 if is_complex else np.float64)
    out = np.zeros(arr.shape, np.complex128 if is_complex else np.float64)
    for k in np.ndindex(arr.shape):
        for unit in (1.0, 1j) if is_complex else (1.0,):
            e = np.zeros(arr.shape, arr.dtype)
            e[k] = unit
            h = eps * max(1.0, float(np.max(np.abs(arr)))) if arr.size else eps

            def at(t):
                v = arr + t * e
                return f(*_with(args, i, v if isinstance(x, np.ndarray) else v[()].item()))

            out[k] += unit * (at(h) - at(-h)) / (2 * h)
    return out if isinstance(x, np.ndarray) else out[()].item()


def check_complex_grad(f, args, i, grad, rtol=1e-5, atol=1e-6):
    """Assert that ``grad`` is ``df/dx + i df/dy`` in argument ``i`` (real arguments: df/dx)."""
    expected = numerical_complex_grad(f, args, i)
    if np.shape(grad) != np.shape(expected):
        raise AssertionError(f"gradient shape {np.shape(grad)} != argument shape {np.shape(expected)}")
    if np.iscomplexobj(args[i]) != np.iscomplexobj(grad) and np.any(np.imag(grad)):
        raise AssertionError(f"the gradient of a real argument is complex: {grad!r}")
    a, b = np.asarray(grad, np.complex128), np.asarray(expected, np.complex128)
    if not np.all(np.abs(a - b) <= atol + rtol * np.maximum(np.abs(a), np.abs(b))):
        raise AssertionError(f"gradient in argument {i} disagrees with finite differences on real and imaginary parts:\n"
                             f"  computed: {a!r}\n  numeric:  {b!r}")
