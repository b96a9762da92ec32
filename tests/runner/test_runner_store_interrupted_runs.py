"""``Store.runs`` says ``interrupted`` for a run still marked running whose owner process is gone,
and leaves every other field of the row as it was; a run whose owner lives stays ``running``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from catdyn.runner.store import Store


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_run_whose_owner_died_is_listed_as_interrupted(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "store"))
    host = socket.gethostname()
    dead = store.begin_run("a.py", "h", "smoke", "cpu", "local", {"owner": f"{host}:{_dead_pid()}"})
    live = store.begin_run("b.py", "h", "smoke", "cpu", "local", {"owner": f"{host}:{os.getpid()}"})
    runs = {r.id: r for r in store.runs()}
    store.close()
    assert runs[dead].status == "interrupted" and runs[live].status == "running"
    for r in runs.values():
        assert isinstance(r.started, float) and r.finished is None
        assert (r.preset, r.device, r.executor) == ("smoke", "cpu", "local")
