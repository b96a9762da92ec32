"""Many parameter sets of one architecture evaluated as ONE batched network (CNN, ResNet,
Transformer, GRU), without :func:`torch.func.vmap`.

A *stack* is a parameter dict whose tensors carry a leading axis of ``M`` parameter sets (grid
points of a landscape, points along a path). :func:`stacked_logits` returns the ``(M, N, C)``
logits of every set on a shared input ``x``; it equals ``vmap(arch.apply)`` to float rounding.

The forward pass is split in two, because the first layer of every family is **linear** in the
parameters (a convolution with its bias, an embedding plus positions, the GRU's input
projection): :func:`first_layer` gives one parameter set's first-layer output, and
:func:`rest_of_network` runs everything after it for a stack, from the stacked first-layer
outputs. A caller whose points are linear combinations of a few parameter sets (a landscape:
``θ + Σ cₐ Dₐ``; a path: ``(1 − α) θ_a + α θ_b``) then combines a few first-layer outputs
(:func:`combine_first`) instead of running the first layer once per point.

Layouts (``M`` sets, ``N`` samples), chosen so that each layer is one standard kernel. Stacked
first-layer outputs are always set-first, ``(M, N, …)``, so that combining them is one ``addmm``.

- CNN and ResNet: after the first layer (and, for the CNN, its pooling) ``(N, M·C, H, W)``: a
  convolution with per-set weights is one grouped convolution (``groups=M``); batch norm reads
  ``(N, M, C, H·W)``. A one-conv CNN stays set-first to its head.
- Transformer: ``(M, N, T, d)``; every projection is one ``baddbmm`` over the sets, attention is
  a batched product over ``(M, N, heads)``.
- GRU: the input projection is ``(M, N, T, 3H)``; each step of the recurrence is one
  ``baddbmm`` over the sets.

>>> import torch
>>> from catdyn.backends.torch.models.architectures import CNN
>>> net = CNN((1, 8, 8), (3, 4), 5)
>>> sets = [net.init(torch.Generator().manual_seed(s)) for s in range(3)]
>>> stack = {k: torch.stack([p[k] for p in sets]) for k in sets[0]}
>>> x = torch.randn(6, 1, 8, 8, generator=torch.Generator().manual_seed(9))
>>> out = stacked_logits(net, stack, x)
>>> ref = torch.stack([net.apply(p, x) for p in sets])
>>> out.shape, bool(torch.allclose(out, ref, atol=1e-5))
(torch.Size([3, 6, 5]), True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.backends.torch.models.architectures import (
    _EPS,
    CNN,
    GRU,
    MLP,
    Architecture,
    ResNet,
    Transformer,
    _activation,
)

Params = dict[str, Tensor]

MONOTONE = ("relu", "tanh", "sigmoid", "identity")
"""Activations that commute with max pooling (non-decreasing): pooled first, on 4× fewer values."""


def supports(arch: Architecture) -> bool:
    """Whether ``arch`` has a batched route here (CNN, ResNet, Transformer, GRU).

    >>> from catdyn.backends.torch.models.architectures import MLP, GRU
    >>> supports(GRU(3, 4, 2)), supports(MLP((2, 3, 2)))
    (True, False)
    """
    return isinstance(arch, (CNN, ResNet, Transformer, GRU))


def first_layer(arch: Architecture, params: Mapping[str, Tensor], x: Tensor) -> Tensor:
    """One parameter set's first-layer output (linear in ``params``: no activation yet).

    >>> from catdyn.backends.torch.models.architectures import GRU
    >>> net = GRU(3, 4, 2)
    >>> first_layer(net, net.init(torch.Generator().manual_seed(0)), torch.zeros(5, 7, 3)).shape
    torch.Size([5, 7, 12])
    """
    if isinstance(arch, CNN):
        out = F.conv2d(x, params["conv0.weight"], params["conv0.bias"], padding=arch.kernel // 2)
        return _as_blocks(out) if _pooled_in_blocks(arch, 0) else out
    if isinstance(arch, ResNet):
        return F.conv2d(x, params["stem.weight"], params["stem.bias"], padding=1)
    if isinstance(arch, Transformer):
        if arch.vocab is not None:
            return F.embedding(x, params["embed.weight"]) + params["pos"]
        return F.linear(x, params["embed.weight"], params["embed.bias"]) + params["pos"]
    if isinstance(arch, GRU):
        return F.linear(x, params["gru.weight_ih"], params["gru.bias_ih"])
    raise TypeError(f"no batched route for {arch.name}")


def stacked_first_layer(arch: Architecture, stack: Mapping[str, Tensor], x: Tensor) -> Tensor:
    """Every set's first-layer output in the stacked layout (see the module docstring)."""
    if isinstance(arch, (CNN, ResNet)):
        name = "conv0" if isinstance(arch, CNN) else "stem"
        w, b = stack[f"{name}.weight"], stack[f"{name}.bias"]
        pad = arch.kernel // 2 if isinstance(arch, CNN) else 1
        out = F.conv2d(x, w.reshape(-1, *w.shape[2:]), b.reshape(-1), padding=pad)  # (N, M·C, H, W)
        n, m = out.shape[0], w.shape[0]
        out = out.reshape(n, m, -1, *out.shape[2:]).transpose(0, 1)  # (M, N, C, H, W)
        return _as_blocks(out) if isinstance(arch, CNN) and _pooled_in_blocks(arch, 0) else out.contiguous()
    if isinstance(arch, Transformer):
        if arch.vocab is not None:
            emb = stack["embed.weight"][:, x]  # (M, N, T, d)
        else:
            m, (n, t) = stack["embed.weight"].shape[0], x.shape[:2]
            flat = x.reshape(1, n * t, -1).expand(m, -1, -1)
            emb = torch.baddbmm(stack["embed.bias"].unsqueeze(1), flat, stack["embed.weight"].transpose(1, 2))
            emb = emb.reshape(m, n, t, -1)
        return emb + stack["pos"].unsqueeze(1)
    if isinstance(arch, GRU):
        m, (n, t) = stack["gru.weight_ih"].shape[0], x.shape[:2]
        flat = x.reshape(1, n * t, -1).expand(m, -1, -1)
        gi = torch.baddbmm(stack["gru.bias_ih"].unsqueeze(1), flat, stack["gru.weight_ih"].transpose(1, 2))
        return gi.reshape(m, n, t, -1)
    raise TypeError(f"no batched route for {arch.name}")


def combine_first(base: Tensor | None, moves: Tensor, coeffs: Tensor) -> Tensor:
    """Stacked first-layer outputs ``(M, …)`` of the sets ``base + Σₐ coeffs[m, a]·moves[a]``
    (exact, the first layer being linear in the parameters): ``base`` is one set's
    :func:`first_layer` output (or ``None`` for zero), ``moves`` the ``(k, …)`` outputs of the k
    sets combined, ``coeffs`` ``(M, k)``. One ``addmm``.

    >>> from catdyn.backends.torch.models.architectures import GRU
    >>> net = GRU(2, 3, 2)
    >>> a, b = (net.init(torch.Generator().manual_seed(s)) for s in (0, 1))
    >>> x = torch.randn(4, 5, 2)
    >>> ends = torch.stack([first_layer(net, a, x), first_layer(net, b, x)])
    >>> mid = combine_first(None, ends, torch.tensor([[0.5, 0.5]]))
    >>> half = {k: (a[k] + b[k]) / 2 for k in a}
    >>> bool(torch.allclose(mid[0], first_layer(net, half, x), atol=1e-6))
    True
    """
    k, shape = moves.shape[0], moves.shape[1:]
    cf = coeffs.to(moves.dtype)
    if base is None:
        out = cf @ moves.reshape(k, -1)
    else:
        out = torch.addmm(base.reshape(1, -1), cf, moves.reshape(k, -1))
    return out.reshape(cf.shape[0], *shape)


def rest_of_network(
    arch: Architecture,
    stack: Mapping[str, Tensor],
    first: Tensor,
    *,
    train: bool = False,
    record: MutableMapping[str, Tensor] | None = None,
) -> Tensor:
    """The ``(M, N, C)`` logits of every set from its stacked first-layer output ``first``.
    ``train=True`` normalises batch norm with each set's own batch statistics (which go to
    ``record``, by buffer name, ``(M, C)`` each, when given)."""
    if isinstance(arch, CNN):
        return _cnn_rest(arch, stack, first, train, record)
    if isinstance(arch, ResNet):
        return _resnet_rest(arch, stack, first, train, record)
    if isinstance(arch, Transformer):
        return _transformer_rest(arch, stack, first)
    if isinstance(arch, GRU):
        return _gru_rest(arch, stack, first)
    raise TypeError(f"no batched route for {arch.name}")


def stacked_logits(
    arch: Architecture,
    stack: Mapping[str, Tensor],
    x: Tensor,
    *,
    train: bool = False,
    record: MutableMapping[str, Tensor] | None = None,
) -> Tensor:
    """The ``(M, N, C)`` logits of every set of ``stack`` on ``x`` (see the module docstring)."""
    return rest_of_network(arch, stack, stacked_first_layer(arch, stack, x), train=train, record=record)


def stacked_recalibrate(arch: Architecture, stack: Mapping[str, Tensor], x: Tensor) -> Params:
    """Every set's batch-norm running statistics recomputed on ``x`` (as
    :func:`~catdyn.backends.torch.models.architectures.recalibrate` per set); unchanged without.

    >>> from catdyn.backends.torch.models.architectures import CNN, recalibrate
    >>> net = CNN((1, 8, 8), (3,), 2, batch_norm=True)
    >>> sets = [net.init(torch.Generator().manual_seed(s)) for s in range(2)]
    >>> stack = {k: torch.stack([p[k] for p in sets]) for k in sets[0]}
    >>> x = torch.randn(5, 1, 8, 8)
    >>> out = stacked_recalibrate(net, stack, x)
    >>> bool(torch.allclose(out["bn0.running_var"][1], recalibrate(net, sets[1], x)["bn0.running_var"]))
    True
    """
    if not arch.buffers():
        return dict(stack)
    record: dict[str, Tensor] = {}
    stacked_logits(arch, stack, x, train=True, record=record)
    return {**stack, **record}


def point_chunk(arch: Architecture, x: Tensor, budget: int = 1 << 22) -> int:
    """How many sets to run at once: for the convolutional families about ``budget`` activations
    of the widest layer per chunk (16 MB in float32), so that a chunk's activations stay in
    cache; for the Transformer and the GRU 8× that, since their many small per-layer (per-step)
    products pay per call: on 2026-12-02 a 7×7 GRU grid took 28.8 s with the smaller chunks
    and 7.2 s with the larger ones (docs/performance.md)."""
    if isinstance(arch, (Transformer, GRU)):
        budget *= 8
    with torch.no_grad():
        probe = _probe_size(arch, x)
    return max(1, budget // max(1, probe))


def activation_size(arch: Architecture, x: Tensor) -> int:
    """About how many activations one set of parameters keeps at its widest layer on the
    samples ``x`` (a bound for chunking, not an exact count).

    >>> from catdyn.backends.torch.models.architectures import GRU, MLP
    >>> activation_size(GRU(1, 64, 10, seq_len=40), torch.zeros(100, 40, 1))  # samples × steps × 3 gates
    768000
    >>> activation_size(MLP((64, 32, 10)), torch.zeros(100, 64))
    6400
    """
    with torch.no_grad():
        return _probe_size(arch, x)


def _probe_size(arch: Architecture, x: Tensor) -> int:
    n = x.shape[0]
    if isinstance(arch, MLP):
        return n * max(arch.widths)
    if isinstance(arch, CNN):
        return n * arch.channels[0] * arch.input_shape[1] * arch.input_shape[2] * 2
    if isinstance(arch, ResNet):
        return n * max(arch.width, *arch.inner) * arch.input_shape[1] * arch.input_shape[2] * 3
    if isinstance(arch, Transformer):
        t = x.shape[1]
        return n * t * (4 * arch.d_model + max(arch.mlp) + max(arch.heads) * (3 * arch.head_dim + t))
    if isinstance(arch, GRU):
        return n * x.shape[1] * 3 * arch.hidden
    return n


def pool2x2(h: Tensor, kind: str) -> Tensor:
    """2×2 max or average pooling of ``(…, H, W)`` (odd edges dropped, as ``F.max_pool2d(h, 2)``)
    as two elementwise passes over strided views: on this project's CPU build 25–60× faster than
    ``F.max_pool2d`` for small feature maps with many channels (docs/performance.md).

    >>> h = torch.randn(2, 3, 5, 6)
    >>> bool(torch.equal(pool2x2(h, "max"), F.max_pool2d(h, 2)))
    True
    >>> bool(torch.allclose(pool2x2(h, "avg"), F.avg_pool2d(h, 2), atol=1e-6))
    True
    """
    hh, ww = h.shape[-2] // 2 * 2, h.shape[-1] // 2 * 2
    h = h[..., :hh, :ww]
    if kind == "max":
        rows = torch.maximum(h[..., 0::2, :], h[..., 1::2, :])
        return torch.maximum(rows[..., 0::2], rows[..., 1::2])
    rows = h[..., 0::2, :] + h[..., 1::2, :]
    return (rows[..., 0::2] + rows[..., 1::2]) * 0.25


# --- small convolutions as dense products --------------------------------------------------
DENSE_RATIO = 2
"""A CNN convolution after the first runs as one dense product per set when that costs at most
this many times the convolution's multiply-adds (its input map has ``H·W ≤ DENSE_RATIO·k²``
pixels): a fixed rule on the shapes, not a timing. At the small maps after pooling (4×4 for
digits) a batched dense product runs well above a grouped convolution's speed
(docs/performance.md)."""


def conv_input_sides(arch: CNN) -> list[tuple[int, int]]:
    """The input map ``(H, W)`` of each of ``arch``'s convolutions.

    >>> from catdyn.backends.torch.models.architectures import CNN
    >>> conv_input_sides(CNN((1, 8, 8), (8, 16), 10))
    [(8, 8), (4, 4)]
    """
    h, w = arch.input_shape[1:]
    sides = []
    for _ in arch.channels:
        sides.append((h, w))
        if arch.pool is not None:
            h, w = h // 2, w // 2
    return sides


def dense_layers(arch: Architecture) -> frozenset[int]:
    """The convolutions of a CNN that run as dense products (:data:`DENSE_RATIO`); the first
    never does (it is combined from a few first-layer outputs instead), nor any other family's.

    >>> from catdyn.backends.torch.models.architectures import CNN
    >>> sorted(dense_layers(CNN((1, 8, 8), (8, 16), 10))), sorted(dense_layers(CNN((1, 28, 28), (8, 16), 10)))
    ([1], [])
    """
    if not isinstance(arch, CNN):
        return frozenset()
    sides = conv_input_sides(arch)
    return frozenset(i for i in range(1, len(arch.channels)) if sides[i][0] * sides[i][1] <= DENSE_RATIO * arch.kernel**2)


def dense_matrix(weight: Tensor, side: tuple[int, int], pad: int, blocks: bool = False) -> Tensor:
    """The matrices of ``M`` same-padded convolutions (``weight``: ``(M, C_out, C_in, k, k)``) on
    a ``side`` map, without bias: ``(M, C_in·H·W, C_out·H·W)``, rows and columns channel-major,
    so that ``x.flatten(1) @ D[m]`` is set ``m``'s convolution of ``x`` (with ``blocks``, the
    columns in pooling-block order, :func:`_as_blocks`). Built by convolving the identity basis:
    each entry is one kernel weight or zero. Linear in ``weight``.

    >>> import torch
    >>> w = torch.randn(1, 3, 2, 3, 3)
    >>> x = torch.randn(5, 2, 4, 4)
    >>> d = dense_matrix(w, (4, 4), 1)
    >>> ref = F.conv2d(x, w[0], padding=1).flatten(1)
    >>> d.shape, bool(torch.allclose(x.flatten(1) @ d[0], ref, atol=1e-5))
    (torch.Size([1, 32, 48]), True)
    """
    m, c_out, c_in = weight.shape[:3]
    h, w = side
    basis = torch.eye(c_in * h * w, dtype=weight.dtype, device=weight.device).reshape(-1, c_in, h, w)
    out = F.conv2d(basis.repeat(1, m, 1, 1), weight.reshape(-1, *weight.shape[2:]), None, padding=pad, groups=m)
    out = out.reshape(c_in * h * w, m, c_out, h, w)
    if blocks:
        out = _as_blocks(out)
    return out.reshape(c_in * h * w, m, c_out * h * w).transpose(0, 1).contiguous()


def with_dense(arch: Architecture, params: Mapping[str, Tensor], stacked: bool = True) -> Params:
    """``params`` with each dense convolution's matrix added as ``conv{i}.dense`` (one parameter
    set, or a stack with ``stacked``). The matrix is linear in the weights, so a caller that
    forms its points as linear combinations of a few parameter sets (a path, a landscape) may
    combine these matrices with the same coefficients, instead of building one per point.

    >>> from catdyn.backends.torch.models.architectures import CNN
    >>> net = CNN((1, 8, 8), (3, 4), 5)
    >>> p = with_dense(net, net.init(torch.Generator().manual_seed(0)), stacked=False)
    >>> p["conv1.dense"].shape
    torch.Size([48, 64])
    """
    out = dict(params)
    if not isinstance(arch, CNN):
        return out
    sides = conv_input_sides(arch)
    for i in dense_layers(arch):
        w = params[f"conv{i}.weight"]
        d = dense_matrix(w if stacked else w.unsqueeze(0), sides[i], arch.kernel // 2, _pooled_in_blocks(arch, i))
        out[f"conv{i}.dense"] = d if stacked else d[0]
    return out


def _dense_conv(h: Tensor, stack: Mapping[str, Tensor], arch: CNN, i: int) -> Tensor:
    """Convolution ``i`` of set-first ``(M, N, C, H, W)`` as one batched dense product (its matrix
    from ``stack`` when given there, else built): ``(M, N, C', H, W)``, or its pooling blocks
    ``(M, N, 4, C', H/2, W/2)`` where :func:`_pooled_in_blocks` says so."""
    m, n, _, hh, ww = h.shape
    blocks = _pooled_in_blocks(arch, i)
    d = stack.get(f"conv{i}.dense")
    if d is None:
        d = dense_matrix(stack[f"conv{i}.weight"], (hh, ww), arch.kernel // 2, blocks)
    bias = stack[f"conv{i}.bias"][:, :, None, None].expand(m, arch.channels[i], hh, ww)
    if blocks:
        bias = _as_blocks(bias)
    out = torch.baddbmm(bias.reshape(m, 1, -1), h.reshape(m, n, -1), d)
    return out.reshape(m, n, 4, arch.channels[i], hh // 2, ww // 2) if blocks else out.reshape(m, n, -1, hh, ww)


# --- the families ---------------------------------------------------------------------------
def _norm(h: Tensor, m: int, stack: Mapping[str, Tensor], prefix: str, train: bool, record: Any) -> Tensor:
    """Batch norm with per-set statistics and affine terms, of ``(M, N, C, H, W)`` (set-first)
    or of ``(N, M·C, H, W)`` (grouped: told apart by the number of axes)."""
    grouped = h.dim() == 4
    if grouped:
        n, mc, hh, ww = h.shape
        v, dims, shape = h.reshape(n, m, mc // m, hh * ww), (0, 3), (1, m, -1, 1)
    else:
        v, dims, shape = h.reshape(m, h.shape[1], h.shape[2], -1), (1, 3), (m, 1, -1, 1)
    if train:
        mean = v.mean(dim=dims)
        var = v.var(dim=dims, unbiased=False)
        if record is not None:
            record[f"{prefix}.running_mean"] = mean
            record[f"{prefix}.running_var"] = var
    else:
        mean, var = stack[f"{prefix}.running_mean"], stack[f"{prefix}.running_var"]
    scale = stack[f"{prefix}.weight"] / torch.sqrt(var + _EPS)
    shift = stack[f"{prefix}.bias"] - mean * scale
    return (v * scale.reshape(shape) + shift.reshape(shape)).reshape(h.shape)


def _to_grouped(h: Tensor) -> Tensor:
    """``(M, N, C, H, W)`` → ``(N, M·C, H, W)`` (a grouped tensor is returned as it is)."""
    if h.dim() == 4:
        return h
    m, n, c = h.shape[:3]
    return h.transpose(0, 1).reshape(n, m * c, *h.shape[3:])


def _to_set_first(h: Tensor, m: int) -> Tensor:
    """``(N, M·C, H, W)`` → ``(M, N, C, H, W)`` (a set-first tensor is returned as it is)."""
    if h.dim() == 5:
        return h
    n, mc = h.shape[:2]
    return h.reshape(n, m, mc // m, *h.shape[2:]).transpose(0, 1)


def _head(stack: Mapping[str, Tensor], z: Tensor) -> Tensor:
    """``(M, N, F)`` features through per-set heads: ``(M, N, C)`` logits, computed classes-first
    (a transposed view of a contiguous ``(M, C, N)``: the loss is fastest over that layout)."""
    return torch.baddbmm(stack["head.bias"].unsqueeze(2), stack["head.weight"], z.transpose(1, 2)).transpose(1, 2)


def _grouped_conv(h: Tensor, w: Tensor, b: Tensor, pad: int) -> Tensor:
    """``(N, M·Cin, H, W)`` through per-set weights ``w`` ``(M, Cout, Cin, k, k)``: one grouped conv."""
    return F.conv2d(h, w.reshape(-1, *w.shape[2:]), b.reshape(-1), padding=pad, groups=w.shape[0])


def _cnn_rest(arch: CNN, stack: Mapping[str, Tensor], first: Tensor, train: bool, record: Any) -> Tensor:
    act = _activation(arch.activation)
    m = stack["conv0.weight"].shape[0]
    pool_first = arch.pool == "max" and arch.activation in MONOTONE
    dense = dense_layers(arch)
    h = first.reshape(m, -1, *first.shape[-4 if _pooled_in_blocks(arch, 0) else -3 :])
    for i in range(len(arch.channels)):
        if i in dense:
            h = _dense_conv(_to_set_first(h, m), stack, arch, i)
        elif i > 0:
            h = _grouped_conv(_to_grouped(h), stack[f"conv{i}.weight"], stack[f"conv{i}.bias"], arch.kernel // 2)
        if arch.batch_norm:
            h = _norm(h, m, stack, f"bn{i}", train, record)
        if not pool_first:
            h = act(h)
        if arch.pool is not None:
            h = _pool_blocks(h, arch.pool) if _pooled_in_blocks(arch, i) else pool2x2(h, arch.pool)
        if pool_first:
            h = h.relu_() if arch.activation == "relu" else act(h)
    h = _to_set_first(h, m)  # (M, N, C, h, w)
    z = h.flatten(2) if arch.readout == "flatten" else h.mean(dim=(-2, -1))  # channel-major, as the head
    return _head(stack, z)


def _pooled_in_blocks(arch: CNN, i: int) -> bool:
    """Whether convolution ``i`` of ``arch`` hands its output over in pooling-block order (see
    :func:`_as_blocks`): the first convolution and the dense ones, when a pooling follows that
    covers the whole map (even sides) and no batch norm needs the channels in their place."""
    if arch.pool is None or arch.batch_norm or not (i == 0 or i in dense_layers(arch)):
        return False
    h, w = conv_input_sides(arch)[i]
    return h % 2 == 0 and w % 2 == 0


def _as_blocks(h: Tensor) -> Tensor:
    """``(…, C, H, W)`` → ``(…, 4, C, H/2, W/2)``, the four members of each 2×2 pooling window in
    four contiguous blocks, each channel-major: pooling is then an elementwise pass over four
    blocks instead of over strided views (about 3× faster on this project's CPU for the digits
    CNN's first layer, docs/performance.md)."""
    *lead, c, hh, ww = h.shape
    v = h.reshape(*lead, c, hh // 2, 2, ww // 2, 2)
    k = len(lead)
    return v.permute(*range(k), k + 2, k + 4, k, k + 1, k + 3).reshape(*lead, 4, c, hh // 2, ww // 2)


def _pool_blocks(h: Tensor, kind: str) -> Tensor:
    """2×2 pooling of ``(…, 4, C, h, w)`` blocks (:func:`_as_blocks`): ``(…, C, h, w)``. Max
    pooling is one reduction over the block axis (one pass over the blocks, where three
    pairwise maxima read them one and a half times; exact either way, NaN kept)."""
    if kind == "max":
        return h.amax(dim=-4)
    b = h.unbind(-4)
    return (b[0] + b[1] + b[2] + b[3]) * 0.25


def _resnet_rest(arch: ResNet, stack: Mapping[str, Tensor], first: Tensor, train: bool, record: Any) -> Tensor:
    act = _activation(arch.activation)
    m = stack["stem.weight"].shape[0]
    h = first.reshape(m, -1, arch.width, *arch.input_shape[1:])  # (M, N, C, H, W)
    bn = arch.batch_norm
    if bn:
        h = _norm(h, m, stack, "stem_bn", train, record)
    h = _to_grouped(act(h))
    for b in range(len(arch.inner)):
        p = f"block{b}"
        u = _grouped_conv(h, stack[f"{p}.conv1.weight"], stack[f"{p}.conv1.bias"], 1)
        if bn:
            u = _norm(u, m, stack, f"{p}.bn1", train, record)
        u = _grouped_conv(act(u), stack[f"{p}.conv2.weight"], stack[f"{p}.conv2.bias"], 1)
        if bn:
            u = _norm(u, m, stack, f"{p}.bn2", train, record)
        h = act(h + u)
    z = h.mean(dim=(-2, -1)).reshape(h.shape[0], m, -1).transpose(0, 1)  # (M, N, width)
    return _head(stack, z)


def _linear(u: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """``(M, …, in)`` through per-set ``w`` ``(M, out, in)`` and ``b`` ``(M, out)``: one baddbmm."""
    m, inner = u.shape[0], u.shape[1:-1]
    out = torch.baddbmm(b.unsqueeze(1), u.reshape(m, -1, u.shape[-1]), w.transpose(1, 2))
    return out.reshape(m, *inner, w.shape[1])


def _layer_norm(u: Tensor, stack: Mapping[str, Tensor], prefix: str) -> Tensor:
    w, b = stack[f"{prefix}.weight"], stack[f"{prefix}.bias"]
    shape = (w.shape[0],) + (1,) * (u.dim() - 2) + (w.shape[1],)
    return F.layer_norm(u, (u.shape[-1],), eps=_EPS) * w.reshape(shape) + b.reshape(shape)


def _transformer_rest(arch: Transformer, stack: Mapping[str, Tensor], first: Tensor) -> Tensor:
    h = first  # (M, N, T, d)
    m, n, t, _ = h.shape
    dh = arch.head_dim
    for li, heads in enumerate(arch.heads):
        p = f"layer{li}"
        u = _layer_norm(h, stack, f"{p}.ln1")

        def split(proj: str, u: Tensor = u, p: str = p, heads: int = heads) -> Tensor:
            out = _linear(u, stack[f"{p}.attn.{proj}.weight"], stack[f"{p}.attn.{proj}.bias"])
            return out.reshape(m, n, t, heads, dh).transpose(2, 3)  # (M, N, heads, T, dh)

        q, k, v = split("q"), split("k"), split("v")
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        o = (att @ v).transpose(2, 3).reshape(m, n, t, heads * dh)
        h = h + _linear(o, stack[f"{p}.attn.out.weight"], stack[f"{p}.attn.out.bias"])
        u = _layer_norm(h, stack, f"{p}.ln2")
        u = F.gelu(_linear(u, stack[f"{p}.mlp.fc1.weight"], stack[f"{p}.mlp.fc1.bias"]))
        h = h + _linear(u, stack[f"{p}.mlp.fc2.weight"], stack[f"{p}.mlp.fc2.bias"])
    return _head(stack, _layer_norm(h, stack, "ln_f").mean(dim=-2))


def _gru_rest(arch: GRU, stack: Mapping[str, Tensor], first: Tensor) -> Tensor:
    gi = first  # (M, N, T, 3H)
    m, n, t, _ = gi.shape
    w_hh_t = stack["gru.weight_hh"].transpose(1, 2)  # (M, H, 3H)
    b_hh = stack["gru.bias_hh"].unsqueeze(1)
    h = gi.new_zeros(m, n, arch.hidden)
    for s in range(t):
        gh = torch.baddbmm(b_hh, h, w_hh_t)
        i_r, i_z, i_n = gi[:, :, s].chunk(3, dim=-1)
        h_r, h_z, h_n = gh.chunk(3, dim=-1)
        r = torch.sigmoid(i_r + h_r)
        z = torch.sigmoid(i_z + h_z)
        cand = torch.tanh(i_n + r * h_n)
        h = (1 - z) * cand + z * h
    return _head(stack, h)
