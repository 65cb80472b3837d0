"""Generated code uses what is statically known (issue 16 point 4): the clean-up passes
of ``condense`` that make it shorter, each on a small body before and after, the shapes
that specialisation now knows, and gradients that stay right."""

import ast
import textwrap

import numpy as np
import pytest
import scipy.linalg

from adgen import broadcasts, condense, defvjp, factor, grad, pipeline, shapes, simplify, source, syntax
from adgen.errors import Diagnostics
from adgen.names import Names
from adgen.resolve import Resolver
from adgen.runtime.rules import linalg
from gradcheck import check_grad
from likelihood_cases import kernel_likelihood
from test_shapes import _infer


def _body(text, kinds):
    """The statements of ``text``, each tagged with its kind from ``kinds`` (one a
    statement; ``None``: the user's own statement); ``# line`` comments as the layout
    writes them."""
    body = []
    for stmt, kind in zip(ast.parse(textwrap.dedent(text)).body, kinds):
        if kind == "comment":
            stmt = ast.Expr(ast.Call(func=ast.Name(id="__comment__", ctx=ast.Load()), args=[ast.Constant(stmt.value.value)], keywords=[]), lineno=stmt.lineno)
        if kind is not None:
            syntax.tag(stmt, kind, None)
        body.append(stmt)
    return body


def _text(body):
    lines = []
    for stmt in body:
        if syntax.kind_of(stmt)[0] == "comment":
            lines.append("# " + stmt.value.args[0].value)
        else:
            lines.append(ast.unparse(stmt))
    return "\n".join(lines)


def test_accumulations_under_one_line_comment_are_one_sum():
    body = _body("""
        _dq = _dq + np.roll(_dd, 1, 0)
        _dd = _g1 * k
        _dq = _dq - _dd
        _dr = _g3 * k
        _dd2 = _g2 * r
        _dr = _dr + np.sum(_g2, axis=1)
    """, ["accum", "set", "accum", "set", "set", "accum"])
    # _dq's second term reads _dd, rebound between: it stays; _dr's moves up past _dd2
    assert _text(condense.merge_sums(body)) == textwrap.dedent("""\
        _dq = _dq + np.roll(_dd, 1, 0)
        _dd = _g1 * k
        _dq = _dq - _dd
        _dr = _g3 * k + np.sum(_g2, axis=1)
        _dd2 = _g2 * r""")


def test_accumulations_across_a_line_comment_or_of_large_temporaries_stay_apart():
    kinds = ["set", "comment", "accum"]
    body = _body("""
        _dx = _g1 * y
        'line 4: y = x * x'
        _dx = _dx + _g2
    """, kinds)
    assert len(condense.merge_sums(body)) == 3
    body = _body("_dx = _g1 * _t1\n_dx = _dx + _g2 * _t2", ["set", "accum"])
    assert len(condense.merge_sums(body, {"_t1"})) == 2  # free_temporaries frees _t1 between
    assert len(condense.merge_sums(_body("_dx = _g1 * _t1\n_dx = _dx + _g2 * _t2", ["set", "accum"]))) == 1


def test_a_copy_is_read_through_until_either_name_changes():
    body = _body("""
        _dE_new = _dE
        _dM = _dM + _dE_new
        _dE = _dE_new * e
    """, ["set", "accum", "set"])
    assert _text(condense.propagate_copies(body)) == "_dM = _dM + _dE\n_dE = _dE * e"


def test_a_copy_stays_when_read_after_a_change_or_near_an_in_place_helper():
    after = _body("""
        _da = _db
        _db = _db * 2.0
        _dx = _da + _db
    """, ["set", "set", "set"])
    assert len(condense.propagate_copies(after)) == 3
    # scatter_add changes its first argument in place when no other name refers to it:
    # dropping ``_da`` would let it change ``_db``, read again below
    in_place = _body("""
        _da = _db
        _da = _rt.rules.selection.scatter_add(_da, g, x, 0)
        _dx = _da + _db
    """, ["set", "set", "set"])
    assert len(condense.propagate_copies(in_place)) == 3


def test_a_temporary_read_once_by_the_next_statement_is_put_in_its_place():
    body = _body("""
        _g1 = _rt.rules.reductions.expand(_dans, (3,))
        _du = 2.0 * (_g1 * u)
        _g2 = _dans * 3.0
        _dv = _g2 * v + _g2
        _r1 = _rt.rules.linalg.diag(_dv, _t5, c)
        _dc = _r1
    """, ["set"] * 6)
    assert _text(condense.inline_once(body)) == textwrap.dedent("""\
        _du = 2.0 * (_rt.rules.reductions.expand(_dans, (3,)) * u)
        _g2 = _dans * 3.0
        _dv = _g2 * v + _g2
        _dc = _rt.rules.linalg.diag(_dv, _t5, c)""")


def test_a_backward_value_read_once_further_down_its_block_is_put_in_its_place():
    body = _body("""
        _dsf2 = _dK * _t3
        _dell = -np.sum(_dK * _t2)
        '''line 3'''
        _dlog_sf = _dlog_sf + _dsf2 * sf2
        _dlog_ell = _dlog_ell + _dell * ell
    """, ["set", "set", "comment", "accum", "accum"])
    assert _text(condense.inline_later(body)) == textwrap.dedent("""\
        # line 3
        _dlog_sf = _dlog_sf + _dK * _t3 * sf2
        _dlog_ell = _dlog_ell + -np.sum(_dK * _t2) * ell""")


def test_a_backward_value_stays_where_moving_it_could_change_what_it_reads():
    cases = [
        ("_da = _dK * t\nt = _tape.pop()\n_dx = _dx + _da", ["set", "pop", "accum"]),  # t rebound between
        ("_da = _dK * t\n_r1 = _bwd_f(_rec1, _dy)\n_dx = _dx + _da", ["set", "set", "accum"]),  # a call that may change _dK
        ("_da = _dK * t\n_dK = _rt.scatter_add(_dK, g, x, 0)\n_dx = _dx + _da", ["set", "set", "accum"]),  # in place
        ("_da = _dK * t\n_dy = _dy * 2.0\n_dx = _dx + _da * _da", ["set", "set", "accum"]),  # read twice
    ]
    for text, kinds in cases:
        assert len(condense.inline_later(_body(text, kinds))) == 3, text
    assert len(condense.inline_later(_body("_da = _dK * _t1\n_dy = _dy * 2.0\n_dx = _dx + _da", ["set"] * 3), {"_t1"})) == 3  # large


def test_adjoints_started_at_one_number_share_a_statement():
    body = _body("_da = 0.0\n_db = 0.0\n_dc = 0\n_dd = np.zeros(3)\n_de = np.zeros(3)", ["init"] * 5)
    # a number is immutable, an array is not: two names must not share one
    assert _text(condense.chain_inits(body)) == "_da = _db = 0.0\n_dc = 0\n_dd = np.zeros(3)\n_de = np.zeros(3)"


def test_a_tuple_results_cotangents_picked_by_position_are_the_cotangents_themselves():
    expr = ast.parse("_rt.cholesky_cot(_rt.per_output((_dc, _dlower), (c, lower))[0], c, True)", mode="eval").body
    assert ast.unparse(simplify.fold(expr)) == "_rt.cholesky_cot(_dc, c, True)"
    kept = ast.parse("_rt.per_output(g, (c, lower))[0]", mode="eval").body  # stacked or 0.0: the helper decides
    assert ast.unparse(simplify.fold(kept)) == "_rt.per_output(g, (c, lower))[0]"


def gp_like(log_sf, log_sn, X):
    K = np.exp(2.0 * log_sf) * np.exp(-np.sum(X * X, axis=1)) + np.exp(2.0 * log_sn)
    c, lower = scipy.linalg.cho_factor(np.diag(K), lower=True)
    return np.sum(np.log(np.diag(c))) + np.sum(scipy.linalg.cho_solve((c, lower), K))


def test_gradients_with_inlined_adjoints_and_a_dropped_flag_cotangent_are_right():
    rng = np.random.default_rng(2)
    args = [0.3, -0.4, rng.standard_normal((4, 2))]
    g = grad(gp_like, wrt=(0, 1))
    text = g.source_for(*args)
    assert "per_output" not in text and "_dlower" not in text and "_dsn2" not in text
    got = g(*args)
    for i in (0, 1):
        check_grad(gp_like, args, i, got[i])


def test_a_copy_read_up_to_the_return_is_read_through():
    body = _body("_g1 = _dans\n_dx = _g1 * y\nreturn (_ans, _rt.as_grad(_dx + _g1, x))", ["set", "set", None])
    assert _text(condense.propagate_copies(body)) == "_dx = _dans * y\nreturn (_ans, _rt.as_grad(_dx + _dans, x))"
    named = _body("_dx = _r1\n_dy = _dy * 2.0\nreturn (_ans, _rt.as_grad(_dx, x))", ["set", "set", None])
    assert len(condense.propagate_copies(named)) == 3  # the adjoint's name stays


def test_a_copy_is_read_through_up_to_its_last_read_and_into_an_in_place_helpers_expression():
    text = """
        _g1 = _dans
        _dq = _rt.scatter(_g1 * q[:, 1], q, np.s_[:, 0])
        _dq = _rt.scatter_add(_dq, _g1 * q[:, 0], q, np.s_[:, 1])
        for t in range(3):
            _dans = _dans * 2.0
    """
    body = condense.propagate_copies(_body(text, ["set", "set", "set", None]))
    assert _text(body).splitlines()[:2] == ["_dq = _rt.scatter(_dans * q[:, 1], q, np.s_[:, 0])", "_dq = _rt.scatter_add(_dq, _dans * q[:, 0], q, np.s_[:, 1])"]
    handed = _body("_g1 = _dans\n_dq = _rt.scatter_add(_g1, g, q, 0)\n_dx = _dans * 2.0", ["set"] * 3)
    assert len(condense.propagate_copies(handed)) == 3  # _g1 itself is the helper's to change


def _forward(x, Y, b):
    t1 = np.exp(x)  # noqa: F841 - a forward temporary the backwards below read


def _spared(text, kinds, shapes_of):
    """``broadcasts.drop_expands`` on ``text`` after the forward ``_forward``, where the
    parameters have the shapes ``shapes_of``."""
    src = source.load(_forward)
    forward = src.func.body
    resolver = Resolver(src, Names(set()), Diagnostics(src))
    resolver.qualify(forward, {"x", "Y", "b"})
    known = shapes.Shapes(forward, ["x", "Y", "b"], shapes_of, resolver)
    return _text(broadcasts.drop_expands(_body(text, kinds), forward, known))


def test_an_expansion_an_operand_of_the_full_shape_broadcasts_anyway_goes():
    shapes_of = {"x": (4, 3), "Y": (4, 3), "b": (3,)}
    text = """
        _dz = -(_rt.expand(_rt.over(_dans, n), (4, 3)) * Y)
        _dy = _rt.over(_rt.expand(g, (4, 3), 1, True), t1) * 2
        _db = _rt.expand(_dans, (4, 3)) * b
        _dw = np.sum(_rt.expand(_dans, (4, 3)), axis=0)
        _dv = _rt.expand(g, (4, 3), 1) * Y
    """
    assert _spared(text, ["set"] * 5, shapes_of).splitlines() == [
        "_dz = -(_rt.over(_dans, n) * Y)",
        "_dy = _rt.over(g, t1) * 2",  # t1, a forward temporary, has x's shape
        "_db = _rt.expand(_dans, (4, 3)) * b",  # b alone would not make the shape
        "_dw = np.sum(_rt.expand(_dans, (4, 3)), axis=0)",  # not elementwise
        "_dv = _rt.expand(g, (4, 3), 1) * Y",  # g needs an axis put back first
    ]


def test_an_expanded_temporary_goes_only_when_every_read_broadcasts_it():
    shapes_of = {"x": (4, 3), "Y": (4, 3)}
    each = _spared("_g1 = _rt.expand(_dans, (4, 3))\n_dx = _g1 * Y\n_dy = _rt.over(_g1, t1)", ["set"] * 3, shapes_of)
    assert each.splitlines()[0] == "_g1 = _dans"
    one = _spared("_g1 = _rt.expand(_dans, (4, 3))\n_dx = _g1 * Y\n_dy = np.sum(_g1, axis=0)", ["set"] * 3, shapes_of)
    assert one.splitlines()[0] == "_g1 = _rt.expand(_dans, (4, 3))"


def weighted(x, Y, b):
    return np.sum(np.exp(x) * Y) + np.sum(np.sin(x) + b) + np.sum(x, axis=1, keepdims=True).sum()


def test_gradients_without_the_expansions_are_right():
    rng = np.random.default_rng(3)
    args = [rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), rng.standard_normal(3)]
    g = grad(weighted, wrt=(0, 2))
    text = g.source_for(*args)
    assert "_rt.expand(_dans, (4, 3)) * Y" not in text and "* Y" in text
    got = g(*args)
    for i in (0, 1):
        check_grad(weighted, args, 2 * i, got[i])


def log_det_like(x):
    return 2.0 * np.sum(np.log(np.diag(x)))


def rebinds_the_operand(x):
    a = np.abs(x)
    b = np.log(a)
    a = a[:2]
    return np.sum(b) + np.sum(a)


def test_the_shape_of_an_elementwise_temporary_is_read_off_its_operand():
    x = np.random.default_rng(4).uniform(1.0, 2.0, (3, 3))
    g = grad(log_det_like)
    text = pipeline.transform(source.load(log_det_like), 0).text  # the general form
    # np.log(_t1) is not kept: the backward asks the shape of _t1, which it reads anyway
    assert "np.shape(_t1)" in text and "_t2" not in text
    check_grad(log_det_like, [x], 0, g(x))
    text = pipeline.transform(source.load(rebinds_the_operand), 0).text
    assert "np.shape(b)" in text  # a is rebound: its shape at the end is not b's
    check_grad(rebinds_the_operand, [x[0]], 0, grad(rebinds_the_operand)(x[0]))


def test_a_generated_backward_call_is_not_moved_into_another_statement():
    body = _body("_r1 = _bwd_f(_rec1, _dy)\n_dx = _dx + _r1 * 3.0", ["set", "accum"])
    assert len(condense.inline_once(body)) == 2


def test_a_parameter_put_back_before_the_return_is_returned_as_saved():
    body = _body("x = _x0\nreturn (_ans, _rt.as_grad(_dx, x))", ["restore", None])
    assert _text(condense.return_originals(body)) == "return (_ans, _rt.as_grad(_dx, _x0))"


def test_pops_are_one_statement_unless_a_statement_between_uses_their_names():
    body = _body("""
        r = _tape.pop()
        d = _tape.pop()
        '''line 3'''
        _dq = _dq * 2.0
        q = _tape.pop()
        _dq = _dq + q * s
        s = _tape.pop()
    """, ["pop", "pop", "comment", "accum", "pop", "accum", "pop"])
    assert _text(condense.merge_pops(body)).splitlines() == [
        "r, d, q = (_tape.pop(), _tape.pop(), _tape.pop())",
        "# line 3",
        "_dq = _dq * 2.0",
        "_dq = _dq + q * s",
        "s = _tape.pop()",
    ]
    reads_it = _body("r = _tape.pop()\n_dx = _dx * s\ns = _tape.pop()", ["pop", "accum", "pop"])
    assert len(condense.merge_pops(reads_it)) == 3


def test_backward_temporaries_are_numbered_in_reading_order():
    body = _body("""
        _g4 = _dans * 2.0
        _g2 = _g4 * _g1
        _dx = _g2 + _g4
    """, ["set", "set", "set"])
    # the user's own _g1 keeps its name, and no temporary takes it
    out = condense.number_in_reading_order(body, {"_g2", "_g4", "_dx"})
    assert _text(out) == "_g2 = _dans * 2.0\n_g3 = _g2 * _g1\n_dx = _g3 + _g2"


def rnn_like(x, Wh, W):
    h = np.zeros((x.shape[1], Wh.shape[0]))
    n = len(x)
    e = np.eye(3)
    return np.sum(h @ W) + n + np.sum(e)


def test_filled_arrays_have_the_shape_their_known_dimensions_give():
    found = _infer(rnn_like, {"x": (5, 4, 2), "Wh": (3, 3), "W": (3, 2)})
    assert found.names["h"] == (4, 3)
    assert found.names["e"] == (3, 3)
    assert _infer(rnn_like, {}).names["h"] is None


@pytest.mark.parametrize("a, b", [((4, 3), (3, 2)), ((3,), (3, 2)), ((4, 3), (3,)), ((3,), (3,))])
def test_plain_matmul_cotangents_equal_the_runtime_helpers(a, b):
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal(a), rng.standard_normal(b)
    g = rng.standard_normal(np.shape(x1 @ x2))
    args = [ast.Name(id=n, ctx=ast.Load()) for n in ("g", "x1", "x2")]
    for k, helper in ((1, linalg.matmul_x1), (2, linalg.matmul_x2)):
        expr = shapes.plain(f"_rt.matmul_x{k}", args, {"x1": a, "x2": b})
        got = eval(compile(ast.Expression(ast.fix_missing_locations(expr)), "<plain>", "eval"), {"np": np, "g": g, "x1": x1, "x2": x2})
        np.testing.assert_allclose(got, helper(g, x1, x2), rtol=1e-14)
    assert shapes.plain("_rt.matmul_x1", args, {"x1": (2, 4, 3), "x2": b}) is None  # a stack: the helper


def two_layers(W1, W2, X):
    h = np.tanh(X @ W1)
    return np.sum((h @ W2) ** 2)


def test_specialised_matmul_gradients_are_plain_numpy_and_right():
    rng = np.random.default_rng(1)
    args = [rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal((5, 3))]
    g = grad(two_layers, wrt=(0, 1))
    text = g.source_for(*args)
    assert "@ W2.T" in text and "h.T @" in text and "matmul_x" not in text
    got = g(*args)
    for i in (0, 1):
        check_grad(two_layers, args, i, got[i])


def ring(q, k):
    d = np.roll(q, -1, axis=0) - q
    force = k * d - np.roll(k * d, 1, axis=0)
    return np.sum(force * q)


def test_operands_of_one_shape_need_no_unbroadcast_in_the_general_form():
    q = np.random.default_rng(2).standard_normal((6, 2))
    g = grad(ring, wrt=(0, 1))
    assert "np.roll(_dd, 1, 0) - _dd" in g.source
    got = g(q, 1.5)
    check_grad(ring, [q, 1.5], 0, got[0])
    check_grad(ring, [q, 1.5], 1, got[1])


def test_pushes_one_after_the_other_are_one_statement_but_not_on_a_debug_tape():
    text = """
        _tape = _rt.Tape()
        _tape.push(np.shape(_t1))
        _tape.push(d)
        _tape.push(r)
        f = k * d
        _tape.push(f)
    """
    body = _body(text, [None] * 6)
    # the first three move down past f = k * d, which changes none of them
    assert _text(condense.merge_pushes(body)).splitlines()[1:] == ["f = k * d", "_tape.extend((np.shape(_t1), d, r, f))"]
    debug = _body(text.replace("_rt.Tape()", "_rt.DebugTape()"), [None] * 6)
    assert len(condense.merge_pushes(debug)) == 6


def test_pushes_move_to_meet_only_past_what_keeps_their_values():
    def merged(text):
        return _text(condense.merge_pushes(_body("_tape = _rt.Tape()\n" + text, [None] * (text.count("\n") + 2)))).splitlines()[1:]

    # the same array object recorded after a store into it: the store may come between
    assert merged("_tape.push(u)\nu[0] = 0.0\n_tape.push(v)") == ["u[0] = 0.0", "_tape.extend((u, v))"]
    # E is rebound below its push, v is not: v's push moves up to meet E's
    assert merged("_tape.push(E)\nE = E_new\n_tape.push(v)") == ["_tape.extend((E, v))", "E = E_new"]
    assert merged("_tape.push(x)\nt = np.cos(x)\nx = x + t\n_tape.push(t)") == ["t = np.cos(x)", "_tape.extend((x, t))", "x = x + t"]
    kept = [
        "_tape.push(u[0])\nu[0] = 0.0\n_tape.push(u[1])",  # an entry read on the store's other side would differ
        "_tape.push(E)\nE = v\nv = E_new\n_tape.push(v)",  # neither may pass the other's rebinding
        "_tape.push(E)\nv = f(E)\n_tape.push(v)",  # a call of the user's: it may change anything
        "_tape.push(E)\nv = _tape.pop()\n_tape.push(v)",  # the tape itself
    ]
    for text in kept:
        assert merged(text) == text.splitlines(), text


def test_a_forward_temporary_nothing_else_reads_goes_back_into_its_line():
    body = _body("""
        _t4 = np.log(_t3)
        logp = z - _t4
        _t5 = np.random.normal(size=3)
        w = np.random.normal(size=3) + _t5
    """, [None] * 4)
    # the two draws would swap places: random numbers are not moved
    assert _text(condense.inline_once(body)) == "logp = z - np.log(_t3)\n_t5 = np.random.normal(size=3)\nw = np.random.normal(size=3) + _t5"


def test_shapes_of_new_axes_identities_factorisations_solves_and_constants():
    found = _infer(kernel_likelihood, {"X": (6, 2), "y": (6,), "s": ()})
    assert found.names["K"] == (6, 6)  # X[:, None, :] and np.eye(n)
    assert found.names["c"] == (6, 6) and found.names["lower"] is None  # unpacked from cho_factor
    assert found.names["alpha"] == (6,) and found.names["beta"] == (6,)  # a rule's declared shape
    assert found.names["prior"] == ()  # norm.logpdf, a method of a library's object
    assert found.of(ast.parse("np.pi * y", mode="eval").body) == (6,)
    stacked = _infer(kernel_likelihood, {"X": (6, 2), "y": (6,), "s": (3, 1, 1)})
    assert stacked.names["alpha"] is None  # a stack of matrices: not b's shape


def test_a_specialised_likelihood_needs_no_unbroadcast_and_is_right():
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((6, 2)), rng.standard_normal(6)
    g = grad(kernel_likelihood, wrt=(1, 2))
    assert "unbroadcast" not in g.source_for(X, y, 0.7) and "sum_to" not in g.source_for(X, y, 0.7)
    gy, gs = g(X, y, 0.7)
    check_grad(kernel_likelihood, (X, y, 0.7), 1, gy)
    check_grad(kernel_likelihood, (X, y, 0.7), 2, gs)


@pytest.mark.parametrize("left, op, right, expected", [
    ("_g1 * _t2 * _t1", ast.Add(), "_g1 * _t1 * np.cos(x)", "_g1 * _t1 * (_t2 + np.cos(x))"),
    ("g * a * 2.0", ast.Sub(), "g * b", "g * (a * 2.0 - b)"),
    ("g * a", ast.Add(), "h * np.exp(b)", None),  # nothing shared
    ("g * a", ast.Add(), "g", None),  # nothing left of one side
    ("g * (x > 0)", ast.Add(), "g * m", None),  # both parts may be boolean: True + True is True
])
def test_shared_factors_are_written_once_unless_the_sum_may_be_of_booleans(left, op, right, expected):
    expr = lambda text: ast.parse(text, mode="eval").body  # noqa: E731
    got = factor.factored(expr(left), op, expr(right))
    assert (None if got is None else ast.unparse(got)) == expected


def exp_sin(x):
    return np.sum(np.exp(x) * np.sin(x) / (1.0 + x ** 2))


def masks(x):
    return np.sum(x * (x > 0) + x * (x > 0.5))


def test_factored_gradients_are_right_and_boolean_factors_stay_apart():
    x = np.linspace(-2.0, 2.0, shapes.LARGE)
    g = grad(exp_sin)
    assert "(_t2 + np.cos(x))" in g.source_for(x)  # shared even among the large temporaries
    check_grad(exp_sin, (x[::4096],), 0, g(x[::4096]))
    dx = g(x)
    s, c, e, q = np.sin(x), np.cos(x), np.exp(x), 1.0 + x * x
    np.testing.assert_allclose(dx, e * (s + c) / q - e * s * 2 * x / q**2, rtol=1e-12, atol=1e-12)
    x = np.array([1.0, 0.2, -1.0])
    np.testing.assert_array_equal(grad(masks)(x), [2.0, 1.0, 0.0])  # (x > 0) + (x > 0.5), by hand


def renormalised(z):
    z = z * 2.0
    z = z - np.max(z)
    return np.sum(np.exp(z))


def test_a_kept_value_is_named_where_it_is_made():
    body = _body("""
        z = a * 2.0
        _z0 = z
        m = np.max(z)
        z = z - m
        w = z
    """, [None, "save", None, None, None])
    assert _text(condense.name_saved(body)) == "_z0 = a * 2.0\nm = np.max(_z0)\nz = _z0 - m\nw = z"
    never_rebound = _body("""
        z = a * 2.0
        _z0 = z
        m = np.max(z)
    """, [None, "save", None])
    assert _text(condense.name_saved(never_rebound)).startswith("z = a * 2.0\n_z0 = z")
    z = np.array([0.3, -1.2, 2.0])
    g = grad(renormalised)
    assert "_z0_1 = z * 2.0" in g.source  # (``_z0`` keeps the argument)
    check_grad(renormalised, (z,), 0, g(z))


def softsign(x):
    return x / (1.0 + np.abs(x))


@defvjp(softsign)
def _softsign_rule(g, ans, x):
    d = 1.0 + np.abs(x)  # two statements: called, not inlined; ``ans`` never read
    return g / (d * d)


def tanh_like(x):
    return np.tanh(x)


@defvjp(tanh_like)
def _tanh_like_rule(g, ans, x):
    slope = 1.0 - ans * ans  # reads its result
    return g * slope


def two_rules(x):
    return np.sum(softsign(x) * 2.0 + tanh_like(x) * 3.0)


def test_a_rule_that_never_reads_its_result_is_given_none_and_nothing_is_kept():
    x = np.array([0.4, -1.3, 2.2])
    g = grad(two_rules)
    text = g.source_for(x)
    called = {node.func.attr: node.args[1] for node in ast.walk(ast.parse(text))
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr.endswith("_rule")}
    assert ast.unparse(called["_softsign_rule"]) == "None"
    assert isinstance(called["_tanh_like_rule"], ast.Name)  # its kept result
    assert "softsign(x) * 2.0" in text  # not kept in a temporary of its own
    check_grad(two_rules, (x,), 0, g(x))
    s = 1.0 + np.abs(x)
    np.testing.assert_allclose(g(x), 2.0 / s**2 + 3.0 * (1.0 - np.tanh(x) ** 2), rtol=1e-13)


def test_a_likelihood_s_normal_prior_is_not_kept():
    X, y = np.ones((4, 2)), np.arange(4.0)
    text = grad(kernel_likelihood, wrt=2).source_for(X, y, 0.3)
    assert "norm_logpdf(" in text and ", None, s, 0.0, 1.0)" in text
