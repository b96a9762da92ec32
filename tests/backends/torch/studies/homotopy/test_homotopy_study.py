"""The spec through the runner (tiny preset): one task per morphism of the drawn diagram, every
claim made by one of them; and the dendrogram drawn from the classes."""

import json
import os

import pytest

from catdyn.backends.torch.studies.homotopy.dendrogram import (
    DENDROGRAM_DRAWER,
    dendrogram_data,
    draw_barrier_dendrogram,
)

SPEC = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "specs", "homotopy_classes.py")


def test_spec_runs_through_the_runner(tmp_path) -> None:
    from catdyn.runner import commands
    from catdyn.runner.spec import experiments, load_spec

    rc = commands.main(["run", SPEC, "--preset", "tiny", "--device", "cpu", "--out", str(tmp_path)])
    assert rc == 0
    (claims_file,) = list(tmp_path.glob("reports/*/claims.json"))
    claims = json.loads(claims_file.read_text())["claims"]
    names = {c["claim"] for c in claims}
    assert names >= {"within-class spread of test accuracy", "between-class spread of test accuracy",
                     "within-class spread of test accuracy (line-endpoint, c = 0.1)",
                     "number of homotopy classes", "pairs joined by lower barriers generalise more alike (no threshold)",
                     "homotopic runs' representations differ by an affine map (final stage)"}
    (family,) = experiments(load_spec(SPEC))
    diagram = family.build("tiny")
    drawn = {diagram.label(a) for a in diagram.arrows}
    assert {c["step"] for c in claims} <= drawn  # every claim is computed by a drawn morphism
    morphisms = {a.morphism.serialise()["morphism"] for a in diagram.arrows}
    assert len(diagram.arrows) == len(morphisms) == len(drawn) == 14  # one arrow per morphism
    for c in claims:
        assert c["verdict"] in ("reproduced", "not reproduced", "contradicted", "inconclusive")
    # the dendrogram's figure record reaches the report as an embedded plot
    report_dir = claims_file.parent
    assert list(report_dir.glob("plots/*H0-dendrogram-and-barcode*.png"))
    html = (report_dir / "report.html").read_text()
    assert "H0 dendrogram and barcode" in html and "sensitivity of the classes and verdicts" in html


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
