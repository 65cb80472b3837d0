"""What gradient modules generated with ``debug=True`` (``adgen emit --debug``) call:
a tape that checks every pop takes what the matching push recorded, and a check that
each backward statement leaves finite values."""

import numpy as np

from adgen.runtime.core import GradientError, Tape


class DebugTape(Tape):
    """A tape whose entries carry the name they were recorded for; ``pop`` checks it."""

    def push(self, value, tag=None):
        self.append((tag, value))

    def pop(self, tag=None):
        if not self:
            raise GradientError("AD406", f"the backward pass pops {tag or 'a value'} from an empty tape (a bug in adgen: please report it)")
        recorded, value = list.pop(self)
        if tag is not None and recorded is not None and recorded != tag:
            raise GradientError(
                "AD406",
                f"the backward pass pops {tag} where the tape holds {recorded} (a bug in adgen: please report it with your function)",
            )
        return value

    def check_empty(self):
        """At the end of the backward pass every recorded value has been used."""
        if self:
            raise GradientError("AD406", f"{len(self)} recorded values were never popped, the last for {self[-1][0]} (a bug in adgen: please report it)")


def check_finite(where, **values):
    """Raise AD407 when the first of ``values`` (the adjoint a backward statement of the
    user's line ``where`` assigned) has a NaN or an infinity; the others (what the
    statement read) go into the message."""
    (name, value), *rest = values.items()
    if _finite(value):
        return
    shown = ", ".join(f"{k} = {_show(v)}" for k, v in rest)
    raise GradientError(
        "AD407",
        f"the gradient is not finite after {where}: {name} = {_show(value)}" + (f" (with {shown})" if shown else ""),
    )


def _finite(value):
    try:
        return bool(np.all(np.isfinite(value)))
    except (TypeError, ValueError):  # containers of adjoints (ragged ones too), None: checked where their items are assigned
        return True


def _show(value):
    text = np.array2string(np.asarray(value), precision=6, threshold=8) if isinstance(value, (np.ndarray, float, int, np.generic)) else repr(value)
    return text if len(text) < 200 else text[:197] + "..."
