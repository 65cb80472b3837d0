"""Each stage of the pipeline (``pipeline.STAGES``) on a small function: the text of
the form it is given and of the form it returns, as ``adgen show --stages`` prints
them (``forms``). And the stages are one list: a callee's forward and backward
functions come from the same stages as the gradient function, so they lose what the
gradient function's optimisation removes."""

import dataclasses
import textwrap

import numpy as np

from gradcheck import check_grad
from adgen import forms, grad, pipeline, source

# -- the functions (first in the file: the expected texts name their lines) -----------


def scale(x):
    return x * 2.0


def accumulate(x):
    y = x
    y += x * x
    a, b = y, x
    return a * b


def _cube(v):
    return v * v * v


def through_helper(x):
    return np.sin(_cube(x))


def absolute(x):
    y = x if x > 0.0 else -x
    return y * y


def product(x, y):
    z = x * y
    return np.sin(z)


def power(x, n):
    y = 1.0
    for i in range(n):
        y = y * x
    return y


def appended(x):
    ks = []
    for i in range(3):
        ks.append(i * 0.5)
    return x * 3.0 + ks[2]


def twice_appended(x):
    return appended(x) * 2.0


# -- helpers -----------------------------------------------------------------------------


def before_after(fn, stage, **options):
    """The text of the form ``stage`` is given (None for the first) and of the one it returns."""
    found = pipeline.stage_texts(source.load(fn), 0, **options)
    k = [name for name, _, _ in found].index(stage)
    return (found[k - 1][2] if k else None), found[k][2]


def text(block):
    return textwrap.dedent(block).strip("\n")


# -- one test per stage --------------------------------------------------------------------


def test_parse():
    before, after = before_after(scale, "parse")
    assert before is None
    assert after == text("""
        def scale(x):
            return x * 2.0
    """)


def test_normalize():
    before, after = before_after(accumulate, "normalize")
    assert before == text("""
        def accumulate(x):
            y = x
            y += x * x
            a, b = (y, x)
            return a * b
    """)
    assert after == text("""
        y = x
        y = y + x * x
        a = y
        b = x
        _ans = a * b
    """)


def test_resolve():
    before, after = before_after(through_helper, "resolve")
    assert before == text("""
        _ans = np.sin(_cube(x))
    """)
    assert after == text("""
        _ans = np.sin(test_passes._cube(x))
    """)


def test_analyze():
    before, after = before_after(absolute, "analyze")
    assert before == text("""
        y = x if x > 0.0 else -x
        _ans = y * y
    """)
    assert after == text("""
        # active: _ans, x, y
        if x > 0.0:
            y = x
        else:
            y = -x
        _ans = y * y
    """)


def test_reverse():
    before, after = before_after(product, "reverse")
    assert before == text("""
        # active: _ans, x, z
        z = x * y
        _ans = np.sin(z)
    """)
    assert after == text("""
        # seed: _dans
        block z = x * y
            forward:
                z = x * y
            backward:
                _dx = _dx + _rt.unbroadcast(_dz * y, x)
                _dz = 0.0
        block _ans = np.sin(z)
            forward:
                _ans = np.sin(z)
            backward:
                _dz = _dz + _dans * np.cos(z)
                _dans = 0.0
    """)


def test_layout():
    before, after = before_after(power, "layout")
    assert before == text("""
        # seed: _dy
        block y = 1.0
            forward:
                y = 1.0
            backward:
                _dy = 0.0
        for i in range(n):
            block y = y * x
                forward:
                    y = y * x
                backward:
                    _dx = _dx + _rt.unbroadcast(_dy * y, x)
                    _dy = _rt.unbroadcast(_dy * x, y)
        block _ans = y
            forward:
                _ans = y
            backward:
                pass
    """)
    assert after == text("""
        # forward
        _tape = _rt.Tape()
        y = 1.0
        for i in range(n):
            _tape.push(y)
            y = y * x
        _ans = y
        # backward
        _dy = _rt.seed(_ans, _dout)
        # line 49: for i in range(n):
        for i in reversed(range(n)):
            # line 50: y = y * x
            y = _tape.pop()
            _dx = _dx + _rt.unbroadcast(_dy * y, x)
            _dy = _rt.unbroadcast(_dy * x, y)
        # line 48: y = 1.0
        _dy = 0.0
        return _ans, _rt.as_grad(_dx, x)
    """)


def test_optimize():
    before, after = before_after(product, "optimize")
    assert before == text("""
        # forward
        z = x * y
        _ans = np.sin(z)
        # backward
        _dans = _rt.seed(_ans, _dout)
        # line 44: return np.sin(z)
        _dz = _dz + _dans * np.cos(z)
        _dans = 0.0
        # line 43: z = x * y
        _dx = _dx + _rt.unbroadcast(_dz * y, x)
        _dz = 0.0
        return _ans, _rt.as_grad(_dx, x)
    """)
    assert after == text("""
        # forward
        z = x * y
        _ans = np.sin(z)
        # backward
        _dans = _rt.seed(_ans, _dout)
        # line 43: z = x * y
        _dx = _rt.unbroadcast(_dans * np.cos(z) * y, x)
        return _ans, _rt.as_grad(_dx, x)
    """)


def test_instrument():
    before, after = before_after(product, "instrument", debug=True)
    assert before == text("""
        # forward
        z = x * y
        _ans = np.sin(z)
        # backward
        _dans = _rt.seed(_ans, _dout)
        # line 44: return np.sin(z)
        _dz = _dans * np.cos(z)
        # line 43: z = x * y
        _dx = _rt.unbroadcast(_dz * y, x)
        return _ans, _rt.as_grad(_dx, x)
    """)
    assert after == text("""
        # forward
        z = x * y
        _ans = np.sin(z)
        # backward
        _dans = _rt.seed(_ans, _dout)
        # line 44: return np.sin(z)
        _dz = _dans * np.cos(z)
        _rt.check_finite('line 44: return np.sin(z)', _dz=_dz, _dans=_dans, z=z)
        # line 43: z = x * y
        _dx = _rt.unbroadcast(_dz * y, x)
        _rt.check_finite('line 43: z = x * y', _dx=_dx, _dz=_dz, x=x, y=y)
        return _ans, _rt.as_grad(_dx, x)
    """)


def test_package():
    before, after = before_after(product, "package")
    assert before == text("""
        # forward
        z = x * y
        _ans = np.sin(z)
        # backward
        _dans = _rt.seed(_ans, _dout)
        # line 43: z = x * y
        _dx = _rt.unbroadcast(_dans * np.cos(z) * y, x)
        return _ans, _rt.as_grad(_dx, x)
    """)
    assert after == text('''
        def value_and_grad_product(x, y, _dout=None):
            """Value of product and its gradient with respect to x."""
            _rt.real_args((x, y), 'x, y')
            # forward
            z = x * y
            _ans = np.sin(z)

            # backward
            _dans = _rt.seed(_ans, _dout)
            # line 43: z = x * y
            _dx = _rt.unbroadcast(_dans * np.cos(z) * y, x)
            return _ans, _rt.as_grad(_dx, x)
    ''')


# -- one list of stages, for the gradient function and its callees alike -------------------


def test_every_stage_returns_a_declared_form():
    found = pipeline.stage_texts(source.load(product), 0)
    assert [name for name, _, _ in found] == [step.__name__ for step in pipeline.STAGES]
    kinds = [kind for _, kind, _ in found]
    assert kinds == ["Parsed", "Normalized", "Resolved", "Analyzed", "Reversed", "Laid", "Optimized", "Optimized", "Packaged"]
    assert all(dataclasses.is_dataclass(getattr(forms, kind)) for kind in kinds)


def test_the_last_form_is_the_function_transform_emits():
    src = source.load(power)
    packaged = pipeline.stage_texts(src, 0)[-1][2]
    assert packaged in pipeline.transform(src, 0).text


def test_a_callee_drops_the_list_restores_nothing_reads_as_the_function_does():
    # the same body, differentiated directly and as a callee: `ks` is read by no
    # backward statement, so neither puts it back (`ks.pop()`) nor records it
    direct = grad(appended).source
    called = grad(twice_appended).source
    assert "ks.pop()" not in direct
    assert "ks.pop()" not in called
    backward = called[called.index("def _bwd_appended(") :]
    assert "x, = _rec" in backward and "return _ans, (x,)" in called
    assert grad(twice_appended)(1.3) == 6.0  # d/dx of 2 * (3x + 1.0)
    check_grad(twice_appended, (1.3,), 0, grad(twice_appended)(1.3))


def test_adgen_show_stages_prints_each_form(tmp_path, monkeypatch, capsys):
    from clirun import run

    (tmp_path / "stages_shown.py").write_text("def f(x):\n    return x * x\n")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "show", "--stages", "stages_shown.py:f")
    assert code == 0 and err == ""
    heads = [line for line in out.splitlines() if line.startswith("== ")]
    assert heads == [f"== {step.__name__}: {kind} ==" for step, kind in zip(pipeline.STAGES, ["Parsed", "Normalized", "Resolved", "Analyzed", "Reversed", "Laid", "Optimized", "Optimized", "Packaged"])]
    assert "# forward\n_ans = x * x\n# backward\n_dans = _rt.seed(_ans, _dout)\n" in out
