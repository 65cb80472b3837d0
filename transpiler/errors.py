"""Diagnostics: the code table, the ``Diagnostic`` record, the three exception
classes, and the one place that formats problems for users."""

import warnings
from dataclasses import asdict, dataclass

# code -> (title, explanation, supported rewrite or "")
CODES = {
    # AD1xx: syntax adgen does not differentiate (yet)
    "AD101": ("unsupported statement", "This kind of statement cannot be differentiated.", "Move it out of the differentiated function."),
    "AD102": ("unsupported expression", "This kind of expression cannot be differentiated.", "Compute it in a helper outside the differentiated function, or rewrite it with plain operators and NumPy calls."),
    "AD103": ("unsupported assignment target", "Only names, stores into a named array (`y[i] = v`, `y[i][j] = v`) and tuples of them (`a[t], b[t] = e`) can be assigned.", "Assign to a new name instead of storing into an attribute or starred target."),
    "AD104": ("unsupported signature", "A function with `*args` or `**kwargs` is differentiated for the arguments a call passes: `grad()` specialises it to each call, but `adgen emit`, `show` and `check` see no call.", "Take the gradient with `grad()`, or list the parameters explicitly."),
    "AD105": ("nested definition", "Classes defined inside the differentiated function are not supported, nor nested `def`s and lambdas other than plain helpers at the top of its body (`def f(...)`, `f = lambda ...`) that are only ever called.", "Define the helper at module level (or as a `def` at the top of the function's body that is only called)."),
    "AD106": ("unsupported control flow", "This control-flow construct is not supported where it stands.", "Move the conditional out into an `if` statement, or use `np.where`."),
    "AD107": ("reserved name", "Generated code needs this name for itself.", "Rename the variable."),
    "AD108": ("no source", "The function's source code cannot be found: it was typed at the plain REPL before Python 3.13, given with `python -c`, built by `exec()`, or its file is gone; or it is not Python and has no derivative rule.", "Put the function in a .py file and import it; IPython, Jupyter and the Python 3.13+ REPL keep what you type. For a function that is not Python, register a rule with `@defvjp`."),
    "AD109": ("statement without effect on the result", "A bare expression could mutate a value behind adgen's back.", "Assign its result to a name, or remove it."),
    "AD110": ("missing return", "The function must end with `return <expression>`.", "Return the value to differentiate."),
    "AD111": ("list changed in place has another name", "A list changed in place (`append`, `extend`, `pop`) must be a new list the function made, known by one name: the backward pass undoes the changes through that name.", "Make a copy (`ys = list(xs)`) before changing it, or build a new list instead."),
    "AD112": ("list arithmetic", "`+` or `*` on lists or tuples joins or repeats them: the gradient cannot tell their items apart.", "Build the list with `append`/`extend` (`xs = xs + [v]` is fine), or join arrays with `np.concatenate`."),
    "AD113": ("nested too deeply", "An expression or block is nested more deeply than adgen can transform within Python's recursion limit (a chain of a few hundred `+` is that deep).", "Split it into several statements (partial sums `t = a + b + ...; u = t + ...`), or call `grad` from a shallower stack."),
    # AD2xx: callees adgen cannot resolve, or without a derivative rule
    "AD201": ("no derivative rule", "A differentiated value flows into a function with no registered rule. This includes a gradient function (what `grad`, `value_and_grad`, `vjp` or `elementwise_grad` return) called inside the differentiated function: differentiating through another gradient needs forward mode and higher-order derivatives, which are planned (issue 17).", "Register one with `@defvjp` (the hint is a stub to fill in; `adgen check --stubs` writes them all to a file), or declare the function non-differentiable with `nondiff()`."),
    "AD202": ("unresolvable name", "The name is not defined where the function is defined.", "Define it at module level before calling the gradient."),
    "AD203": ("called function without source", "A differentiated value flows into a Python function of yours whose source cannot be found, so it cannot be differentiated.", "Define the function in a file (not through `exec()`), or register a `@defvjp` rule for it."),
    "AD204": ("arguments do not match the rule", "The call passes an argument the derivative rule does not accept.", "Pass only the arguments listed in the rule's signature."),
    "AD205": ("unsupported attribute", "This attribute of a differentiated array has no derivative rule.", "Use the equivalent NumPy function."),
    "AD206": ("spread arguments of unknown structure", "A call spreads arguments (`f(*t)`, `f(**d)`) into a derivative rule or a function of yours, and how many values `t` holds (or which keys `d` has) is not known when the gradient is made.", "Write the arguments out, or spread a display (`f(*(a, b))`, `f(**{'s': v})`), a name bound once to a tuple display, the tuple a function of yours returns, `x.shape` of an argument, or a repeated display whose count is known when the gradient is made (`f(*[a] * n)`, `n` a literal, a literal argument or default, `x.shape[0]`)."),
    "AD207": ("source is not the running code", "The source found for the function (or a function it calls) does not compile to the code that runs: its file was edited after it was imported, or another definition now stands at its line. Differentiating it would give the gradient of other code.", "Reload the module (`importlib.reload(module)`) or restart the kernel or program, then take the gradient again."),
    "AD208": ("module without a file", "An emitted gradient module finds the modules it reads by their files, and this function's module (or a module it reads) has none on disk (a notebook, `exec()`, `<stdin>`).", "Put the function in a file, or use `grad()` in the running program instead of `adgen emit`."),
    "AD209": ("object without a derivative rule for `[...]`", "A differentiated value is used inside `obj[...]`, where `obj` is not an array, list, tuple or dict (whose `[...]` only selects entries) and has no derivative rule: an index trick such as `np.s_`, `np.mgrid`, `np.ogrid` or an object of yours, whose result would otherwise count as a constant.", "Build the array with `np.concatenate`, `np.stack` or arithmetic; `np.r_[...]` and `np.c_[...]` of arrays, numbers and slices are differentiated."),
    "AD210": ("argument the derivative rule cannot take", "The derivative rule of this function cannot differentiate it with an argument given here (a function as `np.pad`'s mode, ...); the message says which.", "Use a form of the call the message names, or register your own rule with `@defvjp`."),
    "AD211": ("frozen distribution not differentiated here", "A frozen `scipy.stats` distribution (`norm(mu, s)`) is differentiated where its methods are called: `norm(mu, s).logpdf(x)`, a local `d = norm(mu, s)` called as `d.logpdf(x)`, `d.cdf(y)`, or a module-level `prior = norm(0.0, 1.0)` called as `prior.logpdf(t)`. Here a differentiated value reaches one used otherwise (passed to a function, stored, its `rvs`), or a method of a frozen distribution of a kind adgen does not unfreeze.", "Call the distribution's own method with the parameters (`norm.logpdf(x, mu, s)`), or call the frozen distribution's methods directly."),
    "AD212": ("function passed to a library function not differentiated", "A library function whose derivative rule needs the derivative of a function you pass it (`func` of `scipy.integrate.odeint`, `fun` of `solve_ivp`) gets one adgen cannot differentiate: a library or built-in function, one known only when the code runs, one called with a differentiated value it takes through `*args`, or arguments the rule needs written out (`args=(a, b)` as a tuple display, `tfirst` as a constant); the message says which.", "Pass a function of yours by its name (defined at module level, a nested def, or a lambda), wrapping a library function in one if need be, and write the arguments as the message says."),
    "AD214": ("has_aux result not a pair", "With `has_aux=True` (`--has-aux`) the function must return a pair `(loss, aux)`: a tuple or list of two, the value to differentiate and an auxiliary value passed through. A `return` gives something else: a tuple of another length, a dict, a number, `None`, the one value of a function such as `np.sum`.", "Return `loss, aux` on every path (`return loss, None` where there is nothing else to return), or leave `has_aux` out."),
    "AD217": ("chained store that cannot be followed", "A chained store `a[i][j] = v` goes into a copy or into an item of a container: its first index is advanced as written (a list, a mask), so `a[i]` is a new array and NumPy drops the store; or `a` holds a list, tuple or dict, whose items the gradient cannot follow through a change.", "Write one index (`a[i, j] = v`); for a list of arrays, fill each array before putting it in the list, or keep them in one array (`a[k, j] = v`)."),
    "AD218": ("method of an object not followed", "A call goes through an object of yours (`self.f(x)`, `layer(x)`, `super().f(x)`) in a way adgen cannot follow when it makes the gradient: the result of a property called, `super()` where the class it starts after is unknown or not a global of its module, the items of a list or dict of objects of different classes indexed by a value known only at run time.", "Call a method of the object, or the base class's method by its name (`Base.f(self, x)`); keep objects of one class in a list that a loop goes over."),
    "AD219": ("object built in a way adgen does not follow", "A method (or `__call__`) is called on an object the function builds itself (`Loss().value(y, p)`, `m = Model(0.5); m(x)`), and what the object holds depends on a construction adgen does not follow statically: its class's `__init__` does more than store values in attributes (`self.a = ...`, locals, a base class's `__init__`), or the class defines `__new__`, `__post_init__`, `__slots__`, `__setattr__`/`__getattr__`, or has a metaclass; or `__init__` has no source.", "Build the object outside the differentiated function and pass it in (or read it from a global), or keep `__init__` to stores of its arguments into attributes."),
    "AD221": ("store into an array the caller holds", "A store `xs[k][j] = v` into an array held in a list or dict changes that array in place; here the list or dict may hold the caller's arrays (it is an argument, a copy of one such as `list(xs)`, or a global), which the change would reach.", "Put copies in the list first (`xs = [np.copy(a) for a in xs]`), or build new arrays instead of storing into them."),
    "AD222": ("call for its side effects changes a value", "A call that stands alone as a statement (a callback, a logger, a plotting helper) runs in the forward pass as it is and gets no gradient; the source of the function called (or of a function it calls) stores into an argument given a differentiated value, the caller's array, or an array of the function's own while another argument is differentiated (`u[i] = v`, `u += v`, `u.fill(...)`, `out=u`). The message names that store.", "Bind a new value in that function (`u = u + v`) instead of changing its argument, or pass it a copy."),
    "AD223": ("function parameter not known", "The differentiated function calls a function held by one of its parameters (`act(x)`, `fns[0](x)`, `for f in fns`), or by an item of one, and no call shows which: `grad()` makes the gradient for the function (or list, tuple or dict of functions) each call passes (or leaves as the parameter's default), but `adgen emit`, `show`, `check` and a gradient's `.source` see no call, and a value that is not a function (nor a container of them) cannot be resolved.", "Take the gradient with `grad()`, which is made for the function each call passes or leaves as the default (`grad(f)(x, np.tanh)`), or call the function by its name (`np.tanh(x)`)."),
    # AD3xx: not differentiable as used
    "AD301": ("bad wrt", "`wrt` must name parameters of the function, by position or by name.", "Pass an int, a parameter name, or a tuple of them."),
    "AD302": ("non-scalar result unpacked", "A tuple result can only be unpacked into names.", "Unpack it: `a, b = f(x)`."),
    "AD303": ("integer wrt (warning)", "The argument differentiated is an integer or a boolean; its gradient treats it as a real number, which means little for a count or an index.", "Pass a float (`float(n)`, `a.astype(float)`), or leave the argument out of `wrt`."),
    "AD304": ("result independent of wrt (warning)", "The result does not depend on a `wrt` parameter (it reaches only conditions, or values the result does not use), so its gradient is zero.", "Check that the parameter reaches the result as intended, or leave it out of `wrt`."),
    "AD305": ("in-place write into a shared value", "A store (`y[i] = v`, `y[i] += v`, `np.add.at`) goes into a value the function did not create as a new array: an argument (whose caller would see the change), a view of another array, what a conversion that may return its argument returned (`np.asarray`, `y.astype(t, copy=False)`), a list. Or a call changes a value in place (`out=`, `np.copyto`, `y.fill(...)`, a function of yours that changes its argument).", "Store into an array the function makes (`np.zeros(...)`, `x.copy()`), assign results instead of passing `out=`, and bind new values in your functions (`a = a + v`) instead of changing their arguments."),
    "AD306": ("read after an in-place write through another name", "The name may share memory with an array that an in-place write (`y[i] = v`, `y += v`) changed after the name was bound, so its value changed behind it.", "Bind the name after the write, or make it a copy where it is bound (`z = y[1:3].copy()`)."),
    "AD307": ("differentiated value stored into an integer array", "A store (`y[i] = v`, `y[i] += v`, `y += v`, `np.add.at`) puts a differentiated value into an array of integers or booleans, which truncates it: the stored value has no gradient.", "Make the array one of floats (`np.zeros(n)`, `y.astype(float)`), or round on purpose outside the differentiated path."),
    "AD309": ("array of a kind the gradient does not cover", "The function makes, or reads from a global or closure variable, a value whose operators or NumPy functions mean something else than for an ndarray: an `np.matrix` (`*` is a matrix product), a masked array (masked entries take no part), a character or record array, an array-like of another library. The gradient would be computed as if it were an ndarray.", "Use plain NumPy arrays (`np.asarray(m)`, `m.filled(...)`, `np.where(mask, ...)`) and `@` for matrix products."),
    "AD310": ("complex value without a complex rule", "A value that may be complex (a complex argument, literal such as `1j`, global, or the result of `np.fft`, `complex(...)`, `dtype=complex`) reaches a function whose derivative rule is not verified for complex values, a function that is piecewise constant only for real values (`np.sign`, `np.round`), or a call to your own function.", "Keep the complex part of the computation to functions with complex rules (arithmetic, `exp`, `log`, `sin`, ..., `abs`, `real`, `imag`, `conj`, `angle`, sums, products, reshaping, indexing, `@`, `einsum`, `inv`, `solve`, `det`), or split real and imaginary parts yourself."),
    "AD311": ("parameter the rule does not differentiate", "A differentiated value reaches a parameter that the function's derivative rule does not differentiate, although the function depends on it (the order `v` of `scipy.special.iv`, the shape `a` of `scipy.special.gammainc`).", "Pass a value there that does not depend on the `wrt` parameters, or register a rule of your own (`@defvjp`) that differentiates it."),
    # AD4xx: run-time checks in generated code
    "AD401": ("non-scalar result", "grad needs a scalar result.", "Use `vjp(f)` with a seed of the result's shape, or reduce the result (`np.sum`)."),
    "AD402": ("seed shape mismatch", "The seed passed to a vjp must have the result's shape.", "Pass a seed of the result's shape."),
    "AD403": ("argument shape mismatch", "A gradient module emitted with --shape was called with arguments of other shapes.", "Emit it again for those shapes, or without --shape."),
    "AD404": ("in-place store without a gradient", "A store picks some entry twice (repeated indices: NumPy keeps one of the values, which one is not defined), or stores into something other than a NumPy array.", "Use `np.add.at` to sum repeated entries; store only into NumPy arrays."),
    "AD405": ("list arithmetic", "`+` or `*` on lists or tuples joins or repeats them: the gradient cannot tell their items apart.", "Build the list with `append`/`extend`, or join arrays with `np.concatenate`."),
    "AD406": ("tape out of order (debug)", "In a gradient generated with `debug=True` (`emit --debug`), the backward pass popped something other than what the forward pass recorded for it: a bug in adgen.", "Report it with the source of your function."),
    "AD407": ("non-finite gradient (debug)", "In a gradient generated with `debug=True` (`emit --debug`), a backward statement made a NaN or an infinity; the message names your line and the values it read (`sqrt` or `log` at 0, a division by 0, an overflow).", "Keep the argument away from the singular point (`np.sqrt(x + eps)`), or handle it with `np.where`."),
    "AD408": ("in-place change refused at run time", "Checked when the gradient runs, where the types were not known when it was generated: a differentiated value stored into an array of integers or booleans (it is truncated, which has no gradient); `z += v` changing in place an array that was assumed to be a number while another name bound to it is read later; a function run as it is (not differentiated) changing an array it must leave as it was (a differentiated one, the caller's, or one the gradient reads; it is put back first); one array passed for two arguments that must not share memory.", "Store into an array of floats; bind a copy (`w = z.copy()`) or write `z = z + v`; in your function, bind a new value instead of changing its argument; pass a copy (`f(x, x.copy())`)."),
    "AD409": ("module not found by its file", "An emitted gradient module reads the globals of the module it was generated from, found by that module's file: no module loaded from that file is running, and importing the module by its name would load another file (or none).", "Import (or run) the module the gradient was generated from before using the gradient, or emit the gradient again next to it."),
    "AD410": ("argument of a kind the gradient does not cover", "When the gradient ran, an argument (or a value inside a list, tuple or dict argument, or an attribute of an object differentiated) was of a kind whose operators or NumPy functions mean something else than for an ndarray (`np.matrix`, a masked array, a character or record array, an array-like of another library), or complex where the gradient was generated for real arguments (a module written by `emit`); or an object indexed with a differentiated value computes from the index rather than selecting (AD209 when adgen sees the object statically).", "Pass plain NumPy arrays (`np.asarray(a)`), Python numbers, lists, tuples and dicts."),
    "AD411": ("derivative rule cannot take these values", "A derivative rule got, when the gradient ran, values it cannot differentiate (a function as `np.pad`'s mode, a cotangent on the undetermined columns of `np.linalg.svd`'s full factors, eigenvectors at a repeated eigenvalue, a rank-deficient `np.linalg.lstsq`, ...); the message says which.", "Change the call as the message says, or register your own rule with `@defvjp`."),
    "AD413": ("ODE adjoint solve failed", "The backward (adjoint) solve of an ODE solver's derivative rule (`scipy.integrate.odeint`, `solve_ivp`) did not succeed when the gradient ran: the solver stopped (too many steps, a step size too small), or the rule was called without the derivative of the function.", "Check that the forward solve succeeds at these tolerances; loosen `rtol`/`atol` or shorten the time span."),
    "AD414": ("has_aux result not a pair", "With `has_aux=True`, when the gradient ran, the function returned something other than a tuple or list of two `(loss, aux)` (an array, a tuple of three...). Checked at run time where the `return` does not show it.", "Return `loss, aux` on every path, or leave `has_aux` out."),
    "AD416": ("object gradient refused at run time", "When the gradient ran, a differentiated object (a dataclass, a namedtuple, an object with a `__dict__`, given for a `wrt` parameter or inside one) could not get a gradient of its own structure: an attribute read through it is not one the object holds (a property, a method, or computed by `__getattr__`); one it holds that carries a gradient is named like an attribute adgen reads as an array's (`T`, `real`, `imag`, `shape`, `size`, `ndim`, `dtype`); the object was used as an array; it refers to itself; or `copy.copy` of it returns the object itself.", "Read the attributes a property computes from (`p.W.T`, not a property `p.WT`), rename an attribute named like an array's, or pass the values as arrays, lists or dicts."),
    "AD419": ("chained store into a copy", "When the gradient ran, the first index of a chained store `a[i][j] = v` was not a basic index (integers, slices, `None`, `...`): `a[i]` was a copy (an integer array, a list, a mask, a 0-d array, a bool) and NumPy drops the store.", "Write one index (`a[i, j] = v`), or name the copy (`b = a[i]`, then `b[j] = v`) if that is what you mean."),
    "AD422": ("store into an item shared within a list", "When the gradient ran, a store `xs[k][j] = v` went into an array that another item of the same list or dict also holds (the same array twice, or views of one array), so the change would show in both; or the item was not an array (a nested list), whose items adgen does not follow through a store.", "Put copies in the list (`xs = [a.copy() for a in xs]`, `[np.zeros(n) for _ in range(k)]`), and keep arrays, not lists, as the items you store into."),
    # AD5xx: the environment: the cache folder and files adgen reads and writes
    "AD501": ("cache folder unusable (warning)", "The cache folder (`$ADGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/adgen`, else the platform's cache folder, such as `~/.cache/adgen`) cannot be made or written: it is under a file, read-only, or in a system folder such as /proc. Gradients still work; this process keeps them in memory.", "Point `ADGEN_CACHE_DIR` at a folder of yours that can be written."),
    "AD502": ("cache folder not safe (warning)", "The cache folder belongs to another user, or other users can write to it (or replace it: a folder above it is writable by all, without the sticky bit). A module planted there could run as you, so adgen does not use it (as ssh refuses such a `~/.ssh`); this process keeps gradients in memory.", "Use a folder only you can write to (`chmod 700`), or point `ADGEN_CACHE_DIR` at one."),
    "AD503": ("cached module changed (warning)", "A file in the cache folder has the name of a module adgen generated but not its text: it was edited, truncated, or planted. adgen never runs a file's contents, only the code it has just generated; it replaced the file with that code.", "If nobody else should write there, find out who did; `adgen cache clear` removes adgen's files."),
    "AD504": ("cannot write to the cache folder (warning)", "Writing a module to the cache folder failed (disk full, quota, permissions); the gradient is kept in memory.", "Free some space, or point `ADGEN_CACHE_DIR` at a folder that can be written."),
    "AD505": ("source outside the generated file's folder", "`adgen emit --check OUT` imports (runs) the source file OUT's header names; whoever wrote OUT chose that path, so adgen refuses one outside OUT's folder and its subfolders (links resolved).", "Name the source yourself: `adgen emit --check OUT --source FILE`."),
    "AD506": ("not resolvable without importing", "`adgen check --no-import` reads the file without running it, so a name bound by code that runs only on import (`SPRING = Spring(3.0, 1.0)`, a function a factory returns, `exec`, an installed module not loaded yet, `from m import *` of such a module) is unknown: a call of it is an error (what it does is unknown), a read of it a warning (what kind of value it is, say an `np.matrix`, is unknown).", "Check the file with `adgen check` (which imports it, running its top-level code), or bind the name with a `def`, an import or a literal."),
}


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

    def add(self, code, node, message, hint="", fix=""):
        self.items.append(self._at(node, code, message, hint, fix))

    def warn(self, code, node, message, hint=""):
        """Issue a Python warning (``AdgenWarning``) pointing at the user's line."""
        diag = self._at(node, code, message, hint, severity="warning")
        warnings.warn_explicit(AdgenWarning(diag), AdgenWarning, diag.filename, diag.line)

    def _at(self, node, code, message, hint, fix="", severity="error"):
        line = getattr(node, "lineno", 1) or 1
        col = (getattr(node, "col_offset", 0) or 0) + 1
        end_line = getattr(node, "end_lineno", line)
        end_col = (getattr(node, "end_col_offset", 0) or 0) + 1 if end_line == line else 0
        source_line = self.src.line(line)
        return Diagnostic(code, message, self.src.filename, line, col, end_col, source_line, hint, severity, fix)

    def raise_if_any(self):
        errors = [d for d in self.items if d.severity == "error"]
        if errors:
            raise TranspileError(sorted(errors, key=lambda d: (d.line, d.col)))
