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
  :data:`~catdyn.backends.torch.training.engines.FIRST_LAYER_KERNELS`). ``"auto"`` (the default)
  picks this path whenever it applies. Both engines live in
  :mod:`~catdyn.backends.torch.training.engines`.

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
from catdyn.backends.torch.models.architectures import Architecture
from catdyn.backends.torch.training.engines import Engine, FastMLPEngine, fast_path_reason, make_engine
from catdyn.backends.torch.training.optim import SGD, Optimiser, OptState
from catdyn.errors import EnsembleError

Params = dict[str, Tensor]
Path = Literal["auto", "generic", "fast"]
Parallel = Literal["auto", "threads", "processes"]

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

    >>> from catdyn.backends.torch.models.architectures import MLP
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

    >>> from catdyn.backends.torch.models.architectures import MLP
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

        >>> from catdyn.backends.torch.models.architectures import MLP
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

        >>> from catdyn.backends.torch.models.architectures import MLP
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

    >>> from catdyn.backends.torch.models.architectures import MLP
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


EVAL_BUDGET = 1 << 26
"""Activations (about 256 MB in float32) that :func:`evaluate` keeps at once over the members
and samples of one block: a population of 102 GRUs on MNIST-1D's 40-step sequences took 12.5 GB
for one block of 4,096 samples, and more than this machine's 24 GB in all, before blocks were
sized by it."""


def evaluate(
    arch: Architecture, params: Mapping[str, Tensor], data: Dataset, chunk: int = 4096
) -> tuple[Tensor, Tensor]:
    """Mean cross-entropy and accuracy of every member on ``data``, two ``(K,)`` tensors.

    The members and samples run in blocks of at most ``chunk`` samples and about
    :data:`EVAL_BUDGET` activations (members × samples × the widest layer's activations per
    sample, :func:`~catdyn.backends.torch.models.batched.activation_size`), so memory stays
    bounded whatever the population's size, the network and the data set.

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> p = init_ensemble(MLP((64, 8, 10)), [0, 1])
    >>> from catdyn.backends.torch.data.datasets import load_digits
    >>> loss, acc = evaluate(MLP((64, 8, 10)), p, load_digits().test)
    >>> loss.shape, bool(((acc >= 0) & (acc <= 1)).all())
    (torch.Size([2]), True)
    """
    from catdyn.backends.torch.models.batched import activation_size

    first = next(iter(params.values()))
    k, dev = first.shape[0], first.device
    x_all, y_all = data.x.to(device=dev, dtype=first.dtype), data.y.to(dev)
    forward = torch.func.vmap(lambda p, x: arch.apply(p, x), in_dims=(0, None))
    per_sample = max(1, activation_size(arch, x_all[:1]))
    members = max(1, min(k, EVAL_BUDGET // per_sample))
    samples = max(1, min(chunk, EVAL_BUDGET // (members * per_sample)))
    total_loss = torch.zeros(k, dtype=torch.float64, device=dev)
    correct = torch.zeros(k, dtype=torch.float64, device=dev)
    with torch.no_grad():
        for m0 in range(0, k, members):
            block = {name: t[m0 : m0 + members] for name, t in params.items()}
            for start in range(0, len(data), samples):
                x, y = x_all[start : start + samples], y_all[start : start + samples]
                logits = forward(block, x)  # (members, n, C)
                ce = F.cross_entropy(logits.transpose(1, 2), y.expand(logits.shape[0], -1), reduction="none")
                total_loss[m0 : m0 + members] += ce.double().sum(1)
                correct[m0 : m0 + members] += (logits.argmax(-1) == y).double().sum(1)
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


def _snapshot(engine: Engine) -> Params:
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

    >>> from catdyn.backends.torch.models.architectures import MLP
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
    engine = make_engine(arch, init, data, config.batch_size, use_fast, beside_threads)
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


class _Batches:
    """Every member's index batches, drawn a chunk of steps at a time and loaded step by step."""

    CHUNK = 256

    def __init__(self, engine: Engine, n: int, batch_size: int, data_seeds: Sequence[int], steps: int) -> None:
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

    def __init__(self, engine: Engine, opt: Optimiser, lr: Tensor, wd: Tensor) -> None:
        self.engine, self.opt = engine, opt
        self.lr, self.wd = engine.hyper(lr), engine.hyper(wd)
        self.state: OptState = opt.init(engine.tensors)
        fast = isinstance(engine, FastMLPEngine)
        self.fold = fast and isinstance(opt, SGD) and opt.can_fold(self.wd)
        self.defer = False
        if self.fold:
            assert isinstance(engine, FastMLPEngine)
            momentum = torch.zeros_like(engine.flat)
            engine.accumulate_into(momentum)
            self.defer = engine.conv_grad0 and isinstance(self.lr, float)
        if self.defer:
            assert isinstance(engine, FastMLPEngine)
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

    def note(self, loss_t: Tensor, t: int, engine: Engine) -> None:
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

    def restore(self, engine: Engine) -> None:
        """Failed members back to their frozen values."""
        if self.frozen is not None:
            engine.restore(self.frozen, self.alive)

    def blank_after_failure(self, losses: Tensor) -> None:
        """NaN in every loss after a member's failure step."""
        for j, f in enumerate(self.failed_at.tolist()):
            if f >= 0:
                losses[f + 1 :, j] = math.nan
