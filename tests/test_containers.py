"""Lists, tuples and dicts: refused constructs, the caller's containers, the API forms with
container arguments (pytrees), and the runtime's adjoint helpers."""

import collections
import copy
import inspect
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import adgen.runtime as _rt
from gradcheck import check_tree_grad, tree_paths
from adgen import AdgenWarning, TranspileError, grad, value_and_grad, vjp
from adgen.runtime.core import GradientError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# -- refused constructs: a coded diagnostic at the line marked `# <-` ---------------------


def aliased_then_appended(x):
    xs = [x]
    ys = xs  # <-
    xs.append(x * 2.0)
    return ys[-1]


def appended_list_from_a_dict(d, x):
    hs = d["hs"]  # <-
    hs.append(x)
    return hs[0] * x


def appended_after_stored(x):
    row = []
    grid = [row]  # <-
    row.append(x)
    return grid[0][0]


def other_list_method(x):
    xs = [x, 2.0]
    xs.reverse()  # <-
    return xs[0]


def joins_lists(x, y):
    xs = [x]
    ys = [y] + xs  # <-
    return ys[0] * ys[1]


def repeats_a_tuple(x):
    t = (x,) * 3  # <-
    return t[0] * t[2]


def dict_unpacking(x, d):
    e = {**d, "x": x}  # <-
    return e["x"]


D = {"hs": [1.0]}
REFUSED = [  # (function, code, arguments, wrt)
    (aliased_then_appended, "AD111", [0.7], 0),
    (appended_list_from_a_dict, "AD111", [D, 0.7], 1),
    (appended_after_stored, "AD111", [0.7], 0),
    (other_list_method, "AD305", [0.7], 0),
    (joins_lists, "AD112", [0.7, 0.2], 0),
    (repeats_a_tuple, "AD112", [0.7], 0),
    (dict_unpacking, "AD102", [0.7, D], 0),
]


def _marked_line(fn):
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, line in enumerate(lines) if "# <-" in line)


@pytest.mark.parametrize("fn,code,args,wrt", REFUSED, ids=[c[0].__name__ for c in REFUSED])
def test_refused_construct_is_a_coded_diagnostic_at_its_line(fn, code, args, wrt):
    with pytest.raises(TranspileError) as info:
        grad(fn, wrt=wrt)(*args)
    found = [d for d in info.value.diagnostics if d.code == code]
    assert found, str(info.value)
    assert found[0].line == _marked_line(fn), str(info.value)
    assert found[0].filename == inspect.getsourcefile(fn)


def test_list_arithmetic_on_names_is_a_run_time_error():
    def joins_names(x, y):
        xs = [x]
        ys = [y]
        zs = xs + ys
        return zs[0] * zs[1]

    with pytest.raises(GradientError, match="AD405"):
        grad(joins_names)(0.5, 2.0)

    def sums_joined_names(xs, ys):
        return np.sum(np.square(xs + ys))

    with pytest.raises(GradientError, match="AD405"):
        grad(sums_joined_names, wrt=1)([0.5, 1.0], [2.0, 3.0, 4.0])


def test_growing_a_list_with_plus_is_appending():
    def grow(x):
        xs = [x]
        for k in range(3):
            xs = xs + [xs[-1] * x]
        xs += [np.sin(x)]
        return sum(xs)

    check_tree_grad(lambda v: grow(v[0]), [[0.8]], 0, [grad(grow)(0.8)])


# -- the caller's containers are never changed -----------------------------------------


def appends_to_its_parameters(params, xs):
    xs.append(params["W"] @ xs[0])
    ws = params["layers"]
    total = 0.0
    for W in ws:
        total = total + np.sum(W @ xs[-1])
    return total + np.sum(xs[-1] ** 2)


def test_the_callers_containers_are_unchanged():
    rng = np.random.default_rng(0)
    params = {"W": rng.normal(size=(3, 3)), "layers": [rng.normal(size=(2, 3)), rng.normal(size=(1, 3))], "n": 4}
    xs = [rng.normal(size=3)]
    before = copy.deepcopy((params, xs))
    leaves = [id(leaf) for _, leaf in tree_paths((params, xs))]
    gp, gx = grad(appends_to_its_parameters, wrt=(0, 1))(params, xs)
    assert len(xs) == 1 and list(params) == ["W", "layers", "n"] and len(params["layers"]) == 2
    assert [id(leaf) for _, leaf in tree_paths((params, xs))] == leaves
    for (_, a), (_, b) in zip(tree_paths((params, xs)), tree_paths(before)):
        assert np.array_equal(a, b)
    def on_copies(p, v):  # the primal appends to its argument
        return appends_to_its_parameters(p, list(v))

    check_tree_grad(on_copies, [params, xs], 0, gp)
    check_tree_grad(on_copies, [params, xs], 1, gx)
    assert gp["n"] is None and len(gx) == 1


# -- every API form with container arguments -------------------------------------------


def loss(params, x):
    h = np.tanh(params["W"] @ x + params["b"])
    return np.sum(h * h) * params["scale"][0]


def _params(rng):
    return {"W": rng.normal(size=(2, 3)), "b": rng.normal(size=2), "scale": (1.5, 3)}


def test_value_and_grad_and_the_decorator_with_a_dict():
    rng = np.random.default_rng(1)
    params, x = _params(rng), rng.normal(size=3)
    value, g = value_and_grad(loss, wrt="params")(params, x)
    assert value == pytest.approx(loss(params, x))
    check_tree_grad(loss, [params, x], 0, g)
    assert g["scale"][1] is None and isinstance(g["scale"], tuple)

    decorated = grad(wrt=("params", "x"))(loss)
    gp, gx = decorated(params, x)
    assert gx.shape == (3,)
    check_tree_grad(loss, [params, x], 0, gp)


def test_vjp_of_a_dict_argument():
    def f(params, x):
        return np.tanh(params["W"] @ x) * params["b"]

    rng = np.random.default_rng(2)
    params, x = {"W": rng.normal(size=(2, 3)), "b": rng.normal(size=2)}, rng.normal(size=3)
    seed = rng.normal(size=2)
    g = vjp(f, wrt=0)(params, x, seed)
    check_tree_grad(lambda p, v: float(seed @ f(p, v)), [params, x], 0, g)


def test_no_integer_warning_for_a_dict_of_floats():
    rng = np.random.default_rng(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", AdgenWarning)
        grad(loss)(_params(rng), rng.normal(size=3))


def test_container_arguments_are_not_specialised_by_shape():
    def f(xs, w):
        return sum(np.sum(v * w) for v in xs)

    df = grad(f, wrt=(0, 1))
    for n, shape in [(2, (3,)), (4, (3,)), (3, (1,))]:
        xs = [np.full(shape, k + 1.0) for k in range(n)]
        gx, gw = df(xs, np.ones(3))
        assert len(gx) == n and all(g.shape == shape for g in gx)
        assert np.allclose(gw, sum(np.broadcast_to(v, (3,)) for v in xs))
    assert "_rt.real_args((xs, w), 'xs, w', (None, (3,)))\n" in df.source_for([np.ones(3)], np.ones(3))


def test_no_two_leaves_share_memory():
    def f(p):
        return np.sum(p["a"] + p["b"]) + np.sum(p["c"][0] * 2.0)

    p = {"a": np.ones(3), "b": np.ones(3), "c": [np.ones(3)]}
    g = grad(f)(p)
    arrays = [leaf for _, leaf in tree_paths(g)]
    assert not any(np.shares_memory(a, b) for k, a in enumerate(arrays) for b in arrays[k + 1 :])
    assert all(a.flags.writeable for a in arrays)


def test_emit_with_a_dict_parameter(tmp_path):
    out = tmp_path / "grad_mlp.py"
    cmd = [sys.executable, "-m", "adgen", "emit", os.path.join(ROOT, "examples", "mlp_params.py") + ":mlp_loss", "--wrt", "params", "-o", str(out)]
    subprocess.run(cmd, check=True, cwd=ROOT)
    text = out.read_text()
    assert "_rt.as_grad(_dparams, params)" in text


# -- runtime helpers ----------------------------------------------------------------------


def test_adjoints_add_item_by_item_without_changing_either():
    a = _rt.Adj([1.0, np.ones(2)])
    b = _rt.Adj([2.0, 0.0])
    total = a + b
    assert total[0] == 3.0 and np.array_equal(total[1], np.ones(2))
    assert a == [1.0, a[1]] and b == [2.0, 0.0]
    assert 0.0 + a is a and a + 0.0 is a
    d = _rt.AdjDict(W=1.0) + _rt.AdjDict(W=2.0, b=1.0)
    assert d == {"W": 3.0, "b": 1.0}


def test_part_push_and_drop_last():
    assert _rt.part(0.0, 3) == 0.0 and _rt.part(_rt.Adj([1.0, 2.0]), -1) == 2.0
    assert _rt.push(0.0, 5.0, [1, 2, 3], 0) == [5.0, 0.0, 0.0]
    assert _rt.push(_rt.Adj([1.0, 2.0]), 5.0, [1, 2, 3]) == [1.0, 2.0, 5.0]
    assert _rt.push(_rt.Adj([1.0, 2.0]), 5.0, [1, 2, 3], -2) == [1.0, 5.0, 2.0]
    assert _rt.push(0.0, 0.0, [1, 2]) == 0.0
    shared = _rt.Adj([1.0, 2.0])
    other = shared
    assert _rt.drop_last(shared) == [1.0] and other == [1.0, 2.0]  # a shared adjoint is copied


def test_as_grad_of_containers():
    x = {"W": np.ones((2, 2), np.float32), "n": 3, "s": "name", "t": (1.5, True, None), "i": np.arange(3)}
    g = _rt.as_grad(_rt.AdjDict(W=2.0), x)
    assert g["W"].dtype == np.float32 and np.all(g["W"] == 2.0)
    assert g["n"] is None and g["s"] is None and g["i"] is None
    assert g["t"] == (0.0, None, None)
    assert _rt.as_grad(np.array([1.0, 2.0]), [0.5, 0.25]) == [1.0, 2.0]


def test_lists_the_backward_pass_does_not_read_are_not_put_back():
    def f(x, n):
        ks = []
        hs = [x]
        for t in range(n):
            ks.append(t)
            hs.append(np.sin(hs[-1]) * t)
        return np.sum(hs[-1]) + len(ks)

    text = grad(f).source
    assert "ks.pop()" not in text and "hs.pop()" in text
    check_tree_grad(lambda v: f(v[0], 3), [[np.array([0.3, -0.4])]], 0, [grad(f)(np.array([0.3, -0.4]), 3)])


def dict_pop(x):
    d = {"a": x, "b": 2.0 * x}
    a = d.pop("a")  # <-
    return a * d["b"]


def test_dict_pop_is_refused_at_its_line():
    with pytest.raises(TranspileError) as info:
        grad(dict_pop)(0.5)
    assert [d.code for d in info.value.diagnostics] == ["AD102"]
    assert info.value.diagnostics[0].line == _marked_line(dict_pop)


def test_unpacking_a_popped_pair_and_looping_over_a_comprehension():
    def f(x, y):
        pairs = [(x, y), (y * x, np.sin(x))]
        a, b = pairs.pop()
        s = 0.0
        for v in [np.cos(p[0]) * p[1] for p in pairs]:
            s = s + v
        return a * b + s

    gx, gy = grad(f, wrt=(0, 1))(0.3, 1.2)
    check_tree_grad(lambda v: f(v[0], v[1]), [[0.3, 1.2]], 0, [gx, gy])


def test_vjp_of_container_results_keeps_the_value():
    def f(x):
        ys = [x * k for k in range(3)]
        hs = [x]
        hs.append(np.sin(ys[1] * ys[2]))
        return {"ys": ys, "pair": (hs, ys[2] * 2.0)}

    seed = {"ys": [1.0, 0.5, 2.0], "pair": ([1.0, -1.0], 3.0)}
    gen = vjp(f).__wrapped__
    value, g = gen(0.4, _dout=seed)
    assert value == f(0.4)

    def phi(x):
        out = f(x)
        return sum(float(np.sum(a * b)) for (_, a), (_, b) in zip(tree_paths(out), tree_paths(seed)))

    check_tree_grad(lambda v: phi(v[0]), [[0.4]], 0, [vjp(f)(0.4, seed)])
    with pytest.raises(GradientError, match="AD402"):
        vjp(f)(0.4, {"ys": [1.0], "pair": ([1.0, 1.0], 1.0)})
    with pytest.raises(GradientError, match="AD401"):
        grad(f)(0.4)


Layer = collections.namedtuple("Layer", "W b")


def test_a_namedtuple_gradient_is_that_namedtuple():
    def f(layer, x):  # fields by position or unpacking (by name: test_object_arguments.py)
        W, _ = layer
        return np.sum(np.tanh(W @ x + layer[1]))

    rng = np.random.default_rng(4)
    layer, x = Layer(rng.normal(size=(2, 3)), rng.normal(size=2)), rng.normal(size=3)
    g = grad(f)(layer, x)
    assert type(g) is Layer
    check_tree_grad(f, [layer, x], 0, g)


# -- known gaps ---------------------------------------------------------------------------


def _check_scalar_fn(f, x):
    check_tree_grad(lambda v: f(v[0]), [[x]], 0, [grad(f)(x)])


def test_loop_directly_over_a_dict_indexed_by_strings():
    def f(d):
        s = d["a"][0]
        for k in d:
            s = s + np.sum(d[k] ** 2)
        return s

    d = {"a": np.array([0.5, 1.5]), "b": np.array([1.0, -2.0, 0.3])}
    check_tree_grad(f, [d], 0, grad(f)(d))


@pytest.mark.parametrize("keys", [("a", "b"), (0, 1)])
def test_loop_directly_over_a_dict_argument_goes_over_its_keys(keys):
    # grad() knows the argument is a dict when it is called; with the keys 0 and 1 a loop
    # by position would silently read the values instead
    def f(d):
        s = 0.0
        for k in d:
            s = s + np.sum(d[k] ** 2)
        return s

    d = {keys[0]: np.array([0.5, -1.0]), keys[1]: np.array([2.0, 0.3, 1.5])}
    g = grad(f)(d)
    assert set(g) == set(keys)
    check_tree_grad(f, [d], 0, g)


def weighted_by_keys(d, x):
    s = 0.0
    for k in d:
        s = s + k * x
    return s


def test_a_dict_argument_loop_uses_keys_not_values():
    # keys 0 and 1 are also positions: a loop by position would use the values 5 and 7
    d = {0: 5.0, 1: 7.0}
    assert value_and_grad(weighted_by_keys, wrt=1)(d, 2.0) == (2.0, 1.0)


@pytest.mark.xfail(strict=True, raises=AssertionError, reason="the general module (emit, without a call's arguments) cannot tell a dict argument from a list: a loop over it goes by position")
def test_gap_emitted_loop_over_a_dict_argument():
    module = {}
    exec(compile(grad(weighted_by_keys, wrt=1).source, "<gradient>", "exec"), module)
    value, g = module["value_and_grad_weighted_by_keys"]({0: 5.0, 1: 7.0}, 2.0)
    assert (value, g) == (2.0, 1.0)


@pytest.mark.xfail(strict=True, raises=TranspileError, reason="a tuple-valued function's result must be unpacked into names (AD302), not kept as a list")
def test_gap_list_result_of_split():
    def f(x):
        parts = np.split(x, 2)
        return np.sum(parts[0] * parts[1])

    grad(f)(np.arange(4.0))


def loop_grows_its_own_list(x):
    xs = [x]
    for v in xs:  # <-
        if len(xs) < 3:
            xs.append(v * 2.0)
    return sum(xs)


def test_a_loop_that_changes_the_list_it_goes_over_is_refused():
    with pytest.raises(TranspileError) as info:
        grad(loop_grows_its_own_list)(0.5)
    assert [d.code for d in info.value.diagnostics] == ["AD111"]
    assert info.value.diagnostics[0].line == _marked_line(loop_grows_its_own_list)
