"""The run-time checks' errors (codes AD4xx): ``GradientError`` and every message it
carries, each named for its situation under its code. (The codes' titles and hints are
in the transpiler's ``errors.CODES``; the runtime does not import the transpiler.)

A check passes only the variable parts: ``raise errors.AD402_SEED_SHAPE.error(seed=..., result=...)``.
It lives below the helpers that raise it, so every runtime module (``core``, ``trees``,
``kinds``) imports it from below.
"""

from dataclasses import dataclass


class GradientError(ValueError):
    """A run-time check in generated code failed (codes AD4xx)."""

    def __init__(self, code, message):
        super().__init__(f"{code} {message}")
        self.code = code


@dataclass(frozen=True)
class Message:
    """One kind of run-time failure: its code and its text with ``{fields}``."""

    code: str
    text: str

    def error(self, **parts):
        """The ``GradientError`` of this message with ``parts`` filled in."""
        return GradientError(self.code, self.text.format(**parts))


_BUG = "(a bug in adgen: please report it)"
_UNSEEN = (
    "complex values appeared where adgen saw none (a function of yours or another library's that returns "
    "complex values? Python's ** of a negative float?); make the complex values visible to adgen (pass them "
    "as arguments, write 1j or complex(...)), or keep the computation real"
)

# AD401 non-scalar result
AD401_NOT_SCALAR = Message("AD401", "grad needs a scalar result, but the function returned a {kind}; use vjp(f) and pass a seed of the same structure")
AD401_COMPLEX = Message(
    "AD401",
    "grad needs a real scalar result, but the function returned a complex number; "
    "return its real part, imaginary part or absolute value (np.real, np.imag, np.abs)",
)
AD401_SHAPE = Message(
    "AD401",
    "grad needs a scalar result, but the function returned a value of shape {shape}; "
    "use vjp(f) and pass a seed of that shape, or reduce the result (e.g. np.sum)",
)
AD401_ELEMENTWISE = Message(
    "AD401",
    "elementwise_grad needs an array or a number as the result, but the function returned a {kind}; "
    "use vjp(f) and pass a seed of the same structure",
)
# AD402 seed shape mismatch
AD402_SEED_SHAPE = Message("AD402", "the seed has shape {seed} but the result has shape {result}")
AD402_SEED_DTYPE = Message("AD402", "the seed must hold numbers, not {dtype}")
AD402_SEED_STRUCTURE = Message("AD402", "the seed {seed!r} does not have the structure of the result {result!r}")
# AD403 argument shape mismatch
AD403_ARGUMENT_SHAPE = Message(
    "AD403",
    "this gradient was generated for {name} of shape {shape}, but {name} has shape {actual}; "
    "generate it for that shape, or without --shape for any shape",
)
# AD404 in-place store without a gradient
AD404_REPEATED_INDEX = Message(
    "AD404",
    "an in-place store picks some entry twice (repeated indices): which value "
    "NumPy keeps is not defined, so it has no gradient; use np.add.at to sum repeats",
)
AD404_NOT_AN_ARRAY = Message("AD404", "in-place stores are differentiated only into NumPy arrays, not {kind}; build a new value instead")
# AD405 list arithmetic
AD405_LIST_ARITHMETIC = Message("AD405", "`+` or `*` joined or repeated lists or tuples; build the list with append/extend instead")
# AD406 tape out of order (debug)
AD406_EMPTY_TAPE = Message("AD406", "the backward pass pops {tag} from an empty tape " + _BUG)
AD406_OUT_OF_ORDER = Message("AD406", "the backward pass pops {tag} where the tape holds {recorded} (a bug in adgen: please report it with your function)")
AD406_NOT_EMPTIED = Message("AD406", "{count} recorded values were never popped, the last for {tag} " + _BUG)
# AD407 non-finite gradient (debug)
AD407_NOT_FINITE = Message("AD407", "the gradient is not finite after {where}: {name} = {value}")
AD407_NOT_FINITE_WITH = Message("AD407", "the gradient is not finite after {where}: {name} = {value} (with {read})")
# AD408 in-place change refused at run time
AD408_INTEGER_ARRAY = Message(
    "AD408",
    "a differentiated value is stored into an array of {dtype}, which truncates it: "
    "the stored value has no gradient; store into an array of floats",
)
AD408_NOT_A_NUMBER = Message(
    "AD408",
    "{where}; here it is {kind}, so the change would show through "
    "the other name too: bind a copy there (`w = z.copy()`), or write `z = z + v`",
)
AD408_SHARED_ARGUMENTS = Message("AD408", "{where}; they do here: pass a copy (`f(x, x.copy())`)")
AD408_CHANGED = Message("AD408", "{where}; it did, so the gradient would be wrong: bind a new value in that function instead")
AD408_CANNOT_FOLLOW = Message("AD408", "a {kind} is passed to a call adgen cannot follow, which may change it in place")
# AD409 module not found by its file
AD409_NOT_BOUND = Message("AD409", "module {name!r} is not bound in this copy of the gradient module: call the gradient grad() returns")
AD409_NOT_RUNNING = Message(
    "AD409",
    "{file} reads the globals of {target}, which no running module was loaded from, "
    "and importing {prefix!r} {found}: import or run {target_file} before using its gradient",
)
# AD410 argument of a kind the gradient does not cover
AD410_SEED = Message("AD410", "the seed is {why}; pass a plain NumPy array")
AD410_ARGUMENT = Message("AD410", "the argument `{name}` is {why}; pass plain NumPy arrays (np.asarray) and Python numbers")
AD410_ATTRIBUTE = Message("AD410", "the attribute `{name}` of a {kind} is {why}; hold plain NumPy arrays and Python numbers in it")
AD410_INDEXED_OBJECT = Message(
    "AD410",
    "a {kind} is indexed with a differentiated value, and its [...] "
    "has no derivative rule (only indexing arrays, lists, tuples and dicts is differentiated through)",
)
# AD411 derivative rule cannot take these values
AD411_UNSEEN_COMPLEX = Message("AD411", _UNSEEN)
AD411_COMPLEX_GRADIENT = Message("AD411", "the gradient of a real argument came out complex: " + _UNSEEN)
AD411_RULE_REFUSES = Message("AD411", "{reason}")  # the rule's own reason, as at transform time (AD210)
_NO_GRADIENT_WHERE_RANK_CHANGES = "its solution jumps where the rank changes, so it has no gradient"
AD411_EIG_REPEATED_VALUES = Message(
    "AD411",
    "the eigenvalues of np.linalg.eig/eigvals are not differentiable one by one at a repeated "
    "eigenvalue (only their sum is): the result depends on the repeated eigenvalues separately",
)
AD411_EIG_REPEATED_VECTORS = Message(
    "AD411", "the eigenvectors of np.linalg.eig at a repeated eigenvalue are not determined by the matrix, so they have no gradient"
)
AD411_TIED_EIGENVECTORS = Message(
    "AD411",
    "the eigenvectors of {name} at a repeated eigenvalue are not determined by the matrix, "
    "so they have no gradient (those of the other eigenvalues, and all eigenvalues, have one)",
)
AD411_QR_COMPLETE = Message(
    "AD411",
    "np.linalg.qr(a, mode='complete') of a tall `a`: the result depends on the columns of Q "
    "beyond a's n columns, which `a` does not determine, so it has no gradient; use mode='reduced'",
)
AD411_LSTSQ_RANK = Message(
    "AD411", "np.linalg.lstsq of a rank-deficient `a` (rank {rank} < {full}, as rcond decides): " + _NO_GRADIENT_WHERE_RANK_CHANGES
)
AD411_POLYFIT_RANK = Message(
    "AD411", "np.polyfit of a rank-deficient fit (rank {rank} < {order} coefficients, as rcond decides): " + _NO_GRADIENT_WHERE_RANK_CHANGES
)
AD411_REPEATED_ROOT = Message(
    "AD411",
    "np.roots at a repeated root: each of the repeated roots moves with the square root (or a higher root) "
    "of a change in the coefficients, so only their sum has a derivative; the result depends on them separately",
)
AD411_SINGULAR = Message("AD411", "{name} of a singular matrix: log|det| is -inf there and has no derivative")
AD411_SVD_FULL = Message(
    "AD411",
    "np.linalg.svd(a) of a non-square `a`: the result depends on the {what} beyond min(m, n), which `a` does not "
    "determine, so it has no gradient; call np.linalg.svd(a, full_matrices=False)",
)
AD411_PAD_FUNCTION = Message("AD411", "np.pad with a function as `mode` ({mode!r}) has no derivative rule; use one of NumPy's named modes")
AD411_NAN_QUANTILE_LAYOUT = Message(
    "AD411",
    "np.nanquantile and np.nanpercentile with a `q` of two or more dimensions and a tuple of some "
    "(not all) axes lay their result out unlike np.quantile (a NumPy quirk), and have no derivative "
    "rule here; reduce over one axis at a time, or pass a 1-D `q`",
)
AD411_ASSUME_A = Message("AD411", "assume_a={assume_a!r} has no derivative rule")
AD411_TRANS = Message("AD411", "trans={trans!r} is not one of 0, 1, 2, 'N', 'T', 'C'")
AD411_LU_SQUARE = Message("AD411", "scipy.linalg.lu_solve takes square matrices, not shape {shape}")
AD411_EIGH_TYPE = Message("AD411", "scipy.linalg.{name}(a, b, type={type!r}) has no derivative rule; only type=1")
AD411_SQRTM_COMPLEX = Message(
    "AD411", "scipy.linalg.sqrtm of this real matrix is complex (it has negative real eigenvalues); its rule takes real square roots only"
)
AD411_BANDED_STACK = Message("AD411", "the rule of scipy.linalg.solve_banded takes one banded matrix, not a stack of shape {shape}")
# AD413 ODE adjoint solve failed
AD413_NO_FUNC_VJP = Message("AD413", "the ODE solver's derivative rule was called without the VJP of its function (func_vjp)")
AD413_ADJOINT_FAILED = Message("AD413", "the adjoint solve of the ODE from t={start:g} to t={end:g} failed ({why})")
AD413_DFUN = Message("AD413", "odeint's derivative rule does not use Dfun; call odeint without it")
AD413_NO_T_EVAL = Message("AD413", "solve_ivp is differentiated at the times t_eval only, and none were passed")
AD413_NOT_REACHED = Message("AD413", "solve_ivp did not reach the end of t_span ({why}): sol.y lacks some of the times of t_eval")
# AD414 has_aux result not a pair
AD414_NOT_A_PAIR = Message("AD414", "has_aux=True: the function must return a pair (loss, aux), but at {where} it returned {what}")
# AD416 object gradient refused at run time
AD416_COMPUTED_ATTRIBUTE = Message(
    "AD416",
    "`.{name}` of a {kind} is not an attribute the object holds (a property, a method, or computed by `__getattr__`): "
    "its cotangent cannot be given to the object's attributes; read the attributes it is computed from instead",
)
AD416_REFERS_TO_ITSELF = Message("AD416", "a {kind} differentiated refers to itself through its attributes: its gradient would too")
AD416_COPY_IS_ITSELF = Message("AD416", "copy.copy of a {kind} returns the object itself, so its gradient cannot be another {kind}")
AD416_ARRAY_NAME = Message(
    "AD416",
    "the attribute `{name}` of a {kind} has the name of an array attribute (`x.{name}`), which adgen reads as the array's: rename the attribute",
)
AD416_USED_AS_ARRAY = Message("AD416", "a {kind} was used as an array: its cotangent is not one of its attributes'")
# AD419 chained store into a copy
AD419_COPY_INDEX = Message(
    "AD419",
    "a chained store `a[i][j] = v` has a first index of {kind}, which makes "
    "`a[i]` a copy: NumPy drops the store. Write one index (`a[i, j] = v`), or store "
    "into the copy by name (`b = a[i]` then `b[j] = v`) if that is what you mean",
)
# AD422 store into an item shared within a list
AD422_NOT_A_CONTAINER = Message(
    "AD422", "a store `xs[k][j] = v` went into an item of a {kind}: adgen follows stores into arrays held in a list, tuple or dict only"
)
AD422_NOT_AN_ARRAY = Message(
    "AD422", "a store `xs[k][j] = v` went into an item of type {kind}, not an array: adgen follows stores into arrays held in a list or dict only"
)
AD422_SHARED_ITEM = Message(
    "AD422",
    "a store `xs[{key!r}][j] = v` went into an array that item {other!r} of the same list or dict also holds "
    "(the same array twice, views of one array, or the array inside another item): the change would show in both. "
    "Put copies in the list (`xs = [a.copy() for a in xs]`, `[np.zeros(n) for _ in range(k)]`)",
)
AD422_NESTED_NOT_AN_ARRAY = Message(
    "AD422",
    "a store `xs[k][i][j] = v` went into an item of type {kind}, not an array: adgen follows stores into arrays held in a list, tuple or dict only",
)
