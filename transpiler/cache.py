"""The cache of generated modules: in memory (bounded, least recently used first out)
and on disk, a real file per module so that tracebacks, ``pdb``, editors and
``inspect.getsource`` show the generated lines.

A file on disk is run only as a gradient kept for later processes (``persist.py``): its
text is executed only when a manifest beside it, written by adgen, matches the request
(the function's source and code, ``wrt``, shapes, flags, adgen's own code, the versions
of Python and NumPy, the rules registered), every name the gradient resolved resolves
again to an equivalent object, and the file's SHA-256 is the one the manifest records;
anything else is a miss, and the gradient is transformed again. Otherwise what runs is
the text adgen has just generated: a file on disk is only a copy, compared byte for byte
with that text (and replaced, with a warning, when it differs), so a file planted or
corrupted in the folder is never executed. The folder is used only when it is the
user's own and nobody else can write to it (the way ssh treats ``~/.ssh``), and its
files only when they are regular files of the user's; otherwise, or when it cannot be
made or written, gradients keep working from memory after a coded warning (AD5xx).
Modules are published only once fully executed, so a thread or process asking for
the same gradient at the same time never sees half of one.
"""

import collections
import hashlib
import io
import linecache
import os
import re
import stat
import sys
import threading
import time
import types
import warnings

from adgen import errors
from adgen.errors import AdgenWarning
from adgen.files import write_atomic

MAX_MODULES = 512  # generated modules kept in memory; the least recently used go first
DISK_LIMIT = 256 * 2**20  # bytes of adgen's files in the cache folder before the oldest go
PRUNE_EVERY = 64  # new files written between two looks at the folder's size
STALE_TMP_SECONDS = 3600  # a temporary file this old was left by a process that was killed
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
IN_MEMORY = "<adgen, in memory>"  # the folder named in tracebacks when a module has no file
_OWN_FILE = re.compile(r"adgen_\w+_[0-9a-f]{16}\.(?:py|json)|\.adgen_\w+_[0-9a-f]{16}\.(?:py|json)\.\d+\.[0-9a-f]+\.tmp")  # modules, manifests
_MODULE_FILE = re.compile(r"adgen_\w+_[0-9a-f]{16}\.py")
_OWN_BYTECODE = re.compile(r"adgen_\w+_[0-9a-f]{16}\.[\w.-]+\.pyc")  # written by earlier versions


class LRU:
    """A mapping that keeps its ``size`` most recently used entries (thread-safe);
    ``on_drop(key, value)`` is called for each entry it drops."""

    def __init__(self, size, on_drop=None):
        self.size = size
        self.on_drop = on_drop
        self._items = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            value = self._items.get(key, default)
            if key in self._items:
                self._items.move_to_end(key)
            return value

    def setdefault(self, key, value):
        """The value for ``key``: the one already there, or ``value``, now stored."""
        with self._lock:
            value = self._items.setdefault(key, value)
            self._items.move_to_end(key)
            dropped = [self._items.popitem(last=False) for _ in range(len(self._items) - self.size)]
        for old in dropped:
            if self.on_drop is not None:
                self.on_drop(*old)
        return value

    def __setitem__(self, key, value):
        with self._lock:
            self._items.pop(key, None)
        self.setdefault(key, value)

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        with self._lock:
            return iter(list(self._items))

    def clear(self):
        with self._lock:
            dropped = list(self._items.items())
            self._items.clear()
        for old in dropped:
            if self.on_drop is not None:
                self.on_drop(*old)


def _drop_module(name, module):
    if sys.modules.get(name) is module:
        del sys.modules[name]
    linecache.cache.pop(module.__file__, None)


_MODULES = LRU(MAX_MODULES, _drop_module)  # module name -> the executed module
_lock = threading.Lock()
_judged = {}  # folder -> its real path when it is safe to use, else None
_warned = set()
_written = [0]


def folder():
    """The cache folder asked for: ``$ADGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/adgen``
    (an ``XDG_CACHE_HOME`` that is not absolute is ignored, as the XDG specification
    says), else the platform's cache folder: ``~/Library/Caches/adgen`` on macOS,
    ``%LOCALAPPDATA%\\adgen\\Cache`` on Windows, ``~/.cache/adgen`` elsewhere."""
    chosen = os.environ.get("ADGEN_CACHE_DIR")
    if chosen:
        return os.path.abspath(chosen)
    base = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(base):
        return os.path.join(base, "adgen")
    home = os.path.expanduser("~")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches", "adgen")
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
        return os.path.join(local, "adgen", "Cache")
    return os.path.join(home, ".cache", "adgen")


def module_name(text, stem):
    """The module name (and file stem) of a generated text: its function's name and hash."""
    return f"adgen_{stem[:64]}_{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def is_module_file(name):
    """Is ``name`` the name of a file ``load_module`` writes?"""
    return bool(_MODULE_FILE.fullmatch(name))


def load_module(text, stem):
    """The module that ``text`` (adgen's generated code for function ``stem``) makes:
    executed from ``text`` itself, with its file in the cache folder when there is a
    usable one."""
    name = module_name(text, stem)
    module = _MODULES.get(name)
    if module is not None:
        return module
    path = _store(name, text)
    module = execute(name, text, path or os.path.join(IN_MEMORY, name + ".py"))
    module = _MODULES.setdefault(name, module)  # a thread that finished first wins; ours is dropped
    sys.modules[name] = module
    return module


def execute(name, text, filename):
    """A new module, executed from ``text``; registered nowhere until it is complete."""
    code = compile(text, filename, "exec", dont_inherit=True)
    module = types.ModuleType(name)
    module.__file__ = filename
    module.__loader__ = _Text(text)  # inspect and linecache find the source through it
    # what tracebacks and pdb show is what runs, whatever later happens to the file
    lines = io.StringIO(text, newline=None).readlines()  # split where Python splits lines
    linecache.cache[filename] = (len(text), None, lines, filename)
    try:
        exec(code, module.__dict__)  # noqa: S102 - the text adgen just generated
    except BaseException:
        linecache.cache.pop(filename, None)
        raise
    return module


class _Text:
    """The loader of a generated module: it knows the module's source."""

    def __init__(self, text):
        self.text = text

    def get_source(self, name):
        return self.text


def _store(name, text):
    """Put ``text`` in the cache folder as ``name.py``; its path, or None when there is no
    usable folder (a warning said why) and the module lives in memory only."""
    asked = folder()
    where = usable_folder(asked)
    if where is None:
        return None
    path = os.path.join(where, name + ".py")
    data = text.encode("utf-8")
    found = _read_own(path, len(data))
    if found == data:
        try:
            os.utime(path)  # recently used: the last to be pruned
        except OSError:
            pass
        return path
    if found is not None:
        _warn(path, errors.AD503_CHANGED)
    try:
        write_atomic(path, text, mode=0o600, sync=False)  # a torn file is caught by the comparison
    except OSError as exc:
        with _lock:
            _judged.pop(asked, None)  # judge it again next time (it may have been removed)
        _warn(where, errors.AD504_WRITE_FAILED, error=exc.strerror or exc)
        return None
    _written[0] += 1
    if _written[0] % PRUNE_EVERY == 1:
        prune(where, DISK_LIMIT)
    return path


def _read_own(path, size, mine=False):
    """The bytes of the regular file ``path`` (at most ``size + 1``: enough to tell it
    from ``size`` bytes), b"" for something else there (a link, a pipe, a folder; with
    ``mine``, a file of another user's), or None when nothing is there."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError:
        return b""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or (mine and hasattr(os, "geteuid") and info.st_uid != os.geteuid()):
        os.close(fd)
        return b""
    with os.fdopen(fd, "rb") as f:
        return f.read(size + 1)


def read_file(name, size):
    """The bytes of adgen's file ``name`` in the usable cache folder, when it is a regular
    file of the user's of at most ``size`` bytes; else None (nothing is warned)."""
    where = usable_folder(folder())
    if where is None:
        return None
    try:
        data = _read_own(os.path.join(where, name), size, mine=True)
    except OSError:
        return None
    return data if data and len(data) <= size else None


def write_file(name, text):
    """Write adgen's file ``name`` (``text``) into the usable cache folder, atomically,
    readable by the user only; whether it was written (a failure is not warned: the
    module beside it was written, or warned about, already)."""
    where = usable_folder(folder())
    if where is None:
        return False
    try:
        write_atomic(os.path.join(where, name), text, mode=0o600, sync=False)  # a torn file is caught by its digest
    except OSError:
        return False
    return True


def touch(name):
    """Mark adgen's file ``name`` in the cache folder as recently used (the last to be pruned)."""
    where = usable_folder(folder())
    if where is not None:
        try:
            os.utime(os.path.join(where, name))
        except OSError:
            pass


def usable_folder(asked):
    """The real path of the cache folder ``asked`` when it exists or can be made, and is
    safe: owned by this user and writable by nobody else. Otherwise None, after a warning
    saying why."""
    with _lock:
        if asked in _judged:
            return _judged[asked]
    real, message, parts = judge(asked)
    if real is None:
        _warn(asked, message, **parts)
    with _lock:
        _judged[asked] = real
    return real


def judge(asked):
    """(real path, None, None) for a usable folder, else (None, message, its parts)."""
    try:
        make_folders(asked)
        real = os.path.realpath(asked)
        info = os.stat(real)
    except OSError as exc:
        return None, errors.AD501_CANNOT_MAKE, {"error": exc.strerror or exc}
    if not stat.S_ISDIR(info.st_mode):
        return None, errors.AD501_NOT_A_FOLDER, {}
    try:
        unsafe = unsafe_reason(real, info)
    except OSError as exc:
        unsafe = f"cannot inspect a folder above it: {exc.strerror or exc}"
    if unsafe:
        return None, errors.AD502_UNSAFE, {"why": unsafe}
    if not os.access(real, os.W_OK | os.X_OK):
        return None, errors.AD501_NOT_WRITABLE, {}
    return real, None, None


def make_folders(path):
    """``os.makedirs``, but each folder it makes is 0700 whatever the umask (makedirs
    leaves the ones above the last to the umask, which may let others write to them)."""
    head = os.path.dirname(path)
    if head != path and not os.path.isdir(head):
        make_folders(head)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        if not os.path.isdir(path):
            raise
        return
    os.chmod(path, 0o700)


def unsafe_reason(real, info):
    """Why the folder ``real`` (its ``os.stat``) is not safe to run code from, or ""."""
    uid = os.geteuid() if hasattr(os, "geteuid") else None
    if uid is None:  # Windows: permissions are ACLs, not modes
        return ""
    if info.st_uid != uid:
        return f"it belongs to another user (uid {info.st_uid})"
    if info.st_mode & 0o022:
        return f"other users can write to it (mode {stat.S_IMODE(info.st_mode):o})"
    parent = os.path.dirname(real)
    while parent != real:
        up = os.stat(parent)
        if up.st_uid not in (0, uid):
            return f"the folder above it, {parent}, belongs to another user (uid {up.st_uid})"
        if up.st_mode & 0o002 and not up.st_mode & stat.S_ISVTX:
            return f"other users can rename or replace it: the folder above it, {parent}, is writable by all"
        real, parent = parent, os.path.dirname(parent)
    return ""


def _warn(path, message, **parts):
    """One AdgenWarning per problem and path in a process."""
    with _lock:
        if (message.code, path) in _warned:
            return
        _warned.add((message.code, path))
    level, frame = 1, sys._getframe()
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        level, frame = level + 1, frame.f_back  # to the line of the user's that called adgen
    warnings.warn(AdgenWarning(message.at(path, 0, 0, severity="warning", **parts)), stacklevel=level)


def own_files(where):
    """``(path, os.stat)`` of each of adgen's files in the folder ``where``: generated
    modules, the manifests of gradients kept for later processes (``persist.py``),
    temporary files a killed process left, bytecode older versions wrote (links and
    folders are never adgen's)."""
    return _matching(where, _OWN_FILE) + _matching(os.path.join(where, "__pycache__"), _OWN_BYTECODE)


def _matching(where, pattern):
    try:
        entries = list(os.scandir(where))
    except OSError:  # no such folder, or not one
        return []
    found = []
    for entry in entries:
        if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            try:
                found.append((entry.path, entry.stat(follow_symlinks=False)))
            except FileNotFoundError:  # removed meanwhile by another process
                pass
    return found


def prune(where, limit, now=None):
    """Remove temporary files left by killed processes and, while adgen's files in
    ``where`` hold more than ``limit`` bytes, the least recently used ones, down to
    three quarters of it. Returns the number of files removed."""
    now = time.time() if now is None else now
    files = own_files(where)
    doomed = [p for p, s in files if p.endswith(".tmp") and now - s.st_mtime > STALE_TMP_SECONDS]
    kept = sorted((s.st_mtime, s.st_size, p) for p, s in files if not p.endswith(".tmp"))
    total = sum(size for _, size, _ in kept)
    if total > limit:
        for _, size, path in kept:
            if total <= limit * 3 // 4:
                break
            doomed.append(path)
            total -= size
    return remove(doomed)


def remove(paths):
    """Remove files (ones already gone are not counted); the number removed."""
    count = 0
    for path in paths:
        try:
            os.unlink(path)
            count += 1
        except FileNotFoundError:
            pass
    return count


def forget():
    """Drop every module from memory and every judgement of folders (for tests)."""
    _MODULES.clear()
    with _lock:
        _judged.clear()
        _warned.clear()
