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
from catdyn.backends.torch.studies.persistence.design import member_architecture


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


def grid_features(
    arch: Architecture, params: Mapping[str, Tensor], x: Tensor, y: Tensor, seed: int, how: Slice
) -> tuple[np.ndarray, dict[str, float]]:
    """One model's grid along direction seed ``seed`` and its persistence features, with the
    noise floor and the total persistence above it."""
    from catdyn.backends.torch.landscapes.landscape import loss_landscape
    from catdyn.topology.cubical import sublevel_persistence
    from catdyn.topology.features import summarise

    n = len(x)
    common = {"steps": how.steps, "span": how.span, "seed": int(seed)}
    ls = loss_landscape(arch, params, x, y, batch=min(how.batch, n), data_seed=int(seed), **common)
    if how.noise_floor == "halves":
        a, b = sample_halves(n, min(how.batch, n), int(seed))
        fa = loss_landscape(arch, params, x[a], y[a], **common).values
        fb = loss_landscape(arch, params, x[b], y[b], **common).values
        floor = float(np.abs(fa - fb).max())
    else:
        floor = float(how.noise_floor)
    dims = None if how.engine != "union-find" else (0,)  # the gudhi engines give H0 … H_{k−1}
    d = sublevel_persistence(ls.values, construction=how.construction, engine=how.engine, dims=dims)  # type: ignore[arg-type]
    f = summarise(d, noise_floor=floor, grid=ls.values)
    f["noise_floor"] = floor
    f["total_persistence_above_floor"] = float(
        sum(np.sum(life[life > floor]) for life in (d.lifetimes(k) for k in d.dims))
    )
    return ls.values, f


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


def measure_landscapes(
    population: Mapping[str, Any],
    data: Mapping[str, Any],
    *,
    seeds: Sequence[int] = (0, 1),
    steps: int = 21,
    span: float = 1.0,
    batch: int = 512,
    construction: str = "vertex",
    engine: str = "gudhi",
    noise_floor: float | str = "halves",
) -> dict[str, Any]:
    """Landscapes, diagrams and features for every model of ``population`` and every direction
    seed (see the module docstring); the value stored as ``landscapes``."""
    how = Slice(steps, span, batch, construction, engine, noise_floor)
    shape = tuple(population["input_shape"]) or tuple(data["train_x"].shape[1:])
    x = data["train_x"].float().reshape(-1, *shape)
    y = data["train_y"].long()
    rows = []
    for m in population["models"]:
        c = m["config"]
        arch = member_architecture(population["family"], c["width"], shape, int(data["n_classes"]))
        n = min(int(c["n_train"]), len(x))
        grids, feats = zip(*(grid_features(arch, m["params"], x[:n], y[:n], s, how) for s in seeds))
        rows.append(model_row(grids, feats))
    return {
        "construction": construction,
        "engine": engine,
        "steps": steps,
        "span": span,
        "seeds": list(seeds),
        "batch": batch,
        "noise_floor": noise_floor,
        "per_model": rows,
    }
