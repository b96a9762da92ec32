"""The classification of a trained population, composed from the small steps of this package:
members → aligned barriers → curves → classes and their H0 persistence → spreads, Mantel test,
sensitivity, affine fits, alignment laws → claims. Each step is a function from typed values
to a typed value; this module only wires them and records what they return.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from catdyn.backends.torch.paths.barrier_matrix import BarrierMatrix
from catdyn.backends.torch.studies.homotopy import records
from catdyn.backends.torch.studies.homotopy.affine import AffineFits, affine_fits
from catdyn.backends.torch.studies.homotopy.barriers import Criterion, join_parts, measure_barriers
from catdyn.backends.torch.studies.homotopy.claims import (
    affine_claim,
    count_claim,
    mantel_claim,
    setting,
    spread_claims,
)
from catdyn.backends.torch.studies.homotopy.curves import Curves, fit_curves
from catdyn.backends.torch.studies.homotopy.laws import alignment_law_results
from catdyn.backends.torch.studies.homotopy.mantel import mantel_test
from catdyn.backends.torch.studies.homotopy.members import Members, load_members, member_accuracy
from catdyn.backends.torch.studies.homotopy.partition import Classes, classes_of, sensitivity
from catdyn.backends.torch.studies.homotopy.spreads import Spreads, measure_spreads
from catdyn.errors import HomotopyError


def classify_population(
    ctx: Any,
    pop: Mapping[str, Any],
    data: Mapping[str, Any],
    *,
    threshold: float = 0.1,
    metric: str = "loss",
    split: str = "train",
    definition: str = "line-endpoint",
    points: int = 25,
    max_curves: int = 10,
    curve_steps: int = 200,
    resamples: int = 2000,
    affine_layer: str | None = None,
    n_probe: int = 512,
    law_examples: int = 3,
    affine_pairs: int = 1000,
    parts: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Classify ``pop`` and record every table, plot, law and claim into ``ctx``; ``parts`` are
    barrier chunks measured beforehand (else the barriers are measured here)."""
    if pop.get("skipped"):
        ctx.metric("members", 0)
        return {"skipped": True}
    criterion = Criterion(threshold, metric, split, definition)
    members = load_members(pop, data, ctx.device)
    if members.n < 2:
        raise HomotopyError.too_few_models(members.n, 2)
    acc = member_accuracy(members)
    bm = join_parts(parts, members.n) if parts else measure_barriers(members, points=points, seed=ctx.seed)
    linear = criterion.matrix(bm)
    ctx.metric("median linear barrier", float(np.median(linear[np.triu_indices(members.n, 1)])))
    curves = fit_curves(
        members,
        bm,
        criterion,
        max_curves=max_curves,
        curve_steps=curve_steps,
        points=len(bm.alphas),
        seed=ctx.seed,
    )
    records.record_curves(ctx, curves)
    classes = classes_of(curves.barriers, threshold)
    spreads = measure_spreads(acc, classes.labels, resamples=resamples, seed=ctx.seed)
    records.record_class_metrics(ctx, classes, spreads)
    words = setting(
        members.n, pop["arch_name"], criterion, len(curves.fits), max_curves, spreads.classes_used
    )
    for claim in (*spread_claims(spreads, words), count_claim(classes, words)):
        claim.record(ctx)
    mantel = mantel_test(curves.barriers, acc, permutations=min(resamples, 2000), seed=ctx.seed)
    records.record_mantel(ctx, mantel)
    mantel_claim(mantel, criterion).record(ctx)
    records.record_levels_and_pairs(ctx, classes, spreads)
    ctx.table(
        "sensitivity of the classes (curves only for the primary choice)",
        sensitivity(bm, curves.barriers, criterion, acc),
    )
    records.record_class_plots(ctx, curves.barriers, classes, criterion, acc)
    records.record_accuracy_by_class(ctx, classes, acc, members.members, pop["config"])
    records.record_paths(ctx, members, bm, curves, criterion)
    aff = affine_fits(
        members,
        pop["checkpoints"],
        classes.labels,
        layer=affine_layer,
        n_probe=n_probe,
        max_pairs=affine_pairs,
        seed=ctx.seed,
    )
    records.record_affine(ctx, aff)
    affine_claim(aff).record(ctx)
    for result in alignment_law_results(members, n_probe=n_probe, examples=law_examples, seed=ctx.seed):
        ctx.law(result)
    return homotopy_value(members, acc, criterion, bm, curves, classes, spreads, aff)


def homotopy_value(
    members: Members,
    acc: np.ndarray,
    criterion: Criterion,
    bm: BarrierMatrix,
    curves: Curves,
    classes: Classes,
    spreads: Spreads,
    aff: AffineFits,
) -> dict[str, Any]:
    """The stored ``homotopy`` value: what was measured, as plain numbers and arrays."""
    return {
        "skipped": False,
        "n": members.n,
        "members": list(members.members),
        "test_acc": acc,
        "labels": classes.labels,
        "linear": criterion.matrix(bm),
        "barriers": curves.barriers,
        "alphas": bm.alphas,
        "deaths": classes.persistence.deaths,
        "threshold": criterion.threshold,
        "profiles": {f"{m}/{s}": v for (m, s), v in bm.profiles.items()},
        "within": [spreads.within.value, spreads.within.low, spreads.within.high],
        "between": [spreads.between.value, spreads.between.low, spreads.between.high],
        "n_classes": spreads.n_classes,
        "class_sizes": spreads.class_sizes,
        "p_value": spreads.p_value,
        "affine_within": aff.within,
        "affine_between": aff.between,
        "stages": aff.stages,
    }
