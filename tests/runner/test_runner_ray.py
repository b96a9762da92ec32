"""The Ray executor on a local Ray instance gives the local executor's numbers, bit for bit."""

from __future__ import annotations

import os

import pytest
from runner_paths import MAIN_SPEC, artifact_files

from catdyn.runner.commands import main
from catdyn.runner.store import Store

pytest.importorskip("ray", reason="the optional ray extra is not installed")
pytest.importorskip("torch")


def test_ray_and_local_store_the_same_numbers(tiny_store, tmp_path, monkeypatch, capsys) -> None:
    local_out, local_run = tiny_store
    ray_out = str(tmp_path / "ray")
    work = tmp_path / "work"  # Ray's workers start here: they too keep their tool state under --out
    work.mkdir()
    monkeypatch.chdir(work)
    assert (
        main(
            [
                "run",
                MAIN_SPEC,
                "--preset",
                "tiny",
                "--device",
                "cpu",
                "--executor",
                "ray",
                "--out",
                ray_out,
                "--progress",
                "quiet",
                "--no-report",
            ]
        )
        == 0
    )
    assert "10 computed" in capsys.readouterr().out
    assert os.listdir(work) == []
    ray_store, local_store = Store(ray_out, create=False), Store(local_out, create=False)
    assert ray_store.resolve_run("latest").executor == "ray"
    ray_keys = [t["key"] for t in ray_store.run_tasks(ray_store.resolve_run("latest").id)]
    assert sorted(ray_keys) == sorted(t["key"] for t in local_store.run_tasks(local_run))  # order: completion
    local, ray = artifact_files(local_out), artifact_files(ray_out)
    assert local.keys() == ray.keys() and [k for k in local if local[k] != ray[k]] == []
    for key in ray_keys:  # the records (metrics, tables, laws, claims) agree too
        assert ray_store.records(key) == local_store.records(key)
