"""Every rule case in forward mode: the function ``test_through_transpiler`` writes for
the case (a weighted sum of the primal's result), its tangent from ``jvp`` against the
dot product of its gradient (checked there against finite differences) with the same
tangents: ``<grad f, v> == J v``. A case forward mode does not cover yet must be
refused with AD224, never give a number; ``test_coverage_of_forward_rules`` counts
those."""

import numpy as np
import pytest

from adgen import grad, jvp
from adgen.errors import TranspileError
from tests.rules.test_through_transpiler import CASES, build


def _tangents(args, wrt, rng):
    return tuple(rng.standard_normal(np.shape(args[i])) if np.ndim(args[i]) else float(rng.standard_normal()) for i in wrt)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule_forward(case, tmp_path):
    fn, args, wrt = build(case, tmp_path)
    tangents = _tangents(args, wrt, np.random.default_rng(3))
    try:
        value, tangent = jvp(fn, wrt=tuple(wrt))(*args, tangents)
    except TranspileError as exc:
        assert {d.code for d in exc.diagnostics} == {"AD224"}, str(exc)
        return
    except NotImplementedError as exc:  # a forward rule that raises for these arguments (np.linalg.norm's matrix norms)
        assert str(exc).startswith("forward mode:")
        return
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12, atol=1e-12)
    grads = grad(fn, wrt=tuple(wrt))(*args)
    expected = sum(np.sum(np.asarray(g) * v) for g, v in zip(grads, tangents))
    scale = max(1.0, sum(float(np.sum(np.abs(np.asarray(g) * v))) for g, v in zip(grads, tangents)))
    assert abs(tangent - expected) <= max(case.rtol, 1e-7) * scale + max(case.atol, 1e-9), (tangent, expected)
