"""Morphisms of the homotopy study: train a population over optimisers × learning rates × seeds,
measure the aligned paths between every pair of its members, fit curves where the straight path
fails, read the barriers under a class criterion, cut the classes at a level c (a coequaliser in
FinSet), count them, and test the paper's claim that the runs of one class generalise alike
(:class:`ClassSpreads`). The claims' other morphisms (Mantel test, sensitivity, robust verdicts,
affine fits, alignment laws) are in :mod:`.claim_morphisms`. Each reads and writes the typed
values of :mod:`catdyn.values` and :mod:`.values`.

>>> Barriers(points=9).definition
'line-endpoint'
>>> Classes(c=-1.0)
Traceback (most recent call last):
...
catdyn.errors.SpecError: Classes got invalid parameters: c: Input should be greater than or equal to 0 (got -1.0). Fix the parameter; `catdyn morphisms` lists every morphism's parameters.
>>> Criterion(definition="sublevel").serialise()["params"]
{'definition': 'sublevel', 'metric': 'loss', 'split': 'train'}
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    model_serializer,
)

from catdyn.backends.torch.studies.homotopy.values import PathProfiles
from catdyn.morphisms import BackendMorphism
from catdyn.values import BarrierMatrix, Claims, Dataset, Partition, Population, Table

Definition = Literal["line-endpoint", "mean-endpoint", "sublevel", "relative"]


def population_members(pop: Population, data: Dataset, device: str) -> Any:
    """The members of ``pop`` that trained (:class:`~catdyn.backends.torch.studies.homotopy.members.Members`),
    whether its architecture is an ensemble's full config (an MLP's ``widths``, a CNN's
    ``input_shape`` and options, a GRU's or Transformer's sizes) or the homotopy study's short
    form (``hidden``, ``image``)."""
    from catdyn.backends.torch.studies.homotopy.members import load_members

    arch = dict(pop.arch)
    if arch.get("type", "mlp") == "mlp" and "widths" in arch:
        arch = {"type": "mlp", "hidden": list(arch["widths"][1:-1])}
    return load_members({"arch": arch, "status": pop.status, "params": pop.params}, data.to_tree(), device)


class RandomLabels(BaseModel):
    """Pre-training on random labels before the real training (Liu et al. 2020): ``steps`` SGD
    steps (``lr``, ``momentum``) on the training inputs with their labels permuted across samples
    by ``label_seed`` (:mod:`~catdyn.backends.torch.studies.homotopy.pretrain`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    steps: PositiveInt
    lr: PositiveFloat = 0.05
    momentum: NonNegativeFloat = 0.9
    label_seed: NonNegativeInt = 0


class Optimiser(BaseModel):
    """One optimiser of a homotopy population and the learning rates it is trained with; with
    ``random_labels``, its members are first pre-trained on random labels (a known group of
    members that fit the training set yet may generalise worse)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: Literal["sgd", "adam"]
    lrs: tuple[PositiveFloat, ...] = Field(min_length=1)
    momentum: NonNegativeFloat = 0.9
    weight_decay: NonNegativeFloat = 0.0
    random_labels: RandomLabels | None = None

    @model_serializer(mode="wrap")
    def _without_unset_pretraining(self, handler: Any) -> dict[str, Any]:
        """Without pre-training the serialisation (and so every stored task key) is the one it
        had before ``random_labels`` existed."""
        out = handler(self)
        if out.get("random_labels") is None:
            out.pop("random_labels", None)
        return out


class HomotopyTrain(BackendMorphism):
    """The population of one architecture (``{"type": "mlp", "hidden": [32]}`` or ``{"type":
    "cnn", "image": [1, 8, 8], "channels": [8, 16]}``): every (optimiser, learning rate, seed)
    member, trained as one batched ensemble per optimiser for ``steps`` steps, with checkpoints
    at ``stages`` + 1 matched steps; a diverging member is marked failed."""

    inputs, output = (Dataset,), Population
    arch: dict[str, Any]
    seeds: tuple[int, ...] = Field(min_length=1)
    optimisers: tuple[Optimiser, ...] = Field(min_length=1)
    steps: PositiveInt = 800
    batch_size: PositiveInt = 64
    stages: PositiveInt = 4

    def run(self, ctx: Any, data: Dataset) -> Population:
        from catdyn.backends.torch.models.architectures import architecture_config
        from catdyn.backends.torch.studies.homotopy.members import population_architecture
        from catdyn.backends.torch.studies.homotopy.train import train_population

        tree = data.to_tree()
        pop = train_population(tree, arch=self.arch, seeds=self.seeds, optimisers=[o.model_dump() for o in self.optimisers],
                               steps=self.steps, batch_size=self.batch_size, stages=self.stages, seed=ctx.seed,
                               device=ctx.device)
        net = population_architecture(self.arch, tuple(tree["train_x"].shape[1:]), int(tree["n_classes"]))
        ctx.metric("members", pop["members"])
        ctx.metric("members failed", sum(s != "ok" for s in pop["status"]))
        return Population(architecture_config(net), pop["params"], list(pop["status"]),
                          [int(r["seed"]) for r in pop["config"]], [dict(r) for r in pop["config"]],
                          losses=pop["losses"], checkpoints=pop["checkpoints"])


class LinearPaths(BackendMorphism):
    """The straight paths between every pair of the population's trained members, the second of
    each pair aligned to the first by ``alignment`` (weight matching through the architecture's
    symmetry, or none); loss and error on both splits at ``points`` points, so every barrier
    definition can be read off them."""

    inputs, output = (Population, Dataset), PathProfiles
    alignment: Literal["weight", "none"] = "weight"
    points: int = Field(25, ge=3)

    def run(self, ctx: Any, pop: Population, data: Dataset) -> PathProfiles:
        from catdyn.backends.torch.studies.homotopy.barriers import measure_paths

        m = population_members(pop, data, ctx.device)
        paths = measure_paths(m, points=self.points, seed=ctx.seed, alignment=self.alignment, size=pop.size)
        ctx.metric("pairs", len(paths.pairs))
        return paths


class Curves(BackendMorphism):
    """Bézier curves (one control point, ``curve_steps`` steps) between the aligned ends of the
    pairs whose straight path fails ``definition`` at ``c`` while they could join two classes,
    cheapest first, at most ``max_curves``; a pair's barrier is then the lower of line and curve."""

    inputs, output = (PathProfiles, Population, Dataset), PathProfiles
    definition: Definition = "line-endpoint"
    metric: Literal["loss", "error"] = "loss"
    split: Literal["train", "test"] = "train"
    c: NonNegativeFloat = 0.1
    max_curves: NonNegativeInt = 10
    curve_steps: PositiveInt = 200

    def run(self, ctx: Any, lines: PathProfiles, pop: Population, data: Dataset) -> PathProfiles:
        from catdyn.backends.torch.studies.homotopy.curves import fit_curves
        from catdyn.backends.torch.studies.homotopy.records import record_paths

        m = population_members(pop, data, ctx.device)
        paths, fits = fit_curves(m, lines, self.definition, self.metric, self.split, self.c, max_curves=self.max_curves,
                                 curve_steps=self.curve_steps, seed=ctx.seed)
        ctx.table("curves fitted (Bézier, one control point)", [f.row() for f in fits])
        ctx.metric("curves fitted", len(fits))
        record_paths(ctx, m, paths, fits[0].pair if fits else None, self.metric, self.split)
        return paths


class Criterion(BackendMorphism):
    """The barrier matrix of a class criterion on the measured paths: ``definition``
    (line-endpoint, mean-endpoint, sublevel: the path's peak, relative: line-endpoint ÷ mean
    of the ends) of ``metric`` on ``split``, each pair's the lower over its line and curve."""

    inputs, output = (PathProfiles,), BarrierMatrix
    definition: Definition = "line-endpoint"
    metric: Literal["loss", "error"] = "loss"
    split: Literal["train", "test"] = "train"

    def run(self, ctx: Any, paths: PathProfiles) -> BarrierMatrix:
        from catdyn.backends.torch.studies.homotopy.criteria import levels

        lev = levels(paths, self.definition, self.metric, self.split)
        upper = lev.matrix[np.triu_indices(paths.n, 1)]
        ctx.metric("median barrier", float(np.median(upper)) if upper.size else float("nan"))
        return BarrierMatrix(lev.matrix, self.definition, len(paths.alphas), list(paths.members), paths.size,
                             f"{self.metric} ({self.split})", [float(v) for v in lev.own])


class Barriers(BackendMorphism):
    """The aligned barrier of every pair of the population's trained members in one arrow:
    :class:`LinearPaths` read by :class:`Criterion` (no curves)."""

    inputs, output = (Population, Dataset), BarrierMatrix
    alignment: Literal["weight", "none"] = "weight"
    definition: Definition = "line-endpoint"
    metric: Literal["loss", "error"] = "loss"
    split: Literal["train", "test"] = "train"
    points: int = Field(25, ge=3)

    def run(self, ctx: Any, pop: Population, data: Dataset) -> BarrierMatrix:
        paths = LinearPaths(alignment=self.alignment, points=self.points).run(ctx, pop, data)
        return Criterion(definition=self.definition, metric=self.metric, split=self.split).run(ctx, paths)


class Classes(BackendMorphism):
    """The classes of the members at level ``c``: π0 of the graph whose edges are the pairs with
    barrier ≤ ``c``, the coequaliser of its two endpoint maps in FinSet. A member the barriers
    left out (it failed to train) is in no class, nor, under the sublevel criterion, one whose
    own value exceeds ``c`` (not converged)."""

    inputs, output = (BarrierMatrix,), Partition
    criterion: Literal["components"] = "components"
    c: NonNegativeFloat = 0.1

    def run(self, ctx: Any, barriers: BarrierMatrix) -> Partition:
        from catdyn.backends.torch.studies.homotopy.partition import finset_classes

        keep = None
        if barriers.definition == "sublevel" and barriers.own:
            keep = np.asarray(barriers.own, dtype=np.float64) <= self.c
            ctx.metric("members not converged", int((~keep).sum()))
        labels = finset_classes(barriers.matrix, self.c, keep)
        rows = barriers.members or list(range(len(labels)))
        out: list[int | None] = [None] * (barriers.size or len(labels))
        for row, label in zip(rows, labels):
            out[row] = label
        ctx.metric("classes", len({v for v in labels if v is not None}))
        return Partition(out, f"{barriers.definition} barrier of {barriers.measure}", float(self.c))


class ClassCount(BackendMorphism):
    """The number of classes at ``c`` against the paper's 7 of 100, with the range of c over which
    it holds (the H0 persistence of the barrier filtration: single linkage over c), drawn as the
    heat map ordered by class, the count against c, the barcode and the dendrogram."""

    inputs, output = (BarrierMatrix,), Claims
    c: NonNegativeFloat = 0.1

    def run(self, ctx: Any, barriers: BarrierMatrix) -> Claims:
        from catdyn.backends.torch.studies.homotopy import records
        from catdyn.backends.torch.studies.homotopy.claims import count_claim
        from catdyn.backends.torch.studies.homotopy.partition import classes_of

        b = np.asarray(barriers.matrix, dtype=np.float64)
        if barriers.definition == "sublevel" and barriers.own:
            kept = np.flatnonzero(np.asarray(barriers.own) <= self.c)
            b = b[np.ix_(kept, kept)]
        classes = classes_of(b, self.c)
        words = f"{len(b)} networks, classes = components of {barriers.definition} barrier of {barriers.measure} ≤ {self.c:g}"
        claim = count_claim(classes, words)
        claim.record(ctx)
        records.record_levels(ctx, classes)
        records.record_class_plots(ctx, b, classes, f"{barriers.definition} barrier, {barriers.measure}")
        return Claims([r[3] for r in ctx.records if r[0] == "claim"])


class ClassSpreads(BackendMorphism):
    """The paper's claim that homotopic runs generalise alike: the pooled within-class and the
    between-class spread of test accuracy (``test_acc`` of the table, one row per member, as
    :class:`~catdyn.backends.torch.training.morphisms.Evaluate` writes it) over the classes of the
    partition, with stratified bootstrap intervals of ``resamples`` draws, against the paper's
    bounds (< 0.5 % within, > 3 % between). Members in no class are left out. ``tag`` is added
    to the claims' names (to tell them from a robust verdict's)."""

    inputs, output = (Partition, Table), Claims
    resamples: PositiveInt = 2000
    tag: str = ""

    def run(self, ctx: Any, part: Partition, acc: Table) -> Claims:
        from catdyn.backends.torch.studies.homotopy.claims import spread_claims
        from catdyn.backends.torch.studies.homotopy.records import record_accuracy_by_class
        from catdyn.backends.torch.studies.homotopy.spreads import measure_spreads

        rows = [i for i, label in enumerate(part.labels) if label is not None]
        a, labels = [float(acc.rows[i]["test_acc"]) for i in rows], [part.labels[i] for i in rows]
        spreads = measure_spreads(a, labels, resamples=self.resamples, seed=ctx.seed)
        words = (f"{len(rows)} networks, classes = components of {part.criterion} ≤ {part.level:g}, "
                 f"{spreads.classes_used} classes with ≥ 2 members; {len(part.labels) - len(rows)} in no class")
        if spreads.classes_used < 2:
            words += "; only one class has ≥ 2 members, so nothing contrasts it"
        for claim in spread_claims(spreads, words):
            named = dataclasses.replace(claim, claim=f"{claim.claim} {self.tag}") if self.tag else claim
            named.record(ctx)
        ctx.metric("permutation-test p (classes explain accuracy)", spreads.p_value)
        record_accuracy_by_class(ctx, rows, labels, a, acc)
        return Claims([r[3] for r in ctx.records if r[0] == "claim"])
