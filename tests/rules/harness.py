"""Checks one derivative rule directly (no transpiler) against finite differences.

A rule-test module lists ``CASES``: each a ``Case`` naming the primal, its
arguments and keywords, and which argument positions to check. The coverage
test (``test_coverage.py``) fails when a registered primal has no case.
"""

from dataclasses import dataclass, field

import numpy as np

from gradcheck import check_vjp, random_like
from adgen.runtime.registry import lookup


@dataclass
class Case:
    primal: object
    args: tuple
    kwargs: dict = field(default_factory=dict)
    wrt: tuple = None  # positions to check; default: every float argument
    id: str = ""
    rtol: float = 1e-5
    atol: float = 1e-6
    fn: object = None  # how to evaluate the primal, when it is not callable as is (np.ndarray.T)
    zero_outputs: tuple = ()  # for tuple results: outputs whose cotangent is the float 0.0 (unused)

    def __post_init__(self):
        if self.wrt is None:
            self.wrt = tuple(i for i, a in enumerate(self.args) if _is_float(a))
        if not self.id:
            name = getattr(self.primal, "__name__", repr(self.primal))
            shapes = ",".join("x".join(map(str, np.shape(a))) or "s" for a in self.args if _is_float(a))
            self.id = f"{name}[{shapes}]" + (f"{sorted(self.kwargs)}" if self.kwargs else "")


def _is_float(a):
    if isinstance(a, float):
        return True
    return isinstance(a, np.ndarray) and a.dtype.kind == "f"


def cotangents(rule, g, ans, args, kwargs):
    out = rule.fn(g, ans, *args, **kwargs)
    return out if isinstance(out, tuple) else (out,)


def check_case(case, seed=0):
    """Check every argument in ``case.wrt``; a (nested) list argument entry by entry."""
    rng = np.random.default_rng(seed)
    rule = lookup(case.primal)
    assert rule is not None, f"no rule registered for {case.primal!r}"
    call = case.fn or case.primal
    ans = call(*case.args, **case.kwargs)
    g = random_like(ans, rng)
    if case.zero_outputs:
        g = tuple(0.0 if k in case.zero_outputs else gk for k, gk in enumerate(g))
    cots = cotangents(rule, g, ans, case.args, case.kwargs)
    assert case.wrt, f"{case.id}: nothing to check"
    for i in case.wrt:
        assert i < len(cots) and cots[i] is not None, f"{case.id}: rule returns no cotangent for argument {i}"
        if isinstance(case.args[i], (list, tuple)):
            _check_list_argument(case, call, i, g, cots[i])
            continue

        def f(*xs):
            return call(*xs, **case.kwargs)

        check_vjp(f, case.args, i, g, np.broadcast_to(cots[i], np.shape(case.args[i])), rtol=case.rtol, atol=case.atol)


def check_cotangent_shapes(case):
    """Cotangents have exactly their argument's shape (not merely a broadcastable one), and
    are finite."""
    rule = lookup(case.primal)
    ans = (case.fn or case.primal)(*case.args, **case.kwargs)
    g = np.ones(np.shape(ans)) if np.ndim(ans) else 1.0
    for i, c in enumerate(cotangents(rule, g, ans, case.args, case.kwargs)):
        if c is not None:
            assert np.shape(c) == np.shape(case.args[i])
            assert np.all(np.isfinite(c)), "a cotangent is not finite"


def _check_list_argument(case, call, i, g, cot):
    """The cotangent of a list argument is a list: check each float leaf as an argument of its own."""
    arg = case.args[i]
    assert isinstance(cot, list), f"{case.id}: the cotangent of a list argument must be a list"
    assert len(cot) == len(arg), f"{case.id}: {len(cot)} cotangents for {len(arg)} items"
    paths = list(_float_paths(arg))
    assert paths, f"{case.id}: nothing to check"
    for path in paths:
        leaf = _get(arg, path)

        def f(x, _path=path):
            args = list(case.args)
            args[i] = _put(args[i], _path, x)
            return call(*args, **case.kwargs)

        cot_leaf = np.broadcast_to(_get(cot, path), np.shape(leaf))
        check_vjp(f, (leaf,), 0, g, cot_leaf, rtol=case.rtol, atol=case.atol)


def _float_paths(obj, path=()):
    """Index paths of the float leaves of a nested list/tuple."""
    if isinstance(obj, (list, tuple)):
        for k, item in enumerate(obj):
            yield from _float_paths(item, path + (k,))
    elif _is_float(obj):
        yield path


def _get(obj, path):
    for k in path:
        obj = obj[k]
    return obj


def _put(obj, path, value):
    """A copy of nested ``obj`` with the leaf at ``path`` replaced (same list/tuple types)."""
    if not path:
        return value
    items = list(obj)
    items[path[0]] = _put(items[path[0]], path[1:], value)
    return type(obj)(items)


# -- builders for common shapes --------------------------------------------------

SHAPES = [(), (4,), (2, 3)]
BROADCAST_PAIRS = [((), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((3,), (3,))]


def arr(shape, rng, low=-2.0, high=2.0):
    """A float in [low, high) for shape (), else an array."""
    if shape == ():
        return float(rng.uniform(low, high))
    return rng.uniform(low, high, size=shape)


def unary_cases(primal, low=-2.0, high=2.0, shapes=SHAPES, seed=0, **kw):
    rng = np.random.default_rng(seed)
    return [Case(primal, (arr(s, rng, low, high),), **kw) for s in shapes]


def binary_cases(primal, low=-2.0, high=2.0, low2=None, high2=None, pairs=BROADCAST_PAIRS, seed=0, **kw):
    rng = np.random.default_rng(seed)
    low2 = low if low2 is None else low2
    high2 = high if high2 is None else high2
    return [Case(primal, (arr(a, rng, low, high), arr(b, rng, low2, high2)), **kw) for a, b in pairs]
