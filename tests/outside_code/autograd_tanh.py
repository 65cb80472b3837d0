# HIPS/autograd@bff107b, examples/tanh.py, MIT licence (c) the President and Fellows of Harvard
# University. Changed: autograd.numpy -> numpy; the plotting left out.
import numpy as np


def tanh(x):
    return (1.0 - np.exp(-2 * x)) / (1.0 + np.exp(-(2 * x)))
