"""Declared equations of an experiment are checked on the computed values, and can fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from runner_paths import MAIN_SPEC

from catdyn import Experiment
from catdyn.backends.numpy.morphisms import NormalDraws, Summarise
from catdyn.errors import SpecError, WiringError
from catdyn.runner.commands import main
from catdyn.runner.run import run_experiment
from catdyn.runner.store import Store


def _two_draws(n_right: int) -> Experiment:
    exp = Experiment("eq", seed=0)
    xs = exp.add("xs", NormalDraws(n=3), name="draw")
    ys = exp.add("ys", NormalDraws(n=n_right), name="draw_again")
    mx = exp.add("mx", Summarise(), xs, name="sum")
    my = exp.add("my", Summarise(), ys, name="sum_again")
    exp.equation("same size", mx, my, atol=1e-12)
    return exp


def test_a_false_equation_is_refuted_and_fails_the_run(tmp_path) -> None:
    summary = run_experiment(_two_draws(3), str(tmp_path), report=False)
    # different arrows draw with different seeds: their means differ, and the check says so
    assert not summary.ok and summary.failed_laws == ["= same size: equation same size: mx = my refuted"]
    store = Store(str(tmp_path))
    key = next(o.key for o in summary.outcomes if o.arrow == "= same size")
    ((_, _, residual, data),) = store.records(key, "law")
    assert residual > 0 and data["counterexample"]["detail"] in (
        f"largest difference {residual:.3g} at .mean", f"largest difference {residual:.3g} at .std"
    )


def test_an_equation_between_nodes_of_different_types_is_refused_naming_both() -> None:
    exp = _two_draws(3)
    with pytest.raises(WiringError, match="equation mixed reads a Sample as its right-hand side, but it is wired to "
                                          "mx, a Moments"):
        exp.equation("mixed", exp.object("xs"), exp.object("mx"))
    with pytest.raises(SpecError, match=r"test_runner_equations.py:\d+: equation self of experiment eq equates node xs "
                                        r"with itself"):
        exp.equation("self", exp.object("xs"), exp.object("xs"))


def test_a_broken_symmetry_action_is_caught_by_the_runs_own_square(tmp_path, capsys) -> None:
    """Mutation: P_σ drawn with another σ than the one acting on the parameters."""
    pytest.importorskip("torch")
    text = Path(MAIN_SPEC).read_text()
    assert text.count("PermuteRep(sigma_seed=SIGMA,") == 1
    mutated = tmp_path / "mutated_spec.py"
    mutated.write_text(text.replace("PermuteRep(sigma_seed=SIGMA,", "PermuteRep(sigma_seed=SIGMA + 1,"))
    assert (
        main(
            [
                "run",
                str(mutated),
                "--preset",
                "tiny",
                "--device",
                "cpu",
                "--out",
                str(tmp_path / "s"),
                "--progress",
                "quiet",
                "--no-report",
            ]
        )
        == 1
    )
    printed = capsys.readouterr().out
    assert "law not held: = realisation commutes with σ" in printed and "refuted" in printed


def test_the_realisation_law_refutes_a_tampered_stored_realisation(tiny_store) -> None:
    """Mutation: the stored R(θ) with two coordinates swapped no longer commutes with σ."""
    import dataclasses

    from catdyn.backends.torch.functors.population_realisation import realisation_law
    from catdyn.values import Dataset, Population, RepresentationTable

    out, run = tiny_store
    store = Store(out, create=False)
    keys = {t["morphism"]: t["key"] for t in store.run_tasks(run)}
    pop, data, rep = (kind.from_tree(store.load_value(keys[s]))
                      for kind, s in ((Population, "train"), (Dataset, "load"), (RepresentationTable, "realise")))
    assert realisation_law(pop, data, rep, "test", 10, 1e-5, 0, "tiny").status == "held"
    tampered = rep.features.clone()
    tampered[..., [0, 1]] = tampered[..., [1, 0]]
    result = realisation_law(pop, data, dataclasses.replace(rep, features=tampered), "test", 10, 1e-5, 0, "tiny")
    assert result.status == "refuted" and result.residual > 1e-3


def test_largest_difference_compares_dicts_by_key_and_equal_infinities_as_equal() -> None:
    import math

    import numpy as np

    from catdyn.runner.equations import largest_difference

    assert largest_difference({"a": 1.0, "b": 2.0}, {"b": 2.0, "a": 1.0}, 0.0, 0.0)[2]
    assert not largest_difference({"a": 1.0}, {"a": 1.0, "b": 2.0}, 0.0, 0.0)[2]
    assert largest_difference(np.array([np.inf, -np.inf, 1.0]), np.array([np.inf, -np.inf, 1.0]), 0.0, 1e-9)[2]
    worst, where, ok = largest_difference(np.array([1.0, np.inf]), np.array([1.0, 5.0]), 1e-6, 1e-6)
    assert (worst, where, ok) == (math.inf, "[1]", False)
    assert not largest_difference(np.array([np.inf]), np.array([-np.inf]), 0.0, 1e-9)[2]
    assert not largest_difference(np.array([np.nan]), np.array([0.0]), 0.0, 1e-9)[2]
    assert largest_difference(np.array([np.nan, 2.0]), np.array([np.nan, 2.0 + 1e-12]), 1e-9, 0.0)[2]
