"""Crash safety and concurrency: SIGKILL in the middle of a task or of a write, then rerun; two
runs writing one store at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from runner_paths import SPECS

from catdyn.runner.commands import main
from catdyn.runner.store import Store

CHAIN = str(SPECS / "chain.py")
CHAIN_STEPS = ["a", "b", "c", "d", "e", "f"] + [f"leaf{i}" for i in range(8)]


def _env(log: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATDYN_TEST")}
    env.update(CATDYN_TEST_LOG=str(log), **extra)
    return env


def _wait_for(predicate, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    t0 = time.monotonic()
    while not predicate():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended (exit {proc.returncode}) before the point to kill it")
        if time.monotonic() - t0 > timeout:
            proc.kill()
            raise AssertionError("the run never reached the point to kill it")
        time.sleep(0.02)


def _starts(log: Path) -> list[str]:
    return [line.split()[1] for line in log.read_text().splitlines() if line.startswith("start ")]


def _files(store: str) -> list[str]:
    return sorted(
        os.path.relpath(os.path.join(d, f), store)
        for d, _, fs in os.walk(os.path.join(store, "artifacts"))
        for f in fs
    )


def _rerun_and_check(store: str, log: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CATDYN_TEST_LOG", str(log))
    monkeypatch.delenv("CATDYN_TEST_SLOW", raising=False)
    assert main(["run", CHAIN, "--out", store, "--progress", "quiet", "--no-report"]) == 0
    assert "2 reused" in capsys.readouterr().out
    starts = _starts(log)
    assert starts.count("a") == 1 and starts.count("b") == 1  # finished work was not recomputed
    assert sorted(set(starts)) == sorted(CHAIN_STEPS)
    s = Store(store, create=False)
    result = s.verify()
    assert result.ok and not result.notes, (result.problems, result.notes)
    assert not [f for f in _files(store) if f.endswith(".tmp")]
    assert all(s.task_status(t["key"]) == "done" for t in s.run_tasks(s.resolve_run("latest").id))
    s.close()


def test_sigkill_in_the_middle_of_a_task_then_rerun_resumes(tmp_path, monkeypatch, capsys) -> None:
    store, log = str(tmp_path / "store"), tmp_path / "log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "catdyn.runner.commands",
            "run",
            CHAIN,
            "--out",
            store,
            "--progress",
            "plain",
            "--no-report",
        ],
        env=_env(log, CATDYN_TEST_SLOW="c", CATDYN_TEST_SLOW_S="60"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def inside_c_with_a_and_b_committed() -> bool:
        if not (
            log.exists()
            and "start c" in log.read_text()
            and os.path.exists(os.path.join(store, "catdyn.sqlite"))
        ):
            return False
        s = Store(store, create=False)
        done = {m for (m,) in s.conn.execute("SELECT morphism FROM tasks WHERE status = 'done'")}
        s.close()
        return done == {"a", "b"}

    _wait_for(inside_c_with_a_and_b_committed, proc)
    time.sleep(0.2)  # well inside c (it sleeps a minute)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    s = Store(store, create=False)
    statuses = {t["morphism"]: s.task_status(t["key"]) for t in s.run_tasks(s.resolve_run("latest").id)}
    assert statuses == {"a": "done", "b": "done"}  # c was claimed but not finished: not in run_tasks yet
    assert s.verify().ok  # what finished is intact
    assert s.runs()[0].status == "interrupted"
    s.close()
    _rerun_and_check(store, log, monkeypatch, capsys)


KILL_IN_WRITE = """
import os, sys, time
import catdyn.runner.store as store
real_replace, calls = os.replace, []
def replace(src, dst):
    if "artifacts" in str(dst):
        calls.append(dst)
        if len(calls) == 3:  # the file of task c (one per task): written and fsynced, not renamed
            open(sys.argv[1], "w").close()
            time.sleep(60)
    return real_replace(src, dst)
store.os.replace = replace
from catdyn.runner.commands import main
sys.exit(main(sys.argv[2:]))
"""


def test_sigkill_in_the_middle_of_an_artifact_write_leaves_no_half_file(
    tmp_path, monkeypatch, capsys
) -> None:
    store, log, marker = str(tmp_path / "store"), tmp_path / "log", tmp_path / "writing"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILL_IN_WRITE,
            str(marker),
            "run",
            CHAIN,
            "--out",
            store,
            "--progress",
            "quiet",
            "--no-report",
        ],
        env=_env(log),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for(marker.exists, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    files = _files(store)
    temporaries = [f for f in files if f.endswith(".tmp")]
    assert len(temporaries) == 1  # the write that was cut off, under its temporary name only
    s = Store(store, create=False)
    c_key = next(k for (k,) in s.conn.execute("SELECT key FROM tasks WHERE morphism = 'c'"))
    assert s.task_status(c_key) == "running"
    assert not [f for f in files if c_key in f and not f.endswith(".tmp")]  # no final file of c
    result = s.verify()
    assert result.ok and len(result.notes) == 1 and "interrupted write" in result.notes[0]
    s.close()
    _rerun_and_check(store, log, monkeypatch, capsys)


@pytest.mark.parametrize("preset", ["slow"])
def test_two_runs_writing_one_store_at_once_do_not_corrupt_it(tmp_path, preset) -> None:
    store, log = str(tmp_path / "store"), tmp_path / "log"
    cmd = [
        sys.executable,
        "-m",
        "catdyn.runner.commands",
        "run",
        CHAIN,
        "--preset",
        preset,
        "--out",
        store,
        "--progress",
        "plain",
        "--no-report",
    ]
    procs = [
        subprocess.Popen(cmd, env=_env(log), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    starts = _starts(log)
    assert sorted(starts) == sorted(CHAIN_STEPS)  # every task computed once, by one of the two
    s = Store(store, create=False)
    runs = s.runs()
    assert len(runs) == 2 and {r.status for r in runs} == {"done"}
    outcomes = [t["outcome"] for r in runs for t in s.run_tasks(r.id)]
    assert outcomes.count("computed") == len(CHAIN_STEPS) and outcomes.count("reused") == len(CHAIN_STEPS)
    assert max(r.started for r in runs) < min(r.finished for r in runs)  # they really ran side by side
    assert s.verify().ok
    assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


KILL_IN_REPORT = """
import sys, time
import catdyn.runner.report as report
real_write = report.write_atomic
def write(path, data, *args, **kwargs):
    if str(path).endswith("claims.json"):  # the plots are written; claims, report.md and .html are not
        open(sys.argv[1], "w").close()
        time.sleep(60)
    return real_write(path, data, *args, **kwargs)
report.write_atomic = write
from catdyn.runner.commands import main
sys.exit(main(sys.argv[2:]))
"""


def _complete_report(folder: str) -> bool:
    return {"report.md", "report.html", "claims.json", "plots"} <= set(os.listdir(folder))


def test_sigkill_while_writing_the_report_leaves_no_partial_report_and_a_rerun_resumes(
    tmp_path, monkeypatch, capsys
) -> None:
    store, log, marker = str(tmp_path / "store"), tmp_path / "log", tmp_path / "writing"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_IN_REPORT, str(marker), "run", CHAIN, "--out", store, "--progress", "quiet"],
        env=_env(log),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for(marker.exists, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    s = Store(store, create=False)
    killed = s.resolve_run("latest").id
    s.close()
    reports = os.path.join(store, "reports")
    shown = [name for name in os.listdir(reports) if not name.startswith(".")] if os.path.isdir(reports) else []
    assert shown == []  # no report folder at all rather than an empty or partial one
    assert main(["verify", "--out", store]) == 0
    capsys.readouterr()
    assert main(["report", killed, "--out", store]) == 0  # the killed run's report can be written later
    assert _complete_report(os.path.join(reports, killed))
    monkeypatch.setenv("CATDYN_TEST_LOG", str(log))
    assert main(["run", CHAIN, "--out", store, "--progress", "quiet"]) == 0  # resume: all reused
    assert "14 reused" in capsys.readouterr().out
    s = Store(store, create=False)
    latest = s.resolve_run("latest").id
    s.close()
    assert _complete_report(os.path.join(reports, latest))
    assert sorted(os.listdir(reports)) == sorted([killed, latest])  # the killed writer's leftovers are gone
    assert sorted(set(_starts(log))) == sorted(CHAIN_STEPS) and len(_starts(log)) == len(CHAIN_STEPS)
