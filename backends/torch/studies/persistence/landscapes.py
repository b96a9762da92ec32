"""Landscapes of a population and their persistence: for every model and every direction seed, a
2-D filter-normalised slice of the training loss, its sublevel persistence (vertex construction,
H0 and H1) and features; per model the mean and standard deviation over seeds.

The noise floor is a number, or ``"halves"``: per grid, sup |f_A − f_B| for the landscapes
f_A, f_B of the same directions on two random halves of the grid's samples. The grid is their
weighted mean, so by the stability law each of their diagrams lies within half that bottleneck
distance of the grid's: a feature whose lifetime exceeds the floor is present whichever half of
the data is drawn; a shorter one may be an artefact of the draw.

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
    and ``engine``; the ``noise_floor`` rule."""

    steps: int = 21
    span: float = 1.0
    batch: int = 512
    construction: str = "vertex"
    engine: str = "gudhi"
    noise_floor: float | str = "halves"


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

    common = {"steps": how.steps, "span": how.span, "seed": int(seed)}
    return loss_landscape(arch, params, x, y, batch=min(how.batch, len(x)), data_seed=int(seed), **common).values


def halves_floor(
    arch: Architecture, params: Mapping[str, Tensor], x: Tensor, y: Tensor, seed: int, how: Slice
) -> float:
    """The measured noise floor of :func:`training_grid`: sup |f_A − f_B| for the landscapes of
    the same plane on the two halves of its samples (:func:`sample_halves`)."""
    from catdyn.backends.torch.landscapes.landscape import loss_landscape

    common = {"steps": how.steps, "span": how.span, "seed": int(seed)}
    a, b = sample_halves(len(x), min(how.batch, len(x)), int(seed))
    fa = loss_landscape(arch, params, x[a], y[a], **common).values
    fb = loss_landscape(arch, params, x[b], y[b], **common).values
    return float(np.abs(fa - fb).max())


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

    values = training_grid(arch, params, x, y, seed, how)
    floor = halves_floor(arch, params, x, y, seed, how) if how.noise_floor == "halves" else float(how.noise_floor)
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
