import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

# Gradients kept on disk for later processes (transpiler/persist.py) are off for the suite
# unless asked for: a test must not be served a gradient an earlier test or run left in a
# shared cache folder. tests/test_persistent_cache.py turns them on in its own folders.
os.environ.setdefault("ADGEN_PERSIST", "0")
