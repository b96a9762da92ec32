"""Morphisms of the persistence study: each member's loss landscape (a 2-D filter-normalised
slice of the training loss through its minimum) and the sublevel persistence of each landscape.
:class:`ClassPersistence` reads the diagrams out per class of a partition. They wrap the steps of :mod:`catdyn.backends.torch.studies.persistence` and :mod:`catdyn.topology`
(the numbers are the same), reading and writing the typed values of :mod:`catdyn.values`.

>>> Landscape(steps=5).span
1.0
>>> Persistence(construction="edge")
Traceback (most recent call last):
...
catdyn.errors.SpecError: Persistence got invalid parameters: construction: Input should be 'vertex' or 'top-cell' (got 'edge'). Fix the parameter; `catdyn morphisms` lists every morphism's parameters.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, PositiveFloat, PositiveInt

from catdyn.backends.torch.studies.homotopy.morphisms import population_members
from catdyn.morphisms import BackendMorphism
from catdyn.values import Dataset, Landscapes, Partition, PersistenceDiagrams, Population, Table


class Landscape(BackendMorphism):
    """Each trained member's training loss on a ``steps`` × ``steps`` grid over
    [−``span``, ``span``]² along two filter-normalised directions drawn from
    ``directions_seed``, on at most ``batch`` training samples (a failed member: a NaN grid)."""

    inputs, output = (Population, Dataset), Landscapes
    steps: int = Field(21, ge=2)
    span: PositiveFloat = 1.0
    batch: PositiveInt = 512
    directions_seed: int = 0

    def run(self, ctx: Any, pop: Population, data: Dataset) -> Landscapes:
        import numpy as np

        from catdyn.backends.torch.studies.persistence.landscapes import Slice, grid_features

        m = population_members(pop, data, ctx.device)
        x, y = m.splits["train"].x, m.splits["train"].y
        how = Slice(steps=self.steps, span=self.span, batch=self.batch, noise_floor=0.0)
        grids = np.full((pop.size, self.steps, self.steps), np.nan)
        for row, params in zip(m.members, m.models()):
            grids[row] = grid_features(m.net, params, x, y, self.directions_seed, how)[0]
        return Landscapes(grids, float(self.span), self.directions_seed)


class Persistence(BackendMorphism):
    """The sublevel-set persistence (H0 and H1) of each landscape, with the ``construction``
    of the cubical complex; a NaN landscape (a failed member) has an empty diagram."""

    inputs, output = (Landscapes,), PersistenceDiagrams
    construction: Literal["vertex", "top-cell"] = "vertex"

    def run(self, ctx: Any, ls: Landscapes) -> PersistenceDiagrams:
        import numpy as np

        from catdyn.topology.cubical import sublevel_persistence

        out: list[dict[str, list[list[float | None]]]] = []
        for grid in ls.grids:
            if not np.isfinite(grid).all():
                out.append({})
                continue
            d = sublevel_persistence(grid, construction=self.construction)
            out.append({f"H{k}": [[float(b), float(e)] for b, e in d.finite[k]]
                        + [[float(b), None] for b in d.essential[k]] for k in d.dims})
        return PersistenceDiagrams(out, self.construction)


def total_persistence(pairs: list[list[float | None]]) -> float:
    """The summed lifetime of the finite pairs (an essential class never dies: not summed).

    >>> total_persistence([[0.0, 1.5], [1.0, 1.25], [0.0, None]])
    1.75
    """
    return float(sum(d - b for b, d in pairs if d is not None))


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


class ClassPersistence(BackendMorphism):
    """Per class of the partition: its size and its members' mean H0 and H1 total persistence
    and mean number of finite H0 and H1 pairs (members without a diagram are left out)."""

    inputs, output = (PersistenceDiagrams, Partition), Table

    def run(self, ctx: Any, pd: PersistenceDiagrams, part: Partition) -> Table:
        rows = []
        for c in sorted({label for label in part.labels if label is not None}):
            diagrams = [pd.diagrams[i] for i, label in enumerate(part.labels) if label == c and pd.diagrams[i]]
            row: dict[str, Any] = {"class": c, "size": sum(label == c for label in part.labels)}
            for h in ("H0", "H1"):
                row[f"{h}_total_persistence"] = _mean([total_persistence(d.get(h, [])) for d in diagrams])
                row[f"{h}_finite_pairs"] = _mean([sum(p[1] is not None for p in d.get(h, [])) for d in diagrams])
            rows.append(row)
        return Table(rows)
