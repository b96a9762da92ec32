"""The persistence-generalisation study end to end on a tiny population, through the runner: one
arrow per morphism, the claims computed by an arrow of the drawn diagram, every per-model table
naming its model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("gudhi")

from catdyn.backends.torch.studies.persistence.design import design
from catdyn.runner.run import run_experiment
from catdyn.runner.spec import load_spec
from catdyn.stats import Verdict

SPEC = Path(__file__).resolve().parents[5] / "specs" / "persistence_generalisation.py"


def test_design_is_one_at_a_time() -> None:
    base = {"width": 8, "lr": 0.1}
    configs = design(base, {"width": [8, 16], "lr": [0.3]}, seeds=[0])
    assert [(c["width"], c["lr"]) for c in configs] == [(8, 0.1), (16, 0.1), (8, 0.3)]


def test_the_diagram_has_one_arrow_per_morphism_and_a_group_per_shape() -> None:
    fam = load_spec(str(SPEC)).persistence_generalisation
    smoke = fam.build("smoke")
    names = [type(a.morphism).__name__ for a in smoke.arrows]
    assert names.count("TrainGroup") == 8  # base, lr and weight-decay variants: one ensemble; 7 others
    assert names.count("TrainingHalves") == names.count("HalvesMean") == names.count("Persistence") == 2  # two seeds
    assert names.count("HalvesSup") == 2 and "TrainingLandscape" not in names and "HalvesFloor" not in names
    assert names[-3:] == ["ModelTable", "Assess", "GapClaims"]
    shift = [type(a.morphism).__name__ for a in fam.build("shift").arrows]
    assert shift.count("ShiftedTest") == 2 and shift.count("MNIST1DShift") == 3 and shift.count("GapClaims") == 6
    targets = [a.morphism.target for a in fam.build("shift").arrows if type(a.morphism).__name__ == "Assess"]
    assert targets == ["gap", "gap_noi02", "gap_rot20", "gap_tra72", "gap_noi05", "gap_sca15"]
    assert {"MNIST1D", "Pop digits_cnn 0"}.isdisjoint({a.cod.name for a in smoke.arrows})  # not in smoke
    full = [type(a.morphism).__name__ for a in fam.build("full").arrows]
    assert full.count("OneAtATime") == 3 and full.count("TrainingHalves") == 15


def test_tiny_preset_runs_and_reports_claims(tmp_path: Path) -> None:
    fam = load_spec(str(SPEC)).persistence_generalisation
    summary = run_experiment(fam, str(tmp_path), preset="tiny")
    assert summary.ok
    claims = json.loads(Path(summary.report["claims"]).read_text())["claims"]
    assert [c["claim"] for c in claims] == [
        "R² of gap on total persistence", "slope of gap on total persistence is negative",
        "R² of gap_rot20 on total persistence", "slope of gap_rot20 on total persistence is negative"]
    drawn = {a.morphism.name for a in fam.build("tiny").arrows}
    assert {c["step"] for c in claims} <= {"GapClaims → Claims", "GapClaims → Claims gap_rot20"}
    assert "GapClaims" in drawn  # every claim is computed by an arrow of the drawn diagram
    steps = {o.arrow for o in summary.outcomes}
    assert len(steps) == len(fam.build("tiny").arrows)
    for c in claims:
        assert c["verdict"] in {v.value for v in Verdict}
        assert math.isfinite(c["measured"])
    assert claims[0]["paper"] == "0.82"
    for slope in claims[1::2]:
        if slope["verdict"] == "contradicted":  # only ever with a stable sign
            assert "not stable" not in slope["detail"]
    report = Path(summary.report["claims"]).with_name("report.md").read_text()
    assert "digits mlp #0" in report and "mlp(64-32-10)" in report
