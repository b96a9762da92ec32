"""The Python examples of docs/writing-morphisms.md and docs/writing-experiments.md run, in
order, in one module (the experiment page uses the morphisms the first page defines)."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _blocks(name: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / name).read_text(), flags=re.S)


def test_the_writing_guides_run(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    module = types.ModuleType("catdyn_docs_example")
    sys.modules[module.__name__] = module  # the runner finds the morphisms by qualified name
    try:
        for block in _blocks("writing-morphisms.md") + _blocks("writing-experiments.md"):
            exec(compile(block, "docs example", "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    assert module.summary.ok


def test_the_runner_guides_example_runs_and_its_equation_holds(tmp_path) -> None:
    from catdyn.runner.run import run_experiment

    module = types.ModuleType("catdyn_runner_docs_example")
    (block,) = _blocks("runner.md")
    exec(compile(block, "docs/runner.md example", "exec"), module.__dict__)
    summary = run_experiment(module.draws, str(tmp_path), report=False)
    assert summary.ok and [o.arrow for o in summary.outcomes][-1] == "= same draws"
