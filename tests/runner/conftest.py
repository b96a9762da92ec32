"""Shared set-up of the runner tests: the main spec's ``tiny`` preset, run once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from runner_paths import MAIN_SPEC


@pytest.fixture(scope="session")
def tiny_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A store holding one run of the main spec's tiny preset: (store folder, run id)."""
    pytest.importorskip("torch")
    from catdyn.runner.commands import main
    from catdyn.runner.store import Store

    out = str(tmp_path_factory.mktemp("tiny") / "store")
    assert (
        main(["run", MAIN_SPEC, "--preset", "tiny", "--device", "cpu", "--out", out, "--progress", "quiet"])
        == 0
    )
    store = Store(out, create=False)
    run = store.resolve_run("latest").id
    store.close()
    return out, run


@pytest.fixture
def tiny_copy(tiny_store: tuple[str, str], tmp_path: Path) -> tuple[str, str]:
    """A private copy of the tiny store (for tests that damage it)."""
    out, run = tiny_store
    dst = str(tmp_path / "store")
    shutil.copytree(out, dst)
    return dst, run

