"""Least-squares fit of a damped oscillator's parameters to observed positions, with
the trajectory from scipy.integrate.odeint. adgen differentiates the solve by the
adjoint method: a second, backward odeint call, not a trace of the solver's steps."""

import numpy as np
from scipy.integrate import odeint


def oscillator(state, t, damping, omega):
    position, velocity = state[0], state[1]
    return np.array([velocity, -2.0 * damping * omega * velocity - omega**2 * position])


def fit_loss(damping, omega, y0, times, observed):
    """Squared error between the simulated and observed positions."""
    trajectory = odeint(oscillator, y0, times, args=(damping, omega), rtol=1e-10, atol=1e-10)
    return np.sum((trajectory[:, 0] - observed) ** 2)
