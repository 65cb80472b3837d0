"""The generated functions ``grad()`` runs, bound to the real globals of the user's modules.

A gradient module's text names the modules it reads by name and file
(``runtime/modules.py``), and one text may serve functions whose globals differ (the
same file loaded twice). ``grad()`` imports the text without binding anything, then
gives its functions a namespace of their own in which each module alias is the running
function's module itself: no import by name, whatever the module is called
(``__main__``, ``my-model``, one never put in ``sys.modules``).
"""

import sys
import types


class Globals:
    """A module's globals read as attributes (``model.W``), for a module ``sys.modules``
    does not hold (``runpy.run_path``, ``importlib.util.module_from_spec``)."""

    def __init__(self, namespace):
        self.__dict__ = namespace  # the dict itself: later changes are seen

    def __repr__(self):
        return f"<globals of {self.__dict__.get('__name__', '?')}>"


def namespace(globals_):
    """The module whose globals these are, or a ``Globals`` view of them."""
    module = sys.modules.get(globals_.get("__name__"))
    if module is not None and getattr(module, "__dict__", None) is globals_:
        return module
    return Globals(globals_)


def bound(module, modules):
    """The functions of the gradient ``module`` in a namespace of their own where each
    alias of ``modules`` (alias -> ``source.Binding``) is that module's real globals."""
    space = dict(module.__dict__)
    space.update({alias: namespace(binding.globals) for alias, binding in modules.items()})
    for name, value in module.__dict__.items():
        if isinstance(value, types.FunctionType) and value.__globals__ is module.__dict__:
            fn = types.FunctionType(value.__code__, space, value.__name__, value.__defaults__, value.__closure__)
            fn.__kwdefaults__ = value.__kwdefaults__
            fn.__qualname__, fn.__doc__, fn.__module__ = value.__qualname__, value.__doc__, value.__module__
            space[name] = fn
    return space
