"""Linear paths between parameter sets, evaluated at many points at once, and loss barriers.

A *path* is a map ``α ↦ θ(α)`` from ``[0, 1]`` to parameters; the linear one is
``θ(α) = (1 − α)·θ_a + α·θ_b``. Along a path catdyn measures the cross-entropy **loss** and the
classification **error** (1 − accuracy) on each split of the data (``train``, ``test``), for all
points in one batched pass: the points' parameters are stacked along a leading axis and the
architecture's pure ``apply`` runs under :func:`torch.func.vmap` (chunked to bound memory). For a
batch-norm-free :class:`~catdyn.backends.torch.models.architectures.MLP` a faster exact route is used:
the first layer's pre-activation is affine in ``α``, ``X·W(α)ᵀ + b(α) = (1 − α)·U_a + α·U_b``, so
it costs one product per *model*, not one per point. For a CNN, ResNet, Transformer or GRU the
stacked points run as ONE batched network (grouped convolutions, batched attention, a batched
recurrence: :mod:`~catdyn.backends.torch.models.batched`) instead of under vmap (``method=
"batched"``, the default for them; ``"vmap"`` keeps the generic route).

**Barriers.** Two definitions are in use and both are offered, by name:

* ``"mean-endpoint"`` (Frankle et al. 2020): ``max_α L(α) − ½·(L(0) + L(1))``;
* ``"line-endpoint"`` (Entezari et al. 2022): ``max_α [L(α) − ((1 − α)·L(0) + α·L(1))]``.

Both need the grid to contain the endpoints ``α = 0`` and ``α = 1``.

**Batch norm.** The running statistics of an interpolated network are not the interpolation of
the endpoints' statistics. With ``bn="recompute"`` (the default where the architecture has batch
norm) they are recomputed at *every* point from the training inputs
(:func:`~catdyn.backends.torch.models.architectures.recalibrate`); ``bn="stored"`` keeps the
interpolated statistics (offered only to show the difference). A BN-free architecture records
``"bn-free"``. The choice is stored in every :class:`PathProfile`.

Hand-computed barriers (the loss is 1, 3, 2 at α = 0, ½, 1):

>>> import numpy as np
>>> alphas, loss = np.array([0.0, 0.5, 1.0]), np.array([1.0, 3.0, 2.0])
>>> float(barrier(loss, alphas, "mean-endpoint"))     # 3 − (1 + 2)/2
1.5
>>> float(barrier(loss, alphas, "line-endpoint"))     # 3 − (0.5·1 + 0.5·2)
1.5
>>> float(barrier(np.array([1.0, 1.2, 3.0]), alphas, "line-endpoint"))  # the line lies above
0.0

A linear path between two small networks:

>>> import torch
>>> from catdyn.backends.torch.models.architectures import MLP
>>> from catdyn.backends.torch.data.datasets import make_moons
>>> net = MLP((2, 8, 2))
>>> a, b = (net.init(torch.Generator().manual_seed(s)) for s in (0, 1))
>>> profile = linear_path(net, a, b, make_moons(100, seed=0), points=5)
>>> profile.alphas.tolist(), profile.bn, sorted(profile.values)
([0.0, 0.25, 0.5, 0.75, 1.0], 'bn-free', [('error', 'test'), ('error', 'train'), ('loss', 'test'), ('loss', 'train')])
>>> sorted(profile.barriers())[:2]
['line-endpoint/error/test', 'line-endpoint/error/train']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.backends.torch.models import batched
from catdyn.backends.torch.models.architectures import MLP, Architecture, recalibrate
from catdyn.backends.torch.paths.affine_route import affine_pair_paths
from catdyn.errors import HomotopyError

Params = dict[str, Tensor]
Definition = Literal["mean-endpoint", "line-endpoint"]
Metric = Literal["loss", "error"]
BNMode = Literal["auto", "recompute", "stored"]
Parallel = Literal["auto", "threads", "processes"]
Route = Literal["auto", "batched", "vmap"]

DEFINITIONS: tuple[str, ...] = ("mean-endpoint", "line-endpoint")
"""The two barrier definitions, by name (Frankle et al.; Entezari et al.)."""

METRICS: tuple[str, ...] = ("loss", "error")
"""What is measured along a path: mean cross-entropy and classification error (1 − accuracy)."""

_MAX_ELEMENTS = 2**24
"""Chunk size bound: stacked-model batches keep about this many activations per layer."""


# --- data -------------------------------------------------------------------------------------
def as_splits(data: Any) -> dict[str, tuple[Tensor, Tensor]]:
    """The evaluation data as ``{split name: (x, y)}``.

    Accepts a :class:`~catdyn.backends.torch.data.datasets.Splits` (``train`` and ``test``), one
    :class:`~catdyn.backends.torch.data.datasets.Dataset` (named by its ``split``), an ``(x, y)`` pair
    (named ``"test"``), or a mapping of names to any of the latter two.

    >>> import torch
    >>> sorted(as_splits({"train": (torch.zeros(3, 2), torch.zeros(3))}))
    ['train']
    >>> list(as_splits((torch.zeros(3, 2), torch.zeros(3))))
    ['test']
    """

    def pair(d: Any) -> tuple[Tensor, Tensor]:
        if hasattr(d, "x") and hasattr(d, "y"):
            return d.x, d.y.long()
        if isinstance(d, (tuple, list)) and len(d) == 2:
            return d[0], torch.as_tensor(d[1]).long()
        raise HomotopyError.bad_data(type(d).__name__)

    if hasattr(data, "train") and hasattr(data, "test"):
        return {"train": pair(data.train), "test": pair(data.test)}
    if hasattr(data, "x") and hasattr(data, "y"):
        return {str(getattr(data, "split", "test")): pair(data)}
    if isinstance(data, Mapping):
        return {str(k): pair(v) for k, v in data.items()}
    return {"test": pair(data)}


# --- parameters -------------------------------------------------------------------------------
def stack(models: Sequence[Mapping[str, Tensor]]) -> Params:
    """Parameter dicts stacked along a new leading axis (the inverse of :func:`unstack`).

    >>> import torch
    >>> s = stack([{"w": torch.zeros(2)}, {"w": torch.ones(2)}])
    >>> s["w"].shape
    torch.Size([2, 2])
    """
    if not models:
        raise HomotopyError.too_few_models(0, 1)
    keys = list(models[0])
    for m in models[1:]:
        if list(m) != keys:
            raise HomotopyError.mismatched_models(keys, list(m))
    return {k: torch.stack([m[k] for m in models]) for k in keys}


def unstack(stacked: Mapping[str, Tensor]) -> list[Params]:
    """A stacked parameter dict as a list of parameter dicts.

    >>> import torch
    >>> [m["w"].tolist() for m in unstack({"w": torch.tensor([[0.0], [1.0]])})]
    [[0.0], [1.0]]
    """
    n = next(iter(stacked.values())).shape[0]
    return [{k: v[i] for k, v in stacked.items()} for i in range(n)]


def alpha_grid(points: int) -> Tensor:
    """``points`` equally spaced values from 0 to 1, endpoints included.

    >>> alpha_grid(3).tolist()
    [0.0, 0.5, 1.0]
    """
    if points < 2:
        raise HomotopyError.bad_grid(points)
    return torch.linspace(0.0, 1.0, points, dtype=torch.float64)


def interpolate(a: Mapping[str, Tensor], b: Mapping[str, Tensor], alphas: Tensor | Sequence[float]) -> Params:
    """The linear path's parameters at every ``α``, stacked: ``θ(α) = (1 − α)·a + α·b``.

    >>> import torch
    >>> p = interpolate({"w": torch.zeros(2)}, {"w": torch.ones(2)}, [0.0, 0.25, 1.0])
    >>> p["w"][:, 0].tolist()
    [0.0, 0.25, 1.0]
    """
    if list(a) != list(b):
        raise HomotopyError.mismatched_models(list(a), list(b))
    al = torch.as_tensor(alphas, dtype=torch.float64)
    out: Params = {}
    for k, ta in a.items():
        tb = b[k]
        w = al.to(device=ta.device, dtype=ta.dtype).reshape(-1, *([1] * ta.dim()))
        out[k] = ta.unsqueeze(0) * (1 - w) + tb.unsqueeze(0) * w
    return out


def bn_label(arch: Architecture, bn: BNMode) -> str:
    """What is recorded about batch norm: ``"bn-free"``, ``"recomputed"`` or ``"stored"``.

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> bn_label(MLP((2, 3, 2)), "auto"), bn_label(MLP((2, 3, 2), batch_norm=True), "auto")
    ('bn-free', 'recomputed')
    """
    if bn not in ("auto", "recompute", "stored"):
        raise HomotopyError.bad_option("bn", bn, "'auto', 'recompute' or 'stored'")
    if not arch.buffers():
        return "bn-free"
    return "stored" if bn == "stored" else "recomputed"


def _chunk(n_models: int, per_model: int) -> int:
    return max(1, min(n_models, _MAX_ELEMENTS // max(per_model, 1)))


def _use_batched(arch: Architecture, route: str) -> bool:
    if route not in ("auto", "batched", "vmap"):
        raise HomotopyError.bad_option("route", route, "'auto', 'batched' or 'vmap'")
    if route == "batched" and not batched.supports(arch):
        raise HomotopyError.bad_option("method", "batched", "used only with a CNN, ResNet, Transformer or GRU")
    return route != "vmap" and batched.supports(arch)


def recalibrate_stacked(
    arch: Architecture, stacked: Mapping[str, Tensor], x: Tensor, route: Route = "auto"
) -> Params:
    """Every stacked model's batch-norm statistics recomputed on ``x`` (vmapped
    :func:`~catdyn.backends.torch.models.architectures.recalibrate`, or the batched network of
    :func:`~catdyn.backends.torch.models.batched.stacked_recalibrate` where ``route`` allows it);
    unchanged without batch norm.

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((2, 4, 2), batch_norm=True)
    >>> s = stack([net.init(torch.Generator().manual_seed(i)) for i in range(3)])
    >>> x = torch.randn(10, 2)
    >>> out = recalibrate_stacked(net, s, x)
    >>> bool(torch.allclose(out["bn0.running_mean"][1], recalibrate(net, unstack(s)[1], x)["bn0.running_mean"]))
    True
    """
    if not arch.buffers():
        return dict(stacked)
    n = next(iter(stacked.values())).shape[0]
    parts = []
    if _use_batched(arch, route):
        size = batched.point_chunk(arch, x)
        fn = lambda p: batched.stacked_recalibrate(arch, p, x)  # noqa: E731
    else:
        size = _chunk(n, x.shape[0] * 64)
        fn = torch.func.vmap(lambda p: recalibrate(arch, p, x))
    for s in range(0, n, size):
        parts.append(fn({k: v[s : s + size] for k, v in stacked.items()}))
    return {k: torch.cat([p[k] for p in parts]) for k in parts[0]}


def evaluate(
    arch: Architecture,
    stacked: Mapping[str, Tensor],
    x: Tensor,
    y: Tensor,
    chunk: int | None = None,
    route: Route = "auto",
) -> tuple[Tensor, Tensor]:
    """Mean cross-entropy and error of every stacked model on ``(x, y)``: two ``(M,)`` tensors,
    through the batched network of :mod:`~catdyn.backends.torch.models.batched` where it applies
    and ``route`` allows (``"auto"``, ``"batched"``), else under vmap.

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((2, 3, 2))
    >>> s = stack([net.init(torch.Generator().manual_seed(i)) for i in range(4)])
    >>> loss, err = evaluate(net, s, torch.randn(6, 2), torch.tensor([0, 1, 0, 1, 1, 0]))
    >>> loss.shape, err.shape
    (torch.Size([4]), torch.Size([4]))
    """
    n = next(iter(stacked.values())).shape[0]
    x = x.to(next(iter(stacked.values())).device)
    y = y.to(x.device)
    if _use_batched(arch, route):
        size = chunk or batched.point_chunk(arch, x)
        fn = lambda p: batched.stacked_logits(arch, p, x)  # noqa: E731
    else:
        size = chunk or _chunk(n, x.shape[0] * 64)
        fn = torch.func.vmap(lambda p: arch.apply(p, x))
    losses, errors = [], []
    with torch.no_grad():
        for s in range(0, n, size):
            logits = fn({k: v[s : s + size] for k, v in stacked.items()})
            loss, err = _loss_error(logits, y)
            losses.append(loss)
            errors.append(err)
    return torch.cat(losses), torch.cat(errors)


def _loss_error(logits: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """Mean loss and error over the last-but-one axis of ``(..., N, C)`` logits."""
    lead = logits.shape[:-2]
    flat = logits.reshape(-1, logits.shape[-1])
    target = y.expand(*lead, y.shape[0]).reshape(-1)
    loss = F.cross_entropy(flat.float() if flat.dtype == torch.float16 else flat, target, reduction="none")
    loss = loss.reshape(*lead, y.shape[0]).mean(-1)
    err = (logits.argmax(-1) != y).to(logits.dtype).mean(-1)
    return loss, err


# --- many pairs at once -----------------------------------------------------------------------
def _fast_mlp(arch: Architecture, bn: str) -> bool:
    # the affine route needs a hidden layer: with none, the first layer's output is the logits
    return isinstance(arch, MLP) and bn == "bn-free" and len(arch.widths) > 2


def pair_paths(
    arch: Architecture,
    models: Mapping[str, Tensor],
    pairs: Sequence[tuple[int, int]],
    alphas: Tensor | Sequence[float],
    data: Any,
    *,
    bn: BNMode = "auto",
    partners: Mapping[str, Tensor] | None = None,
    method: Literal["auto", "vmap", "batched", "affine-first-layer"] = "auto",
    workers: int | Literal["auto"] = "auto",
    parallel: Parallel = "auto",
    pin: bool = False,
) -> dict[tuple[str, str], Tensor]:
    """Loss and error along the linear paths of many pairs at many points, batched.

    ``models`` is a stacked parameter dict of ``N`` models; pair ``(i, j)`` runs from model ``i``
    to model ``j`` — or, when ``partners`` is given (a stacked dict with one entry per pair, e.g.
    model ``j`` aligned to model ``i``), to ``partners[p]``. Returns ``{(metric, split): (P, A)
    tensor}``. ``method="affine-first-layer"`` (the default for BN-free MLPs with a hidden layer) computes each
    model's first-layer pre-activation once and combines them per point (see
    :mod:`~catdyn.backends.torch.paths.affine_route` for the layout); ``"batched"`` (the default for a CNN, ResNet,
    Transformer or GRU) runs a chunk of points as one batched network; ``"vmap"`` evaluates
    every point's network under vmap; all give the same numbers to float rounding.

    ``workers`` and ``parallel`` (CPU, affine route only) lay the pairs out over the cores as
    the ensemble lays out its members, through the same shard runner
    (:func:`~catdyn.backends.torch.compute.shards.shard_plan` and
    :func:`~catdyn.backends.torch.compute.shards.run_shards`, with at least two pairs a shard):
    ``workers="auto"`` follows the cores this process may use, capped by torch's intra-op
    thread count, an integer sets the shard count; ``parallel`` says what runs the shards:

    * ``"threads"``: Python threads of this process, each with its layout's intra-op threads
      (one a shard unless there are spare cores); torch's count is 1 for the rest of the
      process meanwhile. No start-up cost, but the threads hand the GIL back and forth around
      every small torch call (``python -m benchmarks barriers`` prints both settings).
    * ``"processes"``: the first shard in this thread, the others in the persistent worker
      processes of :func:`~catdyn.backends.torch.compute.worker_pool.shared_pool` (arguments
      and results pickled as numpy arrays: the shard's models and the data, about 0.7 MB a
      shard for digits). The first call of a Python process starts the workers (each imports
      torch, about a second) and their first job imports catdyn's modules; later calls reuse
      them. Errors come back as the same :class:`~catdyn.errors.CatdynError` or a
      :class:`~catdyn.errors.WorkerError`.
    * ``"auto"`` (the default): the layout's choice, threads for at most two shards, processes
      beyond.

    ``pin=True`` binds each shard to its layout's cores while it runs (off by default).

    Both give the same numbers (each shard runs the same code on the same pairs).

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((2, 5, 2))
    >>> models = stack([net.init(torch.Generator().manual_seed(i)) for i in range(3)])
    >>> data = {"test": (torch.randn(20, 2), torch.randint(0, 2, (20,)))}
    >>> fast = pair_paths(net, models, [(0, 1), (1, 2)], alpha_grid(4), data)
    >>> slow = pair_paths(net, models, [(0, 1), (1, 2)], alpha_grid(4), data, method="vmap")
    >>> fast["loss", "test"].shape, bool(torch.allclose(fast["loss", "test"], slow["loss", "test"], atol=1e-5))
    (torch.Size([2, 4]), True)
    >>> procs = pair_paths(
    ...     net, models, [(0, 1), (1, 2)], alpha_grid(4), data, workers=2, parallel="processes"
    ... )
    >>> bool(torch.allclose(procs["loss", "test"], fast["loss", "test"], atol=1e-6))
    True
    """
    if parallel not in ("auto", "threads", "processes"):
        raise HomotopyError.bad_option("parallel", parallel, "'auto', 'threads' or 'processes'")
    splits = as_splits(data)
    label = bn_label(arch, bn)
    al = torch.as_tensor(alphas, dtype=torch.float64)
    idx_i = torch.tensor([p[0] for p in pairs], dtype=torch.long)
    idx_j = torch.tensor([p[1] for p in pairs], dtype=torch.long)
    dev = next(iter(models.values())).device
    if partners is not None and next(iter(partners.values())).shape[0] != len(pairs):
        raise HomotopyError.bad_option("partners", "a stacked dict", f"one entry per pair ({len(pairs)})")
    if method not in ("auto", "vmap", "batched", "affine-first-layer"):
        raise HomotopyError.bad_option("method", method, "'auto', 'vmap', 'batched' or 'affine-first-layer'")
    use_fast = method == "affine-first-layer" or (method == "auto" and _fast_mlp(arch, label))
    if use_fast and not _fast_mlp(arch, label):
        raise HomotopyError.bad_option("method", method, "used only with a batch-norm-free MLP with a hidden layer")
    if use_fast:
        # one bank of endpoint models; each pair is two indices into it
        n_models = next(iter(models.values())).shape[0]
        if partners is None:
            bank, ia, ib = dict(models), idx_i, idx_j
        else:
            bank = {k: torch.cat([models[k], partners[k]]) for k in models}
            ia, ib = idx_i, n_models + torch.arange(len(pairs))
        moved = {s: (x.to(dev), y.to(dev)) for s, (x, y) in splits.items()}
        return affine_pair_paths(arch, bank, ia, ib, al, moved, workers, parallel, pin)  # type: ignore[arg-type]
    start = {k: v[idx_i.to(dev)] for k, v in models.items()}
    end = (
        {k: v[idx_j.to(dev)] for k, v in models.items()}
        if partners is None
        else {k: partners[k] for k in models}
    )
    out: dict[tuple[str, str], Tensor] = {}
    for split, (x, y) in splits.items():
        x, y = x.to(dev), y.to(dev)
        route = "auto" if method == "affine-first-layer" else method
        loss, err = _vmap_pair_paths(arch, start, end, al, x, y, label, splits, route)  # type: ignore[arg-type]
        out["loss", split] = loss
        out["error", split] = err
    return out


def _vmap_pair_paths(
    arch: Architecture,
    start: Params,
    end: Params,
    al: Tensor,
    x: Tensor,
    y: Tensor,
    label: str,
    splits: Mapping[str, tuple[Tensor, Tensor]],
    route: Route = "auto",
) -> tuple[Tensor, Tensor]:
    n_pairs, n_pts = next(iter(start.values())).shape[0], al.numel()
    calib = splits.get("train", next(iter(splits.values())))[0].to(x.device)
    if _use_batched(arch, route):
        return _batched_pair_paths(arch, start, end, al, x, y, label, calib)
    per_pair = _chunk(n_pairs, n_pts * x.shape[0] * 64)
    losses, errors = [], []
    for s in range(0, n_pairs, per_pair):
        pts = {}
        for k, ta in start.items():
            ta, tb = ta[s : s + per_pair], end[k][s : s + per_pair]
            w = al.to(ta.device, ta.dtype).reshape(1, -1, *([1] * (ta.dim() - 1)))
            pts[k] = (ta.unsqueeze(1) * (1 - w) + tb.unsqueeze(1) * w).reshape(-1, *ta.shape[1:])
        if label == "recomputed":
            pts = recalibrate_stacked(arch, pts, calib, route)
        loss, err = evaluate(arch, pts, x, y, route=route)
        losses.append(loss.reshape(-1, n_pts))
        errors.append(err.reshape(-1, n_pts))
    return torch.cat(losses), torch.cat(errors)


def _batched_pair_paths(
    arch: Architecture,
    start: Params,
    end: Params,
    al: Tensor,
    x: Tensor,
    y: Tensor,
    label: str,
    calib: Tensor,
) -> tuple[Tensor, Tensor]:
    """Loss and error along each pair's path for the families with a batched network (CNN,
    ResNet, Transformer, GRU), pair by pair: the first layer being linear in the parameters, its
    output at ``(1 − α)·θ_a + α·θ_b`` is combined from the two ends' outputs (two first-layer
    passes a pair, not one a point), and so is each dense convolution's matrix
    (:func:`~catdyn.backends.torch.models.batched.with_dense`); the rest of the network runs
    as one batched network per chunk of points. With ``label="recomputed"`` every point's
    batch-norm statistics are first recomputed on ``calib``."""
    n_pairs, n_pts = next(iter(start.values())).shape[0], al.numel()
    size = batched.point_chunk(arch, x)
    losses, errors = [], []
    with torch.no_grad():
        for p in range(n_pairs):
            a = batched.with_dense(arch, {k: v[p] for k, v in start.items()}, stacked=False)
            b = batched.with_dense(arch, {k: v[p] for k, v in end.items()}, stacked=False)
            w = al.to(x.device, next(iter(a.values())).dtype)
            coeffs = torch.stack([1 - w, w], dim=1)
            pts = {k: torch.tensordot(coeffs, torch.stack([a[k], b[k]]), dims=1) for k in a}
            if label == "recomputed":
                pts = {**pts, **recalibrate_stacked(arch, {k: pts[k] for k in start}, calib, "batched")}
            ends = torch.stack([batched.first_layer(arch, a, x), batched.first_layer(arch, b, x)])
            loss_p, err_p = [], []
            for s in range(0, n_pts, size):
                chunk = {k: v[s : s + size] for k, v in pts.items()}
                logits = batched.rest_of_network(arch, chunk, batched.combine_first(None, ends, coeffs[s : s + size]))
                loss, err = _loss_error(logits, y)
                loss_p.append(loss)
                err_p.append(err)
            losses.append(torch.cat(loss_p))
            errors.append(torch.cat(err_p))
    return torch.stack(losses), torch.stack(errors)


# --- barriers ---------------------------------------------------------------------------------
def barrier(values: Any, alphas: Any, definition: Definition = "mean-endpoint") -> Any:
    """The barrier of a profile ``values[..., A]`` over the grid ``alphas`` (last axis), by name.

    Works on numpy arrays and torch tensors with any leading axes (one barrier per profile).

    >>> import numpy as np
    >>> v = np.array([[0.0, 1.0, 0.0], [0.0, 0.5, 2.0]])
    >>> barrier(v, np.array([0.0, 0.5, 1.0]), "mean-endpoint").tolist()
    [1.0, 1.0]
    >>> barrier(v, np.array([0.0, 0.5, 1.0]), "line-endpoint").tolist()
    [1.0, 0.0]
    """
    if definition not in DEFINITIONS:
        raise HomotopyError.bad_option("definition", definition, " or ".join(repr(d) for d in DEFINITIONS))
    is_torch = isinstance(values, Tensor)
    v = values if is_torch else np.asarray(values, dtype=np.float64)
    al = (
        torch.as_tensor(alphas, dtype=v.dtype, device=v.device)
        if is_torch
        else np.asarray(alphas, dtype=np.float64)
    )
    if al.shape[-1] != v.shape[-1] or float(al[0]) != 0.0 or float(al[-1]) != 1.0:
        raise HomotopyError.no_endpoints(list(np.asarray(alphas, dtype=float).reshape(-1)[[0, -1]]))
    first, last = v[..., :1], v[..., -1:]
    if definition == "mean-endpoint":
        peak = v.max(-1).values if is_torch else v.max(-1)
        return peak - 0.5 * (first[..., 0] + last[..., 0])
    line = (1 - al) * first + al * last
    gap = v - line
    return gap.max(-1).values if is_torch else gap.max(-1)


@dataclass(frozen=True)
class PathProfile:
    """Loss and error along one path: ``values[(metric, split)]`` holds one number per point of
    ``alphas``; ``bn`` records how batch norm was treated; ``path`` names the path's kind
    (``"linear"``, ``"bezier"``, ``"polychain"``).

    >>> import numpy as np
    >>> p = PathProfile(np.array([0.0, 0.5, 1.0]), {("loss", "test"): np.array([0.1, 0.9, 0.3])})
    >>> round(p.barrier("loss", "test", "mean-endpoint"), 6), round(p.barrier("loss", "test", "line-endpoint"), 6)
    (0.7, 0.7)
    >>> round(p.max_over("loss", "test"), 6)
    0.9
    """

    alphas: np.ndarray
    values: dict[tuple[str, str], np.ndarray]
    bn: str = "bn-free"
    path: str = "linear"
    extra: dict[str, Any] = field(default_factory=dict)

    def barrier(
        self, metric: Metric = "loss", split: str = "test", definition: Definition = "mean-endpoint"
    ) -> float:
        """The named barrier of ``metric`` on ``split``."""
        key = (metric, split)
        if key not in self.values:
            raise HomotopyError.bad_option("(metric, split)", key, f"one of {sorted(self.values)}")
        return float(barrier(self.values[key], self.alphas, definition))

    def max_over(self, metric: Metric = "loss", split: str = "test") -> float:
        """The largest value of ``metric`` along the path."""
        return float(np.max(self.values[metric, split]))

    def barriers(self) -> dict[str, float]:
        """Every barrier, keyed ``"definition/metric/split"``."""
        return {
            f"{d}/{m}/{s}": self.barrier(m, s, d)  # type: ignore[arg-type]
            for d in DEFINITIONS
            for (m, s) in sorted(self.values)
        }


def profile_points(
    arch: Architecture,
    points: Mapping[str, Tensor],
    alphas: Tensor | Sequence[float],
    data: Any,
    *,
    bn: BNMode = "auto",
    path: str = "linear",
) -> PathProfile:
    """A :class:`PathProfile` of any path given by its stacked points (one per ``α``).

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((2, 3, 2))
    >>> pts = stack([net.init(torch.Generator().manual_seed(0))] * 3)
    >>> p = profile_points(net, pts, [0.0, 0.5, 1.0], (torch.randn(8, 2), torch.randint(0, 2, (8,))))
    >>> p.barrier("loss", "test")     # a constant path has no barrier
    0.0
    """
    splits = as_splits(data)
    label = bn_label(arch, bn)
    dev = next(iter(points.values())).device
    if label == "recomputed":
        calib = splits.get("train", next(iter(splits.values())))[0].to(dev)
        points = recalibrate_stacked(arch, points, calib)
    values = {}
    for split, (x, y) in splits.items():
        loss, err = evaluate(arch, points, x, y)
        values["loss", split] = loss.double().cpu().numpy()
        values["error", split] = err.double().cpu().numpy()
    return PathProfile(np.asarray(torch.as_tensor(alphas, dtype=torch.float64)), values, label, path)


def linear_path(
    arch: Architecture,
    a: Mapping[str, Tensor],
    b: Mapping[str, Tensor],
    data: Any,
    *,
    points: int = 25,
    bn: BNMode = "auto",
) -> PathProfile:
    """The :class:`PathProfile` of the linear path from ``a`` to ``b`` at ``points`` values of α
    (all evaluated in one batched pass).

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((2, 3, 2))
    >>> a = net.init(torch.Generator().manual_seed(0))
    >>> linear_path(net, a, a, (torch.randn(8, 2), torch.randint(0, 2, (8,))), points=3).barrier("error", "test")
    0.0
    """
    al = alpha_grid(points)
    return profile_points(arch, interpolate(a, b, al), al, data, bn=bn, path="linear")
