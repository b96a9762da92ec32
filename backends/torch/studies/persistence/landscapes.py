"""Landscapes of a population and their persistence: for every model and every direction seed, a
2-D filter-normalised slice of the training loss, its sublevel persistence (vertex construction,
H0 and H1) and features; per model the mean and standard deviation over seeds.

The noise floor is a number, or ``"halves"``: per grid, sup |f_A − f_B| for the landscapes
f_A, f_B of the same directions on two random halves of the grid's samples. The grid is their
weighted mean, so by the stability law each of their diagrams lies within half that bottleneck
distance of the grid's: a feature whose lifetime exceeds the floor is present whichever half of
the data is drawn; a shorter one may be an artefact of the draw.

The loss is a mean over samples, each sample's term independent of the others when batch norm
uses its stored statistics (or there is none), so the grid on the samples A ∪ B is, up to float
rounding, (|A|·f_A + |B|·f_B)/(|A| + |B|): :func:`training_halves` computes f_A and f_B once, and
:meth:`Halves.mean` and :meth:`Halves.floor` give the grid and the floor for the price of one
grid. With ``batch_norm="recompute"`` the statistics are taken over the evaluation batch, the
identity fails, and :func:`landscape_and_floor` computes the grid directly instead.

>>> a, b = sample_halves(10, 10, data_seed=0)
>>> sorted(a.tolist() + b.tolist()) == list(range(10)), len(a), len(b)
(True, 5, 5)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from catdyn.backends.torch.models.architectures import Architecture


@dataclass(frozen=True)
class Slice:
    """How a landscape is taken: ``steps``² points over [−``span``, ``span``]² along directions
    drawn with a seed, on at most ``batch`` training samples; the persistence's ``construction``
    and ``engine``; the ``noise_floor`` rule; how a network's batch norm is evaluated
    (``batch_norm``, as :func:`~catdyn.backends.torch.landscapes.landscape.loss_landscape` takes it)."""

    steps: int = 21
    span: float = 1.0
    batch: int = 512
    construction: str = "vertex"
    engine: str = "gudhi"
    noise_floor: float | str = "halves"
    batch_norm: str = "stored"


def sample_halves(n: int, batch: int, data_seed: int) -> tuple[Tensor, Tensor]:
    """The samples a landscape on ``batch`` of ``n`` points uses (the same draw as
    :func:`~catdyn.backends.torch.landscapes.landscape.loss_landscape`), split into two random halves."""
    if batch < n:
        idx = torch.randperm(n, generator=torch.Generator().manual_seed(int(data_seed)))[:batch]
    else:
        idx = torch.arange(n)
    idx = idx[torch.randperm(len(idx), generator=torch.Generator().manual_seed(10_007 + int(data_seed)))]
    return idx[: len(idx) // 2], idx[len(idx) // 2 :]


def training_grid(
    arch: Architecture, params: Mapping[str, Tensor], x: Tensor, y: Tensor, seed: int, how: Slice
) -> np.ndarray:
    """One model's loss on the ``how.steps``² grid along the directions of ``seed``, on at most
    ``how.batch`` of the samples ``(x, y)`` (drawn with ``seed``)."""
    from catdyn.backends.torch.landscapes.landscape import loss_landscape

    common = {"steps": how.steps, "span": how.span, "seed": int(seed), "batch_norm": how.batch_norm}
    return loss_landscape(arch, params, x, y, batch=min(how.batch, len(x)), data_seed=int(seed), **common).values


@dataclass(frozen=True, eq=False)
class Halves:
    """One model's grids of one plane on the two halves A and B of the samples of its
    :func:`training_grid` (``a``, ``b``), the halves' sizes and how batch norm was evaluated
    (``batch_norm``: ``"stored"``, ``"recompute"``, or ``"none"`` for a network without it).

    >>> h = Halves(np.array([[1.0]]), np.array([[4.0]]), 1, 2)
    >>> h.mean().tolist(), h.floor()
    ([[3.0]], 3.0)
    """

    a: np.ndarray
    b: np.ndarray
    size_a: int
    size_b: int
    batch_norm: str = "none"

    @property
    def additive(self) -> bool:
        """Whether the grid on A ∪ B is the halves' weighted mean: every sample's loss is
        independent of the others (no batch norm recomputing statistics over the batch)."""
        return self.batch_norm != "recompute"

    def mean(self) -> np.ndarray:
        """The grid on A ∪ B, (|A|·f_A + |B|·f_B)/(|A| + |B|); a :class:`~catdyn.errors.TopologyError`
        when the halves are not :attr:`additive`."""
        if not self.additive:
            from catdyn.errors import TopologyError

            raise TopologyError(
                "the landscape of a batch is not the mean of its halves' when batch norm recomputes "
                "its statistics over the evaluation batch",
                "Compute the landscape on the whole batch (training_grid), or use batch_norm='stored'",
            )
        return (self.size_a * self.a + self.size_b * self.b) / (self.size_a + self.size_b)

    def floor(self) -> float:
        """The measured noise floor sup |f_A − f_B|."""
        return float(np.abs(self.a - self.b).max())


def training_halves(
    arch: Architecture, params: Mapping[str, Tensor], x: Tensor, y: Tensor, seed: int, how: Slice
) -> Halves:
    """The grids of :func:`training_grid`'s plane on the two halves of its samples
    (:func:`sample_halves`), each half's loss a mean over that half."""
    from catdyn.backends.torch.landscapes.landscape import loss_landscape

    common = {"steps": how.steps, "span": how.span, "seed": int(seed), "batch_norm": how.batch_norm}
    a, b = sample_halves(len(x), min(how.batch, len(x)), int(seed))
    fa = loss_landscape(arch, params, x[a], y[a], **common)
    fb = loss_landscape(arch, params, x[b], y[b], **common)
    return Halves(fa.values, fb.values, len(a), len(b), fa.batch_norm)


def halves_floor(
    arch: Architecture, params: Mapping[str, Tensor], x: Tensor, y: Tensor, seed: int, how: Slice
) -> float:
    """The measured noise floor of :func:`training_grid`: sup |f_A − f_B| for the landscapes of
    the same plane on the two halves of its samples (:func:`sample_halves`)."""
    return training_halves(arch, params, x, y, seed, how).floor()


def landscape_and_floor(
    arch: Architecture, params: Mapping[str, Tensor], x: Tensor, y: Tensor, seed: int, how: Slice
) -> tuple[np.ndarray, float]:
    """:func:`training_grid` and :func:`halves_floor` together: the grid as the halves' weighted
    mean where that is exact (:attr:`Halves.additive`), else computed directly."""
    halves = training_halves(arch, params, x, y, seed, how)
    grid = halves.mean() if halves.additive else training_grid(arch, params, x, y, seed, how)
    return grid, halves.floor()


def features_of(diagram: Any, grid: np.ndarray, floor: float) -> dict[str, float]:
    """The persistence features of one grid's diagram (:func:`~catdyn.topology.features.summarise`,
    basin depth included), its noise floor and the total persistence above that floor."""
    from catdyn.topology.features import summarise

    f = summarise(diagram, noise_floor=floor, grid=grid)
    f["noise_floor"] = float(floor)
    f["total_persistence_above_floor"] = float(
        sum(np.sum(life[life > floor]) for life in (diagram.lifetimes(k) for k in diagram.dims))
    )
    return f


def diagram_of_pairs(pairs: Mapping[str, Any], shape: tuple[int, ...], construction: str = "vertex") -> Any:
    """The :class:`~catdyn.topology.cubical.Diagram` of one member's stored pairs (``{"H0":
    [[birth, death or None], …], …}``, as :class:`~catdyn.values.PersistenceDiagrams` holds them).

    >>> d = diagram_of_pairs({"H0": [[0.0, 1.0], [-1.0, None]], "H1": []}, (3, 3))
    >>> d.lifetimes(0).tolist(), d.essential_births(0).tolist(), d.dims
    ([1.0], [-1.0], (0, 1))
    """
    from catdyn.topology.cubical import Diagram

    dims = sorted(int(k[1:]) for k in pairs)
    finite = tuple(np.array([p for p in pairs[f"H{k}"] if p[1] is not None], dtype=np.float64).reshape(-1, 2)
                   for k in dims)
    essential = tuple(np.array([p[0] for p in pairs[f"H{k}"] if p[1] is None], dtype=np.float64) for k in dims)
    return Diagram(finite, essential, construction, "gudhi", tuple(shape))


def grid_features(
    arch: Architecture, params: Mapping[str, Tensor], x: Tensor, y: Tensor, seed: int, how: Slice
) -> tuple[np.ndarray, dict[str, float]]:
    """One model's grid along direction seed ``seed`` and its persistence features, with the
    noise floor and the total persistence above it."""
    from catdyn.topology.cubical import sublevel_persistence

    if how.noise_floor == "halves":
        values, floor = landscape_and_floor(arch, params, x, y, seed, how)
    else:
        values, floor = training_grid(arch, params, x, y, seed, how), float(how.noise_floor)
    dims = None if how.engine != "union-find" else (0,)  # the gudhi engines give H0 … H_{k−1}
    d = sublevel_persistence(values, construction=how.construction, engine=how.engine, dims=dims)  # type: ignore[arg-type]
    return values, features_of(d, values, floor)


def model_row(grids: Sequence[np.ndarray], feats: Sequence[Mapping[str, float]]) -> dict[str, Any]:
    """Per model: the mean and std over direction seeds of every feature, the grids and floors.

    >>> r = model_row([np.zeros((2, 2))] * 2, [{"a": 1.0, "noise_floor": 0.1}, {"a": 3.0, "noise_floor": 0.2}])
    >>> r["a"], r["a_std"], r["noise_floors"], r["grids"].shape
    (2.0, 1.0, [0.1, 0.2], (2, 2, 2))
    """
    keys = sorted(feats[0])
    row: dict[str, Any] = {k: float(np.mean([f[k] for f in feats])) for k in keys}
    row.update({f"{k}_std": float(np.std([f[k] for f in feats])) for k in keys})
    row["grids"] = np.stack(grids)
    row["noise_floors"] = [f["noise_floor"] for f in feats]
    return row
