"""A Newton-CG fit with adgen's generated code: SciPy's ``minimize`` takes the
gradient from grad_logistic.py and Hessian-vector products from hvp_logistic.py,
both emitted from logistic.py and committed beside it. Run it:
``python examples/newton_cg.py``."""

import numpy as np
from scipy.optimize import minimize

from grad_logistic import value_and_grad_logistic_loss
from hvp_logistic import value_and_grad_directional_logistic_loss
from logistic import logistic_loss


def fit(X, y, alpha=1.0):
    """The weights that minimise ``logistic_loss``, and SciPy's result."""

    def gradient(w, X, y, alpha):
        return value_and_grad_logistic_loss(w, X, y, alpha)[1]

    def hessian_times(w, v, X, y, alpha):  # H v: the gradient of the derivative along v
        return value_and_grad_directional_logistic_loss(w, X, y, alpha, v)[1]

    w0 = np.zeros(X.shape[1])
    result = minimize(logistic_loss, w0, args=(X, y, alpha), method="Newton-CG", jac=gradient, hessp=hessian_times, options={"xtol": 1e-10})
    return result.x, result


def data(n=200, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = rng.standard_normal(d)
    y = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-X @ w))).astype(float)
    return X, y


if __name__ == "__main__":
    X, y = data()
    w, result = fit(X, y)
    print(f"Newton-CG: {result.nit} iterations, {result.nfev} losses, {result.njev} gradients, {result.nhev} Hessian-vector products")
    print("weights:", np.round(w, 6))
    print("gradient at the optimum:", np.abs(value_and_grad_logistic_loss(w, X, y, 1.0)[1]).max())
