"""Linear paths between parameter sets, evaluated at many points at once, and loss barriers.

A *path* is a map ``α ↦ θ(α)`` from ``[0, 1]`` to parameters; the linear one is
``θ(α) = (1 − α)·θ_a + α·θ_b``. Along a path catdyn measures the cross-entropy **loss** and the
classification **error** (1 − accuracy) on each split of the data (``train``, ``test``), for all
points in one batched pass: the points' parameters are stacked along a leading axis and the
architecture's pure ``apply`` runs under :func:`torch.func.vmap` (chunked to bound memory). For a
batch-norm-free :class:`~catdyn.backends.torch.architectures.MLP` a faster exact route is used:
the first layer's pre-activation is affine in ``α``, ``X·W(α)ᵀ + b(α) = (1 − α)·U_a + α·U_b``, so
it costs one product per *model*, not one per point.

**Barriers.** Two definitions are in use and both are offered, by name:

* ``"mean-endpoint"`` (Frankle et al. 2020): ``max_α L(α) − ½·(L(0) + L(1))``;
* ``"line-endpoint"`` (Entezari et al. 2022): ``max_α [L(α) − ((1 − α)·L(0) + α·L(1))]``.

Both need the grid to contain the endpoints ``α = 0`` and ``α = 1``.

**Batch norm.** The running statistics of an interpolated network are not the interpolation of
the endpoints' statistics. With ``bn="recompute"`` (the default where the architecture has batch
norm) they are recomputed at *every* point from the training inputs
(:func:`~catdyn.backends.torch.architectures.recalibrate`); ``bn="stored"`` keeps the
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
>>> from catdyn.backends.torch.architectures import MLP
>>> from catdyn.backends.torch.data import make_moons
>>> net = MLP((2, 8, 2))
>>> a, b = (net.init(torch.Generator().manual_seed(s)) for s in (0, 1))
>>> profile = linear_path(net, a, b, make_moons(100, seed=0), points=5)
>>> profile.alphas.tolist(), profile.bn, sorted(profile.values)
([0.0, 0.25, 0.5, 0.75, 1.0], 'bn-free', [('error', 'test'), ('error', 'train'), ('loss', 'test'), ('loss', 'train')])
>>> sorted(profile.barriers())[:2]
['line-endpoint/error/test', 'line-endpoint/error/train']
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.backends.torch.architectures import MLP, Architecture, _activation, recalibrate
from catdyn.errors import HomotopyError

Params = dict[str, Tensor]
Definition = Literal["mean-endpoint", "line-endpoint"]
Metric = Literal["loss", "error"]
BNMode = Literal["auto", "recompute", "stored"]

DEFINITIONS: tuple[str, ...] = ("mean-endpoint", "line-endpoint")
"""The two barrier definitions, by name (Frankle et al.; Entezari et al.)."""

METRICS: tuple[str, ...] = ("loss", "error")
"""What is measured along a path: mean cross-entropy and classification error (1 − accuracy)."""

_MAX_ELEMENTS = 2**24
"""Chunk size bound: stacked-model batches keep about this many activations per layer."""


# --- data -------------------------------------------------------------------------------------
def as_splits(data: Any) -> dict[str, tuple[Tensor, Tensor]]:
    """The evaluation data as ``{split name: (x, y)}``.

    Accepts a :class:`~catdyn.backends.torch.data.Splits` (``train`` and ``test``), one
    :class:`~catdyn.backends.torch.data.Dataset` (named by its ``split``), an ``(x, y)`` pair
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

    >>> from catdyn.backends.torch.architectures import MLP
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


def recalibrate_stacked(arch: Architecture, stacked: Mapping[str, Tensor], x: Tensor) -> Params:
    """Every stacked model's batch-norm statistics recomputed on ``x`` (vmapped
    :func:`~catdyn.backends.torch.architectures.recalibrate`); unchanged without batch norm.

    >>> import torch
    >>> from catdyn.backends.torch.architectures import MLP
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
    size = _chunk(n, x.shape[0] * 64)
    parts = []
    fn = torch.func.vmap(lambda p: recalibrate(arch, p, x))
    for s in range(0, n, size):
        parts.append(fn({k: v[s : s + size] for k, v in stacked.items()}))
    return {k: torch.cat([p[k] for p in parts]) for k in parts[0]}


def evaluate(
    arch: Architecture, stacked: Mapping[str, Tensor], x: Tensor, y: Tensor, chunk: int | None = None
) -> tuple[Tensor, Tensor]:
    """Mean cross-entropy and error of every stacked model on ``(x, y)``: two ``(M,)`` tensors.

    >>> import torch
    >>> from catdyn.backends.torch.architectures import MLP
    >>> net = MLP((2, 3, 2))
    >>> s = stack([net.init(torch.Generator().manual_seed(i)) for i in range(4)])
    >>> loss, err = evaluate(net, s, torch.randn(6, 2), torch.tensor([0, 1, 0, 1, 1, 0]))
    >>> loss.shape, err.shape
    (torch.Size([4]), torch.Size([4]))
    """
    n = next(iter(stacked.values())).shape[0]
    x = x.to(next(iter(stacked.values())).device)
    y = y.to(x.device)
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
    return isinstance(arch, MLP) and bn == "bn-free"


def pair_paths(
    arch: Architecture,
    models: Mapping[str, Tensor],
    pairs: Sequence[tuple[int, int]],
    alphas: Tensor | Sequence[float],
    data: Any,
    *,
    bn: BNMode = "auto",
    partners: Mapping[str, Tensor] | None = None,
    method: Literal["auto", "vmap", "affine-first-layer"] = "auto",
    workers: int | Literal["auto"] = "auto",
) -> dict[tuple[str, str], Tensor]:
    """Loss and error along the linear paths of many pairs at many points, batched.

    ``models`` is a stacked parameter dict of ``N`` models; pair ``(i, j)`` runs from model ``i``
    to model ``j`` — or, when ``partners`` is given (a stacked dict with one entry per pair, e.g.
    model ``j`` aligned to model ``i``), to ``partners[p]``. Returns ``{(metric, split): (P, A)
    tensor}``. ``method="affine-first-layer"`` (the default for BN-free MLPs) computes each
    model's first-layer pre-activation once and combines them per point (see
    :func:`_mlp_pair_paths` for the layout); ``"vmap"`` evaluates every point's network; both
    give the same numbers to float rounding. ``workers`` (CPU, affine route only) splits the
    pairs over that many Python threads, each running torch single-threaded (``"auto"``: one per
    intra-op thread); torch's intra-op thread count is 1 for the whole process meanwhile.

    >>> import torch
    >>> from catdyn.backends.torch.architectures import MLP
    >>> net = MLP((2, 5, 2))
    >>> models = stack([net.init(torch.Generator().manual_seed(i)) for i in range(3)])
    >>> data = {"test": (torch.randn(20, 2), torch.randint(0, 2, (20,)))}
    >>> fast = pair_paths(net, models, [(0, 1), (1, 2)], alpha_grid(4), data)
    >>> slow = pair_paths(net, models, [(0, 1), (1, 2)], alpha_grid(4), data, method="vmap")
    >>> fast["loss", "test"].shape, bool(torch.allclose(fast["loss", "test"], slow["loss", "test"], atol=1e-5))
    (torch.Size([2, 4]), True)
    """
    splits = as_splits(data)
    label = bn_label(arch, bn)
    al = torch.as_tensor(alphas, dtype=torch.float64)
    idx_i = torch.tensor([p[0] for p in pairs], dtype=torch.long)
    idx_j = torch.tensor([p[1] for p in pairs], dtype=torch.long)
    dev = next(iter(models.values())).device
    if partners is not None and next(iter(partners.values())).shape[0] != len(pairs):
        raise HomotopyError.bad_option("partners", "a stacked dict", f"one entry per pair ({len(pairs)})")
    use_fast = method == "affine-first-layer" or (method == "auto" and _fast_mlp(arch, label))
    if use_fast and not _fast_mlp(arch, label):
        raise HomotopyError.bad_option("method", method, "used only with a batch-norm-free MLP")
    if use_fast:
        # one bank of endpoint models; each pair is two indices into it
        n_models = next(iter(models.values())).shape[0]
        if partners is None:
            bank, ia, ib = dict(models), idx_i, idx_j
        else:
            bank = {k: torch.cat([models[k], partners[k]]) for k in models}
            ia, ib = idx_i, n_models + torch.arange(len(pairs))
        moved = {s: (x.to(dev), y.to(dev)) for s, (x, y) in splits.items()}
        return _sharded(arch, bank, ia, ib, al, moved, _n_workers(workers, dev, len(pairs)))  # type: ignore[arg-type]
    start = {k: v[idx_i.to(dev)] for k, v in models.items()}
    end = (
        {k: v[idx_j.to(dev)] for k, v in models.items()}
        if partners is None
        else {k: partners[k] for k in models}
    )
    out: dict[tuple[str, str], Tensor] = {}
    for split, (x, y) in splits.items():
        x, y = x.to(dev), y.to(dev)
        loss, err = _vmap_pair_paths(arch, start, end, al, x, y, label, splits)
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
) -> tuple[Tensor, Tensor]:
    n_pairs, n_pts = next(iter(start.values())).shape[0], al.numel()
    per_pair = _chunk(n_pairs, n_pts * x.shape[0] * 64)
    losses, errors = [], []
    calib = splits.get("train", next(iter(splits.values())))[0].to(x.device)
    for s in range(0, n_pairs, per_pair):
        pts = {}
        for k, ta in start.items():
            ta, tb = ta[s : s + per_pair], end[k][s : s + per_pair]
            w = al.to(ta.device, ta.dtype).reshape(1, -1, *([1] * (ta.dim() - 1)))
            pts[k] = (ta.unsqueeze(1) * (1 - w) + tb.unsqueeze(1) * w).reshape(-1, *ta.shape[1:])
        if label == "recomputed":
            pts = recalibrate_stacked(arch, pts, calib)
        loss, err = evaluate(arch, pts, x, y)
        losses.append(loss.reshape(-1, n_pts))
        errors.append(err.reshape(-1, n_pts))
    return torch.cat(losses), torch.cat(errors)


# --- the affine-first-layer route (BN-free MLPs) ----------------------------------------------
_CPU_BLOCK = 2**20
"""Elements of one hidden-layer block on the CPU (about 4 MB: a pair's points stay in cache)."""

_BANK_ELEMENTS = 2**24
"""Bound on the first-layer pre-activations kept at once (models × width × samples)."""

_IN_PLACE = {"relu": torch.relu_, "tanh": torch.tanh_, "sigmoid": torch.sigmoid_, "identity": lambda t: t}


def _n_workers(setting: int | str, device: torch.device, n_pairs: int) -> int:
    if device.type != "cpu" or n_pairs < 2:
        return 1
    if setting == "auto":
        return max(1, min(torch.get_num_threads(), n_pairs // 2))
    return max(1, min(int(setting), n_pairs))


def _sharded(
    arch: MLP,
    bank: Params,
    ia: Tensor,
    ib: Tensor,
    al: Tensor,
    splits: Mapping[str, tuple[Tensor, Tensor]],
    workers: int,
) -> dict[tuple[str, str], Tensor]:
    """:func:`_mlp_pair_paths` on ``workers`` contiguous shards of the pairs, side by side."""
    if workers == 1:
        return _mlp_pair_paths(arch, bank, ia, ib, al, splits)
    from concurrent.futures import ThreadPoolExecutor

    bounds = [round(k * ia.numel() / workers) for k in range(workers + 1)]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with ThreadPoolExecutor(workers, thread_name_prefix="catdyn-pairs") as pool:
            futures = [
                pool.submit(_mlp_pair_paths, arch, bank, ia[lo:hi], ib[lo:hi], al, splits)
                for lo, hi in itertools.pairwise(bounds)
            ]
            parts = [f.result() for f in futures]
    finally:
        torch.set_num_threads(threads)
    return {k: torch.cat([p[k] for p in parts]) for k in parts[0]}


def _mlp_pair_paths(
    arch: MLP,
    bank: Params,
    ia: Tensor,
    ib: Tensor,
    al: Tensor,
    splits: Mapping[str, tuple[Tensor, Tensor]],
) -> dict[tuple[str, str], Tensor]:
    """The affine-first-layer route for a BN-free MLP (see the module docstring).

    The first layer's pre-activations ``U = W₀·Xᵀ + b₀`` (features × samples) are computed once
    per model of ``bank`` that some pair uses (not once per pair or per point); pair ``p`` runs
    from ``bank[ia[p]]`` to ``bank[ib[p]]``. Each block of points of a pair is
    ``act(U_a + α·(U_b − U_a))`` as one ``(points, features, samples)`` tensor, the later layers
    are batched products with the interpolated weights in the same layout, and loss and error
    are reduced over the class axis, which is not the innermost one, so every step is a
    vectorised pass over samples. On the CPU a block holds about a million activations (it
    stays in cache) and is one pair; on a GPU blocks hold many pairs. Returns sums divided by
    the number of samples, so samples can be cut into blocks too (large data sets).
    """
    act_name = arch.activation
    act = _IN_PLACE.get(act_name) or _activation(act_name)
    n_layers = len(arch.widths) - 1
    used = torch.unique(torch.cat([ia, ib]))
    where = torch.full((int(used.max()) + 1,), -1, dtype=torch.long)
    where[used] = torch.arange(used.numel())
    pa, pb = where[ia].tolist(), where[ib].tolist()
    dev = bank["fc0.weight"].device
    params = {k: v[used.to(dev)] for k, v in bank.items()}
    w0, b0 = params["fc0.weight"], params["fc0.bias"]  # (M, H, in), (M, H)
    m, width = w0.shape[0], w0.shape[1]
    widest = max(arch.widths[1:])
    n_pairs, n_pts = ia.numel(), al.numel()
    budget = _CPU_BLOCK if dev.type == "cpu" else _MAX_ELEMENTS
    out: dict[tuple[str, str], Tensor] = {}
    with torch.no_grad():
        w = al.to(dev, w0.dtype)
        for split, (x, y) in splits.items():
            n = x.shape[0]
            loss_sum = torch.zeros(n_pairs, n_pts, dtype=w0.dtype, device=dev)
            wrong = torch.zeros(n_pairs, n_pts, dtype=w0.dtype, device=dev)
            per_block = max(1, min(n, budget // widest, _BANK_ELEMENTS // (m * width)))
            pts = max(1, min(n_pts, budget // (widest * per_block)))
            per = max(1, min(n_pairs, budget // (widest * per_block * n_pts))) if pts == n_pts else 1
            # one buffer for every block's first hidden layer (no allocation per block)
            buf = torch.empty(per * pts * width * min(n, per_block), dtype=w0.dtype, device=dev)
            for s0 in range(0, n, per_block):
                xs, ys = x[s0 : s0 + per_block], y[s0 : s0 + per_block]
                u = torch.baddbmm(b0.unsqueeze(2), w0, xs.T.unsqueeze(0).expand(m, -1, -1))  # (M, H, n)
                for p0 in range(0, n_pairs, per):
                    q = min(per, n_pairs - p0)
                    ua, ub = _rows(u, pa, p0, q), _rows(u, pb, p0, q)  # (q, H, n)
                    d = ub - ua
                    # every point's later-layer parameters of these pairs, once: (q, A, ...)
                    later = [
                        (
                            _lerp_points(params[f"fc{i}.weight"], pa, pb, p0, q, w),
                            _lerp_points(params[f"fc{i}.bias"], pa, pb, p0, q, w),
                        )
                        for i in range(1, n_layers)
                    ]
                    for k0 in range(0, n_pts, pts):
                        wk = w[k0 : k0 + pts]
                        a = wk.numel()
                        h = buf[: q * a * width * xs.shape[0]].view(q, a, width, -1)
                        torch.addcmul(ua.unsqueeze(1), wk.reshape(1, -1, 1, 1), d.unsqueeze(1), out=h)
                        h = act(h.view(q * a, width, -1))
                        for i, (wt, bt) in enumerate(later, start=1):
                            wt_k = wt[:, k0 : k0 + a].reshape(q * a, *wt.shape[2:])  # (q·a, out, in)
                            bt_k = bt[:, k0 : k0 + a].reshape(q * a, -1, 1)
                            h = torch.baddbmm(bt_k, wt_k, h)
                            if i < n_layers - 1:
                                h = act(h)
                        ls, er = _loss_error_sums(h, ys)  # logits (q·a, classes, n)
                        loss_sum[p0 : p0 + q, k0 : k0 + a] += ls.reshape(q, a)
                        wrong[p0 : p0 + q, k0 : k0 + a] += er.reshape(q, a)
            out["loss", split] = loss_sum / n
            out["error", split] = wrong / n
    return out


def _rows(t: Tensor, index: list[int], p0: int, q: int) -> Tensor:
    """``t[index[p0 : p0 + q]]``; a view, not a copy, for one row."""
    return t[index[p0]].unsqueeze(0) if q == 1 else t[index[p0 : p0 + q]]


def _lerp_points(t: Tensor, pa: list[int], pb: list[int], p0: int, q: int, wk: Tensor) -> Tensor:
    """``(1 − α)·t[pa] + α·t[pb]`` for the ``q`` pairs from ``p0`` and every ``α`` of ``wk``:
    shape ``(q, len(wk), ...)``."""
    ta, tb = _rows(t, pa, p0, q), _rows(t, pb, p0, q)
    shape = (1, -1) + (1,) * (ta.dim() - 1)
    return torch.lerp(ta.unsqueeze(1), tb.unsqueeze(1), wk.reshape(shape))


def _loss_error_sums(logits: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """Summed cross-entropy and number of misclassified samples of ``(B, C, N)`` logits.

    The class axis is reduced as whole vectors over samples (``F.cross_entropy`` on the
    ``(B, C, N)`` layout; no per-sample reductions). ``argmax`` semantics are kept exactly: a
    sample is wrong when another class has a larger logit; where the target class only ties the
    maximum (possible only when its loss is at least log 2) or the logits are NaN, the first
    maximal class decides, computed for those samples alone.

    >>> import torch
    >>> lg = torch.tensor([[[2.0, 0.0, 1.0], [1.0, 0.0, 1.0]]])   # (1 net, 2 classes, 3 samples)
    >>> loss, wrong = _loss_error_sums(lg, torch.tensor([0, 1, 1]))
    >>> wrong.tolist()     # sample 2 ties; argmax picks class 0, so it is wrong
    [2.0]
    >>> ref, _ = _loss_error(lg.transpose(1, 2), torch.tensor([0, 1, 1]))
    >>> bool(torch.allclose(loss / 3, ref))
    True
    """
    b, n = logits.shape[0], logits.shape[-1]
    loss = F.cross_entropy(logits, y.expand(b, n), reduction="none")  # (B, N)
    top = logits.amax(1)
    target = logits.gather(1, y.reshape(1, 1, -1).expand(b, 1, -1)).squeeze(1)
    below = target < top
    # a tie at the top means two terms exp(0) = 1 in the softmax sum, so loss >= log 2
    unsure = ~below & ~(loss < _LOG2_BELOW)
    if bool(unsure.any()):
        bi, ni = unsure.nonzero(as_tuple=True)
        below[bi, ni] = logits[bi, :, ni].argmax(1) != y[ni]
    return loss.sum(-1), below.to(logits.dtype).sum(-1)


_LOG2_BELOW = 0.69
"""Just under log 2: a sample whose target ties the largest logit has at least this loss."""


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
    >>> from catdyn.backends.torch.architectures import MLP
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
    >>> from catdyn.backends.torch.architectures import MLP
    >>> net = MLP((2, 3, 2))
    >>> a = net.init(torch.Generator().manual_seed(0))
    >>> linear_path(net, a, a, (torch.randn(8, 2), torch.randint(0, 2, (8,))), points=3).barrier("error", "test")
    0.0
    """
    al = alpha_grid(points)
    return profile_points(arch, interpolate(a, b, al), al, data, bn=bn, path="linear")
