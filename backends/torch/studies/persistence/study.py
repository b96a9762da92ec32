"""The study over a population: one row per model that trained (its hyperparameters, measures
and landscape features), every measure assessed against the target
(:func:`catdyn.topology.study.assess`), ranked by |τ|, and the claims rows.

>>> row = {"data": "d", "family": "mlp", "width": 8, "lr": 0.1, "batch_size": 4, "weight_decay": 0,
...        "label_noise": 0, "n_train": 9}
>>> one_at_a_time_labels([row, row, {**row, "lr": 0.3}])
['base', 'base', 'lr=0.3']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from catdyn.backends.torch.studies.persistence.design import HPARAMS

MEASURES: tuple[str, ...] = (
    "total_persistence",
    "total_persistence_h0",
    "total_persistence_h1",
    "largest_lifetime_h0",
    "entropy_h0",
    "count_above_h0",
    "total_persistence_above_floor",
    "basin_depth",
    "ph_dimension",
)
BASELINES: tuple[str, ...] = ("l2_norm", "sharpness", "train_loss")
MODEL_COLUMNS: tuple[str, ...] = (
    "gap",
    "loss_gap",
    "train_acc",
    "test_acc",
    "train_loss",
    "l2_norm",
    "sharpness",
    "ph_dimension",
)
"""The per-model measures a row of the study's table carries."""


def model_table(
    populations: Sequence[Mapping[str, Any]], landscapes: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One row per model that trained without failing, pooled over the populations given."""
    table: list[dict[str, Any]] = []
    for pop, ls in zip(populations, landscapes):
        for m, f in zip(pop["models"], ls["per_model"]):
            if m["status"] != "ok":
                continue
            row = {
                **{k: m["config"][k] for k in (*HPARAMS, "seed")},
                "data": pop["data"],
                "family": pop["family"],
            }
            row.update({k: m[k] for k in MODEL_COLUMNS})
            row.update({k: v for k, v in f.items() if k not in ("grids", "noise_floors")})
            table.append(row)
    return table


def hyperparameters(table: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each row's hyperparameters for granulated τ (width within its family, and the data set)."""
    return [
        {k: (r[k] if k != "width" else (r["family"], r["width"])) for k in HPARAMS} | {"data": r["data"]}
        for r in table
    ]


def study(
    populations: Sequence[Mapping[str, Any]],
    landscapes: Sequence[Mapping[str, Any]],
    *,
    target: str = "gap",
    resamples: int = 1000,
    permutations: int = 999,
    seed: int = 0,
) -> dict[str, Any]:
    """The statistics of every measure and baseline against ``target`` (those with ≥ 4 finite
    values), ranked, and the claims rows of total persistence beside the baselines."""
    from catdyn.topology.study import assess, claims, rank

    table = model_table(populations, landscapes)
    y = [r[target] for r in table]
    hp = hyperparameters(table)
    measures = []
    for name in (*MEASURES, *BASELINES):
        x = [r.get(name, math.nan) for r in table]
        if sum(np.isfinite(v) for v in x) < 4:
            continue
        kw = {"resamples": resamples, "permutations": permutations, "seed": seed}
        measures.append(assess(x, y, name=name, target=target, hparams=hp, **kw))
    tp = next(m for m in measures if m.name == "total_persistence")
    base = [m for m in measures if m.name in BASELINES]
    return {"table": table, "measures": [m.to_dict() for m in rank(measures)], "claims": claims(tp, base)}


def one_at_a_time_labels(table: Sequence[Mapping[str, Any]]) -> list[str]:
    """For one-at-a-time designs: "base" or the hyperparameter a model varies ("lr=0.3"), the
    base value of each hyperparameter being its most common value (per data set and family)."""
    out = []
    keys = {(r["data"], r["family"]) for r in table}
    for r in table:
        same = [q for q in table if (q["data"], q["family"]) == (r["data"], r["family"])]
        diff = []
        for k in HPARAMS:
            values = [q[k] for q in same]
            mode = max(set(values), key=values.count)
            if r[k] != mode:
                diff.append(f"{k}={r[k]}")
        label = ", ".join(diff) or "base"
        out.append(label if len(keys) == 1 else f"{r['data']} {r['family']}: {label}")
    return out


def floor_note(table: Sequence[Mapping[str, Any]]) -> str:
    """Where total persistence stands against the measured noise floors, in words."""
    floors = [r["noise_floor"] for r in table if math.isfinite(r.get("noise_floor", math.nan))]
    if not floors:
        return ""
    above = sum(r.get("total_persistence_above_floor", 0.0) > 0 for r in table)
    return (
        f"noise floor (sup |f_A − f_B| over data halves): {min(floors):.3g} … {max(floors):.3g}; "
        f"{above} of {len(table)} models have a feature above it"
    )
