"""The design, the members' architectures, noisy labels and per-model measures, against
direct constructions and numpy references."""

import numpy as np
import pytest
import torch

from catdyn.backends.torch.models.architectures import CNN, MLP
from catdyn.backends.torch.studies.persistence.design import (
    member_architecture,
    member_config,
    noisy_labels,
    training_labels,
    variation,
)
from catdyn.backends.torch.studies.persistence.train import (
    model_measures,
    shape_groups,
    train_group,
    trajectory_checkpoints,
)


def test_member_architecture_is_the_direct_constructor() -> None:
    assert member_architecture("mlp", 16, (64,), 10) == MLP((64, 16, 10))
    assert member_architecture("cnn", 32, (1, 8, 8), 10) == CNN(
        (1, 8, 8), (8,), 10, pool="max", readout="flatten"
    )
    assert member_architecture("cnn", 4, (1, 8, 8), 10).channels == (2,)
    assert member_config("mlp", 16, (64,), 10) == {"type": "mlp", "widths": [64, 16, 10]}


def test_training_labels_are_the_first_n_with_their_noise() -> None:
    y = torch.arange(100) % 10
    got = training_labels(y, {"n_train": 40, "label_noise": 0.3}, 10, noise_seed=5)
    assert torch.equal(got, noisy_labels(y[:40], 0.3, 10, seed=5))
    assert torch.equal(training_labels(y, {"n_train": 500, "label_noise": 0.0}, 10, 5), y)


def test_variation_names_what_differs_from_the_base() -> None:
    base = {"width": 8, "lr": 0.1, "label_noise": 0.0}
    assert variation({**base, "seed": 3}, base) == "base"
    assert variation({**base, "label_noise": 0.3, "seed": 0}, base) == "label_noise=0.3"


def test_a_training_group_of_two_shapes_is_refused() -> None:
    from catdyn.errors import TopologyError

    configs = [{"width": w, "batch_size": 4, "label_noise": 0.0, "n_train": 9, "lr": 0.1, "weight_decay": 0.0,
                "seed": 0} for w in (8, 16)]
    data = {"train_x": torch.zeros(9, 4), "train_y": torch.zeros(9, dtype=torch.long), "n_classes": 2, "name": "z"}
    with pytest.raises(TopologyError, match="2 shapes"):
        train_group(configs, data, steps=2)


def test_an_unknown_family_is_refused() -> None:
    from catdyn.errors import TopologyError

    with pytest.raises(TopologyError, match="family"):
        member_architecture("rnn", 8, (64,), 10)


def test_noisy_labels_move_the_drawn_fraction_to_other_classes() -> None:
    y = torch.arange(5000) % 10
    noisy = noisy_labels(y, 0.2, 10, seed=3)
    g = torch.Generator().manual_seed(10_003)
    flip = torch.rand(5000, generator=g) < 0.2
    assert torch.equal(noisy != y, flip)  # exactly the drawn ones move, and never to their own class
    assert noisy_labels(y, 0.0, 10, seed=3) is y


def test_trajectory_checkpoints_and_groups_by_brute_force() -> None:
    for steps, points in ((300, 40), (10, 3), (7, 100)):
        first = max(1, steps // 2)
        every = max(1, (steps - first) // max(1, points - 1))
        assert trajectory_checkpoints(steps, points) == tuple(
            s for s in range(first, steps + 1) if (s - first) % every == 0
        )
    configs = [{"width": w, "batch_size": 4, "label_noise": 0, "n_train": 9} for w in (8, 16, 8)]
    assert shape_groups(configs) == {(8, 4, 0, 9): [0, 2], (16, 4, 0, 9): [1]}


def test_model_measures_against_numpy() -> None:
    net = MLP((5, 4, 3))
    params = net.init(torch.Generator().manual_seed(0))
    g = torch.Generator().manual_seed(1)
    x, xte = torch.randn(40, 5, generator=g), torch.randn(30, 5, generator=g)
    y, yte = torch.randint(0, 3, (40,), generator=g), torch.randint(0, 3, (30,), generator=g)
    clean = (y + 1) % 3
    m = model_measures(net, params, (x, y), (xte, yte), clean)

    def ce_acc(xs: torch.Tensor, ys: torch.Tensor) -> tuple[float, float]:
        logits = net.apply(params, xs).detach().double().numpy()
        z = logits - logits.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        labels = ys.numpy()
        return float(-logp[np.arange(len(labels)), labels].mean()), float((logits.argmax(1) == labels).mean())

    (tl, ta), (vl, va) = ce_acc(x, y), ce_acc(xte, yte)
    assert m["train_loss"] == pytest.approx(tl, rel=1e-5) and m["test_loss"] == pytest.approx(vl, rel=1e-5)
    assert m["gap"] == pytest.approx(ta - va) and m["loss_gap"] == pytest.approx(vl - tl, rel=1e-4)
    ca = ce_acc(x, clean)[1]
    assert m["train_acc_clean"] == pytest.approx(ca) and m["gap_clean"] == pytest.approx(ca - va)
    flat = np.concatenate([p.detach().numpy().ravel() for p in params.values()])
    assert m["l2_norm"] == pytest.approx(float(np.linalg.norm(flat)), rel=1e-6)
