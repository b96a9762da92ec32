"""Records keep their numbers: a finite metric comes back as that number, a non-finite one as
NULL with its text in the data, and a record with data keeps it beside its value."""

from __future__ import annotations

from pathlib import Path

from catdyn.runner.store import Store


def test_finite_and_non_finite_metrics_and_data_round_trip(tmp_path: Path) -> None:
    s = Store(str(tmp_path / "store"))
    run = s.begin_run("spec.py", "", "smoke", "cpu", "local", {})
    assert s.claim_task("m" * 64, run, "train", "op") == "claimed"
    records = [
        ("metric", "loss", 0.25, None),
        ("metric", "steps", 3, None),
        ("metric", "gap", float("-inf"), None),
        ("claim", "flat", 1.5, {"verdict": "supported"}),
    ]
    s.finish_task("m" * 64, run, {"x": 1}, records, 0.1)
    got = {name: (kind, value, data) for kind, name, value, data in s.records("m" * 64)}
    s.close()
    assert got["loss"] == ("metric", 0.25, None)
    assert got["steps"] == ("metric", 3.0, None)
    assert got["gap"] == ("metric", None, {"value": "-inf"})
    assert got["flat"] == ("claim", 1.5, {"verdict": "supported"})
