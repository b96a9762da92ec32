"""Modular arithmetic, generated offline: every pair ``(a, b)`` of residues mod a prime ``p``
labelled ``a ∘ b mod p`` (``∘`` one of ``+``, ``−``, ``·``), the task on which small networks
are known to learn in very different ways (memorise, generalise late, or not at all; Power et
al. 2022, "grokking"), so the test accuracy of networks that all fit their training pairs can
differ widely.

Each example is the sequence of its two tokens, one-hot: ``x[n]`` is ``(2, p)`` with a 1 at
``(0, a)`` and ``(1, b)``. That one form serves every architecture of the homotopy grid: a GRU
reads the two tokens in turn, a Transformer embeds them linearly (a linear map of a one-hot
vector is an embedding table) and a CNN reads them as ``p`` channels of a 1 × 2 image
(:func:`~catdyn.backends.torch.data.views.as_channels`). The label ``y[n]`` is the class, one of
``p``. The train split is a seeded fraction of the ``p²`` pairs (:func:`~.datasets.split_indices`),
so the same ``seed`` gives the same split on every machine.

>>> s = make_modular(p=5, op="add", train_fraction=0.6, seed=0)
>>> s.train.x.shape, s.test.x.shape, s.train.n_classes
(torch.Size([15, 2, 5]), torch.Size([10, 2, 5]), 5)
>>> a, b = (int(t) for t in s.train.x[0].argmax(dim=-1))
>>> int(s.train.y[0]) == (a + b) % 5
True
>>> make_modular(p=4)
Traceback (most recent call last):
...
catdyn.errors.DatasetError: data option p = 4 is invalid. It must be a prime ≥ 2 (the residues mod p a field, so every operation is defined on every pair).
"""

from __future__ import annotations

from typing import Literal

import torch

from catdyn.backends.torch.data.datasets import Dataset, Splits, split_indices
from catdyn.errors import DatasetError

Operation = Literal["add", "sub", "mul"]

OPERATIONS: dict[str, str] = {"add": "a + b", "sub": "a − b", "mul": "a · b"}
"""The operations offered, by name, and the formula each labels a pair with (mod p)."""


def _is_prime(p: int) -> bool:
    return p >= 2 and all(p % d for d in range(2, int(p**0.5) + 1))


def modular_labels(a: torch.Tensor, b: torch.Tensor, p: int, op: Operation) -> torch.Tensor:
    """``a ∘ b mod p`` elementwise (int64).

    >>> modular_labels(torch.tensor([3, 4]), torch.tensor([4, 4]), 5, "mul").tolist()
    [2, 1]
    """
    if op == "add":
        out = a + b
    elif op == "sub":
        out = a - b
    elif op == "mul":
        out = a * b
    else:
        raise DatasetError.option("op", op, f"one of {', '.join(OPERATIONS)}")
    return torch.remainder(out, p).long()


def make_modular(p: int = 23, op: Operation = "add", train_fraction: float = 0.5, seed: int = 0) -> Splits:
    """All ``p²`` pairs as one-hot token pairs ``(N, 2, p)``, labelled ``a ∘ b mod p``, split
    with ``seed`` into ``train_fraction`` for training and the rest for testing."""
    if isinstance(p, bool) or not isinstance(p, int) or not _is_prime(p):
        raise DatasetError.option("p", p, "a prime ≥ 2 (the residues mod p a field, so every operation is "
                                          "defined on every pair)")
    if op not in OPERATIONS:
        raise DatasetError.option("op", op, f"one of {', '.join(OPERATIONS)}")
    if not 0.0 < train_fraction < 1.0:
        raise DatasetError.option("train_fraction", train_fraction, "in (0, 1)")
    grid = torch.arange(p)
    a, b = grid.repeat_interleave(p), grid.repeat(p)
    x = torch.zeros(p * p, 2, p)
    rows = torch.arange(p * p)
    x[rows, 0, a] = 1.0
    x[rows, 1, b] = 1.0
    y = modular_labels(a, b, p, op)
    train, test = split_indices(p * p, 1.0 - train_fraction, seed)
    if len(train) == 0 or len(test) == 0:
        raise DatasetError.option("train_fraction", train_fraction, f"leaving pairs in both splits of {p * p}")
    name = f"modular-{op}-{p}"
    return Splits(Dataset(x[train], y[train], name, p, "train"), Dataset(x[test], y[test], name, p, "test"))
