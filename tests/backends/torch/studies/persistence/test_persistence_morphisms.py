"""The persistence morphisms give the persistence steps' numbers: Landscape is each member's
grid of :func:`grid_features`, Persistence the gudhi diagram of each grid (its H0 equal to the
independent union-find's), ClassPersistence the per-class means computed by hand; a failed
member has a NaN grid and an empty diagram."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.studies.homotopy.morphisms import population_members  # noqa: E402
from catdyn.backends.torch.studies.persistence.landscapes import Slice, grid_features  # noqa: E402
from catdyn.backends.torch.studies.persistence.morphisms import ClassPersistence, Landscape, Persistence  # noqa: E402
from catdyn.backends.torch.training.morphisms import LoadDataset, Train  # noqa: E402
from catdyn.errors import SpecError  # noqa: E402
from catdyn.runner.operations import OpContext  # noqa: E402
from catdyn.topology.cubical import sublevel_persistence  # noqa: E402
from catdyn.values import Landscapes, Partition, PersistenceDiagrams, Population  # noqa: E402


@pytest.fixture(scope="module")
def trained():
    ctx = OpContext(seed=1)
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
    failed = Population(pop.arch, pop.params, ["failed", "ok"], pop.seeds, pop.meta, pop.extras)
    ls = Landscape(steps=4).run(ctx, failed, data)
    assert np.isnan(ls.grids[0]).all() and np.isfinite(ls.grids[1]).all()
    assert Persistence().run(ctx, ls).diagrams[0] == {}


def test_persistence_is_the_sublevel_diagram_with_an_independent_h0() -> None:
    rng = np.random.default_rng(0)
    grids = rng.normal(size=(3, 7, 7))
    pd = Persistence().run(OpContext(seed=0), Landscapes(grids, 1.0, 0))
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
    rows = ClassPersistence().run(OpContext(seed=0), PersistenceDiagrams(diagrams), part).rows
    assert rows[0] == {"class": 0, "size": 2, "H0_total_persistence": 2.25, "H0_finite_pairs": 1.5,
                       "H1_total_persistence": 0.25, "H1_finite_pairs": 0.5}
    assert rows[1]["size"] == 2 and rows[1]["H0_total_persistence"] == 0.0
