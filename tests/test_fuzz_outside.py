"""Random programs of the second, independent generator (``programs_outside.py``):
each is differentiated right or refused with a coded diagnostic its constructs allow
(``fuzz_judge.judge``); programs where finite differences are no oracle are
discarded and replaced. Derandomised, so CI runs the same programs; a failure prints
the program."""

import importlib.util
import itertools
import random
import sys

import numpy as np
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

import programs_outside
from fuzz_judge import judge_program

OUTSIDE = settings(max_examples=400, deadline=None, derandomize=True, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
_modules = itertools.count()


def load(tmp_path_factory, source):
    path = tmp_path_factory.mktemp("outside") / f"outside_{next(_modules)}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def inputs(seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.0, 1.0, (2, 3)), rng.uniform(-1.0, 1.0, 3), int(rng.integers(0, 4))]


def _run(tmp_path_factory, seed, focus=None):
    program = programs_outside.generate(random.Random(seed), focus)
    module = load(tmp_path_factory, program.source)
    outcome = judge_program(module, program, inputs(seed))
    assume(outcome != "discarded")


@OUTSIDE
@given(seed=st.integers(0, 2**32 - 1))
def test_outside_programs_are_right_or_refused_with_a_code(tmp_path_factory, seed):
    _run(tmp_path_factory, seed)


# Forms the review found wrong, each the area of one helper of issue 12 (see the issue's
# "Must show" 1); a marker stays until that helper's fix is merged.
PENDING = settings(OUTSIDE, max_examples=40)


@PENDING
@given(seed=st.integers(0, 2**32 - 1))
def test_outside_programs_with_aliases_by_value(tmp_path_factory, seed):
    _run(tmp_path_factory, seed, "alias")


@PENDING
@given(seed=st.integers(0, 2**32 - 1))
def test_outside_programs_made_by_a_factory(tmp_path_factory, seed):
    _run(tmp_path_factory, seed, "binding")


@PENDING
@given(seed=st.integers(0, 2**32 - 1))
def test_outside_programs_with_index_tricks(tmp_path_factory, seed):
    _run(tmp_path_factory, seed, "rules")
