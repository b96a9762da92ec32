"""``Store.verify`` and ``Store.damaged_keys`` name each kind of damage, for the task or run that
has it and no other, and honour their ``keys`` / ``run_ids`` filters. Every damage is made by
hand with the ``sqlite3`` module or by editing a file, not through the store."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3

import numpy as np
import pytest

from catdyn.runner.store import Store

A = "a" * 64  # a value without arrays: a JSON artifact
B = "b" * 64  # a value with an array: a safetensors artifact


@pytest.fixture
def store(tmp_path):
    s = Store(str(tmp_path / "store"))
    run = s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
    s.claim_task(A, run, "first", "op_a")
    s.finish_task(A, run, {"x": 1}, [("metric", "m", 1.5, None)], 0.1, "first", op="op_a")
    s.claim_task(B, run, "second", "op_b")
    s.finish_task(B, run, {"w": np.arange(3.0)}, [("metric", "m", 2.5, None)], 0.2, "second", op="op_b")
    s.end_run(run, "done")
    yield s, run
    s.close()


def _sql(s: Store, query: str, args=()) -> list:
    with sqlite3.connect(os.path.join(s.root, "catdyn.sqlite"), isolation_level=None) as db:
        return db.execute(query, args).fetchall()


def _file(s: Store, key: str) -> str:
    ((rel,),) = _sql(s, "SELECT file FROM artifacts WHERE key = ?", (key,))
    return os.path.join(s.root, rel)


def _rewrite(s: Store, key: str, data: bytes) -> None:
    """Replace a task's artifact and record the new bytes' hash and size, as the store would."""
    path = _file(s, key)
    with open(path, "wb") as fh:
        fh.write(data)
    _sql(s, "UPDATE artifacts SET sha256 = ?, bytes = ? WHERE key = ?",
         (hashlib.sha256(data).hexdigest(), len(data), key))


def _json_doc(s: Store, key: str) -> dict:
    with open(_file(s, key), "rb") as fh:
        return json.loads(fh.read())


def _only(problems: list[str], key: str, *words: str) -> None:
    assert len(problems) == 1, problems
    assert key[:12] in problems[0] and all(w in problems[0] for w in words), problems


def test_an_intact_store_checks_every_artifact_and_finds_nothing(store) -> None:
    s, _ = store
    out = s.verify()
    assert out.ok and out.problems == [] and out.notes == []
    assert out.checked == 2
    assert s.verify(keys=[B]).checked == 1 and s.verify(keys=[]).checked == 0
    assert s.damaged_keys() == []


def test_a_missing_file_is_named_for_its_task_only(store) -> None:
    s, _ = store
    os.unlink(_file(s, A))
    out = s.verify()
    _only(out.problems, A, "is missing")
    assert s.damaged_keys() == [A] and s.damaged_keys([B]) == [] and s.damaged_keys([A]) == [A]
    assert s.verify(keys=[B]).ok and not s.verify(keys=[A]).ok


@pytest.mark.parametrize("how", ["flipped byte", "appended byte", "wrong recorded size"])
def test_a_file_differing_in_content_or_size_does_not_match(store, how: str) -> None:
    s, _ = store
    path = _file(s, B)
    if how == "wrong recorded size":  # the file intact, its recorded size not
        _sql(s, "UPDATE artifacts SET bytes = bytes + 1 WHERE key = ?", (B,))
    else:
        with open(path, "rb") as fh:
            data = bytearray(fh.read())
        if how == "flipped byte":
            data[-1] ^= 1  # the same size, another hash
        else:
            data += b"\0"
        with open(path, "wb") as fh:
            fh.write(bytes(data))
    _only(s.verify().problems, B, "does not match its recorded SHA-256")
    assert s.damaged_keys() == [B]


def test_a_done_task_without_an_artifacts_row(store) -> None:
    s, _ = store
    _sql(s, "DELETE FROM artifacts WHERE key = ?", (A,))
    _only(s.verify().problems, A, "marked done but has no value recorded")
    assert s.damaged_keys() == [A]


@pytest.mark.parametrize("also_artifacts", [False, True], ids=["artifacts kept", "only records left"])
def test_values_of_a_task_the_tasks_table_lacks(store, also_artifacts: bool) -> None:
    s, _ = store
    _sql(s, "DELETE FROM tasks WHERE key = ?", (A,))
    if also_artifacts:  # its records alone still betray it
        _sql(s, "DELETE FROM artifacts WHERE key = ?", (A,))
    out = s.verify()
    assert [p for p in out.problems if "tasks table does not hold" in p and A[:12] in p], out.problems
    assert s.verify(keys=[B]).problems == [p for p in out.problems if A[:12] not in p and "run " not in p]


def test_a_failed_task_that_a_run_shows_as_computed(store) -> None:
    s, run = store
    _sql(s, "UPDATE tasks SET status = 'failed' WHERE key = ?", (B,))
    out = s.verify()
    _only(out.problems, B, f"run {run} shows task second", "as computed", "no finished task")
    assert s.verify(keys=[A]).ok  # the filter leaves it out
    assert s.verify(run_ids=["another"]).ok
    # a task that is not done has no file to check, and is not damaged: it is recomputed anyway
    assert s.damaged_keys() == []


def test_a_reused_task_missing_is_a_problem_and_a_failed_outcome_is_not(store) -> None:
    s, run = store
    s.note_task(run, "c" * 64, "third", "reused")
    s.note_task(run, "d" * 64, "fourth", "failed", note="boom")
    problems = [p for p in s.verify().problems if "shows task" in p]
    _only(problems, "c" * 64, "third", "as reused")


def test_a_changed_op_is_the_morphism_differing_from_its_seal(store) -> None:
    s, _ = store
    _sql(s, "UPDATE tasks SET op = 'forged' WHERE key = ?", (A,))
    _only(s.verify().problems, A, "the morphism recorded for task", "differs")
    assert s.damaged_keys() == [A]


def test_a_changed_record_differs_from_the_sealed_records(store) -> None:
    s, _ = store
    _sql(s, "UPDATE records SET value = 9.0 WHERE key = ?", (B,))
    _only(s.verify().problems, B, "records of task", "differ from those sealed")
    assert s.damaged_keys() == [B]


def test_records_in_another_order_are_the_same_records(store) -> None:
    s, run = store
    key = "e" * 64
    s.claim_task(key, run, "fifth", "op_e")
    recs = [("metric", "z", 1.0, None), ("metric", "y", 1.0, None), ("claim", "z", None, {"v": 1}),
            ("claim", "a", None, {"v": 1})]  # names and values shared: only (kind, name) tells them apart
    s.finish_task(key, run, 1, recs, 0.1, op="op_e")
    rows = _sql(s, "SELECT kind, name, value, data FROM records WHERE key = ? ORDER BY rowid", (key,))
    _sql(s, "DELETE FROM records WHERE key = ?", (key,))
    for row in reversed(rows):
        _sql(s, "INSERT INTO records VALUES (?, ?, ?, ?, ?)", (key, *row))
    assert s.verify().ok


@pytest.mark.parametrize("fmt", [1, None], ids=["format 1", "no format field"])
def test_an_older_format_value_is_a_note_and_its_records_are_not_compared(store, fmt) -> None:
    s, _ = store
    doc = _json_doc(s, A)
    doc["format"] = fmt
    if fmt is None:  # the first catdyn wrote no format at all
        del doc["format"]
    del doc["records"], doc["op"]
    _rewrite(s, A, json.dumps(doc).encode())
    _sql(s, "UPDATE records SET value = 7.0 WHERE key = ?", (A,))
    out = s.verify()
    assert out.ok, out.problems
    assert out.notes == ["1 value(s) were written by an older catdyn: their records are not sealed"]
    assert s.verify(keys=[B]).notes == []
    assert s.load_value(A) == {"x": 1}


@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda d: d.update(key="f" * 64), ("holds the value of task ffffffffffff",)),
        (lambda d: d.update(array_kinds={"t0": "numpy"}), ("its arrays are not the ones its structure lists",)),
        (lambda d: d.update(records=[["metric", "m", 1.5]]), ("its records are not rows",)),
        (lambda d: d.update(records={"a": 1}), ("its records are not rows",)),
        (lambda d: d.update(value={"__array__": "t9"}), ("(KeyError: 't9')",)),
        (lambda d: d.pop("value"), ("(KeyError: 'value')",)),
    ],
    ids=["other key", "arrays listed", "short record", "records not a list", "dangling array", "no value"],
)
def test_a_malformed_json_artifact_with_a_matching_hash(store, edit, words) -> None:
    s, _ = store
    doc = _json_doc(s, A)
    edit(doc)
    _rewrite(s, A, json.dumps(doc).encode())
    _only(s.verify().problems, A, "matches its recorded SHA-256 but is malformed", *words)
    assert s.damaged_keys() == [A]


@pytest.mark.parametrize("cut", [3, 8, 20], ids=["length cut", "header only", "header cut"])
def test_a_safetensors_artifact_cut_off_in_its_header(store, cut: int) -> None:
    s, _ = store
    with open(_file(s, B), "rb") as fh:
        data = fh.read()
    _rewrite(s, B, data[:cut])
    _only(s.verify().problems, B, "malformed", "its safetensors header is cut off")


def test_a_safetensors_artifact_with_a_zero_header_length(store) -> None:
    s, _ = store
    _rewrite(s, B, (0).to_bytes(8, "little") + b"{}")
    _only(s.verify().problems, B, "malformed", "cut off")


def test_a_missing_seal_file(store) -> None:
    s, run = store
    os.unlink(os.path.join(s.root, "runs", f"{run}.json"))
    out = s.verify()
    assert out.problems == [f"the seal of run {run} (runs/{run}.json) is missing"]
    assert s.verify(run_ids=["other"]).ok and not s.verify(run_ids=[run]).ok


def test_an_edited_seal_file_does_not_match_its_hash(store) -> None:
    s, run = store
    path = os.path.join(s.root, "runs", f"{run}.json")
    with open(path, "ab") as fh:
        fh.write(b" ")
    assert s.verify().problems == [f"the seal of run {run} does not match its recorded SHA-256"]


@pytest.mark.parametrize(
    "query",
    [
        "UPDATE runs SET preset = 'full' WHERE id = ?",
        "UPDATE runs SET finished = finished + 1 WHERE id = ?",
        "UPDATE runs SET config = '{}' WHERE id = ?",
        "UPDATE run_tasks SET seconds = 5.0 WHERE run_id = ? AND morphism = 'first'",
    ],
    ids=["preset", "finished", "config", "task seconds"],
)
def test_an_edited_run_row_differs_from_its_seal(store, query: str) -> None:
    s, run = store
    _sql(s, query, (run,))
    assert s.verify().problems == [f"run {run}'s row or task list (outcomes, times, notes) differs from its seal"]
    assert s.verify(run_ids=[]).ok


def test_a_running_run_has_no_seal_to_check(store) -> None:
    s, _ = store
    live = s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
    s.note_task(live, A, "first", "reused")
    assert s.verify().ok
    assert not os.path.exists(os.path.join(s.root, "runs", f"{live}.json"))


def test_temporary_files_are_notes_and_other_files_are_not(store) -> None:
    s, _ = store
    folder = os.path.join(s.root, "artifacts", "zz")
    os.makedirs(folder)
    for name in ("x.json.owner.1234abcd.tmp", "readme.txt"):
        with open(os.path.join(folder, name), "wb") as fh:
            fh.write(b"x")
    out = s.verify()
    assert out.ok
    assert out.notes == [f"temporary file of an interrupted write: {os.path.join('artifacts', 'zz', 'x.json.owner.1234abcd.tmp')}"]


def test_a_database_error_while_verifying_is_a_problem(store, monkeypatch) -> None:
    s, _ = store

    def broken(*args, **kwargs):
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(s, "_verify_tasks", broken)
    out = s.verify()
    assert out.problems == ["the database is damaged: database disk image is malformed"]


def test_a_value_sealed_without_its_morphism_is_not_compared_with_it(store) -> None:
    s, run = store
    key = "e" * 64
    s.claim_task(key, run, "fifth", "op_e")
    s.finish_task(key, run, 1, [], 0.1)  # no op given: the artifact seals none
    assert s.verify().ok and s.damaged_keys() == []


def test_a_running_run_with_an_unreadable_config_has_no_owner(store) -> None:
    s, _ = store
    for i, config in enumerate(["not json", "[1, 2]", '{"owner": 5}']):
        _sql(s, "INSERT INTO runs (id, spec, spec_hash, preset, device, executor, status, started, config) "
                "VALUES (?, 'a.py', 'h', 'smoke', 'cpu', 'local', 'running', ?, ?)", (f"odd{i}", 1.0 + i, config))
    assert {r.id: r.status for r in s.runs() if r.id.startswith("odd")} == dict.fromkeys(["odd0", "odd1", "odd2"],
                                                                                          "interrupted")


def test_sqlites_own_integrity_check_is_reported(store) -> None:
    """A NOT NULL column holding a NULL (made by editing the schema by hand) is what SQLite's
    ``PRAGMA integrity_check`` finds; the store's queries still work."""
    s, _ = store
    db = sqlite3.connect(os.path.join(s.root, "catdyn.sqlite"), isolation_level=None)
    db.execute("CREATE TABLE extra (a TEXT)")
    db.execute("INSERT INTO extra VALUES (NULL)")
    db.execute("PRAGMA writable_schema = ON")
    db.execute("UPDATE sqlite_master SET sql = 'CREATE TABLE extra (a TEXT NOT NULL)' WHERE name = 'extra'")
    db.close()
    s.close()
    assert s.verify().problems == ["SQLite integrity check: NULL value in extra.a"]
