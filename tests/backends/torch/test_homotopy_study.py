"""The study end to end on a tiny population, and the spec through the runner (tiny preset)."""

import json
import math
import os

import pytest

from catdyn.backends.torch.data import load_digits
from catdyn.backends.torch.homotopy_study import homotopy_study


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


def test_spec_runs_through_the_runner(tmp_path) -> None:
    commands = pytest.importorskip("catdyn.runner.commands")
    spec = os.path.join(os.path.dirname(__file__), "..", "..", "..", "specs", "homotopy_classes.py")
    rc = commands.main(["run", spec, "--preset", "tiny", "--device", "cpu", "--out", str(tmp_path)])
    assert rc == 0
    (claims_file,) = list(tmp_path.glob("reports/*/claims.json"))
    claims = json.loads(claims_file.read_text())["claims"]
    assert {c["claim"] for c in claims} >= {
        "within-class spread of test accuracy",
        "number of homotopy classes",
    }
