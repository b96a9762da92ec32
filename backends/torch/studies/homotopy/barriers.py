"""The alignment of the pairs: every pair of members aligned by weight matching (a Perm morphism
through the architecture's declared symmetry) and profiled along its linear path, in one task
or in chunks that are joined afterwards; and the criterion that reads a barrier off a profile.

>>> c = Criterion(threshold=0.1)
>>> c.label, c.key
('line-endpoint barrier, loss (train)', ('loss', 'train', 'line-endpoint'))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from catdyn.backends.torch.models.architectures import Architecture
from catdyn.backends.torch.paths.barrier_matrix import BarrierMatrix, all_pairs, barrier_matrix
from catdyn.backends.torch.studies.homotopy.members import Members
from catdyn.errors import HomotopyError


@dataclass(frozen=True)
class Criterion:
    """Which barrier decides the classes: a level ``threshold`` (the paper's c), the ``metric``
    (loss or error) on a ``split``, and the barrier ``definition`` (line- or mean-endpoint)."""

    threshold: float = 0.1
    metric: str = "loss"
    split: str = "train"
    definition: str = "line-endpoint"

    @property
    def key(self) -> tuple[str, str, str]:
        """``(metric, split, definition)``, as :meth:`BarrierMatrix.matrix` takes them."""
        return self.metric, self.split, self.definition

    @property
    def label(self) -> str:
        """The criterion in words (for plot labels)."""
        return f"{self.definition} barrier, {self.metric} ({self.split})"

    def matrix(self, bm: BarrierMatrix) -> np.ndarray:
        """The ``n × n`` matrix of this criterion's barriers."""
        return bm.matrix(self.metric, self.split, self.definition)  # type: ignore[arg-type]


def measure_barriers(
    members: Members, *, points: int, seed: int, pairs: Sequence[tuple[int, int]] | None = None
) -> BarrierMatrix:
    """The ``pairs`` (default: all) of ``members`` aligned by weight matching and profiled at
    ``points`` points of their linear paths (loss and error, train and test)."""
    return barrier_matrix(
        members.net,
        members.stacked,
        members.splits,
        points=points,
        pairs=pairs,
        alignment="weight",
        seed=seed,
    )


def join_parts(parts: Sequence[Mapping[str, Any]], n: int) -> BarrierMatrix:
    """The barrier matrix joined from chunk values (``homotopy_barrier_part``), its pairs in
    order; the chunks must cover every pair of the ``n`` members exactly once."""
    bm = BarrierMatrix.merge([BarrierMatrix.from_value(v) for v in parts])
    if bm.n != n or sorted(bm.pairs) != all_pairs(n):
        raise HomotopyError.bad_option(
            "parts", f"{len(bm.pairs)} pairs of {bm.n} models", f"every pair of the {n} models once"
        )
    order = sorted(range(len(bm.pairs)), key=lambda q: bm.pairs[q])
    return BarrierMatrix(
        bm.n,
        bm.alphas,
        [bm.pairs[q] for q in order],
        {k: v[order] for k, v in bm.profiles.items()},
        bm.bn,
        bm.alignment,
        [bm.permutations[q] for q in order],
    )


def permutation_of(net: Architecture, perms: Any) -> dict[str, torch.Tensor]:
    """A stored alignment (one index list per symmetry group) as the dict ``permute`` takes."""
    return {g.name: torch.as_tensor(np.array(p, dtype=np.int64)) for g, p in zip(net.symmetry.groups, perms)}
