# HIPS/autograd@bff107b, examples/rosenbrock.py, MIT licence (c) the President and Fellows of
# Harvard University. Changed: autograd.numpy -> numpy; the minimize call left out.
import numpy as np


def rosenbrock(x):
    return 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2
