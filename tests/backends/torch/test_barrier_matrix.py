"""The batched barrier matrix against the per-pair, per-point loop; splitting and merging."""

import numpy as np
import pytest
import torch

from catdyn.backends.torch.architectures import CNN, MLP
from catdyn.backends.torch.barrier_matrix import (
    BarrierMatrix,
    all_pairs,
    barrier_matrix,
    barrier_matrix_loop,
    split_pairs,
)
from catdyn.backends.torch.symmetry import permute, random_element


def _data(shape: tuple[int, ...], n: int, classes: int, seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {
        "train": (torch.randn(n, *shape, generator=g), torch.randint(0, classes, (n,), generator=g)),
        "test": (torch.randn(n // 2, *shape, generator=g), torch.randint(0, classes, (n // 2,), generator=g)),
    }


@pytest.mark.parametrize(
    "net",
    [MLP((6, 8, 5, 3)), MLP((6, 8, 3), batch_norm=True), CNN((1, 6, 6), (3, 4), 3)],
    ids=lambda n: n.name,
)
def test_batched_matrix_equals_the_loop(net) -> None:
    shape = (6,) if isinstance(net, MLP) else (1, 6, 6)
    data = _data(shape, 40, 3, 0)
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(4)]
    if net.buffers():
        from catdyn.backends.torch.architectures import recalibrate

        models = [recalibrate(net, m, data["train"][0] * (1 + i)) for i, m in enumerate(models)]
    fast = barrier_matrix(net, models, data, points=5, alignment="none")
    slow = barrier_matrix_loop(net, models, data, points=5)
    for key in slow.profiles:
        assert np.abs(fast.profiles[key] - slow.profiles[key]).max() < 1e-5, key
    for d in ("mean-endpoint", "line-endpoint"):
        assert np.allclose(fast.matrix("loss", "test", d), slow.matrix("loss", "test", d), atol=1e-5)


def test_aligned_matrix_equals_the_loop_on_aligned_partners() -> None:
    net = MLP((5, 8, 3))
    data = _data((5,), 30, 3, 1)
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(3)]
    fast = barrier_matrix(net, models, data, points=4, alignment="weight")
    from catdyn.backends.torch.alignment import weight_matching

    partners = [
        permute(net, models[j], weight_matching(net, models[i], models[j]).permutation) for i, j in fast.pairs
    ]
    slow = barrier_matrix_loop(net, models, data, points=4, partners=partners)
    assert np.abs(fast.profiles["loss", "train"] - slow.profiles["loss", "train"]).max() < 1e-5


def test_permuted_twins_have_zero_barrier_and_the_matrix_is_symmetric() -> None:
    net = MLP((4, 9, 3))
    t = net.init(torch.Generator().manual_seed(0))
    twins = [permute(net, t, random_element(net, torch.Generator().manual_seed(s))) for s in range(3)]
    other = net.init(torch.Generator().manual_seed(7))
    bm = barrier_matrix(net, [t, *twins, other], _data((4,), 30, 3, 2), points=5)
    m = bm.matrix("loss", "test")
    assert np.allclose(m, m.T) and np.all(np.diag(m) == 0)
    assert np.abs(m[:4, :4]).max() < 1e-6


def test_split_and_merge_give_the_whole() -> None:
    net = MLP((3, 5, 2))
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(5)]
    data = _data((3,), 20, 2, 3)
    whole = barrier_matrix(net, models, data, points=4)
    parts = [barrier_matrix(net, models, data, points=4, pairs=p) for p in split_pairs(all_pairs(5), 3)]
    merged = BarrierMatrix.merge(parts)
    assert merged.pairs == whole.pairs
    assert np.allclose(merged.matrix("error", "train"), whole.matrix("error", "train"))
    assert sum(len(p) for p in split_pairs(all_pairs(7), 4)) == 21
