"""Forward rules against reverse rules (issue 17 point 1): every forward rule has a
reverse rule (its parameters are bound through the reverse rule's signature), and every
reverse rule has a forward rule (``python tests/rules/test_forward_coverage.py`` lists any
that does not)."""

import numpy as np
import pytest
import scipy.integrate  # noqa: F401  (their rules register once the library is loaded)
import scipy.linalg  # noqa: F401
import scipy.special  # noqa: F401
import scipy.stats  # noqa: F401

from adgen.runtime import registry, tangent_registry
from adgen.runtime.tangent_registry import _TANGENTS


def _name(primal):
    return f"{getattr(primal, '__module__', None) or ''}.{getattr(primal, '__qualname__', repr(primal))}"


def test_every_forward_rule_has_a_reverse_rule():
    orphans = [_name(p) for p, _ in _TANGENTS.values() if registry.lookup(p) is None]
    assert orphans == []


def test_elementwise_reverse_rules_give_forward_rules():
    derived = [p for p, r in registry.rules() if r.elementwise]
    assert len(derived) > 200
    assert all(tangent_registry.lookup(p).derived is not None for p in derived if registry.key(p) not in _TANGENTS)
    assert tangent_registry.lookup(np.sum).linear == (0,) and tangent_registry.lookup(np.sum).derived is None


def missing():
    """The built-in reverse rules without a forward rule (the tests' own rules left out)."""
    return sorted(_name(p) for p, r in registry.rules() if r.fn.__module__.startswith("adgen.runtime.") and not tangent_registry.covered(p))


def test_every_reverse_rule_has_a_forward_rule():
    assert missing() == []  # ``python tests/rules/test_forward_coverage.py`` lists those that do not


if __name__ == "__main__":
    print("\n".join(missing()))
    print(len(missing()), "reverse rules without a forward rule, of", len(registry.rules()))
