"""The derivative-rule registry: the primal object -> its reverse rule.

A rule is an ordinary function ``rule(g, ans, <the primal's parameters>)``:
``g`` is the cotangent of the primal's result, ``ans`` the result itself. It
returns the cotangent of the first parameter, or a tuple with one entry per
leading parameter (``None`` for a parameter that has none). Parameters after
the tuple's length get no cotangent.

Keys are the resolved objects (``np.sin``, ``math.sin``, ``operator.mul``), so
every spelling of a function finds the same rule.
"""

__all__ = ["Rule", "vjp", "nondiff", "lookup", "is_nondiff", "rules", "nondiff_primals", "version"]


class Rule:
    """A registered reverse rule and what the transpiler needs to know about it.

    ``elementwise``: the result broadcasts its operands elementwise, so the
    cotangents it returns for scalar-literal operands need no unbroadcasting.
    ``outputs``: ``None`` for a single result; an int for a fixed tuple of
    results (``slogdet``: 2); ``"sequence"`` for a list of results whose length
    depends on the arguments (``split``). ``g`` and ``ans`` are then tuples.
    """

    __slots__ = ("fn", "elementwise", "outputs")

    def __init__(self, fn, elementwise=False, outputs=None):
        self.fn = fn
        self.elementwise = elementwise
        self.outputs = outputs

    def __repr__(self):
        return f"Rule({self.fn.__module__}.{self.fn.__qualname__})"


_RULES = {}
_NONDIFF = {}
_version = 0  # counts registrations: a gradient made before one may be stale


def version():
    return _version


def _changed():
    global _version
    _version += 1


def _key(obj):
    try:
        hash(obj)
    except TypeError:
        return ("id", id(obj))
    return obj


def vjp(*primals, elementwise=False, outputs=None):
    """Register the decorated function as the reverse rule of every primal."""
    if not primals:
        raise TypeError("vjp() needs at least one primal function")

    def register(fn):
        _changed()
        for primal in primals:
            _RULES[_key(primal)] = (primal, Rule(fn, elementwise, outputs))
            _NONDIFF.pop(_key(primal), None)
        return fn

    return register


def nondiff(*primals):
    """Declare functions whose results carry no derivative (shape, argmax, floor, ...)."""
    _changed()
    for primal in primals:
        _NONDIFF[_key(primal)] = primal
        _RULES.pop(_key(primal), None)


def lookup(obj):
    """The ``Rule`` registered for ``obj``, or ``None``."""
    entry = _RULES.get(_key(obj))
    return entry[1] if entry else None


def is_nondiff(obj):
    return _key(obj) in _NONDIFF


def rules():
    """Every (primal, Rule) pair, for coverage tests and documentation."""
    return list(_RULES.values())


def nondiff_primals():
    return list(_NONDIFF.values())
