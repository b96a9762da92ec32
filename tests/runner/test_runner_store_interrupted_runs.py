"""``Store.runs`` says ``interrupted`` for a run still marked running whose owner process is gone
(its lease held by a process that exited without closing the store), and leaves every other
field of the row as it was; a run whose owner lives stays ``running``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from catdyn.runner.store import Store

_BEGIN_AND_DIE = """
import os, sys
from catdyn.runner.store import Store
store = Store(sys.argv[1])
print(store.begin_run("a.py", "h", "smoke", "cpu", "local", {}), flush=True)
os._exit(0)  # no close(): the owner's lease is left behind, its process gone
"""


def test_a_run_whose_owner_died_is_listed_as_interrupted(tmp_path: Path) -> None:
    root = str(tmp_path / "store")
    out = subprocess.run([sys.executable, "-c", _BEGIN_AND_DIE, root], capture_output=True, text=True, check=True)
    dead = out.stdout.strip()
    store = Store(root)
    live = store.begin_run("b.py", "h", "smoke", "cpu", "local", {})
    runs = {r.id: r for r in store.runs()}
    store.close()
    assert runs[dead].status == "interrupted" and runs[live].status == "running"
    assert runs[live].finished is None and isinstance(runs[live].started, float)
    for r in runs.values():
        assert (r.preset, r.device, r.executor) == ("smoke", "cpu", "local")
