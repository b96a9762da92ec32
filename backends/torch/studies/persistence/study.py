"""The study over a population: one row per model that trained (its identity, hyperparameters,
measures and landscape features, :func:`join_tables`), every measure assessed against the
target (:func:`assess_measures`, :func:`catdyn.topology.study.assess`), ranked by |τ|.

>>> row = {"data": "d", "family": "mlp", "width": 8, "lr": 0.1, "batch_size": 4, "weight_decay": 0,
...        "label_noise": 0, "n_train": 9}
>>> hyperparameters([row])[0]["width"]
('mlp', 8)
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



IDENTITY: tuple[str, ...] = ("model", "data", "family", "arch", "seed", "varies")
"""The columns that say which model a row is: its name, data set, family, architecture, seed and
what its configuration varies against the base."""


def identity(meta: Mapping[str, Any]) -> dict[str, Any]:
    """A model's identity columns from its population meta row.

    >>> identity({"model": "digits mlp #0", "data": "digits", "family": "mlp", "arch": "mlp(64-32-10)",
    ...           "seed": 0, "varies": "base", "lr": 0.1})
    {'model': 'digits mlp #0', 'data': 'digits', 'family': 'mlp', 'arch': 'mlp(64-32-10)', 'seed': 0, 'varies': 'base'}
    """
    return {k: meta[k] for k in IDENTITY}


def caption(row: Mapping[str, Any]) -> str:
    """A model's identity in words, for a figure's title or caption.

    >>> caption({"model": "digits mlp #3", "arch": "mlp(64-16-10)", "seed": 0, "varies": "width=16"})
    'digits mlp #3: mlp(64-16-10), seed 0, width=16'
    """
    return f"{row['model']}: {row['arch']}, seed {row['seed']}, {row['varies']}"


def join_tables(tables: Sequence[Sequence[Mapping[str, Any]]], *, status: str = "status") -> list[dict[str, Any]]:
    """One row per model of the first tables' rows (pooled in order), joined by ``model`` with
    the rows of every other table; columns a model lacks are NaN; models whose ``status``
    column is not ``ok`` are left out.

    >>> design = [{"model": "a", "lr": 0.1}, {"model": "b", "lr": 0.3}]
    >>> join_tables([design, [{"model": "b", "status": "ok", "gap": 0.2}, {"model": "a", "status": "failed", "gap": 1}]])
    [{'model': 'b', 'lr': 0.3, 'status': 'ok', 'gap': 0.2}]
    """
    order: list[str] = []
    rows: dict[str, dict[str, Any]] = {}
    for table in tables:
        for r in table:
            if r["model"] not in rows:
                order.append(r["model"])
                rows[r["model"]] = {}
            rows[r["model"]].update(r)
    keys: list[str] = []
    for m in order:
        keys += [k for k in rows[m] if k not in keys]
    out = [{k: rows[m].get(k, math.nan) for k in keys} for m in order]
    return [r for r in out if r.get(status, "ok") == "ok"]


def hyperparameters(table: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each row's hyperparameters for granulated τ (width within its family, and the data set)."""
    return [
        {k: (r[k] if k != "width" else (r["family"], r["width"])) for k in HPARAMS} | {"data": r["data"]}
        for r in table
    ]


def assess_measures(
    table: Sequence[Mapping[str, Any]],
    *,
    target: str = "gap",
    resamples: int = 1000,
    permutations: int = 999,
    seed: int = 0,
) -> list[Any]:
    """Every measure and baseline with ≥ 4 finite values assessed against ``target``
    (:func:`catdyn.topology.study.assess`: fit, CV R², τ, granulated τ, permutation tests,
    bootstrap intervals and the slope's sign stability), ranked by |τ|."""
    from catdyn.topology.study import assess, rank

    y = [r[target] for r in table]
    hp = hyperparameters(table)
    measures = []
    for name in (*MEASURES, *BASELINES):
        x = [r.get(name, math.nan) for r in table]
        if sum(np.isfinite(v) for v in x) < 4:
            continue
        kw = {"resamples": resamples, "permutations": permutations, "seed": seed}
        measures.append(assess(x, y, name=name, target=target, hparams=hp, **kw))
    return rank(measures)


def scatter_labels(table: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each row's configuration (``"base"``, ``"lr=0.3"``), prefixed by its data set and family
    when the table pools several.

    >>> scatter_labels([{"data": "d", "family": "mlp", "varies": "base"}])
    ['base']
    """
    pooled = len({(r["data"], r["family"]) for r in table}) > 1
    return [f"{r['data']} {r['family']}: {r['varies']}" if pooled else str(r["varies"]) for r in table]


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
