"""Kepler's equation M = E - e sin(E), solved by Newton's method: a ``while`` solver."""

import numpy as np


def eccentric_anomaly(mean_anomaly, eccentricity):
    """The eccentric anomaly E of an orbit, to 1e-12."""
    E = mean_anomaly
    step = 1.0
    while np.abs(step) > 1e-12:
        f = E - eccentricity * np.sin(E) - mean_anomaly
        step = f / (1.0 - eccentricity * np.cos(E))
        E = E - step
    return E
