"""Ensembles: member k equals the same model trained alone; a diverging member is isolated.

The solo references below are plain PyTorch loops written here, independently of the ensemble
engine: an ``nn.Sequential`` (or leaf tensors fed to ``arch.apply``), ``torch.optim`` and
``loss.backward()``, with mini-batches drawn by the recipe that ``batch_schedule`` documents.
"""

import math

import pytest

torch = pytest.importorskip("torch")

import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from catdyn.backends.torch.data.datasets import Dataset, load_digits, make_moons  # noqa: E402
from catdyn.backends.torch.models.architectures import CNN, GRU, MLP  # noqa: E402
from catdyn.backends.torch.training.engines import fast_path_reason  # noqa: E402
from catdyn.backends.torch.training.ensemble import (  # noqa: E402
    BatchStream,
    EnsembleError,
    TrainConfig,
    batch_schedule,
    evaluate,
    init_ensemble,
    train_ensemble,
)
from catdyn.backends.torch.training.optim import SGD, Adam  # noqa: E402

DIGITS = load_digits(seed=0)
ACT = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "identity": nn.Identity}


def _batches(n: int, batch_size: int, steps: int, seed: int) -> list:
    """The documented recipe, written out: a fresh randperm per epoch, full batches only."""
    g = torch.Generator().manual_seed(seed)
    out: list = []
    while len(out) < steps:
        perm = torch.randperm(n, generator=g)
        out.extend(perm[i : i + batch_size] for i in range(0, n - batch_size + 1, batch_size))
    return out[:steps]


def _torch_opt(opt, params, lr: float, wd: float):
    if isinstance(opt, SGD):
        return torch.optim.SGD(
            params,
            lr=lr,
            momentum=opt.momentum,
            nesterov=opt.nesterov,
            dampening=opt.dampening,
            weight_decay=wd,
        )
    cls = torch.optim.AdamW if opt.decoupled else torch.optim.Adam
    return cls(params, lr=lr, betas=opt.betas, eps=opt.eps, weight_decay=wd)


def _solo_mlp(arch: MLP, data: Dataset, seed: int, data_seed: int, cfg: TrainConfig, k: int, dtype) -> dict:
    """An nn.Sequential MLP, initialised from arch.init(seed), trained by torch.optim."""
    init = arch.init(torch.Generator().manual_seed(seed))
    layers: list = []
    for i in range(len(arch.widths) - 1):
        lin = nn.Linear(arch.widths[i], arch.widths[i + 1]).to(dtype)
        with torch.no_grad():
            lin.weight.copy_(init[f"fc{i}.weight"])
            lin.bias.copy_(init[f"fc{i}.bias"])
        layers.append(lin)
        if i < len(arch.widths) - 2:
            layers.append(ACT[arch.activation]())
    model = nn.Sequential(*layers)
    lr = cfg.lr[k] if isinstance(cfg.lr, (list, tuple)) else cfg.lr
    wd = cfg.weight_decay[k] if isinstance(cfg.weight_decay, (list, tuple)) else cfg.weight_decay
    opt = _torch_opt(cfg.optimiser, model.parameters(), lr, wd)
    x = data.x.to(dtype)
    for idx in _batches(len(data), cfg.batch_size, cfg.steps, data_seed):
        loss = F.cross_entropy(model(x[idx]), data.y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    linears = [m for m in model if isinstance(m, nn.Linear)]
    out = {}
    for i, lin in enumerate(linears):
        out[f"fc{i}.weight"], out[f"fc{i}.bias"] = lin.weight.detach(), lin.bias.detach()
    return out


def _solo_apply(arch, data: Dataset, seed: int, cfg: TrainConfig, k: int) -> dict:
    """Leaf tensors from arch.init(seed) fed to arch.apply, trained by torch.optim."""
    params = {
        n: t.clone().requires_grad_(True) for n, t in arch.init(torch.Generator().manual_seed(seed)).items()
    }
    lr = cfg.lr[k] if isinstance(cfg.lr, (list, tuple)) else cfg.lr
    opt = _torch_opt(cfg.optimiser, list(params.values()), lr, 0.0)
    for idx in _batches(len(data), cfg.batch_size, cfg.steps, seed):
        loss = F.cross_entropy(arch.apply(params, data.x[idx]), data.y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return {n: t.detach() for n, t in params.items()}


def _max_diff(a: dict, b: dict) -> float:
    return max(float((a[n] - b[n]).abs().max()) for n in a)


# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["fast", "generic"])
@pytest.mark.parametrize(
    "optimiser",
    [SGD(momentum=0.9), SGD(momentum=0.9, nesterov=True)],
    ids=["momentum", "nesterov"],
)
def test_member_equals_solo_sgd(path: str, optimiser) -> None:
    arch = MLP((64, 32, 16, 10))
    cfg = TrainConfig(
        steps=60,
        batch_size=32,
        optimiser=optimiser,
        lr=[0.05, 0.1, 0.02],
        weight_decay=[0.0, 1e-3, 1e-2],
        path=path,
    )  # 60 steps cross an epoch (44 batches of 32 in 1,438 samples)
    result = train_ensemble(arch, DIGITS.train, [3, 4, 5], cfg, data_seeds=[7, 8, 9], device="cpu")
    assert result.path == path and result.status == ["ok"] * 3
    for k, (s, d) in enumerate([(3, 7), (4, 8), (5, 9)]):
        solo = _solo_mlp(arch, DIGITS.train, s, d, cfg, k, torch.float32)
        assert _max_diff(solo, result.member(k)) < 1e-5


@pytest.mark.parametrize("path", ["fast", "generic"])
@pytest.mark.parametrize("dtype,steps,tol", [(torch.float64, 60, 1e-9), (torch.float32, 8, 1e-5)])
def test_member_equals_solo_adam(path: str, dtype, steps: int, tol: float) -> None:
    """Adam divides by √v: a weight whose gradient is almost always zero (a rarely lit pixel)
    turns float32 rounding into lr-sized steps, so a long float32 run drifts by ~1e-4 between
    *any* two correct implementations (float32 vs float64 torch.optim alone differ as much).
    The long run is therefore compared in float64, the float32 one over a few steps."""
    arch = MLP((64, 32, 10))
    cfg = TrainConfig(
        steps=steps, batch_size=32, optimiser=Adam(), lr=[1e-3, 3e-3], weight_decay=[0.0, 1e-2], path=path
    )
    result = train_ensemble(arch, DIGITS.train, [0, 1], cfg, device="cpu", dtype=dtype)
    for k in range(2):
        solo = _solo_mlp(arch, DIGITS.train, k, k, cfg, k, dtype)
        assert _max_diff(solo, result.member(k)) < tol


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "identity"])
def test_fast_path_activations(activation: str) -> None:
    arch = MLP((2, 8, 8, 2), activation=activation)
    data = make_moons(120, seed=0).train
    cfg = TrainConfig(steps=25, batch_size=16, optimiser=SGD(momentum=0.5), lr=0.2, path="fast")
    result = train_ensemble(arch, data, [0, 1], cfg, device="cpu", dtype=torch.float64)
    for k in range(2):
        assert _max_diff(_solo_mlp(arch, data, k, k, cfg, k, torch.float64), result.member(k)) < 1e-10


@pytest.mark.parametrize("family", ["cnn", "gru"])
def test_generic_path_on_other_families(family: str) -> None:
    if family == "cnn":
        arch = CNN((1, 8, 8), (4, 6), 10)
        data = load_digits(form="image", seed=0).train
    else:
        arch = GRU(input_dim=3, hidden=5, classes=2)
        g = torch.Generator().manual_seed(0)
        x = torch.randn(64, 4, 3, generator=g)
        data = Dataset(x, (x.sum((1, 2)) > 0).long(), "seq", 2, "train")
    cfg = TrainConfig(steps=12, batch_size=16, optimiser=SGD(momentum=0.9), lr=[0.05, 0.1])
    result = train_ensemble(arch, data, [0, 1], cfg, device="cpu")
    assert result.path == "generic"
    for k in range(2):
        assert _max_diff(_solo_apply(arch, data, k, cfg, k), result.member(k)) < 1e-5


@given(
    k=st.integers(1, 3),
    lr=st.floats(0.01, 0.5),
    wd=st.sampled_from([0.0, 1e-2]),
    momentum=st.sampled_from([0.0, 0.9]),
    hidden=st.integers(1, 6),
    seed=st.integers(0, 1000),
)
def test_member_equals_solo_generated(
    k: int, lr: float, wd: float, momentum: float, hidden: int, seed: int
) -> None:
    arch = MLP((2, hidden, 2))
    data = make_moons(60, seed=1).train
    cfg = TrainConfig(
        steps=6,
        batch_size=8,
        optimiser=SGD(momentum=momentum),
        lr=[lr * (j + 1) for j in range(k)],
        weight_decay=wd,
    )
    seeds = [seed + j for j in range(k)]
    result = train_ensemble(arch, data, seeds, cfg, device="cpu", dtype=torch.float64)
    for j, s in enumerate(seeds):
        assert _max_diff(_solo_mlp(arch, data, s, s, cfg, j, torch.float64), result.member(j)) < 1e-10


# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["fast", "generic"])
@pytest.mark.parametrize("optimiser", [SGD(momentum=0.9), Adam()], ids=["sgd", "adam"])
def test_a_diverging_member_is_frozen_and_the_others_are_untouched(path: str, optimiser) -> None:
    arch = MLP((64, 16, 10))
    steps = 20
    bad = TrainConfig(
        steps=steps,
        batch_size=32,
        optimiser=optimiser,
        lr=[0.05, 1e30, 0.01],
        path=path,
        checkpoints=tuple(range(steps + 1)),
    )
    without = TrainConfig(steps=steps, batch_size=32, optimiser=optimiser, lr=[0.05, 0.01], path=path)
    r = train_ensemble(arch, DIGITS.train, [0, 1, 2], bad, device="cpu")
    ref = train_ensemble(arch, DIGITS.train, [0, 2], without, device="cpu")
    assert r.status == ["ok", "failed", "ok"] and r.ok.tolist() == [True, False, True]
    t_fail = int(r.failed_at[1])
    assert 0 < t_fail < steps and r.failed_at[[0, 2]].tolist() == [-1, -1]
    assert not math.isfinite(float(r.losses[t_fail, 1]))
    assert torch.isnan(r.losses[t_fail + 1 :, 1]).all() and torch.isfinite(r.losses[:t_fail, 1]).all()
    # frozen: the parameters it had when its loss went bad, at every later step
    for s in range(t_fail, steps + 1):
        for n, t in r.checkpoints[s].items():
            assert torch.equal(t[1], r.checkpoints[t_fail][n][1])
    assert not torch.equal(r.checkpoints[t_fail - 1]["fc0.weight"][1], r.checkpoints[t_fail]["fc0.weight"][1])
    # the others: bit for bit what they are in a run without the bad member
    for n in ref.params:
        assert torch.equal(r.params[n][[0, 2]], ref.params[n])
    assert torch.equal(r.losses[:, [0, 2]], ref.losses)


def test_a_member_born_with_nan_fails_at_step_zero() -> None:
    arch = MLP((64, 8, 10))
    init = init_ensemble(arch, [0, 1])
    init["fc1.bias"][0, 3] = float("nan")
    cfg = TrainConfig(steps=5, batch_size=32, optimiser=SGD(momentum=0.9), lr=0.1)
    r = train_ensemble(arch, DIGITS.train, [0, 1], cfg, init=init, device="cpu")
    alone = train_ensemble(arch, DIGITS.train, [0, 1], cfg, device="cpu")
    assert r.failed_at.tolist() == [0, -1]
    for n in init:
        a, b = r.params[n][0], init[n][0]  # bit for bit, NaN where the NaN was
        assert torch.equal(a.isnan(), b.isnan()) and torch.equal(a.nan_to_num(0.0), b.nan_to_num(0.0))
        assert torch.equal(r.params[n][1], alone.params[n][1])


# ------------------------------------------------------------------------------------------
def test_checkpoints_are_the_trajectory() -> None:
    arch = MLP((64, 16, 10))
    cfg = TrainConfig(
        steps=30, batch_size=32, optimiser=SGD(momentum=0.9), lr=[0.05, 0.1], checkpoints=(0, 10, 30)
    )
    r = train_ensemble(arch, DIGITS.train, [4, 5], cfg, device="cpu")
    short = train_ensemble(
        arch, DIGITS.train, [4, 5], TrainConfig(10, 32, SGD(momentum=0.9), [0.05, 0.1]), device="cpu"
    )
    init = init_ensemble(arch, [4, 5])
    assert sorted(r.checkpoints) == [0, 10, 30]
    for n in init:
        assert torch.equal(r.checkpoints[0][n], init[n])
        assert torch.equal(r.checkpoints[10][n], short.params[n])
        assert torch.equal(r.checkpoints[30][n], r.params[n])
    assert r.checkpoints[10]["fc0.weight"].device.type == "cpu"
    assert list(r.member(1, step=10)) == list(init)


def test_schedule_crosses_its_chunk_boundary() -> None:
    """Index batches are drawn 256 steps at a time; step 300 must still follow the recipe."""
    arch = MLP((2, 4, 2))
    data = make_moons(40, seed=2).train
    cfg = TrainConfig(steps=300, batch_size=8, optimiser=SGD(), lr=0.1)
    r = train_ensemble(arch, data, [1, 2], cfg, device="cpu", dtype=torch.float64)
    for k, s in enumerate([1, 2]):
        assert _max_diff(_solo_mlp(arch, data, s, s, cfg, k, torch.float64), r.member(k)) < 1e-10


@given(
    n=st.integers(1, 50),
    b=st.integers(1, 50),
    cuts=st.lists(st.integers(0, 20), max_size=5),
    seed=st.integers(0, 99),
)
def test_batch_stream_in_pieces_is_one_schedule(n: int, b: int, cuts: list, seed: int) -> None:
    if b > n:
        with pytest.raises(EnsembleError, match="batch_size"):
            BatchStream(n, b, seed)
        return
    stream = BatchStream(n, b, seed)
    pieces = torch.cat([stream.take(c) for c in cuts]) if cuts else torch.empty(0, b, dtype=torch.long)
    whole = batch_schedule(n, b, sum(cuts), seed)
    assert torch.equal(pieces, whole)
    per_epoch = n // b
    for e in range(sum(cuts) // per_epoch):
        epoch = whole[e * per_epoch : (e + 1) * per_epoch].flatten()
        assert len(set(epoch.tolist())) == per_epoch * b  # no sample twice in an epoch


def test_path_choice_and_fast_path_refusals() -> None:
    assert fast_path_reason(MLP((64, 10)), DIGITS.train) is None
    assert "not an MLP" in fast_path_reason(CNN((1, 8, 8), (2,), 10), DIGITS.train)
    assert "batch norm" in fast_path_reason(MLP((64, 4, 10), batch_norm=True), DIGITS.train)
    assert "vectors" in fast_path_reason(MLP((64, 10)), load_digits(form="image").train)
    cfg = TrainConfig(steps=2, batch_size=8, lr=0.1)
    assert (
        train_ensemble(MLP((64, 4, 10), activation="gelu"), DIGITS.train, [0], cfg, device="cpu").path
        == "generic"
    )
    with pytest.raises(EnsembleError, match="fast ensemble path does not cover"):
        train_ensemble(
            CNN((1, 8, 8), (2,), 10),
            load_digits(form="image").train,
            [0],
            TrainConfig(2, 8, path="fast"),
            device="cpu",
        )


def test_batch_norm_statistics_are_carried_not_trained() -> None:
    arch = MLP((64, 8, 10), batch_norm=True)
    cfg = TrainConfig(steps=5, batch_size=16, lr=0.1, weight_decay=0.1)
    r = train_ensemble(arch, DIGITS.train, [0, 1], cfg, device="cpu")
    init = init_ensemble(arch, [0, 1])
    assert list(r.params) == list(init)
    for name in arch.buffers():
        assert torch.equal(r.params[name], init[name])
    assert not torch.equal(r.params["bn0.weight"], init["bn0.weight"])


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(config=TrainConfig(2, 8, lr=[0.1, 0.2, 0.3])), "lr"),
        (dict(config=TrainConfig(2, 8, lr=-0.1)), "lr"),
        (dict(config=TrainConfig(2, 8, weight_decay=float("nan"))), "weight_decay"),
        (dict(config=TrainConfig(2, 5000)), "batch_size"),
        (dict(config=TrainConfig(2, 8), data_seeds=[1]), "data_seeds"),
        (dict(config=TrainConfig(2, 8), seeds=[]), "seeds"),
    ],
)
def test_bad_options_are_catdyn_errors(kwargs: dict, match: str) -> None:
    args = dict(seeds=[0, 1], device="cpu") | kwargs
    with pytest.raises(EnsembleError, match=match):
        train_ensemble(MLP((64, 4, 10)), DIGITS.train, **args)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(steps=-1),
        dict(steps=2, batch_size=0),
        dict(steps=3, checkpoints=(4,)),
        dict(steps=2, path="turbo"),
        dict(steps=2, workers=0),
        dict(steps=2, parallel="forks"),
    ],
)
def test_bad_configs(kwargs: dict) -> None:
    with pytest.raises(EnsembleError):
        TrainConfig(**kwargs)


def test_evaluate_matches_a_loop() -> None:
    arch = MLP((64, 16, 10))
    params = init_ensemble(arch, [0, 1, 2])
    loss, acc = evaluate(arch, params, DIGITS.test, chunk=100)
    for k in range(3):
        logits = arch.apply({n: t[k] for n, t in params.items()}, DIGITS.test.x)
        assert loss[k].item() == pytest.approx(F.cross_entropy(logits, DIGITS.test.y).item(), rel=1e-5)
        assert acc[k].item() == pytest.approx((logits.argmax(1) == DIGITS.test.y).float().mean().item())


def test_training_learns() -> None:
    cfg = TrainConfig(steps=150, batch_size=32, optimiser=SGD(momentum=0.9), lr=0.05)
    r = train_ensemble(MLP((64, 32, 10)), DIGITS.train, [0, 1], cfg, device="cpu")
    _, acc = evaluate(MLP((64, 32, 10)), r.params, DIGITS.test)
    assert (acc > 0.85).all()


@pytest.mark.parametrize("path", ["fast", "generic"])
def test_shards_train_the_same_members(path: str) -> None:
    """Members split over worker threads (each torch single-threaded) are the members of one
    unsharded run: same statuses, losses and checkpoints, parameters to float rounding."""
    arch = MLP((64, 16, 10))
    lrs = [0.05, 1e30, 0.1, 0.02, 0.08]
    runs = {
        w: train_ensemble(
            arch,
            DIGITS.train,
            [0, 1, 2, 3, 4],
            TrainConfig(12, 32, SGD(momentum=0.9), lrs, checkpoints=(0, 6, 12), path=path, workers=w),
            device="cpu",
        )
        for w in (1, 2, 3)
    }
    threads = torch.get_num_threads()
    for w in (2, 3):
        r = runs[w]
        assert r.status == runs[1].status == ["ok", "failed", "ok", "ok", "ok"]
        assert torch.equal(r.failed_at, runs[1].failed_at)
        assert sorted(r.checkpoints) == [0, 6, 12]
        for n in r.params:
            torch.testing.assert_close(r.params[n], runs[1].params[n], rtol=0, atol=1e-6)
            torch.testing.assert_close(r.checkpoints[6][n], runs[1].checkpoints[6][n], rtol=0, atol=1e-6)
        torch.testing.assert_close(r.losses, runs[1].losses, rtol=0, atol=1e-5, equal_nan=True)
    assert torch.get_num_threads() == threads  # restored


# ------------------------------------------------------------------------------------------
def _assert_same_members(r, ref, steps_checked=(0, 6, 12)) -> None:
    assert r.status == ref.status and torch.equal(r.failed_at, ref.failed_at)
    assert sorted(r.checkpoints) == sorted(ref.checkpoints) == list(steps_checked)
    for n in ref.params:
        torch.testing.assert_close(r.params[n], ref.params[n], rtol=0, atol=1e-6)
        for s in steps_checked:
            torch.testing.assert_close(r.checkpoints[s][n], ref.checkpoints[s][n], rtol=0, atol=1e-6)
    torch.testing.assert_close(r.losses, ref.losses, rtol=0, atol=1e-5, equal_nan=True)


@pytest.mark.parametrize("optimiser", [SGD(momentum=0.9), Adam()], ids=["sgd", "adam"])
def test_shards_in_processes_are_the_members_of_threads(optimiser) -> None:
    """parallel="processes": the first shard here, the others in worker processes; the members,
    losses, failures and checkpoints are those of the thread run and of one unsharded run; a
    member that diverges is frozen there too; progress follows every step."""
    arch = MLP((64, 16, 10))
    seeds = [0, 1, 2, 3, 4]
    lrs = [0.05, 1e30, 0.01, 0.02, 0.03] if isinstance(optimiser, Adam) else [0.05, 1e30, 0.1, 0.02, 0.08]

    def run(parallel: str, workers: int, **kwargs):
        cfg = TrainConfig(
            12,
            32,
            optimiser,
            lrs,
            weight_decay=[0.0, 0.0, 1e-3, 0.0, 1e-2],
            checkpoints=(0, 6, 12),
            workers=workers,
            parallel=parallel,  # type: ignore[arg-type]
        )
        return train_ensemble(
            arch, DIGITS.train, seeds, cfg, data_seeds=[5, 6, 7, 8, 9], device="cpu", **kwargs
        )

    steps_seen: list = []
    processes = run("processes", 2, progress=steps_seen.append)
    assert steps_seen == list(range(1, 13))
    assert processes.status == ["ok", "failed", "ok", "ok", "ok"]
    _assert_same_members(processes, run("threads", 2))
    _assert_same_members(processes, run("threads", 1))
    # stacked init tensors (rather than seeds) travel to the workers too
    _assert_same_members(run("processes", 2, init=init_ensemble(arch, seeds)), processes)
    cfg = TrainConfig(12, 32, optimiser, lrs[4], weight_decay=1e-2)
    solo = _solo_mlp(arch, DIGITS.train, 4, 9, cfg, 4, torch.float32)
    assert _max_diff(solo, processes.member(4)) < 1e-5


def test_a_member_born_with_nan_in_a_worker_process() -> None:
    arch = MLP((64, 8, 10))
    init = init_ensemble(arch, [0, 1, 2, 3])
    init["fc0.weight"][3, 0, 5] = float("nan")  # member 3 is in the worker's shard
    cfg = TrainConfig(
        steps=5, batch_size=32, optimiser=SGD(momentum=0.9), lr=0.1, workers=2, parallel="processes"
    )
    r = train_ensemble(arch, DIGITS.train, [0, 1, 2, 3], cfg, init=init, device="cpu")
    alone = train_ensemble(arch, DIGITS.train, [0, 1, 2, 3], cfg, device="cpu")
    assert r.failed_at.tolist() == [-1, -1, -1, 0]
    for n in init:
        a, b = r.params[n][3], init[n][3]
        assert torch.equal(a.isnan(), b.isnan()) and torch.equal(a.nan_to_num(0.0), b.nan_to_num(0.0))
        assert torch.equal(r.params[n][:3], alone.params[n][:3])


@pytest.mark.parametrize("kernels", [(True, True), (False, False)], ids=["onednn", "mkl"])
@pytest.mark.parametrize("lr", [0.05, [0.05, 0.1, 0.02]], ids=["shared-lr", "per-member-lr"])
def test_first_layer_kernels_equal_solo(kernels: tuple, lr, monkeypatch) -> None:
    """Either first-layer kernel, with the momentum step folded into the products or (oneDNN's
    weight gradient, one learning rate) taken in one fused pass: member k is still the solo model.
    The kernel is forced through the timing cache that normally chooses it."""
    if kernels[0] and not torch.backends.mkldnn.is_available():
        pytest.skip("no oneDNN in this build")
    from catdyn.backends.torch.training import engines as E

    arch = MLP((64, 32, 10))
    n_live = int((DIGITS.train.x != 0).any(0).sum())
    monkeypatch.setitem(E.FIRST_LAYER_KERNELS, (3, 32, n_live + 1, 32, torch.float32, False), (*kernels, 0.0))
    cfg = TrainConfig(steps=50, batch_size=32, optimiser=SGD(momentum=0.9, dampening=0.1), lr=lr, workers=1)
    result = train_ensemble(arch, DIGITS.train, [3, 4, 5], cfg, device="cpu")
    for k, s in enumerate([3, 4, 5]):
        assert _max_diff(_solo_mlp(arch, DIGITS.train, s, s, cfg, k, torch.float32), result.member(k)) < 1e-5


def test_processes_refuse_classes_a_worker_cannot_import() -> None:
    """A worker process rebuilds the shard by importing its classes; one from __main__ is refused
    up front (an EnsembleError naming the option) rather than failing inside the worker."""
    Local = type("Local", (SGD,), {"__module__": "__main__"})
    cfg = TrainConfig(2, 8, optimiser=Local(momentum=0.9), workers=2, parallel="processes")
    with pytest.raises(EnsembleError, match="parallel"):
        train_ensemble(MLP((64, 4, 10)), DIGITS.train, [0, 1, 2, 3], cfg, device="cpu")
    threads = TrainConfig(2, 8, optimiser=Local(momentum=0.9), workers=2)
    assert (
        train_ensemble(MLP((64, 4, 10)), DIGITS.train, [0, 1, 2, 3], threads, device="cpu").status
        == ["ok"] * 4
    )


def test_processes_take_a_used_architecture_and_the_fused_sgd_step() -> None:
    """An architecture whose cached shapes and symmetry were computed (they do not all pickle)
    still travels to a worker; with one learning rate and no weight decay the workers take the
    fused SGD step, and the members are still those of an unsharded run and of solo models."""
    from catdyn.backends.torch.models.symmetry import permute, random_element

    arch = MLP((64, 16, 10))
    theta = arch.init(torch.Generator().manual_seed(0))
    arch.check_params(theta)
    permute(arch, theta, random_element(arch, torch.Generator().manual_seed(1)))  # fills cached symmetry
    cfg = TrainConfig(10, 32, SGD(momentum=0.9), 0.05, workers=2, parallel="processes")
    r = train_ensemble(arch, DIGITS.train, [0, 1, 2, 3], cfg, device="cpu")
    one = train_ensemble(
        arch, DIGITS.train, [0, 1, 2, 3], TrainConfig(10, 32, SGD(momentum=0.9), 0.05, workers=1), device="cpu"
    )
    _assert_same_members(r, one, steps_checked=())
    solo = _solo_mlp(arch, DIGITS.train, 3, 3, cfg, 3, torch.float32)
    assert _max_diff(solo, r.member(3)) < 1e-5
