"""Lines of adgen's gradients over lines of the hand-written ones, per benchmark workload.

    python benchmarks/lines.py

For each workload of ``benchmarks/workloads.py`` this counts the body lines of

- the generated gradient function(s), specialised to the benchmark arguments'
  shapes (as ``grad()`` makes them when called) and in the general form (no
  shapes, as ``adgen emit`` writes them); every function of the module counts
  (a callee's ``_fwd_``/``_bwd_`` pair too);
- the hand-written gradient;

where a body line is a line of a function's body that is not blank, not only a
comment and not part of the docstring. It prints the ratios, the totals (the
sum of generated lines over the sum of hand lines) and the worst workload.
Targets: total <= 1.5 specialised (none above 2.5), <= 1.7 general.
"""

import ast
import inspect
import os
import sys
import textwrap
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from adgen import pipeline, shapes, source  # noqa: E402
from benchmarks import workloads  # noqa: E402

TARGET_SPECIALISED = 1.5  # total
TARGET_WORST = 2.5  # any one workload, specialised
TARGET_GENERAL = 1.7  # total


def body_lines(text):
    """The number of body lines of the functions defined at the top of the module ``text``."""
    lines = text.splitlines()
    count = 0
    for node in ast.parse(text).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            body = body[1:]  # the docstring
        if not body:
            continue
        for line in lines[body[0].lineno - 1 : node.end_lineno]:
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                count += 1
    return count


def generated_text(workload, specialised):
    """The module adgen generates for ``workload``, specialised to its arguments' shapes or not."""
    arg_shapes = None
    if specialised:
        params = list(inspect.signature(workload.primal).parameters)
        arg_shapes = dict(zip(params, map(shapes.of_argument, workload.build())))
    return pipeline.transform(source.load(workload.primal), workload.wrt, arg_shapes=arg_shapes).text


def hand_text(workload):
    return textwrap.dedent(inspect.getsource(workload.hand))


@dataclass(frozen=True)
class Count:
    name: str
    hand: int
    specialised: int
    general: int


def count(workload):
    return Count(
        workload.name,
        body_lines(hand_text(workload)),
        body_lines(generated_text(workload, True)),
        body_lines(generated_text(workload, False)),
    )


def counts(chosen=None):
    """A ``Count`` per workload (of those named in ``chosen``, if given)."""
    return [count(w) for w in workloads.WORKLOADS if not chosen or w.name in chosen]


def table(rows):
    """The counts, their ratios, the totals and the worst, as text."""
    head = ["workload", "hand", "specialised", "ratio", "general", "ratio"]
    body = [[r.name, str(r.hand), str(r.specialised), f"{r.specialised / r.hand:.2f}", str(r.general), f"{r.general / r.hand:.2f}"] for r in rows]
    hand = sum(r.hand for r in rows)
    spec = sum(r.specialised for r in rows)
    general = sum(r.general for r in rows)
    total = ["total", str(hand), str(spec), f"{spec / hand:.2f}", str(general), f"{general / hand:.2f}"]
    widths = [max(len(c[i]) for c in [head, total] + body) for i in range(len(head))]

    def line(values):
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))

    out = [line(head), line(["-" * w for w in widths])] + [line(b) for b in body] + [line(total)]
    worst = max(rows, key=lambda r: r.specialised / r.hand)
    out.append(f"worst specialised: {worst.name} {worst.specialised / worst.hand:.2f} (target <= {TARGET_WORST})")
    out.append(f"targets: total specialised <= {TARGET_SPECIALISED}, general <= {TARGET_GENERAL}")
    return "\n".join(out)


if __name__ == "__main__":
    print(table(counts(sys.argv[1:])))
