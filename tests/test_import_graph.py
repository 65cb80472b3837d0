"""The import graph of ``adgen`` (``transpiler/``) and ``adgen.runtime`` (``runtime/``),
read from the source with ``ast``: every ``import`` and ``from ... import`` at any depth
(module level, inside functions, under ``if``/``try``) is an edge. Importing a
submodule runs its parent packages' ``__init__`` first; that implicit step is not an
edge, because a package's ``__init__`` here only gathers names and never reads its
submodules' callers.

The layering the tests check, bottom to top:

1. ``adgen.runtime.<module>`` (core, trees, registry, ...): NumPy and the standard
   library, and each other without a cycle. Never the rules, never the facade
   ``adgen.runtime``, never the transpiler.
2. ``adgen.runtime.rules.<family>``: the layer below, each other (acyclic), and the
   facade ``adgen.runtime`` under the name ``_rt`` that inlined rule bodies use in
   generated code; the facade is reached only at call time, so the edge to it is
   the one upward edge the runtime allows and the cycle checks leave it out.
3. ``adgen.runtime.rules`` (the registry's loader: imports every family so that
   importing the runtime registers the built-in rules) and ``adgen.runtime`` (the
   facade generated code imports as ``_rt``).
4. ``adgen.<module>``: the transpiler; any runtime module, and each other without a
   cycle. Nothing in ``runtime/`` imports from ``adgen`` outside ``adgen.runtime``,
   so the runtime loads without the transpiler.

Run this file as a script to print the graph: module count, edges and cycles.
"""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = {"adgen": ROOT / "transpiler", "adgen.runtime": ROOT / "runtime"}
FACADE = "adgen.runtime"
LOADER = "adgen.runtime.rules"
RULES = "adgen.runtime.rules."


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
    assert {"adgen.runtime.errors", "adgen.runtime.trees"} <= edges["adgen.runtime.core"]
    assert {"adgen.inplace", "adgen.lists", "adgen.reverse"} <= edges["adgen.reversers"]
    assert FACADE in edges[RULES + "linalg"] and RULES + "linalg" in edges[LOADER]


def test_graph_reads_imports_inside_functions():
    source = "def f():\n    from adgen import reverse\n    import adgen.runtime.core as c\n"
    known = modules()
    found = {t for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.Import, ast.ImportFrom))
             for t in _targets(node, "adgen.lists", False, known)}
    assert found == {"adgen.reverse", "adgen.runtime.core"}


def test_cycle_finder_reports_the_path():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_upward_imports():
    wrong = upward_imports(graph())
    assert not wrong, "upward imports:\n" + "\n".join(f"{a} -> {b}" for a, b in wrong)


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
