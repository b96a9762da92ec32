"""``BarrierMatrix.endpoint_values``: each model's own loss or error, read off the paths' ends.

Row ``p`` of a profile runs from model ``pairs[p][0]`` (α = 0) to model ``pairs[p][1]`` (α = 1),
so the first column belongs to the pair's first model and the last to its second. The tests
compare with each model evaluated on its own by a plain forward pass written here, for pairs in
the default order, in reverse order, and with a model in no pair (NaN), and on a hand-made
matrix whose ends are all different numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402

from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.paths.barrier_matrix import BarrierMatrix, barrier_matrix  # noqa: E402


def _data(seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {
        "train": (torch.randn(40, 4, generator=g), torch.randint(0, 3, (40,), generator=g)),
        "test": (torch.randn(30, 4, generator=g), torch.randint(0, 3, (30,), generator=g)),
    }


def _own(net: MLP, params: dict, xy: tuple) -> dict[str, float]:
    """A model's own mean cross-entropy and error rate, by a plain forward pass."""
    x, y = xy
    with torch.no_grad():
        logits = net.apply(params, x).double()
    return {
        "loss": float(F.cross_entropy(logits, y)),
        "error": float((logits.argmax(1) != y).double().mean()),
    }


def test_hand_made_profiles_first_column_is_the_first_model_last_column_the_second() -> None:
    # pair (i, j)'s row starts at 10 + i and ends at 10 + j; the middle is noise
    pairs = [(3, 1), (0, 3), (1, 0)]
    rows = np.array([[10 + i, 99.0, 10 + j] for i, j in pairs], dtype=np.float64)
    bm = BarrierMatrix(5, np.array([0.0, 0.5, 1.0]), pairs, {("loss", "test"): rows})
    got = bm.endpoint_values("loss", "test")
    assert math.isnan(got[2]) and math.isnan(got[4])  # models 2 and 4 are in no pair
    assert got[[0, 1, 3]].tolist() == [10.0, 11.0, 13.0]


@pytest.mark.parametrize("alignment", ["none", "weight"])
def test_every_model_gets_its_own_value_on_every_metric_and_split(alignment: str) -> None:
    net = MLP((4, 7, 3))
    data = _data(0)
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(4)]
    bm = barrier_matrix(net, models, data, points=5, alignment=alignment)
    for split in ("train", "test"):
        own = [_own(net, m, data[split]) for m in models]
        for metric in ("loss", "error"):
            got = bm.endpoint_values(metric, split)
            want = np.array([o[metric] for o in own])
            assert np.abs(got - want).max() < 1e-5, (metric, split, got, want)
    # the models differ enough that any mix-up of ends or metrics shows
    losses = [_own(net, m, data["test"])["loss"] for m in models]
    assert min(abs(a - b) for i, a in enumerate(losses) for b in losses[i + 1 :]) > 1e-3


def test_reversed_pairs_and_a_model_in_no_pair() -> None:
    net = MLP((4, 7, 3))
    data = _data(1)
    models = [net.init(torch.Generator().manual_seed(10 + s)) for s in range(5)]
    pairs = [(3, 0), (2, 1), (3, 2)]  # model 4 is in none; model 3 is only ever first
    bm = barrier_matrix(net, models, data, points=4, pairs=pairs, alignment="none")
    got = bm.endpoint_values("loss", "test")
    for m in range(4):
        assert got[m] == pytest.approx(_own(net, models[m], data["test"])["loss"], abs=1e-5), m
    assert math.isnan(got[4])
