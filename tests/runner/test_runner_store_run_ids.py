"""Run ids have the documented form ``YYYYmmdd-HHMMSS-xxxxxx`` (``Store.begin_run``): the local
start time to the second, a dash, six hex digits. Reports, the CLI and people read and type
them; the time part must be the time the run began, and ids of runs begun later sort later."""

from __future__ import annotations

import re
import time
from pathlib import Path

from catdyn.runner.store import Store

RUN_ID = re.compile(r"(?P<stamp>\d{8}-\d{6})-(?P<suffix>[0-9a-f]{6})")


def test_run_ids_are_the_start_time_a_dash_and_six_hex_digits(tmp_path: Path) -> None:
    s = Store(str(tmp_path / "store"))
    try:
        before = time.time()
        ids = [s.begin_run(f"spec{i}.py", "", "smoke", "cpu", "local", {}) for i in range(3)]
        after = time.time()
    finally:
        s.close()
    assert len(set(ids)) == 3
    for run_id in ids:
        m = RUN_ID.fullmatch(run_id)
        assert m is not None, run_id
        started = time.mktime(time.strptime(m["stamp"], "%Y%m%d-%H%M%S"))
        assert int(before) - 1 <= started <= after + 1, (run_id, before, after)


def test_a_run_begun_a_second_later_sorts_after(tmp_path: Path) -> None:
    s = Store(str(tmp_path / "store"))
    try:
        first = s.begin_run("a.py", "", "smoke", "cpu", "local", {})
        time.sleep(1.05)
        second = s.begin_run("b.py", "", "smoke", "cpu", "local", {})
    finally:
        s.close()
    assert first[:15] < second[:15] and sorted([second, first]) == [first, second]
