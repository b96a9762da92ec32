"""Morphisms of the homotopy study: the aligned loss barriers of every pair of a population's
members, the classes they cut out at a level c, and the paper's claim that the runs of one
class generalise alike (:class:`ClassSpreads`). Each wraps the small step of
:mod:`catdyn.backends.torch.studies.homotopy` that computes it (the numbers are the same), reading and
writing the typed values of :mod:`catdyn.values`.

>>> Barriers(points=9).definition
'line-endpoint'
>>> Classes(c=-1.0)
Traceback (most recent call last):
...
catdyn.errors.SpecError: Classes got invalid parameters: c: Input should be greater than or equal to 0 (got -1.0). Fix the parameter; `catdyn morphisms` lists every morphism's parameters.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, NonNegativeFloat, PositiveInt

from catdyn.morphisms import BackendMorphism
from catdyn.values import BarrierMatrix, Claims, Dataset, Partition, Population, Table


def population_members(pop: Population, data: Dataset, device: str) -> Any:
    """The members of ``pop`` that trained (:class:`~catdyn.backends.torch.studies.homotopy.members.Members`),
    whether its architecture is an ensemble's full config (an MLP's ``widths``, a CNN's
    ``input_shape``) or the homotopy study's short form (``hidden``, ``image``)."""
    from catdyn.backends.torch.studies.homotopy.members import load_members

    arch = dict(pop.arch)
    if arch.get("type", "mlp") == "mlp" and "widths" in arch:
        arch = {"type": "mlp", "hidden": list(arch["widths"][1:-1])}
    elif arch.get("type") == "cnn" and "input_shape" in arch:
        arch = {"type": "cnn", "image": list(arch["input_shape"]), "channels": list(arch.get("channels", (8, 16)))}
    return load_members({"arch": arch, "status": pop.status, "params": pop.params}, data.to_tree(), device)


class Barriers(BackendMorphism):
    """The loss barrier of every pair of the population's trained members: the second member
    aligned to the first by ``alignment`` (weight matching through the architecture's symmetry,
    or none), the ``metric`` on ``split`` profiled at ``points`` points of the linear path, and
    the barrier read off by ``definition`` (line-endpoint: above the chord between the ends;
    mean-endpoint: above the mean of the ends)."""

    inputs, output = (Population, Dataset), BarrierMatrix
    alignment: Literal["weight", "none"] = "weight"
    definition: Literal["line-endpoint", "mean-endpoint"] = "line-endpoint"
    metric: Literal["loss", "error"] = "loss"
    split: Literal["train", "test"] = "train"
    points: int = Field(25, ge=3)

    def run(self, ctx: Any, pop: Population, data: Dataset) -> BarrierMatrix:
        from catdyn.backends.torch.paths.barrier_matrix import barrier_matrix

        m = population_members(pop, data, ctx.device)
        bm = barrier_matrix(m.net, m.stacked, m.splits, points=self.points, alignment=self.alignment, seed=ctx.seed)
        matrix = bm.matrix(self.metric, self.split, self.definition)
        return BarrierMatrix(matrix, self.definition, self.points, list(m.members), pop.size,
                             f"{self.metric} ({self.split})")


class Classes(BackendMorphism):
    """The classes of the members at level ``c``: the connected components of the graph whose
    edges are the pairs with barrier ≤ ``c`` (π0, a coequaliser in FinSet); a member the
    barriers left out (it failed to train) is in no class."""

    inputs, output = (BarrierMatrix,), Partition
    criterion: Literal["components"] = "components"
    c: NonNegativeFloat = 0.1

    def run(self, ctx: Any, barriers: BarrierMatrix) -> Partition:
        from catdyn.classes import classes_at

        labels = classes_at(barriers.matrix, self.c).tolist()
        rows = barriers.members or list(range(len(labels)))
        out: list[int | None] = [None] * (barriers.size or len(labels))
        for row, label in zip(rows, labels):
            out[row] = int(label)
        return Partition(out, self.criterion, float(self.c))


class ClassSpreads(BackendMorphism):
    """The paper's claim that homotopic runs generalise alike: the pooled within-class and the
    between-class spread of test accuracy (``test_acc`` of the table, one row per member, as
    :class:`~catdyn.backends.torch.training.morphisms.Evaluate` writes it) over the classes of the
    partition, with stratified bootstrap intervals of ``resamples`` draws, against the paper's
    bounds (< 0.5 % within, > 3 % between). Members in no class are left out."""

    inputs, output = (Partition, Table), Claims
    resamples: PositiveInt = 2000

    def run(self, ctx: Any, part: Partition, acc: Table) -> Claims:
        from catdyn.backends.torch.studies.homotopy.claims import spread_claims
        from catdyn.backends.torch.studies.homotopy.spreads import measure_spreads

        rows = [i for i, label in enumerate(part.labels) if label is not None]
        spreads = measure_spreads([float(acc.rows[i]["test_acc"]) for i in rows], [part.labels[i] for i in rows],
                                  resamples=self.resamples, seed=ctx.seed)
        words = (f"{len(rows)} networks, classes = {part.criterion} of barrier ≤ {part.level:g}, "
                 f"{spreads.classes_used} classes with ≥ 2 members")
        for claim in spread_claims(spreads, words):
            claim.record(ctx)
        return Claims([r[3] for r in ctx.records if r[0] == "claim"])
