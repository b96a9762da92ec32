"""A population is one batched-ensemble task whose members equal the batched ensemble trained
directly (same members, data orders and optimiser); the
realisation square R(σ·θ) = P_σ·R(θ) is declared as an equation of the diagram and holds, and a
wrong σ on one side is refuted."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.data.datasets import load_digits  # noqa: E402
from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.training.ensemble import TrainConfig, train_ensemble  # noqa: E402
from catdyn.backends.torch.training.morphisms import (  # noqa: E402
    Evaluate,
    LoadDataset,
    Permute,
    PermuteRep,
    Realise,
    Train,
)
from catdyn.backends.torch.training.optim import SGD  # noqa: E402
from catdyn.backends.torch.training.population import data_orders  # noqa: E402
from catdyn.experiments import ExperimentFamily  # noqa: E402
from catdyn.runner.compiler import compile_experiment  # noqa: E402
from catdyn.runner.run import run_experiment  # noqa: E402
from catdyn.runner.store import Store  # noqa: E402

ARCH = {"type": "mlp", "widths": [64, 12, 10]}


def _diagram(rep_sigma: int):
    def build(e, p):
        data = e.add("Digits", LoadDataset(n_train=200, n_test=50))
        pop = e.add("Trained", Train(arch=ARCH, seeds=(0, 1, 2), lr=(0.05, 0.1), steps=5), data)
        e.add("Accuracy", Evaluate(), pop, data)
        rep = e.add("Rep", Realise(layer="hidden0", n_probe=16), pop, data)
        permuted = e.add("Permuted", Permute(sigma_seed=7), pop)
        lhs = e.add("Rep of permuted", Realise(layer="hidden0", n_probe=16), permuted, data)
        rhs = e.add("Permuted rep", PermuteRep(sigma_seed=rep_sigma, arch=ARCH), rep)
        e.equation("R(σ·θ) = P_σ·R(θ)", lhs, rhs, atol=1e-5)

    return ExperimentFamily(f"ensemble-{rep_sigma}", build)


def test_a_population_is_one_task_equal_to_the_batched_ensemble(tmp_path) -> None:
    fam = _diagram(7)
    plan = compile_experiment(fam, "smoke")
    assert sum(t.arrow == "Train" for t in plan.tasks) == 1
    summary = run_experiment(fam, str(tmp_path), report=False)
    assert summary.ok, summary.outcomes
    store = Store(str(tmp_path), create=False)
    by = {t["morphism"]: store.load_value(t["key"]) for t in store.run_tasks(summary.run_id)}
    trained = by["Train"]
    task = next(t for t in plan.tasks if t.arrow == "Train")
    seeds = [0, 1, 2, 0, 1, 2]  # every (seed, lr) pair, lr outermost
    cfg = TrainConfig(steps=5, batch_size=64, optimiser=SGD(momentum=0.0), lr=[0.05] * 3 + [0.1] * 3)
    train = load_digits(seed=0).train.subset(range(200))
    direct = train_ensemble(MLP((64, 12, 10)), train, seeds, cfg, data_seeds=data_orders(task.seed, seeds), device="cpu")
    assert len(trained["status"]) == 6
    for name, t in direct.params.items():
        assert torch.equal(trained["params"][name], t), name
    assert by["= R(σ·θ) = P_σ·R(θ)"]["status"] == "held"
    assert len(by["Evaluate"]["rows"]) == 6


def test_the_wrong_permutation_on_one_side_is_refuted(tmp_path) -> None:
    summary = run_experiment(_diagram(8), str(tmp_path), report=False)
    assert not summary.ok
    assert any("R(σ·θ) = P_σ·R(θ)" in law and "refuted" in law for law in summary.failed_laws)
