"""The design of a persistence population: one-at-a-time variations of the hyperparameters
around a base configuration, each with every seed; the architecture of a member; its noisy
labels.

>>> configs = design({"width": 16, "lr": 0.1, "batch_size": 32, "weight_decay": 0.0, "label_noise": 0.0,
...                   "n_train": 200}, {"lr": [0.3]}, seeds=[0, 1])
>>> [(c["lr"], c["seed"]) for c in configs]
[(0.1, 0), (0.1, 1), (0.3, 0), (0.3, 1)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from catdyn.backends.torch.models.architectures import Architecture, build_architecture
from catdyn.errors import TopologyError

HPARAMS: tuple[str, ...] = ("width", "lr", "batch_size", "weight_decay", "label_noise", "n_train")
"""The hyperparameters a population varies (the keys of granulated τ)."""

FAMILIES: tuple[str, ...] = ("mlp", "cnn")
"""The architecture families a population may use."""


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


def member_config(family: str, width: int, in_shape: Sequence[int], classes: int) -> dict[str, Any]:
    """The architecture config of a member (see :func:`member_architecture`).

    >>> member_config("mlp", 16, (64,), 10)
    {'type': 'mlp', 'widths': [64, 16, 10]}
    """
    if family == "mlp":
        return {"type": "mlp", "widths": [int(np.prod(in_shape)), int(width), int(classes)]}
    if family == "cnn":
        return {
            "type": "cnn",
            "input_shape": [int(d) for d in in_shape],
            "channels": [max(2, int(width) // 4)],
            "classes": int(classes),
            "pool": "max",
            "readout": "flatten",
        }
    raise TopologyError.unknown("population family", family, FAMILIES)


def member_architecture(family: str, width: int, in_shape: tuple[int, ...], classes: int) -> Architecture:
    """A member's network: a one-hidden-layer MLP of ``width`` units, or a one-conv-layer CNN of
    ``max(2, width // 4)`` channels (max pooling, flatten readout).

    >>> member_architecture("mlp", 16, (64,), 10).name
    'mlp(64-16-10)'
    """
    return build_architecture(member_config(family, width, in_shape, classes))


def variation(config: Mapping[str, Any], base: Mapping[str, Any]) -> str:
    """What a configuration varies against the base: ``"base"`` or ``"lr=0.3"``.

    >>> variation({"width": 8, "lr": 0.3, "seed": 1}, {"width": 8, "lr": 0.1})
    'lr=0.3'
    """
    diff = [f"{k}={config[k]}" for k in base if k in config and config[k] != base[k]]
    return ", ".join(diff) or "base"


def training_labels(y: Tensor, config: Mapping[str, Any], classes: int, noise_seed: int) -> Tensor:
    """The labels a member trained on: the first ``n_train`` of ``y`` with its ``label_noise``
    (:func:`noisy_labels` drawn with ``noise_seed``), the same for every member of that noise.

    >>> y = torch.arange(10) % 3
    >>> training_labels(y, {"n_train": 4, "label_noise": 0.0}, 3, 0).tolist()
    [0, 1, 2, 0]
    """
    n = min(int(config["n_train"]), len(y))
    return noisy_labels(y.long()[:n], float(config["label_noise"]), classes, noise_seed)


def noisy_labels(y: Tensor, fraction: float, classes: int, seed: int) -> Tensor:
    """``y`` with a ``fraction`` of the labels (drawn with seed ``10000 + seed``) moved to another
    class, uniformly.

    >>> import torch
    >>> y = torch.zeros(1000, dtype=torch.long)
    >>> round(float((noisy_labels(y, 0.3, 10, 0) != 0).float().mean()), 1)
    0.3
    """
    if fraction <= 0:
        return y
    g = torch.Generator().manual_seed(10_000 + int(seed))
    flip = torch.rand(len(y), generator=g) < fraction
    shift = torch.randint(1, classes, (len(y),), generator=g)
    return torch.where(flip, (y + shift) % classes, y)
