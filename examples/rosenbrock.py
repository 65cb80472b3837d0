import numpy as np


def rosenbrock(x):
    """The Rosenbrock function in any dimension."""
    head = x[:-1]
    tail = x[1:]
    return np.sum(100.0 * (tail - head ** 2) ** 2 + (1.0 - head) ** 2)
