"""Landscape features and the study's table against direct computations."""

import math

import numpy as np
import pytest
import torch

from catdyn.backends.torch.models.architectures import CNN, MLP
from catdyn.backends.torch.studies.persistence.landscapes import (
    Slice,
    diagram_of_pairs,
    features_of,
    grid_features,
    halves_floor,
    landscape_and_floor,
    model_row,
    sample_halves,
    training_grid,
    training_halves,
)
from catdyn.backends.torch.studies.persistence.study import caption, floor_note, hyperparameters, join_tables
from catdyn.errors import TopologyError


def test_halves_split_the_landscape_s_own_sample() -> None:
    a, b = sample_halves(50, 20, data_seed=4)
    drawn = torch.randperm(50, generator=torch.Generator().manual_seed(4))[:20]
    assert sorted(torch.cat([a, b]).tolist()) == sorted(drawn.tolist()) and len(a) == len(b) == 10


def test_grid_features_floor_is_the_sup_difference_of_the_halves() -> None:
    from catdyn.backends.torch.landscapes.landscape import loss_landscape

    net = MLP((4, 5, 3))
    params = net.init(torch.Generator().manual_seed(0))
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(40, 4, generator=g), torch.randint(0, 3, (40,), generator=g)
    how = Slice(steps=5, span=1.0, batch=40, engine="union-find")
    grid, f = grid_features(net, params, x, y, 2, how)
    a, b = sample_halves(40, 40, 2)
    fa = loss_landscape(net, params, x[a], y[a], steps=5, span=1.0, seed=2).values
    fb = loss_landscape(net, params, x[b], y[b], steps=5, span=1.0, seed=2).values
    assert f["noise_floor"] == pytest.approx(float(np.abs(fa - fb).max()))
    fixed = grid_features(
        net, params, x, y, 2, Slice(steps=5, batch=40, engine="union-find", noise_floor=0.0)
    )[1]
    assert fixed["total_persistence_above_floor"] == pytest.approx(fixed["total_persistence"])
    assert grid.shape == (5, 5)


def test_model_row_is_mean_and_std_over_seeds() -> None:
    feats = [{"a": 1.0, "b": 4.0, "noise_floor": 0.5}, {"a": 2.0, "b": 0.0, "noise_floor": 0.25}]
    row = model_row([np.ones((2, 2)), np.zeros((2, 2))], feats)
    assert row["a"] == 1.5 and row["b_std"] == pytest.approx(np.std([4.0, 0.0]))
    assert row["noise_floors"] == [0.5, 0.25] and row["grids"].shape == (2, 2, 2)


def test_halves_floor_is_the_sup_difference_by_brute_force() -> None:
    from catdyn.backends.torch.landscapes.landscape import loss_landscape

    net = MLP((3, 4, 2))
    params = net.init(torch.Generator().manual_seed(2))
    g = torch.Generator().manual_seed(3)
    x, y = torch.randn(30, 3, generator=g), torch.randint(0, 2, (30,), generator=g)
    how = Slice(steps=4, span=0.5, batch=20)
    drawn = torch.randperm(30, generator=torch.Generator().manual_seed(1))[:20]
    order = torch.randperm(20, generator=torch.Generator().manual_seed(10_008))
    a, b = drawn[order[:10]], drawn[order[10:]]
    fa = loss_landscape(net, params, x[a], y[a], steps=4, span=0.5, seed=1).values
    fb = loss_landscape(net, params, x[b], y[b], steps=4, span=0.5, seed=1).values
    worst = max(abs(float(fa[i, j]) - float(fb[i, j])) for i in range(4) for j in range(4))
    assert halves_floor(net, params, x, y, 1, how) == pytest.approx(worst)


NETS = {"mlp": (MLP((64, 7, 10)), (64,)), "cnn": (CNN((1, 8, 8), (3,), 10), (1, 8, 8))}


def _member(family: str, bn: bool = False, n: int = 61):
    net, shape = NETS[family] if not bn else (CNN((1, 8, 8), (3,), 10, batch_norm=True), (1, 8, 8))
    params = net.init(torch.Generator().manual_seed(5))
    g = torch.Generator().manual_seed(6)
    return net, params, torch.randn(n, *shape, generator=g), torch.randint(0, 10, (n,), generator=g)


@pytest.mark.parametrize("family", ["mlp", "cnn"])
def test_the_halves_weighted_mean_is_the_grid_on_their_samples(family) -> None:
    """Against the grid on the whole drawn batch computed directly (loss_landscape on those
    samples); the halves are 12 and 13 samples, so an unweighted mean would be off."""
    from catdyn.backends.torch.landscapes.landscape import loss_landscape

    net, params, x, y = _member(family)
    how = Slice(steps=7, span=0.8, batch=25)
    halves = training_halves(net, params, x, y, 3, how)
    direct = loss_landscape(net, params, x, y, steps=7, span=0.8, seed=3, batch=25, data_seed=3).values
    assert (halves.size_a, halves.size_b) == (12, 13) and halves.additive
    np.testing.assert_allclose(halves.mean(), direct, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(halves.mean(), training_grid(net, params, x, y, 3, how), rtol=1e-5, atol=1e-6)
    assert np.abs((halves.a + halves.b) / 2 - direct).max() > 1e-4  # the weights matter
    a, b = sample_halves(len(x), 25, 3)
    fa = loss_landscape(net, params, x[a], y[a], steps=7, span=0.8, seed=3).values
    fb = loss_landscape(net, params, x[b], y[b], steps=7, span=0.8, seed=3).values
    assert halves.floor() == halves_floor(net, params, x, y, 3, how) == float(np.abs(fa - fb).max()) > 0
    grid, floor = landscape_and_floor(net, params, x, y, 3, how)
    np.testing.assert_allclose(grid, direct, rtol=1e-5, atol=1e-6)
    assert floor == halves.floor()


def test_with_batch_norm_recomputed_the_halves_mean_is_refused_and_the_grid_computed_directly() -> None:
    """Batch statistics over each half differ from those over the batch: the identity fails."""
    net, params, x, y = _member("cnn", bn=True)
    stored = training_halves(net, params, x, y, 1, Slice(steps=5, batch=40))
    assert stored.batch_norm == "stored" and stored.additive
    np.testing.assert_allclose(stored.mean(), training_grid(net, params, x, y, 1, Slice(steps=5, batch=40)),
                               rtol=1e-5, atol=1e-6)
    how = Slice(steps=5, batch=40, batch_norm="recompute")
    halves = training_halves(net, params, x, y, 1, how)
    direct = training_grid(net, params, x, y, 1, how)
    assert halves.batch_norm == "recompute" and not halves.additive
    weighted = (halves.size_a * halves.a + halves.size_b * halves.b) / (halves.size_a + halves.size_b)
    assert np.abs(weighted - direct).max() > 1e-3  # the shortcut would be wrong here
    with pytest.raises(TopologyError, match="recomputes"):
        halves.mean()
    grid, floor = landscape_and_floor(net, params, x, y, 1, how)
    np.testing.assert_array_equal(grid, direct)
    assert floor == halves.floor()
    values, feats = grid_features(net, params, x, y, 1, how)
    np.testing.assert_array_equal(values, direct)
    assert feats["noise_floor"] == floor


def test_features_of_stored_pairs_are_the_features_of_the_diagram() -> None:
    from catdyn.topology.cubical import sublevel_persistence
    from catdyn.topology.features import summarise

    grid = np.random.default_rng(0).normal(size=(9, 9))
    d = sublevel_persistence(grid)
    stored = {f"H{k}": [[float(b), float(e)] for b, e in d.finite[k]] + [[float(b), None] for b in d.essential[k]]
              for k in d.dims}
    back = diagram_of_pairs(stored, grid.shape)
    assert back.same_as(d, atol=0.0)
    got = features_of(back, grid, 0.3)
    want = summarise(d, noise_floor=0.3, grid=grid)
    assert {k: got[k] for k in want} == want and got["noise_floor"] == 0.3
    lifetimes = [e - b for k in d.dims for b, e in d.finite[k]]
    assert got["total_persistence_above_floor"] == pytest.approx(sum(v for v in lifetimes if v > 0.3))


def test_join_tables_matches_rows_by_model_and_drops_failed_ones() -> None:
    design = [{"model": m, "seed": i} for i, m in enumerate("abc")]
    gaps = [{"model": "c", "status": "ok", "gap": 0.3}, {"model": "a", "status": "ok", "gap": 0.1},
            {"model": "b", "status": "failed", "gap": math.nan}]
    floors = [{"model": "a", "noise_floor": 0.5}]
    rows = join_tables([design, gaps, floors])
    assert [r["model"] for r in rows] == ["a", "c"]
    assert rows[0] == {"model": "a", "seed": 0, "status": "ok", "gap": 0.1, "noise_floor": 0.5}
    assert rows[1]["gap"] == 0.3 and math.isnan(rows[1]["noise_floor"])


def test_tables_read_back_the_model_identity() -> None:
    row = {"data": "digits", "family": "mlp", "width": 8, "lr": 0.1, "batch_size": 4, "weight_decay": 0.0,
           "label_noise": 0, "n_train": 9, "model": "digits mlp #2", "arch": "mlp(64-8-10)", "seed": 1,
           "varies": "lr=0.1", "noise_floor": 0.3, "total_persistence_above_floor": 0.0}
    assert hyperparameters([row])[0]["width"] == ("mlp", 8) and hyperparameters([row])[0]["data"] == "digits"
    assert caption(row) == "digits mlp #2: mlp(64-8-10), seed 1, lr=0.1"
    assert floor_note([row, row]).endswith("0 of 2 models have a feature above it")
    assert floor_note([{"noise_floor": math.nan}]) == ""
