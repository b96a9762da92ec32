"""The store's smaller pieces, each against a hand-computed case: where ``encode`` says a value
cannot be stored, numpy scalars, record data made JSON-safe, ``write_atomic``'s hash and its
clean-up on failure, which temporary files ``clean_temporaries`` removes, ``_retry`` on a
locked database, and the per-thread connections and transactions."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time

import numpy as np
import pytest

from catdyn.errors import StoreError
from catdyn.runner import leases
from catdyn.runner import store as store_mod
from catdyn.runner.store import Store, decode, encode, write_atomic

K = "k" * 64


@pytest.fixture
def s(tmp_path):
    store = Store(str(tmp_path / "store"))
    yield store
    store.close()


@pytest.mark.parametrize(
    "value, words",
    [
        ({"a": [{1: 2}]}, "dict key 1 at .a[0] that is not a string"),
        ({("t",): 1}, "dict key ('t',) at the top that is not a string"),
        ([0, {"b": {3}}], "cannot store a set at [1].b of a task's value"),
        (object(), "cannot store a object at the top of a task's value"),
        ((1, b"x"), "cannot store a bytes at [1] of a task's value"),
    ],
)
def test_an_unstorable_value_names_where_it_is(value, words: str) -> None:
    with pytest.raises(StoreError) as err:
        encode(value)
    assert words in str(err.value)


def test_numpy_scalars_are_stored_as_python_numbers() -> None:
    tree, arrays = encode([np.int64(3), np.float32(0.5), np.bool_(True), np.float64("nan"), np.float64(-np.inf)])
    assert tree == [3, 0.5, True, {"__float__": "nan"}, {"__float__": "-inf"}] and arrays == {}
    back = decode(tree, arrays)
    assert type(back[0]) is int and type(back[2]) is bool and back[1] == 0.5
    assert back[3] != back[3] and back[4] == float("-inf")


def test_a_non_finite_numpy_float_in_a_stored_value_loads_back(s) -> None:
    """np.float64 is a subclass of float: its NaN was once written as "np.float64(nan)", which
    ``float`` cannot read, so the task's artifact was unreadable (and recomputed forever)."""
    run = s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
    s.claim_task(K, run, "step", "op")
    s.finish_task(K, run, {"loss": np.float64("nan"), "gap": np.float64("inf"), "x": np.float64(1.5)}, [], 0.1)
    assert s.verify().ok
    back = s.load_value(K)
    assert back["loss"] != back["loss"] and back["gap"] == float("inf") and back["x"] == 1.5


def test_arrays_are_named_in_the_order_met() -> None:
    a, b, c = np.zeros(1), np.ones(2), np.arange(3)
    tree, arrays = encode({"x": [a, (b,)], "y": c})
    assert list(arrays) == ["t0", "t1", "t2"]
    assert arrays["t0"] is a and arrays["t1"] is b and arrays["t2"] is c
    assert tree == {"x": [{"__array__": "t0", "kind": "numpy"}, {"__tuple__": [{"__array__": "t1", "kind": "numpy"}]}],
                    "y": {"__array__": "t2", "kind": "numpy"}}


def test_record_data_is_made_json_safe(s) -> None:
    run = s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
    data = {
        "array": np.array([[1.0, 2.0], [3.0, np.nan]]),
        "scalar": np.float64(0.25),
        "int": np.int32(7),
        "tuple": (1, (2.5, float("inf"))),
        1: "int key",
        "nested": [{"x": float("-inf")}],
        "np_nan": np.float64("nan"),  # a float subclass whose repr is not "nan"
    }
    s.claim_task(K, run, "step", "op")
    s.finish_task(K, run, 0, [("table", "t", None, data), ("metric", "np", np.float32(0.5), None),
                              ("claim", "c", float("nan"), {"kept": True})], 0.1)
    got = {name: (value, d) for _, name, value, d in s.records(K)}
    assert got["t"] == (None, {
        "array": [[1.0, 2.0], [3.0, "nan"]],
        "scalar": 0.25,
        "int": 7,
        "tuple": [1, [2.5, "inf"]],
        "1": "int key",
        "nested": [{"x": "-inf"}],
        "np_nan": "nan",
    })
    assert got["np"] == (0.5, None)
    assert got["c"] == (None, {"kept": True})  # a non-finite value beside data: NULL, the data as given
    assert s.verify().ok


def test_write_atomic_returns_the_hash_and_leaves_no_temporary(tmp_path) -> None:
    path = str(tmp_path / "deep" / "er" / "f.bin")
    for sync in (False, True):
        data = b"payload %d" % sync
        assert write_atomic(path, data, sync_folder=sync) == hashlib.sha256(data).hexdigest()
        with open(path, "rb") as fh:
            assert fh.read() == data
    assert os.listdir(tmp_path / "deep" / "er") == ["f.bin"]


def test_a_failed_rename_removes_the_temporary_and_keeps_the_old_file(tmp_path, monkeypatch) -> None:
    path = str(tmp_path / "f.bin")
    write_atomic(path, b"old")
    seen = []

    def failing_replace(src, dst):
        seen.append(os.path.basename(src))
        raise OSError("rename failed")

    monkeypatch.setattr(store_mod.os, "replace", failing_replace)
    with pytest.raises(OSError, match="rename failed"):
        write_atomic(path, b"new", tag="owner42")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["f.bin"] and open(path, "rb").read() == b"old"
    (tmp,) = seen
    parts = tmp.split(".")
    assert tmp.startswith("f.bin.owner42.") and parts[-1] == "tmp" and len(parts[-2]) == 8


def test_write_atomic_leaves_no_descriptor_open_and_writes_a_plain_file(tmp_path) -> None:
    before = len(os.listdir("/proc/self/fd"))
    for i in range(5):
        write_atomic(str(tmp_path / f"f{i}"), b"x", sync_folder=True)
    assert len(os.listdir("/proc/self/fd")) == before
    mode = os.stat(tmp_path / "f0").st_mode
    assert mode & 0o111 == 0 and mode & 0o600 == 0o600  # read-write for its owner, never executable


def test_sync_folder_fsyncs_the_folder_as_well_and_only_then(tmp_path, monkeypatch) -> None:
    import stat

    synced = []
    real = os.fsync

    def recording_fsync(fd):
        synced.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        return real(fd)

    monkeypatch.setattr(store_mod.os, "fsync", recording_fsync)
    write_atomic(str(tmp_path / "a"), b"x")
    assert synced == ["file"]
    synced.clear()
    write_atomic(str(tmp_path / "b"), b"x", sync_folder=True)
    assert synced == ["file", "folder"]


def test_the_default_tag_is_the_pid(tmp_path, monkeypatch) -> None:
    seen = []
    real = os.replace
    monkeypatch.setattr(store_mod.os, "replace", lambda a, b: (seen.append(os.path.basename(a)), real(a, b)))
    write_atomic(str(tmp_path / "g"), b"x")
    assert seen[0].split(".")[1] == str(os.getpid())


def _temporary(s: Store, name: str, age_s: float) -> str:
    folder = os.path.join(s.root, "artifacts", "ab")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    with open(path, "w") as fh:
        fh.write("half")
    t = time.time() - age_s
    os.utime(path, (t, t))
    return path


def test_which_temporaries_are_removed(s) -> None:
    s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})  # registers this store's owner
    dead = {**leases.this_process().row(heartbeat=time.time(), lease_s=60.0), "pid": 2**22 + 1}
    with s._tx() as c:
        c.execute(f"INSERT INTO owners ({', '.join(dead)}) VALUES ({', '.join('?' * len(dead))})",
                  tuple(dead.values()))
    art = "ab" + "0" * 62 + ".json"
    gone = [
        _temporary(s, f"{art}.{dead['id']}.00000001.tmp", 1),  # a dead owner's, fresh
        _temporary(s, f"{art}.{s.owner.id}.00000002.tmp", 7200),  # this store's, but two hours old
        _temporary(s, f"{art}.unknown.00000003.tmp", 7200),  # an owner nobody knows, old
        _temporary(s, "x.tmp", 7200),  # no tag at all, old
        _temporary(s, f"x.{dead['id']}.00000008.tmp", 1),  # the shortest name with a tag: a dead owner's
    ]
    kept = [
        _temporary(s, f"{art}.{s.owner.id}.00000004.tmp", 1),  # this store's, fresh
        _temporary(s, f"{art}.unknown.00000005.tmp", 1),  # unknown owner: its age decides
        _temporary(s, "y.tmp", 1),  # no tag, fresh
        _temporary(s, f"{art}.{dead['id']}.00000006.part", 7200),  # not a temporary
        _temporary(s, f"{dead['id']}.tmp", 1),  # too few parts to carry a tag
        _temporary(s, f"{dead['id']}.00000007.tmp", 1),  # no artifact name before the tag: not ours
    ]
    assert s.clean_temporaries() == len(gone)
    assert [os.path.exists(p) for p in gone] == [False] * len(gone)
    assert [os.path.exists(p) for p in kept] == [True] * len(kept)
    assert s.clean_temporaries(older_than_s=0.0) == 5  # every remaining temporary is older than 0 s
    assert [os.path.exists(p) for p in kept] == [False, False, False, True, False, False]


def test_abandoned_for_this_store_goes_by_age_alone(s) -> None:
    s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
    now = time.time()
    assert not s.abandoned(s.owner.id, now) and s.abandoned(s.owner.id, now - 100, older_than_s=50)
    assert not s.abandoned("", now) and s.abandoned("", now - 3601)


def test_retry_retries_a_locked_or_busy_database_only(monkeypatch) -> None:
    waits = []
    monkeypatch.setattr(store_mod.time, "sleep", waits.append)

    def flaky(errors):
        calls = []

        def fn():
            calls.append(1)
            if len(calls) <= len(errors):
                raise sqlite3.OperationalError(errors[len(calls) - 1])
            return "ok"

        return fn, calls

    fn, calls = flaky(["database is locked", "database is busy"])
    assert Store._retry(fn) == "ok" and len(calls) == 3 and len(waits) == 2 and all(w > 0 for w in waits)
    fn, calls = flaky(["no such table: x"])
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        Store._retry(fn)
    assert len(calls) == 1
    fn, calls = flaky(["database is locked"] * 10)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        Store._retry(fn, attempts=4)
    assert len(calls) == 4
    fn, calls = flaky(["database is locked"] * 49)
    assert Store._retry(fn) == "ok" and len(calls) == 50


def test_a_failed_transaction_is_rolled_back(s) -> None:
    with pytest.raises(RuntimeError), s._tx() as c:
        c.execute("INSERT INTO meta VALUES ('x', 'y')")
        raise RuntimeError("abort")
    assert s.conn.execute("SELECT COUNT(*) FROM meta WHERE name = 'x'").fetchone() == (0,)
    with s._tx() as c:
        c.execute("INSERT INTO meta VALUES ('x', 'y')")
    with sqlite3.connect(os.path.join(s.root, "catdyn.sqlite")) as db:  # committed: another connection sees it
        assert db.execute("SELECT value FROM meta WHERE name = 'x'").fetchone() == ("y",)


def test_each_thread_has_its_own_connection(s) -> None:
    main = s.conn
    assert s.conn is main
    other = []
    t = threading.Thread(target=lambda: (other.append(s.conn), s.close_thread()))
    t.start()
    t.join()
    assert other[0] is not main
    with pytest.raises(sqlite3.ProgrammingError):  # closed by its thread's close_thread
        other[0].execute("SELECT 1")
    s.close_thread()
    with pytest.raises(sqlite3.ProgrammingError):
        main.execute("SELECT 1")
    again = s.conn
    assert again is not main and again.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone() == ("1",)
    assert again.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert again.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL: WAL survives a process crash
    s.close()
    with pytest.raises(sqlite3.ProgrammingError):
        again.execute("SELECT 1")
    s.close_thread()  # nothing open: nothing to do
    assert s.conn.execute("SELECT 1").fetchone() == (1,)


def test_a_value_is_one_json_file_or_one_safetensors_file(s) -> None:
    p = s.prepare(K, {"x": [1, 2]}, [("metric", "m", 1.0, None)], op="op")
    assert p.path == os.path.join(s.root, "artifacts", "kk", f"{K}.json")
    assert json.loads(p.data) == {"format": 2, "key": K, "op": "op", "value": {"x": [1, 2]}, "array_kinds": {},
                                  "records": [["metric", "m", 1.0, None]]}
    assert p.records == (("metric", "m", 1.0, None),)
    q = s.prepare(K, {"w": np.arange(2.0)})
    assert q.path == os.path.join(s.root, "artifacts", "kk", f"{K}.safetensors")
    n = int.from_bytes(q.data[:8], "little")
    doc = json.loads(json.loads(q.data[8 : 8 + n])["__metadata__"]["catdyn"])
    assert doc["array_kinds"] == {"t0": "numpy"} and doc["value"] == {"w": {"__array__": "t0", "kind": "numpy"}}


def test_non_contiguous_arrays_round_trip(s) -> None:
    torch = pytest.importorskip("torch")
    run = s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
    a = np.arange(6.0).reshape(2, 3).T
    t = torch.arange(6.0).reshape(2, 3).T
    for key, value in (("n" * 64, {"a": a}), ("m" * 64, {"a": a, "t": t}), ("o" * 64, {"t": t})):
        s.claim_task(key, run, "step", "op")
        s.finish_task(key, run, value, [], 0.1)
        back = s.load_value(key)
        assert set(back) == set(value)
        if "a" in value:
            assert isinstance(back["a"], np.ndarray) and np.array_equal(back["a"], a)
        if "t" in value:
            assert isinstance(back["t"], torch.Tensor) and torch.equal(back["t"], t)
    assert s.verify().ok


def _heartbeat_threads() -> int:
    return sum(t.name == "catdyn-heartbeat" and t.is_alive() for t in threading.enumerate())


def test_the_lease_is_recorded_now_renewed_and_given_up_on_close(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CATDYN_LEASE_S", "0.4")  # a beat every 0.1 s
    threads = _heartbeat_threads()
    s = Store(str(tmp_path / "store"))
    try:
        before = time.time()
        s.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
        row = s._owner_rows(owner_id=s.owner.id)[s.owner.id]
        assert before - 1 <= row["heartbeat"] <= time.time() and row["lease_s"] == 0.4 and row["released"] == 0
        assert _heartbeat_threads() == threads + 1
        first = row["heartbeat"]
        deadline = time.time() + 5
        while s._owner_rows(owner_id=s.owner.id)[s.owner.id]["heartbeat"] == first and time.time() < deadline:
            time.sleep(0.05)
        assert s._owner_rows(owner_id=s.owner.id)[s.owner.id]["heartbeat"] > first  # renewed in the database
    finally:
        s.close()
    assert _heartbeat_threads() == threads  # the renewing thread has stopped
