"""A friction law with regimes: a branchy function."""

import numpy as np


def friction_force(v, load, mu_s, mu_k):
    """Stick, Stribeck and viscous regimes of the friction on a sliding block."""
    speed = np.abs(v)
    if speed < 1e-3:
        force = mu_s * load * v / 1e-3
    elif speed < 0.5:
        stribeck = mu_k + (mu_s - mu_k) * np.exp(-speed / 0.1)
        force = stribeck * load * np.sign(v)
    else:
        drag = 0.2 * speed if load > 1.0 else 0.1 * speed
        force = (mu_k * load + drag) * np.sign(v)
    return force
