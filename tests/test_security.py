"""Nothing runs that is not the user's code or adgen's: files planted in the cache
folder, shared or other users' folders, names from the environment reaching generated
code, ``emit --check`` importing what a header names, ``emit -o`` through links.

Planted code writes a marker file if it ever runs; each test asserts the marker is absent."""

import ast
import importlib.util
import io
import os
import py_compile
import stat
import sys
import tokenize
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cachetools import codes, forget
import adgen
from adgen import AdgenWarning, cache, emit, grad
from adgen.cli import main
from adgen.gradient_files import Fail, read_header

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOBODY = 65534
NASTY = [  # folder and file names: newlines, quotes, backslashes, '#', non-ASCII, encodings
    "new\nline",
    "x\nopen('PWNED', 'w').write('ran')\n#",
    "it's \"quoted\"",
    'q"""\nopen("PWNED", "w").close()\n"""',  # out of a docstring
    "back\\slash\\",
    "hash # mark",
    "non-ASCII é 模型 ü",
    "coding=utf-7 +AAo-open(+ACI-PWNED+ACI-, +ACI-w+ACI-)+AAo-#",
    "cr\rand\u2028sep\x85",
    " leading and trailing ",
]


def planted(marker):
    return f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"


_count = [0]


def user_module(folder, body="def f(x):\n    return np.sum(x ** 3)\n", filename=None):
    _count[0] += 1
    name = f"sectest_{os.getpid()}_{_count[0]}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (filename or f"{name}.py")
    path.write_text("import numpy as np\n\n\n" + body)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A fresh cache (``tmp_path/cache``, not made yet) and cwd; the marker's path."""
    monkeypatch.setenv("ADGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    forget()
    yield tmp_path / "cache", tmp_path / "PWNED"
    forget()


def expected_name(mod, x):
    """The cache file the gradient of ``mod.f`` at ``x`` will be looked for under (made
    there when the folder is usable: removed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = grad(mod.f).source_for(x)
    name = cache.module_name(text, "f") + ".py"
    where = cache.usable_folder(cache.folder())
    if where is not None and os.path.exists(os.path.join(where, name)):
        os.unlink(os.path.join(where, name))
    forget()  # as in a new process: nothing in memory
    return name, text


# -- files planted in the cache folder ------------------------------------------------


def test_a_planted_module_in_the_users_own_folder_is_replaced_not_run(env, tmp_path):
    where, marker = env
    mod = user_module(tmp_path / "src")
    x = np.array([1.0, 2.0])
    name, text = expected_name(mod, x)
    where.mkdir(mode=0o700, exist_ok=True)
    (where / name).write_text(planted(marker) + "def value_and_grad_f(x, _dout=None):\n    return 0.0, 0.0\n")
    with pytest.warns(AdgenWarning) as record:
        np.testing.assert_allclose(grad(mod.f)(x), 3 * x**2)
    assert codes(record) == ["AD503"] and not marker.exists()
    assert (where / name).read_text() == text and stat.S_IMODE((where / name).stat().st_mode) == 0o600


def test_a_truncated_module_is_replaced(env, tmp_path):
    where, marker = env
    mod = user_module(tmp_path / "src")
    x = np.array([1.0, 2.0])
    name, text = expected_name(mod, x)
    where.mkdir(mode=0o700, exist_ok=True)
    (where / name).write_text(text[: len(text) // 2])  # a torn write (a power cut)
    with pytest.warns(AdgenWarning) as record:
        np.testing.assert_allclose(grad(mod.f)(x), 3 * x**2)
    assert codes(record) == ["AD503"] and (where / name).read_text() == text


@pytest.mark.parametrize("kind", ["symlink", "fifo", "folder"])
def test_something_else_under_the_modules_name(env, tmp_path, kind):
    """A link is replaced, not written through; a pipe does not block; a folder is no module."""
    where, marker = env
    mod = user_module(tmp_path / "src")
    x = np.array([1.0, 2.0])
    name, text = expected_name(mod, x)
    where.mkdir(mode=0o700, exist_ok=True)
    victim = tmp_path / "victim.py"
    victim.write_text(planted(marker))
    if kind == "symlink":
        (where / name).symlink_to(victim)
    elif kind == "fifo":
        os.mkfifo(where / name)
    else:
        (where / name).mkdir()
    with pytest.warns(AdgenWarning) as record:
        np.testing.assert_allclose(grad(mod.f)(x), 3 * x**2)
    assert not marker.exists() and victim.read_text() == planted(marker)
    if kind == "folder":
        assert codes(record) == ["AD503", "AD504"]  # cannot be replaced: kept in memory
    else:
        assert codes(record) == ["AD503"] and (where / name).read_text() == text and not (where / name).is_symlink()


def test_planted_bytecode_is_never_run(env, tmp_path):
    """Python prefers a ``__pycache__`` file matching the source's size and time: adgen
    never imports cached files, so such a file does nothing either."""
    where, marker = env
    mod = user_module(tmp_path / "src")
    x = np.array([1.0, 2.0])
    grad(mod.f)(x)
    name, text = expected_name(mod, x)
    evil = tmp_path / "evil.py"
    evil.write_text(planted(marker) + text)
    source = where / name
    pyc = importlib.util.cache_from_source(str(source))
    os.makedirs(os.path.dirname(pyc), exist_ok=True)
    py_compile.compile(str(evil), cfile=pyc, dfile=str(source), invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    np.testing.assert_allclose(grad(mod.f)(x), 3 * x**2)
    assert not marker.exists()


# -- folders that are not the user's alone ------------------------------------------------


def refused(tmp_path, where, marker, name=None, plant=True):
    """``grad`` with the cache in ``where``: right, AD502, planted file neither run nor touched."""
    mod = user_module(tmp_path / "src")
    x = np.array([0.5, 1.5])
    name = name or expected_name(mod, x)[0]
    if plant:
        (where / name).write_text(planted(marker))
    with pytest.warns(AdgenWarning) as record:
        np.testing.assert_allclose(grad(mod.f)(x), 3 * x**2)
    assert codes(record) == ["AD502"] and not marker.exists()
    if plant:
        assert (where / name).read_text() == planted(marker) and len(list(where.iterdir())) == 1


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o707, 0o720])
def test_a_folder_others_can_write_to_is_refused(env, tmp_path, mode):
    where, marker = env
    where.mkdir()
    where.chmod(mode)
    refused(tmp_path, where, marker)


def test_a_folder_of_another_user_is_refused(env, tmp_path, monkeypatch):
    where, marker = env
    if IS_ROOT:  # root, calling grad in a folder another user made and filled
        where.mkdir(mode=0o700)
        mod = user_module(tmp_path / "src")
        name = expected_name(mod, np.array([0.5, 1.5]))[0]
        (where / name).write_text(planted(marker))
        os.chown(where / name, NOBODY, NOBODY)
        os.chown(where, NOBODY, NOBODY)
        refused(tmp_path, where, marker, name, plant=False)
        assert (where / name).read_text() == planted(marker)
    else:  # a folder root owns
        monkeypatch.setenv("ADGEN_CACHE_DIR", "/usr")
        refused(tmp_path, "/usr", marker, plant=False)


def test_a_folder_under_one_all_can_write_to_is_refused(env, tmp_path, monkeypatch):
    """Others cannot write in it, but can rename it and put theirs in its place."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # no sticky bit, unlike /tmp
    where = shared / "cache"
    monkeypatch.setenv("ADGEN_CACHE_DIR", str(where))
    mod = user_module(tmp_path / "src")
    with pytest.warns(AdgenWarning) as record:
        np.testing.assert_allclose(grad(mod.f)(np.ones(2)), 3 * np.ones(2))
    assert codes(record) == ["AD502"] and not any(where.iterdir())
    shared.chmod(0o1777)  # with the sticky bit (as /tmp): only the owner may rename it
    forget()
    np.testing.assert_allclose(grad(mod.f)(np.ones(2)), 3 * np.ones(2))
    assert len(list(where.iterdir())) == 1


# -- names from the environment in generated code -------------------------------------


def header_lines_are_comments(text, count):
    head = "".join(text.splitlines(keepends=True)[:count])
    assert ast.parse(head).body == []  # nothing but comments
    assert len(io.StringIO(head, newline=None).readlines()) == count
    assert tokenize.detect_encoding(io.BytesIO(text.encode()).readline)[0] == "utf-8"


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(min_size=1), st.text(min_size=1))
def test_any_origin_and_output_name_stay_in_the_header_comments(tmp_path_factory, origin, out_name):
    """Header text for any path: comments only, UTF-8, and read back as written."""
    command = f"adgen emit {emit.shell_word(origin + ':f')} --wrt x -o {emit.shell_word(out_name)}  (run in this file's folder)"
    head = emit.header(origin, "f", ["x"], "0" * 64, command)
    header_lines_are_comments(head + "x = 1\n", 3)
    out = tmp_path_factory.mktemp("h") / "g.py"
    out.write_text(head)
    rel, func, wrt, *_ = read_header(str(out))
    assert (rel, func, wrt) == (origin, "f", "x")


@pytest.mark.parametrize("nasty", NASTY)
def test_grad_of_a_module_in_a_nastily_named_folder(env, tmp_path, nasty):
    where, marker = env
    mod = user_module(tmp_path / nasty / "sub", filename=f"{nasty.strip()}.py" if "\r" not in nasty else None)
    x = np.array([0.5, 2.0])
    g = grad(mod.f)
    np.testing.assert_allclose(g(x), 3 * x**2)
    text = g.source_for(x)
    header_lines_are_comments(text, 2)
    assert f" from {emit.literal(mod.__file__)}:f. " in text.splitlines()[0]
    for path in where.iterdir():  # the cached file, imported by anyone, runs nothing planted
        spec = importlib.util.spec_from_file_location("nasty_check", path)
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    assert not marker.exists() and not (tmp_path / "sub" / "PWNED").exists()


@pytest.mark.parametrize("nasty", NASTY)
def test_emit_and_check_with_nastily_named_folders_and_files(env, tmp_path, nasty, capsys):
    where, marker = env
    base = tmp_path / nasty
    src = base / "src"
    src.mkdir(parents=True)
    name = nasty.strip().replace("\r", "").replace(".", "_")  # a dot would make it a package
    (src / f"{name}.py").write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(np.sin(x))\n")
    os.chdir(base)
    out = f"src/grad {name}.py"
    assert main(["emit", f"src/{name}.py:f", "-o", out]) == 0
    text = (base / out).read_text()
    header_lines_are_comments(text, 3)
    assert main(["emit", "--check", out]) == 0  # the header reads back: up to date
    assert capsys.readouterr().out.strip() == f"{out} is up to date"
    spec = importlib.util.spec_from_file_location("emitted_nasty", base / out)  # import it from disk
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert not marker.exists() and not (base / "PWNED").exists() and not (src / "PWNED").exists()


def test_comments_from_the_users_lines_cannot_end_early():
    assert emit.printable("a\rb\nc\x85d\u2028e\tf é") == "a\\rb\\nc\\x85d\\u2028e\tf é"


# -- emit --check imports only sources in the output's folder tree ------------------------


@pytest.fixture
def emitted(tmp_path, monkeypatch, request):
    """``gen/g.py`` emitted from ``gen/sec_m_<test>.py``; the marker an outside source would write."""
    gen = tmp_path / "gen"
    name = "sec_m_" + "".join(c if c.isalnum() else "_" for c in request.node.name)
    gen.mkdir()
    (gen / f"{name}.py").write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(x ** 2)\n")
    monkeypatch.chdir(gen)
    assert main(["emit", f"{name}.py:f", "-o", "g.py"]) == 0
    outside = tmp_path / "outside.py"
    outside.write_text(planted(tmp_path / "PWNED") + "def f(x):\n    return x\n")
    return gen, outside, tmp_path / "PWNED", name


def point_header_at(path, rel):
    lines = path.read_text().splitlines(keepends=True)
    lines[0] = f"{emit.HEADER_MARK} {adgen.__version__} from {emit.literal(rel)}:f. Do not edit.\n"
    path.write_text("".join(lines))


@pytest.mark.parametrize("how", ["absolute", "relative", "symlink"])
def test_check_refuses_a_source_outside_the_output_folder(emitted, capsys, how):
    gen, outside, marker, name = emitted
    if how == "symlink":
        (gen / "inside.py").symlink_to(outside)
    rel = {"absolute": str(outside), "relative": "../outside.py", "symlink": "inside.py"}[how]
    point_header_at(gen / "g.py", rel)
    assert main(["emit", "--check", "g.py"]) == 2
    err = capsys.readouterr().err
    assert "AD505" in err and "--source" in err and not marker.exists()
    assert main(["emit", "--check", "g.py", "--source", f"{name}.py"]) == 2  # not the file it names
    assert f"not {name}.py" in capsys.readouterr().err and not marker.exists()


def test_check_accepts_sources_below_the_output_folder(emitted, capsys):
    gen, _, marker, name = emitted
    (gen / "sub").mkdir()
    (gen / f"{name}.py").rename(gen / "sub" / "sec_sub.py")
    assert main(["emit", "sub/sec_sub.py:f", "-o", "g.py"]) == 0
    assert main(["emit", "--check", "g.py"]) == 0
    with pytest.raises(Fail):  # and still reads only the header's own forms
        point_header_at(gen / "g.py", "x")
        (gen / "g.py").write_text((gen / "g.py").read_text().replace("from x:f", "from 'unclosed:f"))
        read_header(str(gen / "g.py"))


# -- emit -o through a symbolic link ------------------------------------------------------


@pytest.mark.parametrize("dangling", [False, True])
def test_emit_writes_through_a_link_and_keeps_it(tmp_path, monkeypatch, capsys, dangling):
    m = tmp_path / f"sec_link_{dangling}.py"
    m.write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(np.tanh(x))\n")
    store = tmp_path / "store"
    store.mkdir()
    target = store / "real_g.py"
    if not dangling:
        monkeypatch.chdir(tmp_path)
        assert main(["emit", f"{m.name}:f", "-o", str(target)]) == 0
        target.chmod(0o640)
    m.write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(np.cos(x))\n")
    (tmp_path / "hop").symlink_to(target)
    (tmp_path / "g.py").symlink_to("hop")  # a chain of two links, relative
    monkeypatch.chdir(tmp_path)
    assert main(["emit", f"{m.name}:f", "-o", "g.py"]) == 0
    assert os.readlink(tmp_path / "g.py") == "hop" and os.readlink(tmp_path / "hop") == str(target)
    assert "np.cos" in target.read_text() and "np.tanh" not in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == (0o640 if not dangling else 0o666 & ~_umask())
    assert [p.name for p in store.iterdir()] == ["real_g.py"]  # no temporary file left
    assert main(["emit", "--check", "g.py"]) == 0


def _umask():
    old = os.umask(0)
    os.umask(old)
    return old


RULED = """import numpy as np
from adgen import defvjp

K = 3.0


def softplus(x):
    return np.log1p(np.exp(x))


@defvjp(softplus)
def softplus_vjp(g, ans, x):
    s = g / (1.0 + np.exp(-x))
    return s


def f(x):
    return np.sum(softplus(x) * K)
"""


@pytest.mark.parametrize("nasty", NASTY)
def test_module_names_reach_generated_code_only_quoted(env, tmp_path, nasty):
    """A module's name is whatever its loader was given: generated code that reads its
    globals (K) and calls its rule (softplus_vjp) names it only inside a string literal."""
    where, marker = env
    path = tmp_path / "ruled.py"
    path.write_text(RULED)
    name = nasty.replace("PWNED", str(marker))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        x = np.array([0.5, -1.0])
        np.testing.assert_allclose(grad(module.f)(x), 3.0 / (1.0 + np.exp(-x)))
        text = grad(module.f).source_for(x)
        assert not marker.exists()
        assert all(name not in line for line in text.splitlines() if "'" not in line and '"' not in line)
    finally:
        del sys.modules[name]


@pytest.mark.parametrize("nasty", NASTY)
def test_check_stubs_quote_the_source_path(env, tmp_path, nasty, capsys):
    base = tmp_path / nasty
    base.mkdir()
    name = "stubs_" + "".join(c if c.isalnum() else "_" for c in nasty)
    (base / f"{name}.py").write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(np.nextafter(x, 1.0))\n")
    os.chdir(base)
    assert main(["check", f"{name}.py", "--stubs", "rules.py"]) == 1  # AD201, and its stub written
    tree = ast.parse((base / "rules.py").read_text())
    assert f"missing for {name}.py " in ast.get_docstring(tree)
    assert [type(s).__name__ for s in tree.body[1:]] == ["Import", "ImportFrom", "FunctionDef"]
    os.chdir(tmp_path)
    assert main(["check", f"{nasty}/{name}.py", "--stubs", "rules2.py"]) == 1  # the path is relative to rules2.py
    assert f"missing for {nasty}/{name}.py " in ast.get_docstring(ast.parse((tmp_path / "rules2.py").read_text()))
