"""A population trained and evaluated: the bodies of the :class:`Train` and :class:`Evaluate`
morphisms (:mod:`catdyn.backends.torch.training.morphisms`), on typed values.

The members are every (seed, learning rate) pair (``grid``) or the pairs of two equal-length
lists; they train as one batched ensemble (:func:`~.ensemble.train_ensemble`), each with its own
data order derived from the task's seed and the member's seed. A member whose loss becomes
NaN/inf is frozen and marked ``failed``; the others go on.

>>> member_pairs([0, 1], [0.1, 0.2], grid=True)
[(0, 0.1), (1, 0.1), (0, 0.2), (1, 0.2)]
>>> member_pairs([0, 1], 0.1, grid=False)
[(0, 0.1), (1, 0.1)]
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Sequence
from typing import Any

import torch

from catdyn.backends.torch.data.datasets import Dataset as Split
from catdyn.backends.torch.data.loading import split_of
from catdyn.backends.torch.models.architectures import Architecture, build_architecture
from catdyn.backends.torch.training import ensemble as E
from catdyn.backends.torch.training.optim import SGD, Adam
from catdyn.errors import SpecError
from catdyn.values import Dataset, Population


def architecture(config: dict[str, Any]) -> Architecture:
    """The architecture a population's ``arch`` names (``type`` defaults to ``mlp``)."""
    return build_architecture({"type": "mlp", **config})


def shaped(net: Architecture, x: torch.Tensor) -> torch.Tensor:
    """``x`` viewed in the architecture's input shape when it holds the same numbers per sample
    (flat digits for a CNN on 1×8×8 images); otherwise unchanged, for the network to judge."""
    want = getattr(net, "input_shape", None)
    if want is None or tuple(x.shape[1:]) == tuple(want) or x[0].numel() != math.prod(want):
        return x
    return x.reshape(len(x), *want)


def shaped_split(net: Architecture, data: Dataset, split: str) -> Split:
    """One split of ``data``, its inputs :func:`shaped` for ``net``."""
    part = split_of(data, split)
    return dataclasses.replace(part, x=shaped(net, part.x))


def member_pairs(seeds: Sequence[int], lr: float | Sequence[float], grid: bool) -> list[tuple[int, float]]:
    """The (seed, learning rate) of every member, in training order."""
    lrs = [float(v) for v in (lr if isinstance(lr, (list, tuple)) else [lr])]
    if grid:
        return [(int(s), v) for v in lrs for s in seeds]
    if len(lrs) == 1:
        lrs = lrs * len(seeds)
    if len(lrs) != len(seeds):
        raise SpecError(
            f"Train got {len(seeds)} seeds and {len(lrs)} learning rates with grid=False",
            "Give one learning rate per seed, or set grid=True for every pair",
        )
    return [(int(s), v) for s, v in zip(seeds, lrs)]


def data_orders(task_seed: int, member_seeds: Sequence[int]) -> list[int]:
    """A distinct data order per member, derived from the task's seed and the member's seed."""
    return [int(hashlib.sha256(f"{task_seed}/{s}".encode()).hexdigest()[:7], 16) for s in member_seeds]


def train_population(ctx: Any, data: Dataset, arch: dict[str, Any], seeds: Sequence[int],
                     lr: float | Sequence[float] = 0.1, *, steps: int = 100, batch_size: int = 64,
                     optimiser: str = "sgd", momentum: float = 0.0, weight_decay: float = 0.0,
                     grid: bool = True, checkpoints: Sequence[int] = ()) -> Population:
    """Train every member of the population at once; record its loss curves and member table."""
    net, pairs = architecture(arch), member_pairs(seeds, lr, grid)
    opt = Adam() if optimiser.lower() == "adam" else SGD(momentum=float(momentum))
    config = E.TrainConfig(steps=int(steps), batch_size=int(batch_size), optimiser=opt, lr=[v for _, v in pairs],
                           weight_decay=float(weight_decay), checkpoints=tuple(checkpoints))
    train = shaped_split(net, data, "train")
    member_seeds = [s for s, _ in pairs]
    result = E.train_ensemble(net, train, member_seeds, config, data_seeds=data_orders(ctx.seed, member_seeds),
                              device=ctx.device, progress=lambda t: ctx.progress(t, int(steps)))
    losses = result.losses.detach().cpu()
    record_training(ctx, pairs, result.status, losses, result.failed_at.tolist(), int(steps))
    return Population(
        dict(arch), {n: t.detach().cpu() for n, t in result.params.items()}, list(result.status), member_seeds,
        [{"lr": v} for _, v in pairs], losses=losses, failed_at=result.failed_at.cpu(), route=result.path,
        checkpoints={str(s): {n: t.cpu() for n, t in ps.items()} for s, ps in result.checkpoints.items()},
    )


def record_training(ctx: Any, pairs: list[tuple[int, float]], status: list[str], losses: torch.Tensor,
                    failed_at: list[int], steps: int) -> None:
    """The loss curves (every hundredth step, and every step up to the last divergence, so that
    short curves show), the member table and the counts."""
    labels = [f"seed {s}, lr {v:g}" for s, v in pairs]
    every = max(1, steps // 100)
    last_fail = max([f for f in failed_at if f >= 0], default=-1)
    xs = sorted(set(range(0, steps, every)) | set(range(min(last_fail + 1, steps))))
    marks = {}
    for i, at in enumerate(failed_at):
        finite = [t for t in range(max(at, 0)) if bool(torch.isfinite(losses[t, i]))]
        if at >= 0 and finite:
            marks[labels[i]] = (finite[-1], float(losses[finite[-1], i]))
    ctx.series("training loss", xs, {lab: losses[xs, i].tolist() for i, lab in enumerate(labels)}, xlabel="step",
               ylabel="mini-batch loss", logy=True, highlight=[lab for lab, st in zip(labels, status) if st != "ok"],
               marks=marks)
    rows = []
    for i, (s, v) in enumerate(pairs):
        finite = losses[:, i][torch.isfinite(losses[:, i])]
        rows.append({"member": i, "seed": s, "lr": v, "status": status[i],
                     "failed at step": failed_at[i] if failed_at[i] >= 0 else "",
                     "last finite loss": float(finite[-1]) if len(finite) else math.nan})
    ctx.table("members", rows)
    ctx.metric("members", len(pairs))
    ctx.metric("members failed", sum(st != "ok" for st in status))


def evaluate_population(ctx: Any, pop: Population, data: Dataset) -> list[dict[str, Any]]:
    """Loss and accuracy of every member on both splits, one row per member. A failed member is
    not a trained network: its figures are NaN and stay out of the summary metrics."""
    net = architecture(pop.arch)
    ok = torch.tensor([s == "ok" for s in pop.status])
    cols: dict[str, torch.Tensor] = {}
    for split in ("train", "test"):
        loss, acc = E.evaluate(net, pop.params, shaped_split(net, data, split))
        nan = torch.full_like(acc, math.nan)
        cols[f"{split}_loss"], cols[f"{split}_acc"] = torch.where(ok, loss, nan), torch.where(ok, acc, nan)
        if bool(ok.any()):
            good = acc[ok]
            for stat in ("mean", "min", "max"):
                ctx.metric(f"{split} accuracy {stat}", float(getattr(good, stat)()))
    lrs = [m.get("lr") for m in pop.meta] if pop.meta else [None] * pop.size
    rows = [{"member": i, "seed": s, "lr": lr, "status": st, **{c: float(v[i]) for c, v in cols.items()}}
            for i, (s, lr, st) in enumerate(zip(pop.seeds, lrs, pop.status))]
    ctx.table("accuracy per member", [{"member": r["member"], "seed": r["seed"], "lr": r["lr"], "status": r["status"],
                                       "train acc": r["train_acc"], "test acc": r["test_acc"],
                                       "test loss": r["test_loss"]} for r in rows])
    return rows
