"""The class criteria: how a barrier is read off the measured paths between two members, and
which members a criterion lets into a class at level c (numpy only).

* ``line-endpoint`` (Entezari et al.): the largest rise of the path above the chord between its
  two ends; absolute, in the metric's units.
* ``mean-endpoint`` (Frankle et al.): the path's peak minus the mean of its ends; at least half
  the ends' difference, so it separates members merely trained to different loss levels.
* ``sublevel`` (the paper's reading): the path's peak itself. Two members are homotopic at
  level c when a path between them stays within ``{L ≤ c}``; a member whose own value exceeds c
  is in no class (*not converged*).
* ``relative`` (normalised, as in the mode-connectivity literature): the line-endpoint barrier
  divided by the mean of the ends; dimensionless, so its c is a ratio.

A pair's barrier is the lowest over the paths measured between it (the line, and the curve
where one was fitted).

>>> import numpy as np
>>> v = np.array([[0.1, 0.5, 0.3]])
>>> [round(float(path_barriers(v, np.array([0, 0.5, 1]), d)[0]), 6) for d in DEFINITIONS]
[0.3, 0.3, 0.5, 1.5]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Definition = Literal["line-endpoint", "mean-endpoint", "sublevel", "relative"]
DEFINITIONS: tuple[str, ...] = ("line-endpoint", "mean-endpoint", "sublevel", "relative")
"""Every criterion's name, in the order of the sensitivity table."""

_FLOOR = 1e-12
"""The smallest mean endpoint value a relative barrier divides by (a pair of exact zeros)."""


def path_barriers(profiles: Any, alphas: Any, definition: str) -> np.ndarray:
    """One barrier per profile (rows of ``profiles``, one column per ``alphas``) under
    ``definition`` (see the module docstring)."""
    if definition not in DEFINITIONS:
        raise ValueError(f"unknown class criterion {definition!r} (use one of {', '.join(DEFINITIONS)})")
    v = np.atleast_2d(np.asarray(profiles, dtype=np.float64))
    al = np.asarray(alphas, dtype=np.float64)
    first, last = v[:, :1], v[:, -1:]
    if definition == "sublevel":
        return v.max(-1)
    if definition == "mean-endpoint":
        return v.max(-1) - 0.5 * (first + last)[:, 0]
    rise = (v - ((1 - al) * first + al * last)).max(-1)
    if definition == "line-endpoint":
        return rise
    return rise / np.maximum(0.5 * (first + last)[:, 0], _FLOOR)


@dataclass(frozen=True, eq=False)
class Levels:
    """The barrier matrix of one criterion over the members (zero diagonal) and each member's
    own value of the measure (read off the ends of its paths)."""

    matrix: np.ndarray
    own: np.ndarray
    definition: str

    def converged(self, c: float) -> np.ndarray:
        """Which members may join a class at level ``c``: all, except under ``sublevel``, where
        a member whose own value exceeds ``c`` is not converged."""
        if self.definition != "sublevel":
            return np.ones(len(self.own), dtype=bool)
        return self.own <= c


def levels(paths: Any, definition: str, metric: str = "loss", split: str = "train") -> Levels:
    """The :class:`Levels` of ``definition`` on ``metric`` (``split``) from a
    :class:`~catdyn.backends.torch.studies.homotopy.values.PathProfiles`: each pair's barrier the
    lowest over its line and its curve (when fitted)."""
    key = f"{metric}/{split}"
    lines = np.asarray(paths.lines[key], dtype=np.float64)
    b = path_barriers(lines, paths.alphas, definition) if len(lines) else np.zeros(0)
    n = paths.n
    matrix, own = np.zeros((n, n)), np.full(n, np.nan)
    for p, (i, j) in enumerate(paths.pairs):
        curve = paths.curves.get(f"{i}-{j}")
        if curve is not None:
            b[p] = min(b[p], float(path_barriers(curve[key], paths.alphas, definition)[0]))
        matrix[i, j] = matrix[j, i] = b[p]
        own[i], own[j] = lines[p, 0], lines[p, -1]
    return Levels(matrix, own, definition)
