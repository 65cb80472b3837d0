"""Gradients kept on disk for later processes (transpiler/persist.py): a new process
loads a gradient an earlier one made and runs it without transforming, unless anything
it depends on changed (a callee's source, a global it resolved, the shapes, ``wrt``),
or its files are not as written; then it is transformed again and gets the right one.

Each test runs children in new processes with a cache folder of its own: nothing
depends on a cache an earlier run left."""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from gradcheck import numerical_grad

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The child: imports the modules in its folder, counts the transforms (or, with
# "forbid", fails on any), computes the gradients its arguments ask for, prints JSON.
CHILD = r"""
import hashlib, json, os, sys, warnings
import numpy as np
folder, forbid, requests = sys.argv[1], sys.argv[2] == "forbid", json.loads(sys.argv[3])
sys.path.insert(0, folder)
from adgen import AdgenWarning, grad, persist, pipeline
real, count = pipeline.transform, [0]

def transform(*args, **kwargs):
    count[0] += 1
    if forbid:
        raise AssertionError("a gradient was transformed")
    return real(*args, **kwargs)

pipeline.transform = transform
import model
out, texts = [], []
with warnings.catch_warnings(record=True) as heard:
    warnings.simplefilter("always")
    for fn, wrt, args in requests:
        if fn == "rebind":  # model.<name> = <expression>
            setattr(model, wrt, eval(args, {"np": np, "model": model}))
            continue
        values = [np.asarray(a, dtype=float) if isinstance(a, list) else eval(a, {"np": np}) if isinstance(a, str) else a for a in args]
        made = grad(getattr(model, fn), wrt=wrt)
        g = made(*values)
        texts.append(hashlib.sha256(made.source_for(*values).encode()).hexdigest())
        out.append([np.asarray(v).tolist() for v in g] if isinstance(g, tuple) else np.asarray(g).tolist())
codes = sorted(w.message.diagnostic.code for w in heard if isinstance(w.message, AdgenWarning))
print(json.dumps({"grads": out, "texts": texts, "transforms": count[0], "loads": persist.loads[0], "codes": codes}))
"""


def child(folder, requests, forbid=False, seed="0", persist="1"):
    """Run the child in a new process on the modules in ``folder``, with the cache folder
    ``folder/cache``; its JSON answer."""
    env = {**os.environ, "ADGEN_CACHE_DIR": str(folder / "cache"), "ADGEN_PERSIST": persist, "PYTHONHASHSEED": seed,
           "PYTHONDONTWRITEBYTECODE": "1"}  # no bytecode: a file edited within a second is read again
    env["PYTHONPATH"] = os.pathsep.join([ROOT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    done = subprocess.run([sys.executable, "-c", CHILD, str(folder), "forbid" if forbid else "count", json.dumps(requests)],
                          env=env, capture_output=True, text=True, timeout=300, cwd=folder)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def write(folder, name, body):
    path = folder / f"{name}.py"
    path.write_text("import numpy as np\n\n" + textwrap.dedent(body))
    return path


_loaded = [0]


def module_here(folder, name="model"):
    """The module ``name`` of ``folder`` imported here (under a name of its own), its
    imports of the folder's other modules too: for finite differences."""
    sys.path.insert(0, str(folder))
    written, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        for other in folder.glob("*.py"):
            if other.stem != name:
                sys.modules.pop(other.stem, None)
        _loaded[0] += 1
        spec = importlib.util.spec_from_file_location(f"persist_test_{name}_{_loaded[0]}", folder / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.dont_write_bytecode = written
        sys.path.remove(str(folder))
        for other in folder.glob("*.py"):
            sys.modules.pop(other.stem, None)


def manifests(folder):
    """The manifests of gradients in the cache folder (not the records of ``counted``)."""
    found = []
    for path in (folder / "cache").glob("adgen_*.json"):
        if "checks" in json.loads(path.read_text()):
            found.append(path)
    return sorted(found)


W = [[0.3, -0.2, 0.5], [0.1, 0.4, -0.6]]
X = [0.7, -1.1, 0.4]

MODEL = """
from helpers import act

SCALE = 0.5


def layer(W, x):
    return act(W @ x) * SCALE


def loss(W, x):
    h = layer(W, x)
    total = 0.0
    for i in range(2):
        total = total + np.sum(h * h) * (i + 1)
    return total
"""


def numerical(folder, fn, wrt, args):
    module = module_here(folder)
    values = [np.asarray(a, dtype=float) for a in args]
    return numerical_grad(getattr(module, fn), values, wrt)


@pytest.fixture
def project(tmp_path):
    write(tmp_path, "helpers", "def act(z):\n    return np.tanh(z)\n")
    write(tmp_path, "model", MODEL)
    return tmp_path


def test_a_new_process_loads_the_gradient_without_transforming(project):
    first = child(project, [["loss", 0, [W, X]]], seed="1")
    assert first["transforms"] == 1 and first["loads"] == 0
    np.testing.assert_allclose(first["grads"][0], numerical(project, "loss", 0, [W, X]), rtol=1e-6, atol=1e-8)
    assert len(manifests(project)) == 1
    second = child(project, [["loss", 0, [W, X]]], forbid=True, seed="2")  # another hash seed: the same key
    assert second["transforms"] == 0 and second["loads"] == 1
    assert second["grads"] == first["grads"] and second["texts"] == first["texts"]  # the very module a transform makes


def test_a_loaded_gradient_keeps_its_guard(project):
    """In the process that loaded it, rebinding a global the gradient resolved makes it
    be transformed again there (``Guard.holds`` works on the checks made again)."""
    child(project, [["loss", 0, [W, X]]])
    again = child(project, [["loss", 0, [W, X]], ["rebind", "act", "np.sin"], ["loss", 0, [W, X]]])
    assert again["loads"] == 1 and again["transforms"] == 1
    module = module_here(project)
    module.act = np.sin
    values = [np.asarray(W), np.asarray(X)]
    np.testing.assert_allclose(again["grads"][1], numerical_grad(module.loss, values, 0), rtol=1e-6, atol=1e-8)
    assert again["grads"][0] != again["grads"][1]


def test_an_edited_callee_is_transformed_again(project):
    first = child(project, [["loss", 0, [W, X]]])
    assert len(manifests(project)) == 1
    write(project, "helpers", "def act(z):\n    return np.sin(z) * z\n")
    second = child(project, [["loss", 0, [W, X]]])
    assert second["transforms"] == 1 and second["loads"] == 0
    np.testing.assert_allclose(second["grads"][0], numerical(project, "loss", 0, [W, X]), rtol=1e-6, atol=1e-8)
    assert second["grads"] != first["grads"]
    third = child(project, [["loss", 0, [W, X]]], forbid=True)  # and the new one is kept
    assert third["grads"] == second["grads"] and third["texts"] == second["texts"] and third["loads"] == 1


def test_a_comment_edited_in_a_callee_is_another_gradient_text(project):
    """The generated text quotes the user's lines: the key is the function's text, not
    only what it means."""
    child(project, [["loss", 0, [W, X]]])
    assert len(manifests(project)) == 1
    write(project, "helpers", "def act(z):\n    return np.tanh(z)  # squashed\n")
    second = child(project, [["loss", 0, [W, X]]])
    assert second["transforms"] == 1


def test_a_global_bound_otherwise_at_import_is_transformed_again(tmp_path, monkeypatch):
    write(tmp_path, "model", """
    import os

    ACT = np.sin if os.environ.get("ACTIVATION") == "sin" else np.tanh


    def loss(x):
        return np.sum(ACT(x) ** 2)
    """)
    first = child(tmp_path, [["loss", 0, [X]]])
    assert len(manifests(tmp_path)) == 1
    monkeypatch.setenv("ACTIVATION", "sin")
    second = child(tmp_path, [["loss", 0, [X]]])
    expected = numerical(tmp_path, "loss", 0, [X])
    assert second["transforms"] == 1 and second["loads"] == 0
    np.testing.assert_allclose(second["grads"][0], expected, rtol=1e-6, atol=1e-8)
    assert second["grads"] != first["grads"]


def test_a_global_that_becomes_complex_is_transformed_again(tmp_path, monkeypatch):
    """Values are not baked in, but their kinds are: a constant rebound from real to
    complex is not served the real gradient."""
    write(tmp_path, "model", """
    import os

    C = 2.0 + 1.0j if os.environ.get("COMPLEX") else 2.0


    def loss(x):
        return np.sum(np.real(C * x) ** 2)
    """)
    child(tmp_path, [["loss", 0, [X]]])
    assert len(manifests(tmp_path)) == 1
    monkeypatch.setenv("COMPLEX", "1")
    second = child(tmp_path, [["loss", 0, [X]]])
    expected = numerical(tmp_path, "loss", 0, [X])
    assert second["transforms"] == 1
    np.testing.assert_allclose(second["grads"][0], expected, rtol=1e-6, atol=1e-8)


def stored_module(project):
    (manifest,) = manifests(project)
    return project / "cache" / json.loads(manifest.read_text())["module"], manifest


def test_a_tampered_module_is_not_run(project):
    first = child(project, [["loss", 0, [W, X]]])
    module, _ = stored_module(project)
    text = module.read_text()
    module.write_text(text.replace("def ", "raise SystemExit('tampered')\n\n\ndef ", 1))
    second = child(project, [["loss", 0, [W, X]]])
    assert second["transforms"] == 1 and second["loads"] == 0 and second["grads"] == first["grads"]
    assert "AD503" in second["codes"]  # the file was not the text: replaced, said so
    assert module.read_text() == text


def test_a_truncated_module_or_manifest_is_not_used(project):
    first = child(project, [["loss", 0, [W, X]]])
    module, manifest = stored_module(project)
    for path in (module, manifest):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        again = child(project, [["loss", 0, [W, X]]])
        assert again["transforms"] == 1 and again["loads"] == 0 and again["grads"] == first["grads"]
    assert child(project, [["loss", 0, [W, X]]], forbid=True)["loads"] == 1  # both written again


def test_an_edited_manifest_is_not_used(project):
    """A manifest whose contents do not match its digest (here: a check changed to
    expect whatever the global holds) is ignored, and written again."""
    first = child(project, [["loss", 0, [W, X]]])
    _, manifest = stored_module(project)
    data = json.loads(manifest.read_text())
    data["checks"] = []
    manifest.write_text(json.dumps(data))
    again = child(project, [["loss", 0, [W, X]]])
    assert again["transforms"] == 1 and again["grads"] == first["grads"]
    assert json.loads(manifest.read_text())["checks"]


def test_a_link_in_place_of_a_manifest_is_not_followed(project):
    child(project, [["loss", 0, [W, X]]])
    _, manifest = stored_module(project)
    elsewhere = project / "elsewhere.json"
    manifest.rename(elsewhere)
    manifest.symlink_to(elsewhere)
    again = child(project, [["loss", 0, [W, X]]])
    assert again["transforms"] == 1 and again["loads"] == 0


def test_shapes_and_wrt_have_entries_of_their_own(project):
    W3 = np.ones((3, 3)) * 0.1
    requests = [["loss", 0, [W, X]], ["loss", 1, [W, X]], ["loss", 0, [W3.tolist(), X]], ["loss", [0, 1], [W, X]]]
    first = child(project, requests)
    assert first["transforms"] == 4
    assert len(manifests(project)) == 4
    for (fn, wrt, args), g in zip(requests[:3], first["grads"]):
        np.testing.assert_allclose(g, numerical(project, fn, wrt, args), rtol=1e-6, atol=1e-8)
    second = child(project, requests, forbid=True)
    assert second["loads"] == 4 and second["grads"] == first["grads"] and second["texts"] == first["texts"]
    assert len(set(first["texts"])) == 4


def test_a_gradient_whose_checks_cannot_be_written_is_not_kept(tmp_path):
    """A callable object of the user's is followed through its class and checked by its
    structure, which no other process can check: transformed in each process."""
    write(tmp_path, "model", """
    class Scaled:
        def __init__(self, k):
            self.k = k

        def __call__(self, z):
            return np.sin(z) * self.k


    ACT = Scaled(3.0)


    def loss(x):
        return np.sum(ACT(x) ** 2)
    """)
    first = child(tmp_path, [["loss", 0, [X]]])
    np.testing.assert_allclose(first["grads"][0], numerical(tmp_path, "loss", 0, [X]), rtol=1e-6, atol=1e-8)
    assert manifests(tmp_path) == []
    assert child(tmp_path, [["loss", 0, [X]]])["transforms"] == 1


def test_the_warnings_of_a_transform_are_issued_again(tmp_path):
    write(tmp_path, "model", "def loss(x, y):\n    return np.sum(np.sin(x))\n")
    first = child(tmp_path, [["loss", [0, 1], [X, X]]])
    assert first["codes"] == ["AD304"]
    second = child(tmp_path, [["loss", [0, 1], [X, X]]], forbid=True)
    assert second["codes"] == ["AD304"] and second["loads"] == 1


def test_turned_off_it_keeps_nothing(project):
    child(project, [["loss", 0, [W, X]]], persist="0")
    assert manifests(project) == []
    assert child(project, [["loss", 0, [W, X]]], persist="0")["transforms"] == 1


def test_a_function_passed_to_the_function_is_part_of_the_key(tmp_path):
    write(tmp_path, "model", """
    def apply(x, f):
        return np.sum(f(x) ** 2)


    def tanh_loss(x):
        return apply(x, np.tanh)


    def sin_loss(x):
        return apply(x, np.sin)
    """)
    first = child(tmp_path, [["tanh_loss", 0, [X]], ["sin_loss", 0, [X]]])
    second = child(tmp_path, [["tanh_loss", 0, [X]], ["sin_loss", 0, [X]]], forbid=True)
    assert second["grads"] == first["grads"] and second["loads"] == 2
    for name, g in zip(("tanh_loss", "sin_loss"), second["grads"]):
        np.testing.assert_allclose(g, numerical(tmp_path, name, 0, [X]), rtol=1e-6, atol=1e-8)


def test_manifests_are_adgen_s_files(project):
    """``adgen cache info``/``clear`` and the pruning count the manifests."""
    from adgen import cache

    child(project, [["loss", 0, [W, X]]])
    own = {pathlib.Path(p).name for p, _ in cache.own_files(str(project / "cache"))}
    assert {m.name for m in manifests(project)} <= own
    assert {p.name for p in (project / "cache").iterdir()} == own


def test_a_function_given_in_the_call_is_part_of_the_key(tmp_path):
    write(tmp_path, "model", "def apply(x, f):\n    return np.sum(f(x) ** 2)\n")
    requests = [["apply", 0, [X, "np.tanh"]], ["apply", 0, [X, "np.sin"]]]
    first = child(tmp_path, requests)
    assert first["transforms"] == 2 and len(manifests(tmp_path)) == 2
    second = child(tmp_path, requests, forbid=True)
    assert second["grads"] == first["grads"] and second["loads"] == 2
    module = module_here(tmp_path)
    for f, g in zip((np.tanh, np.sin), second["grads"]):
        np.testing.assert_allclose(g, numerical_grad(lambda x: module.apply(x, f), [np.asarray(X)], 0), rtol=1e-6, atol=1e-8)


FACTORY = """
import os

KIND = os.environ.get("KIND", "a")


def make_act(name):
    return np.tanh if KIND == "a" else np.sin


ACTS = [np.tanh, np.cos] if KIND == "a" else [np.tanh, np.sin]


def loss(x):
    t = np.sum(make_act("first")(x))
    for f in ACTS:
        t = t + np.sum(f(x) ** 2)
    return t
"""


def test_functions_from_a_factory_or_a_list_are_checked_again(tmp_path, monkeypatch):
    """A factory called with literals and a loop over a list of functions: the process
    loading the gradient calls the factory again and reads the list again."""
    write(tmp_path, "model", FACTORY)
    first = child(tmp_path, [["loss", 0, [X]]])
    (manifest,) = manifests(tmp_path)
    assert {"made", "functions"} <= {c["expect"][0] for c in json.loads(manifest.read_text())["checks"]}
    assert child(tmp_path, [["loss", 0, [X]]], forbid=True)["grads"] == first["grads"]
    monkeypatch.setenv("KIND", "b")
    again = child(tmp_path, [["loss", 0, [X]]])
    assert again["transforms"] == 1 and again["loads"] == 0
    np.testing.assert_allclose(again["grads"][0], numerical(tmp_path, "loss", 0, [X]), rtol=1e-6, atol=1e-8)


CLASS = """
class Layer:
    @staticmethod
    def act(z):
        return {body}


def loss(x):
    return np.sum(Layer.act(x) ** 2)
"""


def test_an_edited_method_is_transformed_again(tmp_path):
    write(tmp_path, "model", CLASS.format(body="np.tanh(z)"))
    first = child(tmp_path, [["loss", 0, [X]]])
    assert len(manifests(tmp_path)) == 1
    write(tmp_path, "model", CLASS.format(body="np.sin(z) * 2.0"))
    second = child(tmp_path, [["loss", 0, [X]]])
    assert second["transforms"] == 1 and second["grads"] != first["grads"]
    np.testing.assert_allclose(second["grads"][0], numerical(tmp_path, "loss", 0, [X]), rtol=1e-6, atol=1e-8)


RULED = """
from adgen import defvjp


def wave(x):
    return np.sin(x)


@defvjp(wave)
def wave_vjp(g, ans, x):
    return g * {factor}np.cos(x)


def loss(x):
    return np.sum(wave(x))
"""


def test_a_rule_of_the_user_s_is_part_of_the_key(tmp_path):
    """The rules registered are part of the key: the user's by their code, so a rule
    edited (here, made deliberately twice as large) is not served the old gradient."""
    write(tmp_path, "model", RULED.format(factor=""))
    first = child(tmp_path, [["loss", 0, [X]]])
    np.testing.assert_allclose(first["grads"][0], np.cos(X))
    assert child(tmp_path, [["loss", 0, [X]]], forbid=True)["loads"] == 1
    write(tmp_path, "model", RULED.format(factor="2.0 * "))
    second = child(tmp_path, [["loss", 0, [X]]])
    assert second["transforms"] == 1
    np.testing.assert_allclose(second["grads"][0], 2.0 * np.cos(X))


def test_a_loaded_gradient_in_math_still_gives_numpy_s_numbers_where_math_raises(tmp_path):
    """A gradient specialised to numbers (``scalars.py``) is kept with that fact: loaded in a
    new process, where ``math.exp`` overflows it runs again unspecialised and gives ``inf``."""
    write(tmp_path, "model", """
        def grows(x):
            return np.exp(x) * 2.0
    """)
    first = child(tmp_path, [["grows", 0, ["1.5"]]])
    assert first["transforms"] == 1 and first["grads"][0] == pytest.approx(2.0 * np.exp(1.5))
    second = child(tmp_path, [["grows", 0, ["1.5"]], ["grows", 0, ["1000.0"]]])
    assert second["loads"] >= 1 and second["grads"][0] == first["grads"][0]
    assert second["grads"][1] == np.inf
