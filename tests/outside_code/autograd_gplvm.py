# HIPS/autograd@bff107b, examples/gplvm.py, MIT licence (c) the President and Fellows of Harvard
# University. Changed: autograd.numpy -> numpy, autograd.scipy.stats -> scipy.stats; the model
# and objective taken out of the script's `__main__` unchanged, with 6 data points (the
# example's make_pinwheel, from examples/data.py, with 2 per class instead of 30); plotting and
# the optimizer left out.
import numpy as np
import numpy.random as npr
from scipy.stats import norm

from outside_code.autograd_gaussian_process import make_gp_funs, rbf_covariance


def make_pinwheel(radial_std, tangential_std, num_classes, num_per_class, rate, rs=None):
    """Based on code by Ryan P. Adams."""
    rs = rs if rs is not None else npr.RandomState(0)
    rads = np.linspace(0, 2 * np.pi, num_classes, endpoint=False)

    features = rs.randn(num_classes * num_per_class, 2) * np.array([radial_std, tangential_std])
    features[:, 0] += 1
    labels = np.repeat(np.arange(num_classes), num_per_class)

    angles = rads[labels] + rate * np.exp(features[:, 0])
    rotations = np.stack([np.cos(angles), -np.sin(angles), np.sin(angles), np.cos(angles)])
    rotations = np.reshape(rotations.T, (-1, 2, 2))

    return np.einsum("ti,tij->tj", features, rotations)


data_dimension = 2  # Normally the data dimension would be much higher.
latent_dimension = 2

# Build model and objective function.
params_per_gp, predict, log_marginal_likelihood = make_gp_funs(
    rbf_covariance, num_cov_params=latent_dimension + 1
)
total_gp_params = data_dimension * params_per_gp

data = make_pinwheel(radial_std=0.3, tangential_std=0.05, num_classes=3, num_per_class=2, rate=0.4)
datalen = data.shape[0]

num_latent_params = datalen * latent_dimension


def unpack_params(params):
    gp_params = np.reshape(params[:total_gp_params], (data_dimension, params_per_gp))
    latents = np.reshape(params[total_gp_params:], (datalen, latent_dimension))
    return gp_params, latents


def objective(params):
    gp_params, latents = unpack_params(params)
    gp_likelihood = sum(
        [log_marginal_likelihood(gp_params[i], latents, data[:, i]) for i in range(data_dimension)]
    )
    latent_prior_likelihood = np.sum(norm.logpdf(latents))
    return -gp_likelihood - latent_prior_likelihood
