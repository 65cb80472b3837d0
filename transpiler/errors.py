"""Diagnostics: the code table, every message the transpiler reports (its text and
hint next to its code), the ``Diagnostic`` record, the three exception classes, and
the one place that formats problems for users.

A call site passes only the variable parts of a message:
``diags.report(node, errors.AD105_DECORATED, name=d.name)``.
"""

import contextlib
import string
import threading
import warnings
from dataclasses import asdict, dataclass

# code -> (title, explanation, supported rewrite or "")
CODES = {
    # AD1xx: syntax adgen does not differentiate (yet)
    "AD101": ("unsupported statement", "This kind of statement cannot be differentiated.", "Move it out of the differentiated function."),
    "AD102": ("unsupported expression",
              "This kind of expression cannot be differentiated.",
              "Compute it in a helper outside the differentiated function, or rewrite it with plain operators and NumPy calls."),
    "AD103": ("unsupported assignment target",
              "Only names, stores into a named array (`y[i] = v`, `y[i][j] = v`) and tuples of them (`a[t], b[t] = e`) can be assigned.",
              "Assign to a new name instead of storing into an attribute or starred target."),
    "AD104": ("unsupported signature",
              "A function with `*args` or `**kwargs` is differentiated for the arguments a call passes: `grad()` specialises it to each call, but "
              "`adgen emit`, `show` and `check` see no call.",
              "Take the gradient with `grad()`, or list the parameters explicitly."),
    "AD105": ("nested definition",
              "Classes defined inside the differentiated function are not supported, nor nested `def`s and lambdas other than plain helpers at the top of "
              "its body (`def f(...)`, `f = lambda ...`) that are only ever called.",
              "Define the helper at module level (or as a `def` at the top of the function's body that is only called)."),
    "AD106": ("unsupported control flow",
              "This control-flow construct is not supported where it stands.",
              "Move the conditional out into an `if` statement, or use `np.where`."),
    "AD107": ("reserved name", "Generated code needs this name for itself.", "Rename the variable."),
    "AD108": ("no source",
              "The function's source code cannot be found: it was typed at the plain REPL before Python 3.13, given with `python -c`, built by `exec()`, or "
              "its file is gone; or it is not Python and has no derivative rule.",
              "Put the function in a .py file and import it; IPython, Jupyter and the Python 3.13+ REPL keep what you type. For a function that is not "
              "Python, register a rule with `@defvjp`."),
    "AD109": ("statement without effect on the result",
              "A bare expression could mutate a value behind adgen's back.",
              "Assign its result to a name, or remove it."),
    "AD110": ("missing return", "The function must end with `return <expression>`.", "Return the value to differentiate."),
    "AD111": ("list changed in place has another name",
              "A list changed in place (`append`, `extend`, `pop`) must be a new list the function made, known by one name: the backward pass undoes the "
              "changes through that name.",
              "Make a copy (`ys = list(xs)`) before changing it, or build a new list instead."),
    "AD112": ("list arithmetic",
              "`+` or `*` on lists or tuples joins or repeats them: the gradient cannot tell their items apart.",
              "Build the list with `append`/`extend` (`xs = xs + [v]` is fine), or join arrays with `np.concatenate`."),
    "AD113": ("nested too deeply",
              "An expression or block is nested more deeply than adgen can transform within Python's recursion limit (a chain of a few hundred `+` is that "
              "deep).",
              "Split it into several statements (partial sums `t = a + b + ...; u = t + ...`), or call `grad` from a shallower stack."),
    # AD2xx: callees adgen cannot resolve, or without a derivative rule
    "AD201": ("no derivative rule",
              "A differentiated value flows into a function with no registered rule. This includes a gradient function other than `grad(g)` (what "
              "`value_and_grad`, `vjp` or `elementwise_grad` return, or `grad` with `has_aux` or `debug`) called on a differentiated value inside the "
              "differentiated function; `grad(g)` itself is differentiated through (a Hessian-vector product).",
              "Register one with `@defvjp` (the hint is a stub to fill in; `adgen check --stubs` writes them all to a file), or declare the function "
              "non-differentiable with `nondiff()`."),
    "AD202": ("unresolvable name", "The name is not defined where the function is defined.", "Define it at module level before calling the gradient."),
    "AD203": ("called function without source",
              "A differentiated value flows into a Python function of yours whose source cannot be found, so it cannot be differentiated.",
              "Define the function in a file (not through `exec()`), or register a `@defvjp` rule for it."),
    "AD204": ("arguments do not match the rule",
              "The call passes an argument the derivative rule does not accept.",
              "Pass only the arguments listed in the rule's signature."),
    "AD205": ("unsupported attribute", "This attribute of a differentiated array has no derivative rule.", "Use the equivalent NumPy function."),
    "AD206": ("spread arguments of unknown structure",
              "A call spreads arguments (`f(*t)`, `f(**d)`) into a derivative rule or a function of yours, and how many values `t` holds (or which keys `d` "
              "has) is not known when the gradient is made.",
              "Write the arguments out, or spread a display (`f(*(a, b))`, `f(**{'s': v})`), a name bound once to a tuple display, the tuple a function of "
              "yours returns, `x.shape` of an argument, or a repeated display whose count is known when the gradient is made (`f(*[a] * n)`, `n` a literal, "
              "a literal argument or default, `x.shape[0]`)."),
    "AD207": ("source is not the running code",
              "The source found for the function (or a function it calls) does not compile to the code that runs: its file was edited after it was imported, "
              "or another definition now stands at its line. Differentiating it would give the gradient of other code.",
              "Reload the module (`importlib.reload(module)`) or restart the kernel or program, then take the gradient again."),
    "AD208": ("module without a file",
              "An emitted gradient module finds the modules it reads by their files, and this function's module (or a module it reads) has none on disk (a "
              "notebook, `exec()`, `<stdin>`).",
              "Put the function in a file, or use `grad()` in the running program instead of `adgen emit`."),
    "AD209": ("object without a derivative rule for `[...]`",
              "A differentiated value is used inside `obj[...]`, where `obj` is not an array, list, tuple or dict (whose `[...]` only selects entries) and "
              "has no derivative rule: an index trick such as `np.s_`, `np.mgrid`, `np.ogrid` or an object of yours, whose result would otherwise count as a "
              "constant.",
              "Build the array with `np.concatenate`, `np.stack` or arithmetic; `np.r_[...]` and `np.c_[...]` of arrays, numbers and slices are "
              "differentiated."),
    "AD210": ("argument the derivative rule cannot take",
              "The derivative rule of this function cannot differentiate it with an argument given here (a function as `np.pad`'s mode, ...); the message "
              "says which.",
              "Use a form of the call the message names, or register your own rule with `@defvjp`."),
    "AD211": ("frozen distribution not differentiated here",
              "A frozen `scipy.stats` distribution (`norm(mu, s)`) is differentiated where its methods are called: `norm(mu, s).logpdf(x)`, a local "
              "`d = norm(mu, s)` called as `d.logpdf(x)`, `d.cdf(y)`, or a module-level `prior = norm(0.0, 1.0)` called as `prior.logpdf(t)`. Here a "
              "differentiated value reaches one used otherwise (passed to a function, stored, its `rvs`), or a method of a frozen distribution of a kind "
              "adgen does not unfreeze.",
              "Call the distribution's own method with the parameters (`norm.logpdf(x, mu, s)`), or call the frozen distribution's methods directly."),
    "AD212": ("function passed to a library function not differentiated",
              "A library function whose derivative rule needs the derivative of a function you pass it (`func` of `scipy.integrate.odeint`, `fun` of "
              "`solve_ivp`) gets one adgen cannot differentiate: a library or built-in function, one known only when the code runs, one called with a "
              "differentiated value it takes through `*args`, or arguments the rule needs written out (`args=(a, b)` as a tuple display, `tfirst` as a "
              "constant); the message says which.",
              "Pass a function of yours by its name (defined at module level, a nested def, or a lambda), wrapping a library function in one if need be, "
              "and write the arguments as the message says."),
    "AD214": ("has_aux result not a pair",
              "With `has_aux=True` (`--has-aux`) the function must return a pair `(loss, aux)`: a tuple or list of two, the value to differentiate and an "
              "auxiliary value passed through. A `return` gives something else: a tuple of another length, a dict, a number, `None`, the one value of a "
              "function such as `np.sum`.",
              "Return `loss, aux` on every path (`return loss, None` where there is nothing else to return), or leave `has_aux` out."),
    "AD217": ("chained store that cannot be followed",
              "A chained store `a[i][j] = v` goes into a copy or into an item of a container: its first index is advanced as written (a list, a mask), so "
              "`a[i]` is a new array and NumPy drops the store; or `a` holds a list, tuple or dict, whose items the gradient cannot follow through a change.",
              "Write one index (`a[i, j] = v`); for a list of arrays, fill each array before putting it in the list, or keep them in one array "
              "(`a[k, j] = v`)."),
    "AD218": ("method of an object not followed",
              "A call goes through an object of yours (`self.f(x)`, `layer(x)`, `super().f(x)`) in a way adgen cannot follow when it makes the gradient: the "
              "result of a property called, `super()` where the class it starts after is unknown or not a global of its module, the items of a list or dict "
              "of objects of different classes indexed by a value known only at run time.",
              "Call a method of the object, or the base class's method by its name (`Base.f(self, x)`); keep objects of one class in a list that a loop "
              "goes over."),
    "AD219": ("object built in a way adgen does not follow",
              "A method (or `__call__`) is called on an object the function builds itself (`Loss().value(y, p)`, `m = Model(0.5); m(x)`), and what the "
              "object holds depends on a construction adgen does not follow statically: its class's `__init__` does more than store values in attributes "
              "(`self.a = ...`, locals, a base class's `__init__`), or the class defines `__new__`, `__post_init__`, `__slots__`, "
              "`__setattr__`/`__getattr__`, or has a metaclass; or `__init__` has no source.",
              "Build the object outside the differentiated function and pass it in (or read it from a global), or keep `__init__` to stores of its "
              "arguments into attributes."),
    "AD221": ("store into an array the caller holds",
              "A store `xs[k][j] = v` into an array held in a list or dict changes that array in place; here the list or dict may hold the caller's arrays "
              "(it is an argument, a copy of one such as `list(xs)`, or a global), which the change would reach.",
              "Put copies in the list first (`xs = [np.copy(a) for a in xs]`), or build new arrays instead of storing into them."),
    "AD222": ("call for its side effects changes a value",
              "A call that stands alone as a statement (a callback, a logger, a plotting helper) runs in the forward pass as it is and gets no gradient; the "
              "source of the function called (or of a function it calls) stores into an argument given a differentiated value, the caller's array, or an "
              "array of the function's own while another argument is differentiated (`u[i] = v`, `u += v`, `u.fill(...)`, `out=u`). The message names that "
              "store.",
              "Bind a new value in that function (`u = u + v`) instead of changing its argument, or pass it a copy."),
    "AD223": ("function parameter not known",
              "The differentiated function calls a function held by one of its parameters (`act(x)`, `fns[0](x)`, `for f in fns`), or by an item of one, and "
              "no call shows which: `grad()` makes the gradient for the function (or list, tuple or dict of functions) each call passes (or leaves as the "
              "parameter's default), but `adgen emit`, `show`, `check` and a gradient's `.source` see no call, and a value that is not a function (nor a "
              "container of them) cannot be resolved.",
              "Take the gradient with `grad()`, which is made for the function each call passes or leaves as the default (`grad(f)(x, np.tanh)`), or call "
              "the function by its name (`np.tanh(x)`)."),
    "AD224": ("not differentiated in forward mode yet",
              "Forward mode (`jvp`, `adgen emit --mode forward`) covers assignments (tuple unpacking too), stores into arrays, branches and loops, "
              "calls to your own functions, lists, tuples, dicts and objects of differentiated values (appends, pops, reads, `sum`, `max`...), and "
              "the operations with a forward rule: every built-in reverse rule's counterpart but a few (`python tests/rules/test_forward_coverage.py` "
              "lists them). It does not handle other list methods (`insert`, `sort`), nested functions passed to a library, rules of yours with "
              "more than one statement, or complex values yet (issue 17).",
              "Take the product with reverse mode instead (`vjp`, or `grad` of `np.sum(f(x) * w)`), or write the step with NumPy operations forward "
              "mode covers."),
    # AD3xx: not differentiable as used
    "AD301": ("bad wrt", "`wrt` must name parameters of the function, by position or by name.", "Pass an int, a parameter name, or a tuple of them."),
    "AD302": ("non-scalar result unpacked", "A tuple result can only be unpacked into names.", "Unpack it: `a, b = f(x)`."),
    "AD303": ("integer wrt (warning)",
              "The argument differentiated is an integer or a boolean; its gradient treats it as a real number, which means little for a count or an index.",
              "Pass a float (`float(n)`, `a.astype(float)`), or leave the argument out of `wrt`."),
    "AD304": ("result independent of wrt (warning)",
              "The result does not depend on a `wrt` parameter (it reaches only conditions, or values the result does not use), so its gradient is zero.",
              "Check that the parameter reaches the result as intended, or leave it out of `wrt`."),
    "AD305": ("in-place write into a shared value",
              "A store (`y[i] = v`, `y[i] += v`, `np.add.at`) goes into a value the function did not create as a new array: an argument (whose caller would "
              "see the change), a view of another array, what a conversion that may return its argument returned (`np.asarray`, `y.astype(t, copy=False)`), "
              "a list. Or a call changes a value in place (`out=`, `np.copyto`, `y.fill(...)`, a function of yours that changes its argument).",
              "Store into an array the function makes (`np.zeros(...)`, `x.copy()`), assign results instead of passing `out=`, and bind new values in your "
              "functions (`a = a + v`) instead of changing their arguments."),
    "AD306": ("read after an in-place write through another name",
              "The name may share memory with an array that an in-place write (`y[i] = v`, `y += v`) changed after the name was bound, so its value changed "
              "behind it.",
              "Bind the name after the write, or make it a copy where it is bound (`z = y[1:3].copy()`)."),
    "AD307": ("differentiated value stored into an integer array",
              "A store (`y[i] = v`, `y[i] += v`, `y += v`, `np.add.at`) puts a differentiated value into an array of integers or booleans, which truncates "
              "it: the stored value has no gradient.",
              "Make the array one of floats (`np.zeros(n)`, `y.astype(float)`), or round on purpose outside the differentiated path."),
    "AD309": ("array of a kind the gradient does not cover",
              "The function makes, or reads from a global or closure variable, a value whose operators or NumPy functions mean something else than for an "
              "ndarray: an `np.matrix` (`*` is a matrix product), a masked array (masked entries take no part), a character or record array, an array-like "
              "of another library. The gradient would be computed as if it were an ndarray.",
              "Use plain NumPy arrays (`np.asarray(m)`, `m.filled(...)`, `np.where(mask, ...)`) and `@` for matrix products."),
    "AD310": ("complex value without a complex rule",
              "A value that may be complex (a complex argument, literal such as `1j`, global, or the result of `np.fft`, `complex(...)`, `dtype=complex`) "
              "reaches a function whose derivative rule is not verified for complex values, a function that is piecewise constant only for real values "
              "(`np.sign`, `np.round`), or a call to your own function.",
              "Keep the complex part of the computation to functions with complex rules (arithmetic, `exp`, `log`, `sin`, ..., `abs`, `real`, `imag`, "
              "`conj`, `angle`, sums, products, reshaping, indexing, `@`, `einsum`, `inv`, `solve`, `det`), or split real and imaginary parts yourself."),
    "AD311": ("parameter the rule does not differentiate",
              "A differentiated value reaches a parameter that the function's derivative rule does not differentiate, although the function depends on it "
              "(the order `v` of `scipy.special.iv`, the shape `a` of `scipy.special.gammainc`).",
              "Pass a value there that does not depend on the `wrt` parameters, or register a rule of your own (`@defvjp`) that differentiates it."),
    # AD4xx: run-time checks in generated code
    "AD401": ("non-scalar result", "grad needs a scalar result.", "Use `vjp(f)` with a seed of the result's shape, or reduce the result (`np.sum`)."),
    "AD402": ("seed shape mismatch", "The seed passed to a vjp must have the result's shape.", "Pass a seed of the result's shape."),
    "AD403": ("argument shape mismatch",
              "A gradient module emitted with --shape was called with arguments of other shapes.",
              "Emit it again for those shapes, or without --shape."),
    "AD404": ("in-place store without a gradient",
              "A store picks some entry twice (repeated indices: NumPy keeps one of the values, which one is not defined), or stores into something other "
              "than a NumPy array.",
              "Use `np.add.at` to sum repeated entries; store only into NumPy arrays."),
    "AD405": ("list arithmetic",
              "`+` or `*` on lists or tuples joins or repeats them: the gradient cannot tell their items apart.",
              "Build the list with `append`/`extend`, or join arrays with `np.concatenate`."),
    "AD406": ("tape out of order (debug)",
              "In a gradient generated with `debug=True` (`emit --debug`), the backward pass popped something other than what the forward pass recorded for "
              "it: a bug in adgen.",
              "Report it with the source of your function."),
    "AD407": ("non-finite gradient (debug)",
              "In a gradient generated with `debug=True` (`emit --debug`), a backward statement made a NaN or an infinity; the message names your line and "
              "the values it read (`sqrt` or `log` at 0, a division by 0, an overflow).",
              "Keep the argument away from the singular point (`np.sqrt(x + eps)`), or handle it with `np.where`."),
    "AD408": ("in-place change refused at run time",
              "Checked when the gradient runs, where the types were not known when it was generated: a differentiated value stored into an array of integers "
              "or booleans (it is truncated, which has no gradient); `z += v` changing in place an array that was assumed to be a number while another name "
              "bound to it is read later; a function run as it is (not differentiated) changing an array it must leave as it was (a differentiated one, the "
              "caller's, or one the gradient reads; it is put back first); one array passed for two arguments that must not share memory.",
              "Store into an array of floats; bind a copy (`w = z.copy()`) or write `z = z + v`; in your function, bind a new value instead of changing its "
              "argument; pass a copy (`f(x, x.copy())`)."),
    "AD409": ("module not found by its file",
              "An emitted gradient module reads the globals of the module it was generated from, found by that module's file: no module loaded from that "
              "file is running, and importing the module by its name would load another file (or none).",
              "Import (or run) the module the gradient was generated from before using the gradient, or emit the gradient again next to it."),
    "AD410": ("argument of a kind the gradient does not cover",
              "When the gradient ran, an argument (or a value inside a list, tuple or dict argument, or an attribute of an object differentiated) was of a "
              "kind whose operators or NumPy functions mean something else than for an ndarray (`np.matrix`, a masked array, a character or record array, an "
              "array-like of another library), or complex where the gradient was generated for real arguments (a module written by `emit`); or an object "
              "indexed with a differentiated value computes from the index rather than selecting (AD209 when adgen sees the object statically).",
              "Pass plain NumPy arrays (`np.asarray(a)`), Python numbers, lists, tuples and dicts."),
    "AD411": ("derivative rule cannot take these values",
              "A derivative rule got, when the gradient ran, values it cannot differentiate (a function as `np.pad`'s mode, a cotangent on the undetermined "
              "columns of `np.linalg.svd`'s full factors, eigenvectors at a repeated eigenvalue, a rank-deficient `np.linalg.lstsq`, ...); the message says "
              "which.",
              "Change the call as the message says, or register your own rule with `@defvjp`."),
    "AD413": ("ODE adjoint solve failed",
              "The backward (adjoint) solve of an ODE solver's derivative rule (`scipy.integrate.odeint`, `solve_ivp`) did not succeed when the gradient "
              "ran: the solver stopped (too many steps, a step size too small), or the rule was called without the derivative of the function.",
              "Check that the forward solve succeeds at these tolerances; loosen `rtol`/`atol` or shorten the time span."),
    "AD414": ("has_aux result not a pair",
              "With `has_aux=True`, when the gradient ran, the function returned something other than a tuple or list of two `(loss, aux)` (an array, a "
              "tuple of three...). Checked at run time where the `return` does not show it.",
              "Return `loss, aux` on every path, or leave `has_aux` out."),
    "AD416": ("object gradient refused at run time",
              "When the gradient ran, a differentiated object (a dataclass, a namedtuple, an object with a `__dict__`, given for a `wrt` parameter or inside "
              "one) could not get a gradient of its own structure: an attribute read through it is not one the object holds (a property, a method, or "
              "computed by `__getattr__`); one it holds that carries a gradient is named like an attribute adgen reads as an array's (`T`, `real`, `imag`, "
              "`shape`, `size`, `ndim`, `dtype`); the object was used as an array; it refers to itself; or `copy.copy` of it returns the object itself.",
              "Read the attributes a property computes from (`p.W.T`, not a property `p.WT`), rename an attribute named like an array's, or pass the values "
              "as arrays, lists or dicts."),
    "AD419": ("chained store into a copy",
              "When the gradient ran, the first index of a chained store `a[i][j] = v` was not a basic index (integers, slices, `None`, `...`): `a[i]` was a "
              "copy (an integer array, a list, a mask, a 0-d array, a bool) and NumPy drops the store.",
              "Write one index (`a[i, j] = v`), or name the copy (`b = a[i]`, then `b[j] = v`) if that is what you mean."),
    "AD422": ("store into an item shared within a list",
              "When the gradient ran, a store `xs[k][j] = v` went into an array that another item of the same list or dict also holds (the same array twice, "
              "or views of one array), so the change would show in both; or the item was not an array (a nested list), whose items adgen does not follow "
              "through a store.",
              "Put copies in the list (`xs = [a.copy() for a in xs]`, `[np.zeros(n) for _ in range(k)]`), and keep arrays, not lists, as the items you "
              "store into."),
    # AD5xx: the environment: the cache folder and files adgen reads and writes
    "AD501": ("cache folder unusable (warning)",
              "The cache folder (`$ADGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/adgen`, else the platform's cache folder, such as `~/.cache/adgen`) cannot be "
              "made or written: it is under a file, read-only, or in a system folder such as /proc. Gradients still work; this process keeps them in memory.",
              "Point `ADGEN_CACHE_DIR` at a folder of yours that can be written."),
    "AD502": ("cache folder not safe (warning)",
              "The cache folder belongs to another user, or other users can write to it (or replace it: a folder above it is writable by all, without the "
              "sticky bit). A module planted there could run as you, so adgen does not use it (as ssh refuses such a `~/.ssh`); this process keeps gradients "
              "in memory.",
              "Use a folder only you can write to (`chmod 700`), or point `ADGEN_CACHE_DIR` at one."),
    "AD503": ("cached module changed (warning)",
              "A file in the cache folder has the name of a module adgen generated but not its text: it was edited, truncated, or planted. adgen never runs "
              "such a file: it runs the code it has just generated, or a file kept for later processes whose SHA-256 is the one its manifest "
              "records; it replaced the file with that code.",
              "If nobody else should write there, find out who did; `adgen cache clear` removes adgen's files."),
    "AD504": ("cannot write to the cache folder (warning)",
              "Writing a module to the cache folder failed (disk full, quota, permissions); the gradient is kept in memory.",
              "Free some space, or point `ADGEN_CACHE_DIR` at a folder that can be written."),
    "AD505": ("source outside the generated file's folder",
              "`adgen emit --check OUT` imports (runs) the source file OUT's header names; whoever wrote OUT chose that path, so adgen refuses one outside "
              "OUT's folder and its subfolders (links resolved).",
              "Name the source yourself: `adgen emit --check OUT --source FILE`."),
    "AD506": ("not resolvable without importing",
              "`adgen check --no-import` reads the file without running it, so a name bound by code that runs only on import (`SPRING = Spring(3.0, 1.0)`, a "
              "function a factory returns, `exec`, an installed module not loaded yet, `from m import *` of such a module) is unknown: a call of it is an "
              "error (what it does is unknown), a read of it a warning (what kind of value it is, say an `np.matrix`, is unknown).",
              "Check the file with `adgen check` (which imports it, running its top-level code), or bind the name with a `def`, an import or a literal."),
}


@dataclass(frozen=True)
class Message:
    """One kind of problem: its code, its text with ``{fields}`` for the variable parts,
    and its hint (the code's rewrite when none is given, or when a field the hint
    names comes out empty)."""

    code: str
    text: str
    hint: str = ""

    def render(self, parts):
        """``(message, hint)`` with ``parts`` filled in."""
        hint = self.hint.format(**parts)
        if any(parts[f] == "" for f in _fields(self.hint)):
            hint = ""
        return self.text.format(**parts), hint or CODES[self.code][2]

    def at(self, filename, line, col, end_col=0, source_line="", /, severity="error", **parts):
        """The ``Diagnostic`` of this message at a position given outright."""
        message, hint = self.render(parts)
        return Diagnostic(self.code, message, filename, line, col, end_col, source_line, hint, severity)


def _fields(template):
    """The names of the ``{fields}`` in ``template``."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# ----------------------------------------------------------------------------------------
# The messages, by code; the hints several share first.

_ONLY_DEF = "only a `def` called directly, defined once at the top of the function's body, is supported"
_REGISTER_STUB = "register one before calling grad:\n{stub}"
_SPREAD_HINT = (
    "Write the arguments out (`f(a, b)`), or spread a tuple whose length adgen can see: a display "
    "`f(*(a, b))`, a name bound once to one (`t = (a, b)`), the tuple a function of yours returns "
    "(`f(*polar(r, t))`), `x.shape` of an argument, or a repeated display whose count is known when "
    "the gradient is made (`f(*[a] * 2)`, `f(*[a] * n)` with `n` a literal argument or default)."
)
_CALLBACK_HINT = (
    "pass a function of yours by its name: one defined at module level, a nested def or a lambda "
    "(wrap a library function in one: `def f(y, t): return np.sin(y)`)"
)
_BASE_BY_NAME = "Call the base class's method by its name: `Base.method(self, ...)`."

# AD101 unsupported statement
AD101_ASYNC_FUNCTION = Message("AD101", "`async` functions cannot be differentiated (they return a coroutine)")
AD101_STATEMENT = Message("AD101", "`{statement}` statements are not supported")
AD101_IMPORT = Message("AD101", "imports inside the function are not supported; import at module level")
# AD102 unsupported expression
AD102_EXPRESSION = Message("AD102", "`{expression}` expressions are not supported")
AD102_GENERATOR = Message("AD102", "generators (`{keyword}`) are not supported")
AD102_ASYNC_COMPREHENSION = Message("AD102", "`async for` in comprehensions is not supported")
AD102_BY_NAME = Message("AD102", "`{name}()` reads or runs code by name, which adgen cannot follow")
AD102_BY_NAME_ALIAS = Message("AD102", "`{written}` is `{name}()`, which reads or runs code by name: adgen cannot follow it")
AD102_DICT_POP = Message("AD102", "`d.pop(key)` on a dict is not supported", "read the item with `d[key]` instead")
AD102_DICT_SPREAD = Message("AD102", "`**` in a dict of differentiated values is not supported")
AD102_DIFFERENTIATED = Message("AD102", "`{expression}` expressions on differentiated values are not supported yet")
# AD103 unsupported assignment target
AD103_STORE_BASE = Message("AD103", "only a named array can be stored into: `a[i] = v`, `a[i][j] = v`")
AD103_NESTED_UNPACKING = Message("AD103", "nested unpacking is not supported yet")
AD103_STARRED = Message("AD103", "starred assignment targets are not supported")
AD103_TARGET = Message("AD103", "assigning to a {kind} is not supported yet")
AD103_RANGE_TARGET = Message("AD103", "a range yields numbers: loop over it with a single name")
AD103_LOOP_TARGET = Message("AD103", "loop targets must be names or tuples of names")
# AD104 unsupported signature
AD104_STAR_ARGS = Message("AD104", "`*{name}` is not supported")
AD104_STAR_KWARGS = Message("AD104", "`**{name}` is not supported")
# AD105 nested definition
AD105_NESTED_DEF = Message("AD105", "a nested `def` is supported only at the top level of the function's body")
AD105_ASYNC_DEF = Message("AD105", "nested function definitions are not supported")
AD105_CLASS = Message("AD105", "class definitions inside the function are not supported")
AD105_LAMBDA = Message("AD105", "lambdas inside the differentiated function are not supported")
AD105_DECORATED = Message("AD105", "nested function `{name}` has decorators; " + _ONLY_DEF)
AD105_REDEFINED = Message("AD105", "nested function `{name}` is defined or assigned more than once; " + _ONLY_DEF)
AD105_SHADOWS_BUILTIN = Message("AD105", "nested function `{name}` hides Python's builtin of that name; rename it")
AD105_DEFAULT = Message("AD105", "nested function `{name}` has a default that is not a literal")
AD105_AS_VALUE = Message("AD105", "nested function `{name}` is used as a value; " + _ONLY_DEF)
# AD106 unsupported control flow
AD106_CONDITIONAL = Message("AD106", "conditional expressions on differentiated values are not supported here (inside a comprehension or lambda)")
# AD107 reserved name
AD107_RESERVED = Message("AD107", "`{name}` is reserved for generated code")
AD107_RESERVED_PARAMETER = Message("AD107", "parameter `{name}` is reserved for generated code")
# AD108 no source
AD108_NO_SOURCE = Message(
    "AD108",
    "cannot find the source of the function: {why}",
    "Put the function in a .py file and import it (`from mymodule import f`), then call grad on it; "
    "IPython, Jupyter and the Python 3.13+ REPL keep what you type, so functions defined there work too.",
)
AD108_UNPARSABLE = Message("AD108", "cannot parse the file: {error}")
AD108_NOT_PYTHON = Message(
    "AD108",
    "{what} ({kind}) is not a Python function whose source adgen can read, nor one it has a derivative rule for",
    "Differentiate a function (def or lambda) that calls it; give it a derivative rule with @defvjp if it is not Python.",
)
# AD109 statement without effect on the result
AD109_BARE_EXPRESSION = Message("AD109", "a bare expression statement may change values behind adgen's back")
AD109_UFUNC_AT = Message(
    "AD109",
    "`{ufunc}` changes its first argument in place, which is differentiated only for np.add.at",
    "Compute the new values and store them: `y[i] = y[i] * v`.",
)
AD109_DICT_POP = Message("AD109", "`{receiver}.pop(key)` on a dict is not supported", "read the item with `d[key]` instead")
AD109_ONE_ARGUMENT = Message("AD109", "`{receiver}.{method}(...)` takes one argument here")
# AD110 missing return
AD110_NO_RETURN = Message("AD110", "the function must end with `return <expression>`")
AD110_EMPTY_RETURN = Message("AD110", "every `return` must return a value")
# AD111 list changed in place has another name
AD111_LOOP_CHANGES_LIST = Message(
    "AD111",
    "the loop changes `{name}`, the list it goes over",
    "loop over a copy (`for v in list({name}):`), or over `range(...)`",
)
AD111_NOT_NEW = Message(
    "AD111",
    "`{name}` is changed in place, so it must be a new list: this one may have another name",
    "make a copy: `{name} = list(...)`",
)
AD111_SECOND_NAME = Message(
    "AD111",
    "`{name}` is changed in place (append/extend/pop) and also has another name here",
    "use a copy here (`list({name})`), or build a new list instead of changing this one",
)
# AD112 list arithmetic
AD112_JOINED = Message(
    "AD112",
    "`+` and `*` on lists or tuples join or repeat them, which is not differentiated",
    "append the items (`xs = xs + [v]` and `xs.extend(ys)` are fine), or join arrays with np.concatenate",
)
# AD113 nested too deeply
AD113_STATEMENT_DEPTH = Message("AD113", "this statement nests expressions or blocks more than {depth} levels deep")
AD113_RECURSION = Message("AD113", "the function is nested too deeply to transform within Python's recursion limit ({limit})")
# AD201 no derivative rule
AD201_NO_RULE = Message("AD201", "no derivative rule for {name}", _REGISTER_STUB)
AD201_NO_RULE_OF_OBJECT = Message("AD201", "no derivative rule for {name} (a method of a {kind})", _REGISTER_STUB)
AD201_GRADIENT_CALLED = Message(
    "AD201",
    "`{name}` is a gradient function called on a differentiated value that adgen does not differentiate through: "
    "only a `grad(g)` function (without has_aux or debug), called with positional arguments, is (its derivative is a Hessian-vector product)",
    "Call `grad(g)` itself (`value_and_grad(g)(x)[1]` is `grad(g)(x)`, and `vjp(g)(x, w)` is `grad` of `np.sum(g(x) * w)`), "
    "or compute that gradient outside the differentiated function and pass it in as an argument.",
)
# AD202 unresolvable name
AD202_UNDEFINED = Message("AD202", "name `{name}` is not defined")
AD202_UNKNOWN_FUNCTION = Message("AD202", "cannot tell statically which function `{name}` is")
AD202_METHOD_OF_SELF = Message(
    "AD202",
    "cannot tell statically which function `{name}` is (a method of a value only known when the code runs)",
    "Call the method through its class, `ClassName.{method}({receiver}, ...)`, or make it a function.",
)
# AD203 called function without source
AD203_OWN_FUNCTION = Message("AD203", "calls to your own function `{name}` are not supported yet")
AD203_NO_SOURCE = Message("AD203", "cannot differentiate the call to `{name}`: {why}")
# AD204 arguments do not match the rule
AD204_RULE_ARGUMENTS = Message("AD204", "the derivative rule {rule} {error}", "its rule accepts: ({params})")
AD204_PARAMETERS = Message("AD204", "the call does not match {name}'s parameters: {error}")
# AD205 unsupported attribute
AD205_NO_ATTRIBUTE = Message("AD205", "arrays have no attribute `{name}`")
AD205_NO_METHOD = Message("AD205", "arrays have no method `{name}`")
AD205_CONTAINER_METHOD = Message(
    "AD205",
    "arrays have no method `{name}` (list and dict methods other than append, extend, pop, items, keys and values are not differentiated)",
)
AD205_NO_RULE = Message("AD205", "no derivative rule for {name}", _REGISTER_STUB)
# AD206 spread arguments of unknown structure
AD206_UNKNOWN_SPREAD = Message(
    "AD206",
    "the number of arguments (or the keywords) this call passes to `{name}` is not known statically",
    _SPREAD_HINT,
)
# AD207 source is not the running code
AD207_STALE = Message(
    "AD207",
    "the source of the {what} in {file} is not the code that runs: "
    "the file was changed after it was imported (or another definition now stands at its line)",
    "Reload the module (`importlib.reload(module)`) or restart the kernel or program, then take the gradient again.",
)
# AD208 module without a file
AD208_NO_FILE = Message("AD208", "the gradient reads the globals of module {name!r}, which has no file ({path}) an emitted module could find it by")
# AD209 object without a derivative rule for `[...]`
AD209_INDEX_OBJECT = Message(
    "AD209",
    "no derivative rule for {label} (an object of type {kind}) on a differentiated value",
    "index tricks other than np.r_ and np.c_ are not differentiated: build the array with np.concatenate, np.stack or arithmetic",
)
# AD210 argument the derivative rule cannot take
AD210_RULE_REFUSES = Message("AD210", "{reason}")
# AD211 frozen distribution not differentiated here
AD211_FROZEN_METHOD = Message(
    "AD211",
    "the method `{method}` of a frozen {kind} distribution is not differentiated",
    "Call the distribution's own method with the parameters, such as `{kind}.{method}(x, <parameters>)`; "
    "frozen distributions are differentiated for the methods {methods}.",
)
AD211_FROZEN_USED = Message(
    "AD211",
    "a frozen {name} distribution of differentiated parameters is used other than by calling its methods",
    "Call its methods directly (`{name}(mu, s).logpdf(x)`, or `d = {name}(mu, s)` used only as `d.logpdf(x)`, `d.cdf(y)`), "
    "or call the distribution's method with the parameters: `{name}.logpdf(x, mu, s)`.",
)
AD211_LOCAL_METHOD = Message(
    "AD211",
    "the method `{method}` of the frozen {kind} distribution `{name}` is not differentiated",
    "Call the distribution's own method with the parameters (`{kind}.{method}(..., <parameters>)`); "
    "the methods differentiated on a frozen {kind} are {methods}.",
)
AD211_UNKNOWN_VALUE = Message(
    "AD211",
    "cannot tell statically what `{name}` is: if it is a frozen scipy.stats distribution, its `{method}` is differentiated only where "
    "the distribution is frozen in the same function (`d = norm(mu, s)`) or at module level",
    "Pass the parameters instead of the frozen distribution, and call the distribution's method: `norm.{method}(x, mu, s)`.",
)
# AD212 function passed to a library function not differentiated
AD212_RULE_REFUSES = Message("AD212", "{reason}")
AD212_NOT_YOURS = Message(
    "AD212",
    "`{name}`, passed to {label} as `{param}`, is not a function of yours whose source adgen can differentiate",
    _CALLBACK_HINT,
)
AD212_UNKNOWN = Message("AD212", "adgen cannot tell statically which function `{name}` (passed to {label} as `{param}`) is", _CALLBACK_HINT)
AD212_STAR_ARGS = Message(
    "AD212",
    "{label} calls `{name}` with more arguments than it names as parameters ({params}): a differentiated one would reach its *args",
    "name every parameter the library passes",
)
AD212_TUPLE_RESULT = Message(
    "AD212",
    "`{name}` returns a tuple display; as {label}'s `{param}` it must return an array or a list",
    "return `np.array([...])` or a list",
)
AD212_AFTER_UNKNOWN = Message("AD212", "{label}'s `{param}` takes arguments after an unknown number of others")
AD212_ARGS_DISPLAY = Message(
    "AD212",
    "the differentiated values passed to {label} as `{param}` must be written as a tuple display",
    "write `{param}=(a, b)`",
)
# AD214 has_aux result not a pair
AD214_NOT_A_PAIR = Message("AD214", "has_aux=True: the function must return a pair `(loss, aux)`, but it returns {what} here")
# AD217 chained store that cannot be followed
AD217_ADVANCED_INDEX = Message(
    "AD217",
    "`{name}[...][...] = ...` stores into a copy: this first index is advanced (a list or a mask), so `{name}[...]` is a new array and NumPy drops the store",
    "Write one index (`{name}[i, j] = v`), or name the copy (`b = {name}[idx]`, `b[j] = v`) if that is what you mean.",
)
AD217_LIST_SLICE = Message(
    "AD217",
    "stores into `{name}[...]`, a slice of a list (or a tuple key) that is a new list: the store goes into an item of it",
    "Store into one item at a time: `for k in range(a, b): {name}[k][j] = v`.",
)
# AD218 method of an object not followed
AD218_MIXED_CLASSES = Message(
    "AD218",
    "`{name}` takes items of `{seq}`, which holds objects of different classes: adgen cannot tell which class's method `{name}(...)` runs",
    "Keep objects of one class in the list, or call each by a constant index (`layers[0](x)`).",
)
AD218_PROPERTY = Message(
    "AD218",
    "`{name}(...)` calls what a property of class {cls} returns, which adgen does not follow",
    "Call a method, or read the property into a name outside the differentiated function and pass it.",
)
AD218_SUPER_UNKNOWN = Message("AD218", "adgen cannot tell which class `super()` starts after here", _BASE_BY_NAME)
AD218_SUPER_NOT_GLOBAL = Message(
    "AD218", "`super()` here names a class that is not a global of its module, which generated code cannot reach", _BASE_BY_NAME
)
# AD219 object built in a way adgen does not follow
AD219_CHANGED = Message(
    "AD219",
    "`{name}(...)` changes an object built in the function (line {line}: `{text}`), so adgen cannot tell what it holds afterwards",
    "Build the object with what it should hold (`__init__`), or build it outside the differentiated function and pass it in.",
)
AD219_CONSTRUCTION = Message(
    "AD219",
    "`{name}(...)` calls a method of an object of class {cls} built here, whose construction adgen does not follow: {why}",
    "Build the object outside the differentiated function and pass it in, or keep `__init__` to stores of its arguments into attributes.",
)
AD219_COMPUTED_FUNCTION = Message(
    "AD219",
    "adgen cannot tell which function `{name}` is: {why}",
    "Store the function itself in `__init__` (`self.f = f`, `self.f = np.tanh`), or build the object outside the differentiated function and pass it in.",
)
# AD221 store into an array the caller holds
AD221_CALLERS_ITEM = Message(
    "AD221",
    "stores into an array held in `{name}`, which may be {what}: the caller's array would change",
    "Put copies in the list first (`{name} = [np.copy(a) for a in {name}]`, `{{k: np.copy(a) for k, a in {name}.items()}}`), or build new arrays instead of "
    "storing.",
)
# AD222 call for its side effects changes a value
AD222_CHANGES_ARGUMENT = Message(
    "AD222",
    "`{name}` runs here for its side effects (it is not differentiated), and changes its argument `{param}` in place, given `{arg}`, {what}: {file}:{line}: "
    "`{text}`",
    "In `{name}`, bind a new value (`{param} = ...`) instead of changing its argument, or pass a copy (`{arg}.copy()`).",
)
# AD223 function parameter not known
AD223_PARAMETER_FUNCTION = Message("AD223", "`{name}` calls a function held by the parameter `{param}`, which is known only when the function is called")
# AD224 not differentiated in forward mode yet
AD224_NO_RULE = Message("AD224", "no forward-mode rule for {name}")
AD224_OWN_FUNCTION = Message("AD224", "forward mode does not follow calls to your own function `{name}` yet")
AD224_STATEMENT = Message("AD224", "forward mode does not differentiate this kind of statement ({kind}) yet")
AD224_EXPRESSION = Message("AD224", "forward mode does not differentiate this kind of expression ({kind}) yet")
AD224_LOOP = Message("AD224", "forward mode walks a loop over an active value only when it is a name and the loop's target a name (`for row in X`)")
AD224_STORE = Message("AD224", "forward mode does not store an active value into `{name}`, which does not vary")
AD224_SPREAD = Message("AD224", "forward mode does not differentiate a call with spread arguments yet")
AD224_CALL = Message("AD224", "forward mode does not differentiate the call to `{name}` yet")
AD224_COMPLEX = Message("AD224", "forward mode does not differentiate complex values yet")
AD224_SPREAD_DISPLAY = Message("AD224", "forward mode does not differentiate a list, tuple or dict display with `*` or `**` spread in it yet")
AD224_WRITTEN_CALL = Message("AD224", "forward mode differentiates `{name}` only called with its positional arguments, none spread")
AD224_CONTAINER_METHOD = Message("AD224", "forward mode does not differentiate `.{method}()` with these arguments yet "
                                          "(`append(v)`, `extend(vs)`, `pop()` and `pop(i)` it does)")
AD224_NESTED_CALLBACK = Message("AD224", "forward mode does not pass a nested def or lambda to {name} yet (as `{param}`)",
                                "Define the function at module level and pass the values it captured through the solver's `args`.")
AD224_NESTED_TARGET = Message("AD224", "forward mode does not unpack into a nested or starred tuple yet")
AD224_SEQUENCE_SUM = Message("AD224", "forward mode does not add the tangents of several arguments of {name}, whose result is a sequence, yet")
# AD301 bad wrt
AD301_ENTRY = Message("AD301", "wrt entries must be ints or parameter names, not {item!r}")
AD301_OUT_OF_RANGE = Message("AD301", "wrt={item} but {name} takes {count} parameters ({params})")
AD301_NOT_A_PARAMETER = Message("AD301", "wrt names {item!r}, which is not a parameter of {name} ({params})")
AD301_NOT_DISTINCT = Message("AD301", "wrt must name distinct parameters, got {wrt!r}")
# AD302 non-scalar result unpacked
AD302_TUPLE_RESULT = Message("AD302", "{name} returns a tuple: unpack it into names (`a, b = ...`)")
AD302_TUPLE_RESULT_VARIANTS = Message(
    "AD302",
    "{name} returns a tuple: unpack it into names (`a, b = ...`) (an argument that makes it return one array, "
    "such as `compute_uv=False` or `mode='r'`, must be written as a constant)",
)
AD302_NOT_A_DISPLAY = Message("AD302", "unpacking the result of {name} needs it to return a tuple display (`return a, b`)")
# AD303 integer wrt (warning)
AD303_INTEGER_WRT = Message("AD303", "differentiating with respect to `{name}`, which is {kind}: its gradient treats it as a real number")
# AD304 result independent of wrt (warning)
AD304_UNUSED = Message("AD304", "the result does not depend on `{name}` (its gradient is zero): `{name}` is not used")
AD304_LAST_USE = Message(
    "AD304", "the result does not depend on `{name}` (its gradient is zero): the last use of `{name}`, or of a value computed from it, is here"
)
# AD305 in-place write into a shared value
AD305_CALL_CHANGES = Message("AD305", "{how}", "Assign a new value instead: `y = np.sort(y)`, `y[...] = 0.0`, or the result of the call.")
AD305_STORES_INTO_OBJECT = Message(
    "AD305",
    "`{name}` stores into `{obj}` (a {kind}) and runs as it is here (it is not differentiated), so the gradient would not see the change",
    "Set the attribute before taking the gradient, or pass what `{name}` sets as an argument.",
)
AD305_MAY_CHANGE_ARGUMENT = Message(
    "AD305",
    "`{name}` may change its argument `{arg}` in place, and runs as it is here (it is not differentiated)",
    "In `{name}`, bind a new value (`a = a + v`) instead of changing its argument (`a += v`, `a[i] = v`), or pass a copy.",
)
AD305_STORE = Message(
    "AD305",
    "stores into `{name}`, which may be {what}",
    "Store only into arrays the function creates: `{name} = np.zeros(...)`, or a copy: `{name} = {name}.copy()`.",
)
AD305_GLOBAL = Message(
    "AD305",
    "stores into `{name}`, a global variable: the change would outlive the call",
    "Store into a copy the function makes: `g = G.copy()`, `g[i] = v`.",
)
# AD306 read after an in-place write through another name
AD306_SHARED_NAME = Message(
    "AD306",
    "reads `{name}`, which may share memory with an array an earlier in-place change changed",
    "Bind `{name}` after the change, or make it a copy where it is bound (`.copy()`).",
)
AD306_OUTSIDE_VALUE = Message(
    "AD306",
    "reads `{name}` (a global or closure value) after an earlier in-place change may have changed it",
    "Read `{name}` before the change, or make the change on a copy (`y = y.copy()` first).",
)
AD306_OUTSIDE_VALUE_READS = Message(
    "AD306",
    "reads `{name}` (a global or closure value, which reads {reached}) after an earlier in-place change may have changed it",
    "Read `{name}` before the change, or make the change on a copy (`y = y.copy()` first).",
)
# AD307 differentiated value stored into an integer array
AD307_INTEGER_STORE = Message(
    "AD307",
    "stores a differentiated value into `{name}`, an array of integers or booleans: the value is truncated, which has no gradient",
    "Make `{name}` an array of floats (`np.zeros(n)`, `{name}.astype(float)`), or store `int(...)` on purpose.",
)
# AD309 array of a kind the gradient does not cover
AD309_ODD_VALUE = Message("AD309", "`{name}` is {why}")
AD309_ODD_MAKER = Message("AD309", "`{name}` makes {made}, whose operators and NumPy functions mean something else than for an ndarray")
# AD310 complex value without a complex rule
AD310_OWN_FUNCTION = Message("AD310", "calls to your own functions with complex values are not differentiated")
AD310_NOT_PIECEWISE_CONSTANT = Message("AD310", "{name} of a complex value is not piecewise constant, and has no derivative rule")
AD310_NOT_VERIFIED = Message("AD310", "the derivative rule of {name} is not verified for complex values, which may reach it here")
# AD311 parameter the rule does not differentiate
AD311_CONSTANT_PARAMETER = Message(
    "AD311", "the derivative rule {rule} does not differentiate its parameter `{param}`, which a differentiated value reaches here"
)
# AD501 cache folder unusable (warning)
AD501_CANNOT_MAKE = Message("AD501", "cannot make the cache folder: {error}; gradients are kept in memory")
AD501_NOT_A_FOLDER = Message("AD501", "the cache folder is not a folder; gradients are kept in memory")
AD501_NOT_WRITABLE = Message("AD501", "cannot write in the cache folder; gradients are kept in memory")
# AD502 cache folder not safe (warning)
AD502_UNSAFE = Message("AD502", "not using the cache folder: {why}, so a file planted there could run as you; gradients are kept in memory")
# AD503 cached module changed (warning)
AD503_CHANGED = Message("AD503", "this cached module is not the code adgen generated for it (edited, truncated or planted); it was not run, and is replaced")
# AD504 cannot write to the cache folder (warning)
AD504_WRITE_FAILED = Message("AD504", "cannot write a module to the cache folder ({error}); gradients are kept in memory")
# AD505 source outside the generated file's folder
AD505_OUTSIDE = Message(
    "AD505",
    "{out}: its header names the source {shown}, outside the file's folder {tree}; not importing (running) it. To check it, name the source yourself: {redo}",
)
# AD506 not resolvable without importing
AD506_CALL = Message(
    "AD506",
    "`{name}` is bound by code that runs only when {file} is imported (line {line}): without importing it, adgen cannot tell what this calls",
)
AD506_CALL_IMPORTED = Message(
    "AD506",
    "`{name}` is bound by code that runs only when {file} is imported (an import adgen does not follow): "
    "without importing it, adgen cannot tell what this calls",
)
AD506_READ = Message(
    "AD506",
    "`{name}` is bound by code that runs only when {file} is imported (line {line}): without importing it, adgen cannot see what it is "
    "(an np.matrix or a masked array, say, which it refuses when it can see them)",
)
AD506_STAR_IMPORT = Message("AD506", "`{name}` may come from `from {module} import *`, a module adgen does not read")


def markdown_table():
    """``CODES`` as the Markdown table of the README's "Error codes" section."""
    rows = ["| code | title | meaning | rewrite |", "|---|---|---|---|"]
    for code, (title, meaning, rewrite) in CODES.items():
        cells = [code, title, meaning, rewrite or "-"]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows) + "\n"


@dataclass
class Diagnostic:
    """One problem in the user's code, at the user's real file position."""

    code: str
    message: str
    filename: str
    line: int
    col: int  # 1-based
    end_col: int = 0  # 1-based, exclusive; 0 = to the end of the source line
    source_line: str = ""
    hint: str = ""
    severity: str = "error"
    fix: str = ""  # code that fixes the problem once completed (AD201: a rule stub), or ""

    def __post_init__(self):
        if not self.hint:
            self.hint = CODES.get(self.code, ("", "", ""))[2]

    def render(self):
        where = f"{self.filename}:{self.line}:{self.col}" if self.line else self.filename  # line 0: a file or folder
        head = f"{where}: {self.code} {self.message}"
        parts = [head]
        if self.source_line:
            text = self.source_line.rstrip("\n")
            parts.append("    " + text)
            end = self.end_col if self.end_col > self.col else len(text) + 1
            parts.append("    " + " " * (self.col - 1) + "^" * max(1, end - self.col))
        if self.hint:
            parts.append("hint: " + self.hint.replace("\n", "\n    "))
        return "\n".join(parts)

    def as_dict(self):
        return asdict(self)


class AdgenError(Exception):
    """Base class of everything adgen raises on purpose."""


class TranspileError(AdgenError):
    """The user's code cannot be differentiated as written; holds every diagnostic."""

    def __init__(self, diagnostics):
        self.diagnostics = list(diagnostics)
        super().__init__("\n\n".join(d.render() for d in self.diagnostics))


class AdgenWarning(UserWarning):
    """A construct adgen differentiates, but probably not as meant (codes AD3xx), or a cache
    folder or file it cannot use (AD5xx); holds its diagnostic."""

    def __init__(self, diagnostic):
        self.diagnostic = diagnostic
        super().__init__(diagnostic.render())


class RuleError(AdgenError):
    """A derivative rule is malformed or misbehaved; names the rule."""

    def __init__(self, rule_name, problem):
        self.rule_name = rule_name
        super().__init__(f"derivative rule {rule_name}: {problem}")


class InternalError(AdgenError):
    """A bug in adgen itself; names the pass that failed."""

    def __init__(self, pass_name, detail):
        self.pass_name = pass_name
        super().__init__(
            f"internal error in the {pass_name} pass: {detail}\n"
            "This is a bug in adgen. Please report it with the source of the function you differentiated."
        )


class Diagnostics:
    """Collects diagnostics for one function; positions come from its ``Source``."""

    def __init__(self, src):
        self.src = src
        self.items = []

    def report(self, node, message, fix="", **parts):
        """Record the error ``message`` at ``node``, with ``parts`` filled in; ``fix``:
        code that fixes it once completed (a rule stub)."""
        diag = self._at(node, message, parts, "error")
        diag.fix = fix
        self.items.append(diag)

    def warn(self, node, message, **parts):
        """Issue a Python warning (``AdgenWarning``) pointing at the user's line."""
        diag = self._at(node, message, parts, "warning")
        heard = getattr(_heard, "items", None)
        if heard is not None:
            heard.append(diag)
        issue(diag)

    def _at(self, node, message, parts, severity):
        line = getattr(node, "lineno", 1) or 1
        col = (getattr(node, "col_offset", 0) or 0) + 1
        end_line = getattr(node, "end_lineno", line)
        end_col = (getattr(node, "end_col_offset", 0) or 0) + 1 if end_line == line else 0
        return message.at(self.src.filename, line, col, end_col, self.src.line(line), severity=severity, **parts)

    def raise_if_any(self):
        errors = [d for d in self.items if d.severity == "error"]
        if errors:
            raise TranspileError(sorted(errors, key=lambda d: (d.line, d.col)))


_heard = threading.local()  # .items: the list ``hearing`` collects into, in this thread


def issue(diag):
    """Issue the warning diagnostic ``diag`` at the user's line it names."""
    warnings.warn_explicit(AdgenWarning(diag), AdgenWarning, diag.filename, diag.line)


@contextlib.contextmanager
def hearing():
    """A list of the warning diagnostics ``Diagnostics.warn`` issues in this thread
    meanwhile (a gradient kept on disk keeps them, to issue them again where it is
    loaded: ``persist.py``)."""
    outer = getattr(_heard, "items", None)
    _heard.items = heard = []
    try:
        yield heard
    finally:
        _heard.items = outer
        if outer is not None:
            outer.extend(heard)
