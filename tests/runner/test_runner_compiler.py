"""Experiments and the compiler: keys follow content, mistakes are named where they are made."""

from __future__ import annotations

from typing import Any

import pytest

from catdyn import BackendMorphism, Experiment, ExperimentFamily, experiment
from catdyn.backends.numpy.morphisms import Moments, NormalDraws, Summarise
from catdyn.errors import NameClashError, SpecError, WiringError
from catdyn.runner.compiler import compile_experiment


class Difference(BackendMorphism):
    """The difference of two summaries (a morphism from a product)."""

    inputs, output = (Moments, Moments), Moments

    def run(self, ctx: Any, a: Moments, b: Moments) -> Moments:  # pragma: no cover - compiled only
        return Moments(a.mean - b.mean, a.std - b.std, a.n)


def _exp(n: int = 3, seed: int = 0, scale: float = 1.0) -> ExperimentFamily:
    def build(e: Experiment, p: Any) -> None:
        xs = e.add("xs", NormalDraws(n=p["n"]), name="draw")
        ys = e.add("ys", NormalDraws(n=4, scale=scale), name="draw2")
        e.add("m1", Summarise(), xs, name="sum")
        e.add("m2", Summarise(), ys, name="sum2")

    return ExperimentFamily("e", build, seed, {"smoke": {"n": n}, "full": {"n": 100}})


def _keys(fam: ExperimentFamily, preset: str = "smoke", device: str = "cpu") -> dict[str, str]:
    return {t.arrow: t.key for t in compile_experiment(fam, preset, device).tasks}


def test_keys_change_exactly_downstream_of_what_changed() -> None:
    base = _keys(_exp())
    assert base == _keys(_exp())
    more = _keys(_exp(n=4))
    assert more["draw"] != base["draw"] and more["sum"] != base["sum"]
    assert more["draw2"] == base["draw2"] and more["sum2"] == base["sum2"]
    scaled = _keys(_exp(scale=2.0))
    assert scaled["draw2"] != base["draw2"] and scaled["draw"] == base["draw"]
    reseeded = _keys(_exp(seed=1))
    assert not set(reseeded.values()) & set(base.values())
    assert _keys(_exp(), device="cuda")["draw"] != base["draw"]
    assert _keys(_exp(), "full")["draw"] != base["draw"]


def test_an_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(SpecError, match=r"no preset 'huge' \(it declares: full, smoke\)"):
        compile_experiment(_exp(), "huge")


def test_a_preset_missing_a_parameter_is_named_with_the_spec_line() -> None:
    with pytest.raises(SpecError, match=r"test_runner_compiler.py:\d+: experiment e reads p\['n'\], but preset "
                                        r"'smoke' does not set n"):

        @experiment(name="e", presets={"smoke": {}})
        def build(e: Experiment, p: Any) -> None:
            e.add("xs", NormalDraws(n=p["n"]))


def test_types_must_meet_and_both_are_named() -> None:
    e = Experiment("e")
    xs = e.add("xs", NormalDraws(), name="draw")
    m = e.add("m", Summarise(), xs)
    with pytest.raises(WiringError, match=r"Summarise: Sample → Moments reads a Sample as its input 1, but it is "
                                          r"wired to m, a Moments made by Summarise: xs → m"):
        e.add("m2", Summarise(), m)


def test_a_morphism_with_the_wrong_number_of_inputs() -> None:
    e = Experiment("e")
    xs = e.add("xs", NormalDraws())
    with pytest.raises(WiringError, match=r"reads 1 value\(s\) \(Sample\) but is wired to 2 \(Sample × Sample\)"):
        e.add("m", Summarise(), xs, xs)


def test_a_non_morphism_and_a_foreign_node_are_named_with_the_spec_line() -> None:
    e = Experiment("e")
    with pytest.raises(SpecError, match=r"test_runner_compiler.py:\d+: 'no_such_op' wired into xs is not a backend"):
        e.add("xs", "no_such_op")  # type: ignore[arg-type]
    other = Experiment("other")
    ys = other.add("ys", NormalDraws())
    with pytest.raises(WiringError, match=r"test_runner_compiler.py:\d+: .*not an object of experiment e"):
        e.add("m", Summarise(), ys)


def test_each_node_has_one_arrow_into_it_and_no_empty_experiment() -> None:
    e = Experiment("e")
    e.add("xs", NormalDraws(), name="draw")
    with pytest.raises(NameClashError, match="already has a node xs"):
        e.add("xs", NormalDraws(), name="draw_again")
    with pytest.raises(SpecError, match="has no morphisms"):
        compile_experiment(Experiment("empty"))


def test_an_arrow_from_a_product_reads_each_factor_in_order() -> None:
    e = _exp().build("smoke")
    e.add("out", Difference(), e.object("m1"), e.object("m2"), name="both")  # type: ignore[arg-type]
    (both,) = [s for s in e.describe()["steps"] if s["name"] == "both"]
    assert both["dom"] == ["m1", "m2"]
    edges = sorted((u, v, k) for u, v, k in e.graph().edges(keys=True))
    assert ("m1 × m2", "out", "both") in edges and ("1", "xs", "draw") in edges
    tasks = {t.arrow: t for t in compile_experiment(e).tasks}
    assert tasks["both"].inputs == (tasks["sum"].key, tasks["sum2"].key)


def test_parameters_that_do_not_fit_the_morphism_are_refused_before_running() -> None:
    with pytest.raises(SpecError, match=r"NormalDraws got invalid parameters: sigma: Extra inputs are not permitted"):
        NormalDraws(n=3, sigma=2.0)
    with pytest.raises(SpecError, match=r"NormalDraws got invalid parameters: scale: Input should be greater than 0"):
        NormalDraws(scale=-1.0)
