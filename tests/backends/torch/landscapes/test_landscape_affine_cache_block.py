"""The affine MLP landscape when the ~8 MB cache block, not ``chunk``, sets the block size.

``_affine_mlp`` evaluates at most ``(8 MiB) // (bytes · N · h1)`` grid points per block. The
other landscape tests use few samples and narrow first layers, so that limit never binds; here
it does (float64, N = 300 samples, h1 = 96: 36 points per block, 81 grid points), and the grid
must still equal a naive loop over grid points (the reference: one forward pass per point)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402

from catdyn.backends.torch.landscapes.landscape import loss_landscape, random_directions  # noqa: E402
from catdyn.backends.torch.models.architectures import MLP  # noqa: E402


def test_blocks_limited_by_the_cache_rule_give_the_naive_grid() -> None:
    arch = MLP((6, 96, 4))
    g = torch.Generator().manual_seed(0)
    theta = arch.init(g, dtype=torch.float64)
    n, steps, span = 300, 9, 0.8
    x = torch.randn(n, 6, generator=g, dtype=torch.float64)
    y = torch.arange(n) % 4
    assert (8 << 20) // (8 * n * 96) < steps * steps < 256  # the cache rule binds, not chunk
    dirs = random_directions(arch, theta, 2, seed=3)
    ls = loss_landscape(arch, theta, x, y, directions=dirs, steps=steps, span=span, method="affine")
    assert ls.method == "affine"
    c = np.linspace(-span, span, steps)
    naive = np.empty((steps, steps))
    for i, j in itertools.product(range(steps), range(steps)):
        p = {k: theta[k] + float(c[i]) * dirs[0][k] + float(c[j]) * dirs[1][k] for k in theta}
        naive[i, j] = F.cross_entropy(arch.apply(p, x), y).item()
    np.testing.assert_allclose(ls.values, naive, atol=1e-10)
