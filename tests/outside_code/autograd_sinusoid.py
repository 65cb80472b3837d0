# HIPS/autograd@bff107b, examples/sinusoid.py, MIT licence (c) the President and Fellows of
# Harvard University. Changed: autograd.numpy -> numpy; the script's plotting left out. The
# file defines `fun` twice; the second (Taylor series) one is in autograd_sinusoid_taylor.py.
import numpy as np


def fun(x):
    return np.sin(x)
