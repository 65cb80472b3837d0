"""Every name generated code introduces, collision-free and deterministic."""

import ast

RESERVED = ("np", "_rt")


def identifiers(tree):
    """Every variable-like identifier a tree mentions (names, parameters, function names)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.FunctionDef):
            found.add(node.name)
    return found


class Names:
    """Hands out fresh names that cannot collide with the user's."""

    def __init__(self, taken):
        self.taken = set(taken) | set(RESERVED)
        self._adjoints = {}
        self._temps = 0
        self._counts = {}

    def fresh(self, base):
        name, k = base, 0
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name

    def adjoint(self, var):
        """The adjoint of ``var``: ``_dx`` for ``x``, ``_dt1`` for ``_t1``."""
        if var not in self._adjoints:
            self._adjoints[var] = self.fresh("_d" + var.lstrip("_"))
        return self._adjoints[var]

    def numbered(self, base):
        """``_c1``, ``_c2``, ...: numbered per base, skipping names already taken."""
        k = self._counts.get(base, 0)
        while True:
            k += 1
            if f"{base}{k}" not in self.taken:
                break
        self._counts[base] = k
        self.taken.add(f"{base}{k}")
        return f"{base}{k}"

    def temp(self):
        self._temps += 1
        return self.fresh(f"_t{self._temps}")
