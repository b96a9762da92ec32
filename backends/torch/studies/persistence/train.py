"""Training a persistence population and measuring each model's plain baselines: train and test
accuracy and loss, the gap (train accuracy − test accuracy), the ℓ2 norm of the weights, the
sharpness (top Hessian eigenvalue on a fixed training batch) and the PH dimension of the
trajectory (the parameter vectors at the checkpoints of the second half of training).

Members that share shapes and data (same width, batch size, noise and size) are trained
together as one ensemble (per-member learning rate and weight decay).

>>> trajectory_checkpoints(10, 3)
(5, 7, 9)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.backends.torch.models.architectures import Architecture
from catdyn.backends.torch.studies.persistence.design import member_architecture, noisy_labels


def flat(params: Mapping[str, Tensor]) -> Tensor:
    """Every parameter in one vector."""
    return torch.cat([p.reshape(-1) for p in params.values()])


def trajectory_checkpoints(steps: int, points: int) -> tuple[int, ...]:
    """The steps of the second half of training at which the trajectory is sampled."""
    first = max(1, steps // 2)
    every = max(1, (steps - first) // max(1, points - 1))
    return tuple(range(first, steps + 1, every))


def shape_groups(configs: Sequence[Mapping[str, Any]]) -> dict[tuple[Any, ...], list[int]]:
    """The configurations that can train as one ensemble, by (width, batch size, noise, size).

    >>> shape_groups([{"width": 8, "batch_size": 4, "label_noise": 0, "n_train": 9, "lr": lr} for lr in (1, 2)])
    {(8, 4, 0, 9): [0, 1]}
    """
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, c in enumerate(configs):
        groups.setdefault((c["width"], c["batch_size"], c["label_noise"], c["n_train"]), []).append(i)
    return groups


def trajectory_dimension(traj: np.ndarray, seed: int) -> float:
    """The PH dimension of a trajectory of ≥ 20 points (NaN for a shorter or degenerate one)."""
    from catdyn.topology.trajectory import ph_dimension

    if len(traj) < 20:
        return math.nan
    try:
        return float(ph_dimension(traj, sizes=None, repeats=3, seed=seed).dimension)
    except Exception:  # a degenerate trajectory (e.g. frozen): no dimension
        return math.nan


def model_measures(
    arch: Architecture,
    params: Mapping[str, Tensor],
    train: tuple[Tensor, Tensor],
    test: tuple[Tensor, Tensor],
) -> dict[str, float]:
    """Accuracy and loss on both splits, the gaps and the weight norm of one model."""
    (x, y), (xte, yte) = train, test
    with torch.no_grad():
        lt, le = arch.apply(params, x), arch.apply(params, xte)
        train_loss = float(F.cross_entropy(lt, y))
        train_acc = float((lt.argmax(1) == y).float().mean())
        test_acc = float((le.argmax(1) == yte).float().mean())
        test_loss = float(F.cross_entropy(le, yte))
    return {
        "train_loss": train_loss,
        "train_acc": train_acc,
        "test_acc": test_acc,
        "test_loss": test_loss,
        "gap": train_acc - test_acc,
        "loss_gap": test_loss - train_loss,
        "l2_norm": float(flat(params).norm()),
    }


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
    """Train every configuration and measure the per-model baselines. ``data`` is a dict with
    ``train_x``, ``train_y``, ``test_x``, ``test_y``, ``n_classes``, ``name``; ``input_shape``
    reshapes the inputs (e.g. ``(1, 8, 8)`` for a CNN on digits)."""
    shape = tuple(input_shape) if input_shape is not None else tuple(data["train_x"].shape[1:])
    xtr = data["train_x"].float().reshape(-1, *shape)
    test = (data["test_x"].float().reshape(-1, *shape), data["test_y"].long())
    classes = int(data["n_classes"])
    models: list[dict[str, Any]] = [{} for _ in configs]
    checkpoints = trajectory_checkpoints(steps, trajectory_points)
    for (width, batch_size, noise, n_train), members in shape_groups(configs).items():
        arch = member_architecture(family, width, shape, classes)
        n = min(int(n_train), len(xtr))
        x = xtr[:n]
        y = noisy_labels(data["train_y"].long()[:n], float(noise), classes, seed)
        result = _train_group(
            arch, configs, members, (x, y), data, steps, batch_size, momentum, checkpoints, device
        )
        sb = min(int(sharpness_batch), n)
        for j, i in enumerate(members):
            models[i] = _member_row(arch, result, j, configs[i], family, (x, y), test, checkpoints, sb, seed)
    return {"data": data["name"], "family": family, "input_shape": list(shape), "models": models}


def _train_group(
    arch: Architecture,
    configs: Sequence[Mapping[str, Any]],
    members: Sequence[int],
    train: tuple[Tensor, Tensor],
    data: Mapping[str, Any],
    steps: int,
    batch_size: int,
    momentum: float,
    checkpoints: tuple[int, ...],
    device: str,
) -> Any:
    """One ensemble: the ``members`` of ``configs`` that share shapes and data."""
    from catdyn.backends.torch.data.datasets import Dataset
    from catdyn.backends.torch.training import ensemble as E
    from catdyn.backends.torch.training.optim import SGD

    cfg = E.TrainConfig(
        steps=int(steps),
        batch_size=int(batch_size),
        optimiser=SGD(momentum=momentum),
        lr=[float(configs[i]["lr"]) for i in members],
        weight_decay=[float(configs[i]["weight_decay"]) for i in members],
        checkpoints=checkpoints,
    )
    seeds = [int(configs[i]["seed"]) for i in members]
    x, y = train
    return E.train_ensemble(
        arch,
        Dataset(x, y, data["name"], int(data["n_classes"]), "train"),
        seeds,
        cfg,
        data_seeds=[s + 7919 * (j + 1) for j, s in enumerate(seeds)],
        device=device,
    )


def _member_row(
    arch: Architecture,
    result: Any,
    j: int,
    config: Mapping[str, Any],
    family: str,
    train: tuple[Tensor, Tensor],
    test: tuple[Tensor, Tensor],
    checkpoints: tuple[int, ...],
    sharpness_batch: int,
    seed: int,
) -> dict[str, Any]:
    """Member ``j`` of an ensemble's result: its parameters, status and every measure."""
    from catdyn.backends.torch.landscapes.sharpness import sharpness

    p = {k: v.detach().cpu() for k, v in result.member(j).items()}
    ok = result.status[j] == "ok"
    measures = model_measures(arch, p, train, test)
    traj = torch.stack([flat(result.member(j, s)) for s in checkpoints]).double().numpy()
    phd = trajectory_dimension(traj, seed)
    x, y = train
    sb = sharpness_batch
    sharp = sharpness(arch, p, x[:sb], y[:sb], iters=50, tol=1e-4, seed=seed).eigenvalue if ok else math.nan
    return {
        "config": dict(config),
        "family": family,
        "arch": arch.name,
        "status": result.status[j],
        "params": p,
        **measures,
        "sharpness": float(sharp),
        "ph_dimension": float(phd),
    }
