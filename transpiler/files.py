"""Writing files atomically, so a reader (or a later run) never sees half a file,
and through a symbolic link to the file it names."""

import os
import secrets


def write_atomic(path, text, mode=None, sync=True):
    """Write ``text`` (UTF-8) to ``path`` through a new temporary file in the same folder,
    renamed over ``path`` once complete: killed at any moment, ``path`` holds its old
    text or the new one, never a part.

    ``mode``: permission bits for the result (default: the umask's, as for a new file).
    ``sync``: flush the text to the disk before the rename (a power cut then cannot leave
    an empty file). The temporary file is created exclusively and never through a link,
    so nothing planted in the folder is written through. On any failure the temporary
    file is removed and ``path`` is untouched.
    """
    folder, base = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, f".{base}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, 0o666 if mode is None else 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
            if mode is not None:
                os.chmod(f.fileno() if os.chmod in os.supports_fd else tmp, mode)
            if sync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def through_links(path):
    """The file a write to ``path`` should replace: ``path`` itself, or, when it is a
    symbolic link (a chain of them), the file it names, so that the link stays a link."""
    return os.path.realpath(path) if os.path.islink(path) else path
