"""The pictures of the persistence study: one grid's landscape contour (critical points and the
H0 pairs above the noise floor) and its persistence diagram and barcode; the ranking of the
measures by Kendall τ; the scatter of the target on total persistence. Each function turns
computed values into a ``figure`` record and computes no statistic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from catdyn.backends.torch.studies.persistence.study import BASELINES, floor_note, one_at_a_time_labels
from catdyn.topology.study import PAPER_INTERCEPT, PAPER_SLOPE


def record_landscape(ctx: Any, ls: Mapping[str, Any], model: int, why: str) -> None:
    """Record the contour (with critical points and H0 pairs above the floor) and the
    persistence diagram and barcode of model ``model``'s grid for the first direction seed."""
    from catdyn.topology.cubical import sublevel_persistence
    from catdyn.topology.plots import landscape_figure_data

    grid = np.asarray(ls["per_model"][model]["grids"][0])
    seed = ls["seeds"][0]
    axis = np.linspace(-float(ls["span"]), float(ls["span"]), int(ls["steps"])).tolist()
    floors = ls["per_model"][model].get("noise_floors")
    floor = float(floors[0]) if floors else float(ls["noise_floor"])
    tag = f"model {model} ({why}), direction seed {seed}"
    if grid.ndim == 2:
        data = landscape_figure_data(
            grid, [axis, axis], noise_floor=floor, label="training loss", pairs=ls["engine"] != "union-find"
        )
        ctx.figure(
            f"landscape contour, {tag}",
            "catdyn.topology.plots:draw_landscape",
            {**data, "figsize": [6.0, 5.0]},
        )
    dims = None if ls["engine"] != "union-find" else (0,)
    d = sublevel_persistence(grid, construction=ls["construction"], engine=ls["engine"], dims=dims)  # type: ignore[arg-type]
    ctx.figure(
        f"persistence diagram and barcode, {tag}",
        "catdyn.topology.plots:draw_diagram",
        {**d.to_dict(), "noise_floor": floor, "figsize": [10.0, 4.2]},
    )


def kind_of(name: str) -> str:
    """``"baseline"`` or ``"topological"``."""
    return "baseline" if name in BASELINES else "topological"


def ranking_rows(measures: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The table of measures ranked by |τ|."""
    return [
        {
            "measure": m["name"],
            "n": m["n"],
            "R²": m["r2"],
            "CV R²": m["cv_r2"],
            "τ": m["tau"],
            "τ interval": "[{:.3g}, {:.3g}]".format(*m["tau_interval"]),
            "granulated τ": m["granulated"].get("mean", float("nan")),
            "p (τ)": m["p_tau"],
            "slope": m["slope"],
            "kind": kind_of(m["name"]),
        }
        for m in measures
    ]


def record_scatter(ctx: Any, out: Mapping[str, Any], target: str) -> None:
    """The target against total persistence, with the fitted and the paper's lines."""
    tp = next(m for m in out["measures"] if m["name"] == "total_persistence")
    table = out["table"]
    ctx.figure(
        f"{target} vs total persistence",
        "catdyn.topology.plots:draw_scatter",
        {
            "x": [r["total_persistence"] for r in table],
            "y": [r[target] for r in table],
            "groups": one_at_a_time_labels(table),
            "fit": {"slope": tp["slope"], "intercept": tp["intercept"], "r2": tp["r2"]},
            "reference": {"slope": PAPER_SLOPE, "intercept": PAPER_INTERCEPT, "label": "paper"},
            "note": floor_note(table),
            "xlabel": "total persistence (H0 + H1, mean over direction seeds)",
            "ylabel": f"{target} (train − test accuracy)" if target == "gap" else target,
            "figsize": [7.0, 4.8],
        },
    )


def record_ranking(ctx: Any, measures: Sequence[Mapping[str, Any]], target: str) -> None:
    """The measures ranked by Kendall τ with their intervals."""
    rows = [
        {
            "name": m["name"],
            "tau": m["tau"],
            "tau_interval": list(m["tau_interval"]),
            "p": m["p_tau"],
            "cv_r2": m["cv_r2"],
            "kind": kind_of(m["name"]),
        }
        for m in measures
    ]
    ctx.figure(
        "measures ranked by Kendall τ",
        "catdyn.topology.plots:draw_ranking",
        {"rows": rows, "target": target, "figsize": [7.0, 0.9 + 0.35 * len(measures)]},
    )
