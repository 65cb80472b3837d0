"""The built-in derivative rules, one module per family. Importing registers them."""

from adgen.runtime.rules import binary, decompositions, elementwise, fft, indexing, linalg, nondiff, padding, reductions, selection, shape  # noqa: F401
