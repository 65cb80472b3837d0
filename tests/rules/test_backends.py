"""Every NumPy rule runs on another library's arrays: the duck array of ``tests/duck.py``
(CuPy's behaviour on a CPU) in place of each array argument, result and cotangent.

Its cotangents are duck arrays (numbers stay numbers) equal to the NumPy run's to
1e-12. A rule that made a NumPy array from nothing (``np.zeros(shape)``) and mixed it
with the arguments', or converted one (``np.asarray``), fails here as it would on a GPU.
"""

import numpy as np
import pytest

from duck import ConvertedError, duck, unduck
from adgen.runtime.registry import lookup
from tests.rules.harness import cotangents
from tests.rules.test_coverage import all_cases

# primals that take only NumPy arrays, each with why (not a gap of their rules)
PRIMAL_ONLY_NUMPY = {
    np.full: "it converts its fill value with np.asarray",
    np.array: "it converts its argument (it dispatches on like= alone)",
    np.asarray: "it converts its argument (it dispatches on like= alone)",
    np.asanyarray: "it converts its argument (it dispatches on like= alone)",
    np.asarray_chkfinite: "it converts its argument",
    np.ascontiguousarray: "it converts its argument (it dispatches on like= alone)",
    np.asfortranarray: "it converts its argument (it dispatches on like= alone)",
    np.require: "it converts its argument",
    np.float64: "it converts its argument",
    np.r_: "an index trick: it makes NumPy arrays",
    np.c_: "an index trick: it makes NumPy arrays",
}
# cases whose arguments the duck refuses but CuPy and Dask take, each with why
NOT_ON_DUCKS = {
    "roll[2x3]": "a tuple shift: np.roll dispatches on the array alone, so CuPy and Dask take the NumPy shift the rule passes, the duck none",
    "roll[2x3x4]['axis']": "as roll[2x3]",
}


def _numpy_primal(case):
    """A NumPy function or ndarray method (not math's, nor SciPy's: those take NumPy arrays
    only) with an array among its arguments."""
    module = getattr(case.primal, "__module__", None) or ""
    owner = getattr(case.primal, "__objclass__", None)
    numpy_fn = module.startswith("numpy") or owner is np.ndarray or type(case.primal) is np.ufunc
    portable = case.primal not in PRIMAL_ONLY_NUMPY and case.id not in NOT_ON_DUCKS
    return numpy_fn and portable and any(isinstance(a, np.ndarray) for a in _leaves(case.args))


def _leaves(value):
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


ON_DUCKS = [c for c in all_cases() if _numpy_primal(c)]


@pytest.mark.parametrize("case", ON_DUCKS, ids=[c.id for c in ON_DUCKS])
def test_rule_on_duck_arrays(case):
    rule = lookup(case.primal)
    call = case.fn or case.primal
    ans = call(*case.args, **case.kwargs)
    rng = np.random.default_rng(0)
    g = _cotangent_like(ans, rng)
    if case.zero_outputs:  # outputs not used: their cotangent is the 0.0 that stands for any zero
        g = tuple(0.0 if k in case.zero_outputs else gk for k, gk in enumerate(g))
    expected = cotangents(rule, g, ans, case.args, case.kwargs)
    args = duck(case.args)
    if getattr(case.primal, "__objclass__", None) is np.ndarray and case.fn is None:  # a method: the duck's own
        call = _method(case.primal.__name__)
    try:
        ans_d = call(*args, **duck(case.kwargs))
    except ConvertedError:
        pytest.fail(f"{case.id}: the primal itself does not run on duck arrays")
    got = cotangents(rule, _as_seeded(duck(g), ans_d), ans_d, args, duck(case.kwargs))
    for i in case.wrt:
        _same(got[i], expected[i], case.args[i], case.id)


def _method(name):
    return lambda a, *args, **kwargs: getattr(a, name)(*args, **kwargs)


def _cotangent_like(ans, rng):
    if isinstance(ans, tuple):
        return tuple(_cotangent_like(a, rng) for a in ans)
    if isinstance(ans, list):
        return [_cotangent_like(a, rng) for a in ans]
    return rng.standard_normal(np.shape(ans)) if np.ndim(ans) else float(rng.standard_normal())


def _as_seeded(g, ans):
    """The cotangent of a 0-d duck result as a 0-d duck, as the runtime's seed gives it (a
    Python number passes through a sum's inlined ``_rt.expand`` as NumPy's)."""
    if isinstance(g, tuple):
        return tuple(_as_seeded(gk, ak) for gk, ak in zip(g, ans))
    if isinstance(g, float) and type(ans).__name__ == "Duck":
        return duck(np.asarray(g))
    return g


def _same(got, expected, arg, where):
    if isinstance(expected, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(expected), where
        for gk, ek, ak in zip(got, expected, arg if isinstance(arg, (list, tuple)) else [arg] * len(expected)):
            _same(gk, ek, ak, where)
        return
    if isinstance(expected, np.ndarray) and expected.ndim:
        assert type(got).__name__ == "Duck", f"{where}: a {type(got)} where a duck array was expected"
    np.testing.assert_allclose(np.asarray(unduck(got)), expected, rtol=1e-12, atol=1e-12, err_msg=where)
