"""The affine-first-layer route of :func:`~catdyn.backends.torch.paths.interpolation.pair_paths`
for batch-norm-free MLPs: along the straight path ``θ(α) = (1 − α)·θ_a + α·θ_b`` the first
layer's pre-activation is ``(1 − α)·U_a + α·U_b`` with ``U = W₀·Xᵀ + b₀``, so it costs one product
per *model*, not one per point; the later layers run as batched products over blocks of points
sized for the cache, and the pairs are laid out over the cores by the ensemble's shard runner
(:func:`affine_pair_paths`).

>>> import torch
>>> from catdyn.backends.torch.models.architectures import MLP
>>> from catdyn.backends.torch.paths.interpolation import alpha_grid, pair_paths, stack
>>> net = MLP((2, 5, 2))
>>> bank = stack([net.init(torch.Generator().manual_seed(i)) for i in range(3)])
>>> data = {"test": (torch.randn(20, 2), torch.randint(0, 2, (20,)))}
>>> ia, ib = torch.tensor([0, 1]), torch.tensor([1, 2])
>>> fast = affine_pair_paths(net, bank, ia, ib, alpha_grid(4), data)
>>> slow = pair_paths(net, bank, [(0, 1), (1, 2)], alpha_grid(4), data, method="vmap")
>>> bool(torch.allclose(fast["loss", "test"], slow["loss", "test"], atol=1e-5))
True
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from catdyn.backends.torch.models.architectures import MLP, _activation

Params = dict[str, Tensor]

_DEVICE_BLOCK = 2**24
"""Elements of one block, and of the gathered logits, off the CPU (a block holds many pairs there)."""

_CPU_BLOCK = 2**20
"""Elements of one hidden-layer block on the CPU (about 4 MB: a pair's points stay in cache)."""

_LOGITS_BLOCK = 2**19
"""Logits of consecutive blocks gathered for one loss-and-error call on the CPU (2 MB)."""

_BANK_ELEMENTS = 2**24
"""Bound on the first-layer pre-activations kept at once (models × width × samples)."""

_IN_PLACE = {"relu": torch.relu_, "tanh": torch.tanh_, "sigmoid": torch.sigmoid_, "identity": lambda t: t}


def affine_pair_paths(
    arch: MLP,
    bank: Params,
    ia: Tensor,
    ib: Tensor,
    al: Tensor,
    splits: Mapping[str, tuple[Tensor, Tensor]],
    workers: int | str = "auto",
    parallel: str = "auto",
    pin: bool = False,
) -> dict[tuple[str, str], Tensor]:
    """:func:`_mlp_pair_paths` on contiguous shards of the pairs, side by side, laid out and run
    by the ensemble's shard runner (:func:`~catdyn.backends.torch.compute.shards.run_shards`;
    see :func:`~catdyn.backends.torch.paths.interpolation.pair_paths`, which calls it for a
    BN-free MLP; the module docstring has an example). With ``workers="auto"`` a shard never has fewer than two pairs; an
    explicit ``workers`` count is taken as given."""
    from catdyn.backends.torch.compute.shards import run_shards, shard_bounds, shard_plan

    layout = shard_plan(ia.numel(), workers, parallel, min_shard=2, device=bank["fc0.weight"].device)
    if layout.shards == 1:
        return _mlp_pair_paths(arch, bank, ia, ib, al, splits)
    jobs = [_shard_job(arch, bank, ia[sh], ib[sh], al, splits) for sh in shard_bounds(layout)]
    parts = run_shards(_shard, jobs, layout, pin=pin)
    return {k: torch.cat([_from_wire(p[k]) for p in parts]) for k in parts[0]}


def _shard_job(
    arch: MLP,
    bank: Params,
    ia: Tensor,
    ib: Tensor,
    al: Tensor,
    splits: Mapping[str, tuple[Tensor, Tensor]],
) -> tuple[Any, ...]:
    """The arguments of :func:`_shard` for one shard, as a worker process receives them: only
    the bank's models that the shard uses (renumbered), as numpy arrays where the dtype allows
    (a pickled tensor goes through ``torch.save``: 0.8 ms against 0.07 ms for a digits shard),
    else as tensors in their own compact storage (pickling a view would send all its storage)."""
    used = torch.unique(torch.cat([ia, ib]))
    local = torch.empty(int(used.max()) + 1, dtype=torch.long)
    local[used] = torch.arange(used.numel())
    models = {k: _to_wire(v[used]) for k, v in bank.items()}
    data = {s: (_to_wire(x), _to_wire(y)) for s, (x, y) in splits.items()}
    # a plain MLP of the same widths and activation (all the route reads): the cached properties
    # of a used one (its symmetry group, after an alignment) need not pickle, and a subclass
    # defined in a script's __main__ could not be imported by the worker
    plain = MLP(tuple(arch.widths), activation=arch.activation)
    return (plain, models, _to_wire(local[ia]), _to_wire(local[ib]), _to_wire(al), data)


def _shard(
    arch: MLP,
    bank: Mapping[str, Any],
    ia: Any,
    ib: Any,
    al: Any,
    splits: Mapping[str, tuple[Any, Any]],
) -> dict[tuple[str, str], Any]:
    """:func:`_mlp_pair_paths` on arguments from :func:`_shard_job` (what a worker process runs),
    its results in the same wire form.

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> from catdyn.backends.torch.paths.interpolation import alpha_grid, stack
    >>> net = MLP((2, 3, 2))
    >>> bank = stack([net.init(torch.Generator().manual_seed(i)) for i in range(2)])
    >>> data = {"test": (torch.randn(5, 2), torch.tensor([0, 1, 1, 0, 1]))}
    >>> ia, ib = torch.tensor([0]), torch.tensor([1])
    >>> out = _shard(*_shard_job(net, bank, ia, ib, alpha_grid(3), data))
    >>> here = _mlp_pair_paths(net, bank, ia, ib, alpha_grid(3), data)
    >>> bool(torch.equal(_from_wire(out["loss", "test"]), here["loss", "test"]))
    True
    """
    out = _mlp_pair_paths(
        arch,
        {k: _from_wire(v) for k, v in bank.items()},
        _from_wire(ia),
        _from_wire(ib),
        _from_wire(al),
        {s: (_from_wire(x), _from_wire(y)) for s, (x, y) in splits.items()},
    )
    return {k: _to_wire(v) for k, v in out.items()}


_WIRE_DTYPES = (torch.float16, torch.float32, torch.float64, torch.int32, torch.int64, torch.bool)


def _to_wire(t: Tensor) -> Any:
    """A CPU tensor as a numpy array (cheap to pickle) where its dtype has one, else as a tensor
    in its own compact storage."""
    if t.dtype in _WIRE_DTYPES and t.device.type == "cpu":
        return t.detach().numpy()
    whole = t.is_contiguous() and t.storage_offset() == 0
    return t if whole and t.untyped_storage().nbytes() == t.numel() * t.element_size() else t.clone()


def _from_wire(v: Any) -> Tensor:
    """The inverse of :func:`_to_wire` (an unpickled array may be read-only: copied then)."""
    if isinstance(v, np.ndarray):
        return torch.from_numpy(v if v.flags.writeable else v.copy())
    return v


def _mlp_pair_paths(
    arch: MLP,
    bank: Params,
    ia: Tensor,
    ib: Tensor,
    al: Tensor,
    splits: Mapping[str, tuple[Tensor, Tensor]],
    endpoints: bool = True,
) -> dict[tuple[str, str], Tensor]:
    """The affine-first-layer route for a BN-free MLP (see the module docstring).

    The first layer's pre-activations ``U = W₀·Xᵀ + b₀`` (features × samples) are computed once
    per model of ``bank`` that some pair uses (not once per pair or per point); pair ``p`` runs
    from ``bank[ia[p]]`` to ``bank[ib[p]]``. Each block of points of a pair is
    ``act(U_a + α·(U_b − U_a))`` as one ``(points, features, samples)`` tensor, the later layers
    are batched products with the interpolated weights in the same layout, and loss and error
    are reduced over the class axis, which is not the innermost one, so every step is a
    vectorised pass over samples. On the CPU a block holds about a million activations (it
    stays in cache) and is one pair; on a GPU blocks hold many pairs. The splits' samples are
    taken together (one pass per block for ``train`` and ``test``: a quarter fewer blocks and
    half the per-pair set-up on digits) and summed apart; sums are divided by each split's
    size at the end, so samples can be cut into blocks too (large data sets).

    The log-softmax of consecutive blocks' logits is gathered (up to ``_LOGITS_BLOCK`` on the
    CPU) for one :func:`_loss_error_sums` call: its dozen small calls are then made about 110
    rather than 480 times for 120 pairs (a few per cent). Each block's log-softmax is taken as
    soon as the output layer has written its logits (still in cache), straight into that
    buffer; the logits are kept aside only for the rare tie fallback. Against copying the logits
    into the buffer and one log-softmax per gathered buffer, with the sure/unsure test of
    :func:`_loss_error_sums` as one reduction: 120 pairs × 25 points on one thread, 175.7 ms →
    168.2 ms (medians of 21, interleaved; minima 167.6 → 162.1 ms). Also measured and *not*
    kept: the later layers' interpolated parameters for all pairs in one lerp before the loop
    (172.7 ms, no gain), and the output layer as a channels-last convolution (the log-softmax
    of its (samples, classes) layout: 0.52 ms a block of 8 points against 0.34 ms).

    **Endpoints** (``endpoints=True``): at ``α = 0`` the loop's network ``1·θ_a + 0·θ_b`` *is*
    ``θ_a`` (and ``θ_b`` at ``α = 1``), so those columns are each endpoint model's own loss and
    error, evaluated once per model of the bank rather than once per pair (16 models, 120 pairs:
    2 of 25 points of every pair become 16 model evaluations; about 8 % of the work). Where a
    parameter is not finite, ``0·θ`` is not zero, so every point is computed along the path.
    """
    route = _AffineRoute(arch, bank, ia, ib, al, splits, endpoints)
    with torch.no_grad():
        for s0 in range(0, route.n, route.per_block):
            route.add_sample_block(s0)
    return route.profiles()


class _AffineRoute:
    """One :func:`_mlp_pair_paths` call: the bank's models that the pairs use, the endpoint
    shortcut, the block sizes and buffers, and the per-split sums that the blocks of samples
    add to (over every (pair, inner point) and every end model)."""

    def __init__(
        self,
        arch: MLP,
        bank: Params,
        ia: Tensor,
        ib: Tensor,
        al: Tensor,
        splits: Mapping[str, tuple[Tensor, Tensor]],
        endpoints: bool,
    ) -> None:
        self.act = _IN_PLACE.get(arch.activation) or _activation(arch.activation)
        self.n_layers = len(arch.widths) - 1
        used = torch.unique(torch.cat([ia, ib]))
        where = torch.full((int(used.max()) + 1,), -1, dtype=torch.long)
        where[used] = torch.arange(used.numel())
        self.pa, self.pb = where[ia].tolist(), where[ib].tolist()
        self.dev = bank["fc0.weight"].device
        self.params = {k: v[used.to(self.dev)] for k, v in bank.items()}
        w0 = self.params["fc0.weight"]  # (M, H, in)
        self.dtype, self.m, self.width = w0.dtype, w0.shape[0], w0.shape[1]
        self.widest, self.classes = max(arch.widths[1:]), arch.widths[-1]
        self.n_pairs = ia.numel()
        self.budget = _CPU_BLOCK if self.dev.type == "cpu" else _DEVICE_BLOCK
        self._points(al, endpoints)
        self._samples(splits)
        self._buffers()

    def _points(self, al: Tensor, endpoints: bool) -> None:
        """Which points are computed along the paths (``inner``) and which come from the end
        models' own evaluation (``α = 0`` and ``1`` with the shortcut)."""
        self.at0, self.at1 = (al == 0).tolist(), (al == 1).tolist()
        finite = all(bool(v.isfinite().all()) for v in self.params.values())
        self.shortcut = endpoints and (any(self.at0) or any(self.at1)) and finite
        self.inner = [k for k in range(al.numel()) if not (self.shortcut and (self.at0[k] or self.at1[k]))]
        starts = self.pa if self.shortcut and any(self.at0) else ()
        self.ends = sorted({*starts, *(self.pb if self.shortcut and any(self.at1) else ())})
        self.n_in = len(self.inner)
        self.w = al[self.inner].to(self.dev, self.dtype)
        self.w4 = self.w.reshape(1, -1, 1, 1)

    def _samples(self, splits: Mapping[str, tuple[Tensor, Tensor]]) -> None:
        """The splits' samples taken together; split ``g`` is samples ``edges[g]:edges[g + 1]``."""
        self.names = list(splits)
        self.sizes = [splits[s][0].shape[0] for s in self.names]
        self.edges = [sum(self.sizes[:g]) for g in range(len(self.sizes) + 1)]
        one = len(self.names) == 1
        self.x = splits[self.names[0]][0] if one else torch.cat([splits[s][0] for s in self.names])
        self.y = splits[self.names[0]][1] if one else torch.cat([splits[s][1] for s in self.names])
        self.n = self.x.shape[0]

    def _buffers(self) -> None:
        """Block sizes (a block of one pair's points stays in cache on the CPU), the per-split
        sums, one buffer for every block's first hidden layer (no allocation per block) and one
        that gathers the log-softmax of consecutive blocks for one loss-and-error call."""
        n, n_in, widest, budget, width = self.n, self.n_in, self.widest, self.budget, self.width
        kw = {"dtype": self.dtype, "device": self.dev}
        self.loss_sum = torch.zeros(len(self.names), self.n_pairs * n_in, **kw)  # type: ignore[arg-type]
        self.wrong = torch.zeros_like(self.loss_sum)
        self.end_loss = torch.zeros(len(self.names), self.m, **kw)  # type: ignore[arg-type]
        self.end_wrong = torch.zeros_like(self.end_loss)
        self.per_block = max(1, min(n, budget // widest, _BANK_ELEMENTS // (self.m * width)))
        pts = max(1, min(n_in, budget // (widest * self.per_block)))
        # equal chunks of points: 23 as 8, 8, 7 rather than 11, 11, 1
        self.pts = -(-n_in // -(-n_in // pts)) if n_in else 1
        fits = budget // (widest * self.per_block * max(n_in, 1))
        self.per = max(1, min(self.n_pairs, fits)) if self.pts == n_in else 1
        nb = min(n, self.per_block)
        self.buf = torch.empty(self.per * self.pts * width * nb, **kw)  # type: ignore[arg-type]
        gather = _LOGITS_BLOCK if self.dev.type == "cpu" else _DEVICE_BLOCK
        self.cap = max(self.per * self.pts, gather // (self.classes * nb))
        self.logits = torch.empty(self.cap * self.classes * nb, **kw)  # type: ignore[arg-type]

    def add_sample_block(self, s0: int) -> None:
        """The sums of samples ``s0 : s0 + per_block``: the first layer once per model, then
        the end models and the pairs' inner points."""
        xs, ys = self.x[s0 : s0 + self.per_block], self.y[s0 : s0 + self.per_block]
        ns = xs.shape[0]
        # the splits met by this block, and their samples in it
        pairs = itertools.pairwise(self.edges)
        met = [g for g, (lo, hi) in enumerate(pairs) if lo < s0 + ns and hi > s0]
        cuts = (met, [(max(self.edges[g] - s0, 0), min(self.edges[g + 1] - s0, ns)) for g in met])
        # (M, H, n): one product for every model, as one group of M·H filters
        w0, b0 = self.params["fc0.weight"], self.params["fc0.bias"]
        u = _batched_affine(w0.reshape(1, self.m * self.width, -1), xs.T.contiguous().unsqueeze(0), b0.reshape(1, -1))
        u = u.view(self.m, self.width, ns)
        off = _off_target(ys, self.classes, self.dtype)
        self._end_sums(u, ys, off, cuts)
        self._pair_sums(u, ys, off, cuts)

    def _end_sums(self, u: Tensor, ys: Tensor, off: Tensor, cuts: Any) -> None:
        """The end models' own loss and error on this block (the shortcut's columns)."""
        step = max(1, self.budget // (self.widest * u.shape[-1]))
        for c in range(0, len(self.ends), step):
            idx = self.ends[c : c + step]
            h = self.act(u[idx])  # advanced indexing copies, so u is left as it was
            for i in range(1, self.n_layers):
                h = _batched_affine(self.params[f"fc{i}.weight"][idx], h, self.params[f"fc{i}.bias"][idx])
                if i < self.n_layers - 1:
                    h = self.act(h)
            _add_sums(h, len(idx), ys, off, cuts, self.end_loss, self.end_wrong, idx)

    def _pair_sums(self, u: Tensor, ys: Tensor, off: Tensor, cuts: Any) -> None:
        """Every pair's inner points on this block, ``per`` pairs and ``pts`` points a block;
        rows of ``logits`` hold (pair, point) entries in the order of the flat (P·A) profile."""
        first, filled, raws = 0, 0, []
        for p0 in range(0, self.n_pairs if self.n_in else 0, self.per):
            q = min(self.per, self.n_pairs - p0)
            ua, ub = _rows(u, self.pa, p0, q), _rows(u, self.pb, p0, q)  # (q, H, n)
            ua, d = ua.unsqueeze(1), (ub - ua).unsqueeze(1)  # (q, 1, H, n)
            later = self._later_layers(p0, q)
            for k0 in range(0, self.n_in, self.pts):
                a = min(self.pts, self.n_in - k0)
                if filled + q * a > self.cap:
                    where = slice(first, first + filled)
                    _add_sums(self.logits, filled, ys, off, cuts, self.loss_sum, self.wrong, where, raws)
                    first, filled, raws = first + filled, 0, []
                raws.extend(self._block(ua, d, later, q, k0, a, filled))
                filled += q * a
        where = slice(first, first + filled)
        _add_sums(self.logits, filled, ys, off, cuts, self.loss_sum, self.wrong, where, raws)

    def _later_layers(self, p0: int, q: int) -> list[tuple[Tensor, Tensor]]:
        """Every point's later-layer parameters of pairs ``p0 : p0 + q``, once: ``(q·A, ...)``."""
        pa, pb, w = self.pa, self.pb, self.w
        return [
            (
                _lerp_points(self.params[f"fc{i}.weight"], pa, pb, p0, q, w).flatten(0, 1),
                _lerp_points(self.params[f"fc{i}.bias"], pa, pb, p0, q, w).flatten(0, 1),
            )
            for i in range(1, self.n_layers)
        ]

    def _block(
        self, ua: Tensor, d: Tensor, later: list[tuple[Tensor, Tensor]], q: int, k0: int, a: int, filled: int
    ) -> list[Tensor]:
        """Points ``k0 : k0 + a`` of ``q`` pairs through the network; their log-softmax into
        the gathering buffer at row ``filled``; the raw logits returned (for the tie fallback)."""
        ns, width, classes = ua.shape[-1], self.width, self.classes
        h = self.buf[: q * a * width * ns].view(q, a, width, ns)
        torch.addcmul(ua, self.w4[:, k0 : k0 + a], d, out=h)
        h = self.act(h.view(q * a, width, ns))
        raws = []
        for i, (wt, bt) in enumerate(later, start=1):
            # several pairs per block only with all their points (pts == n_in)
            wt_k, bt_k = (wt, bt) if q > 1 else (wt[k0 : k0 + a], bt[k0 : k0 + a])
            if i < self.n_layers - 1:
                h = self.act(_batched_affine(wt_k, h, bt_k))
            else:
                # the log-softmax of the block's fresh logits (still in cache) goes into the
                # gathering buffer; the logits themselves are kept only for the rare tie
                # fallback (this replaced a copy of the logits into the buffer and one
                # log-softmax per gathered buffer: see _loss_error_sums)
                res = _batched_affine(wt_k, h, bt_k)
                out = self.logits[filled * classes * ns : (filled + q * a) * classes * ns]
                torch.log_softmax(res, 1, out=out.view(q * a, classes, ns))
                raws.append(res)
        return raws

    def profiles(self) -> dict[tuple[str, str], Tensor]:
        """``{(metric, split): (P, A)}``: the sums over each split's samples divided by its size,
        with the end models' columns where the shortcut applies."""
        out: dict[tuple[str, str], Tensor] = {}
        for g, split in enumerate(self.names):
            for metric, sums, ends_sums in (("loss", self.loss_sum, self.end_loss), ("error", self.wrong, self.end_wrong)):
                values = _with_ends(
                    sums[g].view(self.n_pairs, self.n_in),
                    ends_sums[g],
                    self.inner,
                    self.at0,
                    self.at1,
                    self.pa,
                    self.pb,
                    self.shortcut,
                )
                out[metric, split] = values / self.sizes[g]
        return out


def _add_sums(
    logits: Tensor,
    rows: int,
    y: Tensor,
    off: Tensor,
    cuts: tuple[list[int], list[tuple[int, int]]],
    loss_sum: Tensor,
    wrong: Tensor,
    where: slice | list[int],
    raws: list[Tensor] | None = None,
) -> None:
    """Add the summed loss and error of ``rows`` blocks of ``(classes, N)`` logits (the start of
    ``logits``, flat or not) to ``loss_sum[g, where]`` and ``wrong[g, where]``, where
    ``cuts = (splits, ranges)``: split ``splits[j]`` is samples ``ranges[j]`` of the block. With
    ``raws`` ``logits`` holds their log-softmax already, and ``raws`` the logits, in pieces."""
    if not rows:
        return
    n = y.shape[0]
    splits, segments = cuts
    block = logits.reshape(-1)[: rows * off.shape[1] * n].view(rows, -1, n)
    if raws is None:
        ls, er = _loss_error_sums(block, y, off, segments)
    else:
        ls, er = _loss_error_sums(block, y, off, segments, logits_of=lambda: torch.cat(raws))
    if not isinstance(where, slice):  # outer indexing: every split met × every listed column
        rows_at: Any = torch.tensor(splits, device=ls.device)[:, None]
        where = torch.tensor(where, device=ls.device)[None, :]  # type: ignore[assignment]
    else:
        rows_at = slice(None) if splits == list(range(loss_sum.shape[0])) else splits
    loss_sum[rows_at, where] += ls.T
    wrong[rows_at, where] += er.T


def _with_ends(
    inner_values: Tensor,
    model_values: Tensor,
    inner: list[int],
    at0: list[bool],
    at1: list[bool],
    pa: list[int],
    pb: list[int],
    shortcut: bool,
) -> Tensor:
    """The ``(P, A)`` profile: computed columns ``inner``, and with the endpoint shortcut the
    ``α = 0`` columns from the pairs' first models and the ``α = 1`` columns from their second."""
    if not shortcut:
        return inner_values
    full = inner_values.new_empty(inner_values.shape[0], len(at0))
    full[:, inner] = inner_values
    for k, (zero, one) in enumerate(zip(at0, at1, strict=True)):
        if zero or one:
            full[:, k] = model_values[pa if zero else pb]
    return full


def _batched_affine(w: Tensor, h: Tensor, b: Tensor, out: Tensor | None = None) -> Tensor:
    """``w @ h + b`` for stacks ``w`` ``(B, M, K)``, ``h`` ``(B, K, N)`` and ``b`` ``(B, M)``:
    ``(B, M, N)``, written to ``out`` when given.

    On a CPU with AVX-512, in float32, this is one grouped 1 × 1 convolution in oneDNN (B groups
    of M filters over K channels), whose AVX-512 kernels beat MKL's batched GEMM behind
    :func:`torch.baddbmm` on those CPUs; without AVX-512 oneDNN has no such edge and ``baddbmm``
    runs (the measurements on both machines are in docs/performance.md)
    (:func:`_affine_kernel`). The rule is fixed per machine, not timed per call, so that a run's
    numbers do not depend on how loaded the machine was (the two kernels round differently, by a
    few 1e-6). The convolution is a private operator of torch's
    (``torch.ops.mkldnn._convolution_pointwise``, the one Inductor emits), so it is used only
    after a check on first use that it exists and agrees with ``baddbmm``; elsewhere (other
    dtypes, devices, or a torch without it) ``baddbmm`` runs.

    >>> import torch
    >>> w, h, b = torch.randn(3, 4, 5), torch.randn(3, 5, 6), torch.randn(3, 4)
    >>> bool(torch.allclose(_batched_affine(w, h, b), torch.baddbmm(b.unsqueeze(2), w, h), atol=1e-5))
    True
    """
    if h.device.type == "cpu" and h.dtype == torch.float32 == w.dtype == b.dtype and _affine_kernel() == "onednn":
        g, m, k = w.shape
        res = torch.ops.mkldnn._convolution_pointwise(
            h.reshape(1, g * k, h.shape[-1]),
            w.reshape(g * m, k, 1),
            b.reshape(g * m),
            [0],
            [1],
            [1],
            g,
            "none",
            [],
            "",
        ).view(g, m, -1)
        return res if out is None else out.copy_(res)
    if out is None:
        return torch.baddbmm(b.unsqueeze(2), w, h)
    return torch.baddbmm(b.unsqueeze(2), w, h, out=out)


_ONEDNN: list[bool] = []
"""Whether oneDNN's grouped convolution is usable for :func:`_batched_affine` (decided once)."""

_AFFINE_KERNEL: list[str] = []
"""The CPU float32 kernel of :func:`_batched_affine`, ``"onednn"`` or ``"baddbmm"`` (decided once)."""


def _affine_kernel() -> str:
    """``"onednn"`` where oneDNN's grouped convolution is usable and torch runs AVX-512 kernels
    on this CPU, else ``"baddbmm"`` (see :func:`_batched_affine`).

    >>> _affine_kernel() in ("onednn", "baddbmm")
    True
    """
    if not _AFFINE_KERNEL:
        wide = torch.backends.cpu.get_cpu_capability().startswith("AVX512")
        _AFFINE_KERNEL.append("onednn" if wide and _onednn_ok() else "baddbmm")
    return _AFFINE_KERNEL[0]


def _onednn_ok() -> bool:
    if not _ONEDNN:
        ok = False
        try:
            if torch.backends.mkldnn.is_available():
                g = torch.Generator().manual_seed(0)
                w, h, b = (torch.randn(*shape, generator=g) for shape in ((3, 10, 17), (3, 17, 37), (3, 10)))
                got = torch.ops.mkldnn._convolution_pointwise(
                    h.reshape(1, 51, 37),
                    w.reshape(30, 17, 1),
                    b.reshape(30),
                    [0],
                    [1],
                    [1],
                    3,
                    "none",
                    [],
                    "",
                ).view(3, 10, 37)
                ok = bool(torch.allclose(got, torch.baddbmm(b.unsqueeze(2), w, h), rtol=1e-5, atol=1e-5))
        except (AttributeError, RuntimeError):
            ok = False
        _ONEDNN.append(ok)
    return _ONEDNN[0]


def _rows(t: Tensor, index: list[int], p0: int, q: int) -> Tensor:
    """``t[index[p0 : p0 + q]]``; a view, not a copy, for one row."""
    return t[index[p0]].unsqueeze(0) if q == 1 else t[index[p0 : p0 + q]]


def _lerp_points(t: Tensor, pa: list[int], pb: list[int], p0: int, q: int, wk: Tensor) -> Tensor:
    """``(1 − α)·t[pa] + α·t[pb]`` for the ``q`` pairs from ``p0`` and every ``α`` of ``wk``:
    shape ``(q, len(wk), ...)``."""
    ta, tb = _rows(t, pa, p0, q), _rows(t, pb, p0, q)
    shape = (1, -1) + (1,) * (ta.dim() - 1)
    return torch.lerp(ta.unsqueeze(1), tb.unsqueeze(1), wk.reshape(shape))


def _loss_error_sums(
    logits: Tensor,
    y: Tensor,
    off_target: Tensor | None = None,
    ranges: Sequence[tuple[int, int]] | None = None,
    logits_of: Callable[[], Tensor] | None = None,
) -> tuple[Tensor, Tensor]:
    """Summed cross-entropy and number of misclassified samples of ``(B, C, N)`` logits.

    One ``log_softmax`` over the class axis (on the ``(B, C, N)`` layout every step is a
    vectorised pass over samples) serves both: the loss is minus its target entry, and a sample
    is wrong when the largest of its *other* entries (the target entry set to −∞ in the
    log-softmax by adding ``off_target``, :func:`_off_target` of ``y``, then ``amax``) exceeds
    the target's. ``log_softmax`` subtracts the same two numbers from every class of a sample,
    a monotone map, so a strict order between its entries is a strict order between the
    logits; an equal pair (a tie at the top, or one made by rounding) or a NaN (a NaN or
    infinite logit) is settled by ``argmax`` of those samples' logits alone, which keeps
    ``argmax``'s semantics exactly: the first maximal class decides, and a NaN counts as
    maximal. Whether any sample is unsure is one reduction: the gap ``other − target`` is
    zero only for equal entries (a difference of distinct floats does not round to zero) and
    NaN for a NaN, and ``amin`` of its absolute value propagates NaN, so ``amin > 0`` means
    none is (this replaced four passes of masks over the samples). With ``ranges``
    (``(first, last)`` ranges of samples) the sums are ``(B, len(ranges))``, one column per
    range. With ``logits_of`` ``logits`` holds their log-softmax already (it is overwritten)
    and ``logits_of()`` gives the logits, asked for only when a sample is unsure.

    Measured on 11 × 10 × 1,438 digits logits: 0.17 ms against 0.23 ms for ``F.cross_entropy``
    plus an ``amax`` test with an ``argmax`` fallback for every sample whose loss reached
    log 2 (3.5 % of them, and the fallback was a third of the time); the target's entry taken by
    ``index_select`` on the flat ``(B, C·N)`` view (half the time of ``gather`` with an
    expanded index), −∞ put in by an add (``scatter_`` took twice as long). In the whole route
    (120 pairs × 25 points, one thread) loss and error went from 105 ms to about 40 ms.

    >>> import torch
    >>> lg = torch.tensor([[[2.0, 0.0, 1.0], [1.0, 0.0, 1.0]]])   # (1 net, 2 classes, 3 samples)
    >>> loss, wrong = _loss_error_sums(lg, torch.tensor([0, 1, 1]))
    >>> wrong.tolist()     # sample 2 ties; argmax picks class 0, so it is wrong
    [2.0]
    >>> from catdyn.backends.torch.paths.interpolation import _loss_error
    >>> ref, _ = _loss_error(lg.transpose(1, 2), torch.tensor([0, 1, 1]))
    >>> bool(torch.allclose(loss / 3, ref))
    True
    """
    b, n = logits.shape[0], logits.shape[-1]
    if logits_of is None:
        lsm = torch.log_softmax(logits, 1)
    else:  # `logits` holds the log-softmax already (overwritten here); the logits come on demand
        lsm, logits = logits, None  # type: ignore[assignment]
    # (B, 1, N): minus each sample's loss
    flat = y * n + torch.arange(n, device=y.device)
    target = lsm.view(b, -1).index_select(1, flat).view(b, 1, n)
    lsm += _off_target(y, lsm.shape[1], lsm.dtype) if off_target is None else off_target
    other = lsm.amax(1, keepdim=True)  # the largest non-target entry
    gap = other - target  # (zero only for equal entries: a difference of floats never rounds to 0)
    wrong = gap > 0
    # a zero or NaN gap (a tie, or a NaN) is unsure; amin propagates NaN, so one reduction and
    # one sync tell (four fewer passes over the samples than the masks ~wrong & ~(other < target))
    if not bool(gap.abs_().amin() > 0):
        unsure = ~wrong & ~(other < target)  # equal, or NaN
        bi, _, ni = unsure.nonzero(as_tuple=True)
        raw = logits if logits_of is None else logits_of()
        wrong[bi, 0, ni] = raw[bi, :, ni].argmax(1) != y[ni]
    if ranges is None:
        return -target.sum((1, 2)), wrong.sum((1, 2)).to(lsm.dtype)
    # (index_add_ over the sample axis, one call for every range, took 15 % of the route: a
    # scatter; a slice and a sum per range are cheap)
    loss = torch.stack([target[:, 0, lo:hi].sum(1) for lo, hi in ranges], 1)
    errors = torch.stack([wrong[:, 0, lo:hi].sum(1) for lo, hi in ranges], 1)
    return -loss, errors.to(lsm.dtype)


def _off_target(y: Tensor, classes: int, dtype: torch.dtype) -> Tensor:
    """``(1, classes, N)``: −∞ at each sample's target class, 0 elsewhere (see
    :func:`_loss_error_sums`).

    >>> _off_target(torch.tensor([1, 0]), 2, torch.float32).tolist()
    [[[0.0, -inf], [-inf, 0.0]]]
    """
    out = torch.zeros(1, classes, y.shape[0], dtype=dtype, device=y.device)
    return out.scatter_(1, y.reshape(1, 1, -1), float("-inf"))
