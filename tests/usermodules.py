"""Modules of the user's written by a test: each a new name in a folder on ``sys.path``."""

import importlib
import itertools
import textwrap

_count = itertools.count()


def write_and_import(folder, text, prefix="usermod"):
    """``(module, path)`` for ``text`` written to a new file in ``folder`` and imported."""
    name = f"{prefix}_{next(_count)}"
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(text))
    importlib.invalidate_caches()
    return importlib.import_module(name), path
