"""The two engines that compute an ensemble's losses and gradients, one step at a time, for
:func:`~catdyn.backends.torch.training.ensemble.train_ensemble` (which draws the batches, runs
the optimiser and handles failures):

* ``"generic"`` (:class:`GenericEngine`): ``torch.func.vmap`` over ``grad_and_value`` of
  ``arch.apply``, for every architecture;
* ``"fast"`` (:class:`FastMLPEngine`): for plain MLPs (:func:`fast_path_reason` says when),
  batched matrix products with a hand-written backward pass in one flat parameter buffer.

>>> import torch
>>> from catdyn.backends.torch.data.datasets import load_digits
>>> from catdyn.backends.torch.models.architectures import MLP
>>> net, data = MLP((64, 8, 10)), load_digits().train
>>> params = {n: t.unsqueeze(0).repeat(2, *[1] * t.ndim) for n, t in net.init(torch.Generator().manual_seed(0)).items()}
>>> fast = make_engine(net, params, data, batch_size=16, use_fast=True, beside_threads=False)
>>> generic = make_engine(net, params, data, batch_size=16, use_fast=False, beside_threads=False)
>>> rows = torch.arange(32).reshape(1, 2, 16)
>>> losses = []
>>> for engine in (fast, generic):
...     engine.load_chunk(rows); engine.load_batch(0)
...     out = torch.empty(2); _ = engine.loss_and_grads(out); losses.append(out)
>>> bool(torch.allclose(losses[0], losses[1], atol=1e-6))
True
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.backends.torch.data.datasets import Dataset
from catdyn.backends.torch.models.architectures import MLP, Architecture

Params = dict[str, Tensor]

FAST_ACTIVATIONS = ("relu", "tanh", "sigmoid", "identity")
"""MLP activations the fast path differentiates by hand."""

# aten overloads resolved once (a call through the packet, torch.ops.aten.name(...), resolves the
# overload again each time, tens of µs of Python with the GIL held)
_CONV_BACKWARD = torch.ops.aten.convolution_backward.default
_THRESHOLD_BACKWARD = torch.ops.aten.threshold_backward.grad_input
_TANH_BACKWARD = torch.ops.aten.tanh_backward.grad_input
_SIGMOID_BACKWARD = torch.ops.aten.sigmoid_backward.grad_input
_LOG_SOFTMAX_BACKWARD = torch.ops.aten._log_softmax_backward_data.out

FIRST_LAYER_KERNELS: dict[tuple[int, int, int, int, torch.dtype, bool], tuple[bool, bool, float]] = {}
"""The fast path's first-layer kernel choice on the CPU, timed once per process and shape
(members, batch, inputs + 1, outputs, dtype, beside other shards' threads): (oneDNN forward?,
oneDNN weight gradient?,
seconds the timing took). Like ``torch.backends.cudnn.benchmark``, only the first ensemble of a
shape pays for the timing; the choice changes speed only, never results."""


def fast_path_reason(arch: Architecture, data: Dataset) -> str | None:
    """Why the fast MLP path does not apply (``None`` when it does).

    >>> from catdyn.backends.torch.data.datasets import load_digits
    >>> fast_path_reason(MLP((64, 10)), load_digits().train) is None
    True
    >>> fast_path_reason(MLP((64, 10), activation="gelu"), load_digits().train)
    "activation 'gelu' (the fast path has relu, tanh, sigmoid, identity)"
    """
    if not isinstance(arch, MLP):
        return f"it is a {type(arch).__name__}, not an MLP"
    if arch.batch_norm:
        return "it has batch norm"
    if arch.activation not in FAST_ACTIVATIONS:
        return f"activation {arch.activation!r} (the fast path has {', '.join(FAST_ACTIVATIONS)})"
    if data.x.ndim != 2 or data.x.shape[1] != arch.widths[0]:
        return f"inputs of shape {tuple(data.x.shape[1:])} are not vectors of width {arch.widths[0]}"
    return None


class Engine(ABC):
    """One ensemble's training state; subclasses compute losses and gradients.

    ``tensors`` are what the optimiser updates, in the engine's own layout; ``hyper`` shapes a
    per-member ``(K,)`` hyperparameter for them and ``restore`` puts back the parameters of
    members that are no longer alive.
    """

    tensors: list[Tensor]
    k: int
    chunk_rows: Tensor | None = None

    def load_chunk(self, schedule: Tensor) -> None:
        """The index batches ``(m, K, B)`` of the next ``m`` steps (kept for :meth:`load_batch`)."""
        self.chunk_rows = schedule

    @abstractmethod
    def load_batch(self, i: int) -> None:
        """Gather the batch of step ``i`` of the current chunk."""

    @abstractmethod
    def loss_and_grads(self, loss_out: Tensor) -> list[Tensor]:
        """Write each member's loss into ``loss_out`` and return the gradients."""

    @abstractmethod
    def export(self) -> Params:
        """The members' parameters as an ordered dict of stacked tensors."""

    def hyper(self, values: Tensor) -> Tensor | float | None:
        """A ``(K,)`` hyperparameter as the optimiser should get it: ``None`` when all zero, a
        number when all members share it, else in the engine's layout."""
        first = float(values[0])
        if bool((values == first).all()):
            return None if first == 0 else first
        return self._spread(values)

    def _spread(self, values: Tensor) -> Tensor:
        return values

    def restore(self, frozen: list[Tensor], alive: Tensor) -> None:
        for p, f in zip(self.tensors, frozen):
            torch.where(alive.view(self.k, *[1] * (p.ndim - 1)), p, f, out=p)


class GenericEngine(Engine):
    """torch.func: vmap over grad_and_value of arch.apply (buffers are carried, not trained)."""

    def __init__(self, arch: Architecture, params: Params, data: Dataset) -> None:
        self.arch = arch
        self.order = list(params)
        frozen = set(arch.buffers())
        self.names = [n for n in params if n not in frozen]
        self.buffers = {n: params[n] for n in params if n in frozen}
        self.tensors = [params[n].clone() for n in self.names]
        self.x, self.y = data.x, data.y
        self.k = self.tensors[0].shape[0]
        train = bool(frozen)

        def loss(trainable: Params, buffers: Params, x: Tensor, y: Tensor) -> Tensor:
            logits = (
                arch.apply({**trainable, **buffers}, x, train=True) if train else arch.apply(trainable, x)
            )
            return F.cross_entropy(logits, y)

        self._vg = torch.func.vmap(torch.func.grad_and_value(loss))
        self._xb: Tensor | None = None
        self._yb: Tensor | None = None

    def load_batch(self, i: int) -> None:
        assert self.chunk_rows is not None
        flat = self.chunk_rows[i].reshape(-1)
        self._xb = self.x.index_select(0, flat).view(self.k, -1, *self.x.shape[1:])
        self._yb = self.y.index_select(0, flat).view(self.k, -1)

    def loss_and_grads(self, loss_out: Tensor) -> list[Tensor]:
        grads, loss = self._vg(dict(zip(self.names, self.tensors)), self.buffers, self._xb, self._yb)
        loss_out.copy_(loss)
        return [grads[n] for n in self.names]

    def export(self) -> Params:
        out = dict(zip(self.names, self.tensors))
        out.update(self.buffers)
        return {n: out[n] for n in self.order}


class FastMLPEngine(Engine):
    """Batched matrix products with a hand-written backward pass for plain MLPs.

    Every parameter lives in one flat buffer (and every gradient in another), so an optimiser
    step is one fused operation whatever the depth. A hidden layer's weight and bias form one
    ``(K, in + 1, out)`` block (the transposed weight with the bias as its last row), multiplied
    by activations ``(K, B, in + 1)`` that end in a column of ones: the product includes the bias
    and ``dW = aᵀ·δ`` yields the bias gradient in its last row. The output layer is kept
    ``(K, classes, in + 1)`` and its logits feature-major ``(K, classes, B)``, where the softmax
    over a short axis and the thin products are fast. The batch's targets are a one-hot
    ``(K, classes, B)`` scaled by −1/B (only the B·K entries that change are rewritten each
    step): the loss is one dot product with the log-probabilities and ``dlogits`` one
    log-softmax backward. Every buffer and view is made once; a step is a fixed list of
    ``out=`` operations (no temporaries, the activation backward in place).
    """

    def __init__(
        self, arch: MLP, params: Params, data: Dataset, batch_size: int, beside_threads: bool = False
    ) -> None:
        self.arch = arch
        self.widths = arch.widths
        self.n_layers = len(self.widths) - 1
        w0 = params["fc0.weight"]
        self.k, self.dtype, dev = w0.shape[0], w0.dtype, w0.device
        self.b = batch_size
        x = data.x.to(self.dtype)
        # Input features that are zero in every training sample (e.g. digits' blank border
        # pixels) add exact zeros to the first layer's products and get exactly zero gradient
        # from the data, so the products skip them: their weights sit in a block of their own
        # whose gradient stays zero (weight decay still reaches them through the optimiser).
        if self.n_layers > 1:
            dead = (x == 0).all(0)
        else:
            dead = torch.zeros(x.shape[1], dtype=torch.bool, device=dev)
        self.live = torch.nonzero(~dead).flatten()
        self.dead = torch.nonzero(dead).flatten()
        self._make_blocks(dev)
        self._load_params(params)
        self._make_batch_buffers(x, data.y.to(dev))
        self._make_layer_buffers()
        self.act = arch.activation
        self.conv_fwd0 = self.conv_grad0 = False
        # With oneDNN's weight gradient (which cannot fold a momentum update), the trainer may
        # take the first block's gradient as it is (:attr:`pending_grad0`) and give it the whole
        # SGD step in one fused pass (see :class:`_Stepper`)
        self.defer_first_block = False
        self.pending_grad0: Tensor | None = None
        cpu32 = dev.type == "cpu" and self.dtype == torch.float32
        if self.n_layers > 1 and cpu32 and torch.backends.mkldnn.is_available():
            self._choose_first_layer_kernels(beside_threads)

    def _make_blocks(self, dev: torch.device) -> None:
        """One flat buffer for every parameter (and one for every gradient), cut into the
        layers' blocks; the dead inputs' weights in a last block of their own."""
        k, nl, n_live, n_dead = self.k, self.n_layers, len(self.live), len(self.dead)
        shapes = [(k, self.widths[i] + 1, self.widths[i + 1]) for i in range(nl - 1)]
        shapes.append((k, self.widths[-1], self.widths[-2] + 1))
        if n_dead:
            shapes[0] = (k, n_live + 1, self.widths[1])
            shapes.append((k, n_dead, self.widths[1]))
        sizes = [math.prod(s) for s in shapes]
        self.flat = torch.empty(sum(sizes), dtype=self.dtype, device=dev)
        self.gflat = torch.zeros_like(self.flat)
        self.blocks, self.gblocks = [], []
        offset = 0
        for shape, size in zip(shapes, sizes):
            self.blocks.append(self.flat[offset : offset + size].view(shape))
            self.gblocks.append(self.gflat[offset : offset + size].view(shape))
            offset += size
        self.dead_block = self.blocks.pop() if n_dead else None
        if n_dead:
            self.gblocks.pop()
        self._sizes = sizes
        self._member_of: Tensor | None = None
        self.tensors = [self.flat]
        self.grads = [self.gflat]

    def _load_params(self, params: Params) -> None:
        """The stacked parameters into their blocks (transposed weight, bias as the last row;
        the output layer's weight as it is, bias as the last column)."""
        n_live, nl = len(self.live), self.n_layers
        for i in range(nl):
            w_in = self.widths[i]
            weight, bias = params[f"fc{i}.weight"], params[f"fc{i}.bias"]
            if i == 0 and nl > 1:
                # index_select, not weight[:, :, live]: advanced indexing took 0.17 ms here
                self.blocks[0][:, :n_live, :] = weight.index_select(2, self.live).transpose(1, 2)
                self.blocks[0][:, n_live, :] = bias
                if self.dead_block is not None:
                    self.dead_block.copy_(weight.index_select(2, self.dead).transpose(1, 2))
            elif i < nl - 1:
                self.blocks[i][:, :w_in, :] = weight.transpose(1, 2)
                self.blocks[i][:, w_in, :] = bias
            else:
                self.blocks[i][:, :, :w_in] = weight
                self.blocks[i][:, :, w_in] = bias

    def _make_batch_buffers(self, x: Tensor, y: Tensor) -> None:
        """The live inputs with a column of ones, the batch gathered from them, and the batch's
        targets as −onehot/B, class-major like the logits."""
        k, b, dtype, dev = self.k, self.b, self.dtype, x.device
        n, n_live = x.shape[0], len(self.live)
        self.x_aug = torch.empty(n, n_live + 1, dtype=dtype, device=dev)
        self.x_aug[:, :n_live] = x.index_select(1, self.live)
        self.x_aug[:, n_live] = 1.0
        self.y = y
        self.y_offset = self.y * b  # a sample's target class as its offset in ohb (c·B)
        n_classes = self.widths[-1]
        self.xb = torch.empty(k, b, n_live + 1, dtype=dtype, device=dev)
        self.xb_rows = self.xb.view(k * b, n_live + 1)
        self.xb_t = self.xb.transpose(1, 2)
        self.ohb = torch.zeros(k, n_classes, b, dtype=dtype, device=dev)
        self.oh_flat = self.ohb.view(-1)
        self.oh_rows = self.ohb.view(k, -1)
        # offset of (member k, sample j) in ohb; a target class c adds c·B
        self.base = (
            torch.arange(k, device=dev)[:, None] * (n_classes * b) + torch.arange(b, device=dev)
        ).reshape(-1)
        self.hot: Tensor | None = None
        self.chunk_rows: Sequence[Tensor] | None = None  # type: ignore[assignment]
        self.chunk_hot: Sequence[Tensor] | None = None

    def _make_layer_buffers(self) -> None:
        """Every activation, logit and backward buffer, and the views the products read."""
        k, b, dtype, dev, nl = self.k, self.b, self.dtype, self.flat.device, self.n_layers
        hidden = self.widths[1:-1]
        self.h = [torch.empty(k, b, w, dtype=dtype, device=dev) for w in hidden]
        self.a = []
        for w in hidden:
            a = torch.empty(k, b, w + 1, dtype=dtype, device=dev)
            a[:, :, w] = 1.0
            self.a.append(a)
        self.a_act = [a[:, :, :w] for a, w in zip(self.a, hidden)]
        self.a_t = [a.transpose(1, 2) for a in self.a]
        # weights (without the bias row/column) as the backward products read them
        self.w_back = [self.blocks[i][:, : self.widths[i], :].transpose(1, 2) for i in range(1, nl - 1)]
        if nl > 1:
            self.w_back.append(self.blocks[-1][:, :, : self.widths[-2]])
        self.logits = torch.empty(k, self.widths[-1], b, dtype=dtype, device=dev)
        self.logp = torch.empty_like(self.logits)
        self.logp_rows = self.logp.view(k, -1)
        self.dlogits = torch.empty_like(self.logits)
        self.dlogits_t = self.dlogits.transpose(1, 2)
        self.da = [torch.empty(k, b, w, dtype=dtype, device=dev) for w in hidden]

    # The first layer's two big products as grouped 1×1 convolutions (oneDNN): member k's batch
    # x_k (B, in+1) is the filter bank of group k, applied to its weight block (in+1, out) as a
    # one-image input, so h_k = x_k·W_k; the same convolution's input gradient for δ_k is
    # x_kᵀ·δ_k, the weight gradient, with no transposed copy. oneDNN uses the CPU's widest
    # vector units where MKL may not (on AMD Zen it runs its AVX2 path: ≈ 113 GFLOP/s a core
    # against oneDNN's ≈ 250 on a large product). Which kernel is faster depends on the
    # shapes, so each is timed once on this engine's own shapes and the faster kept.
    def _conv_views(self) -> None:
        k, b, w_out = self.k, self.b, self.widths[1]
        w_in = self.xb.shape[-1]
        self.conv_w = self.blocks[0].view(1, k * w_in, w_out, 1)  # the weights as one image
        self.conv_x = self.xb.view(k * b, w_in, 1, 1)  # the batches as filter banks
        self.conv_delta = self.da[0].view(1, k * b, w_out, 1)
        self.conv_act = self.a_act[0].view(k * b, w_out).unsqueeze(0).unsqueeze(-1)

    def _conv_fwd0(self) -> Tensor:
        return torch.mkldnn_convolution(self.conv_w, self.conv_x, None, [0, 0], [1, 1], [1, 1], self.k)

    def _conv_grad0(self) -> Tensor:
        # dilation 2 is a no-op for a 1×1 kernel; it makes torch pick its oneDNN backend, which it
        # skips for single-threaded 1×1 convolutions of one image
        return _CONV_BACKWARD(
            self.conv_delta,
            self.conv_w,
            self.conv_x,
            None,
            [1, 1],
            [0, 0],
            [2, 2],
            False,
            [0, 0],
            self.k,
            [True, False, False],
        )[0]

    def _choose_first_layer_kernels(self, beside_threads: bool) -> None:
        """Time the first layer's kernels once per shape. ``beside_threads``: other shards run in
        threads of this process; the weight gradient then stays on MKL, because oneDNN's is
        reached through ``torch.ops`` whose call holds the GIL for its argument handling and
        stalls the other shards (K = 64 in two shards, quiet machine, best of 12: forward on
        oneDNN 122 ms, both on oneDNN 131 ms, both on MKL 128 ms)."""
        import time

        key = (self.k, self.b, self.xb.shape[-1], self.widths[1], self.dtype, beside_threads)
        if key in FIRST_LAYER_KERNELS:
            self.conv_fwd0, self.conv_grad0, _ = FIRST_LAYER_KERNELS[key]
            self._conv_views()
            return
        start = time.perf_counter()

        def best(fn: Callable[[], object]) -> float:
            fn()
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            return min(times)

        self._conv_views()
        self.xb.copy_(self.x_aug[: self.b].expand(self.k, -1, -1))
        self.da[0].normal_()
        try:
            bmm_fwd = best(lambda: torch.bmm(self.xb, self.blocks[0], out=self.h[0]))
            self.conv_fwd0 = best(self._conv_fwd0) < bmm_fwd
            bmm_grad = best(lambda: torch.bmm(self.xb_t, self.da[0], out=self.gblocks[0]))
            self.conv_grad0 = not beside_threads and best(self._conv_grad0) < bmm_grad
        except RuntimeError:  # a build whose oneDNN lacks these primitives: keep the products
            self.conv_fwd0 = self.conv_grad0 = False
        FIRST_LAYER_KERNELS[key] = (self.conv_fwd0, self.conv_grad0, time.perf_counter() - start)

    def _spread(self, values: Tensor) -> Tensor:
        return values[self.member_of]

    @property
    def member_of(self) -> Tensor:
        """The member of each entry of :attr:`flat` (made when first needed: per-member
        hyperparameters or a failed member)."""
        if self._member_of is None:
            members = torch.arange(self.k, device=self.flat.device)
            self._member_of = torch.cat([members.repeat_interleave(size // self.k) for size in self._sizes])
        return self._member_of

    def restore(self, frozen: list[Tensor], alive: Tensor) -> None:
        torch.where(alive[self.member_of], self.flat, frozen[0], out=self.flat)

    def load_chunk(self, schedule: Tensor) -> None:
        rows = schedule.reshape(schedule.shape[0], -1)
        self.chunk_rows = rows.unbind(0)  # type: ignore[assignment]
        # every step's one-hot entries: base + c·B. One index_select over the flat rows and an
        # in-place add (0.25 ms for 200 steps of K = 32, B = 64); the advanced-indexing
        # expression ``base + y[rows] * B`` on int64 took 2.8 ms
        hot = self.y_offset.index_select(0, rows.reshape(-1)).view(rows.shape).add_(self.base)
        self.chunk_hot = hot.unbind(0)

    def load_batch(self, i: int) -> None:
        assert self.chunk_rows is not None and self.chunk_hot is not None
        torch.index_select(self.x_aug, 0, self.chunk_rows[i], out=self.xb_rows)
        if self.hot is not None:
            self.oh_flat.index_fill_(0, self.hot, 0.0)
        self.hot = self.chunk_hot[i]
        self.oh_flat.index_fill_(0, self.hot, -1.0 / self.b)

    def _activate(self, h: Tensor, out: Tensor) -> None:
        if self.act == "relu":
            torch.clamp_min(h, 0.0, out=out)
        elif self.act == "tanh":
            torch.tanh(h, out=out)
        elif self.act == "sigmoid":
            torch.sigmoid(h, out=out)
        else:
            out.copy_(h)

    def _backprop_(self, da: Tensor, h: Tensor, a: Tensor) -> Tensor:
        """δ = da ⊙ σ'(h), written over ``da``."""
        if self.act == "relu":  # a = relu(h) > 0 exactly where h > 0
            return _THRESHOLD_BACKWARD(da, a, 0.0, grad_input=da)
        if self.act == "tanh":
            return _TANH_BACKWARD(da, a, grad_input=da)
        if self.act == "sigmoid":
            return _SIGMOID_BACKWARD(da, a, grad_input=da)
        return da

    def accumulate_into(self, buffer: Tensor) -> None:
        """Write gradients into ``buffer`` (laid out as :attr:`flat`) instead of :attr:`gflat`,
        so that :meth:`loss_and_grads` with ``beta`` can fold a momentum update into the products."""
        self.gblocks = [
            buffer[g.storage_offset() : g.storage_offset() + g.numel()].view(g.shape) for g in self.gblocks
        ]
        self.grads = [buffer]

    def _grad(self, a: Tensor, b: Tensor, out: Tensor, beta: float, alpha: float) -> None:
        if beta == 0.0 and alpha == 1.0:
            torch.bmm(a, b, out=out)
        else:
            out.baddbmm_(a, b, beta=beta, alpha=alpha)

    def loss_and_grads(self, loss_out: Tensor, beta: float = 0.0, alpha: float = 1.0) -> list[Tensor]:
        """Loss into ``loss_out``; gradients ``g`` written as ``beta·g_old + alpha·∇`` (plain
        ``∇`` by default; with :meth:`accumulate_into`, an SGD momentum buffer's update)."""
        w, nl = self.blocks, self.n_layers
        inp, inp_t = self.xb, self.xb_t  # (K, B, in + 1)
        for i in range(nl - 1):
            if i == 0 and self.conv_fwd0:
                self._activate(self._conv_fwd0(), self.conv_act)
            else:
                torch.bmm(inp, w[i], out=self.h[i])
                self._activate(self.h[i], self.a_act[i])
            inp, inp_t = self.a[i], self.a_t[i]
        torch.bmm(w[-1], inp_t, out=self.logits)  # (K, C, B)
        torch.log_softmax(self.logits, dim=1, out=self.logp)
        torch.linalg.vecdot(self.logp_rows, self.oh_rows, out=loss_out)  # mean cross-entropy
        # softmax/B − onehot/B: log_softmax's backward with the −onehot/B upstream gradient
        _LOG_SOFTMAX_BACKWARD(self.ohb, self.logp, 1, self.dtype, out=self.dlogits)
        self._grad(self.dlogits, inp, self.gblocks[-1], beta, alpha)
        if nl == 1:
            return self.grads
        torch.bmm(self.dlogits_t, self.w_back[-1], out=self.da[-1])
        delta = self._backprop_(self.da[-1], self.h[-1], self.a_act[-1])
        for i in range(nl - 2, -1, -1):
            if i == 0 and self.conv_grad0:
                grad0 = self._conv_grad0().view(self.gblocks[0].shape)
                if self.defer_first_block:
                    self.pending_grad0 = grad0
                else:
                    _accumulate(self.gblocks[0], grad0, beta, alpha)
                continue
            self._grad(self.xb_t if i == 0 else self.a_t[i - 1], delta, self.gblocks[i], beta, alpha)
            if i > 0:
                torch.bmm(delta, self.w_back[i - 1], out=self.da[i - 1])
                delta = self._backprop_(self.da[i - 1], self.h[i - 1], self.a_act[i - 1])
        return self.grads

    def export(self) -> Params:
        out: Params = {}
        for i, t in enumerate(self.blocks):
            w_in = self.widths[i]
            if i == 0 and self.n_layers > 1:
                n_live = len(self.live)
                weight = t.new_empty(self.k, self.widths[1], w_in)
                weight.index_copy_(2, self.live, t[:, :n_live, :].transpose(1, 2))
                if self.dead_block is not None:
                    weight.index_copy_(2, self.dead, self.dead_block.transpose(1, 2))
                out["fc0.weight"] = weight
                out["fc0.bias"] = t[:, n_live, :].clone()
            elif i < self.n_layers - 1:
                out[f"fc{i}.weight"] = t[:, :w_in, :].transpose(1, 2).contiguous()
                out[f"fc{i}.bias"] = t[:, w_in, :].clone()
            else:
                out[f"fc{i}.weight"] = t[:, :, :w_in].clone()
                out[f"fc{i}.bias"] = t[:, :, w_in].clone()
        return out


def _accumulate(out: Tensor, g: Tensor, beta: float, alpha: float) -> None:
    """``out ← beta·out + alpha·g`` (``out ← alpha·g`` when beta is 0)."""
    if beta == 0.0:
        out.copy_(g) if alpha == 1.0 else torch.mul(g, alpha, out=out)
    else:  # in torch.optim.SGD's order (scale, then add), so that roundings match it
        out.mul_(beta).add_(g, alpha=alpha)


def make_engine(
    arch: Architecture, params: Params, data: Dataset, batch_size: int, use_fast: bool, beside_threads: bool
) -> Engine:
    """The engine that computes a shard's losses and gradients."""
    if use_fast:
        assert isinstance(arch, MLP)
        return FastMLPEngine(arch, params, data, batch_size, beside_threads)
    return GenericEngine(arch, params, data)
