"""The cache of generated modules (transpiler/cache.py): threads and processes at once,
kill -9 while writing, cache folders that cannot be used, eviction, ``adgen cache``."""

import builtins
import importlib.util
import inspect
import linecache
import os
import pathlib
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

import numpy as np
import pytest

from cachetools import codes, forget
from adgen import AdgenWarning, api, cache, grad
from adgen.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOBODY = 65534


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A fresh cache folder (not made yet), and a cache that has forgotten every module."""
    where = tmp_path / "cache"
    monkeypatch.setenv("ADGEN_CACHE_DIR", str(where))
    forget()
    yield where
    forget()


_count = [0]


def user_module(tmp_path, body, stem="mod"):
    """Import a new module (a unique name) holding ``body``."""
    _count[0] += 1
    name = f"cachetest_{stem}_{os.getpid()}_{_count[0]}"
    path = tmp_path / f"{name}.py"
    path.write_text("import numpy as np\n\n" + textwrap.dedent(body))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# -- threads and processes ----------------------------------------------------------------


def slow_generated_imports(monkeypatch, seconds):
    """Generated modules take ``seconds`` to run their imports: a thread that could see a
    module before it has run would (before, one round in twenty did)."""
    real = builtins.__import__

    def slow(name, globals=None, *args, **kwargs):
        if (globals or {}).get("__name__", "").startswith("adgen_"):
            time.sleep(seconds)
        return real(name, globals, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", slow)


def test_eight_threads_asking_for_the_same_new_gradient(folder, tmp_path, monkeypatch):
    """Each round is a gradient no thread has seen: all eight ask for it at once."""
    slow_generated_imports(monkeypatch, 0.02)
    x = np.linspace(0.1, 1.0, 5)
    for round_ in range(6):
        mod = user_module(tmp_path, f"def f(x):\n    return np.sum(np.sin(x * {round_ + 1}.0) ** 2)\n")
        start = threading.Barrier(8)
        results, errors = [None] * 8, []

        def work(i):
            try:
                g = grad(mod.f)
                start.wait()
                results[i] = g(x)
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        k = round_ + 1.0
        expected = 2 * np.sin(k * x) * np.cos(k * x) * k
        for r in results:
            np.testing.assert_allclose(r, expected, rtol=1e-12)


CHILD = """
import os, sys, time, warnings
import numpy as np
sys.path.insert(0, sys.argv[1])
warnings.simplefilter("error")  # any warning (AD503: a torn file seen) fails the child
import shared_funcs
from adgen import grad
while not os.path.exists(sys.argv[2]):
    time.sleep(0.001)
x = np.linspace(0.1, 1.0, 4)
for i in range(1, shared_funcs.N + 1):
    got = grad(getattr(shared_funcs, f"f{i}"))(x)
    np.testing.assert_allclose(got, i * np.cos(i * x), rtol=1e-12)
print("ok", shared_funcs.N)
"""


def test_two_processes_sharing_a_cache_folder(folder, tmp_path):
    n = 12
    funcs = "".join(f"def f{i}(x):\n    return np.sum(np.sin(x * {i}.0))\n\n\n" for i in range(1, n + 1))
    (tmp_path / "shared_funcs.py").write_text(f"import numpy as np\n\nN = {n}\n\n\n{funcs}")
    go = tmp_path / "go"
    env = dict(os.environ, ADGEN_CACHE_DIR=str(folder))
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path), str(go)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    time.sleep(0.5)  # both have imported numpy and adgen
    go.touch()
    for child in children:
        out, err = child.communicate(timeout=120)
        assert (child.returncode, out.strip(), err) == (0, f"ok {n}", "")
    files = sorted(folder.glob("adgen_*.py"))
    assert len(files) == n
    for path in files:  # every file whole, and named by the hash of what it holds
        text = path.read_text()
        assert cache.module_name(text, path.stem.rsplit("_", 1)[0][len("adgen_"):]) == path.stem
        compile(text, str(path), "exec")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(folder.glob(".*.tmp"))


STALL = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
marker = sys.argv[2]
real = os.replace
def stalled(src, dst):
    open(marker, "w").close()  # the temporary file is complete, not yet renamed
    time.sleep(60)
os.replace = stalled
"""


def killed_while_writing(tmp_path, script, env=None):
    """Run ``STALL + script`` and kill -9 it as it is about to rename its temporary file."""
    marker = tmp_path / "stalled"
    child = subprocess.Popen([sys.executable, "-c", STALL + script, str(tmp_path), str(marker)], env=env or os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while not marker.exists():
        assert child.poll() is None, child.communicate()
        assert time.time() < deadline
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.communicate()
    assert child.returncode == -signal.SIGKILL


def test_kill_during_a_cache_write_leaves_nothing_a_later_run_trusts(folder, tmp_path):
    (tmp_path / "victim.py").write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(x ** 3)\n")
    script = "import numpy as np, victim\nfrom adgen import grad\ngrad(victim.f)(np.ones(3))\n"
    killed_while_writing(tmp_path, script, dict(os.environ, ADGEN_CACHE_DIR=str(folder)))
    assert not list(folder.glob("adgen_*.py"))  # only the temporary file is there
    (left,) = folder.glob(".adgen_f_*.tmp")

    sys.path.insert(0, str(tmp_path))
    try:
        import victim
    finally:
        sys.path.remove(str(tmp_path))
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(grad(victim.f)(x), 3 * x**2)
    (written,) = folder.glob("adgen_f_*.py")
    assert written.read_text() == grad(victim.f).source_for(x)
    # a later look at the folder removes what a killed process left once it is old
    assert cache.prune(str(folder), cache.DISK_LIMIT) == 0 and left.exists()
    assert cache.prune(str(folder), cache.DISK_LIMIT, now=time.time() + 2 * cache.STALE_TMP_SECONDS) == 1
    assert not left.exists() and written.exists()


def test_kill_during_emit_keeps_the_old_file_whole(tmp_path, monkeypatch, capsys):
    (tmp_path / "m.py").write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(np.sin(x))\n")
    monkeypatch.chdir(tmp_path)
    assert main(["emit", "m.py:f", "-o", "g.py"]) == 0
    old = (tmp_path / "g.py").read_bytes()
    (tmp_path / "m.py").write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(np.cos(x))\n")
    killed_while_writing(tmp_path, f"os.chdir({str(tmp_path)!r})\nfrom adgen.cli import main\nmain(['emit', 'm.py:f', '-o', 'g.py'])\n")
    assert (tmp_path / "g.py").read_bytes() == old
    capsys.readouterr()
    assert main(["emit", "--check", "g.py"]) == 1  # stale, and read whole
    assert main(["emit", "m.py:f", "-o", "g.py"]) == 0
    assert main(["emit", "--check", "g.py"]) == 0


# -- cache folders that cannot be used ----------------------------------------------------


def check_in_memory(tmp_path, record):
    """``grad`` works without a cache folder: right values, source and tracebacks."""
    mod = user_module(tmp_path, "def f(x):\n    return np.sum(np.exp(x) * x)\n")
    x = np.array([0.1, 0.7])
    g = grad(mod.f)
    np.testing.assert_allclose(g(x), np.exp(x) * (x + 1))
    generated = g.__wrapped__
    assert generated.__code__.co_filename.startswith(cache.IN_MEMORY)
    assert "def value_and_grad_f" in inspect.getsource(generated)
    return codes(record)


def test_a_cache_folder_under_a_file(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("ADGEN_CACHE_DIR", str(tmp_path / "file" / "cache"))
    forget()
    with pytest.warns(AdgenWarning) as record:
        assert check_in_memory(tmp_path, record) == ["AD501"]
    monkeypatch.setenv("ADGEN_CACHE_DIR", str(tmp_path / "file"))  # a file, not a folder
    with pytest.warns(AdgenWarning) as record:
        assert check_in_memory(tmp_path, record) == ["AD501"]
    assert (tmp_path / "file").read_text() == "not a folder"


@pytest.mark.parametrize("where", ["/proc/adgen-cache", "/proc"])
def test_a_cache_folder_in_proc(tmp_path, monkeypatch, where):
    monkeypatch.setenv("ADGEN_CACHE_DIR", where)
    forget()
    with pytest.warns(AdgenWarning) as record:
        found = check_in_memory(tmp_path, record)
    # /proc/...: cannot be made; /proc itself: root's and read-only (AD501/AD504), another user's (AD502)
    assert found and set(found) <= {"AD501", "AD502", "AD504"}
    assert not os.path.exists("/proc/adgen-cache")


READ_ONLY = """
import os, sys, warnings
import numpy as np
sys.path.insert(0, sys.argv[1])
import ro_mod
from adgen import AdgenWarning, grad
# Read the rules' sources first: as root (CI), the package may lie in a folder only root can enter.
os.environ["ADGEN_CACHE_DIR"] = sys.argv[3]
grad(ro_mod.warm)(np.array([0.3, 0.6]))
os.environ["ADGEN_CACHE_DIR"] = sys.argv[4]
if os.geteuid() == 0:
    os.setgroups([])
    os.setgid(int(sys.argv[2]))
    os.setuid(int(sys.argv[2]))
with warnings.catch_warnings(record=True) as record:
    warnings.simplefilter("always")
    got = grad(ro_mod.f)(np.array([0.3, 0.6]))
assert np.allclose(got, 2 * np.array([0.3, 0.6]), rtol=1e-12, atol=0), got
print(sorted({w.message.diagnostic.code for w in record if isinstance(w.message, AdgenWarning)}))
"""


@pytest.fixture
def public():
    """A folder every user can read (as root, the test runs a child as another user)."""
    folder = tempfile.mkdtemp(prefix="adgen-public-")
    os.chmod(folder, 0o755)
    yield pathlib.Path(folder)
    shutil.rmtree(folder)


def test_a_read_only_cache_folder(public):
    (public / "ro_mod.py").write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(x * x)\n\n\ndef warm(x):\n    return np.sum(x * 3.0)\n")
    where = public / "ro"
    where.mkdir()
    where.chmod(0o500)
    if IS_ROOT:  # root writes anywhere: the child becomes the user whose read-only folder it is
        os.chown(where, NOBODY, NOBODY)
    env = dict(os.environ, HOME=str(public))
    warm = public / "warm"
    done = subprocess.run([sys.executable, "-c", READ_ONLY, str(public), str(NOBODY), str(warm), str(where)], env=env, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "['AD501']"), done.stderr
    assert list(where.iterdir()) == []
    where.chmod(0o700)


def test_folders_are_made_0700_and_files_0600_whatever_the_umask(folder, tmp_path):
    where = folder / "deeper"
    os.environ["ADGEN_CACHE_DIR"] = str(where)
    old = os.umask(0)
    try:
        mod = user_module(tmp_path, "def f(x):\n    return np.sum(x ** 2)\n")
        np.testing.assert_allclose(grad(mod.f)(np.ones(2)), 2 * np.ones(2))
    finally:
        os.umask(old)
    assert stat.S_IMODE(where.stat().st_mode) == stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(where.iterdir())
    assert len(files) == 1 and stat.S_IMODE(files[0].stat().st_mode) == 0o600


def test_a_folder_removed_while_running_is_made_again(folder, tmp_path):
    mod = user_module(tmp_path, "def f(x):\n    return np.sum(x ** 2)\n\n\ndef h(x):\n    return np.sum(x ** 3)\n")
    grad(mod.f)(np.ones(2))
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    with pytest.warns(AdgenWarning) as record:  # the first write fails (AD504) ...
        np.testing.assert_allclose(grad(mod.h)(np.ones(2)), 3 * np.ones(2))
    assert codes(record) == ["AD504"]
    mod2 = user_module(tmp_path, "def k(x):\n    return np.sum(x ** 4)\n")
    np.testing.assert_allclose(grad(mod2.k)(np.ones(2)), 4 * np.ones(2))  # ... the next makes it again
    assert [p.name[:8] for p in folder.iterdir()] == ["adgen_k_"]


# -- where the folder is --------------------------------------------------------------


def test_the_folder_honours_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.delenv("ADGEN_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.folder() == str(tmp_path / "xdg" / "adgen")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored, as the spec says
    assert cache.folder() == str(tmp_path / "home" / ".cache" / "adgen")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache.folder() == str(tmp_path / "home" / ".cache" / "adgen")
    monkeypatch.setenv("ADGEN_CACHE_DIR", str(tmp_path / "mine"))
    assert cache.folder() == str(tmp_path / "mine")


@pytest.mark.parametrize("platform, parts", [("darwin", ("home", "Library", "Caches", "adgen")), ("win32", ("local", "adgen", "Cache")), ("linux", ("home", ".cache", "adgen"))])
def test_the_folder_is_the_platforms_cache_folder(tmp_path, monkeypatch, platform, parts):
    for name in ("ADGEN_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    monkeypatch.setattr(cache.sys, "platform", platform)
    assert cache.folder() == str(tmp_path.joinpath(*parts))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # set: it wins on every platform
    assert cache.folder() == str(tmp_path / "xdg" / "adgen")


# -- eviction -------------------------------------------------------------------------


def test_the_lru_keeps_the_most_recently_used():
    dropped = []
    lru = cache.LRU(3, lambda k, v: dropped.append(k))
    for k in "abc":
        lru[k] = k.upper()
    assert lru.get("a") == "A"  # a is now the most recent
    lru["d"] = "D"
    assert dropped == ["b"] and lru.get("b") is None and len(lru) == 3
    assert lru.setdefault("c", "other") == "C"
    lru["e"] = "E"
    assert dropped == ["b", "a"]
    lru.clear()
    assert sorted(dropped) == ["a", "b", "c", "d", "e"] and len(lru) == 0


def test_memory_is_bounded_and_evicted_modules_leave_sys_modules(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(cache._MODULES, "size", 4)
    monkeypatch.setattr(api._MEMO, "size", 4)
    x = np.array([0.2, 0.5])
    body = "".join(f"def f{i}(x):\n    return np.sum(np.sin(x) * {i}.0)\n\n\n" for i in range(10))
    mod = user_module(tmp_path, body)
    names = []
    for i in range(10):
        g = grad(getattr(mod, f"f{i}"))
        np.testing.assert_allclose(g(x), i * np.cos(x))
        names.append(cache.module_name(g.source_for(x), f"f{i}"))
    kept = [n for n in names if n in sys.modules]
    assert kept == names[-4:] and len(cache._MODULES) == 4 and len(api._MEMO) <= 4
    assert all(os.path.join(str(folder), n + ".py") not in linecache.cache for n in names[:-4])
    np.testing.assert_allclose(grad(mod.f0)(x), 0 * x)  # an evicted gradient is made again
    assert len(list(folder.glob("adgen_*.py"))) == 10  # the disk keeps them


def test_prune_removes_the_oldest_of_adgens_files_only(tmp_path):
    now = time.time()
    for i in range(6):
        path = tmp_path / f"adgen_f{i}_{i:016x}.py"
        path.write_bytes(b"x" * 100)
        os.utime(path, (now - 100 + i, now - 100 + i))
    (tmp_path / "notes.py").write_bytes(b"y" * 1000)  # not adgen's
    (tmp_path / "adgen_link_0000000000000000.py").symlink_to(tmp_path / "notes.py")
    assert cache.prune(str(tmp_path), 600, now) == 0  # 600 bytes: within the limit
    assert cache.prune(str(tmp_path), 500, now) == 3  # down to 3/4 of 500: the three oldest go
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["adgen_f3_0000000000000003.py", "adgen_f4_0000000000000004.py", "adgen_f5_0000000000000005.py", "adgen_link_0000000000000000.py", "notes.py"]


def test_cache_info_and_clear(folder, tmp_path, capsys):
    mod = user_module(tmp_path, "def f(x):\n    return np.sum(x ** 2)\n\n\ndef h(x):\n    return np.sum(x ** 3)\n")
    grad(mod.f)(np.ones(2))
    grad(mod.h)(np.ones(2))
    (folder / "mine.txt").write_text("keep me")
    outside = tmp_path / "outside.py"
    outside.write_text("keep me too")
    (folder / "adgen_x_0123456789abcdef.py").symlink_to(outside)  # a link: never adgen's file
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "adgen_f_0123456789abcdef.cpython-311.pyc").write_bytes(b"old")
    size = sum(p.stat().st_size for p in folder.glob("adgen_*_*.py") if not p.is_symlink()) + 3
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert f"folder: {folder}\n" in out and f"files: 3, {size} bytes" in out and "not used" not in out
    assert main(["cache", "clear"]) == 0
    assert capsys.readouterr().out == f"{folder}: removed 3 files\n"
    assert sorted(p.name for p in folder.iterdir()) == ["__pycache__", "adgen_x_0123456789abcdef.py", "mine.txt"]
    assert outside.read_text() == "keep me too"
    folder.chmod(0o777)
    assert main(["cache", "info"]) == 0
    assert "not used: AD502" in capsys.readouterr().out
