"""`catdyn run/runs/verify/report`: the real spec end to end, determinism, divergence, and every
kind of bad input (exit 2, one paragraph, nothing stored lost)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from runner_paths import MAIN_SPEC, SPECS, artifact_files

from catdyn.runner.commands import main
from catdyn.runner.store import Store

QUIET = ["--progress", "quiet", "--device", "cpu"]


def test_the_smoke_preset_runs_end_to_end(tmp_path, capsys) -> None:
    # (its time budget, under 3 minutes on a CPU, is a performance goal: benchmarks/bench_runner.py)
    pytest.importorskip("torch")
    out = str(tmp_path / "store")
    assert main(["run", MAIN_SPEC, "--out", out, *QUIET]) == 0
    printed = capsys.readouterr().out
    assert "report: " in printed and "10 computed" in printed
    claims = json.loads(Path(printed.split("claims: ")[1].split()[0]).read_text())["claims"]
    law = next(c for c in claims if c["step"] == "functor_law")
    assert law["verdict"] == "held" and law["measured"] <= 1e-5
    spreads = [c for c in claims if c["step"] == "spread"]
    assert spreads and all(c["interval"][0] <= c["measured"] <= c["interval"][1] for c in spreads)
    assert all(c["verdict"] in ("reproduced", "not reproduced", "inconclusive") for c in spreads)


def test_divergent_members_are_marked_failed_and_the_run_finishes(tiny_store) -> None:
    out, run = tiny_store
    store = Store(out, create=False)
    outcomes = {t["morphism"]: t["outcome"] for t in store.run_tasks(run)}
    assert set(outcomes.values()) == {"computed"}  # the run itself finished every task
    train = next(t for t in store.run_tasks(run) if t["morphism"] == "train")
    members = dict((n, d) for k, n, _, d in store.records(train["key"]) if k == "table")["members"]
    by_lr = {}
    for m in members:
        by_lr.setdefault(m["lr"], set()).add(m["status"])
    assert by_lr == {0.1: {"ok"}, 1e30: {"failed"}}
    value = store.load_value(train["key"])
    assert value["status"] == ["ok", "ok", "failed", "failed"]
    report = (Path(out) / "reports" / run / "report.md").read_text()
    failures = report.split("## Failures")[1].split("## Tasks")[0]
    assert failures.count("**failed**") == 4  # 2 members in the members table, 2 in the accuracies
    html = (Path(out) / "reports" / run / "report.html").read_text()
    assert html.count('<tr class="failed">') >= 4


def test_two_runs_with_the_same_seed_store_identical_numbers(tiny_store, tmp_path) -> None:
    out, _ = tiny_store
    other = str(tmp_path / "again")
    assert main(["run", MAIN_SPEC, "--preset", "tiny", "--out", other, *QUIET]) == 0
    first, second = artifact_files(out), artifact_files(other)
    assert first and first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []
    a, b = Store(out, create=False), Store(other, create=False)
    keys = [t["key"] for t in a.run_tasks(a.resolve_run("latest").id)]
    assert keys == [t["key"] for t in b.run_tasks(b.resolve_run("latest").id)]
    assert all(a.records(k) == b.records(k) for k in keys)  # metrics, tables, laws, claims


def test_a_rerun_reuses_everything_and_fresh_recomputes(tiny_copy, capsys) -> None:
    out, _ = tiny_copy
    assert main(["run", MAIN_SPEC, "--preset", "tiny", "--out", out, *QUIET]) == 0
    assert "10 reused" in capsys.readouterr().out
    assert main(["run", MAIN_SPEC, "--preset", "tiny", "--out", out, "--fresh", "--no-report", *QUIET]) == 0
    assert "10 computed" in capsys.readouterr().out


def _bad(argv: list[str], capsys) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.err.startswith("catdyn: ") and captured.err.count("\n") == 1  # one paragraph
    return captured.err


def test_an_unknown_preset_is_exit_2_and_writes_nothing(tmp_path, capsys) -> None:
    out = tmp_path / "store"
    err = _bad(["run", MAIN_SPEC, "--preset", "huge", "--out", str(out), *QUIET], capsys)
    assert "no preset 'huge'" in err and "full, smoke, tiny" in err
    assert not out.exists()


def test_an_unwritable_out_is_exit_2(tmp_path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    err = _bad(["run", MAIN_SPEC, "--out", str(blocker / "store"), *QUIET], capsys)
    assert "cannot write the store folder" in err and "--out" in err


def test_a_spec_with_no_experiment_is_exit_2(tmp_path, capsys) -> None:
    err = _bad(["run", str(SPECS / "no_experiment.py"), "--out", str(tmp_path / "s"), *QUIET], capsys)
    assert "defines no experiment" in err and not (tmp_path / "s").exists()


def test_a_spec_that_does_not_load_points_at_its_line(tmp_path, capsys) -> None:
    spec = tmp_path / "broken.py"
    spec.write_text("from catdyn import Experiment\nfrom catdyn.backends.numpy.morphisms import NormalDraws\n"
                    "exp = Experiment('e')\nexp.add('1', NormalDraws())\n")
    err = _bad(["run", str(spec), "--out", str(tmp_path / "s"), *QUIET], capsys)
    assert f"{spec}:4" in err and "already has a node 1" in err  # the point 1 is every diagram's


def test_debug_shows_the_traceback(tmp_path, capsys) -> None:
    assert main(["--debug", "run", MAIN_SPEC, "--preset", "huge", "--out", str(tmp_path / "s"), *QUIET]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_a_corrupted_artifact_is_found_refused_and_repaired_without_losing_anything(
    tiny_copy, capsys
) -> None:
    out, run = tiny_copy
    store = Store(out, create=False)
    train = next(t for t in store.run_tasks(run) if t["morphism"] == "train")["key"]
    store.close()
    damaged = Path(out) / "artifacts" / train[:2] / f"{train}.safetensors"
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    before = artifact_files(out)

    assert main(["verify", "--out", out]) == 1
    assert f"{train[:12]}) does not match its recorded SHA-256" in capsys.readouterr().out
    err = _bad(["run", MAIN_SPEC, "--preset", "tiny", "--out", out, *QUIET], capsys)
    assert "damaged values for 1 task(s) of this run: train" in err and "--repair" in err
    err = _bad(["report", run, "--out", out], capsys)
    assert "corrupted" in err
    assert artifact_files(out) == before  # nothing was touched

    assert main(["run", MAIN_SPEC, "--preset", "tiny", "--out", out, "--repair", *QUIET]) == 0
    printed = capsys.readouterr().out
    assert "1 computed" in printed and "9 reused" in printed  # only the damaged task is recomputed
    after = artifact_files(out)
    assert after[str(damaged.relative_to(out))] != bytes(data)
    assert {k: v for k, v in after.items() if "reports" not in k and k in before and train not in k} == {
        k: v for k, v in before.items() if train not in k
    }
    assert main(["verify", "--out", out]) == 0


def test_runs_verify_and_report_commands(tiny_copy, tmp_path, capsys) -> None:
    out, run = tiny_copy
    assert main(["runs", "--out", out]) == 0
    listing = capsys.readouterr().out
    assert run in listing and "digits-ensemble" in listing and "done" in listing
    assert main(["verify", run[:15], "--out", out]) == 0
    assert "intact" in capsys.readouterr().out
    to = tmp_path / "rep"
    assert main(["report", "latest", "--out", out, "--to", str(to)]) == 0
    assert {p.name for p in to.iterdir()} >= {"report.md", "report.html", "claims.json", "plots"}
    err = _bad(["report", "nope", "--out", out], capsys)
    assert "no run matches 'nope'" in err
    err = _bad(["verify", "--out", str(tmp_path / "nowhere")], capsys)
    assert "no catdyn store" in err
    assert os.path.exists(os.path.join(out, "catdyn.sqlite"))


def test_a_store_whose_database_is_not_sqlite_is_exit_2_and_left_alone(tmp_path, capsys) -> None:
    out = tmp_path / "store"
    out.mkdir()
    (out / "catdyn.sqlite").write_bytes(b"this is not a database" * 100)
    err = _bad(["runs", "--out", str(out)], capsys)
    assert "cannot be opened" in err and "not a catdyn store" in err
    assert (out / "catdyn.sqlite").read_bytes() == b"this is not a database" * 100


def test_a_folder_runs_every_spec_that_defines_an_experiment(tmp_path, capsys) -> None:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "a.py").write_text(
        "from catdyn import Experiment\nfrom catdyn.backends.numpy.morphisms import NormalDraws\n"
        "exp = Experiment('a')\nexp.add('x', NormalDraws(n=2))\n"
    )
    (folder / "b_no_experiment.py").write_text((SPECS / "no_experiment.py").read_text())
    assert main(["run", str(folder), "--out", str(tmp_path / "s"), "--no-report", *QUIET]) == 0
    assert "of a: ok (1 computed)" in capsys.readouterr().out
    err = _bad(["run", str(tmp_path / "s"), "--out", str(tmp_path / "s2"), *QUIET], capsys)  # no .py at all
    assert "defines no experiment" in err


def test_a_failing_task_blocks_only_what_needs_it_and_a_rerun_finishes_the_rest(
    tmp_path, monkeypatch, capsys
) -> None:
    chain, out, log = str(SPECS / "chain.py"), str(tmp_path / "s"), tmp_path / "log"
    monkeypatch.setenv("CATDYN_TEST_LOG", str(log))
    monkeypatch.setenv("CATDYN_TEST_FAIL", "c")
    assert main(["run", chain, "--out", out, "--progress", "quiet"]) == 1
    printed = capsys.readouterr().out
    assert "failed: c (ChainLink): ValueError: planted failure in c" in printed
    store = Store(out, create=False)
    outcome = {t["morphism"]: t["outcome"] for t in store.run_tasks(store.resolve_run("latest").id)}
    assert outcome["c"] == "failed" and {outcome[s] for s in "def"} == {"blocked"}
    assert outcome["a"] == outcome["b"] == "computed"
    assert outcome["leaf1"] == "computed" and outcome["leaf2"] == "blocked"  # leaf1 reads b, leaf2 reads c
    report = (Path(out) / "reports" / store.resolve_run("latest").id / "report.md").read_text()
    assert "planted failure in c" in report and "needs c, which did not finish" in report
    monkeypatch.delenv("CATDYN_TEST_FAIL")
    assert main(["run", chain, "--out", out, "--progress", "quiet", "--no-report"]) == 0
    starts = [line.split()[1] for line in log.read_text().splitlines() if line.startswith("start ")]
    assert starts.count("a") == 1 and starts.count("leaf1") == 1 and starts.count("c") == 2


def test_a_device_this_machine_lacks_is_exit_2_before_anything_is_written(tmp_path, capsys) -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    err = _bad(
        ["run", MAIN_SPEC, "--device", "cuda", "--out", str(tmp_path / "s"), "--progress", "quiet"], capsys
    )
    assert "device 'cuda' was asked for" in err and not (tmp_path / "s").exists()


def test_the_main_spec_is_also_a_target_of_catdyn_check(capsys) -> None:
    pytest.importorskip("torch")
    from catdyn.cli import main as catdyn_main

    assert catdyn_main(["check", MAIN_SPEC, "--examples", "10", "--seed", "0", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report and "naturality (symmetries)" in json.dumps(report)
