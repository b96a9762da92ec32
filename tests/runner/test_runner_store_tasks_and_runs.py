"""The store's task and run rows, read back with the ``sqlite3`` module: a task's claims, failures
and attempts; what a run shows for each task; records by kind; ``forget``; ``load_value``'s
errors; runs listed, resolved and sealed (an abandoned run sealed with its dead owner's last
heartbeat); a store written before runs were sealed is upgraded."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from catdyn.errors import StoreError
from catdyn.runner import leases
from catdyn.runner.store import RunInfo, Store

K1, K2 = "1" * 64, "2" * 64


@pytest.fixture
def s(tmp_path):
    store = Store(str(tmp_path / "store"))
    yield store
    store.close()


def _sql(s: Store, query: str, args=()) -> list:
    with sqlite3.connect(os.path.join(s.root, "catdyn.sqlite"), isolation_level=None) as db:
        return db.execute(query, args).fetchall()


def _task(s: Store, key: str) -> dict:
    with sqlite3.connect(os.path.join(s.root, "catdyn.sqlite")) as db:
        cur = db.execute("SELECT * FROM tasks WHERE key = ?", (key,))
        names = [d[0] for d in cur.description]
        row = cur.fetchone()
    return dict(zip(names, row))


def test_a_task_claimed_failed_claimed_again_and_finished(s) -> None:
    run = s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
    assert s.task_status(K1) is None
    assert s.claim_task(K1, run, "step", "op1") == "claimed"
    t = _task(s, K1)
    assert (t["status"], t["owner"], t["attempts"], t["morphism"], t["op"]) == ("running", s.owner.id, 1, "step", "op1")
    s.fail_task(K1, "ValueError: boom", 0.25)
    t = _task(s, K1)
    assert (t["status"], t["owner"], t["error"], t["seconds"]) == ("failed", None, "ValueError: boom", 0.25)
    assert s.task_status(K1) == "failed"
    assert s.claim_task(K1, run, "step", "op1") == "claimed"  # a failed task is tried again
    t = _task(s, K1)
    assert (t["status"], t["error"], t["attempts"], t["owner"]) == ("running", None, 2, s.owner.id)
    assert s.claim_task(K1, run, "step", "op1") == "claimed"  # its own owner may claim it again
    assert _task(s, K1)["attempts"] == 3
    s.finish_task(K1, run, [1, 2], [], 0.5)
    t = _task(s, K1)
    assert (t["status"], t["owner"], t["error"], t["seconds"], t["attempts"]) == ("done", None, None, 0.5, 3)
    assert s.claim_task(K1, run, "step", "op1") == "done"
    assert _task(s, K1)["attempts"] == 3


def test_a_task_held_by_a_live_owner_is_busy_unless_taken_over(s, tmp_path) -> None:
    run = s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
    other = Store(s.root)
    try:
        assert other.claim_task(K1, run, "step", "op") == "claimed"
        assert s.claim_task(K1, run, "step", "op") == "busy"
        assert _task(s, K1)["owner"] == other.owner.id
        assert s.claim_task(K1, run, "step", "op", take_over=True) == "claimed"
        assert _task(s, K1)["owner"] == s.owner.id
        other.close()  # gives up its lease: its tasks are free at once
        assert other.claim_task(K2, run, "step", "op") == "claimed"
        released = _sql(s, "SELECT released FROM owners WHERE id = ?", (other.owner.id,))
        assert released == [(0,)]
        other.close()
        assert _sql(s, "SELECT released FROM owners WHERE id = ?", (other.owner.id,)) == [(1,)]
        assert s.claim_task(K2, run, "step", "op") == "claimed"
    finally:
        other.close()


def test_what_a_run_shows_for_its_tasks(s) -> None:
    run = s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
    s.claim_task(K1, run, "first", "op1")
    s.finish_task(K1, run, 1, [], 0.5, step="first")
    s.claim_task(K2, run, "second", "op2")
    s.fail_task(K2, "RuntimeError: bad", 0.1)
    s.note_task(run, K2, "second", "failed", 0.1)  # no note: the task's error shows
    s.note_task(run, "3" * 64, "third", "blocked", note="needs second")
    s.finish_task("4" * 64, run, 2, [], 0.5)  # no step: the run does not note it
    assert s.run_tasks(run) == [
        {"key": K1, "morphism": "first", "outcome": "computed", "seconds": 0.5, "op": "op1", "status": "done",
         "error": None},
        {"key": K2, "morphism": "second", "outcome": "failed", "seconds": 0.1, "op": "op2", "status": "failed",
         "error": "RuntimeError: bad"},
        {"key": "3" * 64, "morphism": "third", "outcome": "blocked", "seconds": None, "op": None, "status": None,
         "error": "needs second"},
    ]
    s.note_task(run, K2, "second", "failed", 0.1, note="given up")  # a note replaces the error shown
    assert [r["error"] for r in s.run_tasks(run) if r["key"] == K2] == ["given up"]
    assert len(s.run_tasks(run)) == 3
    assert s.run_tasks("no such run") == []


def test_records_by_kind_in_the_order_written(s) -> None:
    run = s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
    recs = [("metric", "b", 2.0, None), ("claim", "c", None, {"v": 1}), ("metric", "a", 1.0, None),
            ("table", "t", None, [[1, 2]])]
    s.finish_task(K1, run, 0, recs, 0.1)
    s.finish_task(K2, run, 0, [("metric", "other", 5.0, None)], 0.1)
    assert s.records(K1) == [("metric", "b", 2.0, None), ("claim", "c", None, {"v": 1}), ("metric", "a", 1.0, None),
                             ("table", "t", None, [[1, 2]])]
    assert s.records(K1, "metric") == [("metric", "b", 2.0, None), ("metric", "a", 1.0, None)]
    assert s.records(K1, "law") == [] and s.records("nobody") == []
    assert _sql(s, "SELECT kind, name, value FROM records WHERE key = ? ORDER BY rowid", (K1,)) == [
        ("metric", "b", 2.0), ("claim", "c", None), ("metric", "a", 1.0), ("table", "t", None)]


def test_finishing_again_replaces_the_records_and_artifacts(s) -> None:
    run = s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
    s.finish_task(K1, run, 1, [("metric", "a", 1.0, None), ("metric", "b", 2.0, None)], 0.1)
    s.finish_task(K1, run, 2, [("metric", "c", 3.0, None)], 0.1)
    assert s.records(K1) == [("metric", "c", 3.0, None)]
    assert _sql(s, "SELECT COUNT(*) FROM artifacts WHERE key = ?", (K1,)) == [(1,)]
    assert s.load_value(K1) == 2


def test_forget_drops_exactly_the_given_tasks(s) -> None:
    run = s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
    for k in (K1, K2):
        s.claim_task(k, run, "step", "op")
        s.finish_task(k, run, k, [("metric", "m", 1.0, None)], 0.1)
    s.forget([K1])
    for table in ("tasks", "records", "artifacts"):
        assert _sql(s, f"SELECT DISTINCT key FROM {table}") == [(K2,)], table
    assert s.task_status(K1) is None and s.task_status(K2) == "done"
    assert s.claim_task(K1, run, "step", "op") == "claimed" and _task(s, K1)["attempts"] == 1
    s.forget([])
    assert s.task_status(K2) == "done"


def test_load_value_errors(s) -> None:
    run = s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
    with pytest.raises(StoreError, match=f"task {K1[:12]} has no stored value"):
        s.load_value(K1)
    s.finish_task(K1, run, {"x": 1}, [], 0.1)
    ((rel,),) = _sql(s, "SELECT file FROM artifacts WHERE key = ?", (K1,))
    path = os.path.join(s.root, rel)
    with open(path, "ab") as fh:
        fh.write(b" ")
    with pytest.raises(StoreError, match="is corrupted: its SHA-256 differs"):
        s.load_value(K1)
    os.unlink(path)
    with pytest.raises(StoreError, match=f"artifact {rel} of task {K1[:12]} is missing"):
        s.load_value(K1)


def _insert_run(s: Store, run_id: str, started: float, status: str = "done", finished=None, owner=None) -> None:
    config = json.dumps({} if owner is None else {"owner": owner})
    _sql(s, "INSERT INTO runs (id, spec, spec_hash, preset, device, executor, status, started, finished, config) "
            "VALUES (?, 'a.py', 'h', 'smoke', 'cpu', 'local', ?, ?, ?, ?)", (run_id, status, started, finished, config))


def test_runs_are_listed_by_start_time_then_id(s) -> None:
    _insert_run(s, "r-b", 10.0, finished=12.5)
    _insert_run(s, "r-a", 20.0)
    _insert_run(s, "r-c", 10.0, finished=11.0)
    runs = s.runs()
    assert [r.id for r in runs] == ["r-b", "r-c", "r-a"]
    assert runs[0] == RunInfo("r-b", "a.py", "smoke", "cpu", "local", "done", 10.0, 12.5, "")
    assert runs[0].seconds == 2.5 and runs[2].seconds is None


def test_resolve_run_by_id_prefix_or_latest(s) -> None:
    with pytest.raises(StoreError, match="holds no runs"):
        s.resolve_run(None)
    _insert_run(s, "r1", 1.0)
    _insert_run(s, "r10", 2.0)
    _insert_run(s, "x7", 3.0)
    _insert_run(s, "r2", 0.5)
    for latest in (None, "", "latest"):
        assert s.resolve_run(latest).id == "x7"
    assert s.resolve_run("r1").id == "r1"  # an exact id, though also a prefix of r10
    assert s.resolve_run("r10").id == "r10" and s.resolve_run("x").id == "x7" and s.resolve_run("r2").id == "r2"
    with pytest.raises(StoreError, match="more than one run matches 'r'"):
        s.resolve_run("r")
    with pytest.raises(StoreError, match="no run matches 'q'") as err:
        s.resolve_run("q")
    assert "(the latest: r2, r1, r10, x7)" in str(err.value)
    _insert_run(s, "y1", 4.0)
    _insert_run(s, "y2", 5.0)
    with pytest.raises(StoreError, match=r"no run matches 'q'.*\(the latest: r1, r10, x7, y1, y2\)"):
        s.resolve_run("q")  # the five newest


def test_run_config_keeps_what_the_run_began_with_and_its_owner(s) -> None:
    run = s.begin_run("spec.py", "h", "smoke", "cpu", "local", {"seed": 3, "owner": "ignored"}, experiment="e")
    assert s.run_config(run) == {"seed": 3, "owner": s.owner.id}
    assert s.run_config("nope") == {}
    (row,) = _sql(s, "SELECT spec, spec_hash, preset, device, executor, status, experiment, seal FROM runs")
    assert row == ("spec.py", "h", "smoke", "cpu", "local", "running", "e", None)


def test_end_run_writes_the_seal_and_records_its_hash(s) -> None:
    import hashlib

    run = s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
    s.end_run(run, "failed", finished=1234.5)
    ((status, finished, seal),) = _sql(s, "SELECT status, finished, seal FROM runs WHERE id = ?", (run,))
    with open(os.path.join(s.root, "runs", f"{run}.json"), "rb") as fh:
        sealed = fh.read()
    assert (status, finished, seal) == ("failed", 1234.5, hashlib.sha256(sealed).hexdigest())
    doc = json.loads(sealed)
    assert doc["run"]["status"] == "failed" and doc["run"]["finished"] == 1234.5 and doc["tasks"] == []
    assert s.verify().ok


def test_a_seal_is_the_run_row_and_its_task_rows_in_the_format_older_stores_hold(s) -> None:
    """The seal's bytes, rebuilt here from the rows: seals written by earlier versions must keep
    matching, so its layout (``format`` 1, the config by its SHA-256, compact JSON) is fixed."""
    import hashlib

    run = s.begin_run("spec.py", "h", "smoke", "cpu", "local", {"seed": 1}, experiment="ex")
    s.claim_task(K1, run, "first", "op1")
    s.finish_task(K1, run, 1, [], 0.5, step="first")
    s.note_task(run, K2, "second", "blocked", note="why")
    s.end_run(run, "done", finished=99.0)
    cols = "id, spec, spec_hash, preset, device, executor, status, started, finished, config, experiment"
    (row,) = _sql(s, f"SELECT {cols} FROM runs WHERE id = ?", (run,))
    expected_run = dict(zip(cols.split(", "), row))
    expected_run["config"] = hashlib.sha256(expected_run["config"].encode()).hexdigest()
    tasks = [list(t) for t in _sql(s, "SELECT key, morphism, outcome, seconds, note FROM run_tasks ORDER BY rowid")]
    assert tasks == [[K1, "first", "computed", 0.5, None], [K2, "second", "blocked", None, "why"]]
    expected = json.dumps({"format": 1, "run": expected_run, "tasks": tasks}, separators=(",", ":")).encode()
    with open(os.path.join(s.root, "runs", f"{run}.json"), "rb") as fh:
        assert fh.read() == expected


def test_owners_that_gave_up_their_lease_are_pruned(s) -> None:
    """Every process that opens a store adds an owner; those that closed it leave the table when
    the next one registers, so it does not grow with every run ever made."""
    closed = []
    for _ in range(3):
        other = Store(s.root)
        other.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
        other.close()
        closed.append(other.owner.id)
    assert len(_sql(s, "SELECT id FROM owners WHERE released = 1")) >= 1
    s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
    assert _sql(s, "SELECT id, released FROM owners") == [(s.owner.id, 0)]


def test_a_run_of_a_dead_owner_is_sealed_as_interrupted_at_its_last_heartbeat(s) -> None:
    dead = {**leases.this_process().row(heartbeat=1000.0, lease_s=60.0), "pid": 2**22 + 1}
    assert leases.certainly_dead(dead)
    _sql(s, f"INSERT INTO owners ({', '.join(dead)}) VALUES ({', '.join('?' * len(dead))})", tuple(dead.values()))
    stale = leases.this_process().row(heartbeat=0.0, lease_s=60.0)  # this process: alive, its lease long run out
    _sql(s, f"INSERT INTO owners ({', '.join(stale)}) VALUES ({', '.join('?' * len(stale))})", tuple(stale.values()))
    _insert_run(s, "r-dead", 900.0, status="running", owner=dead["id"])
    _insert_run(s, "r-stale", 901.0, status="running", owner=stale["id"])
    shown = {r.id: r.status for r in s.runs()}
    assert shown == {"r-dead": "interrupted", "r-stale": "stale"}
    assert _sql(s, "SELECT status FROM runs ORDER BY id") == [("running",), ("running",)]  # runs() writes nothing
    mine = s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
    rows = dict((r[0], r[1:]) for r in _sql(s, "SELECT id, status, finished, seal FROM runs"))
    assert rows["r-dead"][:2] == ("interrupted", 1000.0) and rows["r-dead"][2] is not None
    assert rows["r-stale"] == ("running", None, None)
    assert rows[mine] == ("running", None, None)
    assert {r.id: r.status for r in s.runs()} == {"r-dead": "interrupted", "r-stale": "stale", mine: "running"}
    assert s.verify().ok


def test_a_store_without_the_seal_column_is_upgraded(tmp_path) -> None:
    root = tmp_path / "old"
    root.mkdir()
    with sqlite3.connect(root / "catdyn.sqlite") as db:
        db.execute(
            "CREATE TABLE runs (id TEXT PRIMARY KEY, spec TEXT NOT NULL, spec_hash TEXT NOT NULL, preset TEXT NOT NULL,"
            " device TEXT NOT NULL, executor TEXT NOT NULL, status TEXT NOT NULL, started REAL NOT NULL, finished REAL,"
            " config TEXT NOT NULL, experiment TEXT NOT NULL DEFAULT '')"
        )
        db.execute("INSERT INTO runs VALUES ('old', 'a.py', 'h', 'smoke', 'cpu', 'local', 'done', 1.0, 2.0, '{}', '')")
    s = Store(str(root), create=False)
    try:
        assert [r.id for r in s.runs()] == ["old"]
        run = s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
        s.end_run(run, "done")
        assert _sql(s, "SELECT id, seal IS NULL FROM runs ORDER BY started") == [("old", 1), (run, 0)]
        assert _sql(s, "SELECT value FROM meta WHERE name = 'schema'") == [("1",)]
        assert s.verify().ok
    finally:
        s.close()


def test_opening_a_store_leaves_only_its_database_and_artifacts_folder(tmp_path) -> None:
    root = tmp_path / "fresh"
    Store(str(root)).close()
    names = set(os.listdir(root))
    assert {"catdyn.sqlite", "artifacts"} <= names and not [n for n in names if n.startswith(".probe")], names
    assert names <= {"catdyn.sqlite", "artifacts", "catdyn.sqlite-wal", "catdyn.sqlite-shm"}, names
    Store(str(root), create=False).close()  # an existing store opens without create


def test_opening_no_store_or_a_damaged_one(tmp_path) -> None:
    with pytest.raises(StoreError, match="no catdyn store at"):
        Store(str(tmp_path / "none"), create=False)
    assert not (tmp_path / "none").exists()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "catdyn.sqlite").write_bytes(b"this is not a database, only text" * 100)
    with pytest.raises(StoreError, match="cannot be opened"):
        Store(str(bad))
    other = tmp_path / "other"  # a sound SQLite file of another program, whose meta table is not ours
    other.mkdir()
    with sqlite3.connect(other / "catdyn.sqlite") as db:
        db.execute("CREATE TABLE meta (a, b, c)")
    with pytest.raises(StoreError, match=f"the store database {other / 'catdyn.sqlite'} cannot be opened"):
        Store(str(other))
