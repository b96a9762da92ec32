"""The landscape-persistence generalisation study as runner operations (the registration point;
the science lives in the small modules of :mod:`catdyn.backends.torch.studies.persistence`): a
population of trained models, their loss landscape persistence, plain baselines, and the
statistics against the paper's claim "gap = −0.034 · total persistence + 0.12, R² = 0.82".

Operations: ``landscape_population`` (dataset → population), ``landscape`` (population ×
dataset → landscapes), ``persistence`` (landscapes → features) and ``persistence_study``
(population × landscapes × … → claims); see ``specs/persistence_generalisation.py``.

>>> from catdyn.runner.operations import get
>>> get("persistence_study").output
'claims'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from catdyn.backends.torch.studies.persistence.design import HPARAMS, design
from catdyn.backends.torch.studies.persistence.figures import (
    ranking_rows,
    record_landscape,
    record_ranking,
    record_scatter,
)
from catdyn.backends.torch.studies.persistence.landscapes import measure_landscapes
from catdyn.backends.torch.studies.persistence.study import BASELINES, MEASURES, study
from catdyn.backends.torch.studies.persistence.train import train_population
from catdyn.runner.operations import OpContext, operation

__all__ = [
    "BASELINES",
    "HPARAMS",
    "MEASURES",
    "design",
    "measure_landscapes",
    "op_landscape",
    "op_persistence",
    "op_population",
    "op_study",
    "study",
    "train_population",
]


# --- operations for the runner --------------------------------------------------------------
@operation("landscape_population", inputs=("dataset",), output="population", version="1")
def op_population(
    ctx: OpContext,
    data: dict[str, Any],
    *,
    base: dict[str, Any],
    vary: dict[str, list[Any]],
    seeds: list[int],
    family: str = "mlp",
    steps: int = 300,
    input_shape: list[int] | None = None,
    momentum: float = 0.9,
    enabled: bool = True,
) -> dict[str, Any]:
    """Train a population (one-at-a-time variations × seeds) and measure its baselines; a
    population that the preset leaves out (``enabled=False``) is empty."""
    if not enabled:
        return {"data": data["name"], "family": family, "input_shape": list(input_shape or []), "models": []}
    pop = train_population(
        design(base, vary, seeds),
        data,
        family=family,
        steps=steps,
        momentum=momentum,
        input_shape=input_shape,
        device=ctx.device,
        seed=ctx.seed,
    )
    ctx.table(
        "models",
        [
            {
                **m["config"],
                "status": m["status"],
                **{
                    k: m[k]
                    for k in (
                        "train_acc",
                        "test_acc",
                        "gap",
                        "train_loss",
                        "l2_norm",
                        "sharpness",
                        "ph_dimension",
                    )
                },
            }
            for m in pop["models"]
        ],
    )
    ctx.metric("models", len(pop["models"]))
    ctx.metric("models failed", sum(m["status"] != "ok" for m in pop["models"]))
    return pop


@operation("landscape", inputs=("population", "dataset"), output="landscapes", version="2")
def op_landscape(
    ctx: OpContext,
    pop: dict[str, Any],
    data: dict[str, Any],
    *,
    seeds: list[int],
    steps: int = 21,
    span: float = 1.0,
    batch: int = 512,
    noise_floor: float | str = "halves",
) -> dict[str, Any]:
    """Loss grids of every model along every direction seed (with their persistence features;
    ``noise_floor`` a number or ``"halves"``, see :func:`measure_landscapes`)."""
    out = measure_landscapes(
        pop, data, seeds=seeds, steps=steps, span=span, batch=batch, noise_floor=noise_floor
    )
    if not out["per_model"]:
        return out
    first = out["per_model"][0]["grids"][0]
    ctx.heatmap(
        f"{pop['data']} {pop['family']} model 0 landscape (seed {seeds[0]})", first.tolist(), label="loss"
    )
    return out


@operation("persistence", inputs=("landscapes",), output="features", version="2")
def op_persistence(ctx: OpContext, ls: dict[str, Any]) -> dict[str, Any]:
    """The per-model persistence features (means over direction seeds) as a table, and the
    pictures of two grids: model 0 (the base configuration) and the model with the largest
    total persistence — its landscape contour with critical points, its diagram and barcode."""
    rows = [
        {k: v for k, v in r.items() if k not in ("grids", "noise_floors") and not k.endswith("_std")}
        for r in ls["per_model"]
    ]
    ctx.table("persistence features", rows)
    if rows:
        record_landscape(ctx, ls, 0, "base configuration")
        top = int(np.argmax([r["total_persistence"] for r in rows]))
        if top != 0:
            record_landscape(ctx, ls, top, "largest total persistence")
    return {"rows": rows, "construction": ls["construction"], "engine": ls["engine"]}


@operation("persistence_study", inputs=None, output="claims", version="2")
def op_study(
    ctx: OpContext,
    *stages: dict[str, Any],
    resamples: int = 1000,
    permutations: int = 999,
    target: str = "gap",
) -> dict[str, Any]:
    """The study over pairs of stages (population, landscapes, population, landscapes, …):
    measures ranked by τ (a table and a figure with intervals), a scatter of gap on total
    persistence with the fitted and the paper's lines, and the claims."""
    pops, lss = list(stages[0::2]), list(stages[1::2])
    out = study(pops, lss, target=target, resamples=resamples, permutations=permutations, seed=ctx.seed)
    ctx.table("measures ranked by |τ|", ranking_rows(out["measures"]))
    record_scatter(ctx, out, target)
    record_ranking(ctx, out["measures"], target)
    for row in out["claims"]:
        ctx.claim(
            row["claim"],
            paper=str(row["paper"]),
            measured=row["measured"],
            interval=tuple(row["interval"]),
            verdict=row["verdict"],
            detail=f"n={row['n']}, p={row['p_value']:.3g}",
        )
    return out
