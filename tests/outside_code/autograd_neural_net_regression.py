# HIPS/autograd@bff107b, examples/neural_net_regression.py, MIT licence (c) the President and
# Fellows of Harvard University. Changed: autograd.numpy -> numpy, autograd.scipy.stats ->
# scipy.stats; log_gaussian (autograd's flatten) and the script left out.
import numpy as np
from scipy.stats import norm


def nn_predict(params, inputs, nonlinearity=np.tanh):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = nonlinearity(outputs)
    return outputs


def logprob(weights, inputs, targets, noise_scale=0.1):
    predictions = nn_predict(weights, inputs)
    return np.sum(norm.logpdf(predictions, targets, noise_scale))
