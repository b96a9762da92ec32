"""The barrier paths' pairs go through the ensemble's shard runner: where the shards run
(threads, pinned worker processes) changes no number, and each shard's profiles are bit for bit
those of its pairs computed alone."""

from __future__ import annotations

import torch

from catdyn.backends.torch.data.datasets import load_digits
from catdyn.backends.torch.models.architectures import MLP
from catdyn.backends.torch.paths.interpolation import alpha_grid, pair_paths, stack


def test_barrier_pairs_shard_bit_for_bit() -> None:
    net = MLP((64, 16, 10))
    models = stack([net.init(torch.Generator().manual_seed(s)) for s in range(5)])
    d = load_digits(seed=0)
    data = {"train": (d.train.x[:400], d.train.y[:400]), "test": (d.test.x, d.test.y)}
    pairs = [(i, j) for i in range(5) for j in range(i + 1, 5)]
    al = alpha_grid(7)
    threads = pair_paths(net, models, pairs, al, data, workers=2, parallel="threads")
    procs = pair_paths(net, models, pairs, al, data, workers=2, parallel="processes", pin=True)
    halves = [pair_paths(net, models, part, al, data, workers=1) for part in (pairs[:5], pairs[5:])]
    for key, value in threads.items():
        assert torch.equal(value, procs[key])
        assert torch.equal(value, torch.cat([h[key] for h in halves]))
