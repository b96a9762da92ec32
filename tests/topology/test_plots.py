"""Critical points on known surfaces, persistence pairs located on the grid, and the drawers
producing PNGs from real diagrams and study rows."""

from __future__ import annotations

import numpy as np
import pytest

from catdyn.runner.report import plot_figure
from catdyn.topology.plots import critical_points, landscape_figure_data

X = np.linspace(-3, 3, 31)  # step 0.2: ±2, ±1, 0 are grid points (indices 5, 10, 15, 20, 25)


def _well(cx: float, cy: float, depth: float, width: float = 0.6) -> np.ndarray:
    return -depth * np.exp(-((X[:, None] - cx) ** 2 + (X[None, :] - cy) ** 2) / (2 * width**2))


def _index(v: float) -> int:
    return int(np.argmin(np.abs(X - v)))


def test_two_gaussian_wells_minima_at_wells_saddle_between() -> None:
    f = _well(-1.0, 0.0, 1.0) + _well(1.0, 0.0, 1.0)
    cp = critical_points(f, boundary=False)
    assert cp["minima"] == [[_index(-1.0), 15], [_index(1.0), 15]]
    assert cp["saddles"] == [[15, 15]]
    assert cp["maxima"] == []


def test_three_wells_of_different_depths_give_three_minima_and_saddles_between() -> None:
    wells = [(-1.4, -1.0, 1.0), (1.4, -1.0, 0.7), (0.0, 1.4, 0.5)]
    f = sum(_well(cx, cy, d) for cx, cy, d in wells)
    cp = critical_points(f, boundary=False)
    assert sorted(map(tuple, cp["minima"])) == sorted((_index(cx), _index(cy)) for cx, cy, _ in wells)
    # each saddle lies between two wells: closer to the segment joining two wells' centres than 0.6
    assert len(cp["saddles"]) >= 2
    centres = np.array([(cx, cy) for cx, cy, _ in wells])
    for i, j in cp["saddles"]:
        p = np.array([X[i], X[j]])
        dist = min(
            np.linalg.norm(p - (a + np.clip(np.dot(p - a, b - a) / np.dot(b - a, b - a), 0, 1) * (b - a)))
            for k, a in enumerate(centres)
            for b in centres[k + 1 :]
        )
        assert dist < 0.6
    # each pair of wells has a saddle near the segment between them (the 8-ring may report a
    # saddle that falls between grid points on two adjacent vertices)
    for k, a in enumerate(centres):
        for b in centres[k + 1 :]:
            mid = (a + b) / 2
            assert min(np.linalg.norm(np.array([X[i], X[j]]) - mid) for i, j in cp["saddles"]) < 0.8
    # the one interior maximum is the hill ringed by the three wells; the boundary adds maxima
    # on the edge (where the wells have faded), never minima
    (hill,) = cp["maxima"]
    assert np.linalg.norm(np.array([X[hill[0]], X[hill[1]]]) - centres.mean(axis=0)) < 0.6
    with_edge = critical_points(f)
    assert with_edge["minima"] == cp["minima"]
    assert [m for m in with_edge["maxima"] if 0 < m[0] < 30 and 0 < m[1] < 30] == [hill]


def test_orientation_axis0_is_first_coordinate() -> None:
    f = _well(-2.0, 1.0, 1.0)  # one well, off the diagonal: a swapped axis would put it at (1, −2)
    assert critical_points(f, boundary=False)["minima"] == [[_index(-2.0), _index(1.0)]]


def test_saddle_peak_and_monkey_saddle_at_the_centre() -> None:
    x = np.linspace(-1, 1, 9)
    xx, yy = np.meshgrid(x, x, indexing="ij")
    assert critical_points(xx**2 - yy**2, boundary=False) == {"minima": [], "saddles": [[4, 4]], "maxima": []}
    assert critical_points(-(xx**2) - yy**2, boundary=False)["maxima"] == [[4, 4]]
    monkey = xx**3 - 3 * xx * yy**2  # degenerate: the grid splits it, but the centre is a saddle
    assert [4, 4] in critical_points(monkey, boundary=False)["saddles"]


def test_plateau_gives_one_minimum_not_many() -> None:
    f = np.ones((6, 6))
    f[2:4, 2:4] = 0.0  # a flat floor of four equal vertices
    assert len(critical_points(f, boundary=False)["minima"]) == 1


def test_pair_vertices_sit_on_the_diagram_values() -> None:
    pytest.importorskip("gudhi")
    from catdyn.topology.cubical import sublevel_persistence
    from catdyn.topology.plots import pair_vertices

    rng = np.random.default_rng(3)
    f = rng.random((7, 11))  # not square: a Fortran/C index mix-up would land on wrong values
    d = sublevel_persistence(f)
    pv = pair_vertices(f)
    for dim in (0, 1):
        got = sorted(
            (f[tuple(p["birth"])], f[tuple(p["death"])]) for p in pv[f"h{dim}"] if p["death"] is not None
        )
        assert np.allclose(np.array(got).reshape(-1, 2), d.pairs(dim))
    ess = [p for p in pv["h0"] if p["death"] is None]
    assert [f[tuple(p["birth"])] for p in ess] == pytest.approx(d.essential_births(0).tolist())
    # H0 pairs are born at minima of the 4-connected grid
    for p in pv["h0"]:
        i, j = p["birth"]
        nbrs = [
            f[i + a, j + b]
            for a, b in ((1, 0), (-1, 0), (0, 1), (0, -1))
            if 0 <= i + a < 7 and 0 <= j + b < 11
        ]
        assert f[i, j] < min(nbrs)


def _png_ok(png: bytes) -> None:
    assert png[:4] == b"\x89PNG" and len(png) > 5000


def test_drawers_make_pngs_from_a_real_landscape_and_diagram() -> None:
    pytest.importorskip("gudhi")
    pytest.importorskip("matplotlib")
    pytest.importorskip("torch")
    import torch

    from catdyn.backends.torch.landscapes.landscape import loss_landscape
    from catdyn.backends.torch.models.architectures import MLP
    from catdyn.topology.cubical import sublevel_persistence

    torch.manual_seed(0)
    arch = MLP((4, 8, 3))
    params = arch.init(torch.Generator().manual_seed(0))
    x = torch.randn(64, 4)
    y = torch.randint(0, 3, (64,))
    ls = loss_landscape(arch, params, x, y, steps=15, span=1.0, seed=0)
    data = landscape_figure_data(ls.values, [c.tolist() for c in ls.coords], noise_floor=0.01)
    assert data["critical"]["minima"]  # a landscape has a lowest point
    record = {"drawer": "catdyn.topology.plots:draw_landscape", "data": data}
    _png_ok(plot_figure("contour", record))
    import matplotlib.pyplot as plt

    from catdyn.topology.plots import draw_landscape

    fig = plt.figure()
    draw_landscape(fig, data)  # raises if it cannot draw (plot_figure would hide it in the PNG)
    plt.close(fig)
    d = sublevel_persistence(ls.values)
    _png_ok(
        plot_figure(
            "pd",
            {"drawer": "catdyn.topology.plots:draw_diagram", "data": {**d.to_dict(), "noise_floor": 0.01}},
        )
    )


def test_drawer_failure_is_not_silent() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from catdyn.topology.plots import draw_landscape

    fig = plt.figure()
    with pytest.raises(KeyError):
        draw_landscape(fig, {})  # no values: the report would draw "could not draw …"
    plt.close(fig)


def test_scatter_and_ranking_drawers_from_study_rows() -> None:
    pytest.importorskip("matplotlib")
    from catdyn.topology.study import assess, rank

    rng = np.random.default_rng(0)
    tp = rng.random(12) * 1e-3
    gap = 0.05 + 20 * tp + 0.01 * rng.standard_normal(12)
    m = assess(tp, gap, name="total_persistence", resamples=50, permutations=49)
    b = assess(rng.random(12), gap, name="l2_norm", resamples=50, permutations=49)
    scatter = {
        "x": tp.tolist(),
        "y": gap.tolist(),
        "groups": ["base"] + [f"lr={i}" for i in range(11)],
        "fit": {"slope": m.slope, "intercept": m.intercept, "r2": m.r2},
        "reference": {"slope": -0.034, "intercept": 0.12, "label": "paper"},
    }
    _png_ok(plot_figure("s", {"drawer": "catdyn.topology.plots:draw_scatter", "data": scatter}))
    rows = [
        {"name": x.name, "tau": x.tau, "tau_interval": list(x.tau_interval), "p": x.p_tau, "cv_r2": x.cv_r2,
         "kind": "baseline" if x.name == "l2_norm" else "topological"}
        for x in rank([m, b])
    ]  # fmt: skip
    _png_ok(plot_figure("r", {"drawer": "catdyn.topology.plots:draw_ranking", "data": {"rows": rows}}))


def test_tiny_preset_report_holds_the_new_figures(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("torch")
    pytest.importorskip("gudhi")
    import importlib.util
    from pathlib import Path

    from catdyn.runner.run import run_experiment

    path = Path(__file__).resolve().parents[2] / "specs" / "persistence_generalisation.py"
    spec = importlib.util.spec_from_file_location("persistence_generalisation_plots", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    summary = run_experiment(module.persistence_generalisation, str(tmp_path), preset="tiny")
    assert summary.ok
    plots = Path(summary.report["claims"]).parent / "plots"
    names = " ".join(p.name for p in plots.iterdir())
    for part in (
        "landscape-contour",
        "persistence-diagram-and-barcode",
        "gap-vs-total-persistence",
        "Kendall",
    ):
        assert part in names
