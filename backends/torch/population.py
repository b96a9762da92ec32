"""The landscape-persistence generalisation study: a population of trained models, their loss
landscape persistence, plain baselines, and the statistics against the paper's claim
"gap = −0.034 · total persistence + 0.12, R² = 0.82".

**Population** (:func:`design`, :func:`train_population`): one-at-a-time variations around a
base configuration — width, learning rate, batch size, weight decay, label noise, training-set
size — each with several seeds. Members that share shapes and data (same width, batch size,
noise and size) are trained together with :func:`~catdyn.backends.torch.ensemble.train_ensemble`
(per-member learning rate and weight decay). For each model: train and test accuracy and loss,
the **gap** (train accuracy − test accuracy), the ℓ2 norm of its weights, its **sharpness** (top
Hessian eigenvalue on a fixed training batch) and the **PH dimension** of its trajectory (the
parameter vectors at the checkpoints of the second half of training).

**Landscapes** (:func:`measure_landscapes`): for every model and every direction seed, a 2-D
filter-normalised slice on a fixed training batch, its sublevel persistence (vertex
construction, H0 and H1) and features; per model the mean over seeds (and the spread).

**Study** (:func:`study`): :func:`~catdyn.topology.study.assess` for every measure against the
gap, the claims rows, and the measures ranked by |τ|.

Operations registered for the runner: ``landscape_population``, ``landscape``,
``persistence`` and ``persistence_study`` (see ``specs/persistence_generalisation.py``).

>>> configs = design({"width": 16, "lr": 0.1, "batch_size": 32, "weight_decay": 0.0, "label_noise": 0.0,
...                   "n_train": 200}, {"lr": [0.3]}, seeds=[0, 1])
>>> [(c["lr"], c["seed"]) for c in configs]
[(0.1, 0), (0.1, 1), (0.3, 0), (0.3, 1)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.runner.operations import OpContext, operation

HPARAMS: tuple[str, ...] = ("width", "lr", "batch_size", "weight_decay", "label_noise", "n_train")
"""The hyperparameters a population varies (the keys of granulated τ)."""


def design(
    base: Mapping[str, Any], vary: Mapping[str, Sequence[Any]], seeds: Sequence[int]
) -> list[dict[str, Any]]:
    """The base configuration and every one-at-a-time variation of it, each with every seed."""
    configs = [dict(base)]
    for key, values in vary.items():
        for v in values:
            if v != base[key]:
                configs.append({**base, key: v})
    return [{**c, "seed": int(s)} for c in configs for s in seeds]


def _architecture(family: str, width: int, in_shape: tuple[int, ...], classes: int) -> Any:
    from catdyn.backends.torch.architectures import CNN, MLP

    if family == "mlp":
        return MLP((int(np.prod(in_shape)), int(width), classes))
    if family == "cnn":
        return CNN(in_shape, (max(2, int(width) // 4),), classes, pool="max", readout="flatten")  # type: ignore[arg-type]
    from catdyn.errors import TopologyError

    raise TopologyError.unknown("population family", family, ("mlp", "cnn"))


def _noisy(y: Tensor, fraction: float, classes: int, seed: int) -> Tensor:
    if fraction <= 0:
        return y
    g = torch.Generator().manual_seed(10_000 + int(seed))
    flip = torch.rand(len(y), generator=g) < fraction
    shift = torch.randint(1, classes, (len(y),), generator=g)
    return torch.where(flip, (y + shift) % classes, y)


def _flat(params: Mapping[str, Tensor]) -> Tensor:
    return torch.cat([p.reshape(-1) for p in params.values()])


def train_population(
    configs: Sequence[Mapping[str, Any]],
    data: Mapping[str, Any],
    *,
    family: str = "mlp",
    steps: int = 300,
    momentum: float = 0.9,
    input_shape: Sequence[int] | None = None,
    sharpness_batch: int = 256,
    trajectory_points: int = 40,
    device: str = "cpu",
    seed: int = 0,
) -> dict[str, Any]:
    """Train every configuration (see the module docstring) and measure the per-model baselines.
    ``data`` is a dict with ``train_x``, ``train_y``, ``test_x``, ``test_y``, ``n_classes``,
    ``name``; ``input_shape`` reshapes the inputs (e.g. ``(1, 8, 8)`` for a CNN on digits)."""
    from catdyn.backends.torch import ensemble as E
    from catdyn.backends.torch.data import Dataset
    from catdyn.backends.torch.optim import SGD
    from catdyn.backends.torch.sharpness import sharpness
    from catdyn.topology.trajectory import ph_dimension

    shape = tuple(input_shape) if input_shape is not None else tuple(data["train_x"].shape[1:])
    xtr = data["train_x"].float().reshape(-1, *shape)
    xte = data["test_x"].float().reshape(-1, *shape)
    ytr, yte = data["train_y"].long(), data["test_y"].long()
    classes = int(data["n_classes"])
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, c in enumerate(configs):
        groups.setdefault((c["width"], c["batch_size"], c["label_noise"], c["n_train"]), []).append(i)
    models: list[dict[str, Any]] = [{} for _ in configs]
    first = max(1, steps // 2)
    every = max(1, (steps - first) // max(1, trajectory_points - 1))
    checkpoints = tuple(range(first, steps + 1, every))
    for (width, batch_size, noise, n_train), members in groups.items():
        arch = _architecture(family, width, shape, classes)
        n = min(int(n_train), len(xtr))
        x, y_clean = xtr[:n], ytr[:n]
        y = _noisy(y_clean, float(noise), classes, seed)
        cfg = E.TrainConfig(
            steps=int(steps),
            batch_size=int(batch_size),
            optimiser=SGD(momentum=momentum),
            lr=[float(configs[i]["lr"]) for i in members],
            weight_decay=[float(configs[i]["weight_decay"]) for i in members],
            checkpoints=checkpoints,
        )
        seeds = [int(configs[i]["seed"]) for i in members]
        result = E.train_ensemble(
            arch,
            Dataset(x, y, data["name"], classes, "train"),
            seeds,
            cfg,
            data_seeds=[s + 7919 * (j + 1) for j, s in enumerate(seeds)],
            device=device,
        )
        sb = min(int(sharpness_batch), n)
        for j, i in enumerate(members):
            p = {k: v.detach().cpu() for k, v in result.member(j).items()}
            ok = result.status[j] == "ok"
            with torch.no_grad():
                lt, le = arch.apply(p, x), arch.apply(p, xte)
                train_loss = float(F.cross_entropy(lt, y))
                train_acc = float((lt.argmax(1) == y).float().mean())
                test_acc = float((le.argmax(1) == yte).float().mean())
                test_loss = float(F.cross_entropy(le, yte))
            traj = torch.stack([_flat(result.member(j, s)) for s in checkpoints]).double().numpy()
            try:
                phd = (
                    ph_dimension(traj, sizes=None, repeats=3, seed=seed).dimension
                    if len(traj) >= 20
                    else math.nan
                )
            except Exception:  # a degenerate trajectory (e.g. frozen): no dimension
                phd = math.nan
            sharp = (
                sharpness(arch, p, x[:sb], y[:sb], iters=50, tol=1e-4, seed=seed).eigenvalue
                if ok
                else math.nan
            )
            models[i] = {
                "config": dict(configs[i]),
                "family": family,
                "arch": arch.name,
                "status": result.status[j],
                "params": p,
                "train_loss": train_loss,
                "train_acc": train_acc,
                "test_acc": test_acc,
                "test_loss": test_loss,
                "gap": train_acc - test_acc,
                "loss_gap": test_loss - train_loss,
                "l2_norm": float(_flat(p).norm()),
                "sharpness": float(sharp),
                "ph_dimension": float(phd),
            }
    return {"data": data["name"], "family": family, "input_shape": list(shape), "models": models}


def _halves(n: int, batch: int, data_seed: int) -> tuple[Tensor, Tensor]:
    """The samples a landscape on ``batch`` of ``n`` points uses (the same draw as
    :func:`~catdyn.backends.torch.landscape.loss_landscape`), split into two random halves."""
    if batch < n:
        idx = torch.randperm(n, generator=torch.Generator().manual_seed(int(data_seed)))[:batch]
    else:
        idx = torch.arange(n)
    idx = idx[torch.randperm(len(idx), generator=torch.Generator().manual_seed(10_007 + int(data_seed)))]
    return idx[: len(idx) // 2], idx[len(idx) // 2 :]


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
    seed; per model the mean and standard deviation over seeds of each feature.

    ``noise_floor`` is a number, or ``"halves"``: per grid, sup |f_A − f_B| for the landscapes
    f_A, f_B of the same directions on two random halves of the grid's samples. The grid is
    their weighted mean, so by the stability law each of their diagrams lies within half that
    bottleneck distance of the grid's: a feature whose lifetime exceeds the floor is present
    whichever half of the data is drawn; a shorter one may be an artefact of the draw. The
    features then include ``noise_floor`` and ``total_persistence_above_floor`` (the lifetimes,
    H0 and H1, above it)."""
    from catdyn.backends.torch.landscape import loss_landscape
    from catdyn.topology.cubical import sublevel_persistence
    from catdyn.topology.features import summarise

    shape = tuple(population["input_shape"]) or tuple(data["train_x"].shape[1:])
    x = data["train_x"].float().reshape(-1, *shape)
    y = data["train_y"].long()
    classes = int(data["n_classes"])
    rows = []
    for m in population["models"]:
        c = m["config"]
        arch = _architecture(population["family"], c["width"], shape, classes)
        n = min(int(c["n_train"]), len(x))
        feats: list[dict[str, float]] = []
        grids = []
        for s in seeds:
            common = {"steps": steps, "span": span, "seed": int(s)}
            ls = loss_landscape(
                arch, m["params"], x[:n], y[:n], batch=min(batch, n), data_seed=int(s), **common
            )
            if noise_floor == "halves":
                a, b = _halves(n, min(batch, n), int(s))
                fa = loss_landscape(arch, m["params"], x[a], y[a], **common).values
                fb = loss_landscape(arch, m["params"], x[b], y[b], **common).values
                floor = float(np.abs(fa - fb).max())
            else:
                floor = float(noise_floor)
            dims = None if engine == "gudhi" else (0,)
            d = sublevel_persistence(ls.values, construction=construction, engine=engine, dims=dims)  # type: ignore[arg-type]
            f = summarise(d, noise_floor=floor, grid=ls.values)
            f["noise_floor"] = floor
            f["total_persistence_above_floor"] = float(
                sum(np.sum(life[life > floor]) for life in (d.lifetimes(k) for k in d.dims))
            )
            feats.append(f)
            grids.append(ls.values)
        keys = sorted(feats[0])
        row = {k: float(np.mean([f[k] for f in feats])) for k in keys}
        row.update({f"{k}_std": float(np.std([f[k] for f in feats])) for k in keys})
        row["grids"] = np.stack(grids)
        row["noise_floors"] = [f["noise_floor"] for f in feats]
        rows.append(row)
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


def study(
    populations: Sequence[Mapping[str, Any]],
    landscapes: Sequence[Mapping[str, Any]],
    *,
    target: str = "gap",
    resamples: int = 1000,
    permutations: int = 999,
    seed: int = 0,
) -> dict[str, Any]:
    """The statistics of every measure and baseline against ``target`` over all models that
    trained without failing (pooled over the populations given), and the claims rows."""
    from catdyn.topology.study import assess, claims, rank

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
            row.update(
                {
                    k: m[k]
                    for k in (
                        "gap",
                        "loss_gap",
                        "train_acc",
                        "test_acc",
                        "train_loss",
                        "l2_norm",
                        "sharpness",
                        "ph_dimension",
                    )
                }
            )
            row.update({k: v for k, v in f.items() if k not in ("grids", "noise_floors")})
            table.append(row)
    y = [r[target] for r in table]
    hp = [
        {k: (r[k] if k != "width" else (r["family"], r["width"])) for k in HPARAMS} | {"data": r["data"]}
        for r in table
    ]
    measures = []
    for name in (*MEASURES, *BASELINES):
        x = [r.get(name, math.nan) for r in table]
        if sum(np.isfinite(v) for v in x) < 4:
            continue
        measures.append(
            assess(
                x,
                y,
                name=name,
                target=target,
                hparams=hp,
                resamples=resamples,
                permutations=permutations,
                seed=seed,
            )
        )
    tp = next(m for m in measures if m.name == "total_persistence")
    base = [m for m in measures if m.name in BASELINES]
    return {"table": table, "measures": [m.to_dict() for m in rank(measures)], "claims": claims(tp, base)}


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


def _landscape_figures(ctx: OpContext, ls: Mapping[str, Any], model: int, why: str) -> None:
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
        ctx.figure(
            f"landscape contour, {tag}",
            "catdyn.topology.plots:draw_landscape",
            {
                **landscape_figure_data(
                    grid,
                    [axis, axis],
                    noise_floor=floor,
                    label="training loss",
                    pairs=ls["engine"] == "gudhi",
                ),
                "figsize": [6.0, 5.0],
            },
        )
    d = sublevel_persistence(
        grid,
        construction=ls["construction"],
        engine=ls["engine"],
        dims=None if ls["engine"] == "gudhi" else (0,),  # type: ignore[arg-type]
    )
    ctx.figure(
        f"persistence diagram and barcode, {tag}",
        "catdyn.topology.plots:draw_diagram",
        {**d.to_dict(), "noise_floor": floor, "figsize": [10.0, 4.2]},
    )


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
        _landscape_figures(ctx, ls, 0, "base configuration")
        top = int(np.argmax([r["total_persistence"] for r in rows]))
        if top != 0:
            _landscape_figures(ctx, ls, top, "largest total persistence")
    return {"rows": rows, "construction": ls["construction"], "engine": ls["engine"]}


def _floor_note(table: Sequence[Mapping[str, Any]]) -> str:
    """Where total persistence stands against the measured noise floors, in words."""
    floors = [r["noise_floor"] for r in table if math.isfinite(r.get("noise_floor", math.nan))]
    if not floors:
        return ""
    above = sum(r.get("total_persistence_above_floor", 0.0) > 0 for r in table)
    return (
        f"noise floor (sup |f_A − f_B| over data halves): {min(floors):.3g} … {max(floors):.3g}; "
        f"{above} of {len(table)} models have a feature above it"
    )


def _groups(table: Sequence[Mapping[str, Any]]) -> list[str]:
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
    ctx.table(
        "measures ranked by |τ|",
        [
            {
                "measure": m["name"],
                "n": m["n"],
                "R²": m["r2"],
                "CV R²": m["cv_r2"],
                "τ": m["tau"],
                "τ interval": "[{:.3g}, {:.3g}]".format(*m["tau_interval"]),
                "granulated τ": m["granulated"].get("mean", math.nan),
                "p (τ)": m["p_tau"],
                "slope": m["slope"],
                "kind": "baseline" if m["name"] in BASELINES else "topological",
            }
            for m in out["measures"]
        ],
    )
    tp = next(m for m in out["measures"] if m["name"] == "total_persistence")
    ctx.figure(
        f"{target} vs total persistence",
        "catdyn.topology.plots:draw_scatter",
        {
            "x": [r["total_persistence"] for r in out["table"]],
            "y": [r[target] for r in out["table"]],
            "groups": _groups(out["table"]),
            "fit": {"slope": tp["slope"], "intercept": tp["intercept"], "r2": tp["r2"]},
            "reference": {"slope": -0.034, "intercept": 0.12, "label": "paper"},
            "note": _floor_note(out["table"]),
            "xlabel": "total persistence (H0 + H1, mean over direction seeds)",
            "ylabel": f"{target} (train − test accuracy)" if target == "gap" else target,
            "figsize": [7.0, 4.8],
        },
    )
    ctx.figure(
        "measures ranked by Kendall τ",
        "catdyn.topology.plots:draw_ranking",
        {
            "rows": [
                {
                    "name": m["name"],
                    "tau": m["tau"],
                    "tau_interval": list(m["tau_interval"]),
                    "p": m["p_tau"],
                    "cv_r2": m["cv_r2"],
                    "kind": "baseline" if m["name"] in BASELINES else "topological",
                }
                for m in out["measures"]
            ],
            "target": target,
            "figsize": [7.0, 0.9 + 0.35 * len(out["measures"])],
        },
    )
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
