"""Random programs for property tests: from the supported subset (arithmetic, NumPy
calls, branches, loops, subscripts, in-place stores) and outside it.

``supported(rng)`` returns the source of ``def f(x, s, n)`` (``x`` a 3-vector, ``s``
a float, ``n`` a small int). Values stay bounded (``sin``, ``tanh``, ``x / (1 + x*x)``
squash them) and branch conditions test only ``n`` and loop counters, so central
differences never straddle a kink or a branch boundary.
"""

import random

UNARY = [
    "np.sin({})", "np.cos({})", "np.tanh({})", "np.exp(np.tanh({}))", "np.sqrt(1.0 + {0} * {0})",
    "({0} / (1.0 + {0} * {0}))", "np.log(1.0 + {0} * {0})", "(-{})", "({0} * {0})", "(0.5 * {})",
]
BINARY = ["({} + {})", "({} - {})", "({} * {})"]
TO_SCALAR = ["np.sum({})", "{}[{k}]", "np.mean({})", "np.dot({0}, {0})", "({0} @ x)", "np.max({0}) * 0.0 + {0}[{k}]"]


# a function the programs call: branches, a loop and a recursive call of its own
HELPER = """def helper(a, b, depth=2):
    c = np.tanh(a) * np.tanh(b)
    for i in range(depth):
        c = c + 0.25 * np.tanh(c * b)
    if depth > 0:
        return helper(c * 0.5, b, depth - 1) + 0.5 * a
    return c
"""


class Program:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.kinds = {"x": "v", "s": "s"}  # name -> "v" (3-vector) or "s" (float)
        self.lines = []
        self.count = 0
        self.arrays = set()  # names holding an array the function made (may be stored into)

    # -- expressions ------------------------------------------------------------------

    def expr(self, kind, depth=2):
        r = self.rng
        names = [n for n, k in self.kinds.items() if k == kind]
        if depth == 0 or r.random() < 0.25:
            if kind == "s" and r.random() < 0.2:
                return r.choice(["0.5", "1.5", "-0.25", "2.0"])
            return r.choice(names)
        roll = r.random()
        if roll < 0.4:
            return r.choice(UNARY).format(self.expr(kind, depth - 1))
        if roll < 0.7:
            other = kind if r.random() < 0.7 else "s"
            parts = [self.expr(kind, depth - 1), self.expr(other, depth - 1)]
            r.shuffle(parts)
            return r.choice(BINARY).format(*parts)
        if roll < 0.75:  # a call to a function of the same module, which may recurse
            return f"helper({self.expr(kind, depth - 1)}, {self.expr('s', depth - 1)})" if kind == "s" else f"helper({self.expr('v', depth - 1)}, {self.expr(r.choice('sv'), depth - 1)})"
        if kind == "s":
            return r.choice(TO_SCALAR).format(self.expr("v", depth - 1), k=r.randrange(3))
        return r.choice(["({} * x)", "np.array([{0}, 1.0, {0} * {0}])", "np.roll({}, 1)", "helper({0}, x)"]).format(self.expr("s" if r.random() < 0.5 else "v", depth - 1))

    # -- statements -------------------------------------------------------------------

    def fresh(self, kind):
        self.count += 1
        name = f"v{self.count}"
        self.kinds[name] = kind
        return name

    def emit(self, text, indent):
        self.lines.append("    " * indent + text)

    def statements(self, indent, count, in_loop=None):
        for _ in range(count):
            self.statement(indent, in_loop)

    def statement(self, indent, in_loop):
        r = self.rng
        existing = [n for n in self.kinds if n.startswith("v")]
        roll = r.random()
        if indent > 1 or roll < 0.45 or not existing:
            if existing and (indent > 1 or r.random() < 0.5):
                name = r.choice(existing)  # an update, as in y = y * x
                if name in self.arrays and r.random() < 0.5:
                    return self.store(name, indent)
                op = r.choice(["=", "+=", "*=", "-="])
                value = self.expr(self.kinds[name])
                if op == "=" and value in self.kinds:
                    value = f"{value} * 1.0"
                self.emit(f"{name} {op} {value}" if op != "*=" else f"{name} *= np.tanh({value})", indent)
            else:
                kind = r.choice("sv")
                value = self.expr(kind)
                if value in self.kinds:  # a new value, not a second name for one (see AD306)
                    value = f"{value} * 1.0"
                self.emit(f"{self.fresh(kind)} = {value}", indent)
            if in_loop and r.random() < 0.15:
                self.emit(f"if {in_loop} == 1:", indent)
                self.emit(r.choice(["break", "continue"]), indent + 1)
        elif roll < 0.6:
            name = self.fresh("v")
            self.arrays.add(name)
            self.emit(f"{name} = np.zeros(3)", indent)
            self.store(name, indent)
        elif roll < 0.75:
            self.emit(r.choice(["if n > 1:", "if n % 2 == 0:", "if n == 0:"]), indent)
            self.statements(indent + 1, r.randint(1, 2))
            if r.random() < 0.6:
                self.emit("else:", indent)
                self.statements(indent + 1, r.randint(1, 2))
        elif roll < 0.9:
            counter = f"i{indent}"
            self.emit(f"for {counter} in range(n):", indent)
            self.statements(indent + 1, r.randint(1, 3), in_loop=counter)
        else:
            counter = f"k{indent}"
            self.emit(f"{counter} = 0", indent)
            self.emit(f"while {counter} < n:", indent)
            self.statements(indent + 1, r.randint(1, 2))
            self.emit(f"{counter} = {counter} + 1", indent + 1)

    def store(self, name, indent):
        r = self.rng
        roll = r.random()
        if roll < 0.4:
            self.emit(f"{name}[{r.randrange(3)}] = {self.expr('s')}", indent)
        elif roll < 0.7:
            self.emit(f"{name}[1:] += {self.expr('v')}[:2]", indent)
        elif roll < 0.85:
            self.emit(f"{name}[:] = {self.expr('v')}", indent)
        else:
            self.emit(f"np.add.at({name}, [0, 2, 0], {self.expr('s')})", indent)

    def source(self):
        self.statements(1, self.rng.randint(2, 6))
        names = [n for n in self.kinds if n.startswith("v")] or ["x"]
        result = " + ".join(f"np.sum({n} * {n})" for n in self.rng.sample(names, min(2, len(names))))
        body = "\n".join(self.lines)
        return f"import numpy as np\n\n\n{HELPER}\n\ndef f(x, s, n):\n{body}\n    return {result} + s * np.sum(x)\n"


def supported(rng):
    return Program(rng).source()


# -- outside the subset: (statement lines to insert, codes adgen may raise) ---------------

UNSUPPORTED = [
    (["try:", "    y = x * 2.0", "except ValueError:", "    y = x"], {"AD101"}),
    (["with open('f') as fh:", "    y = x"], {"AD101"}),
    (["global G", "G = x"], {"AD101"}),
    (["def bump(z):", "    nonlocal s", "    s = s * z", "    return s", "y = bump(x)"], {"AD101", "AD105"}),
    (["class C:", "    pass"], {"AD105"}),
    (["if n > 0:", "    def inner(z):", "        return z", "    y = inner(x)", "else:", "    y = x"], {"AD105"}),
    (["fs = [lambda z: z * 2.0]", "y = fs[n - n](x)"], {"AD105"}),  # an index known when it runs (fs[0](x) is supported)
    (["def inner(z):", "    return z", "y = np.sum(list(map(inner, x)))"], {"AD105", "AD201", "AD202"}),
    (["y = (z := x * 2.0)"], {"AD102"}),
    (["yield x"], {"AD102", "AD109"}),
    (["y = [(yield x)]"], {"AD102"}),
    (["del s"], {"AD101"}),
    (["match n:", "    case 0:", "        y = x", "    case _:", "        y = x * 2.0"], {"AD101"}),
    (["y = eval('x * 2.0')"], {"AD102"}),
    (["exec('y = x')"], {"AD102", "AD109"}),
    (["y = x", "y.attr = 1.0"], {"AD103"}),
    (["a, *b = x"], {"AD103"}),
    (["import math"], {"AD101"}),
    (["x.sort()"], {"AD305"}),
    (["y = x", "y[0] = 1.0"], {"AD305"}),
    (["z = np.zeros(3)", "w = z[0:2]", "z[0] = s", "q = np.sum(w)"], {"AD306"}),
    (["z = np.multiply(x, s, out=x)"], {"AD305"}),
    (["y = x * 1.0", "np.multiply.at(y, [0], s)"], {"AD109"}),
    (["y = globals()['x']"], {"AD102"}),
    (["y = np.frompyfunc(np.sin, 1, 1)(x)"], {"AD201", "AD202"}),
    (["y = sorted(x, key=lambda v: -v)"], {"AD105"}),
]
SIGNATURES = [
    ("def f(x, s, n):", set()),
    ("def f(x, s, n, *rest):", {"AD104"}),
    ("def f(x, s, n, **options):", {"AD104"}),
    ("async def f(x, s, n):", {"AD101"}),
]


def unsupported(rng):
    """``(source, codes)``: a supported program with one construct from outside the subset
    inserted at a random place, and the codes its diagnostics may carry. Python itself
    must accept the program (no ``return`` with a value in an async generator)."""
    while True:
        source, codes = _insert_unsupported(rng)
        try:
            compile(source, "<fuzz>", "exec")
        except SyntaxError:
            continue
        return source, codes


def _insert_unsupported(rng):
    program = Program(rng)
    program.statements(1, rng.randint(1, 4))
    lines, codes = rng.choice(UNSUPPORTED)
    signature, more = rng.choice(SIGNATURES)
    top = [k for k, line in enumerate(program.lines) if not line.startswith("     ") and not line.lstrip().startswith(("else", "elif"))]
    at = rng.choice(top + [len(program.lines)])  # between top-level statements
    body = program.lines[:at] + ["    " + line for line in lines] + program.lines[at:]
    uses = "y" if any(line.lstrip().startswith("y =") for line in lines) else "x"  # the construct's value reaches the result
    source = "import numpy as np\n\n\n" + signature + "\n" + "\n".join(body) + f"\n    return np.sum({uses}) * s\n"
    if signature != "def f(x, s, n):":
        codes = codes | more
    return source, codes
