"""The classes at c, computed in FinSet, and their H0 persistence.

The classes are π0 of the graph whose vertices are the members a criterion admits at c and
whose edges are the pairs with barrier ≤ c: the coequaliser of the two endpoint maps
``src, tgt: E ⇉ V`` in FinSet (:func:`catdyn.limits.coequaliser`, computed by the category),
numbered in order of each class's first member. The persistence is single linkage over c,
which says for which range of c the count holds.

>>> import numpy as np
>>> B = np.full((5, 5), 2.0); B[:3, :3] = 0.1; B[3:, 3:] = 0.05; np.fill_diagonal(B, 0.0)
>>> finset_classes(B, 0.5)
[0, 0, 0, 1, 1]
>>> finset_classes(B, 0.5, keep=np.array([True, False, True, True, True]))
[0, None, 0, 1, 1]
>>> k = classes_of(B, 0.5)
>>> k.labels.tolist(), k.count, k.stable_range, k.count_interval
([0, 0, 0, 1, 1], 2, (0.1, 2.0), (1.0, 4.0))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from catdyn.classes import H0Persistence, barrier_edges, check_barrier_matrix, h0_persistence


def finset_classes(barriers: Any, c: float, keep: Any = None) -> list[int | None]:
    """The class of every member at level ``c``: the coequaliser in FinSet of the endpoint maps
    of the edges {barrier ≤ c} among the members in ``keep`` (default: all); a member not kept
    is in no class (``None``)."""
    from catdyn.categories.finset import FinSet
    from catdyn.limits import coequaliser

    b = check_barrier_matrix(barriers)
    n = b.shape[0]
    kept = np.flatnonzero(np.ones(n, bool) if keep is None else np.asarray(keep, bool))
    src, tgt = barrier_edges(b[np.ix_(kept, kept)], c)
    members = FinSet.object("members", len(kept))
    edges = FinSet.object(f"pairs with barrier ≤ {c:g}", len(src))
    q = coequaliser(FinSet.function("src", edges, members, src), FinSet.function("tgt", edges, members, tgt))
    quotient = q.leg(members).table
    first: dict[int, int] = {}
    labels = [first.setdefault(int(k), len(first)) for k in quotient]  # numbered by first member
    out: list[int | None] = [None] * n
    for row, label in zip(kept, labels):
        out[int(row)] = label
    return out


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

    def order(self, acc: Any = None) -> np.ndarray:
        """The members ordered by class (largest class first), then by accuracy (``acc``, highest
        first) or, without it, by position."""
        labels = self.labels
        sizes = {c: int(np.sum(labels == c)) for c in np.unique(labels)}
        second = (lambda i: -float(acc[i])) if acc is not None else (lambda i: i)
        return np.array(sorted(range(len(labels)), key=lambda i: (-sizes[labels[i]], labels[i], second(i))), dtype=int)


def classes_of(barriers: np.ndarray, threshold: float) -> Classes:
    """The classes at ``threshold`` (:func:`finset_classes`) and the H0 persistence of ``barriers``."""
    labels = np.array(finset_classes(barriers, threshold), dtype=np.int64)
    return Classes(labels, h0_persistence(barriers), float(threshold))
