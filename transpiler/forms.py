"""The declared forms a function takes between the stages of ``pipeline.STAGES``, and
how each prints.

Each form holds what the stages before it found and adds its own fields; a stage reads
the form it is given and returns the next (``advance``). ``str(form)`` is the form as
text: Python for the statement lists, with the facts the stage adds on ``#`` lines, so
that ``adgen show --stages`` and the before/after tests (tests/test_passes.py) can
read what each stage did.
"""

import ast
import copy
import textwrap
from dataclasses import dataclass, fields

from adgen import emit
from adgen.assemble import Break, If, Loop
from adgen.errors import Diagnostics
from adgen.names import Names
from adgen.reverse import Block


def advance(form, cls, **new):
    """The form ``cls`` holding ``form``'s fields, with the ``new`` ones (added or replaced)."""
    return cls(**{**{f.name: getattr(form, f.name) for f in fields(form)}, **new})


def code(stmts):
    """Statements as Python, comment markers printed as comments (nothing changed)."""
    body = copy.deepcopy(stmts) or [ast.Pass()]
    func = ast.FunctionDef(name="_", args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
                           body=body, decorator_list=[], returns=None, type_params=[])
    text = emit.function(ast.fix_missing_locations(func))
    return textwrap.dedent(text.split("\n", 1)[1]).strip("\n")


@dataclass
class Parsed:
    """The user's function, a copy to change, and what hands out names and collects
    diagnostics for it."""

    func: ast.FunctionDef
    names: Names
    diags: Diagnostics

    def __str__(self):
        return ast.unparse(self.func)


@dataclass
class Normalized(Parsed):
    """The body in the small structured language the later stages read (one target per
    assignment, temporaries for calls, loops over ranges, a single exit)."""

    body: list
    lifted: dict  # name -> lift.Lifted: the nested defs, lifted to module level
    result: str  # the name the result is assigned to

    def __str__(self):
        return code(self.body)


@dataclass
class Resolved(Normalized):
    """Names qualified (what each global, module and method is), objects' loops unrolled,
    library objects spelled as calls."""

    resolver: object  # resolve.Resolver
    aux: str  # with ``has_aux``: the name the auxiliary value is assigned to, else None


@dataclass
class Analyzed(Resolved):
    """Which names are active (vary with ``wrt`` and reach the result), the shapes known,
    the values that share memory."""

    activity: object  # activity.Activity
    shapes: object  # shapes.Shapes
    sharing: object  # aliasing.Sharing

    def __str__(self):
        active = sorted(n for n in self.activity.varied if self.activity.active(n))
        return f"# active: {', '.join(active)}\n" + code(self.body)


@dataclass
class Reversed(Analyzed):
    """Each statement's forward and backward (``Block``s), in the tree of its branches
    and loops (``assemble``), and the adjoint the seed goes into."""

    rev: object  # reverse.Reverser: the adjoints and temporaries it made
    nodes: list  # Block, If, Loop, Break
    seeded: str
    undone: set  # the arrays whose in-place stores the backward still undoes (inplace.drop_needless_undo)

    def __str__(self):
        return f"# seed: {self.seeded}\n" + _tree(self.nodes)


@dataclass
class Laid(Reversed):
    """The function's forward pass, recording what the backward reads, and its backward
    pass, from the seed to the return."""

    forward: list
    backward: list  # the seed first, the return last
    dout: str  # the seed's parameter
    tape: str  # the tape's name, if anything is recorded, else None

    def __str__(self):
        return f"# forward\n{code(self.forward)}\n# backward\n{code(self.backward)}"


@dataclass
class Optimized(Laid):
    """``Laid`` after the clean-ups (``optimize``), and with debug checks when asked."""


@dataclass
class Packaged(Optimized):
    """The generated functions: the gradient function, or a callee's forward and backward."""

    defs: list
    imports: dict  # alias -> source.Binding: the modules their code reads
    closure: list  # closure variables the gradient function takes as keywords
    spec: dict  # parameter -> the shape it is specialised to

    def __str__(self):
        return "\n\n".join(emit.function(copy.deepcopy(d)).strip("\n") for d in self.defs)


@dataclass
class Tangented(Analyzed):
    """Forward mode: the body with the statement of each active value's tangent beside it
    (``forward.Forward``)."""


@dataclass
class ForwardPackaged(Tangented):
    """Forward mode: the function that returns the value and its tangent (``jvp_f``)."""

    defs: list
    imports: dict
    closure: list
    spec: dict
    tangents: list  # the tangent parameters, one per ``wrt``

    def __str__(self):
        return "\n\n".join(emit.function(copy.deepcopy(d)).strip("\n") for d in self.defs)


def _tree(nodes, depth=0):
    pad = "    " * depth
    lines = []
    for node in nodes:
        if isinstance(node, Block):
            lines.append(f"{pad}block {ast.unparse(node.stmt).splitlines()[0]}")
            for part, stmts in (("forward", node.forward), ("backward", node.backward)):
                lines.append(f"{pad}    {part}:")
                lines.append(textwrap.indent(code(stmts), pad + "        "))
        elif isinstance(node, If):
            lines.append(f"{pad}if {ast.unparse(node.stmt.test)}:" + (f"  # flag {node.flag}" if node.flag else ""))
            lines.append(_tree(node.body, depth + 1) or f"{pad}    pass")
            if node.orelse:
                lines.append(f"{pad}else:")
                lines.append(_tree(node.orelse, depth + 1))
        elif isinstance(node, Loop):
            head = ast.unparse(node.stmt).splitlines()[0]
            lines.append(f"{pad}{head}" + (f"  # trips {node.counter}" if node.counter else ""))
            lines.append(_tree(node.body, depth + 1) or f"{pad}    pass")
        elif isinstance(node, Break):
            lines.append(f"{pad}break")
    return "\n".join(lines)
