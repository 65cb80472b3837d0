# HIPS/autograd@bff107b, examples/neural_net.py, MIT licence (c) the President and Fellows of
# Harvard University. Changed: autograd.numpy -> numpy, autograd.scipy.special -> scipy.special;
# only neural_net_predict kept (l2_norm needs autograd's flatten); `neural_net_log_lik` is ours:
# the log_lik line of the example's log_posterior.
import numpy as np
from scipy.special import logsumexp


def neural_net_predict(params, inputs):
    """Implements a deep neural network for classification.
    params is a list of (weights, bias) tuples.
    inputs is an (N x D) matrix.
    returns normalized class log-probabilities."""
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs - logsumexp(outputs, axis=1, keepdims=True)


def neural_net_log_lik(params, inputs, targets):  # ours
    return np.sum(neural_net_predict(params, inputs) * targets)
