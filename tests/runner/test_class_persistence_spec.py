"""specs/class_persistence.py runs its tiny preset as a diagram of published morphisms: one task
per arrow, the report draws one arrow per morphism, and the stored values are the typed ones
(the table reads out exactly the classes the partition holds, the claims are the two spreads)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")

from catdyn.draw import experiment_picture
from catdyn.runner.run import run_experiment
from catdyn.runner.spec import experiments, load_spec
from catdyn.runner.store import Store

SPEC = Path(__file__).resolve().parents[2] / "specs" / "class_persistence.py"
STEPS = ["LoadDataset", "Train", "Barriers", "Classes", "Landscape", "Persistence", "ClassPersistence", "Evaluate",
         "ClassSpreads"]


def _family():
    (fam,) = experiments(load_spec(str(SPEC)))
    return fam


def test_every_preset_wires_the_same_published_morphisms() -> None:
    for preset in ("tiny", "smoke", "full"):
        desc = _family().build(preset).describe()
        assert [s["name"] for s in desc["steps"]] == STEPS
        arrows = [a.label for a in experiment_picture(desc).arrows if a.style == "solid"]
        assert sorted(arrows) == sorted(STEPS)


def test_the_tiny_preset_runs_and_reads_out_each_class(tmp_path) -> None:
    summary = run_experiment(_family(), str(tmp_path), preset="tiny")
    assert summary.ok, summary.outcomes
    assert [o.arrow for o in summary.outcomes] == STEPS
    store = Store(str(tmp_path), create=False)
    by = {t["morphism"]: store.load_value(t["key"]) for t in store.run_tasks(summary.run_id)}
    labels = by["Classes"]["labels"]
    assert len(labels) == len(by["Train"]["status"]) == len(by["Persistence"]["diagrams"])
    rows = by["ClassPersistence"]["rows"]
    assert [r["class"] for r in rows] == sorted({c for c in labels if c is not None})
    assert [r["size"] for r in rows] == [labels.count(r["class"]) for r in rows]
    claims = by["ClassSpreads"]["claims"]
    assert [c["claim"] for c in claims] == ["within-class spread of test accuracy", "between-class spread of test accuracy"]
    assert Path(summary.report["html"]).exists(), summary.report
