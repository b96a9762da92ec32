"""Barrier paths through the batched networks (CNN, ResNet, Transformer, GRU) equal the
per-pair, per-point loop, with batch norm recomputed at every point or stored."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from catdyn.backends.torch.models.architectures import CNN, GRU, MLP, ResNet, Transformer, recalibrate
from catdyn.backends.torch.paths.barrier_matrix import all_pairs, barrier_matrix_loop
from catdyn.backends.torch.paths.interpolation import alpha_grid, evaluate, pair_paths, stack
from catdyn.errors import HomotopyError

FAMILIES = [
    CNN((1, 8, 8), (3, 4), 3),
    CNN((1, 8, 8), (4,), 3, batch_norm=True),
    CNN((1, 8, 8), (3, 4), 3, batch_norm=True),
    ResNet((1, 6, 6), 4, (3,), 3, batch_norm=True),
    Transformer(input_dim=3, seq_len=4, d_model=8, heads=(2,), head_dim=4, mlp=(6,), classes=3),
    Transformer(input_dim=0, seq_len=5, d_model=8, heads=(2,), head_dim=3, mlp=(6,), classes=3, vocab=7),
    GRU(3, 6, 3),
]


def _setup(net):  # type: ignore[no-untyped-def]
    g = torch.Generator().manual_seed(0)
    data = {
        "train": (net.example_input(30, g), torch.randint(0, 3, (30,), generator=g)),
        "test": (net.example_input(14, g), torch.randint(0, 3, (14,), generator=g)),
    }
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(3)]
    if net.buffers():  # distinct stored statistics at every endpoint
        x = data["train"][0]
        models = [recalibrate(net, m, x * (1 + i)) for i, m in enumerate(models)]
    return data, models


@pytest.mark.parametrize("net", FAMILIES, ids=lambda n: n.name)
@pytest.mark.parametrize("bn", ["auto", "stored"])
def test_batched_paths_equal_the_per_point_loop(net, bn) -> None:  # type: ignore[no-untyped-def]
    if bn == "stored" and not net.buffers():
        pytest.skip("no batch norm")
    data, models = _setup(net)
    pairs = all_pairs(len(models))
    fast = pair_paths(net, stack(models), pairs, alpha_grid(5), data, bn=bn, method="batched")  # type: ignore[arg-type]
    slow = barrier_matrix_loop(net, models, data, points=5, pairs=pairs, bn=bn)  # type: ignore[arg-type]
    for key, values in slow.profiles.items():
        assert np.abs(fast[key].double().numpy() - values).max() < 1e-5, key
    vm = pair_paths(net, stack(models), pairs, alpha_grid(5), data, bn=bn, method="vmap")  # type: ignore[arg-type]
    for key in vm:
        assert torch.allclose(fast[key], vm[key], atol=1e-5), key


def test_evaluate_routes_agree_and_batched_is_refused_for_an_mlp() -> None:
    net = GRU(2, 4, 3)
    data, models = _setup(net)
    x, y = data["test"]
    a = evaluate(net, stack(models), x, y, route="batched")
    b = evaluate(net, stack(models), x, y, route="vmap")
    assert torch.allclose(a[0], b[0], atol=1e-6) and torch.equal(a[1], b[1])
    mlp = MLP((2, 3, 3))
    with pytest.raises(HomotopyError):
        evaluate(mlp, stack([mlp.init(torch.Generator().manual_seed(0))]), torch.randn(4, 2), y[:4], route="batched")
