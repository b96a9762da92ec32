"""Training and evaluating a population on typed values: the member grid, inputs viewed in the
architecture's shape (a CNN on flat digits), failed members left out of the figures."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.data.loading import load_dataset  # noqa: E402
from catdyn.backends.torch.models.architectures import CNN, MLP  # noqa: E402
from catdyn.backends.torch.training.population import (  # noqa: E402
    evaluate_population,
    member_pairs,
    shaped,
    train_population,
)
from catdyn.errors import SpecError  # noqa: E402
from catdyn.runner.context import TaskContext  # noqa: E402

CNN_ARCH = {"type": "cnn", "input_shape": [1, 8, 8], "channels": [4], "classes": 10}


def test_member_pairs_grid_is_every_pair_lr_outermost() -> None:
    assert member_pairs([0, 1, 2], (0.1, 0.2), grid=True) == [
        (s, lr) for lr in (0.1, 0.2) for s in (0, 1, 2)
    ]
    assert member_pairs([5, 6], (0.1, 0.2), grid=False) == [(5, 0.1), (6, 0.2)]
    with pytest.raises(SpecError, match="2 seeds and 3 learning rates"):
        member_pairs([5, 6], (0.1, 0.2, 0.3), grid=False)


def test_flat_inputs_are_viewed_in_a_cnn_s_shape_and_left_alone_otherwise() -> None:
    x = torch.arange(2 * 64, dtype=torch.float32).reshape(2, 64)
    cnn = CNN((1, 8, 8), (4,), 10)
    assert torch.equal(shaped(cnn, x), x.reshape(2, 1, 8, 8))
    assert shaped(MLP((64, 8, 10)), x) is x
    wrong = torch.zeros(2, 50)
    assert shaped(cnn, wrong) is wrong  # not the same numbers per sample: the network says so


def test_a_cnn_population_trains_on_flat_digits_and_matches_a_per_member_forward() -> None:
    data = load_dataset("digits", seed=0, n_train=128, n_test=64)
    ctx = TaskContext(seed=3)
    pop = train_population(ctx, data, CNN_ARCH, seeds=[0, 1], lr=0.1, steps=3, batch_size=32)
    assert pop.status == ["ok", "ok"] and pop.seeds == [0, 1]
    rows = evaluate_population(ctx, pop, data)
    net = CNN((1, 8, 8), (4,), 10)
    x = data.test_x.reshape(-1, 1, 8, 8)
    for i, row in enumerate(rows):
        logits = net.apply({n: t[i] for n, t in pop.params.items()}, x)
        acc = float((logits.argmax(-1) == data.test_y).float().mean())
        assert row["test_acc"] == pytest.approx(acc, abs=1e-6)


def test_a_diverged_member_has_nan_figures_and_stays_out_of_the_metrics() -> None:
    data = load_dataset("digits", seed=0, n_train=128, n_test=64)
    ctx = TaskContext(seed=0)
    pop = train_population(ctx, data, {"type": "mlp", "widths": [64, 8, 10]}, seeds=[0], lr=(0.1, 1e30),
                           steps=20, batch_size=32, momentum=0.9)
    assert pop.status == ["ok", "failed"]
    rows = evaluate_population(ctx, pop, data)
    assert math.isnan(rows[1]["test_acc"]) and not math.isnan(rows[0]["test_acc"])
    metrics = {name: v for kind, name, v, _ in ctx.records if kind == "metric"}
    assert metrics["test accuracy mean"] == pytest.approx(rows[0]["test_acc"])
