"""A projectile with air drag, stepped until it lands: a loop with ``break``."""

import numpy as np

DT = 0.01
G = 9.81


def landing_distance(speed, angle, drag):
    """Horizontal distance travelled before the projectile falls back to the ground."""
    vx = speed * np.cos(angle)
    vy = speed * np.sin(angle)
    x = 0.0
    y = 0.0
    for step in range(10000):
        v = np.sqrt(vx * vx + vy * vy)
        vx = vx - DT * drag * v * vx
        vy = vy - DT * (G + drag * v * vy)
        x = x + DT * vx
        y = y + DT * vy
        if y < 0.0:
            break
    return x
