"""A call to one of the user's functions (which becomes ``(result, record)``
temporaries) anywhere inside a container operation: ``append``, ``extend``, ``+=``,
list/tuple/dict literals and comprehensions, generator expressions, subscripts,
keyword arguments, nested calls, loops. Each matches finite differences."""

import numpy as np
import pytest

from gradcheck import check_grad
from adgen import grad


def h(s):
    return np.sin(s) * 2.0


def k_int(n):
    return n - 1


def append_in_loop(x):
    xs = []
    for k in range(3):
        xs.append(h(x * k))
    return np.sum(xs[0] + xs[2])


def append_in_while(x):
    xs = []
    i = 0
    while i < 3:
        xs.append(h(x) + h(x * float(i)))
        i = i + 1
    return np.sum(xs[2])


def append_tuple(x):
    xs = []
    xs.append((h(x), x))
    return np.sum(xs[0][0])


def extend(x):
    xs = []
    xs.extend([h(x), h(x + 1.0)])
    return np.sum(xs[0] * xs[1])


def plus_equals(x):
    xs = []
    xs += [h(x)]
    return np.sum(xs[0])


def list_literal(x):
    xs = [[h(x)], [x, h(x + 1.0)]]
    return np.sum(xs[1][1] * xs[0][0])


def dict_literal(x):
    d = {"a": h(x), "b": x}
    return np.sum(d["a"] * d["b"])


def comprehension(x):
    ys = [h(x * float(k)) for k in range(3)]
    return np.sum(ys[1])


def dict_comprehension(x):
    d = {k: h(x * float(k)) for k in range(3)}
    return np.sum(d[1] * d[2])


def over_a_list(x):
    acc = []
    for v in [x, x * 2.0]:
        acc.append(h(v))
    return sum(np.sum(a) for a in acc)


def generator(x):
    return sum(np.sum(h(x * float(k))) for k in range(3))


def keyword_and_subscript(x):
    return np.sum(np.clip(h(x), a_min=-0.5, a_max=h(x)[0] + 1.0)) + np.sum(h(x)[1:] * x[k_int(3)])


def nested(x):
    return np.sum(np.concatenate([h(h(x)), h(x)[::-1]])) + np.dot(h(x), h(x))


def popped(x):
    xs = [h(x)]
    v = xs.pop()
    return np.sum(v)


CASES = [append_in_loop, append_in_while, append_tuple, extend, plus_equals, list_literal, dict_literal,
         comprehension, dict_comprehension, over_a_list, generator, keyword_and_subscript, nested, popped]


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_a_call_inside_a_container_operation(f):
    x = np.array([0.3, -0.7, 1.1])
    check_grad(f, [x], 0, grad(f)(x))
