"""A NumPy-dispatching array written for the tests: CuPy's behaviour, on a CPU.

``Duck`` holds an ndarray and takes over NumPy's functions and ufuncs
(``__array_function__``, ``__array_ufunc__``), as CuPy's arrays do. Like them
it refuses to become a plain ndarray (``np.asarray(duck)`` raises) and refuses
plain ndarrays among the inputs of a function or an operator (CuPy:
``TypeError: Unsupported type <class 'numpy.ndarray'>``). So code that would
break on a GPU, a helper making an array with ``np.zeros(shape)`` and mixing it
with the argument's, fails here loudly. Python and NumPy scalars mix freely, as
on CuPy; reductions give 0-d ducks, as CuPy's do.
"""

import numbers

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin


class ConvertedError(TypeError):
    """A duck array was about to become a plain ndarray, or met one."""


def unwrap(value):
    """``value`` with every duck replaced by its ndarray (through lists, tuples, dicts); a
    plain ndarray among them is an error."""
    if isinstance(value, Duck):
        return value.data
    if type(value) is np.ndarray:
        raise ConvertedError(f"Unsupported type {np.ndarray} (shape {value.shape}) mixed with duck arrays")
    if isinstance(value, (list, tuple)):
        return type(value)(unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    return value


def wrap(value):
    """NumPy's results as ducks (scalars as 0-d ducks, as CuPy's reductions give)."""
    if isinstance(value, np.ndarray):
        return Duck(value)
    if isinstance(value, np.generic) and not isinstance(value, (np.str_, np.bytes_)):
        return Duck(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(wrap(v) for v in value)
    if isinstance(value, list):
        return [wrap(v) for v in value]
    return value


class Duck(NDArrayOperatorsMixin):
    __slots__ = ("data",)
    __array_priority__ = 100

    def __init__(self, data):
        if type(data) is not np.ndarray:
            raise TypeError(f"Duck holds an ndarray, not {type(data)}")
        self.data = data

    def __array__(self, dtype=None, copy=None):
        raise ConvertedError("a duck array was converted to a plain NumPy array (CuPy refuses this)")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if "out" in kwargs:
            outs = kwargs["out"]
            kwargs["out"] = tuple(o.data if isinstance(o, Duck) else unwrap(o) for o in outs)
            getattr(ufunc, method)(*unwrap(inputs), **kwargs)
            return outs[0] if len(outs) == 1 else outs
        return wrap(getattr(ufunc, method)(*unwrap(inputs), **kwargs))

    def __array_function__(self, func, types, args, kwargs):
        if not all(issubclass(t, (Duck, np.ndarray)) for t in types):
            return NotImplemented
        if func in _TRANSFERS and isinstance(args[0], np.ndarray):  # np.asarray(host, like=duck): CuPy's copy to the device
            return Duck(np.array(args[0], **kwargs))
        return wrap(func(*unwrap(args), **unwrap(kwargs)))

    # --- the ndarray interface generated code and helpers read -----------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    T = property(lambda self: Duck(self.data.T))
    real = property(lambda self: Duck(self.data.real))
    imag = property(lambda self: Duck(self.data.imag))
    flat = property(lambda self: iter(self))

    def __getitem__(self, index):
        return wrap(self.data[_index(index)])

    def __setitem__(self, index, value):
        self.data[_index(index)] = value.data if isinstance(value, Duck) else unwrap(value)

    def __len__(self):
        return len(self.data)

    def __iter__(self):
        return (wrap(row) for row in self.data)

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    def __bool__(self):
        return bool(self.data)

    def __complex__(self):
        return complex(self.data)

    def __index__(self):
        return self.data.__index__()

    def __repr__(self):
        return f"Duck({self.data!r})"

    def __copy__(self):
        return Duck(self.data.copy())

    def __deepcopy__(self, memo):
        return Duck(self.data.copy())

    def __getattr__(self, name):
        """ndarray's methods (``x.sum(axis=0)``, ``x.reshape(...)``), on ducks."""
        if name.startswith("__") or name == "data":
            raise AttributeError(name)
        attr = getattr(self.data, name)
        if not callable(attr):
            return wrap(attr)

        def method(*args, **kwargs):
            return wrap(attr(*unwrap(args), **unwrap(kwargs)))

        return method


_TRANSFERS = (np.asarray, np.array, np.asanyarray)  # what makes a library's array of a NumPy one, asked to (like=)


def _index(index):
    if isinstance(index, Duck):
        return index.data
    if isinstance(index, tuple):
        return tuple(_index(i) for i in index)
    return index


def duck(value):
    """Arrays (through lists, tuples, dicts) as ducks; numbers stay numbers."""
    if isinstance(value, np.ndarray):
        return Duck(value)
    if isinstance(value, (list, tuple)):
        return type(value)(duck(v) for v in value)
    if isinstance(value, dict):
        return {k: duck(v) for k, v in value.items()}
    return value


def unduck(value):
    """Ducks back to ndarrays, for comparing (numbers stay as they are)."""
    if isinstance(value, Duck):
        return value.data
    if isinstance(value, (list, tuple)):
        return type(value)(unduck(v) for v in value)
    if isinstance(value, dict):
        return {k: unduck(v) for k, v in value.items()}
    if isinstance(value, numbers.Number) or value is None:
        return value
    raise TypeError(f"a {type(value)} where a duck array or a number was expected")
