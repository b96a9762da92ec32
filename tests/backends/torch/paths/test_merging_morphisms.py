"""The merging morphisms: Merge on a population gives the merge of its members (a shuffled copy
merges back to the network), it is published through the entry point, MergeClaims' verdicts
follow the accuracies, and specs/model_merging.py's tiny preset runs as a diagram of published
morphisms."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.models.architectures import build_architecture  # noqa: E402
from catdyn.backends.torch.models.symmetry import permute, random_element  # noqa: E402
from catdyn.backends.torch.paths.merging import merge  # noqa: E402
from catdyn.backends.torch.paths.merging_morphisms import Merge, MergeClaims  # noqa: E402
from catdyn.morphisms import registered  # noqa: E402
from catdyn.runner.context import TaskContext  # noqa: E402
from catdyn.values import Population, Table  # noqa: E402

SPEC = Path(__file__).resolve().parents[4] / "specs" / "model_merging.py"
ARCH = {"type": "mlp", "widths": [6, 8, 8, 3]}


def _population(models, status=None):
    params = {k: torch.stack([m[k] for m in models]) for k in models[0]}
    return Population(ARCH, params, status or ["ok"] * len(models), list(range(len(models))),
                      [{"lr": 0.1}] * len(models))


def test_merge_of_a_population_with_a_shuffled_member_gives_the_network_back():
    net = build_architecture(ARCH)
    theta = net.init(torch.Generator().manual_seed(0))
    moved = permute(net, theta, random_element(net, torch.Generator().manual_seed(5)))
    other = net.init(torch.Generator().manual_seed(9))
    pop = _population([theta, other, moved], status=["ok", "failed", "ok"])  # the failed member is left out
    out = Merge(method="aligned").run(TaskContext(seed=0), pop)
    assert out.size == 1 and out.meta[0]["merged"] == [0, 2] and out.seeds == [0]
    assert all(torch.equal(out.params[k][0], theta[k]) for k in theta)
    naive = Merge(method="naive").run(TaskContext(seed=0), pop)
    assert not all(torch.equal(naive.params[k][0], theta[k]) for k in theta)
    chosen = Merge(method="aligned", members=(0, 1)).run(TaskContext(seed=0), pop)
    want = merge(net, [theta, other], "aligned").params
    assert all(torch.equal(chosen.params[k][0], want[k]) for k in theta)


def test_merge_and_its_claims_are_published_through_the_entry_point():
    found = registered()
    assert found["catdyn.backends.torch.paths.merging_morphisms:Merge"] is Merge
    assert found["catdyn.backends.torch.paths.merging_morphisms:MergeClaims"] is MergeClaims


def _table(*accuracies):
    return Table([{"member": i, "status": "ok", "test_acc": a} for i, a in enumerate(accuracies)])


@pytest.mark.parametrize(("aligned", "naive", "verdicts"), [
    (0.90, 0.50, ["reproduced", "reproduced"]),
    (0.50, 0.90, ["not reproduced", "not reproduced"]),
    (0.905, 0.90, ["inconclusive", "reproduced"]),
])
def test_merge_claims_follow_the_accuracies(aligned, naive, verdicts):
    ctx = TaskContext(seed=0)
    claims = MergeClaims(margin=0.01).run(ctx, _table(0.88, 0.92), _table(aligned), _table(naive))
    assert [c["verdict"] for c in claims.claims] == verdicts
    assert math.isclose(claims.claims[0]["measured"], aligned - naive)
    assert math.isclose(claims.claims[1]["measured"], aligned - 0.90)


def test_the_tiny_preset_runs_as_a_diagram_of_published_morphisms(tmp_path):
    from catdyn.runner.run import run_experiment
    from catdyn.runner.spec import experiments, load_spec
    from catdyn.runner.store import Store

    (family,) = experiments(load_spec(str(SPEC)))
    summary = run_experiment(family, str(tmp_path), preset="tiny")
    assert summary.ok, summary.outcomes
    store = Store(str(tmp_path), create=False)
    by = {t["morphism"]: store.load_value(t["key"]) for t in store.run_tasks(summary.run_id)}
    assert len(by["Merge → Aligned merge"]["status"]) == 1
    claims = by["MergeClaims"]["claims"]
    assert [c["claim"] for c in claims] == ["aligning before averaging merges better than plain averaging",
                                            "the aligned merge keeps the members' accuracy"]
    published = set(registered())
    for step in family.build("tiny").arrows:
        assert any(name.endswith(":" + type(step.morphism).__name__) for name in published)
