"""Task ownership by lease: a crashed owner never blocks the store, whatever host name, PID
namespace or reused PID it had; a live owner that renews its heartbeat is waited for; a stale
owner shows as stale; ``--take-over`` takes a task at once."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from runner_paths import SPECS

from catdyn.runner.commands import main
from catdyn.runner.store import Store

CHAIN = str(SPECS / "chain.py")
RUN = [sys.executable, "-m", "catdyn.runner.commands", "run", CHAIN, "--progress", "quiet", "--no-report"]


def _env(log: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATDYN_")}
    env.update(CATDYN_TEST_LOG=str(log), **extra)
    return env


def _namespaces_or_skip(*flags: str) -> None:
    if shutil.which("unshare") is None:
        pytest.skip("unshare(1) is not installed")
    probe = subprocess.run(["unshare", *flags, "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot create namespaces here (unshare {' '.join(flags)}: {probe.stderr.decode().strip()})")


def _starts(log: Path) -> list[str]:
    return [line.split()[1] for line in log.read_text().splitlines() if line.startswith("start ")]


def _committed(cmd: list[str]) -> int:
    """How many tasks the store named by ``--out`` in ``cmd`` holds as done (0 before it exists)."""
    db = Path(cmd[cmd.index("--out") + 1]) / Store.DB
    if not db.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            return conn.execute("SELECT count(*) FROM tasks WHERE status = 'done'").fetchone()[0]
    except sqlite3.Error:
        return 0


def _owner_inside_c(cmd: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    """Start a run that owns task c (it sleeps there) and return once it is inside c and the
    tasks before c, a and b, are committed (values are written behind the computation, so
    "start c" alone does not say they are stored yet)."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    t0 = time.monotonic()
    while not (log.exists() and "start c" in log.read_text() and _committed(cmd) >= 2):
        assert proc.poll() is None, f"the owner exited ({proc.returncode}) before reaching task c"
        if time.monotonic() - t0 > 90:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError("the owner never reached task c")
        time.sleep(0.05)
    return proc


def _kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)  # the whole group: unshare --fork leaves its child otherwise
    proc.wait()
    time.sleep(0.2)


def _rerun(store: str, log: Path, timeout: float, *extra: str, **env: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            [*RUN, "--out", store, *extra], env=_env(log, **env), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"the rerun waited more than {timeout} s for a task whose owner is dead") from exc


def _status(store: str) -> str:
    s = Store(store, create=False)
    try:
        return s.runs()[0].status
    finally:
        s.close()


def test_an_owner_killed_under_another_host_name_never_blocks_the_store(tmp_path, capsys) -> None:
    _namespaces_or_skip("--uts")
    store, log = str(tmp_path / "store"), tmp_path / "log"
    cmd = ["unshare", "--uts", "sh", "-c", 'hostname catdyn-elsewhere && exec "$@"', "sh", *RUN, "--out", store]
    owner = _owner_inside_c(cmd, log, _env(log, CATDYN_TEST_SLOW="c", CATDYN_TEST_SLOW_S="120"))
    _kill(owner)
    assert _status(store) == "interrupted"  # not "running" forever
    assert main(["runs", "--out", store]) == 0 and "interrupted" in capsys.readouterr().out
    done = _rerun(store, log, 60)  # the long default lease is not waited for: the owner is known dead
    assert done.returncode == 0, done.stderr
    assert _starts(log).count("c") == 2 and _starts(log).count("a") == 1


def test_a_dead_owner_whose_pid_now_belongs_to_a_live_process_is_taken_over_when_its_lease_expires(
    tmp_path, capsys
) -> None:
    # The owner runs in its own PID namespace, where its PID is 1 or 2; in ours those PIDs belong to
    # live, unrelated processes (init and kthreadd), as happens when a container's PIDs are reused.
    _namespaces_or_skip("--pid", "--fork")
    store, log = str(tmp_path / "store"), tmp_path / "log"
    cmd = ["unshare", "--pid", "--fork", *RUN, "--out", store]
    owner = _owner_inside_c(cmd, log, _env(log, CATDYN_TEST_SLOW="c", CATDYN_TEST_SLOW_S="120", CATDYN_LEASE_S="2"))
    _kill(owner)
    time.sleep(2.5)  # the lease (2 s) runs out: nobody renews it
    assert _status(store) == "stale"
    assert main(["runs", "--out", store]) == 0 and "stale" in capsys.readouterr().out
    done = _rerun(store, log, 60, CATDYN_LEASE_S="2")
    assert done.returncode == 0, done.stderr
    assert _starts(log).count("c") == 2


def test_a_live_owner_that_renews_its_lease_is_waited_for_not_taken_over(tmp_path) -> None:
    _namespaces_or_skip("--pid", "--fork")
    store, log = str(tmp_path / "store"), tmp_path / "log"
    cmd = ["unshare", "--pid", "--fork", *RUN, "--out", store]
    owner = _owner_inside_c(cmd, log, _env(log, CATDYN_TEST_SLOW="c", CATDYN_TEST_SLOW_S="8", CATDYN_LEASE_S="2"))
    try:
        assert _status(store) == "running"
        second = _rerun(store, log, 120, CATDYN_LEASE_S="2")  # c's owner lives for 8 s, 4 leases long
    finally:
        owner.wait(timeout=120)
    assert owner.returncode == 0 and second.returncode == 0, second.stderr
    assert _starts(log).count("c") == 1  # computed once, by its owner; the second run reused it


def test_take_over_takes_a_task_whose_owner_holds_a_valid_lease(tmp_path) -> None:
    _namespaces_or_skip("--pid", "--fork")
    store, log = str(tmp_path / "store"), tmp_path / "log"
    cmd = ["unshare", "--pid", "--fork", *RUN, "--out", store]
    owner = _owner_inside_c(cmd, log, _env(log, CATDYN_TEST_SLOW="c", CATDYN_TEST_SLOW_S="120", CATDYN_LEASE_S="600"))
    _kill(owner)
    assert _status(store) == "running"  # its lease has ten minutes left and its PID is not ours to test
    done = _rerun(store, log, 60, "--take-over")
    assert done.returncode == 0, done.stderr
    assert _starts(log).count("c") == 2


def test_leases_in_one_process(tmp_path) -> None:
    first, second = Store(str(tmp_path)), Store(str(tmp_path))  # two owners, as two processes would be
    run = first.begin_run("spec.py", "", "smoke", "cpu", "local", {})
    assert first.claim_task("k" * 64, run, "k", "op") == "claimed"
    assert second.claim_task("k" * 64, run, "k", "op") == "busy"
    assert second.claim_task("k" * 64, run, "k", "op", take_over=True) == "claimed"
    assert first.claim_task("k" * 64, run, "k", "op") == "busy"  # it lost the task to the take-over
    first.close()  # a closed store gives up its lease: its tasks are free at once
    third = Store(str(tmp_path))
    second.close()
    assert third.claim_task("k" * 64, run, "k", "op") == "claimed"
    third.close()
