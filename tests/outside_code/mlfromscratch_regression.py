# eriklindernoren/ML-From-Scratch@a2806c6, mlfromscratch/supervised_learning/regression.py, MIT
# licence (c) 2017 Erik Linder-Noren. Changed: only the regularization classes and the Regression
# base class kept (normalize and polynomial_features not imported). The classes are unchanged.
# The last lines are ours: objects as the example's models make them, and the loss its fit
# loop computes, as a function of the weights.
from __future__ import print_function, division
import numpy as np
import math


class l1_regularization():
    """ Regularization for Lasso Regression """
    def __init__(self, alpha):
        self.alpha = alpha
    
    def __call__(self, w):
        return self.alpha * np.linalg.norm(w)

    def grad(self, w):
        return self.alpha * np.sign(w)


class l2_regularization():
    """ Regularization for Ridge Regression """
    def __init__(self, alpha):
        self.alpha = alpha
    
    def __call__(self, w):
        return self.alpha * 0.5 *  w.T.dot(w)

    def grad(self, w):
        return self.alpha * w


class l1_l2_regularization():
    """ Regularization for Elastic Net Regression """
    def __init__(self, alpha, l1_ratio=0.5):
        self.alpha = alpha
        self.l1_ratio = l1_ratio

    def __call__(self, w):
        l1_contr = self.l1_ratio * np.linalg.norm(w)
        l2_contr = (1 - self.l1_ratio) * 0.5 * w.T.dot(w) 
        return self.alpha * (l1_contr + l2_contr)

    def grad(self, w):
        l1_contr = self.l1_ratio * np.sign(w)
        l2_contr = (1 - self.l1_ratio) * w
        return self.alpha * (l1_contr + l2_contr) 


class Regression(object):
    """ Base regression model. Models the relationship between a scalar dependent variable y and the independent 
    variables X. 
    Parameters:
    -----------
    n_iterations: float
        The number of training iterations the algorithm will tune the weights for.
    learning_rate: float
        The step length that will be used when updating the weights.
    """
    def __init__(self, n_iterations, learning_rate):
        self.n_iterations = n_iterations
        self.learning_rate = learning_rate

    def initialize_weights(self, n_features):
        """ Initialize weights randomly [-1/N, 1/N] """
        limit = 1 / math.sqrt(n_features)
        self.w = np.random.uniform(-limit, limit, (n_features, ))

    def fit(self, X, y):
        # Insert constant ones for bias weights
        X = np.insert(X, 0, 1, axis=1)
        self.training_errors = []
        self.initialize_weights(n_features=X.shape[1])

        # Do gradient descent for n_iterations
        for i in range(self.n_iterations):
            y_pred = X.dot(self.w)
            # Calculate l2 loss
            mse = np.mean(0.5 * (y - y_pred)**2 + self.regularization(self.w))
            self.training_errors.append(mse)
            # Gradient of l2 loss w.r.t w
            grad_w = -(y - y_pred).dot(X) + self.regularization.grad(self.w)
            # Update the weights
            self.w -= self.learning_rate * grad_w

    def predict(self, X):
        # Insert constant ones for bias weights
        X = np.insert(X, 0, 1, axis=1)
        y_pred = X.dot(self.w)
        return y_pred


L2_REG = l2_regularization(alpha=0.5)  # ours
ELASTIC = l1_l2_regularization(alpha=0.3, l1_ratio=0.4)  # ours


class RidgeLike(Regression):  # ours: what RidgeRegression.__init__ sets, without polynomial features
    def __init__(self):
        self.regularization = l2_regularization(alpha=0.5)
        super(RidgeLike, self).__init__(n_iterations=10, learning_rate=0.01)


MODEL = RidgeLike()  # ours
MODEL.w = np.array([0.3, -0.5, 0.8, 0.1])  # ours: weights as fit leaves them


def regression_mse(X, y):  # ours: the model's loss as a function of its inputs
    y_pred = MODEL.predict(X)
    return np.mean(0.5 * (y - y_pred)**2 + MODEL.regularization(MODEL.w))
