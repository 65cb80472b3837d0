"""The built-in derivative rules, one module per family. Importing registers them."""

from adgen.runtime.rules import arrays, binary, elementwise, indexing, linalg, nondiff, padding, reductions, selection, shape  # noqa: F401
