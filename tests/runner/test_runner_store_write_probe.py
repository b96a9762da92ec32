"""Opening a store checks that its folder is writable with a probe file and removes the probe
(the folder holds only what the store wrote); each connection is set up as the class docstring
promises: WAL journal, a 60 s busy timeout, and ``synchronous = NORMAL`` (WAL's safe setting:
a power cut can lose the last commits but never corrupts the database)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from catdyn.runner.store import Store


def _probes(root: Path) -> list[str]:
    return sorted(name for name in os.listdir(root) if name.startswith(".probe"))


def test_opening_a_store_leaves_no_probe_file(tmp_path: Path) -> None:
    Store(str(tmp_path / "store"))
    assert _probes(tmp_path / "store") == []
    assert (tmp_path / "store" / "artifacts").is_dir()


def test_reopening_an_existing_store_leaves_no_probe_file(tmp_path: Path) -> None:
    Store(str(tmp_path)).conn  # noqa: B018 (creates the database)
    Store(str(tmp_path), create=False)
    assert _probes(tmp_path) == []


def _settings(store: Store) -> tuple[str, int, int]:
    conn = store.conn
    journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    busy = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
    return journal, busy, synchronous


def test_every_thread_connection_has_the_documented_settings(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    seen = [_settings(store)]
    worker = threading.Thread(target=lambda: seen.append(_settings(store)))
    worker.start()
    worker.join()
    assert seen == [("wal", 60000, 1), ("wal", 60000, 1)]  # synchronous 1 = NORMAL
