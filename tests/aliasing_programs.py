"""Random aliasing programs: chains of views, conversions, rebindings, containers and
helper results, then in-place changes (``v *= 3.0``, ``v[i] = ...``, ``np.add.at``, a
helper changing its argument) and reads of every name.

``program(rng)`` returns the source of ``def f(x, s, m)`` (``x`` an array of 3 floats,
``s`` a float, both differentiated; ``m`` an array of 3 floats that is not). Every array has 3 entries, so each line runs; values stay moderate. Some steps run
in a loop, a branch, or a loop left by ``break``. Whether
two names share memory is left to how NumPy makes each value: a conversion that may
return its argument, a fancy index (a copy), a slice of a new array, ``w = v``...
"""

import random

HELPERS = '''
def same(a):
    return a


def fresh(a):
    return a * 1.0


def first(xs):
    return xs[0]


def view(a):
    return a[:]


def bump(a):
    a += 1.0
    return 0.5


def scale(a, k):
    a *= k
    return a
'''

# values of 3 floats made from arrays {a} and {b}: new arrays, views, conversions that
# may return their argument, containers, helpers
ARRAYS = [
    "{a}", "{a}[:]", "{a}[::1]", "{a}.reshape(3)", "{a}.T", "np.asarray({a})", "np.asanyarray({a})",
    "{a}.astype(float, copy=False)", "{a}.astype(float)", "np.array({a}, copy=None)", "np.array({a})",
    "np.require({a})", "np.asarray_chkfinite({a})", "np.nan_to_num({a}, copy=False)", "np.nan_to_num({a})",
    "np.lib.stride_tricks.as_strided({a})", "np.ravel({a})", "np.reshape({a}, 3)", "np.atleast_1d({a})",
    "np.ascontiguousarray({a})", "{a}[[0, 1, 2]]", "(2.0 * {a})[:]", "np.sin({a})[[0, 1, 2]]", "(0.5 * {a})[::1]",
    "{a}.conj()", "np.real({a})", "{a}.view()", "np.einsum('i->i', {a})", "np.flip(np.flip({a}))", "{a}.copy()",
    "np.copy({a})", "{a} * 1.5", "np.cos({a})", "np.zeros(3) + {a}", "same({a})", "fresh({a})", "view({a})",
    "first([{a}, {b}])", "[{a}, {b}][0]", "({a}, {b})[1]", "{a} if s > 0.0 else {b}", "np.where({a} > 0.0, {a}, {b})",
    "np.concatenate([{a}, {b}])[:3]", "np.stack([{a}, {b}])[0]", "np.diff(np.concatenate([[0.0], {a}]))",
    "scale({a}, 1.25)",
]
NEW = {"(2.0 * {a})[:]", "(0.5 * {a})[::1]", "{a}.astype(float)", "np.array({a})", "np.nan_to_num({a})", "{a}[[0, 1, 2]]", "np.sin({a})[[0, 1, 2]]", "{a}.copy()", "np.copy({a})", "{a} * 1.5", "np.cos({a})", "np.zeros(3) + {a}", "fresh({a})", "np.diff(np.concatenate([[0.0], {a}]))"}
CONTAINERS = ["[{a}, {b}]", "({a}, {b})", "{{'p': {a}, 'q': {b}}}"]
FROM_CONTAINER = {"[": ["{c}[0]", "{c}[1]", "{c}[-1]"], "(": ["{c}[0]", "{c}[1]"], "{": ["{c}['p']", "{c}['q']"]}
# in-place changes of the array {n} (other arrays {a})
CHANGES = [
    "{n} *= 1.5", "{n} += s", "{n} -= 0.5 * {a}", "{n}[0] = s * 2.0", "{n}[1:] = {a}[1:] * s", "{n}[0] += s * {a}[1]",
    "np.add.at({n}, [0, 0], s)", "{n}[:] = np.cos({n})", "{n}[...] = {a} * 0.5", "{n} /= 2.0", "t = bump({n})",
    "{n} = scale({n}, 0.5)",
]
SCALARS = ["s", "{a}[0]", "float({a}[1])", "np.sum({a})", "s * 2.0", "{a}[2] * s"]
SCALAR_CHANGES = ["{t} += s", "{t} *= 1.5", "{t} -= {a}[0]"]
INTEGERS = ["np.zeros(3, dtype=int)", "{a}.astype(int)", "np.arange(3)", "np.zeros_like({a}, dtype=np.int32)", "np.array([0, 1, 2])", "np.full(3, 0)", "np.ones(3, dtype=bool)"]
INTEGER_CHANGES = ["{k}[0] = {a}[0] * 10.0", "{k}[1] += s", "np.add.at({k}, [0], s)", "{k}[:] = {a}"]


class Program:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.arrays = ["x", "y", "m"]
        self.new = ["y"]  # names bound to a new array (and maybe other names since)
        self.containers = []
        self.scalars = ["s"]
        self.lines = ["acc = 0.0", "y = x * 2.0"]
        self.count = 0

    def fresh_name(self, prefix):
        self.count += 1
        return f"{prefix}{self.count}"

    def pick(self, names):
        return self.rng.choice(names)

    def step(self):
        r = self.rng
        roll = r.random()
        a, b = self.pick(self.arrays), self.pick(self.arrays)
        if roll < 0.35:
            name = self.fresh_name("v")
            made = r.choice(ARRAYS)
            self.lines.append(f"{name} = {made.format(a=a, b=b)}")
            self.arrays.append(name)
            if made in NEW:
                self.new.append(name)
        elif roll < 0.45:
            name = self.fresh_name("c")
            self.lines.append(f"{name} = {r.choice(CONTAINERS).format(a=a, b=b)}")
            self.containers.append(name)
        elif roll < 0.52 and self.containers:
            c = self.pick(self.containers)
            kind = self.lines_of(c)
            name = self.fresh_name("v")
            self.lines.append(f"{name} = {r.choice(FROM_CONTAINER[kind]).format(c=c)}")
            self.arrays.append(name)
        elif roll < 0.75:
            changed = self.pick(self.new if r.random() < 0.7 else self.arrays)
            self.lines.append(r.choice(CHANGES).format(n=changed, a=a))
        elif roll < 0.87:
            self.scalar_step(a)
        elif roll < 0.9:
            name = self.fresh_name("k")
            self.lines.append(f"{name} = {r.choice(INTEGERS).format(a=a)}")
            self.lines.append(r.choice(INTEGER_CHANGES).format(k=name, a=a))
            self.lines.append(f"acc = acc + np.sum({name} * {a})")
        else:
            self.read()

    def block(self):
        """A few steps in a loop (twice round), a branch, or a loop left by ``break``."""
        r = self.rng
        start = len(self.lines)
        kind = r.random()
        for _ in range(r.randint(1, 3)):
            self.step()
        inner = ["    " + line for line in self.lines[start:]]
        if kind < 0.4:
            head, tail = [f"for i{start} in range(2):"], []
        elif kind < 0.7:
            head, tail = ["if s > -2.0:"], []  # always true (|s| <= 1), which adgen cannot know: names bound in it stay bound
        else:
            head, tail = [f"w{start} = 0", f"while w{start} < 3:"], [f"    w{start} += 1", f"    if w{start} == 2:", "        break"]
        self.lines[start:] = head + inner + tail

    def lines_of(self, container):
        """The opening bracket of the display ``container`` was bound to."""
        line = next(l.strip() for l in self.lines if l.strip().startswith(f"{container} = "))
        return line.split(" = ", 1)[1][0]

    def scalar_step(self, a):
        r = self.rng
        if r.random() < 0.5 or len(self.scalars) < 2:
            name = self.fresh_name("t")
            self.lines.append(f"{name} = {r.choice(SCALARS).format(a=a)}")
            self.scalars.append(name)
        else:
            self.lines.append(r.choice(SCALAR_CHANGES).format(t=self.pick(self.scalars[1:]), a=a))

    def read(self):
        r = self.rng
        n, m = self.pick(self.arrays), self.pick(self.arrays)
        self.lines.append(r.choice(["acc = acc + np.sum({n} * {m})", "acc = acc + np.sum(np.sin({n})) * {t}", "acc = acc + {n}[1] * {t}"]).format(n=n, m=m, t=self.pick(self.scalars)))

    def source(self):
        for _ in range(self.rng.randint(3, 9)):
            self.block() if self.rng.random() < 0.15 else self.step()
        reads = " + ".join(f"np.sum(np.sin({n}))" for n in self.arrays[-3:])
        scalars = " + ".join(self.scalars[-2:])
        body = "\n".join("    " + line for line in self.lines)
        return f"import numpy as np\n{HELPERS}\n\ndef f(x, s, m):\n{body}\n    return acc + {reads} + {scalars}\n"


def program(rng: random.Random):
    return Program(rng).source()
