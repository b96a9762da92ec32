"""``random_directions`` called with its defaults draws the directions ``loss_landscape`` draws
with its own: the default slice is two-dimensional (Li et al.'s 2-D plot), whether the
directions are drawn inside the landscape or beforehand and passed in.

The reference is the landscape itself: given the pre-drawn directions it must give the grid
it gives without them, of shape (steps, steps).
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.landscapes.landscape import loss_landscape, random_directions  # noqa: E402
from catdyn.backends.torch.models.architectures import MLP  # noqa: E402


@pytest.mark.parametrize("seed", [0, 5])
def test_default_directions_are_the_default_landscape_slice(seed: int) -> None:
    arch = MLP((3, 6, 2))
    g = torch.Generator().manual_seed(1)
    theta = arch.init(g, dtype=torch.float64)
    x, y = torch.randn(20, 3, generator=g, dtype=torch.float64), torch.arange(20) % 2
    inside = loss_landscape(arch, theta, x, y, steps=5, span=0.5, seed=seed)
    dirs = random_directions(arch, theta, seed=seed)
    assert len(dirs) == 2
    given = loss_landscape(arch, theta, x, y, directions=dirs, steps=5, span=0.5, seed=seed)
    assert inside.values.shape == given.values.shape == (5, 5)
    np.testing.assert_array_equal(given.values, inside.values)
