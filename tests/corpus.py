"""Running a corpus case: a function, its input builders and ``wrt``, at one seed."""

import inspect
import warnings

import numpy as np

from gradcheck import check_grad, check_tree_grad, tree_paths
from adgen import grad
from adgen.errors import AdgenWarning

# cases that differentiate on purpose with respect to a parameter the result
# does not depend on (it only decides a branch): adgen warns, the gradient is 0
WARNS = {"while_else": "AD304"}


def registry():
    """A new list of cases and the decorator ``@case(*builders, wrt=...)`` that adds a
    function to it, for a corpus file: ``CASES, case = registry()``."""
    cases = []

    def case(*builders, wrt=0):
        def register(fn):
            cases.append((fn, builders, wrt))
            return fn

        return register

    return cases, case


def indices(fn, wrt):
    """``wrt`` (ints or names, one or a tuple) as positional indices."""
    params = list(inspect.signature(fn).parameters)
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    return [params.index(w) if isinstance(w, str) else w for w in items]


def ids(cases):
    """Function names; a function registered again with other builders gets a suffix."""
    seen = {}
    out = []
    for fn, _, _ in cases:
        name = fn.__name__
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def check_corpus_case(fn, builders, wrt, seed):
    """adgen's gradient of ``fn`` at the inputs ``builders`` make from ``seed`` has the
    argument's type and agrees with finite differences."""
    rng = np.random.default_rng(seed)
    args = [b(rng) for b in builders]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AdgenWarning)
        grads = grad(fn, wrt=wrt)(*args)
    assert {w.message.diagnostic.code for w in caught if isinstance(w.message, AdgenWarning)} <= {WARNS.get(fn.__name__)}
    grads = grads if isinstance(wrt, tuple) else (grads,)
    for i, g in zip(indices(fn, wrt), grads):
        if isinstance(args[i], (dict, list, tuple)):  # a pytree: leaf by leaf
            check_tree_grad(fn, args, i, g)
            continue
        assert type(g) is type(args[i]) or isinstance(args[i], np.ndarray) and isinstance(g, np.ndarray)
        check_grad(fn, args, i, g)
    arrays = [leaf for g in grads for _, leaf in tree_paths(g) if isinstance(leaf, np.ndarray)]
    assert not any(np.shares_memory(a, b) for k, a in enumerate(arrays) for b in arrays[k + 1 :]), "two gradients share memory"
