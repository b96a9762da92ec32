"""The experiment DSL and the compiler: keys follow content, mistakes are named."""

from __future__ import annotations

import pytest

from catdyn.errors import SpecError, UnknownObjectError
from catdyn.runner import Experiment, P
from catdyn.runner.compiler import compile_experiment


def _exp(n: int = 3, seed: int = 0, scale: float = 1.0) -> Experiment:
    exp = Experiment("e", seed=seed, presets={"smoke": {"n": n}, "full": {"n": 100}})
    xs, ys = exp.stage("xs", "array"), exp.stage("ys", "array")
    m1, m2 = exp.stage("m1", "metrics"), exp.stage("m2", "metrics")
    exp.step("draw", None, xs, op="random_normal", n=P("n"))
    exp.step("draw2", None, ys, op="random_normal", n=4, scale=scale)
    exp.step("sum", xs, m1, op="summarise")
    exp.step("sum2", ys, m2, op="summarise")
    return exp


def test_keys_change_exactly_downstream_of_what_changed() -> None:
    base = {t.step: t.key for t in compile_experiment(_exp()).tasks}
    assert base == {t.step: t.key for t in compile_experiment(_exp()).tasks}
    more = {t.step: t.key for t in compile_experiment(_exp(n=4)).tasks}
    assert more["draw"] != base["draw"] and more["sum"] != base["sum"]
    assert more["draw2"] == base["draw2"] and more["sum2"] == base["sum2"]
    scaled = {t.step: t.key for t in compile_experiment(_exp(scale=2.0)).tasks}
    assert scaled["draw2"] != base["draw2"] and scaled["draw"] == base["draw"]
    reseeded = {t.step: t.key for t in compile_experiment(_exp(seed=1)).tasks}
    assert not set(reseeded.values()) & set(base.values())
    assert {t.step: t.key for t in compile_experiment(_exp(), device="cuda").tasks}["draw"] != base["draw"]
    assert {t.step: t.key for t in compile_experiment(_exp(), "full").tasks}["draw"] != base["draw"]


def test_an_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(SpecError, match=r"no preset 'huge' \(it declares: full, smoke\)"):
        compile_experiment(_exp(), "huge")


def test_a_preset_missing_a_parameter_is_named() -> None:
    exp = Experiment("e", presets={"smoke": {}})
    exp.step("draw", None, exp.stage("xs", "array"), op="random_normal", n=P("n"))
    with pytest.raises(SpecError, match=r"uses P\('n'\) but preset 'smoke' does not set n"):
        compile_experiment(exp)


def test_kinds_must_meet() -> None:
    exp = Experiment("e")
    xs, m = exp.stage("xs", "array"), exp.stage("m", "metrics")
    exp.step("draw", None, xs, op="random_normal")
    exp.step("sum", m, exp.stage("m2", "metrics"), op="summarise")
    exp.step("sum0", xs, m, op="summarise")
    with pytest.raises(SpecError, match="summarise reads a array where stage m is a metrics"):
        compile_experiment(exp)


def test_a_step_with_the_wrong_number_of_inputs() -> None:
    exp = Experiment("e")
    xs = exp.stage("xs", "array")
    exp.step("draw", None, xs, op="random_normal")
    exp.step("sum", (xs, xs), exp.stage("m", "metrics"), op="summarise")
    with pytest.raises(SpecError, match="reads 1 stage"):
        compile_experiment(exp)


def test_an_unknown_operation_and_stage_are_named_with_the_spec_line() -> None:
    exp = Experiment("e")
    exp.step("draw", None, exp.stage("xs", "array"), op="no_such_op")
    with pytest.raises(UnknownObjectError, match="unknown operation no_such_op"):
        compile_experiment(exp)
    with pytest.raises(UnknownObjectError, match=r"test_runner_compiler.py:\d+: unknown stage ys"):
        exp.step("sum", "ys", exp.stage("m", "metrics"), op="summarise")


def test_each_stage_has_one_step_into_it_and_no_empty_experiment() -> None:
    exp = Experiment("e")
    xs = exp.stage("xs", "array")
    exp.step("draw", None, xs, op="random_normal")
    with pytest.raises(SpecError, match="already produced by step draw"):
        exp.step("draw_again", None, xs, op="random_normal")
    with pytest.raises(SpecError, match="has no steps"):
        compile_experiment(Experiment("empty"))


def test_the_diagram_has_an_edge_per_factor_of_a_product_domain() -> None:
    exp = _exp()
    exp.step("both", ("m1", "m2"), exp.stage("out", "any"), op="summarise")
    edges = sorted((u, v, k) for u, v, k in exp.graph().edges(keys=True))
    assert ("m1", "out", "both[0]") in edges and ("m2", "out", "both[1]") in edges
    assert ("1", "xs", "draw") in edges


def test_parameters_that_do_not_fit_the_operation_are_refused_before_running() -> None:
    exp = Experiment("e")
    exp.step("draw", None, exp.stage("xs", "array"), op="random_normal", n=3, sigma=2.0)
    with pytest.raises(
        SpecError, match=r"cannot call operation random_normal: .*'sigma'.*takes the parameters n, scale"
    ):
        compile_experiment(exp)
