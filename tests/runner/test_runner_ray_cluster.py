"""A real Ray cluster, started by this test on 127.0.0.1 (a head node plus a second worker node,
both with `ray start`, token authentication on), reached through `catdyn run --executor ray
--address`: the stored numbers are the local executor's, bit for bit.

The cluster is stopped in a ``finally`` by its own process ids: each `ray start --block` runs
in a session of its own, and every process it started is signalled through that session's
process group, then any straggler whose command line names this cluster's private temp folder.
(`ray stop` is not used: it stops every Ray process of this user on the machine, and other
people's runs share it.) Every step has a deadline; the whole test is bounded by them.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from runner_paths import MAIN_SPEC, artifact_files

from catdyn.runner.store import Store

pytest.importorskip("ray", reason="the optional ray extra is not installed")
pytest.importorskip("torch")

HOST = "127.0.0.1"  # never anything else
RAY = Path(sys.executable).with_name("ray")
CATDYN = Path(sys.executable).with_name("catdyn")
START_S, RUN_S, STOP_S = 180, 600, 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def _alive_nodes(address: str, env: dict[str, str]) -> int:
    probe = (
        "import ray; ray.init(address=%r, log_to_driver=False); print(sum(n['Alive'] for n in ray.nodes()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe % address], env=env, capture_output=True, text=True, timeout=90
    )
    lines = out.stdout.strip().splitlines()
    return int(lines[-1]) if out.returncode == 0 and lines and lines[-1].isdigit() else 0


def _stop(procs: list[subprocess.Popen], marker: str) -> None:
    """Stop the processes of this cluster only: the sessions of our `ray start`s, then any
    process whose command line names our private temp folder."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for p in procs:
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + STOP_S / 2
        while time.monotonic() < deadline and any(p.poll() is None for p in procs):
            time.sleep(0.2)
    for pid in [int(d) for d in os.listdir("/proc") if d.isdigit()]:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if marker.encode() in fh.read() and pid != os.getpid():
                    os.kill(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass


@pytest.mark.skipif(not RAY.exists() or not CATDYN.exists(), reason="needs the ray and catdyn commands")
def test_a_started_cluster_stores_the_local_numbers(tiny_store, tmp_path) -> None:
    local_out, local_run = tiny_store
    port = _free_port()
    address = f"{HOST}:{port}"
    temp = tempfile.mkdtemp(prefix="cdray", dir="/tmp")  # short: Ray's socket paths have a length limit
    env = {
        **os.environ,
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": secrets.token_hex(16),
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    common = [f"--node-ip-address={HOST}", "--num-cpus=1", "--disable-usage-stats", "--block"]
    procs: list[subprocess.Popen] = []
    log = open(tmp_path / "ray_start.log", "wb")  # closed in finally
    try:
        head = [
            str(RAY),
            "start",
            "--head",
            f"--port={port}",
            "--include-dashboard=false",
            f"--temp-dir={temp}",
        ]
        procs.append(subprocess.Popen(head + common, env=env, stdout=log, stderr=log, start_new_session=True))
        deadline = time.monotonic() + START_S
        while not _answers(port):
            assert procs[0].poll() is None, (tmp_path / "ray_start.log").read_text(errors="replace")
            assert time.monotonic() < deadline, "the head node did not open its port in time"
            time.sleep(0.5)
        worker = [str(RAY), "start", f"--address={address}"]
        procs.append(
            subprocess.Popen(worker + common, env=env, stdout=log, stderr=log, start_new_session=True)
        )
        while _alive_nodes(address, env) < 2:
            assert procs[1].poll() is None, (tmp_path / "ray_start.log").read_text(errors="replace")
            assert time.monotonic() < deadline, "the worker node did not join in time"
            time.sleep(1)

        ray_out = str(tmp_path / "ray")
        work = tmp_path / "work"
        work.mkdir()
        run = [str(CATDYN), "run", MAIN_SPEC, "--preset", "tiny", "--device", "cpu", "--executor", "ray"]
        run += ["--address", address, "--out", ray_out, "--progress", "quiet", "--no-report"]
        done = subprocess.run(run, cwd=work, env=env, capture_output=True, text=True, timeout=RUN_S)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "10 computed" in done.stdout

        ray_store, local_store = Store(ray_out, create=False), Store(local_out, create=False)
        assert ray_store.resolve_run("latest").executor == "ray"
        ray_keys = [t["key"] for t in ray_store.run_tasks(ray_store.resolve_run("latest").id)]
        assert sorted(ray_keys) == sorted(t["key"] for t in local_store.run_tasks(local_run))
        local, ray = artifact_files(local_out), artifact_files(ray_out)
        assert local.keys() == ray.keys() and [k for k in local if local[k] != ray[k]] == []
        for key in ray_keys:
            assert ray_store.records(key) == local_store.records(key)
    finally:
        _stop(procs, temp)
        log.close()
        shutil.rmtree(temp, ignore_errors=True)
