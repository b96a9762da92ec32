"""Analytic FLOP counts of one forward pass, as :class:`torch.utils.flop_counter.FlopCounterMode`
counts them: 2 FLOPs per multiply-add of every matrix product and convolution (linear layers,
convolutions, attention products, the GRU's projections); elementwise work, pooling, norms and
softmax are not counted. Split into the first layer (which the landscape routes compute k + 1
times per grid rather than once per point) and the rest.

>>> from catdyn.backends.torch.models.architectures import MLP
>>> forward_flops(MLP((64, 32, 10)), (64,), 100)
{'first': 409600, 'rest': 64000}
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from catdyn.backends.torch.models.architectures import CNN, GRU, MLP, Architecture, ResNet, Transformer


def _conv(n: int, c_in: int, c_out: int, hw: int, k: int) -> int:
    return 2 * n * c_out * hw * c_in * k * k


def _cnn(arch: CNN, n: int) -> dict[str, int]:
    h, w = arch.input_shape[1:]
    c_in, out = arch.input_shape[0], []
    for c in arch.channels:
        out.append(_conv(n, c_in, c, h * w, arch.kernel))
        if arch.pool is not None:
            h, w = h // 2, w // 2
        c_in = c
    head = 2 * n * arch.classes * arch._head_in()
    return {"first": out[0], "rest": sum(out[1:]) + head}


def _resnet(arch: ResNet, n: int) -> dict[str, int]:
    hw = arch.input_shape[1] * arch.input_shape[2]
    blocks = sum(2 * _conv(n, arch.width, c, hw, 3) for c in arch.inner)
    return {"first": _conv(n, arch.input_shape[0], arch.width, hw, 3), "rest": blocks + 2 * n * arch.width * arch.classes}


def _transformer(arch: Transformer, n: int, t: int) -> dict[str, int]:
    d, dh = arch.d_model, arch.head_dim
    first = 0 if arch.vocab is not None else 2 * n * t * arch.input_dim * d
    rest = 2 * n * d * arch.classes
    for h, m in zip(arch.heads, arch.mlp):
        rest += 2 * n * t * d * h * dh * 4  # q, k, v and the output projection
        rest += 2 * 2 * n * h * t * t * dh  # q·kᵀ and att·v
        rest += 2 * 2 * n * t * d * m  # the MLP's two layers
    return {"first": first, "rest": rest}


def forward_flops(arch: Architecture, sample_shape: Sequence[int], n: int) -> dict[str, int]:
    """FLOPs of ``arch.apply`` on ``n`` samples of shape ``sample_shape`` (sequence models read
    their length ``T`` from it), as ``{"first": …, "rest": …}``."""
    if isinstance(arch, MLP):
        w = arch.widths
        return {"first": 2 * n * w[0] * w[1], "rest": sum(2 * n * a * b for a, b in itertools.pairwise(w[1:]))}
    if isinstance(arch, CNN):
        return _cnn(arch, n)
    if isinstance(arch, ResNet):
        return _resnet(arch, n)
    if isinstance(arch, Transformer):
        return _transformer(arch, n, int(sample_shape[0]))
    if isinstance(arch, GRU):
        t, h = int(sample_shape[0]), arch.hidden
        first = 2 * n * t * arch.input_dim * 3 * h
        return {"first": first, "rest": 2 * n * t * h * 3 * h + 2 * n * h * arch.classes}
    raise TypeError(f"no FLOP count for {arch.name}")


def total(counts: dict[str, int]) -> int:
    """First layer plus the rest."""
    return counts["first"] + counts["rest"]


def mlp_training_step_flops(widths: Sequence[int], batch: int) -> int:
    """FLOPs of one SGD step of a BN-free MLP on ``batch`` samples, as FlopCounterMode counts
    a forward pass and ``backward()``: every layer's forward product and weight gradient, and the
    input gradient of every layer but the first (nothing needs the data's gradient).

    >>> mlp_training_step_flops((64, 64, 10), 64)
    1294336
    """
    pairs = list(itertools.pairwise(widths))
    per_layer = [2 * batch * a * b for a, b in pairs]
    return 2 * sum(per_layer) + sum(per_layer[1:])
