import math

import numpy as np

LOG_2PI = math.log(2.0 * math.pi)


def neg_log_likelihood(mu, log_sigma, data):
    """Negative log-likelihood of data under N(mu, exp(log_sigma)^2)."""
    sigma = np.exp(log_sigma)
    z = (data - mu) / sigma
    n = data.shape[0]
    return 0.5 * np.sum(z ** 2) + n * log_sigma + 0.5 * n * LOG_2PI
