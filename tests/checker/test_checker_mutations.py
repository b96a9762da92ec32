"""Mutation tests: every planted violation in specs/broken is refuted with a minimal
counterexample, asserted on its content (arguments and both sides), not only its status."""

from pathlib import Path

import pytest

from catdyn.checker import CheckConfig
from catdyn.checker.discovery import discover
from catdyn.checker.law import check_law
from catdyn.checker.report import check_spec

BROKEN = Path(__file__).resolve().parents[2] / "specs" / "broken"
CONFIG = CheckConfig(examples=100, seed=0)


def results(name: str, config: CheckConfig = CONFIG) -> dict[str, object]:
    report = check_spec(BROKEN / name, config)
    assert report.invalid is None, report.invalid
    return {r.law: r for r in report.results}


def test_every_broken_spec_has_a_refuted_law():
    files = sorted(BROKEN.glob("*.py"))
    assert len(files) >= 8
    for f in files:
        assert any(r.status == "refuted" for r in check_spec(f, CONFIG).results), f.name


def test_functor_breaking_identities_is_refuted_at_the_two_element_set():
    rs = results("functor_identity.py")
    r = rs["preserves identities"]
    assert r.status == "refuted"
    assert r.counterexample.arguments == (("X", "S2"),)
    assert r.counterexample.rhs == "id_S2: S2 → S2 [0↦0, 1↦1]"
    assert r.counterexample.lhs.endswith("S2 → S2 [0↦0, 1↦0]")
    assert rs["preserves composition"].status == "held"  # constants do compose


def test_functor_breaking_composition_on_some_pairs_is_refuted_on_a_small_pair():
    rs = results("functor_composition.py")
    assert rs["preserves identities"].ok
    r = rs["preserves composition"]
    assert r.status == "refuted" and r.examples >= 1
    (fname, f), (gname, g) = r.counterexample.arguments
    assert (fname, gname) == ("f", "g")
    # shrunk: f from the one-element set, both sets small, and g not injective
    assert f.startswith("f: S1 → ")
    assert all(f"S{n}" not in f + g for n in (4, 5))
    assert r.counterexample.lhs != r.counterexample.rhs
    assert "differ at 1 element(s)" in r.counterexample.detail


def test_square_wrong_at_one_element_is_refuted_at_that_element():
    r = results("square_one_element.py")["equation 1: shift >> mod4 = mod4 >> shift4"]
    assert (r.status, r.engine) == ("refuted", "exhaustive")
    assert r.counterexample.arguments == (("x ∈ Z8", "5"),)
    assert (r.counterexample.lhs, r.counterexample.rhs) == ("2", "3")


def test_pullback_with_swapped_projections_fails_its_square_and_factorisation():
    rs = results("pullback_swapped.py")
    sq = rs["square commutes"]
    assert sq.status == "refuted" and sq.counterexample.lhs != sq.counterexample.rhs
    fac = rs["every cone factors"]
    assert fac.status == "refuted"
    assert fac.counterexample.arguments[0][1].startswith("cone from X: x_A: X → A [0↦")  # a one-point cone
    assert fac.counterexample.lhs != fac.counterexample.rhs


def test_pullback_with_too_large_apex_is_refuted_by_uniqueness_showing_two_factorisations():
    rs = results("pullback_too_large.py")
    assert rs["square commutes"].status == "proved"
    assert rs["every cone factors"].status == "held"
    r = rs["factorisation is unique"]
    assert (r.status, r.engine) == ("refuted", "exhaustive")
    assert r.counterexample.arguments == (("cone", "cone from X: x_A: X → A [0↦1]; x_B: X → B [0↦0]"),)
    assert r.counterexample.lhs == "[u1: X → P+1 [0↦1], u2: X → P+1 [0↦3]]"
    assert r.counterexample.rhs == "exactly one factorisation"


def test_non_natural_transformation_is_refuted_at_the_smallest_map_moving_zero():
    r = results("not_natural.py")["naturality"]
    assert r.status == "refuted"
    assert r.counterexample.arguments == (("f", "f: S1 → S2 [0↦1]"),)
    assert r.counterexample.lhs.endswith("S1 → S2 [0↦0]") and r.counterexample.rhs.endswith("S1 → S2 [0↦1]")


def test_mat_functor_wrong_only_symbolically_is_caught_by_proof_not_sampling():
    r = results("mat_symbolic_only.py")["preserves composition"]
    assert (r.status, r.engine) == ("refuted", "symbolic")
    assert "sin(36*" in r.counterexample.detail and "g_0_0 = 1/7" in r.counterexample.detail
    assert r.counterexample.arguments[1] == ("g", "g: V1 → V1 Matrix([[1/7]])")  # confirmed on numbers
    sampled = results("mat_symbolic_only.py", CheckConfig(examples=60, seed=0, engines=("hypothesis",)))
    assert sampled["preserves composition"].status == "held"  # sampling alone cannot see it


def test_numeric_law_off_by_more_than_its_tolerance():
    import numpy as np

    (checkable,) = discover(BROKEN / "numeric_tolerance.py")
    r = check_law(checkable.laws[0], CONFIG)
    assert (r.status, r.comparison) == ("refuted", "tolerance")
    ((name, shown),) = r.counterexample.arguments
    x = float(shown)
    assert name == "x" and 0.5 <= abs(x) <= 2.0  # shrunk to a small, simple point
    assert r.residual == pytest.approx(abs(x * (27 + x * x) / (27 + 9 * x * x) - np.tanh(x)))
    assert r.residual > 1e-4


def test_symbolic_pass_over_some_dimensions_is_not_a_proof_of_the_whole_law():
    rs = results("mat_wrong_beyond_dim3.py")
    ident = rs["preserves identities"]
    assert ident.status == "refuted"
    (name, shown), = ident.counterexample.arguments
    assert name == "X" and "4" in shown  # a space of dimension 4 (or more)
    assert rs["preserves composition"].status == "refuted"


def test_correct_symbolic_laws_over_all_of_matq_are_held_not_proved():
    from catdyn import Functor
    from catdyn.categories.mat import MatQ
    from catdyn.checker import check_laws, functor_laws

    statuses = [r.status for r in check_laws(functor_laws(Functor.identity(MatQ)), CONFIG)]
    assert statuses == ["held", "held"]
    listed = [MatQ.object("A", 2), MatQ.object("B", 3)]
    statuses = [r.status for r in check_laws(functor_laws(Functor.identity(MatQ), objects=listed), CONFIG)]
    assert statuses == ["proved", "proved"]


def test_wrong_identities_are_refuted_at_a_two_element_set():
    rs = results("category_identity.py")
    for law in ("left identity", "right identity"):
        r = rs[law]
        assert r.status == "refuted"
        ((name, shown),) = r.counterexample.arguments
        assert name == "f" and "S2" in shown
    assert rs["associativity"].status in ("held", "proved")


def test_non_associative_composition_is_refuted_by_enumeration():
    rs = results("category_associativity.py")
    assert rs["left identity"].status == rs["right identity"].status == "proved"
    r = rs["associativity"]
    assert (r.status, r.engine) == ("refuted", "exhaustive")
    f, g, h = (int(v.split(":")[0]) for _, v in r.counterexample.arguments)
    a = (f + g + f * g * (f - g)) % 7
    lhs = (a + h + a * h * (a - h)) % 7
    b = (g + h + g * h * (g - h)) % 7
    rhs = (f + b + f * b * (f - b)) % 7
    assert lhs != rhs
    assert r.counterexample.lhs.startswith(f"{lhs}: ") and r.counterexample.rhs.startswith(f"{rhs}: ")


# --- issue 13: bugs outside the old sampling range, one planted spec per hole -------------------
def test_symbolic_engine_no_longer_proves_a_functor_that_branches_on_rank():
    rs = check_spec(BROKEN / "mat_pinv_functor.py", CONFIG).results
    comp = [r for r in rs if r.law == "preserves composition"]
    assert [r.status for r in comp] == ["refuted", "refuted"]  # all of MatQ; then over one plane
    assert [r.where.rsplit(":", 1)[1] for r in comp] == ["28", "30"]
    symbolic_only = check_spec(BROKEN / "mat_pinv_functor.py", CheckConfig(engines=("exhaustive", "symbolic"))).results
    assert not any(r.status == "proved" and r.law == "preserves composition" for r in symbolic_only)
    plane = comp[1]
    f, g = (v for _, v in plane.counterexample.arguments)
    assert "Matrix([[" in f and "Matrix([[" in g  # concrete matrices, one of them singular
    assert plane.drawn and "singular" in dict(plane.drawn)["matrix kinds"]


def test_finset_sampling_reaches_five_elements_and_the_empty_set():
    rs = {(r.subject, r.law): r for r in check_spec(BROKEN / "finset_wrong_beyond_four.py", CONFIG).results}
    r = rs[("Rotate5", "preserves identities")]
    assert r.status == "refuted" and r.counterexample.arguments == (("X", "S5"),)
    r = rs[("PointedEmpty", "preserves composition")]
    assert r.status == "refuted" and r.counterexample.arguments[0][1].startswith("f: S0 → ")
    # the old range (sets of at most 4 elements) cannot see Rotate5's bug at all
    old = CheckConfig(examples=100, seed=0, max_size=4)
    old_rs = {(r.subject, r.law): r for r in check_spec(BROKEN / "finset_wrong_beyond_four.py", old).results}
    assert old_rs[("Rotate5", "preserves identities")].status == "held"
    assert dict(old_rs[("Rotate5", "preserves identities")].drawn)["set sizes"] == "0–4"


def test_cone_sampling_reaches_cones_as_large_as_the_apex():
    rs = {r.law: r for r in check_spec(BROKEN / "pullback_factor_large_cones.py", CONFIG).results}
    r = rs["every cone factors"]
    assert r.status == "refuted"
    cone = r.counterexample.arguments[0][1]
    assert cone.startswith("cone from X: x_A: X → Z6 [") and cone.count("↦") >= 8  # ≥ 4 elements, two legs


def test_discovery_finds_laws_inside_if_and_try_and_in_lists():
    rs = {(r.subject, r.law): r.status for r in check_spec(BROKEN / "discovery_hidden.py", CONFIG).results}
    for subject in ("Collapse_if", "Collapse_try", "functors[1]"):
        assert rs[(subject, "preserves identities")] == "refuted"
    assert rs[("functors[0]", "preserves identities")] == "held"
