"""The Mantel test: a threshold-free reading of the claim. Over pairs of members, the Spearman
correlation between the barrier and ``|Δ test accuracy|``, with one-sided permutation p-values
in both directions (models relabelled; :func:`catdyn.classes.mantel`).

>>> import numpy as np
>>> acc = np.array([0.90, 0.91, 0.92, 0.80, 0.81, 0.79])
>>> t = mantel_test(np.abs(acc[:, None] - acc[None, :]) * 10, acc, permutations=200, seed=0)
>>> round(t.rho, 6), t.p_greater < 0.05, t.pairs
(1.0, True, 15)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from catdyn.classes import mantel


@dataclass(frozen=True)
class MantelTest:
    """Spearman ``rho`` over ``pairs`` pairs, and the p-values of ρ > 0 and of ρ < 0."""

    rho: float
    p_greater: float
    p_less: float
    pairs: int

    @property
    def measured(self) -> bool:
        """Whether ρ and its p-value are numbers (three or more members with varied values)."""
        return math.isfinite(self.rho) and math.isfinite(self.p_greater)


def mantel_test(barriers: np.ndarray, acc: np.ndarray, *, permutations: int, seed: int) -> MantelTest:
    """Both one-sided Mantel tests of ``barriers`` against ``|acc_i − acc_j|``."""
    rho, p_greater = mantel(barriers, acc, permutations=permutations, seed=seed)
    _, p_less = mantel(-barriers, acc, permutations=permutations, seed=seed)
    n = len(acc)
    return MantelTest(rho, p_greater, p_less, n * (n - 1) // 2)
