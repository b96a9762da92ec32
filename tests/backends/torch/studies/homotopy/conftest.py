"""A tiny trained population shared by the homotopy package's tests (trained once per session)."""

import pytest


@pytest.fixture(scope="session")
def digits_value() -> dict:
    from catdyn.backends.torch.data.datasets import load_digits

    s = load_digits()
    return {
        "name": "digits",
        "n_classes": 10,
        "train_x": s.train.x[:300],
        "train_y": s.train.y[:300],
        "test_x": s.test.x[:120],
        "test_y": s.test.y[:120],
    }


@pytest.fixture(scope="session")
def population(digits_value: dict) -> dict:
    import torch

    from catdyn.backends.torch.studies.homotopy.train import train_population

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return train_population(
            digits_value,
            arch={"type": "mlp", "hidden": [6]},
            seeds=[0, 1],
            optimisers=[{"name": "sgd", "lrs": [0.02, 0.3]}, {"name": "adam", "lrs": [0.01]}],
            steps=30,
        )
    finally:
        torch.set_num_threads(n)


@pytest.fixture(scope="session")
def members(population: dict, digits_value: dict):
    from catdyn.backends.torch.studies.homotopy.members import load_members

    return load_members(population, digits_value, "cpu")
