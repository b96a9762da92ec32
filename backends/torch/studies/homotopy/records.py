"""What the homotopy morphisms record besides their claims: the tables and plots (heat map ordered
by class, classes against c, the H0 dendrogram and barcode, accuracy by class, the metric along
linear and curved paths). Each function records one thing into a morphism's context from values
already measured; the one exception, :func:`record_paths`, also profiles the example pair's
unaligned line, to show what the alignment changed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from catdyn.backends.torch.studies.homotopy.dendrogram import DENDROGRAM_DRAWER, dendrogram_data
from catdyn.backends.torch.studies.homotopy.members import Members
from catdyn.backends.torch.studies.homotopy.partition import Classes
from catdyn.backends.torch.studies.homotopy.values import PathProfiles
from catdyn.classes import persistent_counts


def record_levels(ctx: Any, classes: Classes) -> None:
    """The ranges of c for each count (longest first)."""
    runs = persistent_counts(classes.persistence)
    ctx.table(
        "H0: the levels at which each number of classes holds (longest first)",
        [{"classes": k, "from c": lo, "to c": hi, "length": hi - lo} for k, lo, hi in runs[:10]],
    )


def record_class_plots(ctx: Any, barriers: np.ndarray, classes: Classes, label: str) -> None:
    """The heat map ordered by class, the count against c, the barcode and the dendrogram."""
    labels, pers = classes.labels, classes.persistence
    order = classes.order()
    names = [f"{int(labels[i])}:{i}" for i in order]
    ctx.heatmap("barrier matrix ordered by class", barriers[np.ix_(order, order)].tolist(), xlabels=names,
                ylabels=names, label=label)
    levels = classes.levels()
    ctx.series("H0 persistence: classes against the level c", levels.tolist(),
               {"classes": [pers.n_classes(c) for c in levels]}, xlabel="c (barrier level)", ylabel="classes")
    ctx.table("H0 barcode (single linkage merges)", [{"i": i, "j": j, "death": h} for i, j, h in pers.merges])
    leaves = [f"{int(labels[i])}:{i}" for i in range(len(labels))]
    ctx.figure(
        "H0 dendrogram and barcode (single linkage over c)",
        DENDROGRAM_DRAWER,
        dendrogram_data(pers, labels, classes.threshold, names=leaves, label=label),
        caption=f"classes are the subtrees below c = {classes.threshold:g}; leaf 'class:model'",
    )


def record_accuracy_by_class(ctx: Any, rows: Sequence[int], labels: Sequence[Any], acc: Sequence[float],
                             table: Any) -> None:
    """Each class's size, mean and std of test accuracy and the learning rates (and optimisers,
    where the accuracy table has them) of its members (``rows``: their rows in ``table``)."""
    a, lab = np.asarray(acc, dtype=np.float64), np.asarray(labels)
    out = []
    for c in np.unique(lab):
        inside = np.flatnonzero(lab == c)
        cfg = [table.rows[rows[k]] for k in inside]
        out.append({
            "class": int(c),
            "size": len(inside),
            "mean test acc": float(a[inside].mean()),
            "std": float(a[inside].std(ddof=1)) if len(inside) > 1 else math.nan,
            "settings": ", ".join(sorted({f"{r.get('optimiser', '')} {r.get('lr')}".strip() for r in cfg})),
        })
    ctx.table("accuracy by class", out)


def record_paths(ctx: Any, members: Members, paths: PathProfiles, pair: tuple[int, int] | None, metric: str,
                 split: str) -> None:
    """The metric along one pair's paths (the first pair with a curve, else the first pair):
    aligned line, unaligned line, and its curve."""
    from catdyn.backends.torch.paths.interpolation import linear_path

    if not paths.pairs:
        return
    i0, j0 = pair or tuple(paths.pairs[0])
    p0 = [list(map(int, q)) for q in paths.pairs].index([i0, j0])
    key, models = f"{metric}/{split}", members.models()
    lines = {f"linear {i0}-{j0}": np.asarray(paths.lines[key][p0]).tolist()}
    raw = linear_path(members.net, models[i0], models[j0], members.splits, points=len(paths.alphas))
    lines[f"linear {i0}-{j0}, not aligned"] = raw.values[metric, split].tolist()
    if f"{i0}-{j0}" in paths.curves:
        lines[f"Bézier {i0}-{j0}"] = np.asarray(paths.curves[f"{i0}-{j0}"][key]).tolist()
    ctx.series(f"{metric} ({split}) along paths", np.asarray(paths.alphas).tolist(), lines, xlabel="α / t",
               ylabel=metric)


def record_affine(ctx: Any, fits: Any) -> None:
    """The affine-fit residual by stage, within and between classes (an :class:`~.affine.AffineFits`)."""
    ctx.series(
        f"affine-fit residual ({fits.layer}, held out) by stage",
        fits.stages,
        {"within class": fits.within.tolist(), "between classes": fits.between.tolist()},
        xlabel="step",
        ylabel="residual",
    )
