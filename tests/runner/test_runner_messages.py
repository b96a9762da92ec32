"""Failures of the store and of the command line end in one paragraph and the documented exit
code (the traceback only under --debug): a damaged database, a full disk, a bad --out or --to,
a Ray address nobody listens on. And a run keeps its tool state under --out."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from runner_paths import SPECS

from catdyn.runner import store as store_mod
from catdyn.runner.commands import main
from catdyn.runner.store import Store

CHAIN = str(SPECS / "chain.py")
QUIET = ["--progress", "quiet"]


def _one_paragraph(code: int, argv: list[str], capsys) -> str:
    assert main(argv) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    assert err.startswith("catdyn: ") and err.count("\n") == 1, err
    return err


def _chain_store(tmp_path: Path, monkeypatch) -> str:
    out = str(tmp_path / "s")
    monkeypatch.setenv("CATDYN_TEST_LOG", str(tmp_path / "log"))
    assert main(["run", CHAIN, "--out", out, "--no-report", *QUIET]) == 0
    return out


def _damage_pages(out: str) -> None:
    db = Path(out) / "catdyn.sqlite"
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for i in range(page, len(data)):  # every page but the first (the schema) becomes garbage
        data[i] = (i * 7919) % 251
    db.write_bytes(bytes(data))


@pytest.mark.parametrize("command", [["runs"], ["verify"], ["report"], ["run", CHAIN, "--no-report", *QUIET]])
def test_a_damaged_database_page_is_one_paragraph(tmp_path, monkeypatch, capsys, command) -> None:
    out = _chain_store(tmp_path, monkeypatch)
    _damage_pages(out)
    capsys.readouterr()
    code = 1 if command[0] == "verify" else 2  # verify found damage; the others cannot go on
    if command[0] == "verify":
        assert main([*command, "--out", out]) == 1
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err and "DAMAGED" in captured.out
        return
    err = _one_paragraph(code, [command[0], *command[1:], "--out", out], capsys)
    assert "damaged" in err or "malformed" in err


def test_a_damaged_database_page_shows_the_traceback_under_debug(tmp_path, monkeypatch, capsys) -> None:
    out = _chain_store(tmp_path, monkeypatch)
    _damage_pages(out)
    capsys.readouterr()
    assert main(["--debug", "runs", "--out", out]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_a_full_disk_while_committing_is_one_paragraph(tmp_path, monkeypatch, capsys) -> None:
    real = Store.commit

    def full(self, *args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "commit", full)
    monkeypatch.setattr(Store, "fail_task", full)  # recording the failure fails the same way
    err = _one_paragraph(2, ["run", CHAIN, "--out", str(tmp_path / "s"), "--no-report", *QUIET], capsys)
    assert "full" in err
    monkeypatch.setattr(Store, "commit", real)


def test_a_real_full_disk_is_one_paragraph(tmp_path) -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) to mount a tiny private tmpfs")
    disk = tmp_path / "disk"
    disk.mkdir()
    script = (
        f'mount -t tmpfs -o size=160k tmpfs {disk} && exec "$@"'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATDYN_")}
    proc = subprocess.run(
        ["unshare", "--mount", "sh", "-c", script, "sh", sys.executable, "-m", "catdyn.runner.commands",
         "run", CHAIN, "--out", str(disk / "s"), "--no-report", *QUIET],
        env=env, capture_output=True, text=True, timeout=300,
    )
    if "mount" in proc.stderr and proc.returncode == 32:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert "full" in proc.stderr


def test_report_to_a_file_is_one_paragraph(tmp_path, monkeypatch, capsys) -> None:
    out = _chain_store(tmp_path, monkeypatch)
    target = tmp_path / "a-file"
    target.write_text("mine")
    err = _one_paragraph(2, ["report", "--out", out, "--to", str(target)], capsys)
    assert str(target) in err and target.read_text() == "mine"


def test_report_to_a_folder_of_other_files_leaves_them_alone(tmp_path, monkeypatch, capsys) -> None:
    out = _chain_store(tmp_path, monkeypatch)
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    _one_paragraph(2, ["report", "--out", out, "--to", str(target)], capsys)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    again = tmp_path / "rep"
    assert main(["report", "--out", out, "--to", str(again)]) == 0
    assert main(["report", "--out", out, "--to", str(again)]) == 0  # a report folder is replaced
    assert {p.name for p in again.iterdir()} == {"report.md", "report.html", "claims.json", "plots"}


def test_runs_on_a_file_or_a_missing_folder_is_not_an_empty_store(tmp_path, capsys) -> None:
    target = tmp_path / "a-file"
    target.write_text("x")
    err = _one_paragraph(2, ["runs", "--out", str(target)], capsys)
    assert "no catdyn store" in err
    _one_paragraph(2, ["runs", "--out", str(tmp_path / "nowhere")], capsys)
    (tmp_path / "empty").mkdir()
    assert main(["runs", "--out", str(tmp_path / "empty")]) == 0  # an empty folder: a store with no runs yet


@pytest.mark.parametrize("command", [["runs"], ["verify"], ["report"], ["run", CHAIN, *QUIET]])
def test_an_empty_out_is_refused(tmp_path, monkeypatch, capsys, command) -> None:
    monkeypatch.chdir(tmp_path)
    err = _one_paragraph(2, [command[0], *command[1:], "--out", ""], capsys)
    assert "--out" in err
    assert os.listdir(tmp_path) == []


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_ray_address_nobody_listens_on_is_refused_before_ray_starts(tmp_path, monkeypatch, capsys) -> None:
    import catdyn.runner.executors as executors

    calls = []
    monkeypatch.setattr(executors, "ray_available", lambda: True)
    try:
        import ray
    except ImportError:
        ray = None
    if ray is not None:  # Ray must never be asked to connect anywhere
        monkeypatch.setattr(ray, "init", lambda *a, **k: calls.append((a, k)) or pytest.fail("ray.init called"))
    out = tmp_path / "s"
    port = _free_loopback_port()
    err = _one_paragraph(
        2, ["run", CHAIN, "--executor", "ray", "--address", f"127.0.0.1:{port}", "--out", str(out), *QUIET], capsys
    )
    assert f"127.0.0.1:{port}" in err and "nothing" in err.lower()
    assert not calls and not out.exists()
    err = _one_paragraph(2, ["run", CHAIN, "--executor", "ray", "--address", "127.0.0.1", "--out", str(out),
                             *QUIET], capsys)
    assert "HOST:PORT" in err and not out.exists()


HYPOTHESIS_SPEC = '''
from hypothesis import find, settings, strategies as st
from hypothesis.errors import NoSuchExample
from catdyn import BackendMorphism, experiment
from catdyn.values import Table

class UsesHypothesis(BackendMorphism):
    inputs, output = (), Table

    def run(self, ctx):  # draws many examples: hypothesis then caches the constants of local modules
        try:
            find(st.one_of(st.integers(), st.text()), lambda x: False,
                 settings=settings(database=None, max_examples=300))
        except NoSuchExample:
            pass
        return Table([{"searched": True}])

@experiment(name="hyp")
def hyp(e, p):
    e.add("h", UsesHypothesis())
'''


def test_a_run_writes_no_hypothesis_folder_into_the_working_directory(tmp_path, monkeypatch) -> None:
    spec = tmp_path / "spec.py"
    spec.write_text(HYPOTHESIS_SPEC)
    work = tmp_path / "work"
    work.mkdir()
    out = tmp_path / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CATDYN_", "HYPOTHESIS_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "catdyn.runner.commands", "run", str(spec), "--out", str(out), *QUIET],
        cwd=work, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert os.listdir(work) == []
    assert store_mod.Store(str(out), create=False).runs()
