"""L2-regularised logistic regression, the objective of a Newton-CG fit
(examples/newton_cg.py): its gradient module is grad_logistic.py, its
Hessian-vector product module hvp_logistic.py (adgen emit --mode hvp)."""

import numpy as np


def logistic_loss(w, X, y, alpha):
    """The negative log likelihood of labels ``y`` (0 or 1) under weights ``w``, plus
    ``alpha / 2 * |w|^2``."""
    z = X @ w
    loss = np.sum(np.logaddexp(0.0, z) - y * z)
    return loss + 0.5 * alpha * np.sum(w * w)
