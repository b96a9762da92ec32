"""The transfer study's morphisms: data, source, baselines, the two pullbacks, claims.

Each is one idea; the diagram ``specs/transfer_pullback.py`` wires them. Torch is imported
only when a morphism runs, so a diagram of them compiles without it. The numerics are those
of :mod:`~catdyn.backends.torch.studies.transfer.study` and
:mod:`~catdyn.backends.torch.transfer.baselines` (the same functions are called).

>>> TrainSource(hidden=(16,), steps=10).domain()[0].kind()
'TransferTask'
>>> FibreSolve().grid[0]
{'lr': 0.0003, 'mu': 1.0}
"""

from __future__ import annotations

import math
import time
from typing import Any, Literal

from pydantic import NonNegativeFloat, PositiveFloat, PositiveInt

from catdyn.backends.torch.transfer.values import FibrePoints, TransferRuns, TransferTask
from catdyn.morphisms import BackendMorphism, Solver
from catdyn.values import Population, RepresentationTable

BASELINES = ("scratch", "finetune", "linear_probe", "lp_ft", "l2sp", "delta")
"""The methods :class:`Tune` trains (the pullbacks are morphisms of their own)."""


# --- conversions between values and the study's objects ---------------------------------------
def _one_thread() -> Any:
    import contextlib

    import torch

    @contextlib.contextmanager
    def scope() -> Any:
        before = torch.get_num_threads()
        torch.set_num_threads(1)  # as the study always ran: CPU seconds comparable, numbers fixed
        try:
            yield
        finally:
            torch.set_num_threads(before)

    return scope()


def _data(task: TransferTask, seed: int, k: int) -> Any:
    from catdyn.backends.torch.transfer.baselines import TransferData

    s = task.split(seed)
    return TransferData(tuple(s["train"][str(k)]), tuple(s["val"]), tuple(s["test"]), tuple(s["shift"]),
                        s["source_probe"], s["probe"], s["target_unlabelled"], s["source_unlabelled"], task.n_classes)


def _member(pop: Population, i: int) -> dict[str, Any]:
    return {n: t[i] for n, t in pop.params.items()}


def _source(pop: Population, i: int) -> Any:
    from catdyn.backends.torch.training.population import architecture as _arch
    from catdyn.backends.torch.transfer.baselines import SourceModel

    return SourceModel(_arch(pop.arch), _member(pop, i), pop.meta[i]["layer"])


def _population(arch: dict[str, Any], members: list[dict[str, Any]], meta: list[dict[str, Any]]) -> Population:
    import torch

    params = {n: torch.stack([m[n].detach() for m in members]) for n in members[0]}
    return Population(arch, params, ["ok"] * len(members), [int(m["seed"]) for m in meta], meta)


def _row(task: TransferTask, method: str, seed: int, k: int, source_seconds: float, **rest: Any) -> dict[str, Any]:
    return {"dataset": task.dataset, "seed": seed, "labels": k, "method": method, **rest,
            "source_seconds": source_seconds}


# --- data and source ---------------------------------------------------------------------------
class TransferSplits(BackendMorphism):
    """The study's data: per seed, the source classes' training split and the target classes'
    few labels, validation, test, shifted test and unlabelled inputs
    (:func:`~catdyn.backends.torch.studies.transfer.study.split_data`)."""

    inputs, output = (), TransferTask
    dataset: Literal["digits", "mnist1d"] = "digits"
    source_classes: tuple[int, ...] = (0, 1, 2, 3, 4)
    target_classes: tuple[int, ...] = (5, 6, 7, 8, 9)
    labels: tuple[PositiveInt, ...] = (1, 5)
    seeds: tuple[int, ...] = (0, 1)
    val_per_class: PositiveInt = 5
    unlabelled_per_class: PositiveInt = 20
    probe_size: PositiveInt = 256
    rotation: NonNegativeFloat = 20.0
    noise: NonNegativeFloat = 0.1

    def run(self, ctx: Any) -> TransferTask:
        from catdyn.backends.torch.studies.transfer.study import StudyConfig, split_data

        cfg = StudyConfig(dataset=self.dataset, source_classes=self.source_classes, target_classes=self.target_classes,
                          labels_per_class=self.labels, val_per_class=self.val_per_class,
                          unlabelled_per_class=self.unlabelled_per_class, seeds=self.seeds,
                          probe_size=self.probe_size, rotation=self.rotation, noise=self.noise)
        splits = []
        for seed in self.seeds:
            xs, ys, per = split_data(cfg, seed)
            d = per[self.labels[0]]
            splits.append({"seed": seed, "source_x": xs, "source_y": ys, "val": d.val, "test": d.test,
                           "shift": d.shift, "source_probe": d.source_probe, "probe": d.probe,
                           "target_unlabelled": d.target_unlabelled, "source_unlabelled": d.source_unlabelled,
                           "train": {str(k): per[k].train for k in self.labels}})
        ctx.metric("test inputs per seed", len(splits[0]["test"][0]))
        return TransferTask(self.dataset, list(self.seeds), list(self.labels), len(self.target_classes),
                            self.val_per_class, self.unlabelled_per_class, splits)


class TrainSource(BackendMorphism):
    """The source network per seed: an MLP trained on the source classes by full-batch Adam
    (:func:`~catdyn.backends.torch.studies.transfer.study.train_source`)."""

    inputs, output = (TransferTask,), Population
    hidden: tuple[PositiveInt, ...] = (128, 128)
    steps: PositiveInt = 300
    lr: PositiveFloat = 3e-3

    def run(self, ctx: Any, task: TransferTask) -> Population:
        from catdyn.backends.torch.studies.transfer.study import StudyConfig, train_source

        cfg = StudyConfig(hidden=self.hidden, source_steps=self.steps, source_lr=self.lr,
                          target_classes=tuple(range(task.n_classes)))
        members, meta = [], []
        with _one_thread():
            for seed in task.seeds:
                s = task.split(seed)
                source, seconds = train_source(cfg, seed, s["source_x"], s["source_y"])
                members.append(source.params)
                meta.append({"seed": seed, "layer": source.layer, "seconds": seconds})
        widths = [int(task.splits[0]["source_x"].shape[1]), *self.hidden, task.n_classes]
        ctx.metric("source members", len(members))
        return _population({"type": "mlp", "widths": widths}, members, meta)


# --- baselines ---------------------------------------------------------------------------------
class Tune(BackendMorphism):
    """A baseline transfer method (``scratch``, ``finetune``, ``linear_probe``, ``lp_ft``,
    ``l2sp``, ``delta``) tuned over its four settings on the validation labels, per seed and
    label budget (:func:`~catdyn.backends.torch.transfer.baselines.tune`)."""

    inputs, output = (Population, TransferTask), TransferRuns
    method: Literal["scratch", "finetune", "linear_probe", "lp_ft", "l2sp", "delta"]
    steps: PositiveInt = 200
    configs: PositiveInt = 4

    @property
    def name(self) -> str:
        return f"Tune[{self.method}]"

    def run(self, ctx: Any, source: Population, task: TransferTask) -> TransferRuns:
        from catdyn.backends.torch.transfer.baselines import METHODS, Budget, tune

        budget, rows = Budget(steps=self.steps, configs=self.configs), []
        with _one_thread():
            for i, seed in enumerate(source.seeds):
                for k in task.labels:
                    r = tune(METHODS[self.method], _source(source, i), _data(task, seed, k), budget, seed)
                    rows.append(_row(task, self.method, seed, k, source.meta[i]["seconds"],
                                     hyperparameters=r.hyperparameters, configs=r.configs_run,
                                     tuning_seconds=r.tuning_seconds, **r.metrics))
        return TransferRuns(rows)


# --- (a) the fibre product over Rep --------------------------------------------------------------
class FreshHead(BackendMorphism):
    """Each source network with the seed's fresh head: where every transfer method starts."""

    inputs, output = (Population, TransferTask), Population

    def run(self, ctx: Any, source: Population, task: TransferTask) -> Population:
        from catdyn.backends.torch.transfer.baselines import _start

        members = [_start(_source(source, i), task.n_classes, s) for i, s in enumerate(source.seeds)]
        return _population(source.arch, members, [dict(m) for m in source.meta])


class RealiseOnProbe(BackendMorphism):
    """The realisation ``F(θ) = features(θ, probe, layer)/√N`` of each member on its seed's
    shared probe inputs (so ‖F_T − F_S‖ is the RMS distance per probe point): a leg of the
    fibre product's cospan."""

    inputs, output = (Population, TransferTask), RepresentationTable

    def leg(self, arch: dict[str, Any], layer: str, task: TransferTask, seed: int) -> Any:
        """``θ ↦ F(θ)`` for a member of ``arch`` on seed ``seed``'s probe (differentiable)."""
        from catdyn.backends.torch.functors.realisation import Realisation
        from catdyn.backends.torch.functors.rep import Probe
        from catdyn.backends.torch.models.param import Param
        from catdyn.backends.torch.training.population import architecture as _arch

        probe = task.split(seed)["probe"]
        real, space, scale = Realisation(Probe("probe", probe), layer), Param.space(_arch(arch)), 1 / math.sqrt(len(probe))
        return lambda theta: real.realise(space, theta) * scale

    def run(self, ctx: Any, pop: Population, task: TransferTask) -> RepresentationTable:
        import torch

        with torch.no_grad():
            feats = [self.leg(pop.arch, pop.meta[i]["layer"], task, s)(_member(pop, i)) for i, s in enumerate(pop.seeds)]
        return RepresentationTable(pop.meta[0]["layer"], "transfer probe (1/√N)", torch.stack(feats), pop.status)


FIBRE_GRID = tuple({"lr": lr, "mu": mu} for lr in (3e-4, 1e-3) for mu in (1.0, 10.0))
"""The fibre product's four settings (as the study's ``fibre`` method)."""


class FibreSolve(Solver):
    """Points of the fibre product ``{θ_T : F_T(θ_T) = F_S(θ_S*)}`` of the cospan's legs, per
    seed and label budget: the target loss minimised subject to the constraint by augmented
    Lagrangian (:func:`~catdyn.backends.torch.transfer.fibre.fibre_product`), over four
    settings, the best on validation kept (its residual is recorded)."""

    inputs, output = (Population, Population, TransferTask), FibrePoints
    grid: tuple[dict[str, float], ...] = FIBRE_GRID
    steps: PositiveInt = 200
    rounds: PositiveInt = 4
    solver: Literal["augmented_lagrangian", "penalty"] = "augmented_lagrangian"

    def solve_one(self, fs: Any, ft: Any, source: Any, start: dict[str, Any], data: Any, hp: dict[str, float]) -> Any:
        """One setting: the cospan ``1 --θ_S*--> Param_S --F_S--> Rep <--F_T-- Param_T`` and its
        solved point from ``start``; returns (θ_T, residual facts)."""
        import torch.nn.functional as F

        from catdyn.backends.torch.transfer.category import SampledCategory
        from catdyn.backends.torch.transfer.fibre import ConstraintSolver, fibre_product
        from catdyn.limits import Cospan

        cat = SampledCategory(atol=1e-2, name="Param")
        param_s, param_t, rep = cat.space("Param_S", [source.params]), cat.space("Param_T"), cat.space("Rep")
        cospan = Cospan(cat.point("θ_S*", param_s, source.params) >> cat.map("F_S", param_s, rep, fs),
                        cat.map("F_T", param_t, rep, ft))
        steps = self.steps
        rounds = max(r for r in range(1, max(1, min(self.rounds, steps)) + 1) if steps % r == 0)
        solver = ConstraintSolver(self.solver, penalty=hp["mu"], rounds=rounds, steps=max(1, steps // rounds),
                                  optimiser="adam", lr=hp["lr"])
        x, y = data.train
        fp = fibre_product(cospan, [((), {k: v.clone() for k, v in start.items()})], solver,
                           objective=lambda _a, b: F.cross_entropy(source.arch.apply(b, x), y), fixed=("left",))
        pair = fp.points[0]
        return pair[1], {"residual": fp.residual(pair), "rel_residual": fp.relative_residual(pair), "mu": hp["mu"]}

    def run(self, ctx: Any, source: Population, start: Population, task: TransferTask) -> FibrePoints:
        from catdyn.backends.torch.transfer.baselines import accuracy

        f, g = self.leg_morphisms()
        lefts, rights, lmeta, rmeta = [], [], [], []
        with _one_thread():
            for i, seed in enumerate(source.seeds):
                src, layer = _source(source, i), source.meta[i]["layer"]
                fs, ft = f.leg(source.arch, layer, task, seed), g.leg(start.arch, layer, task, seed)  # type: ignore[attr-defined]
                for k in task.labels:
                    data, best, t0, vals = _data(task, seed, k), None, time.perf_counter(), []
                    for hp in self.grid:
                        w0, c0 = time.perf_counter(), time.process_time()
                        theta, extra = self.solve_one(fs, ft, src, _member(start, i), data, hp)
                        clock = (time.perf_counter() - w0, time.process_time() - c0)
                        vals.append(accuracy(src.arch.apply(theta, data.val[0]).detach(), data.val[1]))
                        if best is None or vals[-1] > best[0]:
                            best = (vals[-1], hp, theta, extra, clock)
                    assert best is not None
                    lefts.append(src.params)
                    lmeta.append(dict(source.meta[i], labels=k))
                    rights.append(best[2])
                    rmeta.append({"seed": seed, "labels": k, "layer": layer, "hyperparameters": dict(best[1]),
                                  "configs": len(self.grid), "tuning_seconds": time.perf_counter() - t0,
                                  "seconds": best[4][0], "cpu_seconds": best[4][1], "extra": best[3],
                                  "source_seconds": source.meta[i]["seconds"]})
        return FibrePoints(_population(source.arch, lefts, lmeta), _population(start.arch, rights, rmeta))


class EvaluateTransfer(BackendMorphism):
    """Transferred networks (one per seed and budget, with what their solve kept) evaluated
    against their source: accuracy in distribution and under shift, preservation of the source
    representation, fraction of parameters trained
    (:func:`~catdyn.backends.torch.transfer.baselines.evaluate`)."""

    inputs, output = (Population, Population, TransferTask), TransferRuns
    method: str = "fibre"

    def run(self, ctx: Any, targets: Population, source: Population, task: TransferTask) -> TransferRuns:
        import torch

        from catdyn.backends.torch.transfer.baselines import _network, evaluate, param_count

        rows = []
        with _one_thread(), torch.no_grad():
            for i, m in enumerate(targets.meta):
                src = _source(source, source.seeds.index(m["seed"]))
                params = _member(targets, i)
                trained = _network(src, params, param_count(params, src.arch), m["seconds"], dict(m["extra"]))
                metrics = evaluate(trained, src, _data(task, m["seed"], m["labels"]))
                metrics["seconds"], metrics["cpu_seconds"] = m["seconds"], m["cpu_seconds"]
                rows.append(_row(task, self.method, m["seed"], m["labels"], m["source_seconds"],
                                 hyperparameters=m["hyperparameters"], configs=m["configs"],
                                 tuning_seconds=m["tuning_seconds"], **metrics))
        return TransferRuns(rows)
