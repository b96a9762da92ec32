"""``Store.clean_temporaries`` removes a temporary artifact file whose writer died (its owner's
process exited without closing the store) at once, however fresh the file, and keeps a fresh
one of a living writer (this store). The writer's tag is read from the file's name as
``write_atomic`` makes it: ``<artifact>.<tag>.<random>.tmp``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from catdyn.runner.store import Store

_WRITE_AND_DIE = """
import os, sys
from catdyn.runner.store import Store
store = Store(sys.argv[1])
store.begin_run("a.py", "h", "smoke", "cpu", "local", {})  # the writer holds a lease
folder = os.path.join(sys.argv[1], "artifacts", "ab")
os.makedirs(folder, exist_ok=True)
path = os.path.join(folder, "ab" + "0" * 62 + ".json." + store.owner.id + ".1234abcd.tmp")
open(path, "w").write("half")
print(path, flush=True)
os._exit(0)  # no close(): the owner's lease is left behind, its process gone
"""


def test_a_dead_writers_fresh_temporary_goes_and_a_living_ones_stays(tmp_path: Path) -> None:
    root = str(tmp_path / "store")
    out = subprocess.run([sys.executable, "-c", _WRITE_AND_DIE, root], capture_output=True, text=True, check=True)
    dead_tmp = out.stdout.strip()
    store = Store(root)
    live_tmp = os.path.join(root, "artifacts", "ab", "ab" + "1" * 62 + f".json.{store.owner.id}.5678dcba.tmp")
    Path(live_tmp).write_text("writing")
    assert os.path.exists(dead_tmp)
    removed = store.clean_temporaries()  # both files are seconds old: only the dead owner's may go
    store.close()
    assert removed == 1
    assert not os.path.exists(dead_tmp) and os.path.exists(live_tmp)
