import numpy as np
import pytest

from corpus_control import CASES
from gradcheck import check_grad
from transpiler import grad


def _indices(fn, wrt):
    import inspect

    params = list(inspect.signature(fn).parameters)
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    return [params.index(w) if isinstance(w, str) else w for w in items]


def _ids(cases):
    """Function names; a function registered again with other builders gets a suffix."""
    seen = {}
    ids = []
    for fn, _, _ in cases:
        name = fn.__name__
        seen[name] = seen.get(name, 0) + 1
        ids.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return ids


@pytest.mark.parametrize("fn,builders,wrt", CASES, ids=_ids(CASES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_control_flow(fn, builders, wrt, seed):
    rng = np.random.default_rng(seed)
    args = [b(rng) for b in builders]
    grads = grad(fn, wrt=wrt)(*args)
    grads = grads if isinstance(wrt, tuple) else (grads,)
    for i, g in zip(_indices(fn, wrt), grads):
        assert type(g) is type(args[i]) or isinstance(args[i], np.ndarray) and isinstance(g, np.ndarray)
        check_grad(fn, args, i, g)
