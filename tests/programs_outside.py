"""A second, independent generator of random programs: an outside view.

``tests/programs.py`` writes scalar-and-3-vector programs of arithmetic, branches on
``n``, loops and stores. This one writes what a user of NumPy writes around the
mathematics: matrices and vectors of different shapes meeting through ``@``,
reductions along axes and broadcasting; aliases (views, rebinding, conversions
such as ``np.asarray`` and ``astype``, stores through a second name); closures
made by factories; helpers and arrays held in dicts and lists; functions
returning tuples, one part unused; lists and dicts of arrays; values overwritten
on some paths or unused at the end; ``while`` loops that exit on the data;
nested helpers and helpers called inside list operations; shape reads inline.

``generate(rng)`` returns a ``Program``: the source of a module defining
``f(P, q, k)`` (``P`` a 2x3 matrix, ``q`` a 3-vector, ``k`` an int in 0..3;
gradients with respect to ``P`` and ``q``) and ``refusable``, the codes adgen may
refuse it with: constructs whose support is a design choice (a store through a
second name, a function picked from a container) may be refused with a coded
diagnostic, never answered with a wrong number. ``judge`` (in ``fuzz_judge.py``)
decides what a program's outcome means.
"""

import random
from dataclasses import dataclass, field

SHAPES = {"m": (2, 3), "v": (3,), "r": (2,), "s": ()}

PRELUDE = '''import numpy as np


def lin(z, w):
    return z * w, np.tanh(z)


def soft(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def inner_helper(z):
    return np.sin(z) + 0.1 * z * z


def outer_helper(z):
    return inner_helper(z) * 0.5 + inner_helper(z * 0.5)


def make_scale(a):
    def scale(z):
        return z * a
    return scale


def make_act(fn):
    def act(z):
        return fn(z) + 0.1 * z
    return act


SCALE = make_scale(0.7)
ACT_TANH = make_act(np.tanh)
ACT_SIN = make_act(np.sin)
HELPERS = {"inner": inner_helper, "soft": soft}
FNS = [inner_helper, outer_helper]
CONSTS = [np.array([0.5, -0.25, 1.0]), np.array([[0.3, 0.2, -0.1], [0.0, 0.4, 0.1]])]
'''

# expressions by the kind of value they make; {m} {v} {r} {s}: a sub-expression of that kind
EXPRS = {
    "v": [
        "np.tanh({v})", "{m}[0]", "{m}[-1] * 0.5", "np.sum({m}, axis=0) * 0.3", "({r} @ {m}) * 0.2",
        "np.cumsum({v}) * 0.3", "np.flip({v})", "{v}[::-1]", "soft({v})", "inner_helper({v})",
        "outer_helper({v})", "{v} * CONSTS[0]", "np.concatenate([{v}[:1], {v}[1:] * 2.0])",
        "np.where({v} > 0.3, {v}, {v} * 0.5)", "{m}.T @ {r} * 0.3", "np.mean({m} * {m}, axis=0)",
        "np.roll({v}, 1) * {s}", "np.clip({v}, -0.8, 0.8)", "{v} / (1.0 + {v} * {v})",
    ],
    "m": [
        "np.tanh({m})", "{m} * {v}", "np.outer({r}, {v}) * 0.2", "{m}.T.T * 0.5",
        "np.stack([{v}, {v} * 0.5])", "np.reshape({m}, (3, 2)).T", "{m}[::-1]", "np.sin({m}) + {s}",
        "{m} * CONSTS[1]", "{m} - np.mean({m}, axis=1, keepdims=True)", "{m} * {r}[:, None]",
    ],
    "r": [
        "{m} @ {v} * 0.3", "np.sum({m}, axis=1) * 0.5", "np.mean({m} * {m}, axis=1)", "{m}[:, 0]",
        "np.array([{s}, {s} * 2.0])", "{v}[: len({v}) - 1]", "np.sum({m}[:, : P.shape[1] - 1], axis=1)",
        "np.tanh({r}) * {s}",
    ],
    "s": [
        "np.sum({v} * {v}) * 0.1", "{v}[1]", "np.dot({v}, {v}) * 0.1", "np.max({v})", "{r}[0] * {s}",
        "np.linalg.norm({v} + 2.0)", "np.sum(np.sin({m}))", "{m}[1, 2] * 0.5", "np.sum({r} ** 2) * 0.2",
    ],
}
SQUASH = {"v": "np.tanh({})", "m": "np.tanh({})", "r": "np.tanh({})", "s": "np.tanh({})"}


@dataclass
class Program:
    source: str
    refusable: set = field(default_factory=set)  # codes adgen may refuse the program with
    forms: list = field(default_factory=list)  # the statement forms used, for reports
    depends: set = field(default_factory=set)  # helpers of issue 12 whose fixes its forms need
    functions: tuple = ("f",)  # the functions to judge: f, and a second one its factory made
    rebind: tuple = ()  # (global, new value): judge again after the function's global changes


class _Writer:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.kinds = {"P": "m", "q": "v"}
        self.lines = []
        self.count = 0
        self.refusable = set()
        self.forms = []
        self.depends = set()
        self.rebind = ()
        self.rare = RARE

    # -- names and expressions ------------------------------------------------------------

    def fresh(self, kind):
        """A new name for a value of ``kind``; readable once ``define``d."""
        self.count += 1
        return f"{kind}{self.count}"

    def define(self, *names):
        for name in names:
            self.kinds[name] = name[0]

    def pick(self, kind):
        """A value of ``kind`` to read: a name, or an expression of the arguments."""
        return self.rng.choice([n for n, k in self.kinds.items() if k == kind] or [self._seed(kind)])

    def target(self, kind):
        """A name of ``kind`` to assign again (never an argument's item), or a new one."""
        names = [n for n, k in self.kinds.items() if k == kind]
        return self.rng.choice(names) if names and self.rng.random() < 0.6 else self.fresh(kind)

    def _seed(self, kind):
        return {"m": "P", "v": "q", "r": "P[:, 1]", "s": "q[0]"}[kind]

    def expr(self, kind, depth=2):
        if depth == 0 or self.rng.random() < 0.3:
            return self.pick(kind)
        template = self.rng.choice(EXPRS[kind])
        parts = {k: self.expr(k, depth - 1) for k in SHAPES if "{" + k + "}" in template}
        return "(" + template.format(**parts) + ")"

    def emit(self, line, indent=1):
        self.lines.append("    " * indent + line)

    # -- statements ------------------------------------------------------------------------

    def statement(self, indent=1, forms=None):
        form = self.rng.choice(forms or (self.rare if self.rng.random() < 0.07 else FORMS))
        self.forms.append(form.__name__)
        form(self, indent)

    def result(self):
        live = [n for n in self.kinds if n not in ("P", "q")]
        chosen = self.rng.sample(live, min(len(live), self.rng.randint(1, 3)))
        terms = [f"np.sum(np.sin({n}))" for n in chosen] + ["0.01 * np.sum(P * P)", "0.01 * np.sum(q)"]
        return "    return " + " + ".join(terms)


# each form writes one or more statements
def new_value(w, indent):
    kind = w.rng.choice("vmrs")
    value, name = w.expr(kind), w.fresh(kind)
    w.emit(f"{name} = {value}", indent)
    w.define(name)


def overwritten_on_a_path(w, indent):
    kind = w.rng.choice("vmrs")
    value, other = w.expr(kind), SQUASH[kind].format(w.expr(kind))
    name = w.target(kind)
    w.emit(f"{name} = {value}", indent)
    w.emit(w.rng.choice(["if k > 1:", "if k % 2 == 0:", "if k == 0:"]), indent)
    w.emit(f"{name} = {other}", indent + 1)
    w.define(name)


def unused_at_the_end(w, indent):
    # a loop whose last update is never read (a Kalman filter's covariance)
    kind = w.rng.choice("vmr")
    value, step = w.expr(kind), w.expr(kind, 1)
    name, acc = w.fresh(kind), w.fresh("s")
    w.emit(f"{name} = {value}", indent)
    w.emit(f"{acc} = 0.0", indent)
    w.emit("for i in range(k):", indent)
    w.emit(f"{acc} = {acc} + np.sum({name} * {name}) * 0.1", indent + 1)
    w.emit(f"{name} = {SQUASH[kind].format(f'{name} * 0.9 + {step} * 0.1')}", indent + 1)
    w.define(acc)


def view_and_rebinding(w, indent):
    m, v = w.pick("m"), w.pick("v")
    a, b, c = w.fresh("v"), w.fresh("m"), w.fresh("v")
    w.emit(f"{a} = {m}[{w.rng.randrange(2)}]", indent)  # a view, only read
    w.emit(f"{b} = {m}", indent)  # a second name for the same array
    w.emit(f"{c} = {v}", indent)
    w.emit(f"{v} = {v} * 2.0 + {a}", indent)  # rebinding, not mutation: c keeps the old value
    w.define(a, b, c)


def conversion(w, indent):
    v, scale = w.pick("v"), w.expr("s", 1)
    name = w.fresh("v")
    w.emit(f"{name} = " + w.rng.choice([f"np.asarray({v})", f"{v}.astype(float)", f"np.array({v})", f"np.asarray({v}, dtype=float)"]), indent)
    w.emit(f"{name} = {name} * {scale}", indent)
    w.define(name)


def store_into_a_copy(w, indent):
    v, item = w.pick("v"), w.expr("s", 1)
    name = w.fresh("v")
    if w.rng.random() < 0.8:
        w.emit(f"{name} = {v}.copy()", indent)
    else:
        w.emit(f"{name} = np.array({v}, copy=True)", indent)
        w.refusable |= {"AD204"}  # the rule of np.array takes no copy= (findings-alias.md)
    w.emit(f"{name}[{w.rng.randrange(3)}] = {item}", indent)
    w.emit(f"{name} *= 1.5", indent)
    w.define(name)


def store_through_an_alias(w, indent):
    # the store changes the array both names hold: right, or refused (AD305/AD306...)
    value, item = w.expr("v"), w.expr("s", 1)
    fresh, alias = w.fresh("v"), w.fresh("v")
    w.emit(f"{fresh} = {value} * 1.0", indent)
    w.emit(f"{alias} = " + w.rng.choice([fresh, f"np.asarray({fresh})", f"{fresh}[:]", f"{fresh}.reshape(3)"]), indent)
    w.emit(w.rng.choice([f"{alias} *= 2.0", f"{alias}[0] = {item}", f"{alias}[1:] += 0.5"]), indent)
    w.define(fresh, alias)
    w.refusable |= {"AD305", "AD306", "AD307", "AD308", "AD408"}


def closures(w, indent):
    v = w.pick("v")
    name = w.fresh("v")
    w.emit(f"{name} = " + w.rng.choice([f"SCALE({v})", f"ACT_TANH({v}) + ACT_SIN({v})", f"ACT_SIN(SCALE({v}))"]), indent)
    w.define(name)


def local_helper(w, indent):
    # a def at the top of the body, closing over a parameter: lifted, or AD105
    value = w.expr("v")
    name, fn = w.fresh("v"), f"local{w.count}"
    w.lines[0:0] = [f"    def {fn}(z):", "        return np.tanh(z) * q[0] + z * 0.5"]
    w.emit(f"{name} = {fn}({value})", indent)
    w.define(name)
    w.refusable |= {"AD105"}


def helpers_in_containers(w, indent):
    v = w.pick("v")
    name = w.fresh("v")
    w.emit(f"{name} = " + w.rng.choice([f'HELPERS["inner"]({v})', f'HELPERS["soft"]({v})', f"FNS[0]({v})", f"FNS[1]({v}) * CONSTS[0]"]), indent)
    w.define(name)
    w.refusable |= {"AD202"}  # a function picked out of a container is known only when the code runs


def tuple_return(w, indent):
    v, v2 = w.pick("v"), w.pick("v")
    a, b = w.fresh("v"), w.fresh("v")
    if w.rng.random() < 0.5:
        w.emit(f"{a}, {b} = lin({v}, {v2})", indent)
        w.define(a, b)
    else:  # one part never used
        w.emit(f"{a}, _{b} = lin({v}, {v2})", indent)
        w.define(a)


def containers_of_arrays(w, indent):
    first, second, third = w.pick("v"), w.expr("v", 1), w.pick("v")
    xs, name = f"xs{w.count}", w.fresh("v")
    w.emit(f"{xs} = [{first}, {second}]", indent)
    w.emit(f"{xs}.append(" + w.rng.choice(["inner_helper", "outer_helper", "soft"]) + f"({third}))", indent)
    w.emit(f"{name} = " + w.rng.choice([f"{xs}[0] * {xs}[-1]", f"np.sum(np.stack({xs}), axis=0)", f"sum({xs}) * 0.3"]), indent)
    w.define(name)


def dict_of_arrays(w, indent):
    first, second = w.pick("v"), w.expr("v", 1)
    d, name, acc = f"d{w.count}", w.fresh("v"), w.fresh("v")
    w.emit(f'{d} = {{"a": {first}, "b": {second}}}', indent)
    w.emit(f'{name} = {d}["a"] * {d}["b"] - {d}["b"] * 0.5', indent)
    w.emit(f"{acc} = np.zeros(3)", indent)
    w.emit(f"for key, val in {d}.items():", indent)
    w.emit(f"{acc} = {acc} + np.tanh(val)", indent + 1)
    w.define(name, acc)


def loop_over_rows(w, indent):
    m = w.pick("m")
    acc = w.fresh("v")
    w.emit(f"{acc} = np.zeros(3)", indent)
    w.emit(f"for row in {m}:", indent)
    w.emit(f"{acc} = {acc} + np.tanh(row) * 0.5", indent + 1)
    w.define(acc)


def calls_in_a_comprehension(w, indent):
    v = w.pick("v")
    name = w.fresh("m")
    w.emit(f"{name} = np.stack([" + w.rng.choice(["inner_helper", "SCALE", "soft"]) + f"({v} * float(j + 1)) for j in range(2)])", indent)
    w.define(name)


def data_dependent_while(w, indent):
    value = w.expr("v")
    v = w.fresh("v")
    w.emit(f"{v} = {value}", indent)
    w.emit("i = 0", indent)
    w.emit(f"while i < k + 1 and np.sum({v} * {v}) < 2.5:", indent)
    w.emit(f"{v} = np.tanh({v}) * 1.3 + 0.2", indent + 1)
    w.emit("i = i + 1", indent + 1)
    w.define(v)


def counted_loop(w, indent):
    kind = w.rng.choice("vmr")
    start, step, name = w.pick(kind), w.expr(kind, 1), w.target(kind)
    if name not in w.kinds:
        w.emit(f"{name} = {start}", indent)
        w.define(name)
    w.emit("for j in range(k):", indent)
    w.emit(f"{name} = {SQUASH[kind].format(f'{name} * 0.8 + {step} * 0.2')}", indent + 1)
    if w.rng.random() < 0.3:
        w.emit("if j == 1:", indent + 1)
        w.emit("break", indent + 2)


def data_dependent_branch(w, indent):
    kind = w.rng.choice("vms")
    test, one, other = w.pick("v"), w.expr(kind), w.expr(kind)
    name = w.fresh(kind)
    w.emit(f"if np.sum({test}) > 0.1:", indent)
    w.emit(f"{name} = {one}", indent + 1)
    w.emit("else:", indent)
    w.emit(f"{name} = {other} * 0.5", indent + 1)
    w.define(name)


def conversion_then_store(w, indent):
    # conversions that may return their argument: a store through one changes both
    value, item = w.expr("v"), w.expr("s", 1)
    fresh, alias = w.fresh("v"), w.fresh("v")
    w.emit(f"{fresh} = {value} * 1.0", indent)
    w.emit(f"{alias} = " + w.rng.choice([f"{fresh}.astype(float, copy=False)", f"np.array({fresh}, copy=False)",
                                         f"np.require({fresh})", f"np.asarray_chkfinite({fresh})",
                                         f"np.nan_to_num({fresh}, copy=False)"]), indent)
    w.emit(w.rng.choice([f"{alias} *= 2.0", f"{alias}[0] = {item}"]), indent)
    w.define(fresh, alias)
    w.refusable |= {"AD305", "AD306", "AD307", "AD308", "AD408", "AD201", "AD204"}
    w.depends.add("alias")


def fancy_index_alias(w, indent):
    # the case: a fancy index makes a new array, then a second name and a store
    value = w.expr("v")
    v, alias = w.fresh("v"), w.fresh("v")
    w.emit(f"{v} = np.sin({value})[[0, 1, 2]]", indent)
    w.emit(f"{alias} = {v}", indent)
    w.emit(f"{v} *= 3.0", indent)
    w.define(alias)
    w.refusable |= {"AD305", "AD306", "AD307", "AD308", "AD408"}
    w.depends.add("alias")


def index_tricks_and_sublists(w, indent):
    # objects subscripted or called on differentiated values: a rule, or a coded refusal
    v, m = w.pick("v"), w.pick("m")
    name = w.fresh("v")
    w.emit(f"{name} = " + w.rng.choice([f"np.r_[{v}[:1], {v}[1:]]", f"np.einsum({m}, [0, 1], [1])",
                                        f"np.c_[{v}, {v}][:, 0]", f'np.einsum("ij,j->j", {m}, {v})']), indent)
    w.define(name)
    w.refusable |= {"AD201", "AD202", "AD209", "AD210", "AD309", "AD310"}
    w.depends.add("rules")


def global_function(w, indent):
    # a module global the function calls, rebound between two gradients
    name = w.fresh("v")
    w.emit(f"{name} = ACT({w.expr('v')})", indent)
    w.define(name)
    w.rebind = ("ACT", "np.sin")


FORMS = [new_value] * 3 + [
    overwritten_on_a_path, overwritten_on_a_path, unused_at_the_end, unused_at_the_end, view_and_rebinding,
    conversion, store_into_a_copy, closures, local_helper, tuple_return, tuple_return, containers_of_arrays,
    containers_of_arrays, dict_of_arrays, loop_over_rows, calls_in_a_comprehension, data_dependent_while,
    counted_loop, counted_loop, data_dependent_branch, global_function,
]
# forms a program may be refused for as a whole: rarer
RARE = [store_through_an_alias, helpers_in_containers]
# forms that are right only with another helper's fix of issue 12 (``generate(focus=...)``)
DEPENDENT = {"alias": [conversion_then_store, fancy_index_alias], "rules": [index_tricks_and_sublists], "binding": []}


def generate(rng, focus=None):
    """A random ``Program``. ``focus``: None for forms adgen handles today (right or
    refused with a code), or the helper of issue 12 ("alias", "binding", "rules") whose
    fix the program's forms need: one such form at least (for "binding": ``f`` made by a
    factory, judged with a second function the same factory made)."""
    w = _Writer(rng)
    w.rare = RARE + DEPENDENT.get(focus, [])
    factory = focus == "binding"
    if factory:
        w.emit("v0 = act(q) * scale")
        w.define("v0")
    count = rng.randint(2, 6)
    needed = rng.randrange(count) if DEPENDENT.get(focus) else -1
    for n in range(count):
        w.statement(forms=DEPENDENT[focus] if n == needed else None)
    body = "\n".join(w.lines + [w.result()])
    program = Program(PRELUDE + "ACT = np.tanh\n\n\ndef f(P, q, k):\n" + body + "\n", w.refusable, w.forms, w.depends, rebind=w.rebind)
    if factory:
        inner = "\n".join("    " + line for line in ["def f(P, q, k):"] + w.lines + [w.result()])
        program.source = (PRELUDE + "ACT = np.tanh\n\n\ndef make_f(act, scale):\n" + inner + "\n    return f\n\n\n"
                          "f = make_f(np.tanh, 0.5)\nf_other = make_f(np.sin, 1.5)\n")
        program.functions = ("f", "f_other")
        program.depends.add("binding")
    return program
