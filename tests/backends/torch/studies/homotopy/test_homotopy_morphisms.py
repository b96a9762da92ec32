"""The homotopy morphisms give the homotopy steps' numbers: Barriers is the aligned barrier
matrix of :func:`measure_paths` read by the criterion, Classes the components of
:func:`classes_of`; a member that failed to train, or one the sublevel criterion finds not
converged, is in no class; the claim morphisms record what the steps compute; bad parameters
and a mismatched schema are clear errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.paths.barrier_matrix import barrier_matrix  # noqa: E402
from catdyn.backends.torch.studies.homotopy.barriers import measure_paths  # noqa: E402
from catdyn.backends.torch.studies.homotopy.criteria import levels  # noqa: E402
from catdyn.backends.torch.studies.homotopy.morphisms import Barriers, Classes, population_members  # noqa: E402
from catdyn.backends.torch.studies.homotopy.partition import classes_of  # noqa: E402
from catdyn.backends.torch.training.morphisms import LoadDataset, Train  # noqa: E402
from catdyn.errors import SchemaError, SpecError  # noqa: E402
from catdyn.runner.context import TaskContext  # noqa: E402
from catdyn.values import BarrierMatrix, Partition, Population  # noqa: E402


@pytest.fixture(scope="module")
def trained():
    ctx = TaskContext(seed=3)
    data = LoadDataset(n_train=150, n_test=40).run(ctx)
    pop = Train(arch={"type": "mlp", "widths": [64, 6, 10]}, seeds=(0, 1, 2), steps=30).run(ctx, data)
    return ctx, pop, data


@pytest.mark.parametrize("definition", ["line-endpoint", "mean-endpoint", "sublevel", "relative"])
def test_barriers_are_the_measured_matrix_under_the_criterion(trained, definition) -> None:
    ctx, pop, data = trained
    got = Barriers(points=5, definition=definition).run(ctx, pop, data)
    members = population_members(pop, data, "cpu")
    want = levels(measure_paths(members, points=5, seed=ctx.seed), definition).matrix
    np.testing.assert_array_equal(got.matrix, want)
    assert got.members == [0, 1, 2] and got.size == 3 and got.measure == "loss (train)"


def test_no_alignment_is_the_unaligned_matrix(trained) -> None:
    ctx, pop, data = trained
    got = Barriers(points=5, alignment="none", metric="error", split="test").run(ctx, pop, data)
    m = population_members(pop, data, "cpu")
    want = barrier_matrix(m.net, m.stacked, m.splits, points=5, alignment="none").matrix("error", "test", "line-endpoint")
    np.testing.assert_array_equal(got.matrix, want)


def test_a_failed_member_has_no_barriers_and_no_class(trained) -> None:
    ctx, pop, data = trained
    failed = dataclasses.replace(pop, status=["ok", "failed", "ok"])
    bm = Barriers(points=5).run(ctx, failed, data)
    assert bm.members == [0, 2] and bm.matrix.shape == (2, 2)
    assert Classes(c=1e9).run(ctx, bm).labels == [0, None, 0]


def test_classes_are_the_components_below_c() -> None:
    b = np.full((5, 5), 2.0)
    b[:3, :3] = 0.1
    b[3:, 3:] = 0.05
    np.fill_diagonal(b, 0.0)
    for c in (0.01, 0.07, 0.5, 3.0):
        part = Classes(c=c).run(TaskContext(seed=0), BarrierMatrix(b, "line-endpoint", 5))
        assert part.labels == classes_of(b, c).labels.tolist()
        assert part.level == c and part.criterion == "line-endpoint barrier of loss (train)"
    assert Classes(c=0.5).run(TaskContext(seed=0), BarrierMatrix(b, "line-endpoint", 5)).labels == [0, 0, 0, 1, 1]


def test_bad_parameters_and_schemas_are_clear_errors() -> None:
    with pytest.raises(SpecError, match="alignment"):
        Barriers(alignment="activation")
    with pytest.raises(SpecError, match="points"):
        Barriers(points=2)
    with pytest.raises(SchemaError, match="member rows"):
        BarrierMatrix(np.zeros((2, 2)), "line-endpoint", 5, members=[0, 1, 2])
    with pytest.raises(SchemaError, match="population of 2"):
        BarrierMatrix(np.zeros((2, 2)), "line-endpoint", 5, members=[0, 4], size=2)


def test_class_spreads_are_the_measured_spreads_against_the_paper() -> None:
    from catdyn.backends.torch.studies.homotopy.morphisms import ClassSpreads
    from catdyn.backends.torch.studies.homotopy.spreads import measure_spreads
    from catdyn.values import Table

    acc = [0.90, 0.91, 0.70, 0.71, 0.5]
    part = Partition([0, 0, 1, 1, None], "components", 0.1)
    table = Table([{"member": i, "test_acc": a} for i, a in enumerate(acc)])
    claims = ClassSpreads(resamples=200).run(TaskContext(seed=5), part, table).claims
    want = measure_spreads(acc[:4], [0, 0, 1, 1], resamples=200, seed=5)
    assert [c["claim"] for c in claims] == ["within-class spread of test accuracy",
                                            "between-class spread of test accuracy"]
    assert claims[0]["measured"] == want.within.value and claims[1]["measured"] == want.between.value
    assert claims[1]["measured"] == pytest.approx(0.2)  # |0.905 - 0.705|: the member in no class left out
    assert claims[1]["verdict"] == "reproduced"  # far above the paper's 3 % between classes


def test_an_ensembles_cnn_is_read_with_the_homotopy_studys_architecture(trained) -> None:
    ctx, _, data = trained
    arch = {"type": "cnn", "input_shape": [1, 8, 8], "channels": [2, 3], "classes": 10}
    from catdyn.backends.torch.models.architectures import build_architecture

    net = build_architecture(arch)
    inits = [net.init(torch.Generator().manual_seed(s)) for s in (0, 1)]
    pop = Population(arch, {k: torch.stack([m[k] for m in inits]) for k in inits[0]}, ["ok", "ok"], [0, 1])
    members = population_members(pop, data, "cpu")
    assert members.net.name == population_members(
        Population({"type": "cnn", "image": [1, 8, 8], "channels": [2, 3]}, pop.params, pop.status, pop.seeds),
        data, "cpu").net.name
    want = levels(measure_paths(members, points=3, seed=ctx.seed), "line-endpoint").matrix
    np.testing.assert_array_equal(Barriers(points=3).run(ctx, pop, data).matrix, want)


def test_the_sublevel_criterion_leaves_unconverged_members_out() -> None:
    b = np.array([[0.0, 0.05, 0.3], [0.05, 0.0, 0.3], [0.3, 0.3, 0.0]])
    own = [0.01, 0.02, 0.2]
    part = Classes(c=0.1).run(TaskContext(seed=0), BarrierMatrix(b, "sublevel", 5, own=own))
    assert part.labels == [0, 0, None] and part.criterion == "sublevel barrier of loss (train)"
    # the same matrix under another criterion lets every member in
    assert Classes(c=0.1).run(TaskContext(seed=0), BarrierMatrix(b, "line-endpoint", 5, own=own)).labels == [0, 0, 1]


def test_homotopy_train_is_the_study_s_population(digits_value, population) -> None:
    from catdyn.backends.torch.studies.homotopy.morphisms import HomotopyTrain
    from catdyn.values import Dataset

    data = Dataset(**digits_value)
    opt = ({"name": "sgd", "lrs": (0.02, 0.3), "momentum": 0.9}, {"name": "adam", "lrs": (0.01,)})
    pop = HomotopyTrain(arch={"type": "mlp", "hidden": [6]}, seeds=(0, 1), optimisers=opt, steps=30).run(
        TaskContext(seed=0), data)
    assert pop.arch == {"type": "mlp", "widths": [64, 6, 10], "activation": "relu", "batch_norm": False}
    assert pop.status == population["status"] and pop.meta == population["config"]
    for k, v in population["params"].items():
        torch.testing.assert_close(pop.params[k], v, rtol=0, atol=0)
    with pytest.raises(SpecError, match="optimisers"):
        HomotopyTrain(arch={"type": "mlp", "hidden": [6]}, seeds=(0,), optimisers=({"name": "rmsprop", "lrs": (0.1,)},))
    with pytest.raises(SpecError, match="lrs"):
        HomotopyTrain(arch={"type": "mlp", "hidden": [6]}, seeds=(0,), optimisers=({"name": "sgd", "lrs": ()},))


def test_count_mantel_and_robust_verdicts_record_what_the_steps_compute() -> None:
    from catdyn.backends.torch.studies.homotopy.claim_morphisms import Mantel, RobustVerdicts, Sensitivity
    from catdyn.backends.torch.studies.homotopy.claims import count_claim
    from catdyn.backends.torch.studies.homotopy.mantel import mantel_test
    from catdyn.backends.torch.studies.homotopy.morphisms import ClassCount, ClassSpreads
    from catdyn.values import Table

    rng = np.random.default_rng(0)
    b = rng.uniform(0, 1, (6, 6))
    b = np.triu(b, 1) + np.triu(b, 1).T
    acc = Table([{"member": i, "test_acc": float(a)} for i, a in enumerate(rng.uniform(0.8, 0.9, 6))])
    count = ClassCount(c=0.3).run(TaskContext(seed=0), BarrierMatrix(b, "line-endpoint", 5)).claims
    assert count[0]["measured"] == count_claim(classes_of(b, 0.3), "").measured
    (m,) = Mantel(permutations=50).run(TaskContext(seed=4), BarrierMatrix(b, "line-endpoint", 5), acc).claims
    assert m["measured"] == mantel_test(b, np.array([r["test_acc"] for r in acc.rows]), permutations=50, seed=4).rho
    chosen = ClassSpreads(resamples=30, tag="(line-endpoint, c = 0.3)").run(
        TaskContext(seed=0), Partition([0, 0, 0, 1, 1, 1], "x", 0.3), acc)
    assert [c["claim"] for c in chosen.claims] == ["within-class spread of test accuracy (line-endpoint, c = 0.3)",
                                                  "between-class spread of test accuracy (line-endpoint, c = 0.3)"]
    table = Table([{"criterion": "sublevel", "c": 0.1, "within verdict": "reproduced", "between verdict": "x"},
                   {"criterion": "sublevel", "c": 0.2, "within verdict": "not reproduced", "between verdict": "x"}])
    robust = RobustVerdicts().run(TaskContext(seed=0), chosen, table).claims
    assert [c["claim"] for c in robust] == ["within-class spread of test accuracy",
                                            "between-class spread of test accuracy"]
    assert {c["verdict"] for c in robust} == {"inconclusive"}  # the rows disagree, so the choice decides
    assert robust[0]["measured"] == chosen.claims[0]["measured"]
    with pytest.raises(SpecError, match="grid"):
        Sensitivity(grid={"line-endpoint": (-0.1,)})
