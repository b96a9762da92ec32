"""The homotopy study's value type: the measured paths between every pair of a population's
members (one schema, read by every criterion and by the curves).

>>> import numpy as np
>>> p = PathProfiles(alphas=np.array([0.0, 0.5, 1.0]), pairs=[[0, 1]],
...                  lines={"loss/train": np.array([[0.1, 0.9, 0.2]])}, members=[0, 1], size=2)
>>> p.n, p.measures
(2, ['loss/train'])
>>> PathProfiles(alphas=np.array([0.0, 1.0]), pairs=[[0, 1]], lines={"loss/train": np.zeros((2, 2))},
...              members=[0, 1], size=2)
Traceback (most recent call last):
...
catdyn.errors.SchemaError: a PathProfiles was built with loss/train holding 2 profiles of 2 points for 1 pairs of 2 points. Give one profile per pair, one value per point of the grid.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from catdyn.values import Value, require


@dataclasses.dataclass(frozen=True)
class PathProfiles(Value):
    """The metric along paths between pairs of a population's trained members.

    ``alphas`` is the grid (from 0 to 1); ``pairs`` the pairs ``[i, j]`` (``i < j``, positions
    in ``members``, which are the population's rows, ``size`` its size); ``lines`` maps each
    measure ``"metric/split"`` to the ``(pairs, points)`` profiles along the straight line after
    the second member is aligned to the first (``alignment``; ``permutations``: the aligning
    element of each pair, one ``(pairs, width)`` array per symmetry group); ``curves`` maps a
    pair ``"i-j"`` to the profiles (``measure → (points,)``) of a fitted curve between the same
    aligned endpoints, for the pairs where one was fitted."""

    alphas: Any
    pairs: list[list[int]]
    lines: dict[str, Any]
    members: list[int]
    size: int
    alignment: str = "weight"
    permutations: list[Any] = dataclasses.field(default_factory=list)
    curves: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)

    def check(self) -> None:
        points = len(self.alphas)
        for measure, prof in self.lines.items():
            shape = tuple(getattr(prof, "shape", ()))
            require("PathProfiles", shape == (len(self.pairs), points),
                    f"{measure} holding {shape[0] if shape else '?'} profiles of {shape[-1] if shape else '?'} "
                    f"points for {len(self.pairs)} pairs of {points} points",
                    "Give one profile per pair, one value per point of the grid")
        require("PathProfiles", all(0 <= m < max(self.size, 1) for m in self.members),
                f"member rows {self.members} in a population of {self.size}", "Rows lie in the population")

    @property
    def n(self) -> int:
        """How many members the pairs join."""
        return len(self.members)

    @property
    def measures(self) -> list[str]:
        """The measures profiled (``"loss/train"``, ...)."""
        return sorted(self.lines)
