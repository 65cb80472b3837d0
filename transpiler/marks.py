"""What one pass records on an AST node for a later pass to read: the ``Mark``.

Every such fact is a field of ``Mark``, and a node holds its facts as one ``Mark``
under one attribute (``node.adgen``), written only by ``mark`` and read only by
``marks``. A pass never hangs a fact of its own on a node: a new fact is a new field
here, with who writes it, who reads it and what it means.

The facts stay on the node rather than in a table keyed by ``id(node)`` because the
passes copy nodes (``syntax.clone``, ``copy.deepcopy``, loop unrolling, the layout's
copies of loop bodies and saves) and a copy must carry the facts of its original; a
table by identity would lose them, and an ``id`` may be reused once a node is freed.
A ``Mark`` is frozen, so a node and its copies may share one: ``mark`` gives the node a
new ``Mark`` rather than changing the one it holds. A pass that builds a new node in
place of an old one passes on only the facts it names (``zeros.keep_mark``: ``zero``;
``condense.merge_pops``: the kind).
"""

import copy
import dataclasses


@dataclasses.dataclass(frozen=True)
class Mark:
    """The facts recorded on one node; a field left at its default was not recorded."""

    # -- generated statements (``syntax.tag``; read through ``syntax.kind_of`` by
    #    ``optimize``, ``condense``, ``zeros``, ``debug`` and ``inplace``) --------------
    kind: str | None = None
    """What a generated statement is, one of ``syntax.KINDS``; None for the user's."""
    via: object = None
    """The cotangent (or tuple of them) a generated statement computes from."""

    # -- reversal ---------------------------------------------------------------------
    ans: bool = False
    """On a ``Name``: a read of the statement's own new value (``syntax.as_result``), not
    of an operand. ``reverse`` counts it as read after the statement, ``reversers``
    recomputes it in a loop, and the layout (``assemble``) does not rename it."""
    active: bool = False
    """On an expression: a differentiated value (a rule's result, in ``reverse``; a
    call's, in ``calls``), so ``syntax.is_atomic`` does not call it cheap to recompute."""
    zero: bool = False
    """On a cotangent expression or the statement that assigns one: it may be the scalar
    ``0.0`` (an item of a container's adjoint, a rule's share, a callee's adjoint).
    Written by ``reverse``, ``reversers``, ``calls`` and ``container_reversal``;
    ``reverse``, ``reversers`` and ``zeros`` read it to guard what cannot take a plain zero."""
    guard: str | None = None
    """On the ``if _rt.nonzero(g):`` that ``zeros`` wraps around a group: the cotangent
    ``g`` it tests, which ``zeros`` knows is not zero inside."""
    restore: str | None = None
    """On a backward statement that puts a list back as it was (``xs.pop()`` for an
    ``append``): the list's name. Written by ``container_reversal``, which drops the
    restores nothing reads; ``condense`` does not take one for a tape's pop."""
    reads: frozenset = frozenset()
    """On the statement that calls a callee's backward: the names the call's record may
    hold (``calls``), which ``inplace`` counts as read by it."""

    # -- rewrites before reversal -----------------------------------------------------
    inplace: bool = False
    """On the ``x = x + e`` that ``normalize`` makes of ``x += e``: on an array the
    user's code changes ``x`` in place, which ``aliasing`` checks nothing else sees."""
    comprehension: bool = False
    """On the ``xs.append(v)`` that fills a comprehension's list (``container_rewrites``):
    the list has no other name while it is filled, so it is not a change by the user."""
    unpacked: bool = False
    """On a tuple display ``tuples`` made of a call's parts: indexing it takes a part."""
    default: bool = False
    """On the literal ``inline`` pastes for a rule's default parameter value
    (``inline.is_default``)."""
    callback: bool = False
    """On a name passed as a callback (``odeint(f, ...)``: ``f``), or a lambda's new
    name: ``lift`` passes a nested def's free variables along with it."""
    runtime: bool = False
    """On a ``_rt`` that ``lift`` wrote: not the user's name, so ``resolve`` leaves it."""
    super: bool = False
    """On the ``super(C, self)`` that ``instances`` made of ``super()``: already spelled out."""
    frozen: str | None = None
    """On ``d.method`` for a local frozen SciPy distribution ``d`` whose method ``frozen``
    does not unfreeze: the distribution's name, for its AD211 message."""
    resolved: object = None
    """On a callee a pass resolved itself (``frozen``'s unfrozen methods and runtime
    helpers, ``funcargs``' function made by a call): the function it names, never None.
    ``resolve.value_of`` answers it, and ``passed`` counts the callee as static."""

    def __deepcopy__(self, memo):
        # ``copy.deepcopy`` of a tree meets a Mark on many of its nodes. The facts are
        # names, flags and frozen collections of names, which copies may share, except ``resolved``:
        # a bound method is copied with its object, as it was when it had an attribute
        # of its own. Copying every field instead makes a transform ~10% slower.
        if self.resolved is None:
            return self
        return Mark(**{**vars(self), "resolved": copy.deepcopy(self.resolved, memo)})


_NONE = Mark()


def mark(node, **facts):
    """Record ``facts`` (fields of ``Mark``) on ``node``, keeping those it had; returns ``node``."""
    node.adgen = Mark(**{**vars(marks(node)), **facts})
    return node


def marks(node):
    """The ``Mark`` of ``node``: every field at its default when nothing was recorded."""
    return getattr(node, "adgen", _NONE)
