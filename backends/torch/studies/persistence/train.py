"""Training a group of a persistence population and measuring each model's plain baselines:
train and test accuracy and loss, the gap (train accuracy − test accuracy, on the labels the
model trained on and on the true ones), the ℓ2 norm of the weights, the sharpness (top Hessian
eigenvalue on a fixed training batch, :func:`member_sharpness`) and the PH dimension of the
trajectory (the parameter vectors at the checkpoints of the second half of training).

Members that share shapes and data (same width, batch size, noise and size) are trained
together as one ensemble (per-member learning rate and weight decay, :func:`train_group`).

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

from catdyn.backends.torch.models.architectures import Architecture, build_architecture
from catdyn.errors import TopologyError


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
    clean_y: Tensor | None = None,
) -> dict[str, float]:
    """Accuracy and loss on both splits, the gaps and the weight norm of one model. ``train``
    holds the labels the model trained on (noisy for a label-noise model); ``clean_y`` the
    true labels of the same inputs (default: ``train``'s), read by ``train_acc_clean`` and
    ``gap_clean`` (train accuracy on the true labels − test accuracy)."""
    (x, y), (xte, yte) = train, test
    clean = y if clean_y is None else clean_y
    with torch.no_grad():
        lt, le = arch.apply(params, x), arch.apply(params, xte)
        train_loss = float(F.cross_entropy(lt, y))
        train_acc = float((lt.argmax(1) == y).float().mean())
        clean_acc = float((lt.argmax(1) == clean).float().mean())
        test_acc = float((le.argmax(1) == yte).float().mean())
        test_loss = float(F.cross_entropy(le, yte))
    return {
        "train_loss": train_loss,
        "train_acc": train_acc,
        "test_acc": test_acc,
        "test_loss": test_loss,
        "gap": train_acc - test_acc,
        "loss_gap": test_loss - train_loss,
        "train_acc_clean": clean_acc,
        "gap_clean": clean_acc - test_acc,
        "l2_norm": float(flat(params).norm()),
    }


def train_group(
    configs: Sequence[Mapping[str, Any]],
    data: Mapping[str, Any],
    *,
    family: str = "mlp",
    steps: int = 300,
    momentum: float = 0.9,
    input_shape: Sequence[int] | None = None,
    noise_seed: int = 0,
    trajectory_points: int = 40,
    device: str = "cpu",
) -> dict[str, Any]:
    """Train configurations that share shapes and data (width, batch size, label noise, size)
    as one ensemble, with per-member learning rate and weight decay. ``data`` holds
    ``train_x``, ``train_y``, ``n_classes``, ``name``. Returns the architecture's config, the
    stacked final parameters (on the CPU), the status and seeds, and each member's trajectory
    ``(K, T, P)`` at :func:`trajectory_checkpoints`."""
    from catdyn.backends.torch.studies.persistence.design import member_config, training_labels

    groups = shape_groups(configs)
    if len(groups) != 1:
        raise TopologyError(
            f"a training group holds configurations of {len(groups)} shapes: {sorted(groups)}",
            "Train only configurations that share width, batch size, label noise and n_train together",
        )
    (width, batch_size, _noise, _n), members = next(iter(groups.items()))
    shape = tuple(input_shape) if input_shape else tuple(data["train_x"].shape[1:])
    classes = int(data["n_classes"])
    arch_config = member_config(family, width, shape, classes)
    arch = build_architecture(arch_config)
    y = training_labels(data["train_y"], configs[0], classes, noise_seed)
    x = data["train_x"].float().reshape(-1, *shape)[: len(y)]
    checkpoints = trajectory_checkpoints(steps, trajectory_points)
    result = _train_group(arch, configs, members, (x, y), data, steps, batch_size, momentum, checkpoints, device)
    params = {k: v.detach().cpu() for k, v in result.params.items()}
    trajectory = torch.stack(
        [torch.stack([flat(result.member(j, s)) for s in checkpoints]) for j in range(len(members))]
    )
    return {"arch": arch_config, "params": params, "status": result.status,
            "seeds": [int(c["seed"]) for c in configs], "trajectory": trajectory}
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


def member_sharpness(
    arch: Architecture, params: Mapping[str, Tensor], x: Tensor, y: Tensor, *, batch: int = 256, seed: int = 0
) -> float:
    """The top Hessian eigenvalue of the training loss on the first ``batch`` samples (power
    iteration, 50 iterations, tolerance 1e-4, started from ``seed``)."""
    from catdyn.backends.torch.landscapes.sharpness import sharpness

    b = min(int(batch), len(x))
    return float(sharpness(arch, params, x[:b], y[:b], iters=50, tol=1e-4, seed=seed).eigenvalue)
