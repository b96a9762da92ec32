"""Morphisms of populations: load data, train a population as one batched ensemble, evaluate,
realise (the functor Param → Rep on objects), act by a symmetry, check the realisation's law,
and measure the accuracy spread, reading and writing typed values. Their bodies live in
:mod:`~catdyn.backends.torch.training.population` and
:mod:`~catdyn.backends.torch.functors.population_realisation`.

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

import math
from typing import Any, Literal

import numpy as np
from pydantic import NonNegativeFloat, PositiveFloat, PositiveInt, field_validator

from catdyn.morphisms import BackendMorphism
from catdyn.values import Claims, Dataset, Population, RepresentationTable, Table

ARCHITECTURES = ("cnn", "gru", "mlp", "resnet", "transformer")


class LoadDataset(BackendMorphism):
    """A data set (``digits``, ``mnist1d``, ``moons``, ``circles``), optionally cut to its first
    ``n_train``/``n_test`` samples."""

    inputs, output = (), Dataset
    dataset: Literal["digits", "mnist1d", "moons", "circles"] = "digits"
    seed: int = 0
    n_train: PositiveInt | None = None
    n_test: PositiveInt | None = None

    def run(self, ctx: Any) -> Dataset:
        from catdyn.backends.torch.data.loading import load_dataset

        data = load_dataset(self.dataset, self.seed, self.n_train, self.n_test)
        ctx.metric("n_train", len(data.train_y))
        ctx.metric("n_test", len(data.test_y))
        return data


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
        from catdyn.backends.torch.training.population import train_population

        return train_population(ctx, data, **self.model_dump())


class Evaluate(BackendMorphism):
    """Loss and accuracy of every member on the train and test splits (failed members: NaN)."""

    inputs, output = (Population, Dataset), Table

    def run(self, ctx: Any, pop: Population, data: Dataset) -> Table:
        from catdyn.backends.torch.training.population import evaluate_population

        return Table(evaluate_population(ctx, pop, data))


class Realise(BackendMorphism):
    """The functor Param → Rep on objects: each member's activations of ``layer`` on the first
    ``n_probe`` inputs of ``split``."""

    inputs, output = (Population, Dataset), RepresentationTable
    layer: str
    n_probe: PositiveInt = 256
    split: Literal["train", "test"] = "test"

    def run(self, ctx: Any, pop: Population, data: Dataset) -> RepresentationTable:
        from catdyn.backends.torch.functors.population_realisation import realise_population

        rep = realise_population(pop, data, self.layer, self.n_probe, self.split)
        ctx.metric("probe points", rep.features.shape[1])
        ctx.metric("width", rep.features.shape[-1])
        return rep


class Permute(BackendMorphism):
    """σ·θ for every member: one hidden-unit symmetry σ (drawn from ``sigma_seed``), a
    morphism of Param."""

    inputs, output = (Population,), Population
    sigma_seed: int

    def run(self, ctx: Any, pop: Population) -> Population:
        from catdyn.backends.torch.functors.population_realisation import permute_population

        ctx.metric("members", pop.size)
        return permute_population(pop, self.sigma_seed)


class PermuteRep(BackendMorphism):
    """P_σ on a realisation: the coordinate permutation σ induces on the layer (a morphism of
    Rep), applied by moving coordinates. ``arch`` is the population's architecture."""

    inputs, output = (RepresentationTable,), RepresentationTable
    sigma_seed: int
    arch: dict[str, Any]

    def run(self, ctx: Any, rep: RepresentationTable) -> RepresentationTable:
        from catdyn.backends.torch.functors.population_realisation import permute_representation

        return permute_representation(rep, self.arch, self.sigma_seed)


class RealisationLaw(BackendMorphism):
    """Naturality of the realisation on the *trained* members, R(σ·θ) = R(σ)·R(θ), with R(θ)
    the realisation this run stored and σ drawn by hypothesis from the architecture's symmetry
    group (``examples`` draws): catdyn's implementation law, recorded as a law and a claim."""

    inputs, output = (Population, Dataset, RepresentationTable), Claims
    split: Literal["train", "test"] = "test"
    examples: PositiveInt = 20
    atol: NonNegativeFloat = 1e-5

    def run(self, ctx: Any, pop: Population, data: Dataset, rep: RepresentationTable) -> Claims:
        from catdyn.backends.torch.functors.population_realisation import realisation_law

        result = realisation_law(pop, data, rep, self.split, self.examples, self.atol, ctx.seed, ctx.task)
        ctx.law(result)
        ctx.claim(
            "catdyn's realisation is natural for hidden-unit symmetries on the trained members "
            "(realise(σ·θ) = P_σ·realise(θ)): an implementation law, not the paper's theorem",
            paper="— (the design's law; the paper's functor claim concerns trajectories)",
            measured=result.residual, verdict=result.status,
            figure=f"largest residual over {result.examples} (member, σ) pairs, tolerance {self.atol:g}",
            detail=f"{sum(s == 'ok' for s in pop.status)} trained members, layer {rep.layer}, "
                   f"{rep.features.shape[1]} probe points",
        )
        return Claims([r[3] for r in ctx.records if r[0] == "claim"])


class AccuracySpread(BackendMorphism):
    """Runs differing only in their seed generalise alike: the std of test accuracy within each
    group of members sharing ``group_by``, with a bootstrap interval, against ``threshold``."""

    inputs, output = (Table,), Claims
    threshold: PositiveFloat = 0.005
    group_by: Literal["lr", "seed"] = "lr"
    n_boot: PositiveInt = 2000

    def run(self, ctx: Any, acc: Table) -> Claims:
        for key in sorted({r[self.group_by] for r in acc.rows}):
            values = [r["test_acc"] for r in acc.rows if r[self.group_by] == key and math.isfinite(r["test_acc"])]
            if len(values) >= 2:
                self._claim(ctx, key, values)
        ctx.metric("members failed", sum(r["status"] != "ok" for r in acc.rows))
        return Claims([r[3] for r in ctx.records if r[0] == "claim"])

    def _claim(self, ctx: Any, key: Any, values: list[float]) -> None:
        from catdyn.stats import bootstrap, bound_verdict

        spread = float(np.std(values, ddof=1))
        interval = bootstrap(lambda a: float(a.std(ddof=1)), np.asarray(values), resamples=self.n_boot,
                             seed=ctx.seed).interval.as_tuple()
        ctx.claim(
            f"runs differing only in seed generalise alike ({self.group_by} = {key})",
            paper=f"spread < {self.threshold:.1%} test accuracy within a class",
            measured=spread, interval=interval, verdict=str(bound_verdict(interval, self.threshold, "<")),
            figure="std of test accuracy, 95 % bootstrap interval",
            detail=f"{len(values)} members; proxy: hyperparameter group, not a homotopy class",
        )
