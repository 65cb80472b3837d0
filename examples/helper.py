"""A damped pendulum integrated with classic Runge-Kutta steps. The step and the
equations of motion are helpers: the gradient gets a forward and a backward
function for each, and the time loop records what each step's backward needs."""

import numpy as np


def rate(theta, omega, g_over_l, damping):
    """d(theta)/dt and d(omega)/dt."""
    return omega, -g_over_l * np.sin(theta) - damping * omega


def rk4_step(theta, omega, dt, g_over_l, damping):
    k1t, k1w = rate(theta, omega, g_over_l, damping)
    k2t, k2w = rate(theta + 0.5 * dt * k1t, omega + 0.5 * dt * k1w, g_over_l, damping)
    k3t, k3w = rate(theta + 0.5 * dt * k2t, omega + 0.5 * dt * k2w, g_over_l, damping)
    k4t, k4w = rate(theta + dt * k3t, omega + dt * k3w, g_over_l, damping)
    theta = theta + dt / 6.0 * (k1t + 2.0 * k2t + 2.0 * k3t + k4t)
    omega = omega + dt / 6.0 * (k1w + 2.0 * k2w + 2.0 * k3w + k4w)
    return theta, omega


def final_angle(theta0, g_over_l, damping, steps=40):
    """The pendulum's angle after ``steps`` steps of 0.05 s, released at rest."""
    theta, omega = theta0, 0.0
    for _ in range(steps):
        theta, omega = rk4_step(theta, omega, 0.05, g_over_l, damping)
    return theta
