"""Property tests: random programs from the supported subset differentiate like finite
differences; random programs outside it get coded diagnostics, never a crash.

Programs come from ``tests/programs.py``; hypothesis draws the seed of each, and a
failure prints the program's source. Derandomised, so CI runs the same programs.
"""

import importlib.util
import itertools
import random
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

import programs
from gradcheck import check_grad
from adgen import grad
from adgen.check import diagnose
from adgen.errors import CODES, AdgenWarning, TranspileError

# a seed has no smaller form worth shrinking to: a failure prints its program instead.
# With tests/test_fuzz_outside.py, CI runs over 1,000 random programs (200 + 2 x 250 here).
FUZZ = settings(max_examples=200, deadline=None, derandomize=True, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
CHEAP = settings(FUZZ, max_examples=250)  # programs refused at once cost little
_modules = itertools.count()


def load(tmp_path_factory, source):
    """The function ``f`` of ``source``, written to a file (so adgen finds its source)."""
    path = tmp_path_factory.mktemp("fuzz") / f"fuzz_{next(_modules)}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # the gradient module imports it, for the helper it calls
    spec.loader.exec_module(module)
    return module.f


@FUZZ
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 3))
def test_random_supported_programs_match_finite_differences(tmp_path_factory, seed, n):
    source = programs.supported(random.Random(seed))
    f = load(tmp_path_factory, source)
    rng = np.random.default_rng(seed)
    x, s = rng.uniform(-1.0, 1.0, 3), float(rng.uniform(-1.0, 1.0))
    with np.errstate(all="raise"):
        try:
            value = f(x.copy(), s, n)
        except (FloatingPointError, ValueError, IndexError):
            assume(False)
    assume(np.isfinite(value) and abs(value) < 1e6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AdgenWarning)  # a program may ignore x or s: gradient 0, checked below
        gx, gs = grad(f, wrt=(0, 1))(x, s, n)
    for i, g in ((0, gx), (1, gs)):
        try:
            check_grad(f, [x, s, n], i, g, rtol=1e-4, atol=1e-5)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nprogram:\n{source}") from None


@CHEAP
@given(seed=st.integers(0, 2**32 - 1))
def test_random_unsupported_programs_get_coded_diagnostics(tmp_path_factory, seed):
    source, expected = programs.unsupported(random.Random(seed))
    f = load(tmp_path_factory, source)
    with pytest.raises(TranspileError) as info:
        grad(f, wrt=(0, 1))(np.ones(3), 0.5, 2)
    codes = {d.code for d in info.value.diagnostics}
    assert codes <= set(CODES), source
    assert codes & expected, f"{codes} not among {expected}:\n{source}"


@CHEAP
@given(seed=st.integers(0, 2**32 - 1))
def test_check_reports_random_unsupported_programs_without_crashing(tmp_path_factory, seed):
    # adgen check looks at such a function twice (the second time without the refused
    # statements): neither look may fail with anything but diagnostics
    source, expected = programs.unsupported(random.Random(seed))
    f = load(tmp_path_factory, source)
    found = diagnose(f, 0)
    assert {d.code for d in found} <= set(CODES) and {d.code for d in found} & expected, source
