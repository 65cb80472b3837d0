"""Property test: random programs that build lists (append, pop, extend,
comprehensions, loops, reads at constant and variable indices) differentiate
like finite differences say they should."""

import importlib.util
import itertools

import numpy as np

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gradcheck import check_grad
from adgen import grad

_COUNTER = itertools.count()


@st.composite
def terms(draw, length):
    """A smooth expression of x, y and items of ``xs`` (which has ``length`` items)."""
    atoms = ["x", "y", "xs[-1]", "xs[0]", f"xs[{draw(st.integers(0, length - 1))}]", "0.5"]
    a, b = draw(st.sampled_from(atoms)), draw(st.sampled_from(atoms))
    form = draw(st.sampled_from(["{a} * {b}", "np.sin({a}) + {b}", "{a} - 0.3 * {b}", "np.tanh({a} * {b})"]))
    return form.format(a=a, b=b)


@st.composite
def programs(draw):
    lines, length = ["xs = [x, y * 2.0]"], 2
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["append", "pop", "loop", "comprehension", "extend", "index_loop"]))
        if kind == "append":
            lines.append(f"xs.append({draw(terms(length))})")
            length += 1
        elif kind == "pop" and length > 2:
            lines += ["v = xs.pop()", f"xs.append(v * ({draw(terms(length - 1))}))"]
        elif kind == "loop":
            k = draw(st.integers(1, 3))
            lines += [f"for t in range({k}):", f"    xs.append(np.sin(xs[-1]) * 0.9 + {draw(terms(length))} * 0.1)"]
            length += k
        elif kind == "comprehension":
            lines.append(f"ys = [np.cos(v) * ({draw(terms(length))}) for v in xs if v > -100.0]")
            lines.append("xs.extend(ys)")
            length *= 2
        elif kind == "extend":
            lines.append(f"xs.extend([{draw(terms(length))}, x * xs[1]])")
            length += 2
        elif kind == "index_loop":
            lines += ["s = 0.0", "for i in range(1, len(xs)):", "    s = s + xs[i] * xs[i - 1]", "xs.append(s * 0.1)"]
            length += 1
    result = draw(st.sampled_from(["sum(xs)", "np.sum(np.stack(xs) ** 2)", "xs[0] * xs[-1] + sum([v * v for v in xs])"]))
    body = "\n".join("    " + line for line in lines)
    return f"import numpy as np\n\n\ndef f(x, y):\n{body}\n    return {result}\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=programs(), x=st.floats(-1.0, 1.0), y=st.floats(-1.0, 1.0))
def test_random_list_programs_match_finite_differences(tmp_path, text, x, y):
    path = tmp_path / f"listprog_{next(_COUNTER)}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    gx, gy = grad(module.f, wrt=(0, 1))(x, y)
    check_grad(module.f, [x, y], 0, gx, rtol=1e-4, atol=1e-5)
    check_grad(module.f, [x, y], 1, gy, rtol=1e-4, atol=1e-5)


# -- random pytrees: every float leaf read through its path --------------------------------

LEAVES = st.one_of(
    st.floats(-2.0, 2.0).map(float),
    st.integers(0, 3).map(lambda n: np.linspace(-1.0, 1.0, n + 1)),
    st.integers(1, 3).map(np.arange),  # an integer array: its gradient is None
    st.integers(-3, 3),
    st.just("tag"),
    st.none(),
)


def trees():
    return st.recursive(
        LEAVES,
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3),
            st.lists(inner, min_size=1, max_size=3).map(tuple),
            st.dictionaries(st.sampled_from(["a", "b", "W", "k"]), inner, min_size=1, max_size=3),
        ),
        max_leaves=8,
    )


def _float_leaf_paths(tree, path=()):
    from gradcheck import is_float_leaf, tree_paths

    return [p for p, leaf in tree_paths(tree, path) if is_float_leaf(leaf)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(tree=trees())
def test_random_pytrees_get_gradients_of_their_structure(tmp_path, tree):
    from gradcheck import check_tree_grad

    paths = _float_leaf_paths(tree)
    assume(isinstance(tree, (list, tuple, dict)) and paths)  # a container with something to differentiate
    reads = " + ".join(f"np.sum(np.sin(p{''.join(f'[{k!r}]' for k in path)}) * {i + 1})" for i, path in enumerate(paths))
    text = f"import numpy as np\n\n\ndef f(p, q):\n    return q * 0.5 + {reads}\n"
    path = tmp_path / f"treeprog_{next(_COUNTER)}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    g, _ = grad(module.f, wrt=(0, 1))(tree, 1.5)
    check_tree_grad(module.f, [tree, 1.5], 0, g)
