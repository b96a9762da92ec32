"""Every transfer method in one harness: the same data, step budget and tuning effort for all.

Methods (each a :class:`Method`: a name, exactly ``budget.configs`` hyperparameter settings,
and a function that trains one setting):

==================  ==========================================================================
``scratch``         a fresh network trained on the target labels (all parameters)
``finetune``        the source body with a fresh head, all parameters trained
``linear_probe``    the source body frozen, a fresh head trained (forward through the body)
``lp_ft``           linear probing for half the steps, then fine-tuning (Kumar et al. 2022)
``l2sp``            fine-tuning + ``α/2‖w − w_S‖²`` on the body + ``β/2‖head‖²`` (Li et al. 2018;
                    ``β = 0.01`` fixed, ``α`` tuned)
``delta``           fine-tuning + ``β · mean ‖φ_θ(x) − φ_S(x)‖²`` on the training inputs
                    (DELTA's feature-map regulariser, Li et al. 2019, *without* its channel
                    attention weights)
``fibre``           the fibre product over Rep: minimise the target loss over target parameters
                    subject to ``F_T(θ_T) = F_S(θ_S*)`` on shared probe data, by augmented
                    Lagrangian (:mod:`~catdyn.backends.torch.transfer.fibre`); residual reported
``pullback_<map>``  the pullback along a domain map (``identity``, ``coral``, ``ot``): features
                    ``φ_S(f(x))`` computed once, a fresh head trained on them
                    (:mod:`~catdyn.backends.torch.transfer.domain`)
==================  ==========================================================================

Every method runs ``budget.steps`` full-batch Adam steps per setting (LP-FT splits them; the
fibre product spends them across its rounds) from the same fresh head (:func:`head_init` of the
seed); the setting with the best validation accuracy is kept (ties: the first). Its time is the
whole call that trained it — feature caching and domain-map fitting included — as wall-clock
(``seconds``) and as process CPU time (``cpu_seconds``, robust to other load on the machine);
the whole tuning time is recorded too.

>>> import torch
>>> from catdyn.backends.torch.models.architectures import MLP
>>> arch = MLP((4, 8, 3))
>>> src = SourceModel(arch, arch.init(torch.Generator().manual_seed(0)), "hidden0")
>>> g = torch.Generator().manual_seed(1)
>>> xy = lambda n: (torch.randn(n, 4, generator=g), torch.randint(0, 3, (n,), generator=g))
>>> data = TransferData(xy(9), xy(6), xy(12), xy(12), torch.randn(10, 4, generator=g),
...                     torch.randn(10, 4, generator=g), torch.randn(10, 4, generator=g),
...                     torch.randn(10, 4, generator=g), 3)
>>> res = tune(METHODS["linear_probe"], src, data, Budget(steps=5, configs=4), seed=0)
>>> res.method, res.configs_run, round(res.metrics["frac_updated"], 3)
('linear_probe', 4, 0.403)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.backends.torch.models.architectures import Architecture, Params
from catdyn.backends.torch.transfer.category import SampledCategory
from catdyn.backends.torch.transfer.domain import (
    DomainMap,
    IdentityMap,
    adam_fit,
    fit_coral,
    fit_ot,
    head_init,
    train_head_on_features,
)
from catdyn.backends.torch.transfer.fibre import ConstraintSolver, fibre_product
from catdyn.errors import TransferError
from catdyn.limits import Cospan

XY = tuple[Tensor, Tensor]


@dataclass(frozen=True)
class SourceModel:
    """A trained source network: its architecture, parameters and the feature layer ``φ_S``
    reads (the input of the head). The head is the last linear layer (``fc{k}``/``head``)."""

    arch: Architecture
    params: Params
    layer: str

    @property
    def head_names(self) -> tuple[str, str]:
        """The names of the head's weight and bias (the last two weight/bias entries)."""
        ws = [k for k in self.params if k.endswith(".weight") and not k.startswith("bn")]
        last = ws[-1].rsplit(".", 1)[0]
        return f"{last}.weight", f"{last}.bias"

    def phi(self, x: Tensor) -> Tensor:
        """``φ_S(x)``: the source features at ``layer``."""
        return self.arch.features(self.params, x, self.layer)

    def body(self) -> dict[str, Tensor]:
        """Every parameter except the head."""
        w, b = self.head_names
        return {k: v for k, v in self.params.items() if k not in (w, b)}


@dataclass(frozen=True)
class TransferData:
    """The target task and the unlabelled data every method may use.

    ``train``/``val``/``test``: labelled target splits (few training labels; validation selects
    hyperparameters; test is never seen); ``shift``: the test set under a distribution shift;
    ``source_probe``: held-out source inputs (source-representation preservation);
    ``probe``: shared unlabelled probe inputs of the fibre product; ``target_unlabelled`` and
    ``source_unlabelled``: what domain maps are fitted on; ``n_classes``: target classes.
    """

    train: XY
    val: XY
    test: XY
    shift: XY
    source_probe: Tensor
    probe: Tensor
    target_unlabelled: Tensor
    source_unlabelled: Tensor
    n_classes: int


@dataclass(frozen=True)
class Budget:
    """What every method gets: ``steps`` full-batch Adam steps per hyperparameter setting and
    exactly ``configs`` settings, selected on the validation split.

    >>> Budget(steps=100, configs=4).describe()
    'every method: 4 hyperparameter settings × 100 full-batch Adam steps, best validation accuracy kept'
    """

    steps: int = 200
    configs: int = 4
    fibre_rounds: int = 4

    def describe(self) -> str:
        """The budget in one sentence, for the report."""
        return (
            f"every method: {self.configs} hyperparameter settings × {self.steps} full-batch Adam steps, "
            "best validation accuracy kept"
        )


@dataclass(frozen=True)
class Trained:
    """One trained setting: logits and target features as functions of inputs, how many
    parameters were trained out of the target model's total, training seconds, extras."""

    predict: Callable[[Tensor], Tensor]
    represent: Callable[[Tensor], Tensor]
    updated: int
    total: int
    seconds: float
    extra: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Method:
    """A transfer method: its name, its hyperparameter grid and how to train one setting."""

    name: str
    grid: tuple[dict[str, float], ...]
    train: Callable[[SourceModel, TransferData, Budget, Mapping[str, float], int], Trained]
    description: str = ""


@dataclass(frozen=True)
class MethodResult:
    """The kept setting of a method and its metrics (see :func:`evaluate`)."""

    method: str
    hyperparameters: dict[str, float]
    metrics: dict[str, float]
    configs_run: int
    tuning_seconds: float
    validation: tuple[float, ...]


# --- metrics -----------------------------------------------------------------------------------
def accuracy(logits: Tensor, y: Tensor) -> float:
    """The fraction of rows whose arg-max is the label.

    >>> accuracy(torch.tensor([[2.0, 1.0], [0.0, 1.0]]), torch.tensor([0, 0]))
    0.5
    """
    return float((logits.argmax(dim=1) == y).double().mean()) if len(y) else math.nan


def linear_cka(x: Tensor, y: Tensor) -> float:
    """Linear centred kernel alignment between two representations of the same inputs
    (Kornblith et al. 2019): ``‖Yᵀ X‖²_F / (‖Xᵀ X‖_F ‖Yᵀ Y‖_F)`` after centring the columns.

    >>> x = torch.randn(50, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> round(linear_cka(x, 2 * x @ torch.linalg.qr(torch.randn(3, 3, dtype=torch.float64))[0]), 6)
    1.0
    """
    a = x.double() - x.double().mean(0)
    b = y.double() - y.double().mean(0)
    num = (b.T @ a).pow(2).sum()
    den = (a.T @ a).norm() * (b.T @ b).norm()
    return float(num / den) if den > 0 else math.nan


def param_count(params: Mapping[str, Tensor], arch: Architecture) -> int:
    """Trainable entries of a parameter dict (batch-norm running statistics excluded).

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> param_count(MLP((4, 8, 3)).init(torch.Generator()), MLP((4, 8, 3)))
    67
    """
    skip = set(arch.buffers())
    return sum(v.numel() for k, v in params.items() if k not in skip)


def evaluate(trained: Trained, source: SourceModel, data: TransferData) -> dict[str, float]:
    """Target accuracy in distribution and under shift, validation accuracy, preservation of
    the source representation on held-out source inputs (linear CKA and relative distance
    ``‖φ_T − φ_S‖/‖φ_S‖``), the fraction of parameters trained, and wall-clock seconds."""
    with torch.no_grad():
        acc = accuracy(trained.predict(data.test[0]), data.test[1])
        acc_shift = accuracy(trained.predict(data.shift[0]), data.shift[1])
        acc_val = accuracy(trained.predict(data.val[0]), data.val[1])
        zt, zs = trained.represent(data.source_probe), source.phi(data.source_probe)
        dist = float((zt - zs).norm() / zs.norm()) if zs.norm() > 0 else math.nan
    out = {
        "acc_id": acc,
        "acc_shift": acc_shift,
        "acc_val": acc_val,
        "cka_source": linear_cka(zt, zs),
        "rel_dist_source": dist,
        "updated": float(trained.updated),
        "total": float(trained.total),
        "frac_updated": trained.updated / trained.total,
        "seconds": trained.seconds,
    }
    out.update(trained.extra)
    return out


# --- shared pieces of the methods -------------------------------------------------------------
def _start(source: SourceModel, n_classes: int, seed: int, scratch: bool = False) -> dict[str, Tensor]:
    w, b = source.head_names
    width = source.arch.layer_width(source.layer)
    head = head_init(width, n_classes, seed, source.params[w].dtype)
    if scratch:
        g = torch.Generator().manual_seed(7919 * int(seed) + 3)
        params = source.arch.init(g, source.params[w].dtype)
    else:
        params = {k: v.detach().clone() for k, v in source.params.items()}
    params[w], params[b] = head["weight"], head["bias"]
    return params


def _check_head(source: SourceModel, n_classes: int) -> None:
    w, _ = source.head_names
    if source.params[w].shape[0] != n_classes:
        raise TransferError(
            f"the source head has {source.params[w].shape[0]} outputs but the target has {n_classes} classes",
            "Give the source architecture as many outputs as the target has classes (the head is "
            "re-initialised, only its shape is reused)",
        )


def _trainable(source: SourceModel, which: str) -> list[str]:
    w, b = source.head_names
    buffers = set(source.arch.buffers())
    if which == "head":
        return [w, b]
    return [k for k in source.params if k not in buffers]


def _network(
    source: SourceModel,
    params: Mapping[str, Tensor],
    updated: int,
    seconds: float,
    extra: dict[str, float] | None = None,
) -> Trained:
    arch, layer = source.arch, source.layer
    return Trained(
        lambda x: arch.apply(params, x),
        lambda x: arch.features(params, x, layer),
        updated,
        param_count(params, arch),
        seconds,
        extra or {},
    )


def _ce(source: SourceModel, xy: XY) -> Callable[[Mapping[str, Tensor]], Tensor]:
    x, y = xy
    return lambda p: F.cross_entropy(source.arch.apply(p, x), y)


def _count(params: Mapping[str, Tensor], names: Sequence[str]) -> int:
    return sum(params[k].numel() for k in names)


# --- the methods -------------------------------------------------------------------------------
def _plain_fit(
    source: SourceModel, data: TransferData, budget: Budget, lr: float, seed: int, which: str, scratch: bool
) -> Trained:
    """Adam on the cross-entropy of the target data, training the ``which`` parameters from the
    source's weights (or from a fresh initialisation when ``scratch``)."""
    p0 = _start(source, data.n_classes, seed, scratch=scratch)
    names = _trainable(source, which)
    r = adam_fit(p0, names, _ce(source, data.train), budget.steps, lr)
    return _network(source, r.params, _count(p0, names), r.seconds)


def _scratch(
    source: SourceModel, data: TransferData, budget: Budget, hp: Mapping[str, float], seed: int
) -> Trained:
    return _plain_fit(source, data, budget, hp["lr"], seed, "all", scratch=True)


def _finetune(
    source: SourceModel, data: TransferData, budget: Budget, hp: Mapping[str, float], seed: int
) -> Trained:
    return _plain_fit(source, data, budget, hp["lr"], seed, "all", scratch=False)


def _linear_probe(
    source: SourceModel, data: TransferData, budget: Budget, hp: Mapping[str, float], seed: int
) -> Trained:
    return _plain_fit(source, data, budget, hp["lr"], seed, "head", scratch=False)


def _lp_ft(
    source: SourceModel, data: TransferData, budget: Budget, hp: Mapping[str, float], seed: int
) -> Trained:
    p0 = _start(source, data.n_classes, seed)
    lp_steps = budget.steps // 2
    r1 = adam_fit(p0, _trainable(source, "head"), _ce(source, data.train), lp_steps, hp["lp_lr"])
    names = _trainable(source, "all")
    r2 = adam_fit(r1.params, names, _ce(source, data.train), budget.steps - lp_steps, hp["ft_lr"])
    return _network(source, r2.params, _count(p0, names), r1.seconds + r2.seconds)


L2SP_BETA = 0.01
"""L2-SP's weight on the squared norm of the new head (Li et al.'s default), not tuned."""


def _l2sp(
    source: SourceModel, data: TransferData, budget: Budget, hp: Mapping[str, float], seed: int
) -> Trained:
    p0 = _start(source, data.n_classes, seed)
    anchor = source.body()
    w, b = source.head_names
    ce = _ce(source, data.train)
    alpha = hp["alpha"]

    def loss(p: Mapping[str, Tensor]) -> Tensor:
        reg = sum(((p[k] - a) ** 2).sum() for k, a in anchor.items() if k not in source.arch.buffers())
        return ce(p) + 0.5 * alpha * reg + 0.5 * L2SP_BETA * (p[w].pow(2).sum() + p[b].pow(2).sum())

    names = _trainable(source, "all")
    r = adam_fit(p0, names, loss, budget.steps, hp["lr"])
    return _network(source, r.params, _count(p0, names), r.seconds)


def _delta(
    source: SourceModel, data: TransferData, budget: Budget, hp: Mapping[str, float], seed: int
) -> Trained:
    p0 = _start(source, data.n_classes, seed)
    x = data.train[0]
    with torch.no_grad():
        target = source.phi(x)
    ce = _ce(source, data.train)
    beta = hp["beta"]

    def loss(p: Mapping[str, Tensor]) -> Tensor:
        feat = source.arch.features(p, x, source.layer)
        return ce(p) + beta * (feat - target).pow(2).sum(dim=1).mean()

    names = _trainable(source, "all")
    r = adam_fit(p0, names, loss, budget.steps, hp["lr"])
    return _network(source, r.params, _count(p0, names), r.seconds)


def fibre_cospan(source: SourceModel, probe: Tensor, category: SampledCategory) -> Cospan:
    """The cospan ``1 --θ_S*--> Param_S --F_S--> Rep <--F_T-- Param_T`` of the fibre product:
    ``F(θ) = features(θ, probe, layer)/√N`` (so ``‖F_T − F_S‖`` is the root-mean-square
    distance per probe point) with the source fixed at its trained parameters.

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> arch = MLP((3, 4, 2))
    >>> src = SourceModel(arch, arch.init(torch.Generator().manual_seed(0)), "hidden0")
    >>> sp = fibre_cospan(src, torch.randn(5, 3), SampledCategory(atol=1e-3))
    >>> sp.left.name, sp.right.dom.name
    ('θ_S* >> F_S', 'Param_T')
    """
    from catdyn.backends.torch.functors.realisation import Realisation
    from catdyn.backends.torch.functors.rep import Probe
    from catdyn.backends.torch.models.param import Param

    real = Realisation(Probe("probe", probe), source.layer)
    space = Param.space(source.arch)
    scale = 1.0 / math.sqrt(len(probe))
    cat = category
    param_s = cat.space("Param_S", [source.params])
    param_t = cat.space("Param_T")
    rep = cat.space(f"Rep(probe, {source.layer})")
    f_s = cat.map("F_S", param_s, rep, lambda th: real.realise(space, th) * scale)
    f_t = cat.map("F_T", param_t, rep, lambda th: real.realise(space, th) * scale)
    theta = cat.point("θ_S*", param_s, source.params)
    return Cospan(theta >> f_s, f_t)


def _fibre(
    source: SourceModel,
    data: TransferData,
    budget: Budget,
    hp: Mapping[str, float],
    seed: int,
    method: str = "augmented_lagrangian",
) -> Trained:
    p0 = _start(source, data.n_classes, seed)
    cat = SampledCategory(atol=1e-2, name="Param")
    cospan = fibre_cospan(source, data.probe, cat)
    # the largest number of rounds (≤ fibre_rounds) that divides the step budget exactly, so
    # the fibre product takes exactly as many optimiser steps as every other method
    rounds = max(
        r for r in range(1, max(1, min(budget.fibre_rounds, budget.steps)) + 1) if budget.steps % r == 0
    )
    solver = ConstraintSolver(
        method,
        penalty=hp["mu"],
        rounds=rounds,
        steps=max(1, budget.steps // rounds),
        optimiser="adam",
        lr=hp["lr"],
    )
    ce = _ce(source, data.train)
    t0 = time.perf_counter()
    fp = fibre_product(cospan, [((), p0)], solver, objective=lambda _a, b: ce(b), fixed=("left",))
    seconds = time.perf_counter() - t0
    pair = fp.points[0]
    params = pair[1]
    extra = {"residual": fp.residual(pair), "rel_residual": fp.relative_residual(pair), "mu": hp["mu"]}
    return _network(source, params, param_count(params, source.arch), seconds, extra)


def _pullback(
    mapping: str | DomainMap,
) -> Callable[[SourceModel, TransferData, Budget, Mapping[str, float], int], Trained]:
    """Train one setting of the pullback along a domain map: ``mapping`` names one fitted on
    the data inside the call (``identity``, ``coral``, ``ot``), or is an already fitted map."""

    def run(
        source: SourceModel, data: TransferData, budget: Budget, hp: Mapping[str, float], seed: int
    ) -> Trained:
        t0 = time.perf_counter()
        f: DomainMap
        if not isinstance(mapping, str):
            f = mapping
        elif mapping == "identity":
            f = IdentityMap()
        elif mapping == "coral":
            f = fit_coral(data.target_unlabelled, data.source_unlabelled)
        elif mapping == "ot":
            f = fit_ot(data.target_unlabelled, data.source_unlabelled)
        else:  # pragma: no cover - guarded by METHODS
            raise TransferError.unknown_method(f"pullback_{mapping}", ["identity", "coral", "ot"])
        with torch.no_grad():
            z = source.phi(f(data.train[0]))
        head = head_init(z.shape[1], data.n_classes, seed, z.dtype)
        r = train_head_on_features(z, data.train[1], head, budget.steps, hp["lr"])
        seconds = time.perf_counter() - t0
        W, b = r.params["weight"], r.params["bias"]
        total = param_count(source.params, source.arch)
        return Trained(
            lambda x: F.linear(source.phi(f(x)), W, b),
            lambda x: source.phi(f(x)),
            W.numel() + b.numel(),
            total,
            seconds,
        )

    return run


def _lrs(*values: float) -> tuple[dict[str, float], ...]:
    return tuple({"lr": v} for v in values)


def _grid2(a: str, avals: Sequence[float], b: str, bvals: Sequence[float]) -> tuple[dict[str, float], ...]:
    return tuple({a: x, b: y} for x in avals for y in bvals)


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("scratch", _lrs(1e-3, 3e-3, 1e-2, 3e-2), _scratch, "fresh network, all parameters"),
        Method(
            "finetune", _lrs(1e-4, 3e-4, 1e-3, 3e-3), _finetune, "source body + fresh head, all parameters"
        ),
        Method(
            "linear_probe", _lrs(1e-3, 3e-3, 1e-2, 3e-2), _linear_probe, "frozen source body, head trained"
        ),
        Method(
            "lp_ft",
            _grid2("lp_lr", (3e-3, 3e-2), "ft_lr", (1e-4, 1e-3)),
            _lp_ft,
            "LP then FT (Kumar et al. 2022)",
        ),
        Method(
            "l2sp", _grid2("lr", (3e-4, 1e-3), "alpha", (0.01, 0.1)), _l2sp, "FT + L2 to the source weights"
        ),
        Method(
            "delta", _grid2("lr", (3e-4, 1e-3), "beta", (0.1, 1.0)), _delta, "FT + feature-map regulariser"
        ),
        Method(
            "fibre",
            _grid2("lr", (3e-4, 1e-3), "mu", (1.0, 10.0)),
            _fibre,
            "fibre product over Rep (augmented Lagrangian)",
        ),
        Method(
            "pullback_identity", _lrs(1e-3, 3e-3, 1e-2, 3e-2), _pullback("identity"), "φ_S ∘ id, head only"
        ),
        Method(
            "pullback_coral", _lrs(1e-3, 3e-3, 1e-2, 3e-2), _pullback("coral"), "φ_S ∘ CORAL map, head only"
        ),
        Method("pullback_ot", _lrs(1e-3, 3e-3, 1e-2, 3e-2), _pullback("ot"), "φ_S ∘ OT map, head only"),
    )
}
"""Every method, by name (each with a grid of exactly four settings)."""


def tune(method: Method, source: SourceModel, data: TransferData, budget: Budget, seed: int) -> MethodResult:
    """Train every setting of ``method`` (exactly ``budget.configs`` of them), keep the best on
    the validation split, and evaluate it (see the module docstring for an example)."""
    if len(method.grid) != budget.configs:
        raise TransferError.unequal_grid(method.name, len(method.grid), budget.configs)
    _check_head(source, data.n_classes)
    t0 = time.perf_counter()
    best: tuple[float, int, Trained] | None = None
    vals = []
    timings = []
    for i, hp in enumerate(method.grid):
        w0, c0 = time.perf_counter(), time.process_time()
        trained = method.train(source, data, budget, hp, seed)
        timings.append((time.perf_counter() - w0, time.process_time() - c0))
        with torch.no_grad():
            v = accuracy(trained.predict(data.val[0]), data.val[1])
        vals.append(v)
        if best is None or v > best[0]:
            best = (v, i, trained)
    assert best is not None
    metrics = evaluate(best[2], source, data)
    # one clock for every method: the whole call that trained the kept setting (feature
    # caching and domain-map fitting included); CPU time is robust to other load on the machine
    metrics["seconds"], metrics["cpu_seconds"] = timings[best[1]]
    return MethodResult(
        method.name,
        dict(method.grid[best[1]]),
        metrics,
        len(method.grid),
        time.perf_counter() - t0,
        tuple(vals),
    )


def method_names() -> list[str]:
    """Every method's name, in table order.

    >>> method_names()[:3]
    ['scratch', 'finetune', 'linear_probe']
    """
    return list(METHODS)


def describe_methods() -> list[dict[str, Any]]:
    """One row per method: name, description and its settings (for the report).

    >>> describe_methods()[1]["grid"]
    [{'lr': 0.0001}, {'lr': 0.0003}, {'lr': 0.001}, {'lr': 0.003}]
    """
    return [
        {"method": m.name, "description": m.description, "grid": [dict(g) for g in m.grid]}
        for m in METHODS.values()
    ]
