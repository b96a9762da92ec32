"""The store: values round-trip exactly, writes are atomic, verify finds damage, runs list."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from catdyn.runner import store as store_mod
from catdyn.runner.store import Store, StoreError, decode, encode

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.builds(lambda xs: np.asarray(xs, dtype=np.float64), st.lists(st.floats(allow_nan=True), max_size=4)),
)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=4), inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
    ),
    max_leaves=10,
)


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, float):
        return isinstance(b, float) and (a == b or (a != a and b != b))
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b and type(a) is type(b)


@given(values)
def test_values_round_trip_through_the_store_files(value) -> None:
    tree, arrays = encode(value)
    assert _same(decode(tree, arrays), value)


def test_a_task_value_round_trips_with_tensors_and_its_hash_is_recorded(tmp_path) -> None:
    torch = pytest.importorskip("torch")
    s = Store(str(tmp_path))
    run = s.begin_run("spec.py", "", "smoke", "cpu", "local", {})
    value = {"w": torch.arange(6.0).reshape(2, 3), "a": np.arange(3), "n": float("nan"), "t": (1, "x")}
    assert s.claim_task("k" * 64, run, "train", "op") == "claimed"
    s.finish_task("k" * 64, run, value, [("metric", "loss", float("inf"), None)], 0.5)
    back = s.load_value("k" * 64)
    assert torch.equal(back["w"], value["w"]) and isinstance(back["w"], torch.Tensor)
    assert isinstance(back["a"], np.ndarray) and back["a"].tolist() == [0, 1, 2]
    assert back["n"] != back["n"] and back["t"] == (1, "x")
    assert s.records("k" * 64) == [("metric", "loss", None, {"value": "inf"})]
    assert s.claim_task("k" * 64, run, "train", "op") == "done"
    assert s.verify().ok and s.verify().checked == 1  # one file per task


def test_an_unstorable_value_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(StoreError, match=r"cannot store a set at \.x"):
        encode({"x": {1, 2}})


def test_a_write_interrupted_before_the_rename_leaves_no_file_and_no_record(tmp_path, monkeypatch) -> None:
    s = Store(str(tmp_path))
    run = s.begin_run("spec.py", "", "smoke", "cpu", "local", {})
    s.claim_task("a" * 64, run, "a", "op")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(store_mod.os, "replace", boom)
    with pytest.raises(OSError):
        s.finish_task("a" * 64, run, {"x": np.zeros(3)}, [], 0.1)
    monkeypatch.undo()
    leftovers = [f for _, _, fs in os.walk(tmp_path / "artifacts") for f in fs]
    assert leftovers == []  # neither the final file nor the temporary one
    assert s.task_status("a" * 64) == "running" and s.verify().ok
    # the task is taken over (its owner is this process) and finishes normally
    assert s.claim_task("a" * 64, run, "a", "op") == "claimed"
    s.finish_task("a" * 64, run, {"x": np.zeros(3)}, [], 0.1)
    assert s.verify().ok


def test_verify_reports_a_flipped_byte_and_a_missing_file(tmp_path) -> None:
    s = Store(str(tmp_path))
    run = s.begin_run("spec.py", "", "smoke", "cpu", "local", {})
    for key in ("b" * 64, "c" * 64):
        s.claim_task(key, run, key[0], "op")
        s.finish_task(key, run, {"x": np.arange(100.0)}, [], 0.1)
    st_file = tmp_path / "artifacts" / "bb" / ("b" * 64 + ".safetensors")
    data = bytearray(st_file.read_bytes())
    data[-1] ^= 1
    st_file.write_bytes(bytes(data))
    (tmp_path / "artifacts" / "cc" / ("c" * 64 + ".safetensors")).unlink()
    result = s.verify()
    assert not result.ok and len(result.problems) == 2
    assert any("does not match" in p for p in result.problems) and any(
        "missing" in p for p in result.problems
    )
    assert s.damaged_keys() == ["b" * 64, "c" * 64]
    with pytest.raises(StoreError, match="corrupted"):
        s.load_value("b" * 64)


def test_an_unwritable_store_folder_is_a_clear_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot write the store folder"):
        Store(str(blocker / "store"))


def test_a_task_is_busy_while_its_owner_renews_its_lease_and_taken_over_when_the_owner_is_gone(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("CATDYN_LEASE_S", "1")
    owner, other = Store(str(tmp_path)), Store(str(tmp_path))  # two owners, as two processes would be
    run = owner.begin_run("spec.py", "", "smoke", "cpu", "local", {})
    owner.claim_task("d" * 64, run, "d", "op")
    time.sleep(2.5)  # more than two leases: only the heartbeat keeps it
    assert other.claim_task("d" * 64, run, "d", "op") == "busy"
    with owner._tx() as c:  # the owner stops beating (a frozen machine): its lease runs out
        owner._heartbeat.stop()
        c.execute("UPDATE owners SET heartbeat = heartbeat - 10 WHERE id = ?", (owner.owner.id,))
    assert other.runs()[0].status == "stale"
    assert other.claim_task("d" * 64, run, "d", "op") == "claimed"
    with other._tx() as c:  # a dead owner on this machine: a PID no process has
        c.execute("UPDATE owners SET heartbeat = ?, pid = ? WHERE id = ?", (time.time(), 2**22 + 1, owner.owner.id))
        c.execute("UPDATE tasks SET owner = ? WHERE key = ?", (owner.owner.id, "d" * 64))
    assert other.runs()[0].status == "interrupted"
    assert other.claim_task("d" * 64, run, "d", "op") == "claimed"


def test_runs_are_listed_and_resolved_by_prefix(tmp_path) -> None:
    s = Store(str(tmp_path))
    r1 = s.begin_run("a.py", "", "smoke", "cpu", "local", {}, "e1")
    s.end_run(r1, "done")
    assert [r.id for r in s.runs()] == [r1]
    assert s.resolve_run(r1[:17]).id == r1 and s.resolve_run("latest").id == r1
    with pytest.raises(StoreError, match="no run matches"):
        s.resolve_run("nope")
