"""Train K networks at once: stacked parameters, per-member seeds and hyperparameters.

An *ensemble* of K members of one :class:`~catdyn.backends.torch.models.architectures.Architecture`
keeps every parameter tensor stacked along a leading axis of size K. Member ``k`` has its own

* **init seed** — its parameters are ``arch.init(torch.Generator().manual_seed(seeds[k]))``;
* **data seed** — its mini-batches follow :func:`batch_schedule` (a fresh
  ``torch.randperm`` per epoch from ``torch.Generator().manual_seed(data_seeds[k])``, cut into
  full batches; the incomplete last batch of an epoch is dropped);
* **learning rate and weight decay** (one value for all or one per member).

Member ``k`` follows exactly the trajectory of the same model trained alone with
:mod:`torch.optim` on the same batches, to float tolerance (the tests check it against a plain
PyTorch loop). Two engines compute the gradients:

* ``"generic"`` — ``torch.func.vmap`` over ``grad_and_value`` of ``arch.apply``, for every
  architecture;
* ``"fast"`` — for plain MLPs (no batch norm; relu, tanh, sigmoid or identity): batched matrix
  products with a hand-written backward pass, biases folded into the weights, logits kept
  feature-major so that the small output layer's products and softmax stay fast, one flat
  buffer for all parameters and every buffer preallocated. With SGD momentum the gradient
  products write the momentum buffer's update themselves (``baddbmm``'s beta), so a step ends
  with one ``θ −= lr·b`` pass; other optimisers get gradients and take torch's fused step.
  Input features that are zero in every training sample are left out of the first layer's
  products (they contribute exact zeros). On the CPU the first layer's big products may run
  through oneDNN as grouped 1×1 convolutions, chosen by timing once per shape (see
  :data:`FIRST_LAYER_KERNELS`). ``"auto"`` (the default) picks this path whenever it applies.

On the CPU the members are split into shards trained side by side (``TrainConfig.workers``),
each running torch (and OpenMP) single-threaded, by threads of this process or, with
``TrainConfig.parallel="processes"``, by worker processes (see :class:`TrainConfig`).

A member whose training loss becomes NaN or ±inf at step ``t`` is **frozen** (its parameters
keep their value from before that step) and marked failed at ``t``; the other members go on
exactly as they would have without it. Parameters at chosen steps are kept as
**checkpoints** (``0`` is the initialisation, ``steps`` the end).

>>> import torch
>>> from catdyn.backends.torch.models.architectures import MLP
>>> from catdyn.backends.torch.data.datasets import load_digits
>>> from catdyn.backends.torch.training.optim import SGD
>>> data = load_digits().train
>>> cfg = TrainConfig(steps=30, batch_size=32, optimiser=SGD(momentum=0.9), lr=[0.05, 0.1, 0.2],
...                   checkpoints=(0, 15, 30))
>>> result = train_ensemble(MLP((64, 32, 10)), data, seeds=[0, 1, 2], config=cfg, device="cpu")
>>> result.params["fc0.weight"].shape, result.path, result.status
(torch.Size([3, 32, 64]), 'fast', ['ok', 'ok', 'ok'])
>>> sorted(result.checkpoints), bool((result.losses[-1] < result.losses[0]).all())
([0, 15, 30], True)
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.backends.torch.compute.device import DeviceSpec, resolve_device
from catdyn.backends.torch.compute.layout import MIN_SHARD
from catdyn.backends.torch.compute.shards import run_shards, shard_bounds, shard_plan
from catdyn.backends.torch.data.datasets import Dataset
from catdyn.backends.torch.models.architectures import MLP, Architecture
from catdyn.backends.torch.training.optim import SGD, Optimiser, OptState
from catdyn.errors import EnsembleError

Params = dict[str, Tensor]
Path = Literal["auto", "generic", "fast"]
Parallel = Literal["auto", "threads", "processes"]

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


@dataclass(frozen=True)
class TrainConfig:
    """How an ensemble is trained (shared by all members, except the per-member values).

    ``lr`` and ``weight_decay`` are one number or one per member; ``checkpoints`` are step
    counts in ``[0, steps]`` whose parameters are kept; ``path`` picks the engine. ``workers``
    (CPU only) splits the members into that many shards trained side by side by Python threads,
    each running torch single-threaded; ``"auto"`` follows the cores this process may use,
    capped by torch's intra-op thread count (a caller that lowered it, as the runner does to
    give every executor the same numbers, keeps its limit):
    :func:`~catdyn.backends.torch.compute.layout.shard_layout` — one shard per core, none under
    8 members, leftover cores as intra-op threads of the shards. On a shared machine this is
    far steadier than torch's own threads (an OpenMP barrier waits for a descheduled thread; a
    shard does not). While it runs, torch's intra-op thread count is 1 for the whole process
    (restored afterwards) and a shard's own count is its layout's.

    ``parallel`` says what runs the shards when there are several: ``"threads"``, ``"processes"``
    or ``"auto"`` (the default: threads for at most two shards, processes beyond, where every
    extra thread would queue for the same GIL). With ``"processes"`` the calling thread trains
    the first shard and the others go to persistent single-threaded worker processes
    (:func:`~catdyn.backends.torch.compute.worker_pool.shared_pool`). Threads of one process hand the
    GIL back and forth around each of a shard's thousands of small torch calls; processes do
    not, which pays on long runs (K = 64 digits MLPs, 200 steps, 2 cores: see
    ``python -m benchmarks ensemble``), but the first call of a process starts the workers,
    about a second each (torch's import), so short jobs are better off in threads. Results are
    the same either way (to float rounding; the first layer's kernel is chosen per process), and
    so is ``progress``: it follows the first shard, which in both modes runs in the calling
    process. The shards' arguments and results travel pickled (data, init tensors, checkpoints).
    On other devices, or with one shard, ``parallel`` changes nothing. ``pin=True`` binds each
    shard to its layout's cores (``os.sched_setaffinity``) while it trains; off by default (see
    docs/performance.md). Shards are run by the same runner as the barrier matrix's pairs
    (:func:`~catdyn.backends.torch.compute.shards.run_shards`).

    >>> TrainConfig(steps=10).optimiser
    SGD(momentum=0.0, nesterov=False, dampening=0.0)
    >>> from catdyn.backends.torch.data.datasets import make_moons
    >>> cfg = TrainConfig(steps=20, batch_size=20, lr=0.1, workers=2, parallel="processes")
    >>> train_ensemble(MLP((2, 8, 2)), make_moons(200).train, [0, 1, 2, 3], cfg, device="cpu").status
    ['ok', 'ok', 'ok', 'ok']
    """

    steps: int
    batch_size: int = 64
    optimiser: Optimiser = field(default_factory=SGD)
    lr: float | Sequence[float] = 0.1
    weight_decay: float | Sequence[float] = 0.0
    checkpoints: Sequence[int] = ()
    path: Path = "auto"
    workers: int | Literal["auto"] = "auto"
    parallel: Parallel = "auto"
    pin: bool = False

    def __post_init__(self) -> None:
        if self.steps < 0:
            raise EnsembleError.option("steps", self.steps, "≥ 0")
        if self.batch_size < 1:
            raise EnsembleError.option("batch_size", self.batch_size, "≥ 1")
        if self.path not in ("auto", "generic", "fast"):
            raise EnsembleError.option("path", self.path, "'auto', 'generic' or 'fast'")
        if self.workers != "auto" and (not isinstance(self.workers, int) or self.workers < 1):
            raise EnsembleError.option("workers", self.workers, "'auto' or an integer ≥ 1")
        if self.parallel not in ("auto", "threads", "processes"):
            raise EnsembleError.option("parallel", self.parallel, "'auto', 'threads' or 'processes'")
        bad = [c for c in self.checkpoints if not 0 <= c <= self.steps]
        if bad:
            raise EnsembleError.option("checkpoints", tuple(bad), f"steps in [0, {self.steps}]")


@dataclass
class EnsembleResult:
    """What :func:`train_ensemble` returns.

    ``params`` are stacked ``(K, …)`` on the training device; ``losses[t, k]`` is member k's
    mini-batch loss at step t (NaN after it failed); ``failed_at[k]`` is the step whose loss was
    not finite, or −1; ``checkpoints[s]`` are the stacked parameters after ``s`` steps (on the CPU).

    >>> r = EnsembleResult(MLP((2, 2)), {}, torch.zeros(0, 2), torch.tensor([-1, 3]), {}, (0, 1), (0, 1), "fast")
    >>> r.status, r.ok.tolist()
    (['ok', 'failed'], [True, False])
    """

    arch: Architecture
    params: Params
    losses: Tensor
    failed_at: Tensor
    checkpoints: dict[int, Params]
    seeds: tuple[int, ...]
    data_seeds: tuple[int, ...]
    path: str

    @property
    def size(self) -> int:
        """K, the number of members.

        >>> EnsembleResult(MLP((2, 2)), {}, torch.zeros(0, 3), torch.full((3,), -1), {}, (0, 1, 2), (0, 1, 2), "fast").size
        3
        """
        return len(self.seeds)

    @property
    def ok(self) -> Tensor:
        """A boolean ``(K,)`` mask of the members that never failed."""
        return self.failed_at < 0

    @property
    def status(self) -> list[str]:
        """``"ok"`` or ``"failed"`` per member."""
        return ["ok" if f < 0 else "failed" for f in self.failed_at.tolist()]

    def member(self, k: int, step: int | None = None) -> Params:
        """Member ``k``'s parameters at the end (or at checkpoint ``step``), unstacked.

        >>> r = EnsembleResult(MLP((2, 2)), {"w": torch.arange(4.0).reshape(2, 2)}, torch.zeros(0, 2),
        ...                    torch.full((2,), -1), {}, (0, 1), (0, 1), "fast")
        >>> r.member(1)["w"].tolist()
        [2.0, 3.0]
        """
        source = self.params if step is None else self.checkpoints[step]
        return {name: t[k] for name, t in source.items()}


# ------------------------------------------------------------------------------------------
def stack_params(members: Sequence[Mapping[str, Tensor]]) -> Params:
    """Stack K parameter dicts (same keys and shapes) along a new leading axis.

    >>> stack_params([{"w": torch.zeros(2)}, {"w": torch.ones(2)}])["w"].shape
    torch.Size([2, 2])
    """
    if not members:
        raise EnsembleError.option("members", [], "at least one parameter dict")
    return {name: torch.stack([m[name] for m in members]) for name in members[0]}


def unstack_params(params: Mapping[str, Tensor]) -> list[Params]:
    """The K member dicts of stacked parameters (views).

    >>> [m["w"].tolist() for m in unstack_params({"w": torch.tensor([[1.0], [2.0]])})]
    [[1.0], [2.0]]
    """
    k = next(iter(params.values())).shape[0]
    return [{name: t[i] for name, t in params.items()} for i in range(k)]


def init_ensemble(
    arch: Architecture, seeds: Sequence[int], dtype: torch.dtype = torch.float32, device: DeviceSpec = "cpu"
) -> Params:
    """Stacked initial parameters: member k is ``arch.init(Generator().manual_seed(seeds[k]))``.

    Initialisation draws on the CPU generator in the architecture's default precision and is then
    cast and moved, so a seed gives the same starting point on every device and in every dtype.

    >>> p = init_ensemble(MLP((3, 4, 2)), [7, 8])
    >>> bool(torch.equal(p["fc0.bias"][1], MLP((3, 4, 2)).init(torch.Generator().manual_seed(8))["fc0.bias"]))
    True
    """
    dev = resolve_device(device)
    members = [arch.init(torch.Generator().manual_seed(int(s))) for s in seeds]
    return {
        k: v.to(device=dev, dtype=dtype if v.is_floating_point() else v.dtype)
        for k, v in stack_params(members).items()
    }


class BatchStream:
    """The endless mini-batch index stream of one member (see :func:`batch_schedule`).

    >>> s = BatchStream(n=10, batch_size=4, seed=0)
    >>> torch.equal(torch.cat([s.take(1), s.take(2)]), batch_schedule(10, 4, 3, seed=0))
    True
    """

    def __init__(self, n: int, batch_size: int, seed: int) -> None:
        if batch_size > n:
            raise EnsembleError.option("batch_size", batch_size, f"at most the number of samples ({n})")
        self.n, self.batch_size = n, batch_size
        self.generator = torch.Generator().manual_seed(int(seed))
        self._epoch = torch.empty(0, batch_size, dtype=torch.long)
        self._pos = 0

    def take(self, steps: int, out: Tensor | None = None) -> Tensor:
        """The index batches of the next ``steps`` steps, shape ``(steps, batch_size)``
        (written into ``out`` when given, e.g. one member's column of a shared schedule)."""
        if out is None:
            out = torch.empty(steps, self.batch_size, dtype=torch.long)
        done = 0
        per_epoch = self.n // self.batch_size
        full = per_epoch * self.batch_size
        while done < steps:
            if self._pos >= self._epoch.shape[0]:
                # draw every epoch this request still needs in one go (same stream of randperms)
                epochs = -(-(steps - done) // per_epoch)
                perms = [torch.randperm(self.n, generator=self.generator)[:full] for _ in range(epochs)]
                self._epoch = (perms[0] if epochs == 1 else torch.cat(perms)).view(-1, self.batch_size)
                self._pos = 0
            chunk = self._epoch[self._pos : self._pos + steps - done]
            out[done : done + chunk.shape[0]] = chunk
            self._pos += chunk.shape[0]
            done += chunk.shape[0]
        return out


def batch_schedule(n: int, batch_size: int, steps: int, seed: int) -> Tensor:
    """The sample indices of each step's mini-batch for one member, shape ``(steps, batch_size)``.

    The recipe, so that anyone can reproduce it: ``g = torch.Generator().manual_seed(seed)``;
    for every epoch draw ``perm = torch.randperm(n, generator=g)`` and cut it into
    ``n // batch_size`` consecutive batches (the remainder is dropped); steps run through the
    batches epoch after epoch.

    >>> batch_schedule(6, 3, 4, seed=1).shape
    torch.Size([4, 3])
    >>> sorted(batch_schedule(6, 3, 2, seed=1).flatten().tolist())
    [0, 1, 2, 3, 4, 5]
    """
    return BatchStream(n, batch_size, seed).take(steps)


def evaluate(
    arch: Architecture, params: Mapping[str, Tensor], data: Dataset, chunk: int = 4096
) -> tuple[Tensor, Tensor]:
    """Mean cross-entropy and accuracy of every member on ``data``, two ``(K,)`` tensors.

    >>> p = init_ensemble(MLP((64, 8, 10)), [0, 1])
    >>> from catdyn.backends.torch.data.datasets import load_digits
    >>> loss, acc = evaluate(MLP((64, 8, 10)), p, load_digits().test)
    >>> loss.shape, bool(((acc >= 0) & (acc <= 1)).all())
    (torch.Size([2]), True)
    """
    first = next(iter(params.values()))
    k, dev = first.shape[0], first.device
    x_all, y_all = data.x.to(device=dev, dtype=first.dtype), data.y.to(dev)
    forward = torch.func.vmap(lambda p, x: arch.apply(p, x), in_dims=(0, None))
    total_loss = torch.zeros(k, dtype=torch.float64, device=dev)
    correct = torch.zeros(k, dtype=torch.float64, device=dev)
    with torch.no_grad():
        for start in range(0, len(data), chunk):
            x, y = x_all[start : start + chunk], y_all[start : start + chunk]
            logits = forward(dict(params), x)  # (K, n, C)
            ce = F.cross_entropy(logits.transpose(1, 2), y.expand(k, -1), reduction="none")
            total_loss += ce.double().sum(1)
            correct += (logits.argmax(-1) == y).double().sum(1)
    return (total_loss / len(data)).to(first.dtype), (correct / len(data)).to(first.dtype)


# ------------------------------------------------------------------------------------------
def _per_member(
    value: float | Sequence[float], k: int, name: str, dtype: torch.dtype, device: torch.device
) -> Tensor:
    t = torch.as_tensor(value, dtype=dtype)
    if t.ndim == 0:
        t = t.expand(k).clone()
    if t.shape != (k,):
        raise EnsembleError.option(name, tuple(t.shape), f"one value or {k} values (one per member)")
    if not bool(torch.isfinite(t).all()) or bool((t < 0).any()):
        raise EnsembleError.option(name, t.tolist(), "finite and ≥ 0")
    return t.to(device)


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


class _Engine(ABC):
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


class _GenericEngine(_Engine):
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


class _FastMLPEngine(_Engine):
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


def _snapshot(engine: _Engine) -> Params:
    return {n: t.detach().to("cpu", copy=True) for n, t in engine.export().items()}


def _member_seeds(
    seeds: Sequence[int], data_seeds: Sequence[int] | None, n_samples: int, batch_size: int
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The members' init and data seeds, checked (at least one member, one data seed each, a
    batch no larger than the data).

    >>> _member_seeds([3, 4], None, 10, 5)
    ((3, 4), (3, 4))
    """
    seeds = tuple(int(s) for s in seeds)
    k = len(seeds)
    if k == 0:
        raise EnsembleError.option("seeds", seeds, "at least one seed")
    data_seeds = seeds if data_seeds is None else tuple(int(s) for s in data_seeds)
    if len(data_seeds) != k:
        raise EnsembleError.option("data_seeds", data_seeds, f"{k} seeds (one per member)")
    if n_samples < batch_size:
        raise EnsembleError.option("batch_size", batch_size, f"at most the number of samples ({n_samples})")
    return seeds, data_seeds


def _moved_init(init: Mapping[str, Tensor], k: int, dev: torch.device, dtype: torch.dtype) -> Params:
    """A given stacked initialisation on the device, floats in ``dtype``, checked to hold ``k``
    members."""
    params = {n: t.to(device=dev, dtype=dtype if t.is_floating_point() else t.dtype) for n, t in init.items()}
    if any(t.shape[0] != k for t in params.values()):
        raise EnsembleError.option(
            "init", {n: tuple(t.shape) for n, t in params.items()}, f"tensors stacked over {k} members"
        )
    return params


def _use_fast_path(arch: Architecture, data: Dataset, path: str) -> bool:
    """Whether the fast engine trains: asked for (and possible), or ``"auto"`` and possible."""
    reason = fast_path_reason(arch, data)
    if path == "fast" and reason is not None:
        raise EnsembleError.no_fast_path(arch, reason)
    return path == "fast" or (path == "auto" and reason is None)


def train_ensemble(
    arch: Architecture,
    data: Dataset,
    seeds: Sequence[int],
    config: TrainConfig,
    *,
    data_seeds: Sequence[int] | None = None,
    init: Mapping[str, Tensor] | None = None,
    device: DeviceSpec = "auto",
    dtype: torch.dtype = torch.float32,
    progress: Callable[[int], None] | None = None,
) -> EnsembleResult:
    """Train ``len(seeds)`` members of ``arch`` on ``data`` at once (see the module docstring).

    ``data_seeds`` default to ``seeds``; ``init`` (stacked) replaces the seeded initialisation;
    ``progress(step)`` is called after every step if given (with several shards, after every
    step of the first shard, which runs in this process whatever ``config.parallel`` says).

    >>> from catdyn.backends.torch.data.datasets import make_moons
    >>> from catdyn.backends.torch.training.optim import Adam
    >>> r = train_ensemble(MLP((2, 16, 2)), make_moons(200).train, [0, 1],
    ...                    TrainConfig(steps=50, batch_size=20, optimiser=Adam(), lr=0.01), device="cpu")
    >>> r.losses.shape, r.status
    (torch.Size([50, 2]), ['ok', 'ok'])
    """
    dev = resolve_device(device)
    seeds, data_seeds = _member_seeds(seeds, data_seeds, len(data), config.batch_size)
    k = len(seeds)
    params = None if init is None else _moved_init(init, k, dev, dtype)
    data = data.to(dev, dtype)
    use_fast = _use_fast_path(arch, data, config.path)
    lr = _per_member(config.lr, k, "lr", dtype, dev)
    wd = _per_member(config.weight_decay, k, "weight_decay", dtype, dev)
    layout = shard_plan(k, config.workers, config.parallel, min_shard=MIN_SHARD, device=dev)
    if layout.shards > 1 and layout.parallel == "processes":
        _check_importable(arch, config.optimiser)

    def job(sh: slice) -> _ShardJob:
        """One shard's arguments to :func:`_train` (picklable: seeds or init tensors, no closures)."""
        return (
            arch,
            data,
            data_seeds[sh],
            seeds[sh] if params is None else None,
            # copies, not views: a pickled view would carry its whole storage to every worker
            None if params is None else {n: t[sh].clone() for n, t in params.items()},
            lr[sh].clone(),
            wd[sh].clone(),
            config,
            use_fast,
        )

    shards = shard_bounds(layout)
    parts = run_shards(
        _train,
        [job(sh) for sh in shards],
        layout,
        first={"progress": progress},
        in_threads={"beside_threads": True},
        pin=config.pin,
    )
    losses, failed_at, final, checkpoints = _joined(parts)
    return EnsembleResult(
        arch=arch,
        params=final,
        losses=losses,
        failed_at=failed_at,
        checkpoints=checkpoints,
        seeds=seeds,
        data_seeds=data_seeds,
        path="fast" if use_fast else "generic",
    )


_ShardResult = tuple[Tensor, Tensor, Params, dict[int, Params]]
"""A shard's losses ``(steps, k)``, failure steps ``(k,)``, final parameters and checkpoints."""
_ShardJob = tuple[
    Architecture,
    Dataset,
    Sequence[int],
    Sequence[int] | None,
    Params | None,
    Tensor,
    Tensor,
    TrainConfig,
    bool,
]
"""The positional arguments of :func:`_train` that describe a shard (all picklable)."""


def _joined(parts: Sequence[_ShardResult]) -> _ShardResult:
    """The shards' results as one ensemble's: members concatenated in shard order."""
    if len(parts) == 1:
        return parts[0]
    losses = torch.cat([p[0] for p in parts], dim=1)
    failed_at = torch.cat([p[1] for p in parts])
    final = {n: torch.cat([p[2][n] for p in parts]) for n in parts[0][2]}
    checkpoints = {s: {n: torch.cat([p[3][s][n] for p in parts]) for n in parts[0][3][s]} for s in parts[0][3]}
    return losses, failed_at, final, checkpoints


def _check_importable(*objects: object) -> None:
    """Worker processes rebuild a shard's arguments by importing their classes: one defined in
    the caller's ``__main__`` (a script, a notebook) cannot be found there."""
    for obj in objects:
        if type(obj).__module__ == "__main__":
            raise EnsembleError.option(
                "parallel",
                "processes",
                f"'threads' for a {type(obj).__name__} defined in __main__ (worker processes cannot "
                "import it; move the class to a module)",
            )


def _train(
    arch: Architecture,
    data: Dataset,
    data_seeds: Sequence[int],
    seeds: Sequence[int] | None,
    init: Params | None,
    lr: Tensor,
    wd: Tensor,
    config: TrainConfig,
    use_fast: bool,
    progress: Callable[[int], None] | None = None,
    beside_threads: bool = False,
) -> _ShardResult:
    """Train one shard of members: losses, failure steps, final parameters, checkpoints.

    The members start from ``init`` (stacked) or, when it is None, from their ``seeds`` (each
    shard initialises its own members, in its own thread or process). A step: the members'
    next batches, the loss and gradients, failed members noted, the optimiser's step, failed
    members restored to their frozen values, a checkpoint if asked."""
    k = len(data_seeds)
    dtype, dev = lr.dtype, lr.device
    if init is None:
        assert seeds is not None
        init = init_ensemble(arch, seeds, dtype, dev)
    engine = _engine(arch, init, data, config.batch_size, use_fast, beside_threads)
    stepper = _Stepper(engine, config.optimiser, lr, wd)
    batches = _Batches(engine, len(data), config.batch_size, data_seeds, config.steps)
    failures = _Failures(k, dev)
    losses = torch.full((config.steps, k), math.nan, dtype=dtype, device=dev)
    wanted = set(config.checkpoints)
    checkpoints: dict[int, Params] = {0: _snapshot(engine)} if 0 in wanted else {}
    loss_rows = losses.unbind(0)  # views made once (losses[t] costs 0.6 µs a step)
    for t in range(config.steps):
        batches.load(t)
        grads = stepper.gradients(loss_rows[t])
        failures.note(loss_rows[t], t, engine)
        stepper.step(grads)
        failures.restore(engine)
        if t + 1 in wanted:
            checkpoints[t + 1] = _snapshot(engine)
        if progress is not None:
            progress(t + 1)
    failures.blank_after_failure(losses)
    return losses, failures.failed_at, engine.export(), checkpoints


def _engine(
    arch: Architecture, params: Params, data: Dataset, batch_size: int, use_fast: bool, beside_threads: bool
) -> _Engine:
    """The engine that computes a shard's losses and gradients."""
    if use_fast:
        assert isinstance(arch, MLP)
        return _FastMLPEngine(arch, params, data, batch_size, beside_threads)
    return _GenericEngine(arch, params, data)


class _Batches:
    """Every member's index batches, drawn a chunk of steps at a time and loaded step by step."""

    CHUNK = 256

    def __init__(self, engine: _Engine, n: int, batch_size: int, data_seeds: Sequence[int], steps: int) -> None:
        self.engine, self.steps = engine, steps
        self.streams = [BatchStream(n, batch_size, s) for s in data_seeds]
        self.schedule = torch.empty(min(self.CHUNK, steps), len(data_seeds), batch_size, dtype=torch.long)
        self.device = engine.tensors[0].device

    def load(self, t: int) -> None:
        """Step ``t``'s batches into the engine (the next chunk of every member's index batches,
        ``(m, K, B)``, at the start of a chunk)."""
        if t % self.CHUNK == 0:
            m = min(self.CHUNK, self.steps - t)
            for j, stream in enumerate(self.streams):
                stream.take(m, out=self.schedule[:m, j])
            self.engine.load_chunk(self.schedule[:m].to(self.device))
        self.engine.load_batch(t % self.CHUNK)


class _Stepper:
    """The optimiser's step on an engine's parameters, in the cheapest exact form.

    SGD with momentum on the fast path: the gradient products write the momentum buffer's
    update themselves (baddbmm's beta/alpha), so no gradient buffer is written and re-read
    (*fold*). With the first layer's weight gradient from oneDNN (no beta to fold into) that
    block gets the whole step in torch's fused SGD kernel, one pass over θ, ∇ and b, instead of
    b ← μ·b (mul_), b += ∇ (add_) and θ −= lr·b (*defer*; K = 32 on one thread, 200 steps:
    about 2 ms of 118 less; bit for bit the same parameters)."""

    def __init__(self, engine: _Engine, opt: Optimiser, lr: Tensor, wd: Tensor) -> None:
        self.engine, self.opt = engine, opt
        self.lr, self.wd = engine.hyper(lr), engine.hyper(wd)
        self.state: OptState = opt.init(engine.tensors)
        fast = isinstance(engine, _FastMLPEngine)
        self.fold = fast and isinstance(opt, SGD) and opt.can_fold(self.wd)
        self.defer = False
        if self.fold:
            assert isinstance(engine, _FastMLPEngine)
            momentum = torch.zeros_like(engine.flat)
            engine.accumulate_into(momentum)
            self.defer = engine.conv_grad0 and isinstance(self.lr, float)
        if self.defer:
            assert isinstance(engine, _FastMLPEngine)
            engine.defer_first_block = True
            n0 = engine.blocks[0].numel()  # the first block leads the flat buffer
            self.block0 = (engine.blocks[0], momentum[:n0].view(engine.blocks[0].shape))
            self.rest = ([engine.flat[n0:]], [momentum[n0:]])

    def gradients(self, loss_out: Tensor) -> list[Tensor]:
        """The batch's losses into ``loss_out`` and the gradients (with fold: the momentum
        buffer's update, already written)."""
        if self.fold:
            return self.engine.loss_and_grads(loss_out, *self.opt.fold_coefficients(self.state))  # type: ignore[attr-defined, call-arg]
        return self.engine.loss_and_grads(loss_out)

    def step(self, grads: list[Tensor]) -> None:
        """One optimiser step."""
        opt, engine = self.opt, self.engine
        if self.defer:
            pending = engine.pending_grad0  # type: ignore[attr-defined]
            assert pending is not None
            unfolded = [(self.block0[0], pending, self.block0[1])]
            opt.folded_update_(*self.rest, self.state, self.lr, unfolded=unfolded)  # type: ignore[attr-defined]
        elif self.fold:
            opt.folded_update_(engine.tensors, grads, self.state, self.lr)  # type: ignore[attr-defined]
        else:
            opt.update_(engine.tensors, grads, self.state, self.lr, self.wd)


class _Failures:
    """Members whose loss became NaN or ±inf: the step they failed at and their frozen values."""

    def __init__(self, k: int, dev: torch.device) -> None:
        self.failed_at = torch.full((k,), -1, dtype=torch.long)
        self.alive = torch.ones(k, dtype=torch.bool, device=dev)
        self.frozen: list[Tensor] | None = None

    def note(self, loss_t: Tensor, t: int, engine: _Engine) -> None:
        """Mark the members whose loss at step ``t`` is not finite, and freeze the parameters
        as they are now (before the step): members that failed earlier already hold their
        frozen values (restored after every step), so these are every dead member's snapshot."""
        # summed in Python (double, no overflow of finite losses): 0.7 µs against 1.4 for sum + item
        total = sum((loss_t if self.frozen is None else torch.where(self.alive, loss_t, 0.0)).tolist())
        if math.isfinite(total):
            return
        bad = (~torch.isfinite(loss_t)) & self.alive
        if bool(bad.any()):
            self.alive &= ~bad
            self.failed_at[bad.cpu()] = t
            self.frozen = [p.detach().clone() for p in engine.tensors]

    def restore(self, engine: _Engine) -> None:
        """Failed members back to their frozen values."""
        if self.frozen is not None:
            engine.restore(self.frozen, self.alive)

    def blank_after_failure(self, losses: Tensor) -> None:
        """NaN in every loss after a member's failure step."""
        for j, f in enumerate(self.failed_at.tolist()):
            if f >= 0:
                losses[f + 1 :, j] = math.nan
