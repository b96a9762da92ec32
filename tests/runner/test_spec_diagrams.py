"""Each diagram spec's docstring draws the diagram that runs: every morphism its diagram wires
is named in the docstring, and every arrow the docstring draws (``--Name-->``) is one that some
preset of the spec wires (the homotopy spec's ``KnownGroups`` runs only in its ``teeth`` presets)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from catdyn.experiments import ExperimentFamily
from catdyn.runner.spec import experiments, load_spec

SPECS = sorted((Path(__file__).resolve().parents[2] / "specs").glob("*.py"))


def _families() -> list[tuple[str, ExperimentFamily]]:
    pytest.importorskip("torch")
    out = []
    for path in SPECS:
        module = load_spec(str(path))
        out += [(path.name, e) for e in experiments(module) if isinstance(e, ExperimentFamily)]
    return out


def test_there_are_diagram_specs() -> None:
    assert {name for name, _ in _families()} >= {"transfer_pullback.py", "transfer_parity.py"}


def _wired(fam: ExperimentFamily, preset: str) -> set[str]:
    """The names of the morphisms ``preset`` wires (a projection drawn as its two legs)."""
    wired = {type(a.morphism).__name__ for a in fam.build(preset).arrows}
    return {"π_left" if w == "Project" else w for w in wired} | ({"π_right"} if "Project" in wired else set())


@pytest.mark.parametrize("preset", ["smoke", "full"])
def test_the_docstring_draws_the_executed_diagram(preset) -> None:
    for name, fam in _families():
        doc = load_spec(str(SPECS[[p.name for p in SPECS].index(name)])).__doc__
        wired = _wired(fam, preset)
        anywhere = set().union(*(_wired(fam, p) for p in fam.presets))
        drawn = set(re.findall(r"--([A-Zπ][\w]*)", doc))
        assert drawn <= anywhere, (name, drawn - anywhere)  # an arrow only one preset wires may be drawn
        missing = {w for w in wired if not re.search(rf"\b{re.escape(w)}\b", doc)}
        assert not missing, (name, missing)
