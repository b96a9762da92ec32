"""Homotopy populations of a GRU, a Transformer and a CNN on sequence views: the short form is
completed from the data's shape, the splits are shaped for the architecture, and a population
stored with its full config (a CNN without pooling included) loads back as the same network
with the same accuracy."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.data.views import as_channels, as_sequence  # noqa: E402
from catdyn.backends.torch.models.architectures import CNN, GRU, Transformer  # noqa: E402
from catdyn.backends.torch.studies.homotopy.members import (  # noqa: E402
    dataset_split,
    member_accuracy,
    population_architecture,
)
from catdyn.backends.torch.studies.homotopy.morphisms import HomotopyTrain, population_members  # noqa: E402
from catdyn.backends.torch.training.ensemble import evaluate  # noqa: E402
from catdyn.errors import HomotopyError  # noqa: E402
from catdyn.runner.context import TaskContext  # noqa: E402
from catdyn.values import Dataset  # noqa: E402

TRANSFORMER = {"type": "transformer", "d_model": 8, "heads": [2], "head_dim": 4, "mlp": [8]}


def test_short_forms_are_completed_from_the_data() -> None:
    gru = population_architecture({"type": "gru", "hidden": 6}, (8, 8), 10)
    assert gru == GRU(input_dim=8, hidden=6, classes=10, seq_len=8)
    tr = population_architecture(TRANSFORMER, (40, 1), 10)
    assert tr == Transformer(1, 40, 8, (2,), 4, (8,), 10)
    cnn = population_architecture({"type": "cnn", "channels": [4], "pool": None}, (23, 1, 2), 23)
    assert cnn == CNN((23, 1, 2), (4,), 23, pool=None)
    assert population_architecture({"type": "cnn", "image": [1, 8, 8]}, (64,), 10) == CNN((1, 8, 8), (8, 16), 10)


@pytest.mark.parametrize("arch", [{"type": "gru", "hidden": 4}, TRANSFORMER, {"type": "cnn", "channels": [4]}])
def test_a_shape_the_architecture_cannot_read_is_a_clear_error(arch) -> None:
    with pytest.raises(HomotopyError, match="data shape"):
        population_architecture(arch, (64,), 10)


def test_splits_are_shaped_for_the_sequence_models() -> None:
    x = torch.arange(4 * 64.0).reshape(4, 64)
    value = {"name": "d", "n_classes": 2, "train_x": x, "train_y": torch.zeros(4).long()}
    assert dataset_split(value, "train", GRU(8, 3, 2)).x.shape == (4, 8, 8)
    assert dataset_split(value, "train", Transformer(1, 64, 8, (2,), 4, (8,), 2)).x.shape == (4, 64, 1)


def _sequence_data(form: str) -> Dataset:
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(96, 12, generator=g), torch.randint(0, 3, (96,), generator=g)
    view = as_sequence(x, 6) if form == "sequence" else as_channels(as_sequence(x, 6))
    return Dataset("toy", 3, view[:64], y[:64], view[64:], y[64:])


@pytest.mark.parametrize(("arch", "form"), [({"type": "gru", "hidden": 4}, "sequence"), (TRANSFORMER, "sequence"),
                                            ({"type": "cnn", "channels": [4], "pool": None}, "channels")])
def test_a_trained_population_loads_back_as_the_same_networks(arch, form) -> None:
    data = _sequence_data(form)
    pop = HomotopyTrain(arch=arch, seeds=(0, 1), optimisers=({"name": "adam", "lrs": (0.01,)},), steps=4,
                        batch_size=16).run(TaskContext(seed=0), data)
    members = population_members(pop, data, "cpu")
    net = population_architecture(arch, tuple(data.train_x.shape[1:]), 3)
    assert members.net == net
    _, want = evaluate(net, {k: torch.as_tensor(v) for k, v in pop.params.items()},
                       dataset_split(data.to_tree(), "test", net))
    assert torch.equal(torch.as_tensor(member_accuracy(members)).float(), want.float())
