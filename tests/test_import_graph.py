"""The import graph of ``adgen`` (``transpiler/``) and ``adgen.runtime`` (``runtime/``),
read from the source with ``ast``: every ``import`` and ``from ... import`` at any depth
(module level, inside functions, under ``if``/``try``) is an edge, so an import moved
into a function to dodge a cycle is still seen. Importing a submodule runs its parent
packages' ``__init__`` first; that implicit step is not an edge (each ``__init__`` is a
node with the imports it writes).

The layering the tests check, bottom to top:

1. ``adgen.runtime.<module>`` (errors, core, container_adjoints, registry, ...): NumPy, the standard
   library and each other, without a cycle. Never a rule family, the loader, the
   facade or the transpiler. The registry finds the rules of optional libraries
   (SciPy's) through ``importlib`` when the user's code has imported the library:
   that is how it reaches up, and it is not an import.
2. ``adgen.runtime.rules.<family>``: the layer below and each other, without a cycle;
   and the facade ``adgen.runtime`` as ``_rt``, the name their bodies use because
   they are pasted into generated code. That edge points up, so the checks leave it
   out, and a test holds what makes it safe: a family reads ``_rt`` only inside its
   functions, never while it is imported.
3. ``adgen.runtime.rules`` (the loader: imports every family, so importing the
   runtime registers the built-in rules) and ``adgen.runtime`` (the facade generated
   code imports as ``_rt``).
4. ``adgen.<module>``: the transpiler; any runtime module and each other, without a
   cycle. Nothing in ``runtime/`` imports the transpiler, so the runtime loads
   without it. Within it, reversal is a stack, bottom to top (``REVERSAL``):
   ``reverse`` (expressions: lowering and backprop), the statement reversers
   ``inplace`` and ``container_reversal``, the dispatch ``reversers``, the layout ``assemble``,
   the ``pipeline``; none imports one above it, and ``optimize`` (which works on the
   laid-out body) imports none of them.

Run this file as a script to print the graph: module count, edges, cycles, upward edges.
"""

import ast
import functools
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = {"adgen": ROOT / "transpiler", "adgen.runtime": ROOT / "runtime"}
FACADE = "adgen.runtime"
LOADER = "adgen.runtime.rules"
RULES = "adgen.runtime.rules."
REVERSAL = [{"adgen.reverse"}, {"adgen.inplace", "adgen.container_reversal"}, {"adgen.reversers"}, {"adgen.assemble"}, {"adgen.pipeline"}]


def modules():
    """Module name -> its file, for every source file of both packages."""
    found = {}
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


def _targets(node, here, is_package, known):
    """The internal modules one import statement names."""
    if isinstance(node, ast.Import):
        return [_known_prefix(alias.name, known) for alias in node.names]
    base = node.module or ""
    if node.level:
        package = here if is_package else here.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    named = [f"{base}.{alias.name}" for alias in node.names]
    return [name if name in known else _known_prefix(base, known) for name in named]


def _known_prefix(name, known):
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


@functools.cache
def graph():
    """Module -> the set of internal modules it imports (at any depth in its file)."""
    known = modules()
    edges = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(), str(path))
        is_package = path.name == "__init__.py"
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.update(_targets(node, name, is_package, known))
        found.discard(None)
        found.discard(name)
        edges[name] = found
    return edges


def _call_time(source, target):
    """A rule family reaching the facade ``_rt`` (read by its bodies at call time)."""
    return source.startswith(RULES) and target == FACADE


def find_cycle(edges):
    """One cycle as a path ``[a, b, ..., a]``, or None (depth-first, deterministic)."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if _call_time(node, nxt):
                continue
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt, path)
                if cycle:
                    return cycle
        path.pop()
        state[node] = "done"
        return None

    for start in sorted(edges):
        if start not in state:
            cycle = visit(start, [])
            if cycle:
                return cycle
    return None


def _layer(name):
    if name in (FACADE, LOADER):
        return 3
    if name.startswith(RULES):
        return 2
    if name.startswith(FACADE + "."):
        return 1
    return 4


def upward_imports(edges):
    """Every edge from a lower layer to a higher one, except rules reaching ``_rt``."""
    return sorted((source, target) for source, targets in edges.items() for target in targets
                  if _layer(target) > _layer(source) and not _call_time(source, target))


def test_graph_covers_both_packages():
    edges = graph()
    assert {"adgen", "adgen.reverse", FACADE, "adgen.runtime.core", LOADER, RULES + "linalg"} <= set(edges)
    assert {"adgen.runtime.errors", "adgen.runtime.container_adjoints"} <= edges["adgen.runtime.core"]
    assert {"adgen.inplace", "adgen.container_reversal", "adgen.reverse"} <= edges["adgen.reversers"]
    assert FACADE in edges[RULES + "linalg"] and RULES + "linalg" in edges[LOADER]


def test_graph_reads_imports_inside_functions():
    source = "def f():\n    from adgen import reverse\n    import adgen.runtime.core as c\n"
    known = modules()
    found = {t for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.Import, ast.ImportFrom))
             for t in _targets(node, "adgen.container_reversal", False, known)}
    assert found == {"adgen.reverse", "adgen.runtime.core"}


def test_module_level_reads_are_told_from_deferred_ones():
    tree = ast.parse("import adgen.runtime as _rt\nX = _rt.ONES\ndef f(g=_rt.ONES):\n    return _rt.ONES\n")
    assert _module_level_reads(tree, "_rt") == [2, 3]


def test_cycle_finder_reports_the_path():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_upward_imports():
    wrong = upward_imports(graph())
    assert not wrong, "upward imports:\n" + "\n".join(f"{a} -> {b}" for a, b in wrong)


def _module_level_reads(tree, name):
    """Lines where ``name`` is read outside every function body (at import time)."""
    deferred = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.Lambda))
                for part in (f.body if isinstance(f.body, list) else [f.body]) for n in ast.walk(part)}
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name and id(n) not in deferred]


def test_rules_read_the_facade_only_when_called():
    """The one upward edge the cycle check leaves out, rules -> ``_rt``, is safe only
    because a rule family reads ``_rt`` in its function bodies alone: importing the
    facade registers the rules before any rule runs."""
    wrong = []
    for name, path in modules().items():
        if not name.startswith(RULES):
            continue
        tree = ast.parse(path.read_text())
        aliases = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names if a.name == FACADE}
        aliases = {alias.split(".")[0] for alias in aliases}
        wrong += [f"{name}:{line}" for alias in aliases for line in _module_level_reads(tree, alias)]
    assert not wrong, "a rule family reads the facade at import time: " + ", ".join(wrong)


def test_reversal_is_a_stack():
    edges = graph()
    wrong = [(a, b) for k, group in enumerate(REVERSAL) for a in sorted(group) for above in REVERSAL[k + 1:] for b in sorted(edges[a] & above)]
    wrong += [("adgen.optimize", b) for b in sorted(edges["adgen.optimize"] & set().union(*REVERSAL))]
    assert not wrong, "reversal imports upward:\n" + "\n".join(f"{a} -> {b}" for a, b in wrong)


def test_runtime_never_imports_the_transpiler():
    edges = graph()
    wrong = sorted((a, b) for a, targets in edges.items() if _layer(a) < 4 for b in targets if _layer(b) == 4)
    assert not wrong, "the runtime imports the transpiler:\n" + "\n".join(f"{a} -> {b}" for a, b in wrong)


def report():
    """The graph in a few lines: module count, edge count, the cycles and upward edges."""
    edges = graph()
    lines = [f"modules: {len(edges)}", f"edges: {sum(map(len, edges.values()))}"]
    remaining = {name: set(targets) for name, targets in edges.items()}
    while (cycle := find_cycle(remaining)) is not None:
        lines.append("cycle: " + " -> ".join(cycle))
        remaining[cycle[-2]].discard(cycle[-1])
    lines += [f"upward: {a} -> {b}" for a, b in upward_imports(edges)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
