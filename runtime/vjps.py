"""The built-in derivative rules by their own names, whichever family file holds them:
generated code calls a rule it does not paste as ``_rt.vjps.<name>(g, ans, ...)``, so a
committed gradient does not change when a rule moves between files. No two built-in
rules share a name (``tests/rules/test_public_surface.py``)."""

from adgen.runtime import registry


def __getattr__(name):
    rule = named().get(name)
    if rule is None:
        raise AttributeError(f"adgen has no built-in derivative rule named {name!r}")
    globals()[name] = rule
    return rule


def named():
    """``{name: rule function}`` over every built-in rule registered now (variants and
    complex forms included), the optional libraries' where they are loaded."""
    found = {}
    for _, rule in registry.rules():
        for fn in _functions(rule):
            if fn.__module__.startswith("adgen.runtime."):
                found.setdefault(fn.__name__, fn)
    return found


def _functions(rule):
    yield rule.fn
    for _, variant in rule.variants:
        yield from _functions(variant)
    alternative = rule.complex
    if not isinstance(alternative, bool) and alternative is not None:
        yield alternative.fn if isinstance(alternative, registry.Rule) else alternative
