"""The one exception generated code raises when a run-time check fails (codes AD4xx).

It lives apart from the helpers that raise it so that every runtime module can
import it from below: the tape and seeding helpers (``core``), the adjoints of
containers (``trees``) and the checks of argument kinds (``kinds``) all do.
"""


class GradientError(ValueError):
    """A run-time check in generated code failed (codes AD4xx)."""

    def __init__(self, code, message):
        super().__init__(f"{code} {message}")
        self.code = code
