"""Pre-training on random labels before the real training (Liu et al. 2020, "Bad global minima
exist and SGD can reach them"): a member first fits the training inputs under a random
permutation of their labels, then trains on the clean labels from there. It reaches the clean
training set's low loss like any other member, yet tends to generalise worse, so a population
of pre-trained and plain members is one where the homotopy claim can fail.

The random labels are the training labels permuted across samples (one permutation, drawn from
``label_seed``): the class counts stay those of the clean set, only which input carries which
label changes.

>>> import torch
>>> from catdyn.backends.torch.data.datasets import Dataset
>>> d = Dataset(torch.zeros(6, 2), torch.tensor([0, 0, 1, 1, 2, 2]), "toy", 3, "train")
>>> shuffled, perm = random_labels(d, label_seed=3)
>>> sorted(shuffled.y.tolist()) == sorted(d.y.tolist()), bool(torch.equal(shuffled.y, d.y[perm]))
(True, True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch

from catdyn.backends.torch.data.datasets import Dataset
from catdyn.backends.torch.models.architectures import Architecture
from catdyn.backends.torch.training.ensemble import TrainConfig, evaluate, train_ensemble
from catdyn.backends.torch.training.optim import SGD


def random_labels(train: Dataset, label_seed: int) -> tuple[Dataset, torch.Tensor]:
    """The training split with its labels permuted across samples, and the permutation ``perm``
    (sample i carries the label of sample ``perm[i]``)."""
    perm = torch.randperm(len(train), generator=torch.Generator().manual_seed(int(label_seed)))
    return replace(train, y=train.y[perm].contiguous()), perm


@dataclass(frozen=True)
class Pretrained:
    """The members after random-label pre-training: their stacked parameters, the random labels
    they were fitted to (``labels``), the fraction of samples whose label the permutation changed
    (``changed``) and each member's accuracy on the random labels (``fit``)."""

    params: dict[str, torch.Tensor]
    labels: torch.Tensor
    changed: float
    fit: list[float]


def pretrain_on_random_labels(
    net: Architecture,
    train: Dataset,
    seeds: Sequence[int],
    spec: Mapping[str, Any],
    *,
    data_seeds: Sequence[int],
    batch_size: int,
    device: str,
) -> Pretrained:
    """Train ``seeds`` (from their seeded initialisation) on ``train`` with random labels for
    ``spec["steps"]`` SGD steps (``lr``, ``momentum``, ``label_seed`` of ``spec``).

    >>> from catdyn.backends.torch.data.datasets import load_digits
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> tr = load_digits().train.subset(range(100))
    >>> p = pretrain_on_random_labels(MLP((64, 8, 10)), tr, [0, 1], {"steps": 5, "lr": 0.05}, data_seeds=[3, 4],
    ...                               batch_size=32, device="cpu")
    >>> p.params["fc0.weight"].shape, len(p.fit), p.changed > 0.5
    (torch.Size([2, 8, 64]), 2, True)
    """
    shuffled, _ = random_labels(train, int(spec.get("label_seed", 0)))
    cfg = TrainConfig(steps=int(spec["steps"]), batch_size=int(batch_size),
                      optimiser=SGD(momentum=float(spec.get("momentum", 0.9))), lr=float(spec.get("lr", 0.05)))
    result = train_ensemble(net, shuffled, list(seeds), cfg, data_seeds=list(data_seeds), device=device)
    params = {k: v.detach().cpu() for k, v in result.params.items()}
    _, acc = evaluate(net, params, shuffled)
    changed = float((shuffled.y != train.y).double().mean())
    return Pretrained(params, shuffled.y.detach().cpu(), changed, [float(a) for a in acc.tolist()])
