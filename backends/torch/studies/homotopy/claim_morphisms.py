"""The homotopy study's claim morphisms beside the spreads (:mod:`.morphisms`): the Mantel test
(no threshold), the sensitivity of the classes and verdicts to the criterion and c, the verdicts
kept only where that choice does not decide them, the affine fits within vs between classes,
and the alignment laws on the trained members.

>>> Sensitivity().grid["relative"]
(0.5, 1.0, 2.0, 5.0)
>>> Sensitivity(grid={"sideways": (0.1,)})
Traceback (most recent call last):
...
catdyn.errors.SpecError: Sensitivity got invalid parameters: grid.sideways.[key]: Input should be 'line-endpoint', 'mean-endpoint', 'sublevel' or 'relative' (got 'sideways'). Fix the parameter; `catdyn morphisms` lists every morphism's parameters.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import PositiveFloat, PositiveInt

from catdyn.backends.torch.studies.homotopy.morphisms import Definition, population_members
from catdyn.backends.torch.studies.homotopy.values import PathProfiles
from catdyn.morphisms import BackendMorphism
from catdyn.values import BarrierMatrix, Claims, Dataset, Partition, Population, Table

DEFAULT_GRID: dict[str, tuple[float, ...]] = {
    "line-endpoint": (0.05, 0.1, 0.2, 0.5),
    "mean-endpoint": (0.05, 0.1, 0.2, 0.5),
    "sublevel": (0.05, 0.1, 0.2, 0.5),
    "relative": (0.5, 1.0, 2.0, 5.0),
}
"""The criteria × c of the sensitivity table by default: c/2 … 5c around 0.1 for the absolute
criteria (the metric's units), ratios around 1 for the relative one."""


def _accuracy(acc: Table, rows: list[int]) -> np.ndarray:
    return np.array([float(acc.rows[r]["test_acc"]) for r in rows], dtype=np.float64)


def _claims(ctx: Any) -> Claims:
    return Claims([r[3] for r in ctx.records if r[0] == "claim"])


class Mantel(BackendMorphism):
    """Pairs joined by lower barriers generalise more alike, with no threshold: the Spearman
    correlation over pairs between the barrier and |Δ test accuracy|, with one-sided Mantel
    permutation p-values (``permutations`` relabellings of the members) in both directions."""

    inputs, output = (BarrierMatrix, Table), Claims
    permutations: PositiveInt = 1000

    def run(self, ctx: Any, barriers: BarrierMatrix, acc: Table) -> Claims:
        from catdyn.backends.torch.studies.homotopy.claims import mantel_claim
        from catdyn.backends.torch.studies.homotopy.mantel import mantel_test

        rows = barriers.members or list(range(len(barriers.matrix)))
        test = mantel_test(np.asarray(barriers.matrix, dtype=np.float64), _accuracy(acc, rows),
                           permutations=self.permutations, seed=ctx.seed)
        ctx.metric("Mantel ρ (barrier vs |Δ test acc|)", test.rho)
        ctx.metric("Mantel p (one-sided, ρ > 0)", test.p_greater)
        ctx.metric("Mantel p (one-sided, ρ < 0)", test.p_less)
        mantel_claim(test, f"{barriers.definition} barrier ({barriers.measure})").record(ctx)
        return _claims(ctx)


class Sensitivity(BackendMorphism):
    """The classes and the spread verdicts under every criterion × c of ``grid`` (criterion →
    levels) on ``metric`` (``split``): classes, members not converged, largest class, and the
    within- and between-class spreads of test accuracy with stratified bootstrap intervals of
    ``resamples`` draws and their verdicts against the paper's bounds."""

    inputs, output = (PathProfiles, Table), Table
    grid: dict[Definition, tuple[PositiveFloat, ...]] = DEFAULT_GRID
    metric: Literal["loss", "error"] = "loss"
    split: Literal["train", "test"] = "train"
    resamples: PositiveInt = 1000

    def run(self, ctx: Any, paths: PathProfiles, acc: Table) -> Table:
        from catdyn.backends.torch.studies.homotopy.sensitivity import sensitivity

        rows = sensitivity(paths, _accuracy(acc, list(paths.members)), grid=self.grid, metric=self.metric,
                           split=self.split, resamples=self.resamples, seed=ctx.seed)
        ctx.table("sensitivity of the classes and verdicts to the criterion and c", rows)
        return Table(rows)


class RobustVerdicts(BackendMorphism):
    """The spread claims (as :class:`~.morphisms.ClassSpreads` measured them under the chosen
    criterion and c) under their plain names, each verdict kept only where every row of the
    sensitivity table gives it; a verdict our choice of criterion or c decides is inconclusive,
    the reason naming the rows under each verdict."""

    inputs, output = (Claims, Table), Claims

    def run(self, ctx: Any, chosen: Claims, table: Table) -> Claims:
        from catdyn.backends.torch.studies.homotopy.claims import Claim, robust_claim
        from catdyn.stats import Verdict

        for key in ("within", "between"):
            found = [c for c in chosen.claims if c["claim"].startswith(f"{key}-class spread")]
            if not found:
                continue
            c = found[0]
            claim = Claim(f"{key}-class spread of test accuracy", c["paper"], c["measured"], Verdict(c["verdict"]),
                          tuple(c["interval"]) if c.get("interval") else None, c.get("figure", ""),
                          c.get("detail", ""))
            rows = [(f"{r['criterion']} c={r['c']:g}", r[f"{key} verdict"]) for r in table.rows]
            robust_claim(claim, rows).record(ctx)
        return _claims(ctx)


class AffineFits(BackendMorphism):
    """Homotopic runs' representations differ by an affine map: at every checkpoint, a ridge
    affine map from one member's ``layer`` features (default: the penultimate layer) to
    another's on ``n_probe`` test inputs, fitted on half and scored on the other half, averaged
    over pairs (at most ``max_pairs``) within a class and between classes."""

    inputs, output = (Population, Dataset, Partition), Claims
    layer: str | None = None
    n_probe: PositiveInt = 512
    max_pairs: PositiveInt = 1000

    def run(self, ctx: Any, pop: Population, data: Dataset, part: Partition) -> Claims:
        from catdyn.backends.torch.studies.homotopy import affine, claims, records

        m = population_members(pop, data, ctx.device)
        labels = np.array([-1 - k if part.labels[r] is None else part.labels[r] for k, r in enumerate(m.members)])
        fits = affine.affine_fits(m, pop.checkpoints, labels, layer=self.layer, n_probe=self.n_probe,
                                  max_pairs=self.max_pairs, seed=ctx.seed)
        records.record_affine(ctx, fits)
        claims.affine_claim(fits).record(ctx)
        return _claims(ctx)


class AlignmentLaws(BackendMorphism):
    """The alignment's laws on the first two trained members (the aligned network computes the
    same function; its realisation is the permuted realisation; weight matching inverts a
    planted permutation), each checked on ``examples`` drawn symmetries."""

    inputs, output = (Population, Dataset), Table
    n_probe: PositiveInt = 512
    examples: PositiveInt = 3

    def run(self, ctx: Any, pop: Population, data: Dataset) -> Table:
        from catdyn.backends.torch.studies.homotopy.laws import alignment_law_results

        results = alignment_law_results(population_members(pop, data, ctx.device), n_probe=self.n_probe,
                                        examples=self.examples, seed=ctx.seed)
        for r in results:
            ctx.law(r)
        return Table([{"law": r.law, "status": r.status, "residual": float(r.residual)} for r in results])

