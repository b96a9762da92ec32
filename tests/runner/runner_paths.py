"""Paths and helpers shared by the runner tests.

They live in this plainly named module, not in ``conftest.py``: pytest imports every folder's
``conftest.py`` under the one module name ``conftest``, so ``from conftest import ...`` in a test
file gets whichever conftest was imported last (the torch backend's, when both folders are
collected in one call) and fails at collection. A module name used nowhere else in ``tests/``
imports the same way whatever is collected with it.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAIN_SPEC = str(ROOT / "specs" / "digits_ensemble.py")
SPECS = Path(__file__).resolve().parent / "specs"


def artifact_files(store: str) -> dict[str, bytes]:
    """Every artifact file of a store (relative path → bytes)."""
    out = {}
    for folder, _, files in os.walk(os.path.join(store, "artifacts")):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as fh:
                out[os.path.relpath(path, store)] = fh.read()
    return out
