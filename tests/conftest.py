import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

# Gradients kept on disk for later processes (transpiler/persist.py) are off for the suite
# unless asked for: a test must not be served a gradient an earlier test or run left in a
# shared cache folder. tests/test_persistent_cache.py turns them on in its own folders.
os.environ.setdefault("ADGEN_PERSIST", "0")


def pytest_collection_modifyitems(config, items):
    """ADGEN_TEST_SAMPLE="k/n": keep the k-th of every n cases of each parametrised test
    (and every test that is not parametrised). CI runs the whole suite on the machine's
    Python and a different sample on each further Python, to stay within its time."""
    sample = os.environ.get("ADGEN_TEST_SAMPLE")
    if not sample:
        return
    k, n = map(int, sample.split("/"))
    kept, dropped, seen = [], [], {}
    for item in items:
        if getattr(item, "callspec", None) is None:
            kept.append(item)
            continue
        key = (item.path, item.originalname)
        index = seen[key] = seen.get(key, -1) + 1
        (kept if index % n == k else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
