"""The batched landscape route (CNN, ResNet, Transformer, GRU) equals a plain per-point loop."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from catdyn.backends.torch.landscapes.landscape import loss_landscape, random_directions
from catdyn.backends.torch.models.architectures import CNN, GRU, MLP, ResNet, Transformer
from catdyn.errors import TopologyError

FAMILIES = [
    CNN((1, 8, 8), (4,), 5),
    CNN((1, 8, 8), (3, 4), 5, batch_norm=True),
    CNN((2, 8, 8), (3,), 5, pool="avg", readout="mean", activation="gelu"),
    ResNet((1, 6, 6), 4, (3, 2), 5, batch_norm=True),
    Transformer(input_dim=3, seq_len=4, d_model=8, heads=(2,), head_dim=4, mlp=(6,), classes=5),
    Transformer(input_dim=0, seq_len=5, d_model=8, heads=(2, 1), head_dim=3, mlp=(6, 4), classes=5, vocab=7),
    GRU(3, 6, 5),
]


def _per_point(arch, theta, dirs, x, y, coords, metric, train):  # type: ignore[no-untyped-def]
    """The reference: one forward pass per grid point, written out here."""
    out = np.empty([len(c) for c in coords])
    for idx in itertools.product(*(range(len(c)) for c in coords)):
        p = {n: theta[n] + sum(float(coords[a][i]) * dirs[a][n] for a, i in enumerate(idx)) for n in theta}
        logits = arch.apply(p, x, train=train)
        if metric == "loss":
            out[idx] = F.cross_entropy(logits, y).item()
        else:
            out[idx] = (logits.argmax(-1) != y).double().mean().item()
    return out


def _data(arch, n, dtype):  # type: ignore[no-untyped-def]
    g = torch.Generator().manual_seed(4)
    x = arch.example_input(n, g, dtype=dtype)
    return x, torch.randint(0, 5, (n,), generator=g)


@pytest.mark.parametrize("arch", FAMILIES, ids=lambda a: a.name)
@pytest.mark.parametrize("batch_norm", ["stored", "recompute"])
def test_batched_equals_per_point_loop(arch, batch_norm) -> None:  # type: ignore[no-untyped-def]
    theta = arch.init(torch.Generator().manual_seed(0), dtype=torch.float64)
    x, y = _data(arch, 23, torch.float64)
    dirs = random_directions(arch, theta, 2, seed=1, bias_norm="normalise")
    ls = loss_landscape(
        arch, theta, x, y, directions=dirs, steps=(5, 4), span=(0.7, 1.1), chunk=3, batch_norm=batch_norm
    )
    assert ls.method == "batched"
    train = batch_norm == "recompute" and bool(arch.buffers())
    ref = _per_point(arch, theta, dirs, x, y, ls.coords, "loss", train)
    np.testing.assert_allclose(ls.values, ref, atol=1e-10, rtol=0)


@pytest.mark.parametrize("arch", FAMILIES, ids=lambda a: a.name)
def test_batched_float32_within_1e5_of_the_loop_method(arch) -> None:  # type: ignore[no-untyped-def]
    theta = arch.init(torch.Generator().manual_seed(2))
    x, y = _data(arch, 40, torch.float32)
    common = {"steps": 5, "span": 1.0, "seed": 3}
    fast = loss_landscape(arch, theta, x, y, method="batched", **common)
    loop = loss_landscape(arch, theta, x, y, method="loop", **common)
    assert float(np.abs(fast.values - loop.values).max()) <= 1e-5


def test_error_metric_three_directions_and_data_chunks() -> None:
    arch = CNN((1, 8, 8), (3, 4), 5)
    theta = arch.init(torch.Generator().manual_seed(0), dtype=torch.float64)
    x, y = _data(arch, 30, torch.float64)
    dirs = random_directions(arch, theta, 3, seed=2)
    ls = loss_landscape(arch, theta, x, y, directions=dirs, steps=3, span=2.0, metric="error", data_chunk=7)
    ref = _per_point(arch, theta, dirs, x, y, ls.coords, "error", False)
    np.testing.assert_allclose(ls.values, ref, atol=1e-12, rtol=0)
    assert ls.values.min() < ls.values.max()  # the error rate moves across the grid


def test_batched_is_refused_for_an_mlp() -> None:
    arch = MLP((3, 4, 2))
    theta = arch.init(torch.Generator().manual_seed(0))
    with pytest.raises(TopologyError, match="batched"):
        loss_landscape(arch, theta, torch.randn(5, 3), torch.zeros(5, dtype=torch.long), steps=3, method="batched")
