"""A Gauss-Newton fit with adgen's generated code: the Jacobian of decay.py's
residuals, column by column, from their tangent module jvp_decay.py (emitted with
``adgen emit --mode forward`` and committed beside it): one forward sweep per
parameter, which beats reverse sweeps when there are fewer parameters than
residuals. Run it: ``python examples/gauss_newton.py``."""

import numpy as np

from jvp_decay import jvp_residuals


def jacobian(p, t, observed):
    """The residuals and their Jacobian, shape ``(len(t), len(p))``."""
    columns = []
    for k in range(p.shape[0]):
        direction = np.zeros_like(p)
        direction[k] = 1.0
        r, column = jvp_residuals(p, t, observed, direction)
        columns.append(column)
    return r, np.stack(columns, axis=1)


def fit(p, t, observed, steps=50, tol=1e-12):
    """Gauss-Newton from ``p``: each step solves the linearised least-squares problem
    ``J dp = -r``. Returns the parameters and the number of steps taken."""
    for step in range(steps):
        r, J = jacobian(p, t, observed)
        dp = np.linalg.lstsq(J, -r, rcond=None)[0]
        p = p + dp
        if np.max(np.abs(dp)) < tol * (1.0 + np.max(np.abs(p))):
            return p, step + 1
    return p, steps


def data(seed=0, noise=1e-3):
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 4.0, 60)
    truth = np.array([2.0, 1.3, 0.5, 0.2])
    observed = truth[0] * np.exp(-truth[1] * t) + truth[2] * np.exp(-truth[3] * t) + noise * rng.standard_normal(t.shape)
    return t, observed, truth


if __name__ == "__main__":
    t, observed, truth = data()
    p, steps = fit(np.array([1.5, 1.0, 0.8, 0.3]), t, observed)
    print(f"Gauss-Newton: {steps} steps; parameters {np.round(p, 4)} (truth {truth})")
