"""Diagram experiments: compiled into tasks keyed by the morphisms' serialisations, run, their
pullback's square checked (a planted broken solver is refuted), miswiring refused at load."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from catdyn.cli import main as cli_main
from catdyn.draw import COLOURS
from catdyn.runner.commands import main
from catdyn.runner.compiler import compile_experiment
from catdyn.runner.spec import experiments, load_spec

SPECS = Path(__file__).resolve().parent / "specs"
TOY = str(SPECS / "toy_diagram.py")
SVG = "{http://www.w3.org/2000/svg}"


def _toy():
    (fam,) = experiments(load_spec(TOY))
    return fam


def test_every_arrow_is_one_task_and_the_square_a_check_task() -> None:
    plan = compile_experiment(_toy(), "smoke")
    steps = [t.arrow for t in plan.tasks]
    assert steps == ["Draw", "start", "solve P", "π_left P", "π_right P", "Linear ∘ π_left P",
                     "Linear ∘ π_right P", "NormClaim", "= P: the square commutes"]
    by = {t.arrow: t for t in plan.tasks}
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
        "from catdyn.runner.spec import experiments, load_spec\n"
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


def _report_svg(out: Path) -> str:
    """The diagram the report's HTML holds inline."""
    page = next((out / "reports").iterdir()) / "report.html"
    found = re.search(r'<div class="diagram">(<svg .*?</svg>)\s*</div>', page.read_text(), re.S)
    assert found, "the report holds no inline SVG diagram"
    return found.group(1)


_STATUS = r"(?:proved|held|refuted|error|unchecked|computed|reused|failed|blocked|reproduced|not-reproduced|" \
          r"not reproduced|inconclusive|not-measured|not measured)"


def _uncoloured(svg: str) -> str:
    """The drawing without its verdicts and outcomes: status classes, fills, marks, status words."""
    svg = re.sub(rf'class="(face|object|arrow [a-z]+) {_STATUS}"', r'class="\1"', svg)
    svg = re.sub(r'fill="#[0-9a-f]{6}"', 'fill=""', svg)
    svg = re.sub(r'class="mark">[^<]*<', 'class="mark"><', svg)
    svg = re.sub(rf"; claims: {_STATUS}", "", svg)
    svg = re.sub(rf": {_STATUS}</title>", "</title>", svg)
    return re.sub(rf"— {_STATUS}<", "— <", svg)


def test_the_report_embeds_the_drawing_catdyn_draw_makes(tmp_path) -> None:
    out = tmp_path / "s"
    assert main(["run", TOY, "--out", str(out), "--progress", "quiet"]) == 0
    svg = _report_svg(out)
    assert cli_main(["draw", TOY, "--preset", "smoke", "--out", str(tmp_path / "toy.svg")]) == 0
    drawn = (tmp_path / "toy.svg").read_text().strip()
    assert svg != drawn  # the report's carries the run: outcomes and the square's verdict
    assert _uncoloured(svg) == _uncoloured(drawn)
    root = ET.fromstring(svg)
    desc = _toy().build("smoke").describe()
    objects = [t.text for g in root.iter(f"{SVG}g") if g.get("class", "").startswith("object")
               for t in g.iter(f"{SVG}text")]
    products = {" × ".join(s["dom"]) for s in desc["steps"] if len(s["dom"]) > 1}
    assert sorted(objects) == sorted(["1", *(s["name"] for s in desc["stages"]), *["×"] * len(products)])
    arrows = [g.find(f"{SVG}title").text.rsplit(": ", 1)[0] for g in root.iter(f"{SVG}g")
              if g.get("class", "").startswith("arrow solid")]
    assert sorted(arrows) == sorted(s["name"] for s in desc["steps"])  # one arrow per morphism
    assert len(root.findall(f".//{SVG}g[@class='arrow solid computed']")) == len(desc["steps"])
    (face,) = root.findall(f".//{SVG}g[@class='face held']")
    assert face.find(f"{SVG}polygon").get("fill") == COLOURS["held"]
    assert len(face.find(f"{SVG}polygon").get("points").split()) == 11  # round the square, not a line
    assert "P: the square commutes — held" in svg
    assert (next((out / "reports").iterdir()) / "plots" / "diagram.svg").read_text().strip() == svg


def test_the_report_colours_a_planted_failing_equation_refuted(tmp_path) -> None:
    env = dict(os.environ, CATDYN_TOY_BROKEN="1")
    out = tmp_path / "s"
    done = subprocess.run([sys.executable, "-m", "catdyn.cli", "run", TOY, "--out", str(out), "--progress", "quiet"],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    root = ET.fromstring(_report_svg(out))
    (face,) = root.findall(f".//{SVG}g[@class='face refuted']")
    assert face.find(f"{SVG}polygon").get("fill") == COLOURS["refuted"]
    assert face.find(f"{SVG}title").text == "P: the square commutes: refuted"
    assert not root.findall(f".//{SVG}g[@class='face held']")
