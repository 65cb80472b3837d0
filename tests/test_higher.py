"""Higher order (issue 17 points 2 and 3): ``hvp`` (reverse mode over the tangent
module), ``hessian``, ``jacobian``/``jacfwd``/``jacrev``, ``grad(grad(f))``, and the public
``check_grads``, on the functions of ``forward_cases``, against finite differences of the
lower order."""

import numpy as np
import pytest

import forward_cases
from adgen import check_grads, defvjp, grad, hessian, hvp, jacfwd, jacobian, jacrev, jvp

CASES = forward_cases.cases()
# reverse mode's aliasing cannot tell that an item of the tuple a tangent function returns is a
# new array, so hvp of a function that stores into what a function of its own returned is AD305
REFUSED = {
    forward_cases.store_after_call: "AD305: stores into the result of a call, in the tangent module hvp differentiates",
    forward_cases.clipped_sum: "AD201: np.clip's rule is called (elementwise_jvp), and its second derivatives have no rule",
    forward_cases.qr_energy: "AD302: qr's forward rule returns (dQ, dR) or dR (mode='r'), not one tuple display reverse mode can unpack",
    forward_cases.svd_energy: "AD302: svd's forward rule returns (dU, ds, dVh) or ds (compute_uv=False), not one tuple display reverse mode can unpack",
}
SCALAR = [pytest.param(*c, marks=pytest.mark.xfail(strict=True, reason=REFUSED[c[0]])) if c[0] in REFUSED else c
          for c in CASES if np.ndim(c[0](*c[1])) == 0]
ids = lambda cases: [f"{(c.values if hasattr(c, 'values') else c)[0].__name__}{k}" for k, c in enumerate(cases)]  # noqa: E731


def _first(wrt):
    return wrt[0] if isinstance(wrt, tuple) else wrt


@pytest.mark.parametrize("fn, args, wrt", SCALAR, ids=ids(SCALAR))
def test_hvp_and_hessian_against_finite_differences_of_the_gradient(fn, args, wrt):
    check_grads(fn, args, wrt=_first(wrt), order=2)
    i = _first(wrt)
    H = hessian(fn, wrt=i)(*args)
    x = args[i]
    assert H.shape == np.shape(x) + np.shape(x)
    g, h = grad(fn, wrt=i), 1e-5
    for k, e in enumerate(np.eye(np.size(x))):
        e = e.reshape(np.shape(x)) if np.ndim(x) else 1.0
        moved = lambda s: [a + s * h * e if j == i else a for j, a in enumerate(args)]  # noqa: E731
        column = (np.asarray(g(*moved(1))) - np.asarray(g(*moved(-1)))) / (2 * h)
        np.testing.assert_allclose(H.reshape(np.size(x), np.size(x))[:, k], np.ravel(column), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H.reshape(np.size(x), -1), H.reshape(np.size(x), -1).T, rtol=1e-9, atol=1e-10)  # symmetric


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=ids(CASES))
def test_jacobians_both_ways_agree_with_finite_differences(fn, args, wrt):
    i = _first(wrt)
    J = jacobian(fn, wrt=i)(*args)
    value, x = fn(*args), args[i]
    assert J.shape == np.shape(value) + np.shape(x)
    np.testing.assert_allclose(jacfwd(fn, wrt=i)(*args), jacrev(fn, wrt=i)(*args), rtol=1e-10, atol=1e-12)
    check_grads(fn, args, wrt=i, modes=("fwd", "rev"))
    v = np.random.default_rng(2).standard_normal(np.shape(x)) if np.ndim(x) else 0.7
    _, tangent = jvp(fn, wrt=i)(*args, v)
    np.testing.assert_allclose(np.tensordot(J, v, axes=np.ndim(x)), tangent, rtol=1e-10, atol=1e-12)


def test_grad_of_grad_of_a_scalar_function():
    f = forward_cases.kepler
    g = grad(f)
    d2 = grad(grad(f))
    cross = grad(grad(f), wrt=1)
    h = 1e-5
    assert d2(0.8, 0.3) == pytest.approx((g(0.8 + h, 0.3) - g(0.8 - h, 0.3)) / (2 * h), rel=1e-6)
    assert cross(0.8, 0.3) == pytest.approx((g(0.8, 0.3 + h) - g(0.8, 0.3 - h)) / (2 * h), rel=1e-6)
    with pytest.raises(TypeError, match="needs `x` to be a number"):
        grad(grad(forward_cases.branchy))(np.ones(3))


def test_the_hvp_module_is_generated_code():
    text = hvp(forward_cases.mlp, wrt=0).source
    assert "def value_and_grad_directional_mlp(" in text and "def _fwd_jvp_mlp(" in text and "def _bwd_jvp_mlp(" in text


def crooked(x):
    return np.sin(x)


@defvjp(crooked)
def _crooked_rule(g, ans, x):
    return g * np.sin(x)  # wrong: the derivative of sin is cos


def uses_crooked(x):
    return np.sum(crooked(x) * x)


def test_check_grads_names_the_argument_and_the_worst_entry():
    x = np.array([0.1, 0.4, -0.3])
    check_grads(forward_cases.softplus_sum, (x, x[::-1].copy()), wrt=(0, 1), order=2)
    with pytest.raises(AssertionError, match=r"reverse mode \(vjp\) <J\^T w, v> of `x` disagrees: worst entry: got"):
        check_grads(uses_crooked, (x,), modes=("rev",))


def test_check_grads_says_what_it_cannot_check():
    with pytest.raises(TypeError, match="`xs` is a list"):
        check_grads(lambda xs: xs[0] * 2.0, ([1.0, 2.0],), wrt=0)
    with pytest.raises(ValueError, match="order must be 1 or 2"):
        check_grads(forward_cases.kepler, (0.8, 0.3), order=3)
