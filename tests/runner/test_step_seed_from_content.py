"""Issue 13: an arrow's seed comes from its name unless it asks for its content, so two arrows
that compute the same thing can draw the same numbers (and an equation between them holds)."""

from __future__ import annotations

import pytest

from catdyn import Experiment
from catdyn.backends.numpy.morphisms import NormalDraws, Summarise
from catdyn.errors import SpecError
from catdyn.runner.compiler import compile_experiment
from catdyn.runner.run import run_experiment


def _twins(seed_from: str, n_right: int = 3) -> Experiment:
    exp = Experiment("twins", seed=0)
    xs = exp.add("xs", NormalDraws(n=3), name="draw", seed_from=seed_from)
    ys = exp.add("ys", NormalDraws(n=n_right), name="draw_again", seed_from=seed_from)
    mx = exp.add("mx", Summarise(), xs, name="sum", seed_from=seed_from)
    my = exp.add("my", Summarise(), ys, name="sum_again", seed_from=seed_from)
    exp.equation("same draw", mx, my, atol=1e-12)
    return exp


def test_seeds_from_names_differ_and_seeds_from_content_agree() -> None:
    by_name = {t.arrow: t.seed for t in compile_experiment(_twins("name")).tasks}
    assert by_name["draw"] != by_name["draw_again"] and by_name["sum"] != by_name["sum_again"]
    by_content = {t.arrow: t.seed for t in compile_experiment(_twins("content")).tasks}
    assert by_content["draw"] == by_content["draw_again"] and by_content["sum"] == by_content["sum_again"]
    other = {t.arrow: t.seed for t in compile_experiment(_twins("content", n_right=4)).tasks}
    assert other["draw"] != other["draw_again"] and other["sum"] != other["sum_again"]  # content differs


def test_content_seeds_see_the_seeds_of_name_seeded_inputs() -> None:
    """Two name-seeded draws of the same morphism hold different numbers, so content-seeded
    arrows reading them compute different things and must not share a seed."""
    exp = Experiment("mixed", seed=0)
    xs = exp.add("xs", NormalDraws(n=3), name="draw")
    ys = exp.add("ys", NormalDraws(n=3), name="draw_again")
    exp.add("mx", Summarise(), xs, name="sum", seed_from="content")
    exp.add("my", Summarise(), ys, name="sum_again", seed_from="content")
    seeds = {t.arrow: t.seed for t in compile_experiment(exp).tasks}
    assert seeds["draw"] != seeds["draw_again"]
    assert seeds["sum"] != seeds["sum_again"]


def test_an_equation_between_identical_arrows_holds_when_seeded_by_content(tmp_path) -> None:
    assert not run_experiment(_twins("name"), str(tmp_path / "by_name"), report=False).ok
    assert run_experiment(_twins("content"), str(tmp_path / "by_content"), report=False).ok


def test_an_unknown_seed_source_is_a_spec_error() -> None:
    exp = Experiment("e")
    with pytest.raises(SpecError, match="seed_from='step'"):
        exp.add("x", NormalDraws(), seed_from="step")
