import numpy as np


def ring_energy(pos, stiffness, rest):
    """Potential energy of a closed ring of springs between 2-D points (pos: n x 2)."""
    delta = np.roll(pos, -1, axis=0) - pos
    length = np.linalg.norm(delta, axis=1)
    stretch = length - rest
    return 0.5 * stiffness * np.sum(stretch ** 2)
