"""What gradient modules generated with ``debug=True`` (``adgen emit --debug``) call:
a tape that checks every pop takes what the matching push recorded, and a check that
each backward statement leaves finite values."""

import numpy as np

from adgen.runtime import errors
from adgen.runtime.core import Tape


class DebugTape(Tape):
    """A tape whose entries carry the name they were recorded for; ``pop`` checks it."""

    def push(self, value, tag=None):
        self.append((tag, value))

    def pop(self, tag=None):
        if not self:
            raise errors.AD406_EMPTY_TAPE.error(tag=tag or "a value")
        recorded, value = list.pop(self)
        if tag is not None and recorded is not None and recorded != tag:
            raise errors.AD406_OUT_OF_ORDER.error(tag=tag, recorded=recorded)
        return value

    def check_empty(self):
        """At the end of the backward pass every recorded value has been used."""
        if self:
            raise errors.AD406_NOT_EMPTIED.error(count=len(self), tag=self[-1][0])


def check_finite(where, **values):
    """Raise AD407 when the first of ``values`` (the adjoint a backward statement of the
    user's line ``where`` assigned) has a NaN or an infinity; the others (what the
    statement read) go into the message."""
    (name, value), *rest = values.items()
    if _finite(value):
        return
    shown = ", ".join(f"{k} = {_show(v)}" for k, v in rest)
    message = errors.AD407_NOT_FINITE_WITH if shown else errors.AD407_NOT_FINITE
    raise message.error(where=where, name=name, value=_show(value), read=shown)


def _finite(value):
    try:
        return bool(np.all(np.isfinite(value)))
    except (TypeError, ValueError):  # containers of adjoints (ragged ones too), None: checked where their items are assigned
        return True


def _show(value):
    text = np.array2string(np.asarray(value), precision=6, threshold=8) if isinstance(value, (np.ndarray, float, int, np.generic)) else repr(value)
    return text if len(text) < 200 else text[:197] + "..."
