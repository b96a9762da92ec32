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
