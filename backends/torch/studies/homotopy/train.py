"""Training a homotopy population: for one architecture, every (optimiser, learning rate, seed)
member, one batched ensemble per optimiser, with checkpoints at matched stages.

>>> from catdyn.backends.torch.data.datasets import load_digits
>>> s = load_digits()
>>> d = {"name": "digits", "n_classes": 10, "train_x": s.train.x, "train_y": s.train.y}
>>> pop = train_population(d, arch={"type": "mlp", "hidden": [8]}, seeds=[0, 1],
...                        optimisers=[{"name": "sgd", "lrs": [0.1]}, {"name": "adam", "lrs": [0.01]}], steps=5)
>>> pop["members"], sorted(pop["checkpoints"])
(4, ['0', '1', '2', '4', '5'])
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from catdyn.backends.torch.studies.homotopy.members import dataset_split, population_architecture
from catdyn.backends.torch.training.ensemble import TrainConfig, train_ensemble
from catdyn.backends.torch.training.optim import SGD, Adam, Optimiser


@dataclass(frozen=True)
class OptimiserGroup:
    """The members trained with one optimiser: its name, every (seed, learning rate) and the
    weight decay (a member's minibatches do not depend on it, so runs with and without decay
    see the same data in the same order)."""

    name: str
    optimiser: Optimiser
    runs: tuple[tuple[int, float], ...]
    weight_decay: float = 0.0
    random_labels: Mapping[str, Any] | None = None

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], seeds: Sequence[int]) -> OptimiserGroup:
        """From ``{"name": "sgd"|"adam", "lrs": [...], "momentum": 0.9, "weight_decay": 0.0}`` and the seeds.

        >>> g = OptimiserGroup.from_spec({"name": "SGD", "lrs": [0.1, 0.2]}, [0, 1])
        >>> g.name, g.runs
        ('sgd', ((0, 0.1), (1, 0.1), (0, 0.2), (1, 0.2)))
        """
        name = str(spec.get("name", "sgd")).lower()
        opt = Adam() if name == "adam" else SGD(momentum=float(spec.get("momentum", 0.9)))
        runs = tuple((int(s), float(lr)) for lr in spec["lrs"] for s in seeds)
        pre = spec.get("random_labels")
        return cls(name, opt, runs, float(spec.get("weight_decay", 0.0)), dict(pre) if pre else None)

    @property
    def pretrain(self) -> str:
        """What the members learnt before the real training: ``"random labels"`` or ``"none"``."""
        return "random labels" if self.random_labels else "none"

    def label(self, lr: float) -> str:
        """The known group of a member trained at ``lr``: optimiser, rate, decay, pre-training.

        >>> OptimiserGroup.from_spec({"name": "sgd", "lrs": [0.05], "random_labels": {"steps": 9}}, [0]).label(0.05)
        'sgd lr 0.05 after 9 random-label steps'
        """
        decay = f" wd {self.weight_decay:g}" if self.weight_decay else ""
        pre = f" after {int(self.random_labels['steps'])} random-label steps" if self.random_labels else ""
        return f"{self.name} lr {lr:g}{decay}{pre}"

    def data_seeds(self, seed: int) -> list[int]:
        """Each member's minibatch seed, a hash of the study seed, optimiser, rate and seed."""
        return [
            int(hashlib.sha256(f"{seed}/{self.name}/{lr}/{s}".encode()).hexdigest()[:7], 16)
            for s, lr in self.runs
        ]


def _pretrained(
    net: Any, train: Any, group: OptimiserGroup, seeds: list[int], batch_size: int, seed: int, device: str
) -> tuple[dict[str, torch.Tensor] | None, list[dict[str, Any]]]:
    """The group's members after random-label pre-training (``None`` when it has none), and
    each member's record of it (its accuracy on the random labels, the share of labels changed).
    The pre-training's minibatches have seeds of their own, so the clean phase's minibatches are
    those of the same members without pre-training."""
    if not group.random_labels:
        return None, [{} for _ in seeds]
    from catdyn.backends.torch.studies.homotopy.pretrain import pretrain_on_random_labels

    pre_seeds = [int(hashlib.sha256(f"{d}/random-labels".encode()).hexdigest()[:7], 16) for d in group.data_seeds(seed)]
    pre = pretrain_on_random_labels(net, train, seeds, group.random_labels, data_seeds=pre_seeds,
                                    batch_size=batch_size, device=device)
    return pre.params, [{"random_label_fit": f, "random_labels_changed": pre.changed} for f in pre.fit]


def checkpoint_marks(steps: int, stages: int) -> list[int]:
    """The steps at which every member is saved: ``stages`` + 1 evenly spread marks.

    >>> checkpoint_marks(5, 4)
    [0, 1, 2, 4, 5]
    """
    return sorted({round(steps * k / stages) for k in range(stages + 1)})


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
    The value (a plain dict, the stored ``population``) holds the stacked parameters, the
    checkpoints by step, each member's status and configuration, and the loss curves; a
    population without members is ``{"skipped": True, "members": 0}``."""
    net = population_architecture(arch, tuple(data["train_x"].shape[1:]), int(data["n_classes"]))
    train = dataset_split(data, "train", net)
    marks = checkpoint_marks(steps, stages)
    params, checkpoints, rows, status, losses = [], {str(m): [] for m in marks}, [], [], []
    for group in (OptimiserGroup.from_spec(o, seeds) for o in optimisers):
        if not group.runs:
            continue
        cfg = TrainConfig(
            steps=int(steps),
            batch_size=int(batch_size),
            optimiser=group.optimiser,
            lr=[lr for _, lr in group.runs],
            weight_decay=group.weight_decay,
            checkpoints=tuple(marks),
        )
        seeds_ = [s for s, _ in group.runs]
        init, fits = _pretrained(net, train, group, seeds_, batch_size, seed, device)
        result = train_ensemble(net, train, seeds_, cfg, data_seeds=group.data_seeds(seed), init=init, device=device)
        params.append({k: v.detach().cpu() for k, v in result.params.items()})
        for m in marks:
            checkpoints[str(m)].append(result.checkpoints[m])
        status += result.status
        losses.append(result.losses.detach().cpu())
        rows += [{"optimiser": group.name, "lr": lr, "seed": s, "weight_decay": group.weight_decay,
                  "pretrain": group.pretrain, "group": group.label(lr), **fit}
                 for (s, lr), fit in zip(group.runs, fits)]
    if not params:
        return {"skipped": True, "members": 0}
    return {
        "skipped": False,
        "arch": dict(arch),
        "arch_name": net.name,
        "members": len(rows),
        "params": {k: torch.cat([p[k] for p in params]) for k in params[0]},
        "checkpoints": {
            m: {k: torch.cat([p[k] for p in ps]) for k in ps[0]} for m, ps in checkpoints.items()
        },
        "status": status,
        "config": rows,
        "losses": torch.cat(losses, dim=1),
    }
