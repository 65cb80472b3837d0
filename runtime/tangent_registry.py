"""The forward-mode rule registry: a primal -> how a tangent goes through it.

A primal's forward rule comes in one of three kinds:

- **derived** from its reverse rule, when that rule is elementwise
  (``registry.Rule.elementwise``): the cotangent it returns for a parameter is ``g``
  times the parameter's partial derivative, entry by entry, summed over the axes the
  parameter was broadcast along. With the parameter's tangent in place of ``g`` and
  nothing summed, the same expression is the parameter's contribution to the tangent
  of the result. Nothing is registered here for those;
- **linear** (``linear(np.sum, args=(0,))``): the primal is linear in each of the
  parameters ``args`` while the others are held fixed, so a parameter's contribution is
  the primal called with its tangent in its place. A parameter that takes a sequence
  of arrays (``np.concatenate``'s ``arrays``) takes the sequence of their tangents,
  zeros for the items without one;
- **joint** (``joint(np.append, args=(0, 1))``): the primal is linear in the parameters
  ``args`` together (it joins or spreads them: ``np.append``, ``np.linspace``,
  ``np.meshgrid``'s ``*xi``), though not in each with the others held; the tangent is
  the primal called once with every one of them replaced by its tangent (a zero tangent
  for those without one);
- **explicit** (``@jvp(np.linalg.solve, arg=0)``): an ordinary function
  ``rule(t, ans, <the primal's parameters>)`` returning the contribution of ``t``, the
  tangent of parameter ``arg``, to the tangent of the result. A primal returning a
  tuple (its reverse rule registered with ``outputs=N``, taking a tuple cotangent) has
  a rule returning the tuple of the tangents of its results, one per result (zeros,
  not ``None``, for a result that does not vary, such as ``slogdet``'s sign; a tuple
  display the rule returns as its one expression may hold ``None`` there): forward
  mode unpacks it as the statement unpacks the result (``q, r = np.linalg.qr(a)``
  gets ``_dot_q, _dot_r = ...``), and several arguments' tuples add entry by entry
  (``transpiler/forward_tuples.py``). A rule whose result's form depends on the
  arguments (``qr(a, mode="r")``, ``svd(a, compute_uv=False)``: one array) returns
  the tangent of the form the call returns.

A few primals whose tangent is not a sum of one contribution per parameter (``max(a, b)``
takes the tangent of the argument it returns; ``_rt.with_item`` puts a tangent into a
container, where ``+`` would join lists) are declared ``written(...)``: the transpiler
writes their tangents itself (``transpiler/forward_containers.py``).

The tangent of a result is the sum of the contributions of the parameters whose values
carry a tangent. Keys are the resolved primal objects, as for reverse rules
(``registry``), so every spelling of a function finds the same rule.
"""

__all__ = ["Tangent", "jvp", "linear", "joint", "written", "sequence_valued", "lookup", "covered"]

from adgen.runtime import registry


class Tangent:
    """How a tangent goes through one primal: ``linear``, the indices of the parameters
    it is linear in, or ``None``; ``joint``: those it is linear in together, or ``None``;
    ``rules``: parameter index -> explicit rule; ``derived``: the elementwise reverse
    ``registry.Rule`` the contributions come from, or ``None``; ``written``: the
    transpiler writes the tangent itself."""

    __slots__ = ("linear", "joint", "rules", "derived", "written", "sequence")

    def __init__(self, linear=None, rules=None, derived=None, joint=None, written=False):
        self.linear = linear
        self.joint = joint
        self.rules = dict(rules or {})
        self.derived = derived
        self.written = written
        self.sequence = False  # its result may be a tuple or list of arrays (``np.gradient`` of a matrix): tangents add entry by entry

    def __repr__(self):
        if self.written:
            return "Tangent(written by the transpiler)"
        if self.derived is not None:
            return f"Tangent(derived from {self.derived!r})"
        return f"Tangent(linear={self.linear}, joint={self.joint}, rules={sorted(self.rules)})"


_TANGENTS = {}


def _entry(primal):
    key = registry.key(primal)
    if key not in _TANGENTS:
        _TANGENTS[key] = (primal, Tangent())
    return _TANGENTS[key][1]


def jvp(*primals, arg=0):
    """Register the decorated ``rule(t, ans, <parameters>)`` as the contribution of the
    tangent of parameter ``arg`` (its index) for every primal."""
    if not primals:
        raise TypeError("jvp() needs at least one primal function")

    def register(fn):
        registry.changed()
        for primal in primals:
            _entry(primal).rules[arg] = fn
        return fn

    return register


def linear(*primals, args=(0,)):
    """Declare every primal linear in each parameter of ``args`` (indices), the others
    held fixed."""
    registry.changed()
    for primal in primals:
        _entry(primal).linear = tuple(args)


def joint(*primals, args):
    """Declare every primal linear in the parameters of ``args`` (indices) together."""
    registry.changed()
    for primal in primals:
        _entry(primal).joint = tuple(args)


def written(*primals):
    """Declare primals whose tangents the transpiler writes itself (``forward_containers``)."""
    registry.changed()
    for primal in primals:
        _entry(primal).written = True


def sequence_valued(*primals):
    """Declare primals whose result is a tuple or list of arrays for some arguments and one
    array for others (``np.gradient``), though their reverse rules take one cotangent: the
    contributions of several parameters add entry by entry."""
    registry.changed()
    for primal in primals:
        _entry(primal).sequence = True


def lookup(primal):
    """The ``Tangent`` of ``primal``: registered, or derived from an elementwise reverse
    rule; ``None`` when it has neither."""
    entry = _TANGENTS.get(registry.key(primal))
    if entry is None and registry.load_pending():  # an optional library's rules, once the user's code has loaded it
        entry = _TANGENTS.get(registry.key(primal))
    if entry is not None:
        return entry[1]
    rule = registry.lookup(primal)
    if rule is not None and rule.elementwise and not isinstance(rule.outputs, int):  # a tuple's tangents need a rule of their own
        return Tangent(derived=rule)
    return None


def covered(primal):
    """Does ``primal`` have a forward rule (of any kind)?"""
    return lookup(primal) is not None
