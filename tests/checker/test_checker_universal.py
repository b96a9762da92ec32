"""The universal-property suites: correct (co)limits are proved or held, and each planted
violation in specs/broken is refuted on the law it breaks, with the counterexample asserted."""

from pathlib import Path

from catdyn.categories.finset import FinSet
from catdyn.checker import CheckConfig
from catdyn.checker.law import check_laws
from catdyn.checker.report import check_spec
from catdyn.checker.universal import colimit_laws, compatible_tuples, equivalence_classes, limit_laws
from catdyn.limits import DiagramCone, Limit, limit, product

ROOT = Path(__file__).resolve().parents[2]
CONFIG = CheckConfig(examples=60, seed=0)


def results(path: Path) -> dict[str, object]:
    report = check_spec(path, CONFIG)
    assert report.invalid is None, report.invalid
    return {f"{r.subject}: {r.law}": r for r in report.results}


def test_every_construction_spec_is_proved_or_held():
    for name in ("finset_limits.py", "mat_limits.py"):
        rs = results(ROOT / "specs" / name)
        assert rs and all(r.ok for r in rs.values()), [(k, r.status) for k, r in rs.items() if not r.ok]
        # uniqueness and commuting are proved for exact data, never only sampled
        exact = [r for k, r in rs.items() if "_r:" not in k and "factors" not in k]
        assert all(r.status == "proved" for r in exact)


def test_apex_with_a_repeated_tuple_is_refuted_on_uniqueness_showing_both_factorisations():
    rs = results(ROOT / "specs" / "broken" / "limit_too_large.py")
    assert rs["too_large: cone commutes"].status == "proved"
    assert rs["too_large: every cone factors"].status == "held"
    r = rs["too_large: factorisation is unique"]
    assert (r.status, r.engine) == ("refuted", "exhaustive")
    assert r.counterexample.arguments == (("cone", "cone from X: x_X: X → X [0]; x_Y: X → Y [0]"),)
    assert r.counterexample.lhs == "[u1: X → L+1 [0↦0], u2: X → L+1 [0↦3]]"


def test_coequaliser_merging_two_orbits_is_refuted_by_the_cocone_telling_them_apart():
    rs = results(ROOT / "specs" / "broken" / "colimit_merges_classes.py")
    assert rs["merged: cocone commutes"].status == "proved"
    r = rs["merged: factorisation is unique"]
    assert r.status == "refuted" and r.counterexample.lhs == "[]"
    assert "[1, 0, 1, 0, 1, 0]" in r.counterexample.arguments[0][1]  # the indicator of the even orbit
    assert rs["merged: every cocone factors"].status == "refuted"


def test_equaliser_leg_that_does_not_equalise_is_refuted_on_commuting():
    r = results(ROOT / "specs" / "broken" / "equaliser_leg_not_equalising.py")["wrong_leg: cone commutes"]
    assert r.status == "refuted"
    assert "e >> four times: E → Z6' [0↦0, 1↦4]" in r.counterexample.lhs
    assert "e >> twice: E → Z6' [0↦0, 1↦2]" in r.counterexample.rhs


def test_redundant_kernel_basis_is_refuted_on_uniqueness():
    rs = results(ROOT / "specs" / "broken" / "mat_kernel_not_injective.py")
    assert rs["redundant: cone commutes"].status == "proved"
    assert rs["redundant: every cone factors"].ok
    r = rs["redundant: factorisation is unique"]
    assert r.status == "refuted" and "u + k" in r.counterexample.lhs


def test_cokernel_missing_a_direction_is_refuted_in_mat_r():
    rs = results(ROOT / "specs" / "broken" / "mat_cokernel_too_small.py")
    assert rs["forgetful: cocone commutes"].status == "held"
    assert rs["forgetful: factorisation is unique"].status == "refuted"
    assert rs["forgetful: every cocone factors"].status == "refuted"


def test_brute_force_references_of_the_suite():
    A, B = FinSet.object("A", 3), FinSet.object("B", 2)
    f = FinSet.function("f", A, B, [1, 0, 1])
    assert compatible_tuples([A, B], [f]) == [(0, 1), (1, 0), (2, 1)]
    assert equivalence_classes([A, B], [f]) == [[("A", 0), ("A", 2), ("B", 1)], [("A", 1), ("B", 0)]]


def test_a_mediating_morphism_that_ignores_the_cone_is_refuted():
    # the right apex and legs, but factor() always answers the first apex element
    P = product(FinSet.object("A", 2), FinSet.object("B", 2))
    lazy = Limit(P.cone, lambda cone: FinSet.function("u", cone.apex, P.apex, [0] * cone.apex.size), "product")
    rs = {r.law: r for r in check_laws(limit_laws(lazy), CONFIG)}
    assert rs["every cone factors"].status == "refuted"
    assert rs["factorisation is unique"].status == "proved"  # the apex itself is right


def test_limit_of_a_diagram_with_a_loop_is_proved():
    X = FinSet.object("X", 4)
    d = __import__("catdyn").Diagram("loop", FinSet, [FinSet.function("s", X, X, [1, 0, 2, 2])])
    L = limit(d)  # the fixed points {2, 3}? s(2) = 2, s(3) = 2: only 2
    assert L.leg("X").table.tolist() == [2]
    assert [r.status for r in check_laws(limit_laws(L), CONFIG)] == ["proved", "held", "proved"]
    assert isinstance(L.cone, DiagramCone)
    assert [r.status for r in check_laws(colimit_laws(__import__("catdyn.limits").limits.colimit(d)), CONFIG)] == [
        "proved",
        "held",
        "proved",
    ]
