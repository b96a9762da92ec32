"""The persistence morphisms give the persistence steps' numbers: Landscape is each member's
grid of :func:`grid_features`, Persistence the gudhi diagram of each grid (its H0 equal to the
independent union-find's), ClassPersistence the per-class means computed by hand; a failed
member has a NaN grid and an empty diagram."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.studies.homotopy.morphisms import population_members  # noqa: E402
from catdyn.backends.torch.studies.persistence.landscapes import Slice, grid_features  # noqa: E402
from catdyn.backends.torch.studies.persistence.morphisms import ClassPersistence, Landscape, Persistence  # noqa: E402
from catdyn.backends.torch.training.morphisms import LoadDataset, Train  # noqa: E402
from catdyn.errors import SpecError  # noqa: E402
from catdyn.runner.context import TaskContext  # noqa: E402
from catdyn.topology.cubical import sublevel_persistence  # noqa: E402
from catdyn.values import Landscapes, Partition, PersistenceDiagrams  # noqa: E402


@pytest.fixture(scope="module")
def trained():
    ctx = TaskContext(seed=1)
    data = LoadDataset(n_train=120, n_test=20).run(ctx)
    pop = Train(arch={"type": "mlp", "widths": [64, 5, 10]}, seeds=(0, 1), steps=20).run(ctx, data)
    return ctx, pop, data


def test_landscapes_are_the_grids_of_the_persistence_study(trained) -> None:
    ctx, pop, data = trained
    got = Landscape(steps=5, span=0.5, batch=64, directions_seed=4).run(ctx, pop, data)
    m = population_members(pop, data, "cpu")
    how = Slice(steps=5, span=0.5, batch=64, noise_floor=0.0)
    for i, params in enumerate(m.models()):
        want = grid_features(m.net, params, m.splits["train"].x, m.splits["train"].y, 4, how)[0]
        np.testing.assert_array_equal(got.grids[i], want)
    assert got.grids.shape == (2, 5, 5) and got.span == 0.5 and got.directions_seed == 4


def test_a_failed_member_has_a_nan_grid_and_an_empty_diagram(trained) -> None:
    ctx, pop, data = trained
    failed = dataclasses.replace(pop, status=["failed", "ok"])
    ls = Landscape(steps=4).run(ctx, failed, data)
    assert np.isnan(ls.grids[0]).all() and np.isfinite(ls.grids[1]).all()
    assert Persistence().run(ctx, ls).diagrams[0] == {}


def test_persistence_is_the_sublevel_diagram_with_an_independent_h0() -> None:
    rng = np.random.default_rng(0)
    grids = rng.normal(size=(3, 7, 7))
    pd = Persistence().run(TaskContext(seed=0), Landscapes(grids, 1.0, 0))
    for grid, d in zip(grids, pd.diagrams):
        want = sublevel_persistence(grid)
        finite = [p for p in d["H0"] if p[1] is not None]
        np.testing.assert_array_equal(np.array(finite), want.finite[0])
        np.testing.assert_allclose(np.array(finite), sublevel_persistence(grid, engine="union-find").finite[0])
        assert [p[0] for p in d["H0"] if p[1] is None] == [float(grid.min())]
        assert len(d["H1"]) == len(want.finite[1]) + len(want.essential[1])
    with pytest.raises(SpecError, match="construction"):
        Persistence(construction="edge")


def test_class_persistence_is_the_per_class_mean() -> None:
    diagrams = [{"H0": [[0.0, 1.0], [0.0, None]], "H1": []},
                {"H0": [[0.0, 3.0], [1.0, 1.5], [0.0, None]], "H1": [[2.0, 2.5]]},
                {}, {"H0": [[0.0, None]], "H1": []}]
    part = Partition([0, 0, 1, 1], "components", 0.1)
    rows = ClassPersistence().run(TaskContext(seed=0), PersistenceDiagrams(diagrams), part).rows
    assert rows[0] == {"class": 0, "size": 2, "H0_total_persistence": 2.25, "H0_finite_pairs": 1.5,
                       "H1_total_persistence": 0.25, "H1_finite_pairs": 0.5}
    assert rows[1]["size"] == 2 and rows[1]["H0_total_persistence"] == 0.0


# --- the generalisation study's morphisms -----------------------------------------------------------
from catdyn.backends.torch.studies.persistence.morphisms import (  # noqa: E402
    DirectionMean,
    Generalisation,
    HalvesFloor,
    HalvesMean,
    HalvesSup,
    LandscapeFeatures,
    ModelTable,
    OneAtATime,
    PHDimension,
    TrainGroup,
    TrainingHalves,
    TrainingLandscape,
    WeightNorm,
)

BASE = {"width": 6, "lr": 0.1, "batch_size": 16, "weight_decay": 0.0, "label_noise": 0.0, "n_train": 100}


@pytest.fixture(scope="module")
def study():
    ctx = TaskContext(seed=3)
    data = LoadDataset(n_train=120, n_test=40).run(ctx)
    design = OneAtATime(base=BASE, vary={"label_noise": [0.3], "lr": [0.3]}, seeds=(0,))
    plan = design.run(ctx, data)
    pops = [TrainGroup(rows=rows, steps=30, noise_seed=11, trajectory_points=25).run(ctx, plan, data)
            for rows in design.groups()]
    return ctx, data, design, plan, pops


def test_the_design_rows_name_each_model(study) -> None:
    _, _, design, plan, _ = study
    assert [r["varies"] for r in plan.rows] == ["base", "label_noise=0.3", "lr=0.3"]
    assert [r["model"] for r in plan.rows] == [f"digits mlp #{i}" for i in range(3)]
    assert {r["arch"] for r in plan.rows} == {"mlp(64-6-10)"}
    assert design.groups() == [(0, 2), (1,)]
    with pytest.raises(SpecError, match="lr"):
        OneAtATime(base=BASE, vary={"lr": [-0.1]})
    with pytest.raises(SpecError, match="vary"):
        OneAtATime(base=BASE, vary={"depth": [2]})


def test_a_noisy_model_s_landscape_and_gap_use_the_labels_it_trained_on(study) -> None:
    """Both on the noisy labels (the loss it minimised); gap_clean on the true ones."""
    from catdyn.backends.torch.landscapes.landscape import loss_landscape
    from catdyn.backends.torch.models.architectures import MLP
    from catdyn.backends.torch.studies.persistence.design import noisy_labels

    ctx, data, _, _, pops = study
    noisy = pops[1]
    assert noisy.meta[0]["label_noise"] == 0.3 and noisy.meta[0]["noise_seed"] == 11
    x, y_true = data.train_x[:100].float(), data.train_y[:100].long()
    y = noisy_labels(y_true, 0.3, 10, 11)
    assert (y != y_true).any()
    net, params = MLP((64, 6, 10)), {k: v[0] for k, v in noisy.params.items()}
    grids = TrainingLandscape(steps=5, batch=64, directions_seed=2).run(ctx, data, *pops)
    want = loss_landscape(net, params, x, y, steps=5, span=1.0, seed=2, batch=64, data_seed=2).values
    np.testing.assert_allclose(grids.grids[2], want, rtol=1e-6)
    clean = loss_landscape(net, params, x, y_true, steps=5, span=1.0, seed=2, batch=64, data_seed=2).values
    assert not np.allclose(grids.grids[2], clean)
    row = Generalisation().run(ctx, data, *pops).rows[2]
    with torch.no_grad():
        pred = net.apply(params, x).argmax(1)
        test = (net.apply(params, data.test_x.float()).argmax(1) == data.test_y).float().mean().item()
    assert row["model"] == "digits mlp #1" and row["status"] == "ok"
    assert row["gap"] == pytest.approx((pred == y).float().mean().item() - test)
    assert row["gap_clean"] == pytest.approx((pred == y_true).float().mean().item() - test)


def test_weight_norm_and_ph_dimension_per_model(study) -> None:
    from catdyn.backends.torch.studies.persistence.train import trajectory_dimension

    ctx, _, _, _, pops = study
    norms = WeightNorm().run(ctx, *pops).rows
    flat = np.concatenate([v[1].numpy().ravel() for v in pops[0].params.values()])
    assert [r["model"] for r in norms] == ["digits mlp #0", "digits mlp #2", "digits mlp #1"]
    assert norms[1]["l2_norm"] == pytest.approx(float(np.sqrt(np.sum(flat.astype(np.float64) ** 2))), rel=1e-5)
    ph = PHDimension(seed=4).run(ctx, *pops).rows
    traj = pops[0].trajectory[0]
    assert traj.shape[0] >= 15 and ph[0]["arch"] == "mlp(64-6-10)"
    want = trajectory_dimension(traj.double().numpy(), 4)
    assert (np.isnan(ph[0]["ph_dimension"]) and np.isnan(want)) or ph[0]["ph_dimension"] == want


def test_features_floors_mean_and_table(study) -> None:
    from catdyn.topology.cubical import sublevel_persistence
    from catdyn.topology.features import summarise

    ctx, data, _, plan, pops = study
    tables = []
    for s in (0, 1):
        ls = TrainingLandscape(steps=5, batch=64, directions_seed=s).run(ctx, data, *pops)
        floors = HalvesFloor(steps=5, batch=64, directions_seed=s).run(ctx, data, *pops)
        tables.append(LandscapeFeatures(figures=s == 0).run(ctx, ls, Persistence().run(ctx, ls), floors))
        want = summarise(sublevel_persistence(ls.grids[1]), noise_floor=floors.rows[1]["noise_floor"], grid=ls.grids[1])
        assert all(tables[-1].rows[1][k] == pytest.approx(v) for k, v in want.items())
    assert any(r[0] == "figure" and "digits mlp #0: mlp(64-6-10), seed 0, base" in r[1] for r in ctx.records)
    mean = DirectionMean().run(ctx, *tables).rows
    tp = [t.rows[2]["total_persistence"] for t in tables]
    assert mean[2]["total_persistence"] == pytest.approx(np.mean(tp))
    assert mean[2]["total_persistence_std"] == pytest.approx(np.std(tp))
    gaps = Generalisation().run(ctx, data, *pops)
    models = ModelTable().run(ctx, plan, gaps, DirectionMean().run(ctx, *tables)).rows
    assert [r["model"] for r in models] == [r["model"] for r in plan.rows]
    assert {"model", "arch", "seed", "varies", "lr", "gap", "gap_clean", "total_persistence"} <= set(models[0])


@pytest.fixture(scope="module")
def cnn_study():
    ctx = TaskContext(seed=4)
    data = LoadDataset(n_train=120, n_test=40).run(ctx)
    design = OneAtATime(base={**BASE, "width": 8}, vary={"lr": [0.3]}, seeds=(0,), family="cnn", input_shape=(1, 8, 8))
    plan = design.run(ctx, data)
    pops = [TrainGroup(rows=rows, steps=20, input_shape=(1, 8, 8), noise_seed=5, trajectory_points=5).run(ctx, plan, data)
            for rows in design.groups()]
    return ctx, data, pops


@pytest.mark.parametrize("which", ["study", "cnn_study"])
def test_the_halves_give_the_training_landscape_and_the_halves_floor(which, request) -> None:
    """HalvesMean equals TrainingLandscape (the grid on the whole batch, computed directly) to
    float rounding and HalvesSup equals HalvesFloor, row for row, on MLPs and on CNNs; a
    failed member is NaN in both, with its identity."""
    ctx, data, *_, pops = request.getfixturevalue(which)
    pops = [dataclasses.replace(pops[0], status=["failed", *pops[0].status[1:]]), *pops[1:]]
    slice_ = {"steps": 5, "span": 0.7, "batch": 61, "directions_seed": 2}
    halves = TrainingHalves(**slice_).run(ctx, data, *pops)
    grids = TrainingLandscape(**slice_).run(ctx, data, *pops)
    assert halves.sizes == [[30, 31]] * len(halves.sizes) and halves.batch_norm == "none"
    mean = HalvesMean().run(ctx, halves)
    assert (mean.span, mean.directions_seed) == (0.7, 2) and np.isnan(mean.grids[0]).all()
    np.testing.assert_allclose(mean.grids[1:], grids.grids[1:], rtol=1e-5, atol=1e-6)
    assert np.isnan(grids.grids[0]).all() and np.isfinite(mean.grids[1:]).all()
    floors, want = HalvesSup().run(ctx, halves).rows, HalvesFloor(**slice_).run(ctx, data, *pops).rows
    assert [r["model"] for r in floors] == [r["model"] for r in want] and set(floors[0]) == set(want[0])
    assert np.isnan(floors[0]["noise_floor"]) and np.isnan(want[0]["noise_floor"])
    assert [r["noise_floor"] for r in floors[1:]] == [r["noise_floor"] for r in want[1:]]
    assert all(r["noise_floor"] > 0 for r in floors[1:])
    with pytest.raises(SpecError, match="batch"):
        TrainingHalves(batch=1)  # two halves of one sample each at least


def test_halves_with_batch_norm_recomputed_have_no_mean() -> None:
    from catdyn.errors import TopologyError
    from catdyn.values import LandscapeHalves

    grids = np.random.default_rng(0).normal(size=(2, 1, 3, 3))
    halves = LandscapeHalves(grids[0], grids[1], [[3, 4]], 1.0, 0, [{"model": "m"}], batch_norm="recompute")
    with pytest.raises(TopologyError, match="batch norm recomputes"):
        HalvesMean().run(TaskContext(seed=0), halves)
    assert HalvesSup().run(TaskContext(seed=0), halves).rows == [
        {"model": "m", "noise_floor": float(np.abs(grids[0] - grids[1]).max())}]
    stored = dataclasses.replace(halves, batch_norm="stored")
    np.testing.assert_allclose(HalvesMean().run(TaskContext(seed=0), stored).grids, (3 * grids[0] + 4 * grids[1]) / 7)


def test_a_shifted_test_split_gives_tagged_gaps(study) -> None:
    from catdyn.backends.torch.data.shift import rotate
    from catdyn.backends.torch.studies.persistence.morphisms import ShiftedTest

    ctx, data, _, _, pops = study
    moved = ShiftedTest(kind="rotation", amount=20.0).run(ctx, data)
    assert moved.train_x is data.train_x and moved.name == "digits (rotation 20°)"
    np.testing.assert_array_equal(moved.test_x.numpy(), rotate(data.test_x, 20.0).numpy())
    plain, tagged = Generalisation().run(ctx, data, *pops).rows, Generalisation(tag="rot20").run(ctx, moved, *pops).rows
    assert set(tagged[0]) == {"model", "data", "family", "arch", "seed", "varies", "status", "test_acc_rot20",
                              "test_loss_rot20", "gap_rot20", "loss_gap_rot20", "gap_clean_rot20"}
    for p, t in zip(plain, tagged):
        assert t["gap_rot20"] - p["gap"] == pytest.approx(p["test_acc"] - t["test_acc_rot20"])
    with pytest.raises(SpecError, match="amount"):
        ShiftedTest(kind="noise", amount=0.0)


def test_mnist1d_shift_draws_the_test_split_from_the_generator_under_other_arguments() -> None:
    from catdyn.backends.torch.data.datasets import make_mnist1d
    from catdyn.backends.torch.studies.persistence.morphisms import MNIST1DShift
    from catdyn.values import Dataset as DatasetValue

    ctx = TaskContext(seed=0)
    splits = make_mnist1d(num_samples=200, seed=7)
    data = DatasetValue("mnist1d", 10, splits.train.x, splits.train.y, splits.test.x, splits.test.y)
    moved = MNIST1DShift(seed=7, num_samples=200, corr_noise_scale=0.6, max_translation=60).run(ctx, data)
    want = make_mnist1d(num_samples=200, seed=7, corr_noise_scale=0.6, max_translation=60).test
    assert moved.train_x is data.train_x and moved.train_y is data.train_y
    assert moved.name == "mnist1d (max_translation 60, corr_noise_scale 0.6)"
    np.testing.assert_array_equal(moved.test_x.numpy(), want.x.numpy())
    assert not np.array_equal(moved.test_x.numpy(), data.test_x.numpy())
    with pytest.raises(SpecError, match="num_samples=300"):
        MNIST1DShift(seed=7, num_samples=300, scale_coeff=1.0).run(ctx, data)
    with pytest.raises(SpecError, match="at least one generator argument"):
        MNIST1DShift(seed=7)
    with pytest.raises(SpecError, match="max_translation"):
        MNIST1DShift(max_translation=73)
