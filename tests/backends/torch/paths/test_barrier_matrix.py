"""The batched barrier matrix against the per-pair, per-point loop; splitting and merging."""

import numpy as np
import pytest
import torch

from catdyn.backends.torch.models.architectures import CNN, MLP
from catdyn.backends.torch.models.symmetry import permute, random_element
from catdyn.backends.torch.paths.barrier_matrix import (
    BarrierMatrix,
    all_pairs,
    barrier_matrix,
    barrier_matrix_loop,
    split_pairs,
)


def _data(shape: tuple[int, ...], n: int, classes: int, seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {
        "train": (torch.randn(n, *shape, generator=g), torch.randint(0, classes, (n,), generator=g)),
        "test": (torch.randn(n // 2, *shape, generator=g), torch.randint(0, classes, (n // 2,), generator=g)),
    }


@pytest.mark.parametrize(
    "net",
    [MLP((6, 8, 5, 3)), MLP((6, 8, 3), batch_norm=True), CNN((1, 6, 6), (3, 4), 3)],
    ids=lambda n: n.name,
)
def test_batched_matrix_equals_the_loop(net) -> None:
    shape = (6,) if isinstance(net, MLP) else (1, 6, 6)
    data = _data(shape, 40, 3, 0)
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(4)]
    if net.buffers():
        from catdyn.backends.torch.models.architectures import recalibrate

        models = [recalibrate(net, m, data["train"][0] * (1 + i)) for i, m in enumerate(models)]
    fast = barrier_matrix(net, models, data, points=5, alignment="none")
    slow = barrier_matrix_loop(net, models, data, points=5)
    for key in slow.profiles:
        assert np.abs(fast.profiles[key] - slow.profiles[key]).max() < 1e-5, key
    for d in ("mean-endpoint", "line-endpoint"):
        assert np.allclose(fast.matrix("loss", "test", d), slow.matrix("loss", "test", d), atol=1e-5)


def test_aligned_matrix_equals_the_loop_on_aligned_partners() -> None:
    net = MLP((5, 8, 3))
    data = _data((5,), 30, 3, 1)
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(3)]
    fast = barrier_matrix(net, models, data, points=4, alignment="weight")
    from catdyn.backends.torch.paths.alignment import weight_matching

    partners = [
        permute(net, models[j], weight_matching(net, models[i], models[j]).permutation) for i, j in fast.pairs
    ]
    slow = barrier_matrix_loop(net, models, data, points=4, partners=partners)
    assert np.abs(fast.profiles["loss", "train"] - slow.profiles["loss", "train"]).max() < 1e-5


def test_permuted_twins_have_zero_barrier_and_the_matrix_is_symmetric() -> None:
    net = MLP((4, 9, 3))
    t = net.init(torch.Generator().manual_seed(0))
    twins = [permute(net, t, random_element(net, torch.Generator().manual_seed(s))) for s in range(3)]
    other = net.init(torch.Generator().manual_seed(7))
    bm = barrier_matrix(net, [t, *twins, other], _data((4,), 30, 3, 2), points=5)
    m = bm.matrix("loss", "test")
    assert np.allclose(m, m.T) and np.all(np.diag(m) == 0)
    assert np.abs(m[:4, :4]).max() < 1e-6


def test_split_and_merge_give_the_whole() -> None:
    net = MLP((3, 5, 2))
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(5)]
    data = _data((3,), 20, 2, 3)
    whole = barrier_matrix(net, models, data, points=4)
    parts = [barrier_matrix(net, models, data, points=4, pairs=p) for p in split_pairs(all_pairs(5), 3)]
    merged = BarrierMatrix.merge(parts)
    assert merged.pairs == whole.pairs
    assert np.allclose(merged.matrix("error", "train"), whole.matrix("error", "train"))
    assert sum(len(p) for p in split_pairs(all_pairs(7), 4)) == 21


def _flipped(net: MLP, m: dict) -> dict:
    """``m`` with its first layer negated: every first-layer pre-activation changes sign, so
    every ReLU entry crosses zero somewhere on the path (the hard case for any scheme that
    treats the sign-stable entries as linear in α)."""
    out = dict(m)
    out["fc0.weight"], out["fc0.bias"] = -m["fc0.weight"], -m["fc0.bias"]
    return out


def _crossing_density(net: MLP, a: dict, b: dict, x: torch.Tensor) -> float:
    za = x @ a["fc0.weight"].T + a["fc0.bias"]
    zb = x @ b["fc0.weight"].T + b["fc0.bias"]
    return float(((za > 0) != (zb > 0)).float().mean())


@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu"])
def test_affine_route_equals_the_loop_with_many_sign_crossings(activation: str) -> None:
    net = MLP((6, 12, 4), activation=activation)
    data = _data((6,), 50, 4, 4)
    base = [net.init(torch.Generator().manual_seed(s)) for s in range(3)]
    models = [*base, _flipped(net, base[0]), _flipped(net, base[1])]
    assert _crossing_density(net, models[0], models[3], data["train"][0]) > 0.95
    fast = barrier_matrix(net, models, data, points=9, alignment="none")
    slow = barrier_matrix_loop(net, models, data, points=9)
    for key in slow.profiles:
        assert np.abs(fast.profiles[key] - slow.profiles[key]).max() < 1e-5, key


@pytest.mark.parametrize("block", [2**6, 2**11, 2**24], ids=["samples-cut", "points-cut", "many-pairs"])
def test_affine_route_blocks_and_workers_give_the_same_profiles(monkeypatch, block: int) -> None:
    """Cutting samples into blocks, points into chunks, several pairs per block (the GPU
    layout) and several worker threads all reproduce the loop."""
    import catdyn.backends.torch.paths.affine_route as route
    import catdyn.backends.torch.paths.interpolation as interp

    monkeypatch.setattr(route, "_CPU_BLOCK", block)
    net = MLP((5, 8, 6, 3))
    data = _data((5,), 70, 3, 5)
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(4)]
    models.append(_flipped(net, models[0]))
    slow = barrier_matrix_loop(net, models, data, points=7)
    for workers in (1, 3):
        out = interp.pair_paths(
            net, interp.stack(models), all_pairs(5), interp.alpha_grid(7), data, workers=workers
        )
        for key in slow.profiles:
            assert np.abs(out[key].double().numpy() - slow.profiles[key]).max() < 1e-5, (key, workers)


def test_affine_route_keeps_argmax_ties_and_partners() -> None:
    """A network with a zero output layer ties every class (argmax picks class 0), and aligned
    partners replace the second model of each pair."""
    net = MLP((4, 6, 3))
    data = _data((4,), 30, 3, 6)
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(3)]
    for m in models[:2]:
        m["fc1.weight"], m["fc1.bias"] = torch.zeros_like(m["fc1.weight"]), torch.zeros_like(m["fc1.bias"])
    partners = [_flipped(net, models[j]) for _, j in all_pairs(3)]
    from catdyn.backends.torch.paths.interpolation import alpha_grid, pair_paths, stack

    fast = pair_paths(net, stack(models), all_pairs(3), alpha_grid(5), data, partners=stack(partners))
    slow = barrier_matrix_loop(net, models, data, points=5, partners=partners)
    for key in slow.profiles:
        assert np.abs(fast[key].double().numpy() - slow.profiles[key]).max() < 1e-5, key
    y = data["test"][1]
    assert fast["error", "test"][0, 0].item() == pytest.approx(float((y != 0).float().mean()))


def test_endpoint_columns_are_the_end_models_own_values_for_given_pairs_and_partners() -> None:
    """At alpha = 0 and 1 the batched route reports each end model's own evaluation (once per
    model, not per pair): equal to the loop for explicit pairs in any order (reversed, repeated,
    a model with itself) and with aligned partners replacing the second models."""
    from catdyn.backends.torch.paths.alignment import weight_matching
    from catdyn.backends.torch.paths.interpolation import _loss_error, alpha_grid, pair_paths, stack

    net = MLP((5, 8, 6, 3))
    data = _data((5,), 45, 3, 7)
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(4)]
    pairs = [(2, 0), (1, 3), (2, 0), (3, 3), (0, 1)]
    fast = barrier_matrix(net, models, data, points=6, pairs=pairs, alignment="none")
    slow = barrier_matrix_loop(net, models, data, points=6, pairs=pairs)
    for key in slow.profiles:
        assert np.abs(fast.profiles[key] - slow.profiles[key]).max() < 1e-5, key
    for p, (i, j) in enumerate(pairs):
        for col, m in ((0, i), (-1, j)):
            loss, err = _loss_error(net.apply(models[m], data["test"][0]).unsqueeze(0), data["test"][1])
            assert fast.profiles["loss", "test"][p, col] == pytest.approx(float(loss[0]), abs=1e-6)
            assert fast.profiles["error", "test"][p, col] == pytest.approx(float(err[0]), abs=1e-9)
    partners = [
        permute(net, models[j], weight_matching(net, models[i], models[j]).permutation) for i, j in pairs
    ]
    out = pair_paths(net, stack(models), pairs, alpha_grid(6), data, partners=stack(partners))
    slow = barrier_matrix_loop(net, models, data, points=6, pairs=pairs, partners=partners)
    for key in slow.profiles:
        assert np.abs(out[key].double().numpy() - slow.profiles[key]).max() < 1e-5, key


def test_non_finite_parameters_turn_the_endpoint_shortcut_off() -> None:
    """With an infinite weight, the loop's 0·θ at an endpoint is NaN, not 0: every point is then
    computed along the path, as the loop does, NaNs where the loop has them."""
    net = MLP((4, 6, 3))
    data = _data((4,), 20, 3, 8)
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(3)]
    models[2]["fc1.weight"][0, 0] = float("inf")
    fast = barrier_matrix(net, models, data, points=5, alignment="none")
    slow = barrier_matrix_loop(net, models, data, points=5)
    for key in slow.profiles:
        a, b = fast.profiles[key], slow.profiles[key]
        assert np.array_equal(np.isnan(a), np.isnan(b)), key
        assert np.allclose(a, b, atol=1e-5, equal_nan=True), key
    assert np.isnan(slow.profiles["loss", "test"][1, 0])  # pair (0, 2) at alpha = 0: 1·θ₀ + 0·inf


def test_matrix_in_worker_processes_equals_threads_with_alignment() -> None:
    net = MLP((5, 8, 3))
    data = _data((5,), 30, 3, 9)
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(4)]
    threads = barrier_matrix(net, models, data, points=5, parallel="threads", workers=2)
    procs = barrier_matrix(net, models, data, points=5, parallel="processes", workers=2)
    assert procs.pairs == threads.pairs
    for key in threads.profiles:
        assert np.array_equal(procs.profiles[key], threads.profiles[key]), key
