# HIPS/autograd@bff107b, examples/sinusoid.py (the second `fun`, a Taylor series), MIT licence
# (c) the President and Fellows of Harvard University. Changed: autograd.numpy -> numpy; the
# plotting left out. Note the `print` inside the loop, as in the original.
import numpy as np


def fun(x):
    currterm = x
    ans = currterm
    for i in range(1000):
        print(i, end=" ")
        currterm = -currterm * x**2 / ((2 * i + 3) * (2 * i + 2))
        ans = ans + currterm
        if np.abs(currterm) < 0.2:
            break  # (Very generous tolerance!)
    return ans
