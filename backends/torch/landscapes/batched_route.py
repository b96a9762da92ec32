"""The batched landscape route for CNN, ResNet, Transformer and GRU: a chunk of grid points is
evaluated as ONE batched network (:mod:`catdyn.backends.torch.models.batched`), not under
:func:`torch.func.vmap`.

Two things make it fast. (1) The first layer is linear in the parameters, so at grid point
``c`` its output is ``first(θ) + Σₐ cₐ·first(Dₐ)``: k + 1 first-layer passes serve the whole grid
(the same idea as the MLP's affine method), and a chunk's first-layer outputs are one batched
product; so are the matrices of a CNN's small convolutions, which run as dense products
(:func:`~catdyn.backends.torch.models.batched.with_dense`). (2) Chunks are sized so that their
activations stay in cache (about 8 MB), where the vmap fallback's 256-point chunks of a CNN run
through hundreds of megabytes.

>>> import torch
>>> from catdyn.backends.torch.models.architectures import CNN
>>> from catdyn.backends.torch.landscapes.landscape import loss_landscape
>>> net = CNN((1, 8, 8), (3, 4), 5)
>>> theta = net.init(torch.Generator().manual_seed(0))
>>> x, y = torch.randn(20, 1, 8, 8), torch.arange(20) % 5
>>> fast = loss_landscape(net, theta, x, y, steps=5, seed=0)
>>> loop = loss_landscape(net, theta, x, y, steps=5, seed=0, method="loop")
>>> fast.method, float(abs(fast.values - loop.values).max()) < 1e-5
('batched', True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.backends.torch.models.architectures import Architecture
from catdyn.backends.torch.models.batched import (
    combine_first,
    first_layer,
    point_chunk,
    rest_of_network,
    with_dense,
)


def metric_sums(logits: Tensor, y: Tensor, metric: str) -> Tensor:
    """Per set, the sum over samples of the cross-entropy (``"loss"``) or of the errors, from
    ``(..., N, C)`` logits: one figure per leading index, none for a single ``(N, C)`` set (the
    loss is taken classes-first, the faster layout on the CPU).

    >>> logits = torch.zeros(2, 3, 4)
    >>> metric_sums(logits, torch.tensor([0, 1, 2]), "loss").tolist() == [3 * float(torch.log(torch.tensor(4.0)))] * 2
    True
    >>> metric_sums(logits[0], torch.tensor([0, 1, 2]), "error").item()
    2.0
    """
    lead, (n, c) = logits.shape[:-2], logits.shape[-2:]
    flat = logits.reshape(-1, n, c)
    if metric == "loss":
        sums = F.cross_entropy(flat.transpose(1, 2), y.expand(flat.shape[0], n), reduction="none").sum(dim=-1)
    else:
        sums = (flat.argmax(dim=-1) != y).to(logits.dtype).sum(dim=-1)
    return sums.reshape(lead)


def batched_sums(
    arch: Architecture,
    params: Mapping[str, Tensor],
    dirs: Sequence[Mapping[str, Tensor]],
    x: Tensor,
    y: Tensor,
    pts: Tensor,
    chunk: int,
    metric: str,
    train: bool,
) -> Tensor:
    """The metric summed over ``x`` at every grid point ``pts`` (``(G, k)``), as one batched
    network per chunk of points (see the module docstring)."""
    # θ's output is one more anchor with coefficient 1: a plain product, no broadcast copy of it
    anchors = torch.stack([first_layer(arch, params, x)] + [first_layer(arch, d, x) for d in dirs])
    # a dense convolution's matrix is linear in its weights: combined per point like them
    params = with_dense(arch, params, stacked=False)
    dirs = [with_dense(arch, d, stacked=False) for d in dirs]
    stacked_dirs = {name: torch.stack([d[name] for d in dirs]) for name in params}
    size = max(1, min(chunk, point_chunk(arch, x)))
    sums = []
    for s in range(0, len(pts), size):
        c = pts[s : s + size]
        stack = {name: p.unsqueeze(0) + torch.tensordot(c, stacked_dirs[name], dims=1) for name, p in params.items()}
        coeffs = torch.cat([torch.ones_like(c[:, :1]), c], dim=1)
        logits = rest_of_network(arch, stack, combine_first(None, anchors, coeffs), train=train)
        sums.append(metric_sums(logits, y, metric))
    return torch.cat(sums)
