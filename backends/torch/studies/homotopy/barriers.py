"""The aligned paths of every pair: the second member of each pair aligned to the first by weight
matching (a Perm morphism through the architecture's declared symmetry) and every measure (loss
and error, train and test) profiled along the straight line between them, as one
:class:`~catdyn.backends.torch.studies.homotopy.values.PathProfiles` (so every barrier
definition can be read off it).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from catdyn.backends.torch.studies.homotopy.members import Members
from catdyn.backends.torch.studies.homotopy.values import PathProfiles


def measure_paths(members: Members, *, points: int, seed: int,
                  alignment: Literal["weight", "none"] = "weight", size: int = 0) -> PathProfiles:
    """Every pair of ``members`` aligned by ``alignment`` and profiled at ``points`` points of
    its straight path (``size``: the population's size, default the members' last row + 1)."""
    from catdyn.backends.torch.paths.barrier_matrix import barrier_matrix

    bm = barrier_matrix(members.net, members.stacked, members.splits, points=points, alignment=alignment, seed=seed)
    value = bm.to_value()
    return PathProfiles(
        alphas=np.asarray(bm.alphas, dtype=np.float64),
        pairs=[[int(i), int(j)] for i, j in bm.pairs],
        lines={k: np.asarray(v, dtype=np.float64) for k, v in value["profiles"].items()},
        members=[int(m) for m in members.members],
        size=int(size or (max(members.members, default=-1) + 1)),
        alignment=alignment,
        permutations=list(value["permutations"]),
    )
