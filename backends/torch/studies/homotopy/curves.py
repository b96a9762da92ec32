"""The barrier curves: where a pair's linear path fails the criterion and the pair could join two
classes, a Bézier curve (one control point) is fitted between the aligned endpoints and the
pair's barrier becomes the lower of the two. Pairs are tried cheapest first, at most one per
pair of current classes, within a budget; more curves could only merge classes further.

>>> import numpy as np
>>> lin = np.array([[0, 0.5, 0.9], [0.5, 0, 0.7], [0.9, 0.7, 0.0]])
>>> [(float(b), i, j) for b, i, j in candidate_pairs(lin, 0.1)]
[(0.5, 0, 1), (0.7, 1, 2), (0.9, 0, 2)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from catdyn.backends.torch.models.symmetry import permute
from catdyn.backends.torch.paths.barrier_matrix import BarrierMatrix
from catdyn.backends.torch.paths.curves import fit_network_curve
from catdyn.backends.torch.studies.homotopy.barriers import Criterion, permutation_of
from catdyn.backends.torch.studies.homotopy.members import Members
from catdyn.classes import classes_at


@dataclass(frozen=True, eq=False)
class CurveFit:
    """One fitted curve: the pair, its linear and curved barriers, and the curve's profile."""

    pair: tuple[int, int]
    linear: float
    curve: float
    joined: bool
    profile: Any

    def row(self) -> dict[str, Any]:
        """The row of the "curves fitted" table."""
        i, j = self.pair
        return {
            "pair": f"{i}-{j}",
            "linear barrier": self.linear,
            "curve barrier": self.curve,
            "joined at c": self.joined,
        }


@dataclass(frozen=True, eq=False)
class Curves:
    """The barriers after the curves (``barriers``: the lower of line and curve) and the fits."""

    barriers: np.ndarray
    fits: tuple[CurveFit, ...]

    @property
    def example(self) -> CurveFit | None:
        """The first curve fitted (drawn beside its linear path), if any."""
        return self.fits[0] if self.fits else None


def candidate_pairs(linear: np.ndarray, threshold: float) -> list[tuple[float, int, int]]:
    """``(barrier, i, j)`` for the pairs in different classes at ``threshold`` on the linear
    barriers, cheapest first."""
    labels = classes_at(linear, threshold)
    n = linear.shape[0]
    return sorted((linear[i, j], i, j) for i in range(n) for j in range(i + 1, n) if labels[i] != labels[j])


def fit_curves(
    members: Members,
    bm: BarrierMatrix,
    criterion: Criterion,
    *,
    max_curves: int,
    curve_steps: int,
    points: int,
    seed: int,
) -> Curves:
    """Fit curves (see the module docstring) for at most ``max_curves`` pairs; the curve of the
    pair at position ``p`` of ``bm.pairs`` is fitted with seed ``seed + p``."""
    linear = criterion.matrix(bm)
    best = linear.copy()
    models = members.models()
    fits: list[CurveFit] = []
    tried: set[tuple[int, int]] = set()
    for _, i, j in candidate_pairs(linear, criterion.threshold):
        if len(fits) >= max_curves:
            break
        current = classes_at(best, criterion.threshold)
        if current[i] == current[j] or (int(current[i]), int(current[j])) in tried:
            continue
        tried.add((int(current[i]), int(current[j])))
        p = bm.pairs.index((i, j))
        aligned = permute(members.net, models[j], permutation_of(members.net, bm.permutations[p]))
        fit = fit_network_curve(
            members.net, models[i], aligned, members.splits, steps=curve_steps, seed=seed + p
        )
        profile = fit.profile(members.net, members.splits, points=points)
        cb = profile.barrier(criterion.metric, criterion.split, criterion.definition)  # type: ignore[arg-type]
        best[i, j] = best[j, i] = min(linear[i, j], cb)
        joined = bool(min(linear[i, j], cb) <= criterion.threshold)
        fits.append(CurveFit((i, j), float(linear[i, j]), cb, joined, profile))
    return Curves(best, tuple(fits))
