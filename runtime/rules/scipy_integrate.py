"""Rules for ``scipy.integrate``'s ODE solvers, registered when the user's code has
imported it (``registry.optional``): importing adgen never imports SciPy.

``odeint(func, y0, t, args=...)`` is differentiated with respect to ``y0``, the times
``t``, the items of ``args`` and the values the function ``func`` captures (a nested
``def`` or a ``lambda``), by the ADJOINT method, not by differentiating the solver's
steps. With ``a(t)`` the cotangent of the state and ``p`` that of the parameters,
between two output times the backward pass solves

    a' = -a^T df/dy,    p' = -a^T df/dp,

from the later time to the earlier, and adds the output's cotangent to ``a`` at each
output time. ``a^T df/dy`` and ``a^T df/dp`` are the VJP of the user's ``func``, which
the transpiler generates from its source and passes as ``func_vjp``
(``adgen.runtime.callbacks``). The state ``y(t)`` that the adjoint system reads is not
integrated backward (that is unstable where the forward decays fast, as in a stiff
system): each interval between output times is solved forward again from the output
recorded at its start, with dense output, and read from that interpolant. The times'
cotangents need no solve: ``dL/dt_i = g_i . f(y_i, t_i)`` for a later output time and
``dL/dt_0 = -a(t_0) . f(y_0, t_0)`` for the first.

Tolerances: the forward re-solves and the backward adjoint solves use the same ``rtol``
and ``atol`` as the forward call (``odeint``'s defaults, 1.49012e-8 each, when not
given; the smallest entry where they are arrays), and the same method (``LSODA`` for
``odeint``). The gradient is then as accurate as the forward solution, about ``rtol``
relative to its size. A solve that fails stops the gradient with AD413.

The forward call's other options (``hmax``, ``tcrit``, ``mxstep``; ``first_step``,
``max_step``) are not passed to the backward solves.

``solve_ivp(fun, t_span, y0, t_eval=..., args=...)`` is differentiated the same way, with
respect to ``y0``, the items of ``args`` and the values ``fun`` captures, at the times
``t_eval`` (``sol.y``; ``Rule.attribute``), with the call's method (``RK45`` by default)
and tolerances (its defaults 1e-3 and 1e-6 when not given). ``t_span`` and ``t_eval`` are
not differentiated (AD311).

Not differentiated, refused when the call is transpiled (AD210): ``odeint``'s ``Dfun``
(the adjoint does not use a Jacobian of yours; leave it out) and ``full_output=True``;
``solve_ivp`` without ``t_eval``, with ``dense_output=True``, ``events`` or ``jac``.
"""

import numpy as np
from scipy import integrate

import adgen.runtime as _rt
from adgen.runtime import errors
from adgen.runtime.registry import UNKNOWN, vjp

_ODEINT_TOL = 1.49012e-8


# -- the adjoint solve, for every solver -------------------------------------------


class _Dynamics:
    """The user's function ``func`` called as the solver calls it (``tfirst``: ``func(t,
    y, *args)``), and its VJP ``func_vjp`` with respect to the state and the
    differentiated parameters (the items of ``args`` and the captured values), flattened
    into one vector."""

    def __init__(self, func, func_vjp, args, tfirst, y_shape):
        if func_vjp is None:
            raise errors.AD413_NO_FUNC_VJP.error()
        self.func, self.func_vjp, self.args, self.tfirst, self.y_shape = func, func_vjp, tuple(args), tfirst, y_shape

    def f(self, y, s):
        y = np.reshape(y, self.y_shape)
        return np.ravel(self.func(s, y, *self.args) if self.tfirst else self.func(y, s, *self.args))

    def vjp(self, ct, y, s):
        """``(a^T df/dy, a^T df/dp)`` as flat vectors, ``ct`` being ``a``."""
        y = np.reshape(y, self.y_shape)
        ct = np.reshape(ct, self.out_shape)
        dargs, dfunc = self.func_vjp(ct, *((s, y) if self.tfirst else (y, s)), *self.args)
        dy = dargs[1 if self.tfirst else 0]
        leaves = list(dargs[2:]) + list(dfunc or ())
        flat = [np.ravel(c) for c, used in zip(leaves, self.used) if used]
        return np.ravel(dy), np.concatenate(flat) if flat else np.zeros(0)

    def start(self, y, s):
        """Learn the result's shape and which parameters are differentiated."""
        self.out_shape = np.shape(
            self.func(s, np.reshape(y, self.y_shape), *self.args) if self.tfirst else self.func(np.reshape(y, self.y_shape), s, *self.args)
        )
        self.used = None
        dargs, dfunc = self.func_vjp(
            np.zeros(self.out_shape), *((s, np.reshape(y, self.y_shape)) if self.tfirst else (np.reshape(y, self.y_shape), s)), *self.args
        )
        leaves = list(dargs[2:]) + list(dfunc or ())
        self.used = [c is not None for c in leaves]
        self.shapes = [np.shape(c) if c is not None else None for c in leaves]
        self.n_args = len(dargs) - 2

    def unflatten(self, p):
        """``(cotangents of args, cotangents of the captured values)``."""
        out, at = [], 0
        for shape in self.shapes:
            if shape is None:
                out.append(None)
                continue
            size = int(np.prod(shape))
            out.append(p[at : at + size].reshape(shape))
            at += size
        dfunc = list(out[self.n_args :]) if len(out) > self.n_args else None
        return tuple(out[: self.n_args]), dfunc


def _solve(fun, span, y, method, rtol, atol, dense=False):
    sol = integrate.solve_ivp(fun, span, y, method=method, rtol=rtol, atol=atol, dense_output=dense)
    if not sol.success:
        raise errors.AD413_ADJOINT_FAILED.error(start=span[0], end=span[1], why=sol.message)
    return sol


def _adjoint(g, ys, ts, dyn, method, rtol, atol):
    """``(dy0, dts, dp)``: the cotangents of the initial state (``ys[0]``, at ``ts[0]``),
    of the times ``ts`` and of the flattened parameters, from ``g``, those of the states
    ``ys`` (one row per time, flattened)."""
    count, n = ys.shape
    dyn.start(ys[-1], ts[-1])
    a = np.array(g[-1], dtype=float)
    p = np.zeros(sum(int(np.prod(s)) for s in dyn.shapes if s is not None))
    dts = np.zeros(count)
    for i in range(count - 1, 0, -1):
        dts[i] = np.dot(g[i], dyn.f(ys[i], ts[i]))
        if ts[i] != ts[i - 1]:
            path = _solve(lambda s, y: dyn.f(y, s), (ts[i - 1], ts[i]), ys[i - 1], method, rtol, atol, dense=True).sol

            def augmented(s, z, path=path):
                dy, dp = dyn.vjp(z[:n], path(s), s)
                return -np.concatenate([dy, dp])

            z = _solve(augmented, (ts[i], ts[i - 1]), np.concatenate([a, p]), method, rtol, atol).y[:, -1]
            a, p = z[:n], z[n:]
        if i == 1:
            dts[0] = -np.dot(a, dyn.f(ys[0], ts[0]))
        a = a + g[i - 1]
    return a, dts, p


def _tolerance(value, default):
    return default if value is None else float(np.min(value))


# -- odeint ------------------------------------------------------------------------


def _refuse_odeint(Dfun=None, full_output=0, **_):
    if Dfun is not None:
        return "Dfun (a Jacobian of your own) is not used by odeint's derivative rule, which differentiates func itself; leave Dfun out"
    if full_output:
        return "full_output=True returns a tuple with a dict of solver diagnostics, which is not differentiated; call odeint without it"
    return None


def _odeint_layout(tfirst=UNKNOWN, **_):
    """odeint calls ``func(y, t, *args)`` (``tfirst``: ``func(t, y, *args)``)."""
    if tfirst is UNKNOWN:
        return "odeint's tfirst must be written as a constant (True or False), to tell which argument of func is the state"
    return (False, True, "*args") if tfirst else (True, False, "*args")


def _odeint_adjoint(g, ans, func, y0, t, args, rtol, atol, tfirst, func_vjp, Dfun=None):
    if Dfun is not None:
        raise errors.AD413_DFUN.error()
    ys = np.asarray(ans, dtype=float)
    ts = np.asarray(t, dtype=float)
    g = np.broadcast_to(np.asarray(g, dtype=float), ys.shape).reshape(len(ts), -1)
    dyn = _Dynamics(func, func_vjp, args, tfirst, ys.shape[1:])
    a, dts, p = _rt.rules.scipy_integrate._adjoint(g, ys.reshape(len(ts), -1), ts, dyn, "LSODA", _tolerance(rtol, _ODEINT_TOL), _tolerance(atol, _ODEINT_TOL))
    dargs, dfunc = dyn.unflatten(p)
    return dfunc, a.reshape(np.shape(y0)), dts.reshape(np.shape(t)), list(dargs)


@vjp(integrate.odeint, refuse=_refuse_odeint, callbacks={"func": _odeint_layout})
def odeint(g, ans, func, y0, t, args=(), Dfun=None, col_deriv=0, full_output=0, ml=None, mu=None, rtol=None, atol=None, tcrit=None, h0=0.0, hmax=0.0,
           hmin=0.0, ixpr=0, mxstep=0, mxhnil=0, mxordn=12, mxords=5, printmessg=0, tfirst=False, *, func_vjp=None):
    dfunc, dy0, dt, dargs = _rt.rules.scipy_integrate._odeint_adjoint(g, ans, func, y0, t, args, rtol, atol, tfirst, func_vjp, Dfun)
    return dfunc, dy0, dt, dargs


# -- solve_ivp ---------------------------------------------------------------------


def _refuse_solve_ivp(t_eval=UNKNOWN, dense_output=False, events=None, jac=None, **_):
    if t_eval is None:
        return "solve_ivp is differentiated at the times t_eval only: pass t_eval (the times whose states sol.y holds)"
    if dense_output:
        return "dense_output=True makes sol.sol, an interpolant, which is not differentiated; pass t_eval with the times you need"
    if events is not None:
        return "events (and the times at which they occur) are not differentiated; call solve_ivp without them"
    if jac is not None:
        return "jac (a Jacobian of your own) is not used by solve_ivp's derivative rule, which differentiates fun itself; leave jac out"
    return None


def _solve_ivp_layout(**_):
    """solve_ivp calls ``fun(t, y, *args)``."""
    return (False, True, "*args")


def _solve_ivp_adjoint(g, ans, fun, t_span, y0, method, t_eval, args, rtol, atol, fun_vjp):
    if t_eval is None:
        raise errors.AD413_NO_T_EVAL.error()
    if not getattr(ans, "success", True):
        raise errors.AD413_NOT_REACHED.error(why=ans.message)
    states = np.asarray(getattr(ans, "y", ans), dtype=float)  # sol.y: one column per time of t_eval
    ts = np.asarray(t_eval, dtype=float)
    g = np.broadcast_to(np.asarray(g, dtype=float), states.shape).T
    ys = states.T
    y0 = np.asarray(y0, dtype=float)
    if len(ts) == 0 or ts[0] != t_span[0]:  # the initial state, with no cotangent of its own
        ts = np.concatenate([[float(t_span[0])], ts])
        ys = np.concatenate([y0.reshape(1, -1), ys])
        g = np.concatenate([np.zeros((1, ys.shape[1])), g])
    dyn = _Dynamics(fun, fun_vjp, () if args is None else args, True, y0.shape)
    a, _, p = _rt.rules.scipy_integrate._adjoint(g, ys, ts, dyn, method, _tolerance(rtol, 1e-3), _tolerance(atol, 1e-6))
    dargs, dfunc = dyn.unflatten(p)
    return dfunc, a.reshape(y0.shape), None if args is None else list(dargs)


@vjp(integrate.solve_ivp, refuse=_refuse_solve_ivp, callbacks={"fun": _solve_ivp_layout}, attribute="y", constant=("t_span", "t_eval"))
def solve_ivp(g, ans, fun, t_span, y0, method="RK45", t_eval=None, dense_output=False, events=None, vectorized=False, args=None, *,
              rtol=1e-3, atol=1e-6, first_step=None, max_step=None, jac=None, fun_vjp=None):
    dfun, dy0, dargs = _rt.rules.scipy_integrate._solve_ivp_adjoint(g, ans, fun, t_span, y0, method, t_eval, args, rtol, atol, fun_vjp)
    return dfun, None, dy0, None, None, None, None, None, dargs


# -- forward mode: the tangent of the state integrated beside it (forward sensitivity) ----------
#
# With ``s`` the tangent of the state, ``s' = df/dy s + df/dp dp`` from ``s(t0)`` the initial
# state's tangent; ``df/dy s + df/dp dp`` is the tangent of the user's function, which the
# transpiler generates and passes as ``func_jvp`` (``transpiler/forward_callbacks.py``):
# ``func_jvp(<the call's arguments>, <the state's tangent>, <the tangents of args' items>)``
# returns ``(value, tangent)``. The augmented system is solved by the same solver, with the
# same tolerances, as the call; each argument's contribution is solved on its own (the
# tangent is linear in them).

from adgen.runtime.callbacks import attribute as _attribute  # noqa: E402
from adgen.runtime.tangent_registry import jvp  # noqa: E402


class _Tangents:
    """The augmented right-hand side ``[f(y), df/dy s + df/dp dp]`` (flat) of one call."""

    def __init__(self, func_jvp, args, dargs, tfirst, y_shape):
        if func_jvp is None:
            raise errors.AD413_NO_FUNC_VJP.error()
        self.func_jvp, self.args, self.dargs, self.tfirst, self.y_shape = func_jvp, tuple(args), dargs, tfirst, y_shape
        self.n = int(np.prod(y_shape))

    def __call__(self, s, z):
        y, dy = np.reshape(z[: self.n], self.y_shape), np.reshape(z[self.n:], self.y_shape)
        called = (s, y) if self.tfirst else (y, s)
        value, tangent = self.func_jvp(*called, *self.args, dy, *(self.dargs or ()))
        return np.concatenate([np.ravel(value), np.ravel(tangent) * np.ones(self.n)])


def _odeint_sensitivity(func_jvp, ans, y0, t, args, tfirst, rtol, atol, ds0, dargs=None):
    """The tangent of odeint's states from the initial tangent ``ds0`` (and ``dargs``)."""
    shape = np.shape(ans)[1:]  # the state as odeint holds it (a number: one entry)
    rhs = _Tangents(func_jvp, args, dargs, tfirst, shape)
    z0 = np.concatenate([np.ravel(np.asarray(y0, dtype=float)), np.ravel(np.broadcast_to(ds0, shape))])
    z = integrate.odeint(lambda z, s: rhs(s, z), z0, t, rtol=_tolerance(rtol, _ODEINT_TOL), atol=_tolerance(atol, _ODEINT_TOL))
    return np.reshape(z[:, rhs.n:], np.shape(ans))


@jvp(integrate.odeint, arg=1)
def odeint_tangent_y0(tangent, ans, func, y0, t, args=(), Dfun=None, col_deriv=0, full_output=0, ml=None, mu=None, rtol=None, atol=None, tcrit=None,
                      h0=0.0, hmax=0.0, hmin=0.0, ixpr=0, mxstep=0, mxhnil=0, mxordn=12, mxords=5, printmessg=0, tfirst=False, *, func_vjp=None,
                      func_jvp=None):
    return _odeint_sensitivity(func_jvp, ans, y0, t, args, tfirst, rtol, atol, tangent)


@jvp(integrate.odeint, arg=3)
def odeint_tangent_args(tangent, ans, func, y0, t, args=(), Dfun=None, col_deriv=0, full_output=0, ml=None, mu=None, rtol=None, atol=None, tcrit=None,
                        h0=0.0, hmax=0.0, hmin=0.0, ixpr=0, mxstep=0, mxhnil=0, mxordn=12, mxords=5, printmessg=0, tfirst=False, *, func_vjp=None,
                        func_jvp=None):
    return _odeint_sensitivity(func_jvp, ans, y0, t, args, tfirst, rtol, atol, 0.0, tuple(tangent))


@jvp(integrate.odeint, arg=2)
def odeint_tangent_t(tangent, ans, func, y0, t, args=(), Dfun=None, col_deriv=0, full_output=0, ml=None, mu=None, rtol=None, atol=None, tcrit=None,
                     h0=0.0, hmax=0.0, hmin=0.0, ixpr=0, mxstep=0, mxhnil=0, mxordn=12, mxords=5, printmessg=0, tfirst=False, *, func_vjp=None,
                     func_jvp=None):
    """A later output time moves its state along f; the first one moves the start, which
    is the initial state's tangent -f(y0, t0) dt0."""
    ys, ts, dts = np.asarray(ans, dtype=float), np.asarray(t, dtype=float), np.broadcast_to(tangent, np.shape(t))
    slopes = np.stack([np.reshape(func(ts[k], ys[k], *args) if tfirst else func(ys[k], ts[k], *args), ys.shape[1:]) for k in range(len(ts))])
    moved = slopes * np.reshape(dts, (-1,) + (1,) * (ys.ndim - 1))
    return moved + _odeint_sensitivity(func_jvp, ans, y0, t, args, tfirst, rtol, atol, -slopes[0] * dts[0])


@jvp(integrate.solve_ivp, arg=2)
def solve_ivp_tangent_y0(tangent, ans, fun, t_span, y0, method="RK45", t_eval=None, dense_output=False, events=None, vectorized=False, args=None, *,
                         rtol=1e-3, atol=1e-6, first_step=None, max_step=None, jac=None, fun_vjp=None, fun_jvp=None):
    return _solve_ivp_sensitivity(fun_jvp, ans, t_span, y0, method, t_eval, args, rtol, atol, tangent)


@jvp(integrate.solve_ivp, arg=8)
def solve_ivp_tangent_args(tangent, ans, fun, t_span, y0, method="RK45", t_eval=None, dense_output=False, events=None, vectorized=False, args=None, *,
                           rtol=1e-3, atol=1e-6, first_step=None, max_step=None, jac=None, fun_vjp=None, fun_jvp=None):
    return _solve_ivp_sensitivity(fun_jvp, ans, t_span, y0, method, t_eval, args, rtol, atol, 0.0, tuple(tangent))


def _solve_ivp_sensitivity(fun_jvp, ans, t_span, y0, method, t_eval, args, rtol, atol, ds0, dargs=None):
    """The tangent of ``sol.y`` (one column per time of ``t_eval``), the tangent of the
    result (``sol.y`` reads it whole: ``attribute_tangent``)."""
    if t_eval is None:
        raise errors.AD413_NO_T_EVAL.error()
    y0 = np.asarray(y0, dtype=float)
    rhs = _Tangents(fun_jvp, () if args is None else args, dargs, True, y0.shape)
    z0 = np.concatenate([np.ravel(y0), np.ravel(np.broadcast_to(ds0, y0.shape))])
    sol = integrate.solve_ivp(rhs, t_span, z0, method=method, t_eval=t_eval, rtol=rtol, atol=atol)
    if not sol.success:
        raise errors.AD413_ADJOINT_FAILED.error(start=t_span[0], end=t_span[1], why=sol.message)
    return sol.y[rhs.n:]


@jvp(_attribute)
def attribute_tangent(t, ans, obj, name):
    # the tangent of a result of which one attribute is differentiated (sol.y) is that attribute's
    return t
