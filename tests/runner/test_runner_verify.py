"""What a report shows is covered by a hash `verify` checks, and `--repair` recomputes exactly
the tasks whose stored values are missing or inconsistent."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from runner_paths import MAIN_SPEC, SPECS

from catdyn.runner.commands import main
from catdyn.runner.store import Store

CHAIN = str(SPECS / "chain.py")
QUIET = ["--progress", "quiet", "--device", "cpu"]


def _store_with_a_claim(root: str) -> tuple[Store, str, str]:
    s = Store(root)
    run = s.begin_run("spec.py", "", "smoke", "cpu", "local", {})
    key = "c" * 64
    s.claim_task(key, run, "spread", "claim_op")
    claim = {"claim": "spread", "paper": "< 1 %", "measured": 0.0217, "interval": [0.01, 0.03],
             "verdict": "inconclusive"}
    s.finish_task(key, run, {"x": np.arange(3.0)}, [("claim", "spread", None, claim),
                                                     ("metric", "acc", 0.9, None)], 0.1, "spread")
    s.end_run(run, "done")
    return s, run, key


def test_an_edited_claim_is_found_by_verify(tmp_path) -> None:
    s, _, key = _store_with_a_claim(str(tmp_path))
    assert s.verify().ok
    forged = {"claim": "spread", "paper": "< 1 %", "measured": 0.001, "interval": [0.01, 0.03],
              "verdict": "reproduced"}
    with s._tx() as c:
        c.execute("UPDATE records SET data = ? WHERE key = ? AND kind = 'claim'", (json.dumps(forged), key))
    result = s.verify()
    assert not result.ok and any("records" in p and key[:12] in p for p in result.problems), result.problems
    assert s.damaged_keys() == [key]


@pytest.mark.parametrize(
    "tampering",
    [
        "UPDATE records SET value = 0.99 WHERE key = ? AND kind = 'metric'",
        "DELETE FROM records WHERE key = ? AND kind = 'claim'",
        "UPDATE run_tasks SET outcome = 'failed', note = 'forged' WHERE key = ?",
        "DELETE FROM run_tasks WHERE key = ?",
    ],
    ids=["edited metric", "deleted record", "edited run outcome", "deleted run row"],
)
def test_a_tampered_record_or_run_row_is_found_by_verify(tmp_path, tampering: str) -> None:
    s, _, key = _store_with_a_claim(str(tmp_path))
    assert s.verify().ok
    with s._tx() as c:
        c.execute(tampering, (key,))
    assert not s.verify().ok


def test_a_deleted_task_row_is_found_by_verify(tmp_path) -> None:
    s, run, key = _store_with_a_claim(str(tmp_path))
    with s._tx() as c:
        c.execute("DELETE FROM tasks WHERE key = ?", (key,))
    result = s.verify()
    assert not result.ok and any(key[:12] in p for p in result.problems), result.problems
    assert not s.verify([t["key"] for t in s.run_tasks(run)]).ok


def test_an_edited_claim_is_refused_by_report_and_repaired_by_run(tiny_copy, capsys) -> None:
    out, run = tiny_copy
    store = Store(out, create=False)
    key, name, data = next(
        (k, n, d) for t in store.run_tasks(run) for k in [t["key"]] for (kind, n, _, d) in store.records(k)
        if kind == "claim"
    )
    data = {**data, "measured": 0.001, "verdict": "reproduced"}
    with store._tx() as c:
        c.execute("UPDATE records SET data = ? WHERE key = ? AND kind = 'claim' AND name = ?",
                  (json.dumps(data), key, name))
    store.close()
    assert main(["verify", "--out", out]) == 1
    assert key[:12] in capsys.readouterr().out
    assert main(["report", run, "--out", out]) == 2
    assert key[:12] in capsys.readouterr().err
    assert main(["run", MAIN_SPEC, "--preset", "tiny", "--out", out, "--repair", "--no-report", *QUIET]) == 0
    assert "1 computed" in capsys.readouterr().out
    assert main(["verify", "--out", out]) == 0


def _chain_run(out: str, log: Path, monkeypatch, *extra: str) -> int:
    monkeypatch.setenv("CATDYN_TEST_LOG", str(log))
    return main(["run", CHAIN, "--out", out, "--progress", "quiet", "--no-report", *extra])


def _starts(log: Path) -> list[str]:
    return [line.split()[1] for line in log.read_text().splitlines() if line.startswith("start ")]


def test_repair_recomputes_exactly_a_task_whose_artifacts_row_was_deleted(tmp_path, monkeypatch, capsys) -> None:
    out, log = str(tmp_path / "s"), tmp_path / "log"
    assert _chain_run(out, log, monkeypatch) == 0
    s = Store(out, create=False)
    key = next(k for (k,) in s.conn.execute("SELECT key FROM tasks WHERE morphism = 'c'"))
    with s._tx() as c:
        c.execute("DELETE FROM artifacts WHERE key = ?", (key,))
    s.close()
    capsys.readouterr()
    assert main(["verify", "--out", out]) == 1
    assert key[:12] in capsys.readouterr().out
    assert _chain_run(out, log, monkeypatch) == 2  # refused: it would read a value that is not there
    assert "--repair" in capsys.readouterr().err
    assert _chain_run(out, log, monkeypatch, "--repair") == 0
    printed = capsys.readouterr().out
    assert "1 computed" in printed and "13 reused" in printed
    starts = _starts(log)
    assert starts.count("c") == 2 and all(starts.count(x) == 1 for x in set(starts) - {"c"})
    assert main(["verify", "--out", out]) == 0


def test_repair_recomputes_exactly_a_task_whose_row_was_deleted(tmp_path, monkeypatch, capsys) -> None:
    out, log = str(tmp_path / "s"), tmp_path / "log"
    assert _chain_run(out, log, monkeypatch) == 0
    s = Store(out, create=False)
    key = next(k for (k,) in s.conn.execute("SELECT key FROM tasks WHERE morphism = 'd'"))
    with s._tx() as c:
        c.execute("DELETE FROM tasks WHERE key = ?", (key,))
    s.close()
    assert main(["verify", "--out", out]) == 1
    assert _chain_run(out, log, monkeypatch, "--repair") == 0
    assert "1 computed" in capsys.readouterr().out
    assert _starts(log).count("d") == 2
    assert main(["verify", "--out", out]) == 0


def test_an_artifact_whose_hash_matches_but_whose_structure_does_not_is_one_paragraph(
    tmp_path, monkeypatch, capsys
) -> None:
    out, log = str(tmp_path / "s"), tmp_path / "log"
    assert _chain_run(out, log, monkeypatch) == 0
    s = Store(out, create=False)
    key, rel = next(s.conn.execute(
        "SELECT a.key, a.file FROM artifacts a JOIN tasks t ON t.key = a.key WHERE t.morphism = 'b'"))
    path = os.path.join(out, rel)
    data = bytearray(Path(path).read_bytes())
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + n])
    doc = json.loads(header["__metadata__"]["catdyn"])
    doc.pop("value")  # the structure no longer says what the value is
    header["__metadata__"]["catdyn"] = json.dumps(doc)
    new_header = json.dumps(header).encode()
    new_header += b" " * (-len(new_header) % 8)
    rewritten = len(new_header).to_bytes(8, "little") + new_header + bytes(data[8 + n :])
    Path(path).write_bytes(rewritten)
    import hashlib

    with s._tx() as c:  # its recorded hash is made to match: only the structure is wrong
        c.execute("UPDATE artifacts SET sha256 = ?, bytes = ? WHERE key = ?",
                  (hashlib.sha256(rewritten).hexdigest(), len(rewritten), key))
    s.close()
    capsys.readouterr()
    assert main(["verify", "--out", out]) == 1
    assert key[:12] in capsys.readouterr().out
    assert _chain_run(out, log, monkeypatch) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1 and key[:12] in err
    assert _chain_run(out, log, monkeypatch, "--repair") == 0
    assert main(["verify", "--out", out]) == 0


def test_report_refuses_a_run_whose_task_list_differs_from_its_seal(tmp_path, monkeypatch, capsys) -> None:
    out, log = str(tmp_path / "s"), tmp_path / "log"
    assert _chain_run(out, log, monkeypatch) == 0
    s = Store(out, create=False)
    run = s.resolve_run("latest").id
    with s._tx() as c:
        c.execute("UPDATE run_tasks SET outcome = 'blocked', note = 'forged' WHERE run_id = ? AND morphism = 'c'",
                  (run,))
    s.close()
    capsys.readouterr()
    assert main(["report", run, "--out", out]) == 2
    err = capsys.readouterr().err
    assert run in err and "seal" in err and err.count("\n") == 1
    assert not os.path.exists(os.path.join(out, "reports", run))
