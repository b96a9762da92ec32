"""The five architecture families as composites of parametrised maps (stages), so that the
functor ``Para → Learn`` can act stage by stage, and the composed learners' gradients can be
compared with torch autograd on the whole network.

Each family is cut where its data flows through one tensor:

- MLP: one stage per layer (linear, then the activation; the last layer is linear);
- CNN: one stage per conv block (conv, activation, pooling), then the readout and head;
- ResNet: the stem, one stage per residual block (``h ↦ act(h + conv2(act(conv1(h))))``), the head;
- Transformer: the embedding (with positions), one stage per layer (attention and MLP with
  their residuals), the final norm, pooling and head (real-valued inputs: a learner's
  request on integer token ids has no meaning);
- GRU: the recurrence over the sequence (one stage: its weights are shared across time steps),
  then the head.

Batch norm is not supported (its batch statistics couple the examples of a batch; the stages
here are maps of one batch, and ``apply`` uses stored statistics, which the learner would not
update). :func:`stages` refuses it with a clear error. The tests check that the composite of
the stages *is* ``arch.apply``, to 1e-12.

>>> import torch
>>> from catdyn.backends.torch.models.architectures import MLP
>>> net = MLP((4, 5, 3))
>>> chain = stages(net, batch=2)
>>> [s.para.name for s in chain], chain[0].names
(['fc0', 'fc1'], ('fc0.weight', 'fc0.bias'))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.backends.torch.functors.learners import nest
from catdyn.backends.torch.models.architectures import (
    CNN,
    GRU,
    MLP,
    Architecture,
    ResNet,
    Transformer,
    _activation,
)
from catdyn.categories.learn import ParaMap, Space
from catdyn.errors import LearnerError

Fn = Callable[[Mapping[str, Tensor], Tensor], Tensor]


@dataclass(frozen=True)
class Stage:
    """A stage: a parametrised map whose parameter is the tuple of ``names``' tensors."""

    para: ParaMap
    names: tuple[str, ...]


def _stage(name: str, dom: Space, cod: Space, names: Sequence[str], fn: Fn) -> Stage:
    keys = tuple(names)
    return Stage(ParaMap(name, dom, cod, lambda p, a: fn(dict(zip(keys, p)), a)), keys)


def _space(shape: Sequence[int]) -> Space:
    return Space("R" + "x".join(map(str, shape)), tuple(shape))


def stage_params(chain: Sequence[Stage], params: Mapping[str, Tensor]) -> Any:
    """The composite's nested parameter ``((p1, p2), p3)…`` from an architecture's dict."""
    return nest([tuple(params[n] for n in s.names) for s in chain])


def stages(arch: Architecture, batch: int) -> list[Stage]:
    """The stages of ``arch`` for a batch of ``batch`` inputs (see the module docstring)."""
    if getattr(arch, "batch_norm", False):
        raise LearnerError(
            f"{arch.name} uses batch norm, whose batch statistics are not a parametrised map of one input",
            "Build the architecture with batch_norm=False to study it as a composite of learners",
        )
    for kind, build in ((MLP, _mlp), (CNN, _cnn), (ResNet, _resnet), (Transformer, _transformer), (GRU, _gru)):
        if isinstance(arch, kind):
            return build(arch, batch)  # type: ignore[operator]
    raise LearnerError(f"no stage decomposition for {arch.name}", "Use MLP, CNN, ResNet, Transformer or GRU")


def _mlp(arch: MLP, n: int) -> list[Stage]:
    act = _activation(arch.activation)
    out = []
    last = len(arch.widths) - 2
    for i in range(len(arch.widths) - 1):
        w, b = f"fc{i}.weight", f"fc{i}.bias"

        def fn(p: Mapping[str, Tensor], a: Tensor, w: str = w, b: str = b, hidden: bool = i < last) -> Tensor:
            h = F.linear(a, p[w], p[b])
            return act(h) if hidden else h

        out.append(_stage(f"fc{i}", _space((n, arch.widths[i])), _space((n, arch.widths[i + 1])), (w, b), fn))
    return out


def _cnn(arch: CNN, n: int) -> list[Stage]:
    act = _activation(arch.activation)
    c, h, w = arch.input_shape
    out = []
    for i, ch in enumerate(arch.channels):
        names = (f"conv{i}.weight", f"conv{i}.bias")

        def fn(p: Mapping[str, Tensor], a: Tensor, names: tuple[str, str] = names) -> Tensor:
            x = act(F.conv2d(a, p[names[0]], p[names[1]], padding=arch.kernel // 2))
            if arch.pool == "max":
                x = F.max_pool2d(x, 2)
            elif arch.pool == "avg":
                x = F.avg_pool2d(x, 2)
            return x

        dom = _space((n, c, h, w))
        if arch.pool in ("max", "avg"):
            h, w = h // 2, w // 2
        c = ch
        out.append(_stage(f"conv{i}", dom, _space((n, c, h, w)), names, fn))

    def head(p: Mapping[str, Tensor], a: Tensor) -> Tensor:
        z = a.flatten(-3) if arch.readout == "flatten" else a.mean(dim=(-2, -1))
        return F.linear(z, p["head.weight"], p["head.bias"])

    out.append(_stage("head", _space((n, c, h, w)), _space((n, arch.classes)), ("head.weight", "head.bias"), head))
    return out


def _resnet(arch: ResNet, n: int) -> list[Stage]:
    act = _activation(arch.activation)
    c, h, w = arch.input_shape
    stream = _space((n, arch.width, h, w))
    out = [
        _stage(
            "stem",
            _space((n, c, h, w)),
            stream,
            ("stem.weight", "stem.bias"),
            lambda p, a: act(F.conv2d(a, p["stem.weight"], p["stem.bias"], padding=1)),
        )
    ]
    for b in range(len(arch.inner)):
        names = tuple(f"block{b}.{k}" for k in ("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"))

        def block(p: Mapping[str, Tensor], a: Tensor, k: tuple[str, ...] = names) -> Tensor:
            u = act(F.conv2d(a, p[k[0]], p[k[1]], padding=1))
            return act(a + F.conv2d(u, p[k[2]], p[k[3]], padding=1))

        out.append(_stage(f"block{b}", stream, stream, names, block))
    out.append(
        _stage(
            "head",
            stream,
            _space((n, arch.classes)),
            ("head.weight", "head.bias"),
            lambda p, a: F.linear(a.mean(dim=(-2, -1)), p["head.weight"], p["head.bias"]),
        )
    )
    return out


def _transformer(arch: Transformer, n: int) -> list[Stage]:
    if arch.vocab is not None:
        raise LearnerError(
            f"{arch.name} reads integer token ids, on which a learner's request has no meaning",
            "Use a Transformer with real-valued inputs (vocab=None)",
        )
    t, d = arch.seq_len, arch.d_model
    stream = _space((n, t, d))
    out = [
        _stage(
            "embed",
            _space((n, t, arch.input_dim)),
            stream,
            ("embed.weight", "embed.bias", "pos"),
            lambda p, a: F.linear(a, p["embed.weight"], p["embed.bias"]) + p["pos"],
        )
    ]
    for li, heads in enumerate(arch.heads):
        pre = f"layer{li}"
        names = tuple(
            f"{pre}.{k}.{s}"
            for k in ("ln1", "attn.q", "attn.k", "attn.v", "attn.out", "ln2", "mlp.fc1", "mlp.fc2")
            for s in ("weight", "bias")
        )

        def layer(p: Mapping[str, Tensor], a: Tensor, pre: str = pre, heads: int = heads) -> Tensor:
            return _transformer_layer(arch, p, a, pre, heads)

        out.append(_stage(pre, stream, stream, names, layer))

    def head(p: Mapping[str, Tensor], a: Tensor) -> Tensor:
        z = F.layer_norm(a, (d,), p["ln_f.weight"], p["ln_f.bias"], eps=1e-5).mean(dim=-2)
        return F.linear(z, p["head.weight"], p["head.bias"])

    out.append(_stage("head", stream, _space((n, arch.classes)), ("ln_f.weight", "ln_f.bias", "head.weight", "head.bias"), head))
    return out


def _transformer_layer(arch: Transformer, p: Mapping[str, Tensor], h: Tensor, pre: str, heads: int) -> Tensor:
    """One pre-norm Transformer layer, as the architecture computes it."""
    n, t, d = h.shape
    dh = arch.head_dim
    u = F.layer_norm(h, (d,), p[f"{pre}.ln1.weight"], p[f"{pre}.ln1.bias"], eps=1e-5)

    def split(proj: str) -> Tensor:
        out = F.linear(u, p[f"{pre}.attn.{proj}.weight"], p[f"{pre}.attn.{proj}.bias"])
        return out.reshape(n, t, heads, dh).transpose(1, 2)

    q, k, v = split("q"), split("k"), split("v")
    att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh), dim=-1)
    o = (att @ v).transpose(1, 2).reshape(n, t, heads * dh)
    h = h + F.linear(o, p[f"{pre}.attn.out.weight"], p[f"{pre}.attn.out.bias"])
    u = F.layer_norm(h, (d,), p[f"{pre}.ln2.weight"], p[f"{pre}.ln2.bias"], eps=1e-5)
    u = F.gelu(F.linear(u, p[f"{pre}.mlp.fc1.weight"], p[f"{pre}.mlp.fc1.bias"]))
    return h + F.linear(u, p[f"{pre}.mlp.fc2.weight"], p[f"{pre}.mlp.fc2.bias"])


def _gru(arch: GRU, n: int) -> list[Stage]:
    names = ("gru.weight_ih", "gru.weight_hh", "gru.bias_ih", "gru.bias_hh")

    def recur(p: Mapping[str, Tensor], x: Tensor) -> Tensor:
        gi = F.linear(x, p["gru.weight_ih"], p["gru.bias_ih"])
        h = torch.zeros(x.shape[0], arch.hidden, dtype=gi.dtype)
        for step in range(x.shape[1]):
            i_r, i_z, i_n = gi[:, step].chunk(3, dim=-1)
            h_r, h_z, h_n = F.linear(h, p["gru.weight_hh"], p["gru.bias_hh"]).chunk(3, dim=-1)
            r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
            h = (1 - z) * torch.tanh(i_n + r * h_n) + z * h
        return h

    hidden = _space((n, arch.hidden))
    return [
        _stage("gru", _space((n, arch.seq_len, arch.input_dim)), hidden, names, recur),
        _stage(
            "head",
            hidden,
            _space((n, arch.classes)),
            ("head.weight", "head.bias"),
            lambda p, a: F.linear(a, p["head.weight"], p["head.bias"]),
        ),
    ]
