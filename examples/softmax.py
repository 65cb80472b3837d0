import numpy as np


def cross_entropy(logits, label):
    """Cross-entropy of a softmax over one row of logits."""
    shifted = logits - np.max(logits)
    log_norm = np.log(np.sum(np.exp(shifted)))
    return log_norm - shifted[label]
