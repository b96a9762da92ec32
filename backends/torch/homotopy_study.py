"""The homotopy-classes study as runner operations: train a population, measure every pair's
barrier after symmetry alignment (and curved paths where the straight one fails), classify,
and report the paper's claims with measured figures, intervals and verdicts.

Operations (registered with :func:`catdyn.runner.operations.operation`; a spec imports this
module):

* ``homotopy_train`` (dataset → population): for one architecture, every (optimiser, learning
  rate, seed) member, trained as one batched ensemble per optimiser, with checkpoints at
  matched stages; a population of 0 seeds is *skipped* (so a preset can switch a group off).
* ``homotopy_classify`` (population × dataset → homotopy): barrier matrix (weight matching,
  linear paths, both definitions kept), Bézier curves for the pairs whose linear barrier is
  above ``c`` and that could join two classes, classes at ``c``, H0 persistence over ``c``,
  accuracy spreads with bootstrap intervals, the affine-fit residuals within vs between
  classes, the alignment laws on real trained networks, and the plots (heat map ordered by
  class, classes against ``c``, the H0 dendrogram and barcode with ``c`` marked — a ``figure``
  record drawn by :func:`draw_barrier_dendrogram` —, accuracy by class, loss along linear and
  curved paths).

:func:`homotopy_study` runs the same thing in-process, without a store (for tests and
notebooks).

>>> from catdyn.runner.operations import get
>>> get("homotopy_classify").inputs
('population', 'dataset')
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from catdyn.backends.torch.alignment import alignment_laws
from catdyn.backends.torch.architectures import CNN, MLP, Architecture
from catdyn.backends.torch.barrier_matrix import BarrierMatrix, all_pairs, barrier_matrix, split_pairs
from catdyn.backends.torch.curves import fit_network_curve
from catdyn.backends.torch.data import Dataset
from catdyn.backends.torch.ensemble import TrainConfig, evaluate, train_ensemble
from catdyn.backends.torch.interpolation import linear_path, unstack
from catdyn.backends.torch.optim import SGD, Adam
from catdyn.backends.torch.symmetry import permute
from catdyn.classes import (
    between_spread,
    classes_at,
    h0_persistence,
    mantel,
    persistent_counts,
    spread_claims,
    verdict,
    within_spread,
)
from catdyn.errors import HomotopyError
from catdyn.runner.operations import OpContext, operation

PAPER = {
    "within": ("< 0.5 %", 0.005, "<"),
    "between": ("> 3 %", 0.03, ">"),
    "classes": ("7 classes of 100 MNIST networks", 7),
}
"""The paper's figures (arXiv 2510.04376, second-hand): spreads as fractions."""

_RUNNER_VERDICT = {
    "supported": "reproduced",
    "contradicted": "not reproduced",
    "inconclusive": "inconclusive",
    "not measurable": "inconclusive",
}


def build_arch(spec: dict[str, Any], input_shape: Sequence[int], n_classes: int) -> Architecture:
    """An architecture from a small spec dict: ``{"type": "mlp", "hidden": [64]}`` or
    ``{"type": "cnn", "image": [1, 8, 8], "channels": [8, 16]}``.

    >>> build_arch({"type": "mlp", "hidden": [32]}, (64,), 10).name
    'mlp(64-32-10)'
    """
    kind = spec.get("type", "mlp")
    if kind == "mlp":
        n_in = int(np.prod(input_shape))
        return MLP((n_in, *[int(h) for h in spec.get("hidden", [64])], int(n_classes)))
    if kind == "cnn":
        image = tuple(int(v) for v in spec["image"])
        return CNN(image, tuple(int(c) for c in spec.get("channels", (8, 16))), int(n_classes))
    raise HomotopyError.bad_option("arch type", kind, "'mlp' or 'cnn'")


def _dataset(value: dict[str, Any], split: str, arch: Architecture | None = None) -> Dataset:
    x = value[f"{split}_x"]
    if arch is not None:
        shape = arch.input_shape if isinstance(arch, CNN) else (arch.widths[0],)  # type: ignore[attr-defined]
        x = x.reshape(x.shape[0], *shape)
    return Dataset(x, value[f"{split}_y"], value["name"], int(value["n_classes"]), split)


def train_population(
    data: dict[str, Any],
    *,
    arch: dict[str, Any],
    seeds: Sequence[int],
    optimisers: Sequence[dict[str, Any]],
    steps: int,
    batch_size: int = 64,
    stages: int = 4,
    seed: int = 0,
    device: str = "cpu",
) -> dict[str, Any]:
    """Train every (optimiser, learning rate, seed) member; one batched ensemble per optimiser.
    ``optimisers`` are dicts ``{"name": "sgd"|"adam", "lrs": [...], "momentum": 0.9}``.

    >>> import torch
    >>> from catdyn.backends.torch.data import load_digits
    >>> s = load_digits()
    >>> d = {"name": "digits", "n_classes": 10, "train_x": s.train.x, "train_y": s.train.y}
    >>> pop = train_population(d, arch={"type": "mlp", "hidden": [8]}, seeds=[0, 1],
    ...                        optimisers=[{"name": "sgd", "lrs": [0.1]}, {"name": "adam", "lrs": [0.01]}], steps=5)
    >>> pop["members"], sorted(pop["checkpoints"])
    (4, ['0', '1', '2', '4', '5'])
    """
    n_classes = int(data["n_classes"])
    net = build_arch(arch, tuple(data["train_x"].shape[1:]), n_classes)
    train = _dataset(data, "train", net)
    marks = sorted({round(steps * k / stages) for k in range(stages + 1)})
    params, checkpoints, rows, status = [], {str(m): [] for m in marks}, [], []
    losses = []
    for o in optimisers:
        name = str(o.get("name", "sgd")).lower()
        opt = Adam() if name == "adam" else SGD(momentum=float(o.get("momentum", 0.9)))
        pairs = [(int(s), float(lr)) for lr in o["lrs"] for s in seeds]
        if not pairs:
            continue
        data_seeds = [
            int(hashlib.sha256(f"{seed}/{name}/{lr}/{s}".encode()).hexdigest()[:7], 16) for s, lr in pairs
        ]
        cfg = TrainConfig(
            steps=int(steps),
            batch_size=int(batch_size),
            optimiser=opt,
            lr=[p[1] for p in pairs],
            checkpoints=tuple(marks),
        )
        result = train_ensemble(net, train, [p[0] for p in pairs], cfg, data_seeds=data_seeds, device=device)
        params.append({k: v.detach().cpu() for k, v in result.params.items()})
        for m in marks:
            checkpoints[str(m)].append(result.checkpoints[m])
        status += result.status
        losses.append(result.losses.detach().cpu())
        rows += [{"optimiser": name, "lr": lr, "seed": s} for s, lr in pairs]
    if not params:
        return {"skipped": True, "members": 0}
    cat = {k: torch.cat([p[k] for p in params]) for k in params[0]}
    ck = {m: {k: torch.cat([p[k] for p in ps]) for k in ps[0]} for m, ps in checkpoints.items()}
    return {
        "skipped": False,
        "arch": dict(arch),
        "arch_name": net.name,
        "members": len(rows),
        "params": cat,
        "checkpoints": ck,
        "status": status,
        "config": rows,
        "losses": torch.cat(losses, dim=1),
    }


@operation("homotopy_train", inputs=("dataset",), output="population", version="1")
def homotopy_train(
    ctx: OpContext,
    data: dict[str, Any],
    *,
    arch: dict[str, Any],
    seeds: Sequence[int],
    optimisers: Sequence[dict[str, Any]],
    steps: int,
    batch_size: int = 64,
    stages: int = 4,
) -> dict[str, Any]:
    """Train the population of one architecture (see :func:`train_population`)."""
    pop = train_population(
        data,
        arch=arch,
        seeds=seeds,
        optimisers=optimisers,
        steps=steps,
        batch_size=batch_size,
        stages=stages,
        seed=ctx.seed,
        device=ctx.device,
    )
    ctx.metric("members", pop["members"])
    if not pop["skipped"]:
        ctx.metric("members failed", sum(s != "ok" for s in pop["status"]))
    return pop


def _order_by_class(labels: np.ndarray, acc: np.ndarray) -> np.ndarray:
    """Models ordered by class (largest class first), then by accuracy."""
    sizes = {c: int(np.sum(labels == c)) for c in np.unique(labels)}
    return np.array(sorted(range(len(labels)), key=lambda i: (-sizes[labels[i]], labels[i], -acc[i])))


def classify_population(
    ctx: OpContext,
    pop: dict[str, Any],
    data: dict[str, Any],
    *,
    threshold: float = 0.1,
    metric: str = "loss",
    split: str = "train",
    definition: str = "line-endpoint",
    points: int = 25,
    max_curves: int = 10,
    curve_steps: int = 200,
    resamples: int = 2000,
    affine_layer: str | None = None,
    n_probe: int = 512,
    law_examples: int = 3,
    affine_pairs: int = 1000,
    parts: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The whole classification and its claims (see the module docstring); records into ``ctx``."""
    if pop.get("skipped"):
        ctx.metric("members", 0)
        return {"skipped": True}
    n_classes_data = int(data["n_classes"])
    net = build_arch(pop["arch"], tuple(data["train_x"].shape[1:]), n_classes_data)
    from catdyn.backends.torch.device import resolve_device

    dev = resolve_device(ctx.device)
    splits = {s: _dataset(data, s, net).to(dev) for s in ("train", "test")}
    ok = [i for i, s in enumerate(pop["status"]) if s == "ok"]
    if len(ok) < 2:
        raise HomotopyError.too_few_models(len(ok), 2)
    stacked = {k: v[torch.as_tensor(ok)].to(dev) for k, v in pop["params"].items()}
    models = unstack(stacked)
    n = len(models)
    _, acc_t = evaluate(net, stacked, splits["test"])
    acc = acc_t.double().cpu().numpy()

    # 1. barrier matrix after weight matching
    if parts:
        bm = BarrierMatrix.merge([BarrierMatrix.from_value(v) for v in parts])
        if bm.n != n or sorted(bm.pairs) != all_pairs(n):
            raise HomotopyError.bad_option(
                "parts", f"{len(bm.pairs)} pairs of {bm.n} models", f"every pair of the {n} models once"
            )
        order = sorted(range(len(bm.pairs)), key=lambda q: bm.pairs[q])
        bm = BarrierMatrix(
            bm.n,
            bm.alphas,
            [bm.pairs[q] for q in order],
            {k: v[order] for k, v in bm.profiles.items()},
            bm.bn,
            bm.alignment,
            [bm.permutations[q] for q in order],
        )
        points = len(bm.alphas)
    else:
        bm = barrier_matrix(net, stacked, splits, points=points, alignment="weight", seed=ctx.seed)
    lin = bm.matrix(metric, split, definition)  # type: ignore[arg-type]
    ctx.metric("median linear barrier", float(np.median(lin[np.triu_indices(n, 1)])))

    # 2. curves where the line fails, for the pairs that could join two classes (cheapest first)
    best = lin.copy()
    curve_rows: list[dict[str, Any]] = []
    labels0 = classes_at(lin, threshold)
    candidates = sorted(
        ((lin[i, j], i, j) for i in range(n) for j in range(i + 1, n) if labels0[i] != labels0[j]),
    )
    tried: set[tuple[int, int]] = set()
    example_curve = None
    for _, i, j in candidates:
        if len(curve_rows) >= max_curves:
            break
        cur = classes_at(best, threshold)
        if cur[i] == cur[j] or (int(cur[i]), int(cur[j])) in tried:
            continue
        tried.add((int(cur[i]), int(cur[j])))
        p = bm.pairs.index((i, j))
        b_aligned = permute(net, models[j], _perm_dict(net, bm.permutations[p]))
        fit = fit_network_curve(net, models[i], b_aligned, splits, steps=curve_steps, seed=ctx.seed + p)
        prof = fit.profile(net, splits, points=points)
        cb = prof.barrier(metric, split, definition)  # type: ignore[arg-type]
        best[i, j] = best[j, i] = min(lin[i, j], cb)
        curve_rows.append(
            {
                "pair": f"{i}-{j}",
                "linear barrier": float(lin[i, j]),
                "curve barrier": cb,
                "joined at c": bool(min(lin[i, j], cb) <= threshold),
            }
        )
        if example_curve is None:
            example_curve = (i, j, prof)
    ctx.table("curves fitted (Bézier, one control point)", curve_rows)
    ctx.metric("curves fitted", len(curve_rows))

    # 3. classes, persistence, spreads
    labels = classes_at(best, threshold)
    pers = h0_persistence(best)
    sc = spread_claims(acc, labels, resamples=resamples, seed=ctx.seed)
    lo, hi = pers.stable_range(threshold)
    ctx.metric("classes", sc.n_classes)
    ctx.metric("classes with ≥ 2 members", sc.classes_used)
    ctx.metric("threshold c", threshold)
    ctx.metric("permutation-test p (classes explain accuracy)", sc.p_value)

    def claim(name: str, key: str, est: Any, detail: str) -> None:
        paper, bound, direction = PAPER[key]
        v = verdict(est, bound, direction)
        ctx.claim(
            name,
            paper=paper,
            measured=est.value,
            interval=(est.low, est.high),
            verdict=_RUNNER_VERDICT[v],
            figure=f"{100 * est.value:.2f} % [{100 * est.low:.2f}, {100 * est.high:.2f}]",
            detail=f"{v}; {detail}",
        )

    base = (
        f"{n} networks ({pop['arch_name']}), classes = components of barrier ≤ {threshold:g} "
        f"({definition}, {metric}, {split}) after weight matching, Bézier curves fitted for {len(curve_rows)} "
        f"pairs (budget {max_curves}; more curves could only merge classes further)"
    )
    if sc.classes_used < 2:
        base += (
            "; only one class has ≥ 2 members, so the within-class figure is the spread of that whole "
            "class and nothing contrasts it"
        )
    claim(
        "within-class spread of test accuracy",
        "within",
        sc.within,
        f"pooled within-class std over {sc.classes_used} classes with ≥ 2 members; {base}",
    )
    claim(
        "between-class spread of test accuracy",
        "between",
        sc.between,
        f"mean |difference| of class means over pairs of classes with ≥ 2 members; {base}",
    )
    ctx.claim(
        "number of homotopy classes",
        paper=PAPER["classes"][0],
        measured=float(sc.n_classes),
        interval=(
            float(pers.n_classes(hi)),
            float(pers.n_classes(np.nextafter(lo, -np.inf)) if lo > 0 else n),
        ),
        verdict="reproduced" if sc.n_classes == PAPER["classes"][1] and n >= 100 else "not reproduced",
        figure=f"{sc.n_classes} of {n} (sizes {sorted(sc.class_sizes, reverse=True)})",
        detail=f"the count is constant for c in [{lo:.4g}, {hi:.4g}); interval = the counts just above and just below that range; {base}",
    )
    rho, p_mantel = mantel(best, acc, permutations=min(resamples, 2000), seed=ctx.seed)
    _, p_lower = mantel(-best, acc, permutations=min(resamples, 2000), seed=ctx.seed)
    ctx.metric("Mantel ρ (barrier vs |Δ test acc|)", rho)
    ctx.metric("Mantel p (one-sided, ρ > 0)", p_mantel)
    ctx.metric("Mantel p (one-sided, ρ < 0)", p_lower)
    ok_rho = math.isfinite(rho) and math.isfinite(p_mantel)
    ctx.claim(
        "pairs joined by lower barriers generalise more alike (no threshold)",
        paper="implied by the claim (homotopic ⇒ alike)",
        measured=rho if ok_rho else None,
        verdict=(
            (
                "reproduced"
                if p_mantel < 0.05 and rho > 0
                else "not reproduced"
                if p_lower < 0.05 and rho < 0
                else "inconclusive"
            )
            if ok_rho
            else "inconclusive"
        ),
        figure=f"Spearman ρ = {rho:.3f}, Mantel p = {p_mantel:.3g} (ρ > 0), {p_lower:.3g} (ρ < 0)",
        detail=f"rank correlation over {n * (n - 1) // 2} pairs between the {definition} barrier ({metric}, {split}) "
        "and |Δ test accuracy|; p from relabelling models",
    )
    runs = persistent_counts(pers)
    ctx.table(
        "H0: the levels at which each number of classes holds (longest first)",
        [{"classes": k, "from c": lo_, "to c": hi_, "length": hi_ - lo_} for k, lo_, hi_ in runs[:10]],
    )
    ctx.table(
        "pairwise spreads (runs)",
        [
            {
                "pairs": "same class",
                "mean |Δ test acc|": sc.within_pairs.value,
                "low": sc.within_pairs.low,
                "high": sc.within_pairs.high,
            },
            {
                "pairs": "different classes",
                "mean |Δ test acc|": sc.between_pairs.value,
                "low": sc.between_pairs.low,
                "high": sc.between_pairs.high,
            },
        ],
    )

    # sensitivity: the classes under every definition, metric and level (point estimates)
    sens = []
    curve_free = {}
    for d in ("mean-endpoint", "line-endpoint"):
        for m, sp in (("loss", "train"), ("loss", "test"), ("error", "test")):
            mat = bm.matrix(m, sp, d)  # type: ignore[arg-type]
            if (m, sp, d) == (metric, split, definition):
                mat = best
            curve_free[d, m, sp] = mat
            for c in sorted({threshold / 2, threshold, 2 * threshold, 5 * threshold}):
                lab_c = classes_at(mat, c)
                sens.append(
                    {
                        "definition": d,
                        "metric": f"{m} ({sp})",
                        "c": c,
                        "classes": int(lab_c.max()) + 1,
                        "largest class": int(np.bincount(lab_c).max()),
                        "within std": within_spread(acc, lab_c),
                        "between |Δ means|": between_spread(acc, lab_c),
                    }
                )
    ctx.table("sensitivity of the classes (curves only for the primary choice)", sens)

    # 4. plots
    order = _order_by_class(labels, acc)
    names = [f"{int(labels[i])}:{i}" for i in order]
    ctx.heatmap(
        "barrier matrix ordered by class",
        best[np.ix_(order, order)].tolist(),
        xlabels=names,
        ylabels=names,
        label=f"{definition} barrier ({metric}, {split})",
    )
    levels = np.unique(
        np.concatenate([[0.0], pers.deaths, [float(pers.deaths.max(initial=0.0)) * 1.1 + 1e-9]])
    )
    ctx.series(
        "H0 persistence: classes against the level c",
        levels.tolist(),
        {"classes": [pers.n_classes(c) for c in levels]},
        xlabel="c (barrier level)",
        ylabel="classes",
    )
    ctx.table("H0 barcode (single linkage merges)", [{"i": i, "j": j, "death": h} for i, j, h in pers.merges])
    ctx.figure(
        "H0 dendrogram and barcode (single linkage over c)",
        DENDROGRAM_DRAWER,
        dendrogram_data(
            pers,
            labels,
            threshold,
            names=[f"{int(labels[i])}:{i}" for i in range(n)],
            label=f"{definition} barrier, {metric} ({split})",
        ),
        caption=f"classes are the subtrees below c = {threshold:g}; leaf 'class:model'",
    )
    cls_rows = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        cfg = [pop["config"][ok[m]] for m in members]
        cls_rows.append(
            {
                "class": int(c),
                "size": len(members),
                "mean test acc": float(acc[members].mean()),
                "std": float(acc[members].std(ddof=1)) if len(members) > 1 else math.nan,
                "optimisers": ", ".join(sorted({f"{r['optimiser']} {r['lr']:g}" for r in cfg})),
            }
        )
    ctx.table("accuracy by class", cls_rows)
    ctx.series(
        "test accuracy by class (members sorted)",
        list(range(n)),
        {"test accuracy": [float(acc[i]) for i in order], "class": [float(labels[i]) for i in order]},
        xlabel="model (ordered by class)",
        ylabel="accuracy / class id",
    )
    i0, j0 = (example_curve[0], example_curve[1]) if example_curve else bm.pairs[0]
    p0 = bm.pairs.index((i0, j0))
    lines = {f"linear {i0}-{j0}": bm.profiles[metric, split][p0].tolist()}
    raw = linear_path(net, models[i0], models[j0], splits, points=points)
    lines[f"linear {i0}-{j0}, not aligned"] = raw.values[metric, split].tolist()
    if example_curve:
        lines[f"Bézier {i0}-{j0}"] = example_curve[2].values[metric, split].tolist()
    ctx.series(f"{metric} ({split}) along paths", bm.alphas.tolist(), lines, xlabel="α / t", ylabel=metric)

    # 5. the 2-category prediction: affine maps between representations at matched stages
    layer = affine_layer or net.layers()[-2]
    from catdyn.backends.torch.affine_fit import affine_study

    probe = splits["test"].x[:n_probe]
    ck = {int(s): {k: t.to(dev) for k, t in v.items()} for s, v in pop["checkpoints"].items()}
    all_pairs_ = [(i, j) for i in range(n) for j in range(i + 1, n)]
    if len(all_pairs_) > affine_pairs:
        pick = np.random.default_rng(ctx.seed).choice(len(all_pairs_), size=affine_pairs, replace=False)
        all_pairs_ = [all_pairs_[k] for k in sorted(pick)]
    aff = affine_study(net, ck, probe, labels, layer=layer, members=ok, pairs=all_pairs_)
    within, between = aff.within(), aff.between()
    ctx.series(
        f"affine-fit residual ({layer}, held out) by stage",
        aff.stages,
        {"within class": within.tolist(), "between classes": between.tolist()},
        xlabel="step",
        ylabel="residual",
    )
    w_end, b_end = float(within[-1]), float(between[-1])
    ok_aff = math.isfinite(w_end) and math.isfinite(b_end)
    ctx.claim(
        "homotopic runs' representations differ by an affine map (final stage)",
        paper="prediction: small residual within a class",
        measured=w_end if ok_aff else None,
        verdict=("reproduced" if w_end < b_end else "not reproduced") if ok_aff else "inconclusive",
        figure=f"within {w_end:.4f} vs between {b_end:.4f}",
        detail=f"held-out relative residual of a ridge affine fit of {layer} features on {len(probe)} test inputs, "
        f"{len(all_pairs_)} pairs; "
        "'reproduced' means only that within-class residuals are below between-class ones",
    )

    # 6. laws of the alignment on trained networks
    from catdyn.checker.law import CheckConfig, check_law

    for law in alignment_laws(net, models[0], models[1], probe[:64]):
        ctx.law(check_law(law, CheckConfig(examples=law_examples, seed=ctx.seed)))

    return {
        "skipped": False,
        "n": n,
        "members": ok,
        "test_acc": acc,
        "labels": labels,
        "linear": lin,
        "barriers": best,
        "alphas": bm.alphas,
        "deaths": pers.deaths,
        "threshold": threshold,
        "profiles": {f"{m}/{s}": v for (m, s), v in bm.profiles.items()},
        "within": [sc.within.value, sc.within.low, sc.within.high],
        "between": [sc.between.value, sc.between.low, sc.between.high],
        "n_classes": sc.n_classes,
        "class_sizes": sc.class_sizes,
        "p_value": sc.p_value,
        "affine_within": within,
        "affine_between": between,
        "stages": aff.stages,
    }


def _perm_dict(net: Architecture, perms: Any) -> dict[str, torch.Tensor]:
    return {g.name: torch.as_tensor(np.array(p, dtype=np.int64)) for g, p in zip(net.symmetry.groups, perms)}


def _setup(
    pop: dict[str, Any], data: dict[str, Any], device: str
) -> tuple[Architecture, dict[str, Any], Any, list[int]]:
    from catdyn.backends.torch.device import resolve_device

    dev = resolve_device(device)
    net = build_arch(pop["arch"], tuple(data["train_x"].shape[1:]), int(data["n_classes"]))
    splits = {s: _dataset(data, s, net).to(dev) for s in ("train", "test")}
    ok = [i for i, s in enumerate(pop["status"]) if s == "ok"]
    stacked = {k: v[torch.as_tensor(ok)].to(dev) for k, v in pop["params"].items()}
    return net, splits, stacked, ok


@operation("homotopy_barrier_part", inputs=("population", "dataset"), output="barrier_part", version="1")
def homotopy_barrier_part(
    ctx: OpContext, pop: dict[str, Any], data: dict[str, Any], *, part: int, parts: int, points: int = 25
) -> dict[str, Any]:
    """Chunk ``part`` of ``parts`` of the pairs of the population's trained members: aligned by
    weight matching and profiled along their linear paths (one task per chunk, so the runner's
    executors can spread the pairs; ``homotopy_classify_parts`` joins them).

    >>> from catdyn.runner.operations import get
    >>> get("homotopy_barrier_part").output
    'barrier_part'
    """
    if pop.get("skipped"):
        return {"skipped": True}
    net, splits, stacked, ok = _setup(pop, data, ctx.device)
    chunk = split_pairs(all_pairs(len(ok)), int(parts))[int(part)]
    bm = barrier_matrix(net, stacked, splits, points=points, pairs=chunk, alignment="weight", seed=ctx.seed)
    ctx.metric("pairs", len(chunk))
    return bm.to_value()


@operation("homotopy_classify_parts", inputs=None, output="homotopy", version="1")
def homotopy_classify_parts(
    ctx: OpContext, pop: dict[str, Any], data: dict[str, Any], *parts: dict[str, Any], **options: Any
) -> dict[str, Any]:
    """:func:`classify_population` on a barrier matrix joined from ``homotopy_barrier_part`` chunks."""
    if pop.get("skipped"):
        return classify_population(ctx, pop, data, **options)
    return classify_population(ctx, pop, data, parts=list(parts), **options)


@operation("homotopy_classify", inputs=("population", "dataset"), output="homotopy", version="1")
def homotopy_classify(
    ctx: OpContext, pop: dict[str, Any], data: dict[str, Any], **options: Any
) -> dict[str, Any]:
    """Classify a trained population and record the claims (see :func:`classify_population`)."""
    return classify_population(ctx, pop, data, **options)


def homotopy_study(
    data: dict[str, Any],
    *,
    arch: dict[str, Any],
    seeds: Sequence[int],
    optimisers: Sequence[dict[str, Any]],
    steps: int,
    seed: int = 0,
    device: str = "cpu",
    **options: Any,
) -> tuple[dict[str, Any], OpContext]:
    """Train and classify in-process; returns the result and the context holding the records.

    >>> from catdyn.backends.torch.data import load_digits
    >>> s = load_digits()
    >>> d = {"name": "digits", "n_classes": 10, "train_x": s.train.x[:300], "train_y": s.train.y[:300],
    ...      "test_x": s.test.x[:100], "test_y": s.test.y[:100]}
    >>> out, ctx = homotopy_study(d, arch={"type": "mlp", "hidden": [8]}, seeds=[0, 1],
    ...                           optimisers=[{"name": "adam", "lrs": [0.01]}], steps=20,
    ...                           points=3, max_curves=1, curve_steps=2, resamples=50, law_examples=1)
    >>> out["n"], sorted({r[0] for r in ctx.records})
    (2, ['claim', 'figure', 'heatmap', 'law', 'metric', 'series', 'table'])
    """
    ctx = OpContext(seed=seed, device=device)
    pop = train_population(
        data, arch=arch, seeds=seeds, optimisers=optimisers, steps=steps, seed=seed, device=device
    )
    return classify_population(ctx, pop, data, **options), ctx


# --- the H0 dendrogram and barcode --------------------------------------------------------------
DENDROGRAM_DRAWER = "catdyn.backends.torch.homotopy_study:draw_barrier_dendrogram"
"""The report's drawer for :func:`dendrogram_data` records."""


def dendrogram_data(
    pers: Any,
    labels: Sequence[int],
    threshold: float,
    *,
    names: Sequence[str] | None = None,
    label: str = "barrier",
) -> dict[str, Any]:
    """The plain data of the H0 dendrogram and barcode of ``pers`` (an
    :class:`~catdyn.classes.H0Persistence`): its merges, the classes at ``threshold`` and the
    leaf names — what :func:`draw_barrier_dendrogram` draws (a ``figure`` record's data).

    >>> import numpy as np
    >>> from catdyn.classes import classes_at, h0_persistence
    >>> b = np.array([[0, 0.01, 0.5], [0.01, 0, 0.6], [0.5, 0.6, 0.0]])
    >>> d = dendrogram_data(h0_persistence(b), classes_at(b, 0.1), 0.1)
    >>> d["merges"], d["labels"], d["threshold"]
    ([[0, 1, 0.01], [0, 2, 0.5]], [0, 0, 1], 0.1)
    """
    return {
        "n": int(pers.n),
        "merges": [[int(i), int(j), float(h)] for i, j, h in pers.merges],
        "essential": int(pers.essential),
        "labels": [int(v) for v in labels],
        "threshold": float(threshold),
        "names": [str(s) for s in names] if names is not None else [str(i) for i in range(int(pers.n))],
        "label": label,
        "figsize": (10.0, 4.2),
    }


def draw_barrier_dendrogram(fig: Any, data: dict[str, Any]) -> None:
    """Draw :func:`dendrogram_data` on ``fig``: left, the single-linkage dendrogram of the
    barrier filtration (merge heights = the MST's barriers; leaves grouped by class, leaf labels
    coloured by class, the threshold ``c`` dashed — every class is a subtree cut below it);
    right, the H0 barcode (one bar per model from 0 to the level where it merges, the essential
    class(es) as arrows; the bars crossing ``c`` are the classes at ``c``).

    >>> import numpy as np
    >>> from catdyn.classes import classes_at, h0_persistence
    >>> from catdyn.runner.report import plot_figure
    >>> b = np.array([[0, 0.01, 0.5], [0.01, 0, 0.6], [0.5, 0.6, 0.0]])
    >>> d = dendrogram_data(h0_persistence(b), classes_at(b, 0.1), 0.1)
    >>> plot_figure("H0", {"drawer": DENDROGRAM_DRAWER, "data": d})[:4]
    b'\\x89PNG'
    """
    from matplotlib.ticker import FuncFormatter
    from scipy.cluster.hierarchy import dendrogram

    from catdyn.classes import H0Persistence

    n = int(data["n"])
    merges = [(int(i), int(j), float(h)) for i, j, h in data["merges"]]
    c = float(data["threshold"])
    labels = [int(v) for v in data["labels"]]
    names = list(data.get("names") or [str(i) for i in range(n)])
    label = str(data.get("label", "barrier"))
    heights = [h for *_, h in merges]
    # scipy wants heights >= 0: draw from the lowest level (0, or below it for negative barriers)
    base = min([0.0, *heights])
    top = max([c, *heights, base + 1e-12])
    span = top - base
    ax_tree, ax_bars = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    colours = [f"C{k % 10}" for k in range(max(labels, default=0) + 1)]
    if n >= 2 and len(merges) == n - 1:
        pers = H0Persistence(n, np.array(heights), merges, int(data.get("essential", 1)))
        z = pers.linkage()
        z[:, 2] -= base
        # a link takes its class's colour when every leaf below it is of that class (a subtree
        # cut below c); links that join classes are grey
        below: dict[int, set[int]] = {i: {labels[i]} for i in range(n)}
        for k, row in enumerate(z):
            below[n + k] = below[int(row[0])] | below[int(row[1])]

        def link_colour(cid: int) -> str:
            only = below[cid]
            return colours[next(iter(only))] if len(only) == 1 else "0.55"

        dendrogram(
            z,
            ax=ax_tree,
            labels=names,
            link_color_func=link_colour,
            leaf_font_size=7 if n <= 40 else 5,
            leaf_rotation=90,
        )
        for tick in ax_tree.get_xmajorticklabels():
            k = names.index(tick.get_text())
            tick.set_color(colours[labels[k]])
        ax_tree.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v + base:.3g}"))
        if max(heights) - base < 0.02 * span:  # the tree is flat at this scale: say so
            ax_tree.text(
                0.5,
                0.5,
                f"all {n} models merge at levels ≤ {max(heights):.3g}",
                ha="center",
                fontsize=8,
                transform=ax_tree.transAxes,
            )
        ax_tree.set_ylim(0, span * 1.08 + 1e-12)
    else:
        ax_tree.text(
            0.5, 0.5, f"{n} model(s), {len(merges)} merges: no tree", ha="center", transform=ax_tree.transAxes
        )
    classes = len(set(labels))
    ax_tree.axhline(c - base, ls="--", color="k", lw=1, label=f"c = {c:g}: {classes} class(es)")
    ax_tree.legend(fontsize=7, loc="upper right")
    ax_tree.set_ylabel(f"merge level ({label})", fontsize=8)
    ax_tree.set_title("single linkage over c (leaves coloured by class)", fontsize=9)
    # barcode: bars sorted by death, longest on top; essential bars reach past the top
    order = sorted(range(len(merges)), key=lambda q: heights[q])
    end = top + 0.08 * span + 1e-12
    for row, q in enumerate(order):
        h = heights[q]
        alive = h > c
        ax_bars.plot([0.0, h], [row, row], color="C0" if alive else "0.6", lw=2, solid_capstyle="butt")
        ax_bars.plot([h], [row], marker="|", color="C0" if alive else "0.6", ms=6)
    for e in range(int(data.get("essential", 1))):
        row = len(merges) + e
        ax_bars.annotate(
            "", xy=(end, row), xytext=(0.0, row), arrowprops={"arrowstyle": "->", "color": "C0", "lw": 2}
        )
    ax_bars.axvline(c, ls="--", color="k", lw=1, label=f"c = {c:g}")
    ax_bars.legend(fontsize=7, loc="lower right")
    ax_bars.set_xlim(min(base, 0.0) - 0.02 * span, end + 0.02 * span)
    ax_bars.set_ylim(-1, len(merges) + int(data.get("essential", 1)))
    ax_bars.set_yticks([])
    ax_bars.set_xlabel(f"level c ({label})", fontsize=8)
    alive_at_c = sum(h > c for h in heights) + int(data.get("essential", 1))
    ax_bars.set_title(f"H0 barcode: {alive_at_c} bar(s) alive at c", fontsize=9)
