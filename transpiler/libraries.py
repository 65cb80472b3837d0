"""Which files are the standard library's or an installed package's (not the user's)."""

import os
import sysconfig

LIBRARIES = tuple(sorted({os.path.abspath(sysconfig.get_paths()[k]) + os.sep for k in ("stdlib", "platstdlib", "purelib", "platlib")}))


def installed(path):
    """Is ``path`` a file of the standard library or of an installed package?"""
    return os.path.abspath(path).startswith(LIBRARIES)
