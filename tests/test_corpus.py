import numpy as np
import pytest

from corpus_straight import CASES
from gradcheck import check_grad
from transpiler import grad


def _indices(fn, wrt):
    import inspect

    params = list(inspect.signature(fn).parameters)
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    return [params.index(w) if isinstance(w, str) else w for w in items]


@pytest.mark.parametrize("fn,builders,wrt", CASES, ids=[c[0].__name__ for c in CASES])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_straight_line(fn, builders, wrt, seed):
    rng = np.random.default_rng(seed)
    args = [b(rng) for b in builders]
    grads = grad(fn, wrt=wrt)(*args)
    grads = grads if isinstance(wrt, tuple) else (grads,)
    for i, g in zip(_indices(fn, wrt), grads):
        assert type(g) is type(args[i]) or isinstance(args[i], np.ndarray) and isinstance(g, np.ndarray)
        check_grad(fn, args, i, g)
