"""The sensitivity of the classes and of the spread verdicts to our choices: for every class
criterion (:mod:`.criteria`) and level c, the classes, the members not converged, and the
within- and between-class spreads of test accuracy with stratified bootstrap intervals and
their verdicts against the paper's bounds.

>>> import numpy as np
>>> from catdyn.backends.torch.studies.homotopy.values import PathProfiles
>>> lines = np.array([[0.01, 0.02, 0.01], [0.01, 0.9, 0.5], [0.01, 0.9, 0.5]])
>>> p = PathProfiles(np.array([0.0, 0.5, 1.0]), [[0, 1], [0, 2], [1, 2]], {"loss/train": lines}, [0, 1, 2], 3)
>>> rows = sensitivity(p, np.array([0.9, 0.91, 0.5]), grid={"sublevel": (0.1,)}, resamples=20)
>>> [(r["criterion"], r["c"], r["classes"], r["not converged"]) for r in rows]
[('sublevel', 0.1, 1, 1)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from catdyn.backends.torch.studies.homotopy.claims import spread_claim
from catdyn.backends.torch.studies.homotopy.criteria import DEFINITIONS, levels
from catdyn.backends.torch.studies.homotopy.partition import finset_classes
from catdyn.classes import between_spread, within_spread
from catdyn.stats import Estimate, stratified_bootstrap


def _spread(stat: Any, acc: np.ndarray, labels: np.ndarray, resamples: int, seed: int) -> Estimate:
    if len(acc) == 0:
        return Estimate(math.nan, math.nan, math.nan)
    return stratified_bootstrap(stat, acc, labels, resamples=resamples, seed=seed)


def sensitivity_row(labels: Sequence[int | None], acc: np.ndarray, *, resamples: int, seed: int) -> dict[str, Any]:
    """The classes, the members in none, and both spreads with intervals and verdicts."""
    used = [k for k, label in enumerate(labels) if label is not None]
    a, lab = acc[used], np.array([labels[k] for k in used], dtype=np.int64)
    row: dict[str, Any] = {"classes": len(set(lab.tolist())), "not converged": len(labels) - len(used),
                           "largest class": int(np.bincount(lab).max()) if len(lab) else 0}
    for key, stat in (("within", within_spread), ("between", between_spread)):
        est = _spread(stat, a, lab, resamples, seed)
        row |= {key: est.value, f"{key} low": est.low, f"{key} high": est.high,
                f"{key} verdict": spread_claim(key, est, "").verdict.value}
    return row


def sensitivity(paths: Any, acc: np.ndarray, *, grid: Mapping[str, Sequence[float]], metric: str = "loss",
                split: str = "train", resamples: int = 1000, seed: int = 0) -> list[dict[str, Any]]:
    """One row per criterion of ``grid`` (criterion → levels) and level, in the order of
    :data:`~.criteria.DEFINITIONS`; ``acc`` holds the test accuracy of ``paths``' members."""
    rows = []
    for definition in (d for d in DEFINITIONS if d in grid):
        lev = levels(paths, definition, metric, split)
        for c in grid[definition]:
            labels = finset_classes(lev.matrix, c, lev.converged(c))
            rows.append({"criterion": definition, "measure": f"{metric} ({split})", "c": float(c),
                         **sensitivity_row(labels, acc, resamples=resamples, seed=seed)})
    return rows
