"""The affine fits within vs between classes (the 2-category prediction): at matched stages of
training, a ridge affine map from one run's representation to another's, fitted on half the
probe inputs and scored on the other half, averaged over pairs in the same class and over pairs
in different classes (:func:`catdyn.backends.torch.studies.homotopy.affine_fit.affine_study`).

>>> sample_pairs(4, 10, seed=0)
[(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
>>> len(sample_pairs(40, 10, seed=0))
10
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from catdyn.backends.torch.studies.homotopy.members import Members


@dataclass(frozen=True, eq=False)
class AffineFits:
    """Held-out residuals by stage (``stages``), within and between classes, for ``pairs``
    pairs of members on ``probe`` test inputs of ``layer``."""

    layer: str
    stages: list[int]
    within: np.ndarray
    between: np.ndarray
    pairs: int
    probe: int

    @property
    def final(self) -> tuple[float, float]:
        """The within- and between-class residuals at the last stage."""
        return float(self.within[-1]), float(self.between[-1])

    @property
    def measured(self) -> bool:
        """Whether both final residuals are numbers."""
        w, b = self.final
        return math.isfinite(w) and math.isfinite(b)


def sample_pairs(n: int, at_most: int, *, seed: int) -> list[tuple[int, int]]:
    """Every pair of ``n`` members, or ``at_most`` of them drawn without replacement (in order)."""
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    if len(pairs) > at_most:
        pick = np.random.default_rng(seed).choice(len(pairs), size=at_most, replace=False)
        pairs = [pairs[k] for k in sorted(pick)]
    return pairs


def affine_fits(
    members: Members,
    checkpoints: Mapping[Any, Mapping[str, Any]],
    labels: np.ndarray,
    *,
    layer: str | None,
    n_probe: int,
    max_pairs: int,
    seed: int,
) -> AffineFits:
    """The affine-fit residuals of ``layer`` (default: the penultimate) at every checkpoint of the
    population (``checkpoints``: step → stacked parameters of every member, failed ones
    included), on the first ``n_probe`` test inputs, for :func:`sample_pairs` pairs."""
    from catdyn.backends.torch.studies.homotopy.affine_fit import affine_study

    layer = layer or members.net.layers()[-2]
    probe = members.splits["test"].x[:n_probe]
    ck = {int(s): {k: t.to(members.device) for k, t in v.items()} for s, v in checkpoints.items()}
    pairs = sample_pairs(members.n, max_pairs, seed=seed)
    study = affine_study(
        members.net, ck, probe, labels, layer=layer, members=list(members.members), pairs=pairs
    )
    return AffineFits(layer, study.stages, study.within(), study.between(), len(pairs), len(probe))
