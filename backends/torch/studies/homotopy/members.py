"""The trained members of a population, ready to be measured: the architecture, the data
splits on the device, the stacked parameters of the members that trained without failing,
and their test accuracy.

>>> import torch
>>> from catdyn.backends.torch.studies.homotopy.train import train_population
>>> from catdyn.backends.torch.data.datasets import load_digits
>>> s = load_digits()
>>> d = {"name": "digits", "n_classes": 10, "train_x": s.train.x[:100], "train_y": s.train.y[:100],
...      "test_x": s.test.x[:50], "test_y": s.test.y[:50]}
>>> pop = train_population(d, arch={"type": "mlp", "hidden": [4]}, seeds=[0, 1],
...                        optimisers=[{"name": "sgd", "lrs": [0.1]}], steps=3)
>>> m = load_members(pop, d, "cpu")
>>> m.n, m.members, member_accuracy(m).shape
(2, (0, 1), (2,))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from catdyn.backends.torch.data.datasets import Dataset
from catdyn.backends.torch.models.architectures import Architecture, build_architecture
from catdyn.backends.torch.paths.interpolation import unstack
from catdyn.backends.torch.training.ensemble import evaluate
from catdyn.errors import HomotopyError


def population_architecture(
    arch: Mapping[str, Any], input_shape: Sequence[int], n_classes: int
) -> Architecture:
    """The architecture of a population from the spec's short form, completed by the data's
    shape and class count: ``{"type": "mlp", "hidden": [64]}``, ``{"type": "cnn", "image":
    [1, 8, 8], "channels": [8, 16]}`` (``image`` defaults to the data's shape; ``kernel``,
    ``pool``, ``readout``, ``activation`` and ``batch_norm`` pass through), or a sequence model
    over ``(T, F)`` inputs, ``{"type": "gru", "hidden": 16}`` or ``{"type": "transformer",
    "d_model": 16, "heads": [2], "head_dim": 8, "mlp": [32]}`` (``input_dim``, ``seq_len`` and
    ``classes`` from the data; see :mod:`.sequence_models`); built by
    :func:`~catdyn.backends.torch.models.architectures.build_architecture`.

    >>> population_architecture({"type": "mlp", "hidden": [32]}, (64,), 10).name
    'mlp(64-32-10)'
    >>> population_architecture({"type": "gru", "hidden": 16}, (8, 8), 10).name
    'gru(8;16;10)'
    """
    from catdyn.backends.torch.studies.homotopy.sequence_models import cnn_config, sequence_config

    kind = arch.get("type", "mlp")
    if kind == "mlp":
        widths = [int(np.prod(input_shape)), *[int(h) for h in arch.get("hidden", [64])], int(n_classes)]
        return build_architecture({"type": "mlp", "widths": widths})
    if kind == "cnn":
        return build_architecture(cnn_config(arch, input_shape, n_classes))
    if kind in ("gru", "transformer"):
        return build_architecture(sequence_config(arch, input_shape, n_classes))
    raise HomotopyError.bad_option("arch type", kind, "'mlp', 'cnn', 'gru' or 'transformer'")


def dataset_split(value: Mapping[str, Any], split: str, arch: Architecture | None = None) -> Dataset:
    """One split of a stored data set, its inputs shaped for ``arch`` (an image for a CNN, a
    vector for an MLP, ``(T, F)`` steps for a GRU or Transformer)."""
    from catdyn.backends.torch.studies.homotopy.sequence_models import input_shape_for

    x = value[f"{split}_x"]
    if arch is not None:
        x = x.reshape(x.shape[0], *input_shape_for(arch, tuple(x.shape[1:])))
    return Dataset(x, value[f"{split}_y"], value["name"], int(value["n_classes"]), split)


@dataclass(frozen=True, eq=False)
class Members:
    """The members of a population that trained without failing (``members``: their rows in the
    population), with their architecture, the splits and the stacked parameters on ``device``."""

    net: Architecture
    splits: dict[str, Dataset]
    stacked: dict[str, torch.Tensor]
    members: tuple[int, ...]
    device: Any

    @property
    def n(self) -> int:
        """How many members."""
        return len(self.members)

    def models(self) -> list[dict[str, torch.Tensor]]:
        """One parameter dict per member."""
        return unstack(self.stacked)


def load_members(pop: Mapping[str, Any], data: Mapping[str, Any], device: str) -> Members:
    """The population's members whose status is ``ok``, on ``device``."""
    from catdyn.backends.torch.compute.device import resolve_device

    dev = resolve_device(device)
    net = population_architecture(pop["arch"], tuple(data["train_x"].shape[1:]), int(data["n_classes"]))
    splits = {s: dataset_split(data, s, net).to(dev) for s in ("train", "test")}
    ok = tuple(i for i, s in enumerate(pop["status"]) if s == "ok")
    stacked = {k: v[torch.as_tensor(ok)].to(dev) for k, v in pop["params"].items()}
    return Members(net, splits, stacked, ok, dev)


def member_accuracy(members: Members) -> np.ndarray:
    """Every member's test accuracy (float64)."""
    _, acc = evaluate(members.net, members.stacked, members.splits["test"])
    return acc.double().cpu().numpy()
