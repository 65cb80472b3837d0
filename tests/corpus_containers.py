"""Functions on lists, tuples and dicts, each with explicit input builders and ``wrt``.

Builders take a ``numpy.random.Generator``; inputs are never chosen by
argument name. ``tests/test_corpus_containers.py`` checks every case against
finite differences at seeds 0, 1 and 2; a container argument (a pytree) is
checked leaf by leaf, and its non-float leaves must get ``None``.
"""

import numpy as np

from corpus import registry
from corpus_control import const
from corpus_straight import mat, scalar, vec

CASES, case = registry()


def dict_of(**builders):
    return lambda r: {k: b(r) for k, b in builders.items()}


def list_of(*builders, kind=list):
    return lambda r: kind(b(r) for b in builders)


# ---------------------------------------------------------------- container parameters


@case(dict_of(W1=mat(5, 3), b1=vec(5), W2=mat(2, 5), b2=vec(2)), mat(3, 4), wrt="params")
def mlp_params(params, x):
    h = np.tanh(params["W1"] @ x + params["b1"][:, None])
    out = params["W2"] @ h + params["b2"][:, None]
    return np.sum(out ** 2) / x.shape[1]


@case(list_of(list_of(mat(4, 3), vec(4), kind=tuple), list_of(mat(2, 4), vec(2), kind=tuple)), vec(3), wrt="layers")
def layer_list(layers, x):
    for W, b in layers:
        x = np.tanh(W @ x + b)
    return np.sum(x * x)


@case(dict_of(enc=dict_of(W=mat(3, 3), scale=scalar(0.5, 1.5), depth=const(2)), name=const("net"), bias=vec(3), empty=const(None)), vec(3))
def nested_dict_int_leaf(p, x):
    h = x
    for _ in range(p["enc"]["depth"]):
        h = np.sin(p["enc"]["W"] @ h) * p["enc"]["scale"]
    return np.sum(h + p["bias"])


@case(list_of(mat(2, 3), vec(3), scalar()), wrt=0)
def ragged_list_param(xs):
    total = 0.0
    for i in range(len(xs)):
        total = total + np.sum(xs[i] ** 2) * (i + 1)
    return total + np.sum(xs[-1]) * np.sum(xs[0])


@case(list_of(mat(3, 3), vec(3), kind=tuple), vec(3), wrt=(0, 1))
def tuple_param_and_array(wb, x):
    W, b = wb
    return np.sum(np.tanh(W @ x + b))


@case(list_of(scalar(), scalar(), scalar(), scalar()), wrt=0)
def mean_of_list(xs):
    mean = sum(xs) / len(xs)
    return sum([(v - mean) ** 2 for v in xs]) + xs[1] * xs[2]


# ---------------------------------------------------------------- lists built in loops


@case(mat(3, 3, -0.6, 0.6), vec(3), mat(6, 3), wrt=(0, 1))
def rnn_stack(W, h0, xs):
    hs = [h0]
    for t in range(len(xs)):
        hs.append(np.tanh(W @ hs[-1] + xs[t]))
    H = np.stack(hs[1:])
    return np.sum(H ** 2) + np.sum(hs[-1])


@case(vec(6), vec(3), wrt=(0, 1))
def concatenate_pieces(x, w):
    pieces = []
    for k in range(3):
        pieces.append(x[: k + 1] * w[k])
    z = np.concatenate(pieces)
    return np.sum(np.sin(z) * np.arange(len(z)))


@case(vec(4), scalar(), wrt=(0, 1))
def vstack_hstack(x, a):
    rows = []
    cols = []
    for k in range(3):
        rows.append(x * (a + k))
        cols.append(np.cos(x[k:]))
    M = np.vstack(rows)
    c = np.hstack(cols)
    return np.sum(M * M) + np.sum(c ** 3)


@case(scalar(), scalar(), wrt=(0, 1))
def array_of_list(x, y):
    v = np.array([x * x, np.sin(y), x * y])
    vals = []
    for k in range(3):
        vals.append(v[k] * (k + 1.0))
    return np.sum(v * np.array(vals))


@case(vec(3), vec(3), wrt=(0, 1))
def pop_stack(x, y):
    stack = [x, y, x * y]
    total = 0.0
    while len(stack) > 1:
        top = stack.pop()
        below = stack.pop()
        stack.append(np.tanh(top + 2.0 * below))
        total = total + np.sum(top)
    return np.sum(stack[0]) + total


@case(scalar(), scalar(), wrt=(0, 1))
def pop_front_and_index(a, b):
    queue = [a, b, a * b, a - b]
    first = queue.pop(0)
    last = queue.pop()
    return first * last + queue[0] * queue[-1]


@case(vec(3), vec(2), wrt=(0, 1))
def extend_lists(x, y):
    parts = [x]
    parts.extend([y * 2.0, np.sin(x)])
    more = [np.cos(v) for v in parts]
    parts.extend(more)
    s = 0.0
    for p in parts:
        s = s + np.sum(p ** 2)
    return s


@case(list_of(scalar(), scalar()), wrt=0)
def append_to_parameter(xs):
    xs.append(xs[0] * xs[1])
    xs.append(np.exp(xs[-1]))
    return sum(xs)


# ---------------------------------------------------------------- comprehensions


@case(vec(5), scalar(0.5, 1.5), wrt=(0, 1))
def comprehension_if(x, w):
    ys = [np.sin(v * w) for v in x if v > -0.2]
    return sum(ys) * w + len(ys)


@case(list_of(scalar(), scalar(), scalar()), list_of(scalar(), scalar()), wrt=(0, 1))
def nested_comprehension(xs, ys):
    grid = [[a * b for b in ys] for a in xs]
    pairs = [a - b for a in xs for b in ys if a > b]
    return np.sum(np.array(grid) ** 2) + sum(pairs)


@case(list_of(vec(3), vec(3), vec(3)), vec(3), wrt=(0, 1))
def sum_over_generator(vs, w):
    return sum(np.dot(v, w) ** 2 for v in vs) + sum([np.sum(v) for v in vs])


# ---------------------------------------------------------------- unpacking and dicts


@case(list_of(scalar(), scalar(), scalar()), list_of(scalar(), scalar(), scalar()), wrt=(0, 1))
def enumerate_zip_nested(a, b):
    s = 0.0
    for i, (u, v) in enumerate(zip(a, b)):
        s = s + (i + 1) * u * np.sin(v)
    return s


@case(scalar(), scalar(), wrt=(0, 1))
def nested_unpack(x, y):
    pair = (x * y, (np.sin(x), y))
    a, (b, c) = pair
    d, (e, f) = c, (a, b)
    return a * b + c * d + e * f


@case(vec(3), vec(3), wrt=(0, 1))
def dict_literal(x, y):
    d = {"u": x * 2.0, "v": np.exp(y), "n": 3}
    d2 = {"w": d["u"] * d["v"], "z": d["u"]}
    return np.sum(d2["w"]) + np.sum(d2["z"] ** 2) * d["n"]


@case(dict_of(W=mat(2, 2), b=vec(2)), dict_of(W=mat(2, 2), b=vec(2)), vec(2), wrt=(0, 1))
def two_dict_params(p, q, x):
    h = np.tanh(p["W"] @ x + p["b"])
    return np.sum((q["W"] @ h + q["b"]) ** 2) + np.sum(p["W"] * q["W"])


@case(dict_of(W=mat(2, 3), b=vec(2), c=scalar()), vec(3))
def dict_views(params, x):
    reg = sum(np.sum(w ** 2) for w in params.values())
    s = 0.0
    for name, w in params.items():
        s = s + np.sum(np.sin(w)) * len(name)
    for k in params.keys():
        s = s + np.sum(params[k] * x[0])
    kept = [np.sum(v) * 2.0 for k, v in params.items() if k != "b"]
    return reg + s + sum(kept)


@case(vec(6), wrt=0)
def relu_comprehension(x):
    ys = [v if v > 0.1 else 0.5 * v for v in x]
    zs = [a * b for a, b in zip(ys, ys[1:])]
    return sum(zs) + ys[-1] * ys[0]


@case(mat(3, 2), wrt=0)
def rows_as_list(X):
    rows = list(X)
    rows.append(rows[0] * rows[-1])
    flipped = tuple(rows[::-1])
    return np.sum(np.stack(flipped) ** 2) + np.sum(rows[1])


@case(dict_of(layers=list_of(dict_of(W=mat(2, 2), b=vec(2)), dict_of(W=mat(2, 2), b=vec(2))), out=vec(2, 2.0, 3.0)), vec(2))
def nested_reads(p, x):
    for i in range(len(p["layers"])):
        x = np.tanh(p["layers"][i]["W"] @ x + p["layers"][i]["b"])
    scores = [np.sum(x * p["out"]) + 10.0, np.sum(x) * 0.5]
    return max(scores) + min(scores)


@case(vec(5), scalar(), wrt=(0, 1))
def pop_from_the_middle(x, a):
    items = [x[k] * a for k in range(5)]
    k = 1
    second = items.pop(k)
    before_last = items.pop(-2)
    last = items.pop(-1)
    items.append(second * before_last)
    return items[0] * last + items[-1] + items[1] * 3.0


@case(dict_of(W0=mat(3, 2), b0=vec(3), W1=mat(2, 3), b1=vec(2)), mat(4, 2))
def layers_from_formatted_keys(params, X):
    layers = [(params[f"W{i}"], params[f"b{i}"]) for i in range(2)]
    h = X
    for W, b in layers:
        h = np.tanh(h @ W.T + b)
    return np.mean(h ** 2)


@case(mat(5, 3), vec(3), wrt=(0, 1))
def attention_over_states(X, q):
    states = [np.tanh(x * q) for x in X]
    scores = np.array([np.dot(s, q) for s in states])
    weights = np.exp(scores - np.max(scores))
    weights = weights / np.sum(weights)
    context = sum(w * s for w, s in zip(weights, states))
    return np.sum(context ** 2)


@case(list_of(scalar(), scalar(), scalar()), wrt=0)
def copies_then_appends(xs):
    ys = xs.copy()
    zs = xs[:]
    ys.append(ys[0] * ys[1])
    zs.append(np.sin(zs[-1]))
    return sum(ys) * zs[-1] + xs[2]


@case(dict_of(W=mat(2, 2), b=vec(2), s=scalar()), vec(2))
def dict_comprehension(params, x):
    scaled = {k: v * 2.0 for k, v in params.items() if k != "s"}
    squares = {i: x[i] ** 2 for i in range(2)}

    return np.sum(scaled["W"] @ x + scaled["b"]) * params["s"] + squares[0] * squares[1]
