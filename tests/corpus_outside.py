"""Issue 15, item 10: functions from public repositories adgen's authors did not write.

Each excerpt lives in ``tests/outside_code/`` (one module per source file, so each keeps its
own names), with a comment giving its repository, commit, path, licence and exactly what was
changed. This file lists the functions differentiated: the function, builders of its
arguments (from a seeded ``numpy.random.Generator``), ``wrt``, and the status on main today:

- ``"pass"``: the gradient agrees with central finite differences;
- ``"coded"``: adgen refuses it with the diagnostic ``code``; ``item`` names the item of
  issue 15 it waits on (``ITEMS``: 0 is refused by design, 11 a limit outside issue 15);

No entry may be expected to give a wrong gradient: one that does is a failing test. When
the construct an entry waits on lands, flipping it is the edit ``"coded"`` -> ``"pass"``.
``tests/test_corpus_outside.py`` checks every entry; ``python tests/corpus_outside.py``
prints the table of what each entry does now, with the pass / coded / wrong / error counts.
"""

import sys
import warnings
from dataclasses import dataclass

import numpy as np

from outside_code import (
    autograd_bayesian_neural_net as bnn,
    autograd_convnet as convnet,
    autograd_deep_gp as deep_gp,
    autograd_fluidsim as fluidsim,
    autograd_gan as gan,
    autograd_gplvm as gplvm,
    autograd_logistic_regression as logreg,
    autograd_lstm as lstm,
    autograd_neural_net as neural_net,
    autograd_neural_net_regression as nn_regression,
    autograd_ode_net as ode_net,
    autograd_rnn as rnn,
    autograd_rosenbrock as rosenbrock,
    autograd_sinusoid as sinusoid,
    autograd_sinusoid_taylor as sinusoid_taylor,
    autograd_tanh as tanh,
    autograd_vae as vae,
    autograd_wing as wing,
    filterpy_discretization as discretization,
    filterpy_kalman as kalman,
    filterpy_sigma_points as sigma_points,
    filterpy_stats as stats,
    mlfromscratch_nn as mlfs_nn,
    mlfromscratch_regression as mlfs_regression,
    mnielsen_network2 as network2,
    pmocz_nbody as nbody,
    pmocz_sph as sph,
)

ITEMS = {
    0: "refused by design (try, generators: 'still refused' in issue 15)",
    1: "objects and methods",
    2: "non-literal defaults",
    3: "*args / **kwargs and star calls",
    4: "integers from shapes",
    5: "calls for their side effects",
    6: "function values",
    7: "several subscript targets / chained stores",
    8: "has_aux and size-1 results",
    9: "finite gradients at masked singularities",
    11: "not an item of issue 15: a limit this corpus found (see the entry's code)",
}


@dataclass(frozen=True)
class Entry:
    fn: object
    builders: tuple
    wrt: object
    status: str  # "pass" or "coded"
    source: str  # repository and path
    item: int = None  # the issue-15 item a "coded" entry waits on
    code: str = None  # the diagnostic a "coded" entry raises today
    rtol: float = 1e-4  # how closely forward mode must agree with finite differences

    @property
    def name(self):
        module = getattr(self.fn, "__module__", "") or ""
        return f"{module.rsplit('.', 1)[-1]}.{getattr(self.fn, '__qualname__', type(self.fn).__name__)}"


ENTRIES = []


def entry(fn, *builders, wrt=0, status="pass", source, item=None, code=None, rtol=1e-4):
    ENTRIES.append(Entry(fn, builders, wrt, status, source, item, code, rtol))


# -- argument builders ------------------------------------------------------------------------


def vec(n, low=-1.0, high=1.0):
    return lambda r: r.uniform(low, high, n)


def mat(*shape, low=-1.0, high=1.0):
    return lambda r: r.uniform(low, high, shape)


def scalar(low=-1.0, high=1.0):
    return lambda r: float(r.uniform(low, high))


def const(value):
    return lambda r: value


def layers(*sizes, scale=0.5):
    """A list of (weights, bias) tuples, as the autograd examples' init_random_params builds."""
    return lambda r: [(scale * r.standard_normal((m, n)), scale * r.standard_normal(n)) for m, n in zip(sizes[:-1], sizes[1:])]


def one_hot(n, k):
    return lambda r: np.eye(k)[r.integers(0, k, n)]


def spd(n, scale=0.3):
    def build(r):
        a = r.uniform(-scale, scale, (n, n))
        return a @ a.T + np.eye(n)

    return build


def spd_stack(m, n):
    return lambda r: np.stack([spd(n)(r) for _ in range(m)])


def rnn_params(r):  # the shapes create_rnn_params makes: input 3, state 4, output 3
    return {"init hiddens": 0.3 * r.standard_normal((1, 4)), "change": 0.3 * r.standard_normal((3 + 4 + 1, 4)),
            "predict": 0.3 * r.standard_normal((4 + 1, 3))}


def lstm_params(r):  # the shapes init_lstm_params makes: input 3, state 4, output 3
    gates = {k: 0.3 * r.standard_normal((3 + 4 + 1, 4)) for k in ("change", "forget", "ingate", "outgate")}
    return {"init cells": 0.3 * r.standard_normal((1, 4)), "init hiddens": 0.3 * r.standard_normal((1, 4)),
            **gates, "predict": 0.3 * r.standard_normal((4 + 1, 3))}


def sequences(r):  # one-hot sequences: 3 time steps, 2 examples, 3 symbols
    return np.eye(3)[r.integers(0, 3, (3, 2))]


def net_data(r):  # (x, y) pairs for mnielsen's Network([3, 4, 2])
    return [(r.uniform(-1, 1, (3, 1)), r.uniform(0.1, 0.9, (2, 1))) for _ in range(3)]


def separated(n, d=3):
    """n points in d dimensions at least 0.3 apart (finite differences stay away from collisions)."""

    def build(r):
        pos = r.uniform(-1.0, 1.0, (n, d))
        while min(np.linalg.norm(pos[i] - pos[j]) for i in range(n) for j in range(i)) < 0.3:
            pos = r.uniform(-1.0, 1.0, (n, d))
        return pos

    return build


A = "HIPS/autograd examples/"
F = "rlabbe/filterpy filterpy/"
M = "eriklindernoren/ML-From-Scratch mlfromscratch/"

# -- HIPS/autograd examples (MIT) ---------------------------------------------------------------

entry(logreg.training_loss, vec(3), source=A + "logistic_regression.py")
entry(rosenbrock.rosenbrock, vec(2), source=A + "rosenbrock.py")
entry(sinusoid.fun, scalar(-3.0, 3.0), source=A + "sinusoid.py")
entry(sinusoid_taylor.fun, scalar(-3.0, 3.0), source=A + "sinusoid.py")
entry(tanh.tanh, scalar(-2.0, 2.0), source=A + "tanh.py")
entry(neural_net.neural_net_log_lik, layers(3, 4, 2), mat(5, 3), one_hot(5, 2), source=A + "neural_net.py")
entry(nn_regression.logprob, layers(1, 4, 1), mat(6, 1), mat(6, 1), source=A + "neural_net_regression.py")
entry(rnn.rnn_log_likelihood, rnn_params, sequences, sequences, source=A + "rnn.py")
entry(lstm.lstm_log_likelihood, lstm_params, sequences, sequences, source=A + "lstm.py")
entry(vae.vae_objective, layers(2, 3, 4), layers(4, 3, 4), lambda r: np.where(r.uniform(size=(5, 4)) > 0.5, 1.0, -1.0),
      wrt=(0, 1), source=A + "variational_autoencoder.py")
entry(gan.gan_value, layers(2, 3, 4), layers(4, 3, 1), mat(5, 4, low=0.0, high=1.0), wrt=(0, 1),
      source=A + "generative_adversarial_net.py")
entry(convnet.loss, vec(convnet.N_WEIGHTS, -0.5, 0.5), mat(4, 2, 3), one_hot(4, 3), source=A + "convnet.py")
entry(fluidsim.objective, vec(50, -0.4, 0.4), source=A + "fluidsim/fluidsim.py")
entry(wing.objective, lambda r: r.uniform(-1.5, -0.5, 40 * 60), source=A + "fluidsim/wing.py")
entry(bnn.logprob, lambda r: r.normal(0, 0.5, (1, bnn.num_weights)), mat(5, 1), mat(5, 1), status="coded", item=0, code="AD102", source=A + "bayesian_neural_net.py")
entry(gplvm.objective, lambda r: np.concatenate([r.uniform(-0.3, 0.3, 2 * gplvm.params_per_gp), r.uniform(-1, 1, 12)]),
      source=A + "gplvm.py")
entry(deep_gp.deep_gp_log_marginal_likelihood, vec(deep_gp.total_num_params, -0.5, 0.5), source=A + "deep_gaussian_process.py")
# its odeint runs at rtol=0.01: finite differences of its output (and forward sensitivity, integrated at
# the same tolerance) are good to about that, so forward mode is held to 5% here
entry(ode_net.train_loss, layers(2, 3, 2, scale=0.3), const(0), status="coded", item=11, code="AD212", source=A + "ode_net.py", rtol=0.05)

# -- rlabbe/filterpy (MIT) -------------------------------------------------------------------------

entry(kalman.kf_predict_summary, vec(3), spd(3), mat(3, 3), spd(3), wrt=(0, 1, 2), source=F + "kalman/kalman_filter.py")
entry(kalman.kf_update_summary, vec(3), spd(3), vec(2), spd(2), mat(2, 3), wrt=(0, 1, 2), status="coded", item=0, code="AD101", source=F + "kalman/kalman_filter.py")
entry(kalman.rts_summary, mat(4, 2), spd_stack(4, 2), lambda r: np.eye(2) + r.uniform(-0.3, 0.3, (4, 2, 2)), spd_stack(4, 2),
      wrt=(0, 1), source=F + "kalman/kalman_filter.py")
entry(sigma_points.merwe_sigma_summary, vec(3), spd(3), wrt=(0, 1), source=F + "kalman/sigma_points.py")
entry(sigma_points.julier_sigma_summary, vec(3), spd(3), wrt=(0, 1), source=F + "kalman/sigma_points.py")
entry(sigma_points.unscented_summary, mat(7, 3), spd(3), wrt=(0, 1), status="coded", item=0, code="AD101", source=F + "kalman/unscented_transform.py")
entry(stats.mahalanobis, vec(3), vec(3), spd(3), wrt=(0, 1), source=F + "stats/stats.py")
entry(stats.log_likelihood, vec(2), vec(3), spd(3), mat(2, 3), spd(2), wrt=(0, 1, 3), status="coded", item=11, code="AD411", source=F + "stats/stats.py")
entry(stats.gaussian, scalar(), scalar(), scalar(0.5, 2.0), wrt=(1, 2), source=F + "stats/stats.py")
entry(stats.gaussian_weighted_mean, vec(5), scalar(), scalar(0.5, 2.0), wrt=(0, 1, 2), source=F + "stats/stats.py")
entry(stats.mul_pdf_scale, scalar(), scalar(0.5, 2.0), scalar(), scalar(0.5, 2.0), wrt=(0, 1, 2, 3), source=F + "stats/stats.py")
entry(stats.multivariate_multiply_summary, vec(2), spd(2), vec(2), spd(2), wrt=(0, 1, 2, 3), source=F + "stats/stats.py")
entry(discretization.q_white_noise_summary, scalar(0.1, 1.0), scalar(0.5, 2.0), wrt=(0, 1), source=F + "common/discretization.py")
entry(discretization.q_white_noise_by_derivative_summary, scalar(0.1, 1.0), scalar(0.5, 2.0), wrt=(0, 1), source=F + "common/discretization.py")
entry(discretization.van_loan_summary, mat(2, 2), mat(2, 1), scalar(0.1, 0.5), wrt=(0, 1, 2), source=F + "common/discretization.py")

# -- eriklindernoren/ML-From-Scratch (MIT) ---------------------------------------------------------

entry(mlfs_nn.square_loss_of_tanh, vec(5), vec(5), wrt=1, source=M + "deep_learning/activation_functions.py, loss_functions.py")
entry(mlfs_nn.cross_entropy_of_softmax, one_hot(4, 3), mat(4, 3), wrt=1, source=M + "deep_learning/activation_functions.py, loss_functions.py")
entry(mlfs_nn.stacked_activations, vec(6, -2.0, 2.0), source=M + "deep_learning/activation_functions.py")
entry(mlfs_regression.L2_REG, vec(4), source=M + "supervised_learning/regression.py")
entry(mlfs_regression.ELASTIC, vec(4), source=M + "supervised_learning/regression.py")
entry(mlfs_regression.regression_mse, mat(5, 3), vec(5), wrt=(0, 1), source=M + "supervised_learning/regression.py")

# -- mnielsen/neural-networks-and-deep-learning (MIT) ------------------------------------------------

entry(network2.total_cost, net_data, scalar(0.1, 1.0), wrt=(0, 1), source="mnielsen/neural-networks-and-deep-learning src/network2.py")
entry(network2.quadratic_total_cost, net_data, scalar(0.1, 1.0), wrt=(0, 1), source="mnielsen/neural-networks-and-deep-learning src/network2.py")
entry(network2.QuadraticCost.fn, mat(2, 1), mat(2, 1), wrt=(0, 1), source="mnielsen/neural-networks-and-deep-learning src/network2.py")

# -- pmocz/nbody-python and pmocz/sph-python (GPL-3.0: see the modules' headers) ---------------------

entry(nbody.nbody_energy, separated(4), mat(4, 3), lambda r: r.uniform(0.5, 1.5, (4, 1)), wrt=(0, 1, 2), source="pmocz/nbody-python nbody.py")
entry(nbody.nbody_acc_summary, separated(4), lambda r: r.uniform(0.5, 1.5, (4, 1)), wrt=(0, 1), source="pmocz/nbody-python nbody.py")
entry(sph.sph_density_summary, separated(5), source="pmocz/sph-python sph.py")
entry(sph.sph_acc_summary, separated(5), mat(5, 3), wrt=(0, 1), source="pmocz/sph-python sph.py")


# -- running an entry -------------------------------------------------------------------------


def arguments(e, seed):
    rng = np.random.default_rng(seed)
    return [b(rng) for b in e.builders]


def check(e, seed):
    """adgen's gradient of the entry at the arguments ``seed`` makes agrees with finite
    differences (AssertionError otherwise); adgen's own errors propagate."""
    from adgen import grad
    from corpus import indices
    from gradcheck import check_grad, check_tree_grad

    args = arguments(e, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grads = grad(e.fn, wrt=e.wrt)(*args)
    grads = grads if isinstance(e.wrt, tuple) else (grads,)
    for i, g in zip(indices(e.fn, e.wrt), grads):
        if isinstance(args[i], (dict, list, tuple)):
            check_tree_grad(e.fn, args, i, g)
        else:
            check_grad(e.fn, args, i, g)


def codes(error):
    """The diagnostic codes an adgen error carries."""
    if hasattr(error, "diagnostics"):
        return [d.code for d in error.diagnostics]
    return [error.code] if hasattr(error, "code") else []


def outcome(e, seed=0):
    """What the entry does now: ("pass", ""), ("coded", code), ("wrong", message) or
    ("error", message) for anything else raised."""
    return _classified(lambda: check(e, seed))


def forward_outcome(e, seed=0):
    """What forward mode does with the entry now: ``check_grads`` with both modes (``J v``
    against finite differences, and against reverse mode by the dot-product test)."""
    from adgen import check_grads

    return _classified(lambda: check_grads(e.fn, arguments(e, seed), wrt=e.wrt, modes=("fwd", "rev"), rtol=e.rtol, atol=1e-6, seed=seed))


def _classified(run):
    """``outcome``'s answer for the check ``run``."""
    from adgen import TranspileError
    from adgen.runtime import GradientError

    try:
        run()
    except (TranspileError, GradientError) as err:
        return "coded", " ".join(codes(err))
    except AssertionError as err:
        return "wrong", str(err).splitlines()[0]
    except Exception as err:  # noqa: BLE001 (a report: every other outcome is shown)
        return "error", f"{type(err).__name__}: {err}".splitlines()[0]
    return "pass", ""


def forward_report(seed=0):
    """``python tests/corpus_outside.py --forward``: the same functions in forward mode."""
    counts = {}
    for e in ENTRIES:
        now, detail = forward_outcome(e, seed)
        counts[now] = counts.get(now, 0) + 1
        print(f"| {e.name} | {now} | {detail[:110]} |", flush=True)
    print("\n" + ", ".join(f"{k}: {counts.get(k, 0)}" for k in ("pass", "coded", "wrong", "error")) + f" (of {len(ENTRIES)})")


def report(seed=0):
    counts = {}
    print(f"| function | source | expected | now | code / detail |\n|---|---|---|---|---|")
    for e in ENTRIES:
        now, detail = outcome(e, seed)
        counts[now] = counts.get(now, 0) + 1
        expected = e.status + (f" (item {e.item}: {e.code})" if e.status == "coded" else f" (item {e.item})" if e.item else "")
        print(f"| {e.name} | {e.source} | {expected} | {now} | {detail[:110]} |", flush=True)
    print("\n" + ", ".join(f"{k}: {counts.get(k, 0)}" for k in ("pass", "coded", "wrong", "error")) + f" (of {len(ENTRIES)})")


if __name__ == "__main__":
    if "--forward" in sys.argv:
        forward_report()
    else:
        report(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
