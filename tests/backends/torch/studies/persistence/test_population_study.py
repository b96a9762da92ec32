"""The persistence-generalisation study end to end on a tiny population, through the runner."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("gudhi")

from catdyn.backends.torch.studies.persistence.ops import design
from catdyn.runner.run import run_experiment

SPEC = Path(__file__).resolve().parents[5] / "specs" / "persistence_generalisation.py"


def _spec():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("persistence_generalisation_spec", SPEC)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_design_is_one_at_a_time() -> None:
    base = {"width": 8, "lr": 0.1}
    configs = design(base, {"width": [8, 16], "lr": [0.3]}, seeds=[0])
    assert [(c["width"], c["lr"]) for c in configs] == [(8, 0.1), (16, 0.1), (8, 0.3)]


def test_tiny_preset_runs_and_reports_claims(tmp_path: Path) -> None:
    summary = run_experiment(_spec().exp, str(tmp_path), preset="tiny")
    assert summary.ok
    claims = json.loads(Path(summary.report["claims"]).read_text())["claims"]
    names = [c["claim"] for c in claims]
    assert names == ["R² of gap on total persistence", "slope of gap on total persistence is negative"]
    for c in claims:
        assert c["verdict"] in (
            "reproduced",
            "not reproduced",
            "stronger than the paper",
            "contradicted",
            "inconclusive",
        )
        assert math.isfinite(c["measured"])
    assert claims[0]["paper"] == "0.82"
