"""Which values may be complex: names and expressions, found statically.

A value may be complex when it comes from a complex argument (``grad`` sees
the arguments), a complex literal (``1j``), a complex global or closure
variable, a function that makes complex values (``np.fft.*``,
``np.linalg.eig``, ``np.sort_complex``, ``complex(...)``, ``dtype=complex``, ``.astype(complex)``),
a function of yours whose text makes complex values, or arithmetic on any of
these. ``abs``, ``real``, ``imag``, ``angle``, norms,
comparisons and other functions of a real result end it. Like activity, the
analysis is by name and flow-insensitive, so it over-approximates: a name that
is complex anywhere is complex everywhere.

Reverse mode then uses, where a value may be complex, only rules declared for
complex values (``@vjp(..., complex=...)``) and refuses the others (AD310).
"""

import ast
import functools
import inspect
import textwrap

import numpy as np

from adgen.activity import is_add_at
from adgen.resolve import yours
from adgen.runtime import registry

# functions of complex values whose result is real
REAL_RESULTS = (abs, np.abs, np.absolute, np.real, np.imag, np.angle, np.ndarray.real, np.ndarray.imag,
                np.linalg.norm, np.linalg.vector_norm, np.linalg.matrix_norm)
# piecewise constant for real values, but complex for complex ones
COMPLEX_NONDIFF = (np.sign, np.round, np.around, np.rint, np.ndarray.round)
# functions that make complex values from real ones
MAKERS = (complex, np.linalg.eig, np.linalg.eigvals, np.roots, np.sort_complex)
MAKER_MODULES = ("numpy.fft", "numpy.lib._scimath_impl", "numpy.emath", "numpy.lib.scimath", "cmath")
# of those modules', the functions that only move entries: a real value stays real
MOVERS = (np.fft.fftshift, np.fft.ifftshift)


class Complexity:
    """``maybe(node)``: may the expression's value be complex?"""

    def __init__(self, names, resolver):
        self.names = set(names)
        self.resolver = resolver
        self.sources = True  # False when nothing in the function can make a complex value
        self.memo = None  # id(node) -> answer, once the names are known

    def maybe(self, node):
        if not self.sources or node is None:
            return False
        if self.memo is not None:
            key = id(node)
            if key not in self.memo:
                self.memo[key] = self._maybe(node)
            return self.memo[key]
        return self._maybe(node)

    def _maybe(self, node):
        if isinstance(node, ast.Constant):
            return isinstance(node.value, complex)
        if isinstance(node, ast.Name):
            return node.id in self.names or self._complex_object(node)
        if isinstance(node, ast.Attribute):
            if node.attr in ("real", "imag", "shape", "ndim", "size", "dtype"):
                return False
            return self._complex_object(node) or (not self.resolver.value_of(node)[0] and self.maybe(node.value))
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, (ast.Compare, ast.Lambda)):
            return False
        return any(self.maybe(child) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))

    def anywhere(self, node):
        """Does anything in ``node`` make a complex value? (A dotted module-level name is
        looked at whole, not part by part.)"""
        if self.source(node):
            return True
        if isinstance(node, (ast.Name, ast.Attribute)) and self.resolver.value_of(node)[0]:
            return False
        return any(self.anywhere(child) for child in ast.iter_child_nodes(node))

    def source(self, node):
        """Does ``node`` itself (not its parts) make a complex value?"""
        if isinstance(node, ast.Constant):
            return isinstance(node.value, complex)
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self._complex_object(node)
        if isinstance(node, ast.Call):
            found, fn = self.resolver.value_of(node.func)
            return (found and (_makes_complex(fn) or (yours(fn) and self._yours_complex(fn)))) or self._complex_cast(node)
        return False

    def _yours_complex(self, fn):
        """Does a function of yours make complex values, as far as its text shows (a complex
        literal, ``complex``, ``np.fft``, ``eig``...), or the values it reads (``read_by``)?"""
        return _mentions_complex(fn.__code__) or any(_holds_complex(v) or (yours(v) and _mentions_complex(v.__code__))
                                                     for _, v in self.resolver.read_by(fn))

    def _complex_cast(self, call):
        """A complex dtype passed to a function, by keyword or in any position:
        ``dtype=complex``, ``.astype(complex)``, ``np.zeros(3, np.complex128)``,
        ``np.asarray(x, "complex")``, ``x.view(np.complex128)``."""
        if any(k.arg == "dtype" and self._complex_dtype(k.value) for k in call.keywords):
            return True
        return any(self._complex_dtype(a, positional=True) for a in call.args)

    def _complex_object(self, node):
        """A module-level value that is complex or holds complex values (a global, a closure
        variable, an attribute of one, a list, tuple or dict of them)."""
        found, value = self.resolver.data_of(node)
        return found and _holds_complex(value)

    def _call(self, node):
        found, fn = self.resolver.value_of(node.func)
        if self.source(node):
            return True
        if found and (any(fn is f for f in REAL_RESULTS) or (registry.is_nondiff(fn) and not any(fn is f for f in COMPLEX_NONDIFF))):
            return False
        parts = list(node.args) + [k.value for k in node.keywords]
        if not found and isinstance(node.func, ast.Attribute):
            parts.append(node.func.value)  # a method: its receiver
        return any(self.maybe(p) for p in parts)

    def _complex_dtype(self, node, positional=False):
        """Does ``node`` name a complex dtype? A positional argument counts when it is a
        type or dtype object, or a string of more than one letter (``'F'`` is also an
        order, ``np.ravel(x, 'F')``)."""
        if isinstance(node, ast.Attribute) and node.attr == "dtype":  # z.dtype: complex when z may be
            return self.maybe(node.value)
        if isinstance(node, ast.Call) and node.args and self.resolver.value_of(node.func, record=False) == (True, np.dtype):
            return self._complex_dtype(node.args[0])  # np.dtype("c16")
        if isinstance(node, ast.Constant):
            value = node.value
            if not isinstance(value, str) or (positional and len(value) < 2):
                return False
        else:
            found, value = self.resolver.value_of(node, record=False)
            if not found or (positional and not isinstance(value, (type, np.dtype))):
                return False
        try:
            return np.dtype(value).kind == "c"
        except (TypeError, ValueError):
            return False


def _holds_complex(value, depth=0):
    if isinstance(value, (complex, np.ndarray, np.generic)):
        return np.iscomplexobj(value)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple, set, frozenset)) and depth < 8:
        return any(_holds_complex(v, depth + 1) for v in value)
    return False


def _makes_complex(fn):
    if isinstance(fn, type):
        return fn is complex or issubclass(fn, np.complexfloating)
    module = getattr(fn, "__module__", None) or ""
    return any(fn is f for f in MAKERS) or (module.startswith(MAKER_MODULES) and not any(fn is f for f in MOVERS))


COMPLEX_WORDS = {"complex", "complex64", "complex128", "complex256", "csingle", "cdouble", "clongdouble",
                 "fft", "eig", "eigvals", "roots", "emath", "scimath", "sort_complex", "1j"}


@functools.lru_cache(maxsize=1024)
def _mentions_complex(code):
    """Does the code of a function of yours make complex values, as far as its text shows
    (a complex literal, ``complex``, ``np.fft``, ``eig``, ...)? Its result may then be complex."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(code)))
    except (OSError, TypeError, SyntaxError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and (isinstance(node.value, complex) or (isinstance(node.value, str) and "complex" in node.value)):
            return True
        if isinstance(node, ast.Name) and node.id in COMPLEX_WORDS or isinstance(node, ast.Attribute) and node.attr in COMPLEX_WORDS:
            return True
    return False


def analyze(body, complex_params, resolver):
    """The ``Complexity`` of a (qualified, normalised) body whose ``complex_params`` are complex."""
    found = Complexity(complex_params, resolver)
    found.sources = bool(complex_params) or any(found.anywhere(stmt) for stmt in body)
    if not found.sources:
        return found
    flows = list(_flows(body))
    changed = True
    while changed:
        changed = False
        for targets, value in flows:
            if not targets <= found.names and found.maybe(value):
                found.names |= targets
                changed = True
    found.memo = {}
    return found


def _flows(body):
    """``(target names, value expression)`` for every assignment, loop and list change."""
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Assign):
            target = node.targets[0]
            base = target.value if isinstance(target, ast.Subscript) else target
            yield {n.id for n in ast.walk(base) if isinstance(n, ast.Name)}, node.value
        elif isinstance(node, ast.For):
            yield {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}, node.iter
        elif is_add_at(node):
            yield {node.value.args[0].id}, node.value.args[2]
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute) \
                and node.value.func.attr in ("append", "extend") and isinstance(node.value.func.value, ast.Name):
            yield {node.value.func.value.id}, node.value
