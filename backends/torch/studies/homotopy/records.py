"""What the classification records besides its claims: the tables and metrics of each step
and the plots (heat map ordered by class, classes against c, the H0 dendrogram and barcode,
accuracy by class, loss along linear and curved paths). Each function records one thing into
an operation's context from values already measured; the one exception, :func:`record_paths`,
also profiles the example pair's unaligned line, to show what the alignment changed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from catdyn.backends.torch.paths.barrier_matrix import BarrierMatrix
from catdyn.backends.torch.paths.interpolation import linear_path
from catdyn.backends.torch.studies.homotopy.affine import AffineFits
from catdyn.backends.torch.studies.homotopy.barriers import Criterion
from catdyn.backends.torch.studies.homotopy.curves import Curves
from catdyn.backends.torch.studies.homotopy.dendrogram import DENDROGRAM_DRAWER, dendrogram_data
from catdyn.backends.torch.studies.homotopy.mantel import MantelTest
from catdyn.backends.torch.studies.homotopy.members import Members
from catdyn.backends.torch.studies.homotopy.partition import Classes
from catdyn.backends.torch.studies.homotopy.spreads import Spreads
from catdyn.classes import persistent_counts


def record_curves(ctx: Any, curves: Curves) -> None:
    """The table of fitted curves and their count."""
    ctx.table("curves fitted (Bézier, one control point)", [f.row() for f in curves.fits])
    ctx.metric("curves fitted", len(curves.fits))


def record_class_metrics(ctx: Any, classes: Classes, spreads: Spreads) -> None:
    """The number of classes, those with ≥ 2 members, c, and the permutation test's p."""
    ctx.metric("classes", spreads.n_classes)
    ctx.metric("classes with ≥ 2 members", spreads.classes_used)
    ctx.metric("threshold c", classes.threshold)
    ctx.metric("permutation-test p (classes explain accuracy)", spreads.p_value)


def record_mantel(ctx: Any, test: MantelTest) -> None:
    """ρ and both one-sided p-values."""
    ctx.metric("Mantel ρ (barrier vs |Δ test acc|)", test.rho)
    ctx.metric("Mantel p (one-sided, ρ > 0)", test.p_greater)
    ctx.metric("Mantel p (one-sided, ρ < 0)", test.p_less)


def record_levels_and_pairs(ctx: Any, classes: Classes, spreads: Spreads) -> None:
    """The ranges of c for each count (longest first) and the pairwise spreads."""
    runs = persistent_counts(classes.persistence)
    ctx.table(
        "H0: the levels at which each number of classes holds (longest first)",
        [{"classes": k, "from c": lo, "to c": hi, "length": hi - lo} for k, lo, hi in runs[:10]],
    )
    rows = []
    for name, est in (("same class", spreads.within_pairs), ("different classes", spreads.between_pairs)):
        rows.append({"pairs": name, "mean |Δ test acc|": est.value, "low": est.low, "high": est.high})
    ctx.table("pairwise spreads (runs)", rows)


def record_class_plots(
    ctx: Any, barriers: np.ndarray, classes: Classes, criterion: Criterion, acc: np.ndarray
) -> None:
    """The heat map ordered by class, the count against c, the barcode and the dendrogram."""
    labels, pers = classes.labels, classes.persistence
    order = classes.order(acc)
    names = [f"{int(labels[i])}:{i}" for i in order]
    ctx.heatmap(
        "barrier matrix ordered by class",
        barriers[np.ix_(order, order)].tolist(),
        xlabels=names,
        ylabels=names,
        label=f"{criterion.definition} barrier ({criterion.metric}, {criterion.split})",
    )
    levels = classes.levels()
    ctx.series(
        "H0 persistence: classes against the level c",
        levels.tolist(),
        {"classes": [pers.n_classes(c) for c in levels]},
        xlabel="c (barrier level)",
        ylabel="classes",
    )
    ctx.table("H0 barcode (single linkage merges)", [{"i": i, "j": j, "death": h} for i, j, h in pers.merges])
    leaves = [f"{int(labels[i])}:{i}" for i in range(len(labels))]
    ctx.figure(
        "H0 dendrogram and barcode (single linkage over c)",
        DENDROGRAM_DRAWER,
        dendrogram_data(pers, labels, classes.threshold, names=leaves, label=criterion.label),
        caption=f"classes are the subtrees below c = {classes.threshold:g}; leaf 'class:model'",
    )


def record_accuracy_by_class(
    ctx: Any, classes: Classes, acc: np.ndarray, members: Sequence[int], config: Sequence[Mapping[str, Any]]
) -> None:
    """Each class's size, mean and std of test accuracy and optimisers; and the accuracies in
    class order (``config``: the population's rows, indexed by ``members``)."""
    labels = classes.labels
    rows = []
    for c in np.unique(labels):
        inside = np.flatnonzero(labels == c)
        cfg = [config[members[m]] for m in inside]
        rows.append(
            {
                "class": int(c),
                "size": len(inside),
                "mean test acc": float(acc[inside].mean()),
                "std": float(acc[inside].std(ddof=1)) if len(inside) > 1 else math.nan,
                "optimisers": ", ".join(sorted({f"{r['optimiser']} {r['lr']:g}" for r in cfg})),
            }
        )
    ctx.table("accuracy by class", rows)
    order = classes.order(acc)
    ctx.series(
        "test accuracy by class (members sorted)",
        list(range(len(labels))),
        {"test accuracy": [float(acc[i]) for i in order], "class": [float(labels[i]) for i in order]},
        xlabel="model (ordered by class)",
        ylabel="accuracy / class id",
    )


def record_paths(ctx: Any, members: Members, bm: BarrierMatrix, curves: Curves, criterion: Criterion) -> None:
    """The criterion's metric along one pair's paths: aligned line, unaligned line, and its
    curve (the first curve fitted, else the first pair)."""
    metric, split = criterion.metric, criterion.split
    example = curves.example
    i0, j0 = example.pair if example else bm.pairs[0]
    p0 = bm.pairs.index((i0, j0))
    models = members.models()
    lines = {f"linear {i0}-{j0}": bm.profiles[metric, split][p0].tolist()}
    raw = linear_path(members.net, models[i0], models[j0], members.splits, points=len(bm.alphas))
    lines[f"linear {i0}-{j0}, not aligned"] = raw.values[metric, split].tolist()
    if example:
        lines[f"Bézier {i0}-{j0}"] = example.profile.values[metric, split].tolist()
    ctx.series(f"{metric} ({split}) along paths", bm.alphas.tolist(), lines, xlabel="α / t", ylabel=metric)


def record_affine(ctx: Any, fits: AffineFits) -> None:
    """The affine-fit residual by stage, within and between classes."""
    ctx.series(
        f"affine-fit residual ({fits.layer}, held out) by stage",
        fits.stages,
        {"within class": fits.within.tolist(), "between classes": fits.between.tolist()},
        xlabel="step",
        ylabel="residual",
    )
