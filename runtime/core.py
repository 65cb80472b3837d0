"""Helpers that generated gradient code calls: the tape, seeding, shapes."""

import numpy as np

from adgen.runtime import backends, container_adjoints, errors, kinds
from adgen.runtime.errors import GradientError

__all__ = ["copied", "Tape", "ONES", "aux_of", "GradientError", "seed", "unbroadcast", "sum_to", "as_grad", "as_grads",
           "float_dtype", "zeros_for", "nonzero"]


class Tape(list):
    """Values the forward pass records for the backward pass (a plain stack)."""

    push = list.append


def aux_of(pair, where):
    """The auxiliary value of a function differentiated with ``has_aux=True``: the second
    item of the ``(loss, aux)`` pair it returned (``where``: the user's line)."""
    if type(pair) in (tuple, list) and len(pair) == 2:
        return pair[1]
    what = f"a {type(pair).__name__} of {len(pair)} items" if isinstance(pair, (tuple, list)) else f"a value of type {type(pair).__name__}"
    if isinstance(pair, np.ndarray):
        what = f"an array of shape {pair.shape}"
    raise errors.AD414_NOT_A_PAIR.error(where=where, what=what)


class _Ones:
    """The type of ``ONES``."""

    def __repr__(self):
        return "_rt.ONES"


ONES = _Ones()  # the seed elementwise_grad passes: ones of the result's shape


def seed(value, dout):
    """The cotangent the backward pass starts from.

    ``dout is None`` means ``grad``: the result must be a real scalar, or a real
    array of one element (shape ``(1,)``, ``(1, 1)``...), and the seed is 1.0, or
    ones of that shape. ``dout is ONES`` (``elementwise_grad``): ones of the result's
    shape. Otherwise ``dout`` must have the result's shape (``vjp``).
    """
    if dout is None:
        if type(value) in (float, np.float64):
            return 1.0
        if backends.foreign(value):  # another library's array: a seed of its library
            if value.dtype.kind == "c" or value.size != 1:
                raise errors.AD401_COMPLEX.error() if value.dtype.kind == "c" and value.ndim == 0 else errors.AD401_SHAPE.error(shape=value.shape)
            return np.ones(value.shape, like=value)
        if type(value) is np.ndarray and value.size == 1 and value.ndim and value.dtype.kind != "c":
            return np.ones(value.shape)
        if isinstance(value, (list, tuple, dict)) or container_adjoints.is_object(value):
            raise errors.AD401_NOT_SCALAR.error(kind=type(value).__name__)
        if np.ndim(value) == 0 and not np.isrealobj(value):
            raise errors.AD401_COMPLEX.error()
        if np.ndim(value) != 0 or not np.isrealobj(value):
            raise errors.AD401_SHAPE.error(shape=np.shape(value))
        return 1.0
    if dout is ONES:
        if isinstance(value, (list, tuple, dict)) or container_adjoints.is_object(value):
            raise errors.AD401_ELEMENTWISE.error(kind=type(value).__name__)
        if backends.foreign(value):
            return np.ones(value.shape, like=value)
        return np.ones(np.shape(value)) if np.ndim(value) else 1.0
    if isinstance(value, (list, tuple, dict)) or container_adjoints.is_object(value):
        return container_adjoints.seed(value, dout, seed)
    if type(dout) not in (float, int, complex) and not (type(dout) is np.ndarray or backends.foreign(dout) or isinstance(dout, np.generic)):
        why = kinds.odd_kind(dout)
        if why:
            raise errors.AD410_SEED.error(why=why)
        dout = np.asarray(dout)  # a list of numbers
    if np.shape(dout) != np.shape(value):
        raise errors.AD402_SEED_SHAPE.error(seed=np.shape(dout), result=np.shape(value))
    dtype = dout.dtype if backends.foreign(dout) else np.asarray(dout).dtype
    if dtype.kind not in "biufc":
        raise errors.AD402_SEED_DTYPE.error(dtype=dtype)
    if dtype.kind == "c":  # a seed in the convention of the gradients returned: see as_grad
        # L = Re(sum(conj(v) * w)): for a real result w only the real part of v counts
        return np.conj(dout) if np.iscomplexobj(value) else np.real(dout)
    if isinstance(dout, np.ndarray):
        return np.array(dout, dtype=np.result_type(dout.dtype, np.float64))
    if backends.foreign(dout):
        return dout.astype(np.result_type(dout.dtype, np.float64))  # a copy
    return dout


def freevar(fn, name):
    """The value the closure variable ``name`` of the function ``fn`` holds now."""
    return fn.__closure__[fn.__code__.co_freevars.index(name)].cell_contents


def default(fn, name):
    """The default value of the parameter ``name`` of the function ``fn`` (a bound method's
    function), as Python evaluated it when ``fn`` was defined: read from ``__defaults__`` or
    ``__kwdefaults__`` now, so a default that is an array is never copied into the code."""
    fn = getattr(fn, "__func__", fn)
    if fn.__kwdefaults__ and name in fn.__kwdefaults__:
        return fn.__kwdefaults__[name]
    code = fn.__code__
    return fn.__defaults__[code.co_varnames.index(name) - (code.co_argcount - len(fn.__defaults__))]


def nonzero(g):
    """Is the cotangent ``g`` other than the scalar ``0.0`` that stands for a zero of any
    shape? Generated code computes from a cotangent that may be that zero only then: its
    contributions vanish, and a rule needs ``g`` in its result's shape (``0.0 * y`` would
    even make a zero of ``y``'s shape, which need not be its operand's)."""
    return type(g) is not float or g != 0.0


def unbroadcast(g, x):
    """Sum ``g`` over the axes along which ``x`` was broadcast to ``g``'s shape."""
    if not isinstance(g, np.ndarray) and not backends.foreign(g):
        if isinstance(g, list) and isinstance(x, (list, tuple)) and len(g) != len(x):
            raise errors.AD405_LIST_ARITHMETIC.error()
        return g  # a scalar cotangent: broadcasting fixes it where it is used
    if isinstance(x, np.ndarray) or backends.foreign(x):
        return sum_to(g, x.shape)
    shape = np.shape(x)
    out = sum_to(g, shape)
    if isinstance(x, (list, tuple)) and out.ndim == len(shape) and any(n not in (1, m) for n, m in zip(out.shape, shape)):
        raise errors.AD405_LIST_ARITHMETIC.error()
    return out


def sum_to(g, shape):
    """``unbroadcast`` to a value of ``shape`` (when only its shape was recorded)."""
    if not backends.is_array(g) or g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra < 0:
        return g
    if extra:
        g = np.sum(g, axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    return g


def copied(value):
    """``value`` with every array in it copied (lists, tuples and dicts rebuilt)."""
    if backends.is_array(value):
        return value.copy()
    if isinstance(value, (list, tuple)):
        items = [copied(v) for v in value]
        return type(value)(items) if type(value) in (list, tuple) else type(value)(*items)
    if isinstance(value, dict):
        return {k: copied(v) for k, v in value.items()}
    return value


def float_dtype(x):
    """The dtype a gradient of ``x`` has: ``x``'s own if inexact, else float64."""
    if type(x) is np.ndarray and x.dtype.kind in "fc":
        return x.dtype
    if backends.foreign(x):
        return x.dtype if x.dtype.kind in "fc" else np.dtype(np.float64)
    dtype = np.result_type(np.asarray(x) if isinstance(x, (list, tuple)) else x)
    return dtype if np.issubdtype(dtype, np.inexact) else np.dtype(np.float64)


def zeros_for(x, *others):
    """A fresh zero gradient for ``x``: its shape and ``float_dtype``, of the library of ``x``
    or else of the first of ``others`` (cotangents) that is another library's array."""
    return np.zeros(np.shape(x), float_dtype(x), like=backends.like(x, *others))


def entries_of(g, n):
    """The cotangent of ``np.array([a_0, ..., a_{n-1}])`` built from numbers, as an array of
    its ``n`` entries' cotangents (a number standing for every entry, broadcast)."""
    if type(g) is np.ndarray and g.shape == (n,):
        return g
    return np.broadcast_to(g, (n,))


def zero_for_real(g, x):
    """The zero cotangent of the imaginary part or angle of ``x``, which adgen judged real
    (AD411 when it is complex after all: a complex value adgen did not see)."""
    if _is_complex(x):
        raise errors.AD411_UNSEEN_COMPLEX.error()
    return 0.0 * g


_NUMBERS = frozenset({float, np.float64})  # a real number's cotangent, as generated code makes it
_LEAVES = frozenset({float, int, np.ndarray, np.float64})  # arguments that are no container


def as_grad(g, x):
    """Give the gradient ``g`` the type and shape of the argument ``x``.

    A Python number gets a Python float (a complex one a complex); an array gets
    a fresh, writable array of ``x``'s shape and float (or complex) dtype.

    Complex arguments: inside generated code the cotangent of ``z = x + iy`` is
    ``dL/dx - i dL/dy`` (autograd's and JAX's convention, in which a holomorphic
    function's rule is its real rule); the gradient returned is its conjugate,
    ``dL/dx + i dL/dy`` (PyTorch's), the direction of steepest ascent. A real
    argument whose cotangent came out complex means complex values appeared where
    the transpiler saw none (AD411).
    """
    if type(x) is np.ndarray and type(g) is np.ndarray and x.dtype.kind == "f":  # the common case, fast
        if g.shape == x.shape and g.dtype == x.dtype and g.flags.owndata and g.flags.writeable:
            return g
    elif type(x) is float and type(g) in _NUMBERS:  # a number's, as fast
        return float(g)
    if isinstance(x, (list, tuple, dict)) or container_adjoints.is_object(x):
        return _unshare(container_adjoints.as_grad(g, x, as_grad), set())
    if isinstance(g, (list, tuple)) and isinstance(x, np.ndarray):  # the rows' adjoints
        g = container_adjoints.to_array(g, x.shape)
    if _is_complex(g) or _is_complex(x):
        g = _complex_cotangent(g, x)
    if not isinstance(x, np.ndarray) and np.ndim(x) == 0 and not isinstance(x, np.generic) and not backends.foreign(x):
        if isinstance(x, complex):
            return complex(np.sum(g)) if np.ndim(g) else complex(g)
        return float(np.sum(g)) if np.ndim(g) else float(g)
    dtype = float_dtype(x)
    g = unbroadcast(g, x)
    if (
        type(g) is np.ndarray
        and g.dtype == dtype
        and g.shape == np.shape(x)
        and g.flags.owndata
        and g.flags.writeable
    ):
        return g
    if isinstance(x, np.generic):
        return dtype.type(np.broadcast_to(g, ()))
    if backends.foreign(x):
        return _foreign_grad(g, x, dtype)
    out = np.empty(np.shape(x), dtype)
    out[...] = g
    return out


def _foreign_grad(g, x, dtype):
    """``as_grad`` for an array of another library: an array of its library, shape and dtype
    (a scalar standing for every entry filled in); a new one unless ``g`` is already one
    (generated code never returns an argument or a value it keeps)."""
    if not backends.is_array(g):
        return np.full(x.shape, g, dtype=dtype, like=x)
    if g.shape != x.shape:
        g = np.broadcast_to(g, x.shape)
    return g.astype(dtype) if g.dtype != dtype or g.shape != x.shape or g is x else g


def _is_complex(v):
    return type(v) is complex or (isinstance(v, (np.ndarray, np.generic)) or backends.foreign(v)) and v.dtype.kind == "c"


def _complex_cotangent(g, x):
    """The gradient of a complex ``x`` (the conjugate cotangent), or a real ``x``'s (real)."""
    if _is_complex(x):
        return np.conj(g)
    if np.any(np.imag(g)):
        raise errors.AD411_COMPLEX_GRADIENT.error()
    return np.real(g)



def as_grads(gs, xs):
    """``as_grad`` for several arguments; no two gradients share memory."""
    out = [as_grad(g, x) for g, x in zip(gs, xs)]
    if not all(type(x) in _LEAVES for x in xs) and any(isinstance(x, (list, tuple, dict)) or container_adjoints.is_object(x) for x in xs):
        return tuple(_unshare(out, set()))
    for k, r in enumerate(out):
        if backends.is_array(r) and any(r is o for o in out[:k]):
            out[k] = r.copy()
    return tuple(out)


def _unshare(tree, seen):
    """``tree`` with each array leaf that is also an earlier leaf copied."""
    if isinstance(tree, dict):
        return {k: _unshare(v, seen) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        items = [_unshare(v, seen) for v in tree]
        if hasattr(tree, "_fields"):
            return type(tree)(*items)
        return tuple(items) if isinstance(tree, tuple) else items
    if container_adjoints.is_object(tree):  # a gradient object made by container_adjoints.as_grad: its own to change
        for name, value in container_adjoints.attributes(tree).items():
            object.__setattr__(tree, name, _unshare(value, seen))
        return tree
    if backends.foreign(tree):
        if id(tree) in seen:
            tree = tree.copy()
        seen.add(id(tree))
    elif isinstance(tree, np.ndarray):
        if id(tree) in seen or (tree.base is not None and id(tree.base) in seen):
            tree = tree.copy()
        seen.add(id(tree))
    return tree

