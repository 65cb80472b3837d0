# HIPS/autograd@bff107b, examples/ode_net.py, MIT licence (c) the President and Fellows of
# Harvard University. Changed: autograd.numpy -> numpy, autograd.scipy.integrate.odeint ->
# scipy.integrate.odeint, autograd.builtins.tuple -> the builtin tuple; the data (true_y0, t,
# true_y) and train_loss taken out of the script's `__main__` unchanged, with 8 time points
# instead of 30; init_nn_params, plotting and the optimizer left out.
import numpy as np
from scipy.integrate import odeint

N = 8  # Dataset size (ours: 30 in the example)
D = 2  # Data dimension
max_T = 1.5


# Two-dimensional damped oscillator
def func(y, t0, A):
    return np.dot(y**3, A)


def nn_predict(inputs, t, params):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.maximum(0, outputs)
    return outputs


# Define neural ODE model.
def ode_pred(params, y0, t):
    return odeint(nn_predict, y0, t, tuple((params,)), rtol=0.01)


def L1_loss(pred, targets):
    return np.mean(np.abs(pred - targets))


true_y0 = np.array([2.0, 0.0]).T
t = np.linspace(0.0, max_T, N)
true_A = np.array([[-0.1, 2.0], [-2.0, -0.1]])
true_y = odeint(func, true_y0, t, args=(true_A,))


def train_loss(params, iter):
    pred = ode_pred(params, true_y0, t)
    return L1_loss(pred, true_y)
