"""An MLP with no hidden layer (``MLP((in, out))``, logistic regression) along linear paths:
``pair_paths`` used to send it to the affine-first-layer route, which needs a hidden layer
(its first layer's output is then the logits: no later layer writes the log-softmax buffer,
and ``torch.cat([])`` raised). It now takes the vmap/batched route, against a point-by-point
loop; asking for the affine route explicitly is refused."""

import pytest
import torch
import torch.nn.functional as F

from catdyn.backends.torch.models.architectures import MLP
from catdyn.backends.torch.paths.interpolation import alpha_grid, pair_paths, stack
from catdyn.errors import CatdynError


def test_no_hidden_layer_mlp_paths_match_a_loop() -> None:
    net = MLP((3, 4))
    bank = stack([net.init(torch.Generator().manual_seed(i)) for i in range(3)])
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(17, 3, generator=g), torch.randint(0, 4, (17,), generator=g)
    pairs, grid = [(0, 1), (2, 0)], alpha_grid(4)
    got = pair_paths(net, bank, pairs, grid, {"test": (x, y)})
    for p, (i, j) in enumerate(pairs):
        for k, a in enumerate(grid.tolist()):
            w = (1 - a) * bank["fc0.weight"][i] + a * bank["fc0.weight"][j]
            b = (1 - a) * bank["fc0.bias"][i] + a * bank["fc0.bias"][j]
            logits = x @ w.T + b
            assert got["loss", "test"][p, k].item() == pytest.approx(
                F.cross_entropy(logits, y).item(), abs=1e-5
            )
            assert got["error", "test"][p, k].item() == pytest.approx(
                (logits.argmax(1) != y).float().mean().item()
            )


def test_affine_route_refused_without_a_hidden_layer() -> None:
    net = MLP((3, 4))
    bank = stack([net.init(torch.Generator().manual_seed(i)) for i in range(2)])
    data = {"test": (torch.randn(5, 3), torch.randint(0, 4, (5,)))}
    with pytest.raises(CatdynError, match="hidden layer"):
        pair_paths(net, bank, [(0, 1)], alpha_grid(3), data, method="affine-first-layer")
