"""The stability law on real landscape grids: held for the study's pipeline, refuted for a planted
violation, and bound by the spec so that `catdyn check` checks it."""

import os

import numpy as np

from catdyn.backends.torch.studies.persistence.laws import digits_landscapes, landscape_stability_law
from catdyn.checker.law import CheckConfig, check_law

SPEC = os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "..", "..", "specs", "persistence_generalisation.py"
)


def _small_grids():
    return digits_landscapes(widths=(64, 8, 10), seeds=(0, 1), train_steps=40, steps=7, samples=128)


def test_the_grids_are_real_landscapes_of_trained_networks() -> None:
    grids = _small_grids()
    assert len(grids) == 2
    for f, fa, fb in grids:
        assert f.shape == fa.shape == fb.shape == (7, 7)
        assert np.all(np.isfinite(f)) and f.min() > 0  # a cross-entropy landscape
        assert not np.allclose(fa, fb)  # two data halves: a real perturbation


def test_the_law_holds_for_the_study_s_pipeline() -> None:
    result = check_law(landscape_stability_law(_small_grids), CheckConfig(examples=25, seed=0))
    assert result.status == "held", result


def test_a_planted_violation_is_refuted() -> None:
    """A pipeline that reads the perturbed landscape relative to its trained point's loss (as plots
    often do) moves every birth by that loss: the essential class alone breaks the bound."""

    def relative(f: np.ndarray, eta: np.ndarray) -> np.ndarray:
        g = f + eta
        return g - g[g.shape[0] // 2, g.shape[1] // 2]

    result = check_law(
        landscape_stability_law(_small_grids, perturb=relative), CheckConfig(examples=25, seed=0)
    )
    assert result.status == "refuted"
    assert result.counterexample is not None and result.residual > 0.01


def test_catdyn_check_on_the_spec_checks_the_law(capsys) -> None:
    from catdyn.cli import main

    rc = main(["check", SPEC, "--examples", "8", "--json"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "persistence stability on real landscapes" in out and '"held"' in out
