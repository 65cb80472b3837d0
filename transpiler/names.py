"""Every name generated code introduces, collision-free and deterministic.

This module is the one home of the naming conventions: ``PREFIXES`` lists every
prefix a generated name starts with, each with its one meaning, and the functions
below build the names derived from the user's (``_x0``, ``p_0``). Other modules ask
for a name by its role (``names.numbered(FLAG)``, ``fresh(saved_as(v))``) and never
spell a generated name themselves."""

import ast

RESERVED = ("np", "_rt")

TEMP = "_t"  # forward temporary: a subexpression's value, kept for the backward
GRAD = "_g"  # backward temporary: a cotangent computed once, used more than once
RESULT = "_r"  # backward temporary: what a rule's or a callee's backward returns
ADJOINT = "_d"  # a variable's adjoint: ``_dx`` for ``x``, ``_dt1`` for ``_t1``
ANSWER = "_ans"  # the function's result
SEED = "_dout"  # the seed: the adjoint of the result, the gradient's parameter
TAPE = "_tape"  # the tape the forward pushes onto and the backward pops
FLAG = "_c"  # which way a branch went
COUNT = "_n"  # how many times a loop ran
RANGE = "_range"  # a for loop's range, evaluated once for both passes
INDEX = "_k"  # a loop's index: an unrolled ``for`` over items, a backward loop
SEQUENCE = "_seq"  # the sequence a ``for`` indexes, evaluated once
BROKE = "_broke"  # did a loop end at a ``break``
RETURNED = "_returned"  # has the function returned (a ``return`` inside a loop)
RECORD = "_rec"  # what a callee's forward hands its backward
FORWARD = "_fwd_"  # a callee's forward half: ``_fwd_f``
BACKWARD = "_bwd_"  # a callee's backward half: ``_bwd_f``
AUX = "_aux"  # the auxiliary output of a ``has_aux`` function
LIST = "_l"  # a list a comprehension builds, written as a loop
ITEM = "_item"  # the item of a loop that ``list.extend`` became
KEY = "_key"  # the key of a loop over a dict's values or items
MAPPED = "_v"  # a parameter of the loop that ``map`` became
PART = "_s"  # an element of a tuple a call returns
REPEATED = "_once"  # an item a repeated display (``[e] * 2``) evaluates once
GRADIENT = "value_and_grad_"  # the generated function: ``value_and_grad_f``
TANGENT = "_dot_"  # a variable's tangent, forward mode: ``_dot_x`` for ``x``
JVP = "jvp_"  # the generated forward-mode function: ``jvp_f``
DIRECTIONAL = "directional_"  # ``f``'s derivative along given tangents, which ``hvp`` differentiates

PREFIXES = {
    TEMP: "forward temporary",
    GRAD: "backward temporary (a cotangent)",
    RESULT: "a rule's or callee backward's result",
    ADJOINT: "adjoint of a variable",
    ANSWER: "the function's result",
    SEED: "the seed, the result's adjoint",
    TAPE: "the tape",
    FLAG: "a branch taken",
    COUNT: "a loop's iteration count",
    RANGE: "a for loop's range, evaluated once",
    INDEX: "a loop index",
    SEQUENCE: "a sequence a loop indexes",
    BROKE: "a loop ended at break",
    RETURNED: "the function has returned",
    RECORD: "a callee's record",
    FORWARD: "a callee's forward half",
    BACKWARD: "a callee's backward half",
    AUX: "the auxiliary output",
    LIST: "a comprehension's list",
    ITEM: "an extended list's item",
    KEY: "a dict's key in a loop",
    MAPPED: "a mapped function's parameter",
    PART: "an element of a returned tuple",
    REPEATED: "a repeated item, evaluated once",
    GRADIENT: "the generated function",
    TANGENT: "tangent of a variable (forward mode)",
    JVP: "the generated forward-mode function",
    DIRECTIONAL: "a function's derivative along given tangents (hvp)",
}


def saved_as(var):
    """``_x0``: the value ``x`` had before the statement (or the call) changed it."""
    return f"_{var.lstrip('_')}0"


def shape_name(var):
    """``_x_shape``: the shape of ``x``, recorded where the backward needs only that."""
    return f"_{var.lstrip('_')}_shape"


def member(name, key):
    """``p_0``, ``kw_scale``, ``cell_W``: one part (``key``) of ``name`` spread into
    names of its own (a tuple's element, ``*args``/``**kwargs`` item, a frozen local's
    parameter)."""
    return f"{name}_{key}"


def default_of(func, param):
    """``_g_act``: the default value of parameter ``param`` of nested function ``func``."""
    return f"_{func}_{param}"


def lambda_of(name):
    """``f_lambda``: the ``def`` a lambda bound to ``f`` becomes."""
    return f"{name}_lambda"


def module_alias(alias):
    """``_linalg``: a rule module that generated code imports."""
    return f"_{alias}"


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
        self._tangents = {}
        self._serials = {}
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
            self._adjoints[var] = self.fresh(ADJOINT + var.lstrip("_"))
        return self._adjoints[var]

    def tangent(self, var):
        """The tangent of ``var`` (forward mode): ``_dot_x`` for ``x``, ``_dot_t1`` for ``_t1``."""
        if var not in self._tangents:
            self._tangents[var] = self.fresh(TANGENT + var.lstrip("_"))
        return self._tangents[var]

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

    def serial(self, base):
        """``_t1``, ``_t2``, ...: the next number of ``base``, made fresh (``_t3_1`` where
        the user has a ``_t3``)."""
        self._serials[base] = self._serials.get(base, 0) + 1
        return self.fresh(f"{base}{self._serials[base]}")

    def temp(self):
        return self.serial(TEMP)
