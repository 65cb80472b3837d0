"""The derivative-rule registry: the primal object -> its reverse rule.

A rule is an ordinary function ``rule(g, ans, <the primal's parameters>)``:
``g`` is the cotangent of the primal's result, ``ans`` the result itself. It
returns the cotangent of the first parameter, or a tuple with one entry per
leading parameter (``None`` for a parameter that has none). Parameters after
the tuple's length get no cotangent.

Keys are the resolved objects (``np.sin``, ``math.sin``, ``operator.mul``), so
every spelling of a function finds the same rule.
"""

__all__ = ["UNKNOWN", "Rule", "vjp", "variant", "nondiff", "optional", "lookup", "is_nondiff", "rules", "nondiff_primals", "version", "rule_of", "cotangents"]

import importlib
import sys


class Rule:
    """A registered reverse rule and what the transpiler needs to know about it.

    ``elementwise``: the result broadcasts its operands elementwise, so the
    cotangents it returns for scalar-literal operands need no unbroadcasting.
    ``outputs``: ``None`` for a single result; an int for a fixed tuple of
    results (``slogdet``: 2); ``"sequence"`` for a list of results whose length
    depends on the arguments (``split``). ``g`` and ``ans`` are then tuples.
    ``refuse``: ``None``, or a function taking, by parameter name, the primal's
    arguments that the transpiler can see (literals and module-level objects; a
    ``*args`` parameter gets a tuple, with ``UNKNOWN`` for the others) and
    returning why the rule cannot differentiate such a call, or ``None``:
    the transpiler reports it (AD210) instead of generating code that would fail
    or be wrong when it runs.
    ``constant``: names of parameters the rule does not differentiate although the
    function depends on them smoothly (the order ``v`` of ``scipy.special.iv``): a
    differentiated value reaching one is refused (AD311), never given a zero cotangent.
    ``complex``: whether the rule is right for complex values too (checked by
    finite differences on real and imaginary parts, ``tests/rules/test_complex.py``):
    ``False`` (the transpiler refuses complex values here, AD310), ``True`` (the
    same rule), or the rule to use instead where a value may be complex. The
    convention inside generated code is that of autograd and JAX: the cotangent
    of ``z`` is ``dL/dx - i dL/dy``, so a holomorphic function's rule is its real
    rule (``g * f'(z)``); the gradients returned are conjugated (``adgen.runtime.core.as_grad``).
    ``variants``: ``(when, Rule)`` pairs (``variant``): a call whose statically known
    arguments (by parameter name, as for ``refuse``) make ``when`` true uses that rule
    instead, e.g. ``np.linalg.svd(a, compute_uv=False)``, which returns one array
    where ``svd`` returns three. ``pick(known)`` chooses.
    ``callbacks``: ``{parameter: layout}`` for parameters that take a function of the
    user's which the primal calls (``func`` of ``scipy.integrate.odeint``). The rule
    takes a keyword-only parameter ``<parameter>_vjp`` (default ``None``), which the
    transpiler fills with that function's VJP, generated from its source
    (``adgen.runtime.callbacks``). ``layout(**known)`` (the statically known arguments,
    as for ``refuse``) says how the primal calls the function: a tuple with one entry
    per argument, ``True`` where the argument is differentiated (the state of an ODE),
    ``False`` where it is not (the time), or ``"*name"`` for the items of the primal's
    tuple argument ``name``, each differentiated when the value passed there is; or a
    string saying why such a call is not differentiated (AD212).
    ``attribute``: the primal returns an object (``solve_ivp``'s ``OdeResult``) of which
    only this attribute (``"y"``) is differentiated, and ``g`` is that attribute's
    cotangent. The transpiler writes ``sol.y`` as ``_rt.attribute(sol, "y")`` and the
    object's other attributes as ``_rt.constant_attribute(sol, "t")`` (``lift.py``).
    ``shape``: ``None``, or a function of the call's positional operands' static shapes
    (``None`` where one is not known) returning the result's shape, or ``None``;
    ``shapes.py`` uses it to drop the unbroadcasting of cotangents whose shapes agree
    (``cho_solve(cf, b)`` has ``b``'s shape).
    """

    __slots__ = ("fn", "elementwise", "outputs", "refuse", "complex", "constant", "variants", "callbacks", "attribute", "shape")

    def __init__(self, fn, elementwise=False, outputs=None, refuse=None, complex=False, constant=(), callbacks=None, attribute=None, shape=None):
        self.fn = fn
        self.elementwise = elementwise
        self.outputs = outputs
        self.refuse = refuse
        self.complex = complex
        self.constant = tuple(constant)
        self.variants = []
        self.callbacks = dict(callbacks or {})
        self.attribute = attribute
        self.shape = shape

    def pick(self, known):
        """The rule for a call whose statically known arguments are ``known`` (a dict)."""
        for when, rule in self.variants:
            if when(**known):
                return rule
        return self

    def for_complex(self):
        """The rule to use where a value may be complex, or None."""
        if self.complex is True or not self.complex:
            return self if self.complex else None
        if not isinstance(self.complex, Rule):
            self.complex = Rule(self.complex, self.elementwise, self.outputs, self.refuse, True, self.constant, self.callbacks, self.attribute, self.shape)
        return self.complex

    def __repr__(self):
        return f"Rule({self.fn.__module__}.{self.fn.__qualname__})"


UNKNOWN = type("Unknown", (), {"__repr__": lambda self: "UNKNOWN"})()  # an argument known only at run time

_RULES = {}
_NONDIFF = {}
_PENDING = {}  # an optional library -> the modules of its rules, not imported yet
_version = 0  # counts registrations: a gradient made before one may be stale


def version():
    return _version


def changed():
    """A rule was registered (reverse or forward): gradients made before may be stale."""
    global _version
    _version += 1


def key(obj):
    """The registry's key for a primal: the object, or its identity when unhashable."""
    try:
        hash(obj)
    except TypeError:
        return ("id", id(obj))
    return obj


def vjp(*primals, elementwise=False, outputs=None, refuse=None, complex=False, constant=(), callbacks=None, attribute=None, shape=None):
    """Register the decorated function as the reverse rule of every primal."""
    if not primals:
        raise TypeError("vjp() needs at least one primal function")

    def register(fn):
        changed()
        for primal in primals:
            _RULES[key(primal)] = (primal, Rule(fn, elementwise, outputs, refuse, complex, constant, callbacks, attribute, shape))
            _NONDIFF.pop(key(primal), None)
        return fn

    return register


def variant(primal, when, *, elementwise=False, outputs=None, refuse=None, complex=False):
    """Register the decorated function as ``primal``'s rule for the calls whose statically
    known arguments make ``when(**known)`` true (``primal``'s own rule must come first).
    An argument known only at run time is missing from ``known``: ``when`` must then
    answer False, and the main rule is used."""

    def register(fn):
        changed()
        _RULES[key(primal)][1].variants.append((when, Rule(fn, elementwise, outputs, refuse, complex)))
        return fn

    return register


def nondiff(*primals):
    """Declare functions whose results carry no derivative (shape, argmax, floor, ...)."""
    changed()
    for primal in primals:
        _NONDIFF[key(primal)] = primal
        _RULES.pop(key(primal), None)


def optional(library, rules):
    """Rules for an optional ``library`` (``"scipy.special"``) live in the module ``rules``,
    imported on the first lookup that misses once the user's code has imported the
    library: importing adgen never imports it. A library may have several such modules
    (its reverse rules, its forward rules)."""
    _PENDING.setdefault(library, []).append(rules)


def load_pending():
    """Import the rule modules whose library is loaded now; whether any was."""
    ready = [library for library in _PENDING if library in sys.modules]
    for library in ready:
        for rules in _PENDING.pop(library):
            importlib.import_module(rules)
    return bool(ready)


def lookup(obj):
    """The ``Rule`` registered for ``obj``, or ``None``."""
    entry = _RULES.get(key(obj))
    if entry is None and _PENDING and load_pending():
        entry = _RULES.get(key(obj))
    return entry[1] if entry else None


def rule_of(primal, qualname):
    """The rule function named ``qualname`` registered for ``primal`` (its own rule or a
    variant): how generated code calls a rule no module holds by its name (one defined
    inside a function, a lambda, one made by ``exec()``)."""
    rule = lookup(primal)
    for found in [rule] + [r for _, r in rule.variants] if rule else []:
        if found.fn.__qualname__ == qualname:
            return found.fn
    raise LookupError(f"no derivative rule {qualname} is registered for {primal!r} in this process: "
                      "run the code that registers it (`@defvjp`) before the gradient")


def cotangents(result, slots):
    """A rule's result as ``slots`` cotangents, one per leading parameter, ``0.0`` for
    ``None`` and for the parameters after its end: for rules whose source Python did not
    keep, so the transpiler could not read which entries they return."""
    found = result if isinstance(result, tuple) else (result,)
    return tuple(0.0 if c is None else c for c in found[:slots]) + (0.0,) * (slots - len(found))


def is_nondiff(obj):
    if key(obj) not in _NONDIFF and _PENDING:
        load_pending()
    return key(obj) in _NONDIFF


def rules():
    """Every (primal, Rule) pair, for coverage tests and documentation (the optional
    libraries' too, where they are loaded)."""
    load_pending()
    return list(_RULES.values())


def nondiff_primals():
    return list(_NONDIFF.values())
