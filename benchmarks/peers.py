"""Other tools' gradients of the benchmark workloads, for the tools that are installed.

None of them is a dependency: each is imported when ``installed()`` is called, and a tool
that does not import is left out with a note.

- autograd: the primal's own code (and that of the functions of its module it calls), with
  ``np`` bound to ``autograd.numpy`` and SciPy functions imported by name bound to
  autograd's wrappers of them, as an autograd user imports them;
- torch: PyTorch in eager mode, float64 on one thread, on a port of the primal written
  as a PyTorch user writes it (``benchmarks/torch_ports.py``, with the same operations), its gradient
  by ``torch.autograd.grad``. A call starts from the NumPy arguments and ends with NumPy
  gradients (``torch.from_numpy`` and ``Tensor.numpy`` share memory: no copies).

google/tangent is not among them: version 0.1.9 installs on Python 3.11 but does not
import (it needs ``gast.Num``, gone from gast 0.7; with gast 0.2 it imports TensorFlow and
its ``tf.to_float``, gone from TensorFlow 2).

A gradient maker takes a workload and returns a function of the workload's arguments
returning one gradient per ``wrt`` entry, or None where the tool has no port of it.
"""

import types

import numpy as np

from benchmarks import workloads


def installed():
    """``({tool: gradient maker}, [a note for each tool that did not import])``."""
    makers, notes = {}, []
    for name, load in [("torch", _load_torch), ("autograd", _load_autograd)]:
        try:
            makers[name] = load()
        except ImportError as exc:
            notes.append(f"{name} not measured: {exc}")
    return makers, notes


# --- autograd -----------------------------------------------------------------------------


def _load_autograd():
    import autograd
    import autograd.numpy as anp
    import autograd.scipy.linalg
    import autograd.scipy.special
    import autograd.scipy.stats
    import scipy.linalg
    import scipy.special
    import scipy.stats

    wrapped = [(scipy.linalg, autograd.scipy.linalg), (scipy.special, autograd.scipy.special), (scipy.stats, autograd.scipy.stats)]

    def gradient(workload):
        fn = _rebound(workload.primal, anp, wrapped)
        return autograd.grad(fn, argnum=workloads.argnums(workload))

    return gradient


def _rebound(fn, anp, wrapped):
    """``fn`` as an autograd user writes it: in a copy of its module's namespace where ``np``
    is ``autograd.numpy``, the SciPy functions imported by name are autograd's wrappers of
    them, and the module's functions (those ``fn`` calls) read this namespace too."""
    names = dict(fn.__globals__)
    names["np"] = anp
    for name, value in fn.__globals__.items():
        for original, wrapper in wrapped:
            if getattr(original, name, None) is value and hasattr(wrapper, name):
                names[name] = getattr(wrapper, name)
    for name, value in fn.__globals__.items():
        if isinstance(value, types.FunctionType) and value.__globals__ is fn.__globals__:
            names[name] = types.FunctionType(value.__code__, names, value.__name__, value.__defaults__, value.__closure__)
    return types.FunctionType(fn.__code__, names, fn.__name__, fn.__defaults__, fn.__closure__)


# --- torch --------------------------------------------------------------------------------


def _load_torch():
    import torch

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    from benchmarks.torch_ports import PORTS

    def gradient(workload):
        port = PORTS.get(workload.name)
        if port is None:
            return None
        positions = workloads.argnums(workload)

        def call(*args):
            tensors = [_tensor(torch, a, i in positions) for i, a in enumerate(args)]
            wrt = [tensors[i] for i in positions]
            grads = torch.autograd.grad(port(*tensors), wrt)
            return tuple(g.numpy() if g.ndim else float(g) for g in grads)

        return call

    return gradient


def _tensor(torch, value, differentiated):
    """A NumPy array as a tensor sharing its memory, a differentiated number as a 0-d
    tensor; other arguments (sizes, steps, constants) as they are."""
    if isinstance(value, np.ndarray):
        t = torch.from_numpy(value)
    elif differentiated:
        t = torch.tensor(value)
    else:
        return value
    return t.requires_grad_() if differentiated else t
