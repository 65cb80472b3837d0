"""A sum of two decaying exponentials, fitted to noisy samples by Gauss-Newton
(examples/gauss_newton.py). The Jacobian of the residuals comes from their
tangent module, jvp_decay.py (adgen emit --mode forward), one forward sweep
per parameter."""

import numpy as np


def residuals(p, t, observed):
    """The model ``a1 exp(-k1 t) + a2 exp(-k2 t)`` at the times ``t``, minus the
    observations; ``p = [a1, k1, a2, k2]``."""
    model = np.zeros_like(t)
    for j in range(0, p.shape[0], 2):
        model = model + p[j] * np.exp(-p[j + 1] * t)
    return model - observed
