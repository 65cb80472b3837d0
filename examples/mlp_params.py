import numpy as np


def mlp_loss(params, x, y):
    """Mean squared error of a two-layer tanh MLP on a batch (x: batch x inputs).

    params = {"W1": inputs x hidden, "b1": hidden, "W2": hidden x outputs, "b2": outputs}
    """
    h = np.tanh(x @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    return np.mean((out - y) ** 2)
