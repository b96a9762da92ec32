"""The design, the members' architectures, noisy labels and per-model measures, against
direct constructions and numpy references."""

import numpy as np
import pytest
import torch

from catdyn.backends.torch.models.architectures import CNN, MLP
from catdyn.backends.torch.studies.persistence.design import member_architecture, noisy_labels
from catdyn.backends.torch.studies.persistence.train import (
    model_measures,
    shape_groups,
    trajectory_checkpoints,
)


def test_member_architecture_is_the_direct_constructor() -> None:
    assert member_architecture("mlp", 16, (64,), 10) == MLP((64, 16, 10))
    assert member_architecture("cnn", 32, (1, 8, 8), 10) == CNN(
        (1, 8, 8), (8,), 10, pool="max", readout="flatten"
    )
    assert member_architecture("cnn", 4, (1, 8, 8), 10).channels == (2,)


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
    m = model_measures(net, params, (x, y), (xte, yte))

    def ce_acc(xs: torch.Tensor, ys: torch.Tensor) -> tuple[float, float]:
        logits = net.apply(params, xs).detach().double().numpy()
        z = logits - logits.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        labels = ys.numpy()
        return float(-logp[np.arange(len(labels)), labels].mean()), float((logits.argmax(1) == labels).mean())

    (tl, ta), (vl, va) = ce_acc(x, y), ce_acc(xte, yte)
    assert m["train_loss"] == pytest.approx(tl, rel=1e-5) and m["test_loss"] == pytest.approx(vl, rel=1e-5)
    assert m["gap"] == pytest.approx(ta - va) and m["loss_gap"] == pytest.approx(vl - tl, rel=1e-4)
    flat = np.concatenate([p.detach().numpy().ravel() for p in params.values()])
    assert m["l2_norm"] == pytest.approx(float(np.linalg.norm(flat)), rel=1e-6)
