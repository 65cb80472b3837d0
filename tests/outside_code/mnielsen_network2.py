# mnielsen/neural-networks-and-deep-learning@72db53d, src/network2.py, MIT licence (c) 2012-2022
# Michael Nielsen. Changed: the file is Python 2; only the Python-3-valid parts below are kept
# (the cost classes, Network.__init__, default_weight_initializer, feedforward, total_cost,
# vectorized_result, sigmoid, sigmoid_prime), unchanged; docstrings of the cost classes' fn left
# out, and those of __init__ and default_weight_initializer. The last lines are ours: a small network whose weights are then set from a seeded
# generator (as default_weight_initializer would draw them), and its cost on a small data set.
import numpy as np


class QuadraticCost(object):

    @staticmethod
    def fn(a, y):
        return 0.5*np.linalg.norm(a-y)**2

    @staticmethod
    def delta(z, a, y):
        """Return the error delta from the output layer."""
        return (a-y) * sigmoid_prime(z)


class CrossEntropyCost(object):

    @staticmethod
    def fn(a, y):
        return np.sum(np.nan_to_num(-y*np.log(a)-(1-y)*np.log(1-a)))

    @staticmethod
    def delta(z, a, y):
        return (a-y)


#### Main Network class
class Network(object):

    def __init__(self, sizes, cost=CrossEntropyCost):
        self.num_layers = len(sizes)
        self.sizes = sizes
        self.default_weight_initializer()
        self.cost=cost

    def default_weight_initializer(self):
        self.biases = [np.random.randn(y, 1) for y in self.sizes[1:]]
        self.weights = [np.random.randn(y, x)/np.sqrt(x)
                        for x, y in zip(self.sizes[:-1], self.sizes[1:])]

    def feedforward(self, a):
        """Return the output of the network if ``a`` is input."""
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(np.dot(w, a)+b)
        return a

    def total_cost(self, data, lmbda, convert=False):
        """Return the total cost for the data set ``data``.  The flag
        ``convert`` should be set to False if the data set is the
        training data (the usual case), and to True if the data set is
        the validation or test data.  See comments on the similar (but
        reversed) convention for the ``accuracy`` method, above.
        """
        cost = 0.0
        for x, y in data:
            a = self.feedforward(x)
            if convert: y = vectorized_result(y)
            cost += self.cost.fn(a, y)/len(data)
        cost += 0.5*(lmbda/len(data))*sum(
            np.linalg.norm(w)**2 for w in self.weights)
        return cost


def vectorized_result(j):
    """Return a 10-dimensional unit vector with a 1.0 in the j'th position
    and zeroes elsewhere.  This is used to convert a digit (0...9)
    into a corresponding desired output from the neural network.

    """
    e = np.zeros((10, 1))
    e[j] = 1.0
    return e

def sigmoid(z):
    """The sigmoid function."""
    return 1.0/(1.0+np.exp(-z))

def sigmoid_prime(z):
    """Derivative of the sigmoid function."""
    return sigmoid(z)*(1-sigmoid(z))


_rng = np.random.default_rng(3)  # ours
NET = Network([3, 4, 2], cost=CrossEntropyCost)
NET.biases = [_rng.standard_normal((y, 1)) for y in NET.sizes[1:]]
NET.weights = [_rng.standard_normal((y, x)) / np.sqrt(x) for x, y in zip(NET.sizes[:-1], NET.sizes[1:])]
QNET = Network([3, 4, 2], cost=QuadraticCost)
QNET.biases, QNET.weights = NET.biases, NET.weights

total_cost = NET.total_cost
quadratic_total_cost = QNET.total_cost
