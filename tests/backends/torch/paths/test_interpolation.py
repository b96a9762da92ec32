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
