"""The barrier curves: where a pair's straight path fails the criterion at c and the pair could
join two classes, a Bézier curve (one control point) is fitted between the aligned endpoints and
the pair's barrier becomes the lower of the two (:func:`~.criteria.levels` takes the lower).
Pairs are tried cheapest first, at most one per pair of current classes, within a budget; more
curves could only merge classes further.

>>> import numpy as np
>>> lin = np.array([[0, 0.5, 0.9], [0.5, 0, 0.7], [0.9, 0.7, 0.0]])
>>> [(float(b), i, j) for b, i, j in candidate_pairs(lin, 0.1)]
[(0.5, 0, 1), (0.7, 1, 2), (0.9, 0, 2)]
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from catdyn.backends.torch.studies.homotopy.criteria import levels, path_barriers
from catdyn.backends.torch.studies.homotopy.members import Members
from catdyn.backends.torch.studies.homotopy.partition import finset_classes
from catdyn.backends.torch.studies.homotopy.values import PathProfiles


@dataclass(frozen=True, eq=False)
class CurveFit:
    """One fitted curve: the pair, its straight and curved barriers, and whether it joins at c."""

    pair: tuple[int, int]
    linear: float
    curve: float
    joined: bool

    def row(self) -> dict[str, Any]:
        """The row of the "curves fitted" table."""
        i, j = self.pair
        return {"pair": f"{i}-{j}", "linear barrier": self.linear, "curve barrier": self.curve,
                "joined at c": self.joined}


def candidate_pairs(linear: np.ndarray, c: float, keep: Any = None) -> list[tuple[float, int, int]]:
    """``(barrier, i, j)`` for the pairs of admitted members in different classes at ``c`` on
    the straight paths' barriers, cheapest first."""
    labels = finset_classes(linear, c, keep)
    n = linear.shape[0]
    return sorted((float(linear[i, j]), i, j) for i in range(n) for j in range(i + 1, n)
                  if labels[i] is not None and labels[j] is not None and labels[i] != labels[j])


def aligned_partner(members: Members, paths: PathProfiles, p: int) -> dict[str, Any]:
    """The second member of pair ``p`` moved onto the first by the stored aligning element."""
    import torch

    from catdyn.backends.torch.models.symmetry import permute

    model = members.models()[int(paths.pairs[p][1])]
    if not paths.permutations:
        return model
    perm = {g.name: torch.as_tensor(np.asarray(paths.permutations[k][p], dtype=np.int64))
            for k, g in enumerate(members.net.symmetry.groups)}
    return permute(members.net, model, perm)


def fit_curves(members: Members, paths: PathProfiles, definition: str, metric: str, split: str, c: float, *,
               max_curves: int, curve_steps: int, seed: int) -> tuple[PathProfiles, list[CurveFit]]:
    """``paths`` with curves fitted (see the module docstring) for at most ``max_curves`` pairs;
    the curve of the pair at position ``p`` of ``paths.pairs`` is fitted with seed ``seed + p``."""
    from catdyn.backends.torch.paths.curves import fit_network_curve

    key, lev = f"{metric}/{split}", levels(paths, definition, metric, split)
    linear, keep = lev.matrix, lev.converged(c)
    best, models = linear.copy(), members.models()
    fits: list[CurveFit] = []
    curves = dict(paths.curves)
    tried: set[tuple[int, int]] = set()
    for _, i, j in candidate_pairs(linear, c, keep):
        if len(fits) >= max_curves:
            break
        current = finset_classes(best, c, keep)
        if current[i] == current[j] or (current[i], current[j]) in tried:
            continue
        tried.add((current[i], current[j]))  # type: ignore[arg-type]
        p = [list(map(int, q)) for q in paths.pairs].index([i, j])
        fit = fit_network_curve(members.net, models[i], aligned_partner(members, paths, p), members.splits,
                                steps=curve_steps, seed=seed + p)
        profile = fit.profile(members.net, members.splits, points=len(paths.alphas))
        curves[f"{i}-{j}"] = {f"{m}/{s}": np.asarray(v, dtype=np.float64) for (m, s), v in profile.values.items()}
        cb = float(path_barriers(curves[f"{i}-{j}"][key], paths.alphas, definition)[0])
        best[i, j] = best[j, i] = min(linear[i, j], cb)
        fits.append(CurveFit((i, j), float(linear[i, j]), cb, bool(best[i, j] <= c)))
    return dataclasses.replace(paths, curves=curves), fits
