"""A task's records come back in the order they were last recorded: a record recorded again under
the same kind and name replaces the earlier one and moves to the place of the new one (as the
store's former ``INSERT OR REPLACE`` did), so a report lists a task's records in the order the
task last wrote them. The expected order is worked out here by a plain loop over the records."""

from __future__ import annotations

from pathlib import Path

from catdyn.runner.store import Store

KEY = "r" * 64


def _last_recorded_order(records: list[tuple]) -> list[tuple]:
    """Each (kind, name) once, with its last value, ordered by the position of its last record."""
    last = {}
    for position, (kind, name, value, data) in enumerate(records):
        last[(kind, name)] = (position, (kind, name, value, data))
    return [row for _, row in sorted(last.values(), key=lambda item: item[0])]


def test_a_record_written_again_replaces_the_earlier_one_and_takes_its_new_place(tmp_path: Path) -> None:
    records = [
        ("metric", "loss", 0.9, None),
        ("metric", "acc", 0.1, None),
        ("table", "curve", None, {"rows": [1, 2]}),
        ("metric", "loss", 0.5, None),  # loss again: now after acc and curve
        ("claim", "loss", 1.0, {"verdict": "supported"}),  # another kind, same name: a record of its own
        ("metric", "acc", 0.7, None),  # acc again: now last
    ]
    s = Store(str(tmp_path / "store"))
    run = s.begin_run("spec.py", "", "smoke", "cpu", "local", {})
    assert s.claim_task(KEY, run, "train", "op") == "claimed"
    s.finish_task(KEY, run, {"x": 1}, records, 0.1)
    got = s.records(KEY)
    metrics = s.records(KEY, "metric")
    s.close()
    want = _last_recorded_order(records)
    assert [(k, n) for k, n, _, _ in want] == [
        ("table", "curve"), ("metric", "loss"), ("claim", "loss"), ("metric", "acc")
    ]  # the reference itself, spelled out
    assert got == want
    assert metrics == [r for r in want if r[0] == "metric"]
