"""Morphisms of populations: load data, train a population as one batched ensemble, evaluate,
realise (the functor Param → Rep on objects), act by a symmetry, check the realisation's law,
and measure the accuracy spread. Each wraps the runner operation of the same computation (the
numbers are the same), reading and writing typed values.

A population is the product of K parameter spaces; :class:`Train` compiles to one task that
trains all K members at once (:func:`~catdyn.backends.torch.training.ensemble.train_ensemble`).

>>> Train(arch={"type": "mlp", "widths": [64, 32, 10]}, seeds=(0, 1), steps=10).lr
0.1
>>> Train(arch={"type": "lstm"}, seeds=(0,))
Traceback (most recent call last):
...
catdyn.errors.SpecError: Train got invalid parameters: arch: Value error, unknown architecture type 'lstm' (use one of cnn, gru, mlp, resnet, transformer) (got {'type': 'lstm'}). Fix the parameter; `catdyn morphisms` lists every morphism's parameters.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import NonNegativeFloat, PositiveFloat, PositiveInt, field_validator

from catdyn.morphisms import BackendMorphism
from catdyn.values import Claims, Dataset, Population, RepresentationTable, Table

ARCHITECTURES = ("cnn", "gru", "mlp", "resnet", "transformer")


def _ensemble(pop: Population) -> dict[str, Any]:
    """The runner operations' dict form of a population."""
    return {"arch": pop.arch, "params": pop.params, "status": pop.status, "seeds": pop.seeds,
            "lr": [m.get("lr") for m in pop.meta], **pop.extras}


def _population(ens: dict[str, Any]) -> Population:
    extras = {k: ens[k] for k in ("losses", "failed_at", "path", "checkpoints") if k in ens}
    return Population(ens["arch"], ens["params"], list(ens["status"]), [int(s) for s in ens["seeds"]],
                      [{"lr": v} for v in ens["lr"]], extras)


class LoadDataset(BackendMorphism):
    """A data set (``digits``, ``mnist1d``, ``moons``, ``circles``), optionally cut to its first
    ``n_train``/``n_test`` samples."""

    inputs, output = (), Dataset
    dataset: Literal["digits", "mnist1d", "moons", "circles"] = "digits"
    seed: int = 0
    n_train: PositiveInt | None = None
    n_test: PositiveInt | None = None

    def run(self, ctx: Any) -> Dataset:
        from catdyn.runner.operations import load_data

        return Dataset(**load_data(ctx, self.dataset, self.seed, self.n_train, self.n_test))


class Train(BackendMorphism):
    """A population trained as one batched ensemble: every (seed, learning rate) pair (or the
    pairs of ``seeds`` and ``lr`` when ``grid`` is false); a diverging member is marked failed."""

    inputs, output = (Dataset,), Population
    version = "1"
    arch: dict[str, Any]
    seeds: tuple[int, ...]
    lr: PositiveFloat | tuple[PositiveFloat, ...] = 0.1
    steps: PositiveInt = 100
    batch_size: PositiveInt = 64
    optimiser: Literal["sgd", "adam"] = "sgd"
    momentum: NonNegativeFloat = 0.0
    weight_decay: NonNegativeFloat = 0.0
    grid: bool = True
    checkpoints: tuple[int, ...] = ()

    @field_validator("arch")
    @classmethod
    def _known_architecture(cls, arch: dict[str, Any]) -> dict[str, Any]:
        kind = str(arch.get("type", "mlp")).lower()
        if kind not in ARCHITECTURES:
            raise ValueError(f"unknown architecture type {kind!r} (use one of {', '.join(ARCHITECTURES)})")
        if kind == "mlp" and "widths" not in arch:
            raise ValueError("an mlp needs its widths, e.g. {'type': 'mlp', 'widths': [64, 32, 10]}")
        return arch

    def run(self, ctx: Any, data: Dataset) -> Population:
        from catdyn.runner.operations import train_ensemble

        params = self.model_dump()
        params["lr"] = list(self.lr) if isinstance(self.lr, tuple) else self.lr
        return _population(train_ensemble(ctx, data.to_tree(), **params))


class Evaluate(BackendMorphism):
    """Loss and accuracy of every member on the train and test splits (failed members: NaN)."""

    inputs, output = (Population, Dataset), Table

    def run(self, ctx: Any, pop: Population, data: Dataset) -> Table:
        from catdyn.runner.operations import evaluate_accuracy

        out = evaluate_accuracy(ctx, _ensemble(pop), data.to_tree())
        cols = ("train_loss", "train_acc", "test_loss", "test_acc")
        return Table([{"member": i, "seed": s, "lr": lr, "status": st, **{c: float(out[c][i]) for c in cols}}
                      for i, (s, lr, st) in enumerate(zip(out["seeds"], out["lr"], out["status"]))])


class Realise(BackendMorphism):
    """The functor Param → Rep on objects: each member's activations of ``layer`` on the first
    ``n_probe`` inputs of ``split``."""

    inputs, output = (Population, Dataset), RepresentationTable
    layer: str
    n_probe: PositiveInt = 256
    split: Literal["train", "test"] = "test"

    def run(self, ctx: Any, pop: Population, data: Dataset) -> RepresentationTable:
        from catdyn.runner.operations import realise

        rep = realise(ctx, _ensemble(pop), data.to_tree(), layer=self.layer, n_probe=self.n_probe, split=self.split)
        return RepresentationTable(self.layer, f"{self.split}[:{rep['n_probe']}]", rep["features"], rep["status"])


class Permute(BackendMorphism):
    """σ·θ for every member: one hidden-unit symmetry σ (drawn from ``sigma_seed``), a
    morphism of Param."""

    inputs, output = (Population,), Population
    sigma_seed: int

    def run(self, ctx: Any, pop: Population) -> Population:
        from catdyn.runner.operations import permute_ensemble

        out = permute_ensemble(ctx, _ensemble(pop), sigma_seed=self.sigma_seed)
        return Population(pop.arch, out["params"], pop.status, pop.seeds, pop.meta, {**pop.extras, "checkpoints": {}})


class PermuteRep(BackendMorphism):
    """P_σ on a realisation: the coordinate permutation σ induces on the layer (a morphism of
    Rep), applied by moving coordinates. ``arch`` is the population's architecture."""

    inputs, output = (RepresentationTable,), RepresentationTable
    sigma_seed: int
    arch: dict[str, Any]

    def run(self, ctx: Any, rep: RepresentationTable) -> RepresentationTable:
        from catdyn.runner.operations import permute_rep

        out = permute_rep(ctx, {"arch": self.arch, "layer": rep.layer, "features": rep.features},
                          sigma_seed=self.sigma_seed)
        return RepresentationTable(rep.layer, rep.probe, out["features"], rep.status)


class AccuracySpread(BackendMorphism):
    """Runs differing only in their seed generalise alike: the std of test accuracy within each
    group of members sharing ``group_by``, with a bootstrap interval, against ``threshold``."""

    inputs, output = (Table,), Claims
    threshold: PositiveFloat = 0.005
    group_by: Literal["lr", "seed"] = "lr"
    n_boot: PositiveInt = 2000

    def run(self, ctx: Any, acc: Table) -> Claims:
        from catdyn.runner.operations import claim_accuracy_spread

        cols = {k: [r[k] for r in acc.rows] for k in ("test_acc", "status", "lr", "seed")}
        claim_accuracy_spread(ctx, cols, threshold=self.threshold, group_by=self.group_by, n_boot=self.n_boot)
        return Claims([r[3] for r in ctx.records if r[0] == "claim"])
