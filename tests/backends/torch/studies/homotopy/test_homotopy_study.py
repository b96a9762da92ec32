"""The study end to end on a tiny population, and the spec through the runner (tiny preset)."""

import json
import math
import os

import pytest

from catdyn.backends.torch.data.datasets import load_digits
from catdyn.backends.torch.studies.homotopy.ops import (
    DENDROGRAM_DRAWER,
    dendrogram_data,
    draw_barrier_dendrogram,
    homotopy_study,
)


def _data() -> dict:
    s = load_digits()
    return {
        "name": "digits",
        "n_classes": 10,
        "train_x": s.train.x[:400],
        "train_y": s.train.y[:400],
        "test_x": s.test.x[:200],
        "test_y": s.test.y[:200],
    }


def test_study_records_every_claim_with_a_verdict() -> None:
    out, ctx = homotopy_study(
        _data(),
        arch={"type": "mlp", "hidden": [8]},
        seeds=[0, 1, 2],
        optimisers=[{"name": "sgd", "lrs": [0.1], "momentum": 0.9}, {"name": "adam", "lrs": [0.01]}],
        steps=40,
        points=5,
        max_curves=2,
        curve_steps=5,
        resamples=50,
        law_examples=1,
    )
    claims = {r[1]: r[3] for r in ctx.records if r[0] == "claim"}
    assert "within-class spread of test accuracy" in claims and "number of homotopy classes" in claims
    for c in claims.values():
        assert c["verdict"] in ("reproduced", "not reproduced", "inconclusive")
    assert out["n"] == 6 and out["barriers"].shape == (6, 6)
    assert sum(out["class_sizes"]) == 6
    laws = [r[3] for r in ctx.records if r[0] == "law"]
    assert laws and all(law["status"] == "held" for law in laws)
    assert math.isfinite(out["within"][0]) or len(out["class_sizes"]) == 6
    (fig,) = [r[3] for r in ctx.records if r[0] == "figure" and "dendrogram" in r[1]]
    assert fig["drawer"] == DENDROGRAM_DRAWER and fig["data"]["n"] == 6
    assert len(fig["data"]["merges"]) == 5 and len(set(fig["data"]["labels"])) == len(out["class_sizes"])


def test_spec_runs_through_the_runner(tmp_path) -> None:
    commands = pytest.importorskip("catdyn.runner.commands")
    spec = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "specs", "homotopy_classes.py")
    rc = commands.main(["run", spec, "--preset", "tiny", "--device", "cpu", "--out", str(tmp_path)])
    assert rc == 0
    (claims_file,) = list(tmp_path.glob("reports/*/claims.json"))
    claims = json.loads(claims_file.read_text())["claims"]
    assert {c["claim"] for c in claims} >= {
        "within-class spread of test accuracy",
        "number of homotopy classes",
    }
    # the dendrogram's figure record reaches the report as an embedded plot
    (report_dir,) = [f.parent for f in tmp_path.glob("reports/*/claims.json")]
    assert list(report_dir.glob("plots/*H0-dendrogram-and-barcode*.png"))
    assert "H0 dendrogram and barcode" in (report_dir / "report.html").read_text()


@pytest.mark.parametrize("shift", [0.0, -0.3], ids=["non-negative", "negative-barriers"])
def test_dendrogram_cut_at_c_gives_the_classes(shift: float) -> None:
    """Three planted classes: the dendrogram's subtrees below c are exactly the classes, its
    links are coloured by class, the barcode has one bar alive at c per class, and negative
    barriers (possible for the mean-endpoint definition) still draw."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    import numpy as np
    from scipy.cluster.hierarchy import fcluster

    from catdyn.classes import H0Persistence, classes_at, h0_persistence
    from catdyn.runner.report import plot_figure

    rng = np.random.default_rng(0)
    g = np.repeat([0, 1, 2], [4, 5, 3])
    b = np.where(g[:, None] == g[None, :], rng.uniform(0, 0.05, (12, 12)), rng.uniform(0.2, 0.6, (12, 12)))
    b = np.triu(b, 1) + shift
    b = np.triu(b, 1) + np.triu(b, 1).T
    c = 0.1 + shift
    labels = classes_at(b, c)
    pers = h0_persistence(b)
    data = dendrogram_data(pers, labels, c, names=[f"{labels[i]}:{i}" for i in range(12)])
    z = H0Persistence(12, pers.deaths, pers.merges).linkage()
    low = min(0.0, float(z[:, 2].min()))
    z[:, 2] -= low  # scipy refuses negative heights
    cut = fcluster(z, c - low, criterion="distance")
    same = lambda lab: {(i, j) for i in range(12) for j in range(12) if lab[i] == lab[j]}  # noqa: E731
    assert same(cut) == same(labels) == same(g)
    fig = plt.figure(figsize=data["figsize"])
    draw_barrier_dendrogram(fig, data)  # raises if the drawing fails (plot_figure would hide it)
    tree, bars = fig.axes[:2]
    link_colours = {tuple(np.round(col.get_colors()[0][:3], 3)) for col in tree.collections}
    assert len(link_colours) == 4  # one per class and grey for the links above c
    assert "3 bar(s) alive at c" in bars.get_title()
    plt.close(fig)
    assert plot_figure("H0", {"drawer": DENDROGRAM_DRAWER, "data": data})[:4] == b"\x89PNG"
