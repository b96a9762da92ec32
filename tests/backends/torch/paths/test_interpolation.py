"""Linear paths and barriers: hand-computed cases, the batched routes against plain loops."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from catdyn.backends.torch.models.architectures import CNN, MLP, recalibrate
from catdyn.backends.torch.paths.interpolation import (
    alpha_grid,
    barrier,
    interpolate,
    linear_path,
    pair_paths,
    stack,
)
from catdyn.errors import HomotopyError


def test_both_barriers_hand_computed() -> None:
    # L at α = 0, .25, .5, .75, 1: endpoints 1 and 3, a bump of 4 at α = .5 and 3.2 at .75
    al = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    loss = np.array([1.0, 2.0, 4.0, 3.2, 3.0])
    # mean-endpoint: max L − (1 + 3)/2 = 4 − 2
    assert barrier(loss, al, "mean-endpoint") == pytest.approx(2.0)
    # line-endpoint: max [L − (1 + 2α)] = max(0, 0.5, 2, 0.7, 0) = 2 … at α = .5 the line is 2
    assert barrier(loss, al, "line-endpoint") == pytest.approx(2.0)
    # where they differ: a monotone path from 0 to 2 bulging above its chord
    loss2 = np.array([0.0, 1.5, 1.8, 1.9, 2.0])
    assert barrier(loss2, al, "mean-endpoint") == pytest.approx(1.0)  # 2 − 1
    assert barrier(loss2, al, "line-endpoint") == pytest.approx(1.0)  # 1.5 − 0.5 = 1.0 at α=.25
    loss3 = np.array([0.0, 0.2, 1.5, 1.8, 2.0])
    assert barrier(loss3, al, "mean-endpoint") == pytest.approx(1.0)
    assert barrier(loss3, al, "line-endpoint") == pytest.approx(0.5)  # 1.5 − 1.0 at α = .5
    # torch tensors with a leading axis give the same
    t = torch.tensor(np.stack([loss, loss3]))
    assert barrier(t, torch.tensor(al), "line-endpoint").tolist() == pytest.approx([2.0, 0.5])


def test_barrier_needs_endpoints() -> None:
    with pytest.raises(HomotopyError, match="endpoints"):
        barrier(np.ones(3), np.array([0.1, 0.5, 1.0]))
    with pytest.raises(HomotopyError):
        barrier(np.ones(3), np.array([0.0, 0.5, 1.0]), "max")  # type: ignore[arg-type]


def test_interpolate_hits_endpoints_exactly() -> None:
    net = MLP((3, 5, 2))
    a, b = (net.init(torch.Generator().manual_seed(s)) for s in (0, 1))
    pts = interpolate(a, b, alpha_grid(7))
    for k in a:
        assert torch.equal(pts[k][0], a[k]) and torch.equal(pts[k][-1], b[k])


def _manual_mlp(params: dict, x: torch.Tensor) -> torch.Tensor:
    h = torch.relu(x @ params["fc0.weight"].T + params["fc0.bias"])
    h = torch.relu(h @ params["fc1.weight"].T + params["fc1.bias"])
    return h @ params["fc2.weight"].T + params["fc2.bias"]


def test_pair_paths_fast_and_vmap_match_a_manual_loop() -> None:
    net = MLP((4, 7, 6, 3))
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(4)]
    x, y = torch.randn(30, 4, generator=torch.Generator().manual_seed(9)), torch.arange(30) % 3
    pairs, al = [(0, 1), (2, 3), (1, 3)], alpha_grid(6)
    fast = pair_paths(net, stack(models), pairs, al, {"test": (x, y)}, method="affine-first-layer")
    slow = pair_paths(net, stack(models), pairs, al, {"test": (x, y)}, method="vmap")
    for p, (i, j) in enumerate(pairs):
        for k, a in enumerate(al.tolist()):
            theta = {n: (1 - a) * models[i][n] + a * models[j][n] for n in models[i]}
            logits = _manual_mlp(theta, x)
            loss = F.cross_entropy(logits, y).item()
            err = (logits.argmax(1) != y).float().mean().item()
            for route in (fast, slow):
                assert route["loss", "test"][p, k].item() == pytest.approx(loss, abs=1e-5)
                assert route["error", "test"][p, k].item() == pytest.approx(err, abs=1e-6)


def test_batch_norm_is_recomputed_at_every_point() -> None:
    net = MLP((3, 6, 2), batch_norm=True)
    a, b = (net.init(torch.Generator().manual_seed(s)) for s in (0, 1))
    g = torch.Generator().manual_seed(2)
    train = (torch.randn(40, 3, generator=g), torch.randint(0, 2, (40,), generator=g))
    test = (torch.randn(20, 3, generator=g), torch.randint(0, 2, (20,), generator=g))
    a, b = recalibrate(net, a, train[0]), recalibrate(net, b, train[0] * 2 + 1)
    prof = linear_path(net, a, b, {"train": train, "test": test}, points=5)
    assert prof.bn == "recomputed"
    stored = linear_path(net, a, b, {"train": train, "test": test}, points=5, bn="stored")
    for k, al in enumerate(prof.alphas):
        theta = recalibrate(net, {n: (1 - al) * a[n] + al * b[n] for n in a}, train[0])
        want = F.cross_entropy(net.apply(theta, test[0]), test[1]).item()
        assert prof.values["loss", "test"][k] == pytest.approx(want, abs=1e-5)
    # the stored (interpolated) statistics are a different, wrong answer in the interior
    assert not np.allclose(prof.values["loss", "test"][1:-1], stored.values["loss", "test"][1:-1])


def test_cnn_path_uses_vmap_and_matches_apply() -> None:
    net = CNN((1, 6, 6), (3, 4), 5)
    a, b = (net.init(torch.Generator().manual_seed(s)) for s in (0, 1))
    x, y = torch.randn(12, 1, 6, 6), torch.arange(12) % 5
    prof = linear_path(net, a, b, (x, y), points=3)
    mid = {n: 0.5 * a[n] + 0.5 * b[n] for n in a}
    assert prof.values["loss", "test"][1] == pytest.approx(
        F.cross_entropy(net.apply(mid, x), y).item(), abs=1e-5
    )
    with pytest.raises(HomotopyError):
        pair_paths(net, stack([a, b]), [(0, 1)], alpha_grid(3), (x, y), method="affine-first-layer")


def test_class_axis_loss_and_error_match_the_row_reductions() -> None:
    """The ``(B, C, N)`` reductions of the affine route give the reference's loss and exactly
    its argmax errors, with ties (integer logits), confident columns and NaN columns mixed."""
    from catdyn.backends.torch.paths.interpolation import _loss_error, _loss_error_sums

    g = torch.Generator().manual_seed(0)
    lg = torch.randint(-2, 3, (6, 5, 400), generator=g).float()  # many exact ties
    lg[:, :, 100:200] = torch.randn(6, 5, 100, generator=g) * 8
    lg[1, 2, 7] = float("nan")
    y = torch.randint(0, 5, (400,), generator=g)
    loss, wrong = _loss_error_sums(lg, y)
    ref_loss, ref_err = _loss_error(lg.transpose(1, 2), y)
    assert torch.equal(wrong, ref_err * 400)
    finite = torch.isfinite(ref_loss)
    assert torch.allclose(loss[finite] / 400, ref_loss[finite], atol=1e-6)
    assert torch.isnan(loss[1]) and torch.isnan(ref_loss[1])


def _reference_sums(lg: torch.Tensor, y: torch.Tensor) -> tuple[list[float], list[int]]:
    """Per network of ``(B, C, N)`` logits: the summed cross-entropy and the number of samples
    whose ``argmax`` (first maximal class; NaN counts as maximal) is not the target, one sample
    at a time."""
    losses, wrongs = [], []
    for b in range(lg.shape[0]):
        rows = lg[b].T  # (N, C)
        losses.append(sum(F.cross_entropy(rows[n : n + 1], y[n : n + 1]).item() for n in range(len(y))))
        wrongs.append(sum(int(torch.argmax(rows[n]).item() != y[n].item()) for n in range(len(y))))
    return losses, wrongs


def test_fused_loss_and_error_match_cross_entropy_and_argmax_sample_by_sample() -> None:
    """One log-softmax for both: the loss is F.cross_entropy's and the error is argmax's, with
    exact ties (small integer logits), a tie made by rounding in the log-softmax only, NaN,
    +inf and -inf logits; also summed over ranges of samples."""
    from catdyn.backends.torch.paths.interpolation import _loss_error_sums

    g = torch.Generator().manual_seed(1)
    lg = torch.randint(-1, 2, (4, 4, 60), generator=g).float()  # many exact ties at the top
    lg[:, :, 30:] = torch.randn(4, 4, 30, generator=g) * 5
    lg[0, 1, 3] = float("nan")
    lg[1, 2, 4] = float("inf")
    lg[2, 0, 5] = float("-inf")
    # distinct logits whose log-softmax entries round to one value: the target (class 0) is
    # the unique maximum, so the sample is right; the fallback to argmax must see that
    lg[3, :, 6] = torch.tensor([0.0, -1e-8, -0.5, -0.5])
    shifted = torch.log_softmax(lg[3:4, :, 6:7], 1).flatten()
    assert shifted[0] == shifted[1] and lg[3, 0, 6] > lg[3, 1, 6]
    y = torch.randint(0, 4, (60,), generator=g)
    y[3], y[4], y[5], y[6] = 1, 2, 0, 0
    loss, wrong = _loss_error_sums(lg, y)
    ref_loss, ref_wrong = _reference_sums(lg, y)
    assert wrong.tolist() == [float(w) for w in ref_wrong]
    for got, ref in zip(loss.tolist(), ref_loss, strict=True):
        assert (np.isnan(got) and np.isnan(ref)) or got == pytest.approx(ref, rel=1e-5, abs=1e-4)
    halves = _loss_error_sums(lg, y, ranges=[(0, 25), (25, 60)])
    assert torch.equal(halves[1].sum(1), wrong)
    first = _loss_error_sums(lg[:, :, :25].contiguous(), y[:25])
    assert torch.equal(halves[1][:, 0], first[1])
    assert torch.allclose(halves[0][:, 0], first[0], equal_nan=True)
    # the route's form: the log-softmax computed already (per piece of rows), the logits handed
    # over on demand for the tie fallback only; the same sums to the bit
    pieces = [lg[:2].clone(), lg[2:].clone()]
    lsm = torch.cat([torch.log_softmax(p, 1) for p in pieces])
    asked = []
    pre = _loss_error_sums(
        lsm, y, ranges=[(0, 25), (25, 60)], logits_of=lambda: asked.append(1) or torch.cat(pieces)
    )
    assert asked  # these logits have ties, so the fallback ran
    assert torch.equal(pre[1], halves[1]) and torch.allclose(pre[0], halves[0], equal_nan=True)
    # without ties or NaN the logits are never asked for
    clean = torch.randn(3, 4, 50, generator=g)
    _loss_error_sums(torch.log_softmax(clean, 1), y[:50], logits_of=lambda: pytest.fail("asked"))


def test_batched_affine_both_kernels_agree_with_baddbmm(monkeypatch) -> None:
    """The oneDNN grouped convolution (where the check on first use accepts it) and the
    baddbmm fallback give the same products, into a fresh tensor or a given one."""
    import catdyn.backends.torch.paths.interpolation as interp

    g = torch.Generator().manual_seed(2)
    w, h, b = (
        torch.randn(5, 10, 13, generator=g),
        torch.randn(5, 13, 29, generator=g),
        torch.randn(5, 10, generator=g),
    )
    ref = torch.baddbmm(b.unsqueeze(2), w, h)
    for kernel in ("onednn", "baddbmm") if interp._onednn_ok() else ("baddbmm",):
        monkeypatch.setattr(interp, "_AFFINE_KERNEL", [kernel])
        out = torch.empty(5, 10, 29)
        assert torch.allclose(interp._batched_affine(w, h, b), ref, atol=1e-5)
        assert interp._batched_affine(w, h, b, out=out) is out and torch.allclose(out, ref, atol=1e-5)
    assert torch.allclose(interp._batched_affine(w.double(), h.double(), b.double()), ref.double(), atol=1e-5)


def test_affine_kernel_follows_the_cpu_capability(monkeypatch) -> None:
    """oneDNN's grouped convolution only where torch runs AVX-512 kernels (and the convolution
    passed its check); baddbmm on an AVX2 CPU, where it measured faster on the route's shapes."""
    import catdyn.backends.torch.paths.interpolation as interp

    monkeypatch.setattr(interp, "_ONEDNN", [True])
    for capability, kernel in (("AVX512", "onednn"), ("AVX512_BF16", "onednn"), ("AVX2", "baddbmm"), ("DEFAULT", "baddbmm")):
        monkeypatch.setattr(interp, "_AFFINE_KERNEL", [])
        monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda c=capability: c)
        assert interp._affine_kernel() == kernel
    monkeypatch.setattr(interp, "_ONEDNN", [False])
    monkeypatch.setattr(interp, "_AFFINE_KERNEL", [])
    assert interp._affine_kernel() == "baddbmm"  # AVX-512 but the convolution failed its check


def test_worker_processes_give_the_threads_numbers() -> None:
    """Shards in worker processes run the same code on the same pairs as shards in threads:
    the same numbers exactly, and both are the loop's to 1e-5 (an endpoint-free grid too)."""
    from catdyn.backends.torch.paths.barrier_matrix import all_pairs, barrier_matrix_loop

    net = MLP((5, 9, 6, 4))
    g = torch.Generator().manual_seed(3)
    data = {
        "train": (torch.randn(40, 5, generator=g), torch.randint(0, 4, (40,), generator=g)),
        "test": (torch.randn(17, 5, generator=g), torch.randint(0, 4, (17,), generator=g)),
    }
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(4)]
    pairs = all_pairs(4)
    threads = pair_paths(net, stack(models), pairs, alpha_grid(5), data, workers=2, parallel="threads")
    procs = pair_paths(net, stack(models), pairs, alpha_grid(5), data, workers=2, parallel="processes")
    slow = barrier_matrix_loop(net, models, data, points=5)
    for key in slow.profiles:
        assert torch.equal(threads[key], procs[key]), key
        assert np.abs(procs[key].double().numpy() - slow.profiles[key]).max() < 1e-5, key
    inner = [0.2, 0.6]  # no endpoint on the grid: every point computed along the path
    procs = pair_paths(net, stack(models), pairs, inner, data, workers=3, parallel="processes")
    for p, (i, j) in enumerate(pairs):
        for k, a in enumerate(inner):
            theta = {n: (1 - a) * models[i][n] + a * models[j][n] for n in models[i]}
            x, y = data["test"]
            assert procs["loss", "test"][p, k].item() == pytest.approx(
                F.cross_entropy(_manual_mlp(theta, x), y).item(), abs=1e-5
            )


def test_parallel_must_be_named() -> None:
    net = MLP((2, 3, 2))
    models = stack([net.init(torch.Generator().manual_seed(s)) for s in range(2)])
    with pytest.raises(HomotopyError):
        pair_paths(
            net,
            models,
            [(0, 1)],
            alpha_grid(3),
            (torch.randn(4, 2), torch.tensor([0, 1, 0, 1])),
            parallel="fork",
        )


@pytest.mark.parametrize(
    "cpu_block, logits_block, bank", [(2**20, 2**19, 2**24), (64, 40, 2**24), (200, 3000, 100), (7, 1, 2**24)]
)
@pytest.mark.parametrize("grid", [alpha_grid(5), torch.tensor([0.1, 0.5, 0.9]), torch.tensor([1.0, 0.0, 1.0])])
def test_every_block_layout_gives_the_same_profiles(cpu_block, logits_block, bank, grid, monkeypatch) -> None:
    """The affine route cuts samples, points and pairs into blocks by three budgets; with
    budgets shrunk to force many sample blocks (splits straddling a block's edge), one point per
    block, flushed logit buffers and single-pair blocks, it still gives the vmap route's numbers."""
    from catdyn.backends.torch.paths import interpolation as I

    net = MLP((5, 6, 3))
    bank_models = stack([net.init(torch.Generator().manual_seed(s)) for s in range(4)])
    g = torch.Generator().manual_seed(3)
    data = {
        "train": (torch.randn(23, 5, generator=g), torch.randint(0, 3, (23,), generator=g)),
        "test": (torch.randn(11, 5, generator=g), torch.randint(0, 3, (11,), generator=g)),
    }
    pairs = [(0, 1), (2, 3), (1, 3), (3, 3), (1, 0)]
    slow = pair_paths(net, bank_models, pairs, grid, data, method="vmap")
    monkeypatch.setattr(I, "_CPU_BLOCK", cpu_block)
    monkeypatch.setattr(I, "_LOGITS_BLOCK", logits_block)
    monkeypatch.setattr(I, "_BANK_ELEMENTS", bank)
    for workers in (1, 2):
        fast = pair_paths(net, bank_models, pairs, grid, data, workers=workers)
        for key in slow:
            torch.testing.assert_close(fast[key], slow[key], rtol=0, atol=1e-6)
