"""What the outcome of one random program means, for ``tests/test_fuzz_outside.py``
and ``tests/fuzz_batch.py``.

A program is either differentiated right, or refused with a TranspileError (or, when
the gradient runs, a GradientError) whose codes are in the error table and among those
its constructs may be refused with;
anything else fails: an InternalError or any other exception, a forward value
other than the function's own, arguments changed, or a gradient that disagrees
with central differences.

Finite differences are an oracle only where the function is smooth and moderate,
so a program is *discarded*, not judged, when at its input:

- the function itself fails (a NumPy floating-point error: overflow, invalid; or
  shapes that do not fit, which ``programs.py`` may write), or its value is not
  finite or exceeds 1e6 in magnitude (huge values: the relative accuracy of
  differences is gone);
- central differences with steps ``1e-4`` and ``1e-5`` (times ``max(1, |x|)``)
  disagree: a branch, ``max``, ``clip`` or loop exit flips within the stencil, so
  no single derivative describes the function there (a kink, or chaos);
- the derivative exceeds 1e6 in magnitude.
"""

import contextlib
import warnings

import numpy as np

from gradcheck import numerical_grad
from adgen.runtime import GradientError
from adgen import TranspileError, value_and_grad
from adgen.errors import CODES, AdgenWarning

HUGE = 1e6


class Outcome(str):
    """"checked", "refused" or "discarded" (a ``str``, with the reason in ``why``)."""

    def __new__(cls, kind, why=""):
        out = super().__new__(cls, kind)
        out.why = why
        return out


def _close(a, b, rtol, atol):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol + rtol * np.maximum(np.abs(a), np.abs(b))))


def _copies(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def judge(f, args, wrt, refusable, source=""):
    """Run the program ``f`` on ``args``; raise ``AssertionError`` on a failure, else
    return the ``Outcome``. ``wrt``: positions differentiated; ``refusable``: codes a
    refusal may carry."""
    with np.errstate(all="raise"):
        try:
            value = f(*_copies(args))
        except (FloatingPointError, ValueError, IndexError) as exc:
            return Outcome("discarded", f"the function fails: {type(exc).__name__}")
    if not np.isfinite(value) or abs(value) > HUGE:
        return Outcome("discarded", f"value {value}")
    given = _copies(args)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AdgenWarning)  # unused or integer arguments: checked below
            got, grads = value_and_grad(f, wrt=tuple(wrt))(*given)
    except (TranspileError, GradientError) as exc:  # refused when it is made, or when it runs (AD4xx)
        codes = {d.code for d in exc.diagnostics} if isinstance(exc, TranspileError) else {exc.code}
        if not codes <= set(CODES) or not codes <= refusable:
            raise AssertionError(f"refused with {sorted(codes)}, not among {sorted(refusable)}:\n{exc}\nprogram:\n{source}") from None
        return Outcome("refused", ", ".join(sorted(codes)))
    if not all(np.array_equal(a, b) for a, b in zip(given, args)):
        raise AssertionError(f"the gradient changed its arguments\nprogram:\n{source}")
    if not _close(got, value, 1e-12, 1e-12):
        raise AssertionError(f"the gradient's forward computes {got}, the function {value}\nprogram:\n{source}")
    for i, g in zip(wrt, grads):
        coarse = numerical_grad(f, args, i, eps=1e-4 * max(1.0, float(np.max(np.abs(args[i])))))
        fine = numerical_grad(f, args, i, eps=1e-5 * max(1.0, float(np.max(np.abs(args[i])))))
        if not _close(coarse, fine, 1e-4, 1e-6):
            return Outcome("discarded", "not smooth here: differences with two steps disagree")
        if np.max(np.abs(fine)) > HUGE:
            return Outcome("discarded", "huge derivative")
        if not _close(g, fine, 1e-4, 1e-5):
            raise AssertionError(f"gradient in argument {i} disagrees with finite differences:\n"
                                 f"  computed: {np.asarray(g)!r}\n  numeric:  {fine!r}\nprogram:\n{source}")
    return Outcome("checked")


@contextlib.contextmanager
def _naming(depends):
    """A failure says which helpers' fixes of issue 12 the program's forms need."""
    try:
        yield
    except AssertionError as exc:
        if not depends:
            raise
        raise AssertionError(f"[forms that need the fix of: {', '.join(sorted(depends))}] {exc}") from None


def judge_program(module, program, args):
    """``judge`` each function of ``program`` (``programs_outside.Program``) loaded as
    ``module``, and ``f`` again after its global is rebound; the outcome is the
    weakest of theirs (discarded, then refused, then checked)."""
    outcomes = []
    with _naming(program.depends):
        for name in program.functions:
            outcomes.append(judge(getattr(module, name), args, (0, 1), program.refusable, program.source))
        if program.rebind:
            setattr(module, program.rebind[0], eval(program.rebind[1], {"np": np}))  # noqa: S307 - our own literal
            outcomes.append(judge(module.f, args, (0, 1), program.refusable, f"{program.source}\n(after {program.rebind[0]} = {program.rebind[1]})"))
    for kind in ("discarded", "refused"):
        if kind in outcomes:
            return outcomes[outcomes.index(kind)]
    return outcomes[0]
