"""Diagram experiments: compiled into tasks keyed by the morphisms' serialisations, run, their
pullback's square checked (a planted broken solver is refuted), miswiring refused at load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from catdyn.runner.commands import main
from catdyn.runner.compiler import compile_experiment
from catdyn.runner.experiment import experiments, load_spec

SPECS = Path(__file__).resolve().parent / "specs"
TOY = str(SPECS / "toy_diagram.py")


def _toy():
    (fam,) = experiments(load_spec(TOY))
    return fam


def test_every_arrow_is_one_task_and_the_square_a_check_task() -> None:
    plan = compile_experiment(_toy(), "smoke")
    steps = [t.step for t in plan.tasks]
    assert steps == ["Draw", "start", "solve P", "π_left P", "π_right P", "Linear ∘ π_left P",
                     "Linear ∘ π_right P", "NormClaim", "= P: the square commutes"]
    by = {t.step: t for t in plan.tasks}
    assert by["solve P"].inputs == (by["Draw"].key, by["start"].key)
    # the solve task is told the cospan's legs (so its key covers them)
    assert [leg["params"]["matrix"] for leg in by["solve P"].params["legs"]] == [[[1.0, 2.0], [0.0, 1.0]],
                                                                                [[2.0, 0.0], [0.0, 4.0]]]
    assert by["= P: the square commutes"].inputs == (by["Linear ∘ π_left P"].key,
                                                     by["Linear ∘ π_right P"].key)


def test_a_task_key_follows_the_validated_parameters() -> None:
    from catdyn.experiments import Experiment
    from catdyn.runner.compiler import compile_diagram

    mod = load_spec(TOY)

    def plan(n, bound):
        e = Experiment("k")
        x = e.add("X", mod.Draw(n=n))
        e.add("C", mod.NormClaim(bound=bound), x)
        return [t.key for t in compile_diagram(e).tasks]

    assert plan(2, 1.0) == plan(2, 1.0)
    assert plan(2, 1.0)[0] == plan(2, 2.0)[0] and plan(2, 1.0)[1] != plan(2, 2.0)[1]
    assert plan(2, 1.0)[1] != plan(3, 1.0)[1]  # an input's key changes everything downstream
    assert plan("2", 1.0) == plan(2, 1.0)  # validated (coerced) parameters, not their spelling


def test_the_toy_diagram_runs_and_its_square_holds(tmp_path, capsys) -> None:
    out = str(tmp_path / "s")
    assert main(["run", TOY, "--out", out, "--progress", "quiet"]) == 0
    report = next((Path(out) / "reports").iterdir())
    claims = json.loads((report / "claims.json").read_text())["claims"]
    assert [c["step"] for c in claims] == ["NormClaim"]
    md = (report / "report.md").read_text()
    assert "law **equation P: the square commutes" in md and ": held" in md
    # every claim's step is an arrow of the drawn diagram
    from catdyn.runner.store import Store

    store = Store(out, create=False)
    drawn = {s["name"] for s in store.run_config(store.resolve_run("latest").id)["experiment"]["steps"]}
    assert {c["step"] for c in claims} <= drawn


def test_a_solver_that_ignores_the_constraint_is_refuted_by_the_square(tmp_path) -> None:
    env = dict(os.environ, CATDYN_TOY_BROKEN="1")
    out = subprocess.run([sys.executable, "-m", "catdyn.cli", "run", TOY, "--out", str(tmp_path / "s"),
                          "--progress", "quiet"], env=env, capture_output=True, text=True)
    assert out.returncode == 1, out.stderr
    assert "P: the square commutes" in out.stdout and "refuted" in out.stdout


@pytest.mark.parametrize("command", ["run", "check"])
def test_a_miswired_spec_exits_2_naming_both_morphisms_and_types(tmp_path, command) -> None:
    spec = str(SPECS / "miswired_diagram.py")
    args = [sys.executable, "-m", "catdyn.cli", command, spec]
    if command == "run":
        args += ["--out", str(tmp_path / "s")]
    out = subprocess.run(args, capture_output=True, text=True)
    assert out.returncode == 2
    text = out.stdout + out.stderr
    for piece in ("Verdicts: Claims → Claims", "reads a Claims", "Rows: 1 → Rows", "a Table"):
        assert piece in text, text
    assert not (tmp_path / "s").exists() or not any((tmp_path / "s").iterdir())


def test_compiling_a_diagram_imports_no_torch() -> None:
    code = (
        "import sys, catdyn\n"
        "from catdyn.runner.experiment import experiments, load_spec\n"
        "from catdyn.runner.compiler import compile_experiment\n"
        f"compile_experiment(experiments(load_spec({TOY!r}))[0], 'smoke')\n"
        "from catdyn.experiments import Experiment\n"
        "from catdyn.backends.torch.transfer.morphisms import TransferSplits, TrainSource, FibreSolve\n"
        "e = Experiment('t'); t = e.add('T', TransferSplits()); e.add('S', TrainSource(), t)\n"
        "from catdyn.runner.compiler import compile_diagram; compile_diagram(e)\n"
        "from catdyn.morphisms import registered; registered()\n"
        "print(','.join(m for m in ('torch', 'gudhi', 'ray') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_report_draws_one_arrow_per_morphism_and_colours_faces() -> None:
    from catdyn.runner.report import _diagram_graph, plot_diagram

    desc = _toy().build("smoke").describe()
    g = _diagram_graph(desc)
    arrows = [d["step"] for _, _, d in g.edges(data=True) if not d["projection"]]
    assert sorted(arrows) == sorted(s["name"] for s in desc["steps"])
    (square,) = desc["equations"]
    assert square["face"] == ["P", "P.left", "Linear(P.left)", "Linear(P.right)", "P.right"]
    for verdict in ("held", "refuted"):
        assert plot_diagram(desc, {}, {square["name"]: verdict}, {"NormClaim": ["reproduced"]})[:4] == b"\x89PNG"
