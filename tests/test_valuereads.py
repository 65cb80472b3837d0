"""Reads that an in-place change cannot affect are not AD306 (``transpiler/valuereads.py``):
an array's metadata (``x.shape``, ``len(x)``, ``np.shape(x)``...), and a global or closure
value that holds no array (a number, a module, a function of a library's, or of yours that
reads no array). Each program below reads such values after an in-place change, and its
gradient is checked against central finite differences; reads of the values themselves
(``z[0]``, ``z.T``, ``z.sum()``, a global array, a function reading one) are still refused."""

import math
import warnings

import numpy as np
import pytest

from adgen import grad
from adgen.errors import AdgenWarning, TranspileError
from gradcheck import check_grad

G = np.array([1.0, 2.0, 3.0])
SCALE = 2.0
PAIR = (1, 2.5)


def rescale(a, x):
    """Changes ``a`` in place (by a factor of 1: the caller's numbers stay as they were),
    so the gradient's copy of it, which binds a new ``a``, leaves ``a`` stale for the caller."""
    a *= 1.0
    return np.sum(a * x)


def bump(a):
    a += 0.0
    return 0.5


def damped(v):  # reads only a number and a module of a library's
    return SCALE * np.tanh(v) + math.pi


def reads_global_array(v):
    return np.sum(G * v)


def calls_reads_global_array(v):
    return 2.0 * reads_global_array(v)


class Activation:
    @staticmethod
    def apply(v):
        return np.tanh(v) * SCALE


# -- metadata after a store into the array a view shares ---------------------------------------


def view_metadata_after_store(x):
    y = np.zeros(4)
    z = y[1:3]
    y[1] = np.sum(x * x)
    n = z.shape[0]
    out = np.zeros(n, dtype=z.dtype)
    for i in range(len(z)):
        out[i] = x[i] * z.ndim + np.shape(z)[0]
    return np.sum(out * out) + np.sum(y * y) + np.sum(x[: z.T.shape[0]]) * np.ndim(z) + z.size


def metadata_of_item_and_mask(x):
    y = x * 1.0
    w = y.reshape(1, 3)
    y[0] = 2.0 * x[1]
    k = w[0].shape[0] + np.size(w) + w.real.ndim
    return np.sum(y * x) * k


def argument_changed_by_helper_then_shape(x):
    y = x * 1.0
    w = y
    t = bump(y)
    rows, = y.shape
    return np.sum(x[: rows - 1] ** 2) * len(w) + t * w.shape[0]


def unknown_shape_view_attributes(x):
    k = int(np.argmax(np.abs(x)) > 5)  # 0: a slice whose shape is not known statically
    y = x * 3.0
    z = y[k:]
    y[0] = x[2]
    return np.sum(y * y) * z.shape[0] + z.ndim


def loop_of_stores_reading_metadata(x):
    h = np.zeros((3, 2))
    row = h[0]
    k = 0
    for t in range(h.shape[0]):
        h[t] = x[:2] * (t + 1.0)
        k = k + row.shape[0] + len(row) + np.shape(row.T)[0] + row[:1].size
    return np.sum(h * h) * k


# -- global and closure values that hold no array ----------------------------------------------


def global_changed_then_metadata_and_numbers(x):
    t = rescale(G, x)
    return t * G.shape[0] + np.sum(x[: G.shape[0] - 1]) * SCALE + PAIR[1] * len(G) + np.ndim(G)


def global_changed_then_function_call(x):
    t = rescale(G, x)
    return damped(t) + np.sum(np.sin(x)) + math.sqrt(2.0) * t


def global_changed_then_static_method(x):
    t = rescale(G, x)
    return Activation.apply(t) * t


def make_closure_loss(k):
    def inner(v):
        return k * np.sin(v)

    def loss(x):
        t = rescale(G, x)
        return inner(t) + k * t

    return loss


RIGHT = [
    view_metadata_after_store,
    metadata_of_item_and_mask,
    argument_changed_by_helper_then_shape,
    unknown_shape_view_attributes,
    loop_of_stores_reading_metadata,
    global_changed_then_metadata_and_numbers,
    global_changed_then_function_call,
    global_changed_then_static_method,
    make_closure_loss(1.5),
]


@pytest.mark.parametrize("fn", RIGHT, ids=[f.__qualname__ for f in RIGHT])
def test_metadata_and_non_array_reads_differentiate_right(fn):
    x = np.array([0.3, -0.5, 0.7])
    before = G.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AdgenWarning)
        g = grad(fn)(x)
    check_grad(fn, [x], 0, g)
    assert np.array_equal(G, before)


def test_hand_computed_gradient():
    # view_metadata_after_store: out[i] = x[i] * 1 + 2, y = [0, |x|^2, 0, 0], z.T.shape[0] = 2,
    # np.ndim(z) = 1, z.size = 2: f = sum((x[:2] + 2)^2) + |x|^4 + x[0] + x[1] + 2
    x = np.array([0.3, -0.5, 0.7])
    s = np.sum(x * x)
    expected = 4.0 * s * x + np.array([2 * (x[0] + 2) + 1, 2 * (x[1] + 2) + 1, 0.0])
    assert np.allclose(grad(view_metadata_after_store)(x), expected, rtol=1e-12, atol=1e-12)


# -- still refused: reads of the values --------------------------------------------------------

VALUE_READS = ["z[0]", "z.T", "z.sum()", "z", "z.real", "z.T[0]", "np.sum(z)", "z[z > 0].shape[0]", "y[np.argmax(z)]", "np.shape(z + 1.0)[0]"]


def _after_store(expr):
    namespace = {"np": np}
    source = f"def f(x):\n    y = np.zeros(4)\n    z = y[1:3]\n    y[1] = np.sum(x * x)\n    return np.sum(y * y) + np.sum({expr})\n"
    path = f"<valuereads {expr}>"
    import linecache

    linecache.cache[path] = (len(source), None, source.splitlines(True), path)
    exec(compile(source, path, "exec"), namespace)
    return namespace["f"]


def _codes(fn, x):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AdgenWarning)
            grad(fn)(x)
    except TranspileError as exc:
        return [d.code for d in exc.diagnostics]
    return []


@pytest.mark.parametrize("expr", VALUE_READS)
def test_reading_a_stale_view_is_still_refused(expr):
    assert "AD306" in _codes(_after_store(expr), np.array([0.3, -0.5, 0.7]))


def global_changed_then_read(x):
    t = rescale(G, x)
    return t * np.sum(G)


def global_changed_then_item(x):
    t = rescale(G, x)
    return t * G[0] + G.T[1]


def global_changed_then_function_reading_it(x):
    t = rescale(G, x)
    return reads_global_array(x) * t


def global_changed_then_function_calling_one_reading_it(x):
    t = rescale(G, x)
    return calls_reads_global_array(x) * t


def make_closure_array_loss(w):
    def loss(x):
        t = rescale(G, x)
        return np.sum(w * x) * t

    return loss


def list_length_after_change(x):
    y = x * 1.0
    ys = [y, y]
    t = bump(y)
    return np.sum(x) * len(ys[0]) * t + len(ys)


REFUSED = [
    global_changed_then_read,
    global_changed_then_item,
    global_changed_then_function_reading_it,
    global_changed_then_function_calling_one_reading_it,
    make_closure_array_loss(G),
    list_length_after_change,
]


@pytest.mark.parametrize("fn", REFUSED, ids=[f.__qualname__ for f in REFUSED])
def test_value_reads_after_a_change_are_refused(fn):
    assert "AD306" in _codes(fn, np.array([0.3, -0.5, 0.7]))


def test_the_message_names_the_global_as_written_and_what_it_reads():
    with pytest.raises(TranspileError) as info:
        grad(global_changed_then_function_calling_one_reading_it)(np.array([0.3, -0.5, 0.7]))
    message = info.value.diagnostics[0].message
    assert "`calls_reads_global_array`" in message and "reads `G`" in message and "test_valuereads" not in message


# -- a helper differentiated by its copy, whose call for side effects may change an argument ----
# The copy runs such a call as it is and checks it leaves the caller's arrays as they were
# (``_rt.lent``), so the caller's names are not stale after it (autograd's fluidsim example:
# ``if ax: plot_matrix(ax, smoke, t)`` inside the simulation).


def step_with_plot(u, x, ax=None):
    if ax:
        ax.plot(u)  # an object adgen cannot see into: it may change u
    return u * x


def reads_after_helper_with_plot(x):
    u = x * 1.0
    v = step_with_plot(u, x)
    return np.sum(v * u) + np.sum(np.cos(u))


def doubler(a):
    a *= 2.0


CALLBACKS = [doubler]  # called through a list: the loop is unrolled, so adgen sees doubler's store


def step_with_callbacks(u, x):
    for cb in CALLBACKS:
        cb(u)
    return u * x


def reads_after_helper_with_callbacks(x):
    u = x * 1.0
    v = step_with_callbacks(u, x)
    return np.sum(v * u)


def step_with_visible_store(u, x):
    doubler(u)
    return u * x


def reads_after_helper_with_visible_store(x):
    u = x * 1.0
    v = step_with_visible_store(u, x)
    return np.sum(v * u)


def test_reads_after_a_helper_whose_side_effect_call_changes_nothing():
    x = np.array([0.3, -0.5, 0.7])
    check_grad(reads_after_helper_with_plot, [x], 0, grad(reads_after_helper_with_plot)(x))


@pytest.mark.parametrize("fn,code", [(reads_after_helper_with_callbacks, "AD222"), (reads_after_helper_with_visible_store, "AD222")])
def test_a_side_effect_call_that_changes_the_callers_array_is_refused(fn, code):
    from adgen.runtime import GradientError

    x = np.array([0.3, -0.5, 0.7])
    before = x.copy()
    with pytest.raises((TranspileError, GradientError)) as info:
        grad(fn)(x)
    codes = [d.code for d in info.value.diagnostics] if isinstance(info.value, TranspileError) else [info.value.code]
    assert code in codes
    assert np.array_equal(x, before)


def test_the_effect_of_a_helper_separates_what_its_copy_skips():
    from adgen import calls
    from adgen.effects import Effects

    effects = Effects(calls.is_user_function)
    plot = effects.of(step_with_plot)  # ax.plot(u) may change u: run as it is in the copy too
    assert plot.changes == {"u"} and plot.skipped == frozenset()
    scaled = effects.of(rescale)  # a *= 1.0: the copy binds a new a instead
    assert scaled.changes == {"a"} and scaled.skipped == {"a"}
    calling = effects.of(step_with_visible_store)  # doubler(u) alone: run as it is (AD222 if it stores)
    assert calling.changes == {"u"} and calling.skipped == frozenset()
