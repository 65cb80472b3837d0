"""The cache of generated modules: on disk (a real file per module, so tracebacks,
``pdb`` and ``inspect.getsource`` show the generated lines) and in memory."""

import hashlib
import importlib.util
import os
import sys

from transpiler.files import write_atomic


def cache_dir():
    return os.environ.get("ADGEN_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "adgen")


def load_module(text, stem):
    """Write ``text`` to the cache (named by its hash) and import it."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    name = f"adgen_{stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    path = os.path.join(cache_dir(), name + ".py")
    if not os.path.exists(path):
        os.makedirs(cache_dir(), exist_ok=True)
        write_atomic(path, text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]  # a later call must not find a half-made module
        raise
    return module
