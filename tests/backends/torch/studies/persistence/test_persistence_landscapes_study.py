"""Landscape features and the study's table against direct computations."""

import math

import numpy as np
import pytest
import torch

from catdyn.backends.torch.models.architectures import MLP
from catdyn.backends.torch.studies.persistence.landscapes import (
    Slice,
    grid_features,
    model_row,
    sample_halves,
)
from catdyn.backends.torch.studies.persistence.study import floor_note, hyperparameters, model_table


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


def _model(status: str, gap: float) -> dict:
    config = {
        "width": 8,
        "lr": 0.1,
        "batch_size": 4,
        "weight_decay": 0.0,
        "label_noise": 0.0,
        "n_train": 9,
        "seed": 0,
    }
    measures = dict.fromkeys(
        ("loss_gap", "train_acc", "test_acc", "train_loss", "l2_norm", "sharpness", "ph_dimension"), 0.5
    )
    return {"config": config, "status": status, "gap": gap, **measures}


def test_model_table_keeps_only_models_that_trained() -> None:
    pop = {
        "data": "digits",
        "family": "mlp",
        "models": [_model("ok", 0.1), _model("diverged", 0.9), _model("ok", 0.2)],
    }
    ls = {
        "per_model": [
            {"total_persistence": t, "noise_floor": 0.3, "grids": None, "noise_floors": [0.3]}
            for t in (1, 2, 3)
        ]
    }
    table = model_table([pop], [ls])
    assert [r["gap"] for r in table] == [0.1, 0.2] and [r["total_persistence"] for r in table] == [1, 3]
    assert "grids" not in table[0] and table[0]["family"] == "mlp"
    assert hyperparameters(table)[0]["width"] == ("mlp", 8) and hyperparameters(table)[0]["data"] == "digits"
    assert floor_note(table).endswith("0 of 2 models have a feature above it")
    assert floor_note([{"noise_floor": math.nan}]) == ""
