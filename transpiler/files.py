"""Writing generated modules to disk: atomically, so a reader never sees half a file."""

import os
import threading


def write_atomic(path, text, mode=None):
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder.

    ``mode``: permission bits for the result (default: the umask's, as for a new file).
    On any failure the temporary file is removed and ``path`` is untouched.
    """
    folder, base = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, f".{base}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
