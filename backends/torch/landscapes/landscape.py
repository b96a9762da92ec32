"""Loss-landscape slices: the loss on a 1-D, 2-D or k-D grid around a minimum, along random
filter-normalised directions (Li et al. 2018).

**Directions** (:func:`random_directions`): Gaussian tensors shaped like the parameters.
``normalisation="filter"`` (the default) rescales each filter — each row of a weight along its
output axis (a unit, a channel) — to the norm of the same filter of θ; ``"layer"`` rescales
whole tensors; ``"none"`` keeps the raw draw. One-dimensional parameters (biases, norm
scales and shifts) follow ``bias_norm``: ``"zero"`` (not moved, Li et al.'s ``biasbn``
default), ``"copy"`` (the direction is the parameter itself) or ``"normalise"`` (the
tensor as one filter). Batch-norm running statistics are never moved.

**Grid** (:func:`grid_coordinates`): ``values[i, j, …] = L(θ + c₀[i]·D₀ + c₁[j]·D₁ + …)``
— axis a of the grid is direction a ("ij" indexing), with ``cₐ = linspace(−span, span, steps)``.
The centre point of an odd grid is θ itself.

**Data**: the full set given (``data="full(n=…)"``) or a fixed random batch
(``batch=n``, ``data="batch(n=…, seed=…)"``); the loss is the mean cross-entropy (``metric=
"loss"``) or the error rate (``metric="error"``).

**Methods**, all named in the result:

- ``"affine"`` (MLPs without batch norm): the first layer's pre-activation is affine in the
  grid coordinates, ``X(W + Σ cₐDₐ)ᵀ + (b + Σ cₐdₐ) = (XWᵀ + b) + Σ cₐ (XDₐᵀ + dₐ)``, so
  k + 1 products serve the whole grid; later layers use per-point weights in one batched
  product per chunk of grid points;
- ``"batched"`` (CNN, ResNet, Transformer, GRU): a chunk of grid points runs as one batched
  network (grouped convolutions, batched attention, a batched recurrence), the first layer's
  output combined from k + 1 passes as above (:mod:`~catdyn.backends.torch.landscapes.batched_route`);
- ``"vmap"``: any architecture, ``torch.func.vmap`` over a chunk of grid points;
- ``"loop"``: the naive reference, one forward pass per grid point.

**Batch norm** (``batch_norm=``): ``"stored"`` evaluates with the stored running statistics
(unmoved), ``"recompute"`` normalises with the evaluation data's own statistics at every
grid point (as if recalibrated there; the data is then one batch). ``"auto"`` picks the
affine method where it applies, else the batched one where it applies, else vmap.

>>> import torch
>>> from catdyn.backends.torch.models.architectures import MLP
>>> net = MLP((4, 8, 3))
>>> theta = net.init(torch.Generator().manual_seed(0))
>>> x, y = torch.randn(32, 4, generator=torch.Generator().manual_seed(1)), torch.arange(32) % 3
>>> ls = loss_landscape(net, theta, x, y, steps=5, span=0.5, seed=0)
>>> ls.values.shape, ls.method, ls.data
((5, 5), 'affine', 'full(n=32)')
>>> ref = loss_landscape(net, theta, x, y, steps=5, span=0.5, seed=0, method="loop")
>>> float(abs(ls.values - ref.values).max()) < 1e-5
True
>>> import torch.nn.functional as F
>>> abs(ls.centre_value - F.cross_entropy(net.apply(theta, x), y).item()) < 1e-6
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.backends.torch.landscapes.batched_route import batched_sums, metric_sums
from catdyn.backends.torch.models import batched
from catdyn.backends.torch.models.architectures import ACTIVATIONS, MLP, Architecture
from catdyn.errors import TopologyError

Params = dict[str, Tensor]
NORMALISATIONS: tuple[str, ...] = ("filter", "layer", "none")
BIAS_NORM: tuple[str, ...] = ("zero", "copy", "normalise")
METHODS: tuple[str, ...] = ("auto", "affine", "batched", "vmap", "loop")
METRICS: tuple[str, ...] = ("loss", "error")
BATCH_NORM: tuple[str, ...] = ("stored", "recompute")


def _choose(kind: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise TopologyError.unknown(kind, value, choices)


def random_directions(
    arch: Architecture,
    params: Mapping[str, Tensor],
    k: int = 2,
    *,
    seed: int = 0,
    normalisation: str = "filter",
    bias_norm: str = "zero",
) -> list[Params]:
    """``k`` random directions shaped like ``params`` (see the module docstring).

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((3, 5, 2))
    >>> theta = net.init(torch.Generator().manual_seed(0))
    >>> d = random_directions(net, theta, k=1, seed=0)[0]
    >>> bool(torch.allclose(d["fc0.weight"].norm(dim=1), theta["fc0.weight"].norm(dim=1)))
    True
    >>> float(d["fc0.bias"].abs().sum())
    0.0
    """
    _choose("direction normalisation", normalisation, NORMALISATIONS)
    _choose("bias/norm handling", bias_norm, BIAS_NORM)
    buffers = set(arch.buffers())
    gen = torch.Generator().manual_seed(int(seed))
    out: list[Params] = []
    for _ in range(k):
        d: Params = {}
        for name, p in params.items():
            r = torch.randn(p.shape, generator=gen, dtype=p.dtype).to(p.device)
            if name in buffers:
                d[name] = torch.zeros_like(p)
            elif p.dim() <= 1:
                if bias_norm == "zero":
                    d[name] = torch.zeros_like(p)
                elif bias_norm == "copy":
                    d[name] = p.detach().clone()
                else:
                    d[name] = r * (p.norm() / (r.norm() + 1e-12))
            elif normalisation == "filter":
                rn = r.flatten(1).norm(dim=1).clamp_min(1e-12)
                pn = p.detach().flatten(1).norm(dim=1)
                d[name] = r * (pn / rn).reshape(-1, *([1] * (p.dim() - 1)))
            elif normalisation == "layer":
                d[name] = r * (p.detach().norm() / (r.norm() + 1e-12))
            else:
                d[name] = r
        out.append(d)
    return out


def grid_coordinates(
    steps: int | Sequence[int], span: float | Sequence[float], k: int
) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """The per-axis coordinates ``linspace(−span, span, steps)`` and the ``(G, k)`` array of
    every grid point in "ij" (C) order: the last axis varies fastest.

    >>> coords, points = grid_coordinates(3, 1.0, 2)
    >>> coords[0].tolist(), points[:4].tolist()
    ([-1.0, 0.0, 1.0], [[-1.0, -1.0], [-1.0, 0.0], [-1.0, 1.0], [0.0, -1.0]])
    """
    steps_t = [int(steps)] * k if isinstance(steps, (int, np.integer)) else [int(s) for s in steps]
    spans = [float(span)] * k if isinstance(span, (int, float)) else [float(s) for s in span]
    if len(steps_t) != k or len(spans) != k or min(steps_t) < 1:
        raise TopologyError(
            f"a {k}-D grid needs {k} step counts and spans, got steps={steps!r}, span={span!r}",
            "Give one number for every axis, or a single number for all",
        )
    coords = tuple(np.linspace(-s, s, n) for s, n in zip(spans, steps_t))
    mesh = np.meshgrid(*coords, indexing="ij")
    points = np.stack([m.ravel() for m in mesh], axis=1)
    return coords, points


@dataclass(frozen=True, eq=False)
class Landscape:
    """A grid of metric values around θ and how it was made: ``values`` (shape = steps per
    axis; axis a is direction a), the per-axis ``coords``, the ``method``, the ``data``
    description, the ``metric``, the direction options and ``seed``, ``batch_norm``.

    >>> ls = Landscape(np.zeros((3, 3)), (np.arange(3.0),) * 2, "loop", "full(n=1)", "loss")
    >>> ls.centre_value, ls.k
    (0.0, 2)
    """

    values: np.ndarray
    coords: tuple[np.ndarray, ...]
    method: str
    data: str
    metric: str
    normalisation: str = "filter"
    bias_norm: str = "zero"
    seed: int = 0
    batch_norm: str = "stored"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def k(self) -> int:
        """How many directions (grid axes)."""
        return self.values.ndim

    @property
    def centre_value(self) -> float:
        """The value at the central grid point (θ itself for odd step counts)."""
        return float(self.values[tuple(n // 2 for n in self.values.shape)])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (values as nested lists)."""
        return {
            "values": self.values.tolist(),
            "coords": [c.tolist() for c in self.coords],
            "method": self.method,
            "data": self.data,
            "metric": self.metric,
            "normalisation": self.normalisation,
            "bias_norm": self.bias_norm,
            "seed": self.seed,
            "batch_norm": self.batch_norm,
        }


def function_grid(
    fn: Callable[[Tensor], Tensor],
    centre: Tensor,
    directions: Tensor,
    steps: int | Sequence[int] = 21,
    span: float | Sequence[float] = 1.0,
    chunk: int = 1024,
) -> Landscape:
    """A grid of a function of a parameter vector: ``fn`` maps a ``(G, d)`` batch of points to
    ``(G,)`` values; the points are ``centre + Σ cₐ directions[a]``. The same grid geometry
    as :func:`loss_landscape` (used on known surfaces in the tests).

    >>> bowl = lambda th: (th ** 2).sum(dim=1)
    >>> ls = function_grid(bowl, torch.zeros(2, dtype=torch.float64), torch.eye(2, dtype=torch.float64), 3)
    >>> ls.values.tolist()
    [[2.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 1.0, 2.0]]
    """
    directions = directions.reshape(len(directions), -1)
    k = directions.shape[0]
    coords, points = grid_coordinates(steps, span, k)
    pts = torch.as_tensor(points, dtype=centre.dtype, device=centre.device)
    out = []
    with torch.no_grad():
        for s in range(0, len(pts), chunk):
            c = pts[s : s + chunk]
            out.append(fn(centre.reshape(1, -1) + c @ directions).reshape(-1))
    values = torch.cat(out).cpu().numpy().astype(np.float64).reshape([len(c) for c in coords])
    return Landscape(values, coords, "function", "none", "value", "none", "none", 0, "none")


def _affine_mlp(
    arch: MLP,
    params: Mapping[str, Tensor],
    dirs: Sequence[Mapping[str, Tensor]],
    x: Tensor,
    y: Tensor,
    pts: Tensor,
    chunk: int,
    metric: str,
) -> Tensor:
    """The affine method: the first layer's pre-activation at every grid point is one product
    of the coefficients ``(1, c)`` and the base and k direction products (computed once); later layers are
    batched products. The last layer writes logits classes-first, ``(G, C, N)``: softmax and
    cross-entropy over a class axis of 10 run an order of magnitude faster that way than
    over a trailing axis of 10 (measured: 0.13 ms against 1.7 ms for 16 × 1,000 logits)."""
    act = ACTIVATIONS[arch.activation]
    layers = len(arch.widths) - 1
    w0, b0 = params["fc0.weight"], params["fc0.bias"]
    n, h1 = x.shape[0], w0.shape[0]
    # θ's pre-activation is one more anchor with coefficient 1: a plain product, where addmm
    # would first copy the broadcast base into every row of the block
    anchors = torch.stack([F.linear(x, w0, b0)] + [F.linear(x, d["fc0.weight"], d["fc0.bias"]) for d in dirs])
    anchors = anchors.reshape(len(dirs) + 1, -1)  # (k + 1, N·h1)
    dw = [torch.stack([d[f"fc{i}.weight"] for d in dirs]) for i in range(1, layers)]
    db = [torch.stack([d[f"fc{i}.bias"] for d in dirs]) for i in range(1, layers)]
    # grid points per block: at most ~8 MB of first-layer activations, so a block stays in cache
    chunk = max(1, min(chunk, (8 << 20) // (anchors.element_size() * n * h1)))
    buf = torch.empty(min(chunk, len(pts)), n * h1, dtype=anchors.dtype, device=anchors.device)  # reused
    targets = y.expand(min(chunk, len(pts)), n).contiguous()  # made once: the loss wants them contiguous
    sums = []
    for s in range(0, len(pts), chunk):
        c = pts[s : s + chunk]  # (G, k)
        g = len(c)
        coeffs = torch.cat([torch.ones_like(c[:, :1]), c], dim=1).to(anchors.dtype)
        h = torch.mm(coeffs, anchors, out=buf[:g]).view(g, n, h1)
        logits_t = h.transpose(1, 2)  # a net with no hidden layer: these are the logits
        for i in range(1, layers):
            h = h.relu_() if arch.activation == "relu" else act(h)
            w = params[f"fc{i}.weight"] + torch.einsum("gk,koi->goi", c, dw[i - 1])  # (G, out, in)
            b = params[f"fc{i}.bias"] + c @ db[i - 1]  # (G, out)
            if i == layers - 1:
                logits_t = torch.baddbmm(b.unsqueeze(2), w, h.transpose(1, 2))  # (G, C, N)
            else:
                h = torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))
        if metric == "loss":
            sums.append(F.cross_entropy(logits_t, targets[:g], reduction="none").sum(dim=-1))
        else:
            sums.append((logits_t.argmax(dim=1) != y).to(logits_t.dtype).sum(dim=-1))
    return torch.cat(sums)


def _point_params(
    params: Mapping[str, Tensor], dirs: Sequence[Mapping[str, Tensor]], c: Tensor
) -> dict[str, Tensor]:
    """Stacked parameters ``θ + Σ cₐ Dₐ`` for a chunk of grid points ``c`` (``(G, k)``)."""
    out = {}
    for name, p in params.items():
        d = torch.stack([dd[name] for dd in dirs])  # (k, *shape)
        out[name] = p.unsqueeze(0) + torch.tensordot(c, d, dims=([1], [0]))
    return out


def _vmap(
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
    def one(p: Mapping[str, Tensor]) -> Tensor:
        return metric_sums(arch.apply(p, x, train=train), y, metric)

    batched = torch.func.vmap(one)
    return torch.cat(
        [batched(_point_params(params, dirs, pts[s : s + chunk])) for s in range(0, len(pts), chunk)]
    )


def _loop(
    arch: Architecture,
    params: Mapping[str, Tensor],
    dirs: Sequence[Mapping[str, Tensor]],
    x: Tensor,
    y: Tensor,
    pts: Tensor,
    metric: str,
    train: bool,
) -> Tensor:
    out = []
    for c in pts:
        p = {n: v + sum(c[a] * dirs[a][n] for a in range(len(dirs))) for n, v in params.items()}
        out.append(metric_sums(arch.apply(p, x, train=train), y, metric))
    return torch.stack(out)


def loss_landscape(
    arch: Architecture,
    params: Mapping[str, Tensor],
    x: Tensor,
    y: Tensor,
    *,
    directions: Sequence[Mapping[str, Tensor]] | None = None,
    k: int = 2,
    steps: int | Sequence[int] = 51,
    span: float | Sequence[float] = 1.0,
    seed: int = 0,
    normalisation: str = "filter",
    bias_norm: str = "zero",
    batch: int | None = None,
    data_seed: int = 0,
    method: Literal["auto", "affine", "batched", "vmap", "loop"] = "auto",
    metric: Literal["loss", "error"] = "loss",
    batch_norm: Literal["stored", "recompute"] = "stored",
    chunk: int = 256,
    data_chunk: int | None = None,
) -> Landscape:
    """The ``metric`` on a k-D grid around ``params`` (see the module docstring). ``directions``
    may be given (then ``k``, ``seed``, ``normalisation`` and ``bias_norm`` describe them);
    ``chunk`` grid points are evaluated at once, ``data_chunk`` samples at once (all by
    default; not with ``batch_norm="recompute"``)."""
    _choose("landscape method", method, METHODS)
    _choose("landscape metric", metric, METRICS)
    _choose("batch-norm handling", batch_norm, BATCH_NORM)
    has_bn = bool(arch.buffers())
    affine_ok = isinstance(arch, MLP) and not arch.batch_norm
    if method == "auto":
        method = "affine" if affine_ok else "batched" if batched.supports(arch) else "vmap"
    if method == "batched" and not batched.supports(arch):
        raise TopologyError(
            f"the batched landscape method covers CNN, ResNet, Transformer and GRU, not {arch.name}",
            "Use method='affine' for an MLP, or 'vmap' (or 'auto')",
        )
    if method == "affine" and not affine_ok:
        raise TopologyError(
            f"the affine landscape method needs an MLP without batch norm, not {arch.name}",
            "Use method='vmap' (or 'auto')",
        )
    train = has_bn and batch_norm == "recompute"
    if train and data_chunk is not None:
        raise TopologyError(
            "batch_norm='recompute' normalises with the evaluation data as one batch",
            "Leave data_chunk unset (or use batch_norm='stored')",
        )
    if directions is None:
        directions = random_directions(
            arch, params, k, seed=seed, normalisation=normalisation, bias_norm=bias_norm
        )
    dirs = [{n: d[n].to(params[n].dtype) for n in params} for d in directions]
    k = len(dirs)
    n_all = len(x)
    if batch is not None and batch < n_all:
        idx = torch.randperm(n_all, generator=torch.Generator().manual_seed(int(data_seed)))[:batch]
        x, y = x[idx.to(x.device)], y[idx.to(y.device)]
        data = f"batch(n={batch}, seed={data_seed})"
    else:
        data = f"full(n={n_all})"
    coords, points = grid_coordinates(steps, span, k)
    dtype = next(iter(params.values())).dtype
    device = next(iter(params.values())).device
    pts = torch.as_tensor(points, dtype=dtype, device=device)
    x = x.to(device=device, dtype=dtype) if x.is_floating_point() else x.to(device)  # token ids stay ids
    y = y.to(device)
    total = torch.zeros(len(pts), dtype=dtype, device=device)
    step = len(x) if data_chunk is None else int(data_chunk)
    with torch.no_grad():
        for s in range(0, len(x), step):
            xb, yb = x[s : s + step], y[s : s + step]
            if method == "affine":
                total += _affine_mlp(arch, params, dirs, xb, yb, pts, chunk, metric)  # type: ignore[arg-type]
            elif method == "batched":
                total += batched_sums(arch, params, dirs, xb, yb, pts, chunk, metric, train)
            elif method == "vmap":
                total += _vmap(arch, params, dirs, xb, yb, pts, chunk, metric, train)
            else:
                total += _loop(arch, params, dirs, xb, yb, pts, metric, train)
    values = (total / len(x)).cpu().numpy().astype(np.float64).reshape([len(c) for c in coords])
    return Landscape(
        values,
        coords,
        method,
        data,
        metric,
        normalisation,
        bias_norm,
        int(seed),
        batch_norm if has_bn else "none",
    )
