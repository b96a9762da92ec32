"""The classes at c and their H0 persistence: the classes are the connected components of
{barrier ≤ c} (:func:`catdyn.classes.classes_at`), the persistence is single linkage over c,
which says for which range of c the count holds; and the classes under every other barrier
definition, metric and level (the sensitivity table).

>>> import numpy as np
>>> B = np.full((5, 5), 2.0); B[:3, :3] = 0.1; B[3:, 3:] = 0.05; np.fill_diagonal(B, 0.0)
>>> k = classes_of(B, 0.5)
>>> k.labels.tolist(), k.count, k.stable_range, k.count_interval
([0, 0, 0, 1, 1], 2, (0.1, 2.0), (1.0, 4.0))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from catdyn.backends.torch.paths.barrier_matrix import BarrierMatrix
from catdyn.backends.torch.studies.homotopy.barriers import Criterion
from catdyn.classes import H0Persistence, between_spread, classes_at, h0_persistence, within_spread

SENSITIVITY_CRITERIA: tuple[tuple[str, str, str], ...] = tuple(
    (d, m, sp)
    for d in ("mean-endpoint", "line-endpoint")
    for m, sp in (("loss", "train"), ("loss", "test"), ("error", "test"))
)
"""The (definition, metric, split) triples of the sensitivity table, in its order."""


@dataclass(frozen=True, eq=False)
class Classes:
    """The classes at ``threshold`` (``labels``, numbered by first member) and the H0
    persistence of the filtration they are cut from."""

    labels: np.ndarray
    persistence: H0Persistence
    threshold: float

    @property
    def count(self) -> int:
        """The number of classes."""
        return int(self.labels.max()) + 1 if self.labels.size else 0

    @property
    def stable_range(self) -> tuple[float, float]:
        """The levels ``[lo, hi)`` around the threshold with the same count."""
        return self.persistence.stable_range(self.threshold)

    @property
    def count_interval(self) -> tuple[float, float]:
        """The counts just above and just below the stable range (``n`` below a range from 0)."""
        lo, hi = self.stable_range
        below = self.persistence.n_classes(np.nextafter(lo, -np.inf)) if lo > 0 else self.persistence.n
        return float(self.persistence.n_classes(hi)), float(below)

    def levels(self) -> np.ndarray:
        """The levels at which the count changes, from 0 to a little past the last merge."""
        deaths = self.persistence.deaths
        return np.unique(np.concatenate([[0.0], deaths, [float(deaths.max(initial=0.0)) * 1.1 + 1e-9]]))

    def order(self, acc: np.ndarray) -> np.ndarray:
        """The members ordered by class (largest class first), then by accuracy."""
        labels = self.labels
        sizes = {c: int(np.sum(labels == c)) for c in np.unique(labels)}
        return np.array(sorted(range(len(labels)), key=lambda i: (-sizes[labels[i]], labels[i], -acc[i])))


def classes_of(barriers: np.ndarray, threshold: float) -> Classes:
    """The classes at ``threshold`` and the H0 persistence of ``barriers``."""
    return Classes(classes_at(barriers, threshold), h0_persistence(barriers), float(threshold))


def sensitivity(
    bm: BarrierMatrix, barriers: np.ndarray, criterion: Criterion, acc: np.ndarray
) -> list[dict[str, Any]]:
    """The classes (count, largest, within and between spreads: point estimates) under every
    criterion of :data:`SENSITIVITY_CRITERIA` at c/2, c, 2c and 5c; the primary criterion
    uses ``barriers`` (after curves), the others the linear paths."""
    c = criterion.threshold
    rows = []
    for d, m, sp in SENSITIVITY_CRITERIA:
        mat = barriers if (m, sp, d) == criterion.key else bm.matrix(m, sp, d)  # type: ignore[arg-type]
        for level in sorted({c / 2, c, 2 * c, 5 * c}):
            lab = classes_at(mat, level)
            rows.append(
                {
                    "definition": d,
                    "metric": f"{m} ({sp})",
                    "c": level,
                    "classes": int(lab.max()) + 1,
                    "largest class": int(np.bincount(lab).max()),
                    "within std": within_spread(acc, lab),
                    "between |Δ means|": between_spread(acc, lab),
                }
            )
    return rows
