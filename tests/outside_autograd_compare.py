"""The corpus of outside code (``corpus_outside.py``) under autograd, for comparison: each
excerpt's imports turned back into autograd's (``numpy`` -> ``autograd.numpy``, ...), its
function differentiated by ``autograd.grad`` and checked against the same finite differences.
Needs ``pip install autograd`` (not a dependency of adgen); run ``python
tests/outside_autograd_compare.py``. It prints, per entry, adgen's status and autograd's outcome."""
import os
import re
import sys
import types
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import numpy as onp
import autograd
from corpus_outside import ENTRIES, arguments
from corpus import indices
from gradcheck import check_grad, check_tree_grad

SUBS = [
    (r"^import numpy as np$", "import autograd.numpy as np"),
    (r"^import numpy.linalg as linalg$", "import autograd.numpy.linalg as linalg"),
    (r"^from numpy import ", "from autograd.numpy import "),
    (r"^from numpy.linalg import ", "from autograd.numpy.linalg import "),
    (r"^from scipy.special import ", "from autograd.scipy.special import "),
    (r"^from scipy.stats import multivariate_normal as mvn$", "from autograd.scipy.stats import multivariate_normal as mvn"),
    (r"^from scipy.stats import multivariate_normal$", "from autograd.scipy.stats import multivariate_normal"),
    (r"^from scipy.stats import norm$", "from autograd.scipy.stats import norm"),
    (r"^from scipy.integrate import odeint$", "from autograd.scipy.integrate import odeint"),
    (r"^from scipy.linalg import cholesky$", "from autograd.numpy.linalg import cholesky"),
    (r"from outside_code\.", "from ag_outside_code."),
]
pkg = types.ModuleType("ag_outside_code"); pkg.__path__ = []; sys.modules["ag_outside_code"] = pkg
def load(name):
    full = "ag_outside_code." + name
    if full in sys.modules: return sys.modules[full]
    src = open(os.path.join(HERE, "outside_code", f"{name}.py")).read()
    for dep in re.findall(r"from outside_code\.(\w+) import", src): load(dep)
    for a, b in SUBS: src = re.sub(a, b, src, flags=re.M)
    mod = types.ModuleType(full); mod.__file__ = f"<ag {name}>"; sys.modules[full] = mod
    exec(compile(src, f"<ag {name}>", "exec"), mod.__dict__)
    setattr(pkg, name, mod)
    return mod

def counterpart(e):
    orig = sys.modules[e.fn.__module__] if hasattr(e.fn, "__module__") and e.fn.__module__ in sys.modules else None
    if orig is None: orig = sys.modules[type(e.fn).__module__]
    name = orig.__name__.rsplit(".", 1)[-1]
    for attr, v in vars(orig).items():
        if v is e.fn or (callable(v) and v == e.fn):
            return getattr(load(name), attr)
    for attr, v in vars(orig).items():  # staticmethod through its class
        if isinstance(v, type) and getattr(v, e.fn.__name__, None) is e.fn:
            return getattr(getattr(load(name), attr), e.fn.__name__)
    raise LookupError(e.name)

counts = {}
for e in ENTRIES:
    try:
        fn = counterpart(e)
        args = arguments(e, 0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for i in indices(e.fn, e.wrt):
                g = autograd.grad(fn, i)(*args)
                if isinstance(args[i], (dict, list, tuple)): check_tree_grad(fn, args, i, g)
                else: check_grad(fn, args, i, onp.asarray(g) if onp.ndim(args[i]) else float(g))
        res = "agrees"
    except AssertionError as err:
        res = "DISAGREES: " + str(err).splitlines()[0][:80]
    except Exception as err:
        res = f"error: {type(err).__name__}: {str(err).splitlines()[0][:90] if str(err) else ''}"
    key = res.split(":")[0]
    counts[key] = counts.get(key, 0) + 1
    print(f"{e.name:70s} {e.status:6s} autograd: {res}", flush=True)
print(counts)
