"""specs/homotopy_grid.py wires the same published morphisms in every preset (3 architectures ×
3 data sets, each cell the homotopy study's arrows), and its tiny preset runs: the grid table has
one row per cell whose class counts are those of the stored partitions, and the grid's claims are
one per cell plus the grid's, their verdicts those of the rows."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("torch")

from catdyn.draw import experiment_picture
from catdyn.runner.run import run_experiment
from catdyn.runner.spec import experiments, load_spec
from catdyn.runner.store import Store

SPEC = Path(__file__).resolve().parents[2] / "specs" / "homotopy_grid.py"
PER_CELL = ["HomotopyTrain", "Evaluate", "LinearPaths", "Curves", "Criterion", "Classes", "Criterion", "Classes",
            "ClassSpreads", "Sensitivity", "RobustVerdicts", "GridCell"]
WANT = Counter({**Counter(PER_CELL * 9), "LoadDataset": 2, "LoadModular": 1, "InputView": 5, "GridTable": 1,
                "GridClaims": 1})


def _family():
    (fam,) = experiments(load_spec(str(SPEC)))
    return fam


def test_every_preset_wires_the_same_published_morphisms() -> None:
    for preset in ("tiny", "smoke", "full"):
        desc = _family().build(preset).describe()
        assert Counter(s["op"] for s in desc["steps"]) == WANT
        arrows = [a for a in experiment_picture(desc).arrows if a.style == "solid"]
        assert len(arrows) == sum(WANT.values())


def test_the_tiny_preset_runs_and_its_table_reads_the_stored_classes(tmp_path) -> None:
    summary = run_experiment(_family(), str(tmp_path), preset="tiny")
    assert summary.ok, summary.outcomes
    store = Store(str(tmp_path), create=False)
    by_name = {t["morphism"]: store.load_value(t["key"]) for t in store.run_tasks(summary.run_id)}
    rows = by_name["GridTable"]["rows"]
    assert [(r["architecture"], r["data set"]) for r in rows] == [
        (a, d) for d in ("digits", "MNIST-1D", "modular") for a in ("CNN", "GRU", "Transformer")]
    for r in rows:
        part = by_name[f"Classes → {r['architecture']} × {r['data set']} classes"]
        assert r["classes"] == len({c for c in part["labels"] if c is not None})
        assert r["nets"] + r["failed"] == 4
    claims = by_name["GridClaims"]["claims"]
    assert len(claims) == 10
    assert [c["verdict"] for c in claims[:9]] == [r["verdict"] for r in rows]
    assert Path(summary.report["html"]).exists()
    assert "the homotopy claim per architecture × data set" in Path(summary.report["html"]).read_text()


def test_the_specs_laws_hold_and_catch_planted_violations() -> None:
    import dataclasses

    import torch

    from catdyn.checker import check_laws

    module = load_spec(str(SPEC))
    labels, cnn = module.laws
    assert [r.status for r in check_laws([labels, cnn])] == ["proved", "held"]
    off_by_one = dataclasses.replace(labels, rhs=lambda p, op: tuple((a, b, (c + 1) % p) for a, b, c in
                                                                       module._formula(p, op)))

    def tall_image(seed: int, shift: float) -> list[float]:
        """The same CNN on 3-pixel-high images, where the kernel's outer rows do read data."""
        net = dataclasses.replace(module._seq_cnn, input_shape=(3, 3, 12))
        theta = net.init(torch.Generator().manual_seed(seed))
        theta["conv0.weight"][:, :, 0, :] += shift
        x = torch.randn(2, 3, 3, 12, generator=torch.Generator().manual_seed(seed))
        return net.features(theta, x, "conv0").flatten().tolist()

    rows_matter = dataclasses.replace(cnn, lhs=lambda s: tall_image(s, 3.0), rhs=lambda s: tall_image(s, 0.0))
    assert [r.status for r in check_laws([off_by_one, rows_matter])] == ["refuted", "refuted"]
