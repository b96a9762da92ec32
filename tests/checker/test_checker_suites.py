"""Suites beyond the planted specs: pullbacks wrong in other ways and other categories,
restriction to listed objects, and the correct specs."""

from pathlib import Path

import numpy as np
import pytest
import sympy

from catdyn import Cone, Cospan, Functor, Pullback
from catdyn.categories.finset import FinSet
from catdyn.categories.mat import MatQ, MatR
from catdyn.categories.perm import Perm
from catdyn.checker import CheckConfig, check_laws, functor_laws, pullback_laws
from catdyn.checker.report import check_spec

ROOT = Path(__file__).resolve().parents[2]
CONFIG = CheckConfig(examples=40, seed=0)


def by_law(results):
    return {r.law: r for r in results}


@pytest.mark.parametrize("name", ["finset_laws.py", "mat_laws.py", "perm_laws.py"])
def test_correct_specs_prove_or_hold_every_law(name):
    report = check_spec(ROOT / "specs" / name, CONFIG)
    assert report.invalid is None
    bad = [(r.subject, r.law, r.status) for r in report.results if not r.ok]
    assert not bad
    suites = {r.suite for r in report.results}
    assert {"functor", "naturality", "diagram", "pullback"} <= suites


def test_finset_pullback_missing_a_pair_fails_existence():
    A, C = FinSet.object("A", 2), FinSet.object("C", 1)
    f = FinSet.function("f", A, C, [0, 0])
    true = FinSet.pullback(Cospan(f, f))  # all four pairs
    small = FinSet.object("P-1", 3)
    p = FinSet.function("p", small, A, true.left.table[:3])
    q = FinSet.function("q", small, A, true.right.table[:3])
    rs = by_law(check_laws(pullback_laws(Pullback(Cone(true.cospan, p, q), lambda c: None)), CONFIG))
    assert rs["square commutes"].status == "proved"
    r = rs["factorisation is unique"]
    assert r.status == "refuted" and r.counterexample.lhs == "[]"
    assert r.counterexample.arguments == (("cone", "cone from X: x_A: X → A [0↦1]; x_B: X → A [0↦1]"),)
    assert rs["every cone factors"].status == "error"  # factor returned None: context is reported
    assert rs["every cone factors"].error.type == "TypeError"


def test_matq_pullback_with_too_large_apex_is_refuted_by_uniqueness():
    A, C = MatQ.object("A", 2), MatQ.object("C", 1)
    f = MatQ.matrix("f", A, C, [[1, 1]])
    true = MatQ.pullback(Cospan(f, f))  # dim 3
    big = MatQ.object("P+1", true.apex.dim + 1)
    pm = sympy.Matrix(true.left.matrix).row_join(sympy.Matrix(true.left.matrix)[:, 0])
    qm = sympy.Matrix(true.right.matrix).row_join(sympy.Matrix(true.right.matrix)[:, 0])
    p, q = MatQ.matrix("p", big, A, pm), MatQ.matrix("q", big, A, qm)

    def mediate(cone):
        u = sympy.Matrix(true.factor(cone).matrix).col_join(sympy.zeros(1, cone.apex.dim))
        return MatQ.matrix("u", cone.apex, big, u)

    rs = by_law(check_laws(pullback_laws(Pullback(Cone(true.cospan, p, q), mediate)), CONFIG))
    assert rs["square commutes"].ok and rs["every cone factors"].ok
    r = rs["factorisation is unique"]
    assert (r.status, r.engine) == ("refuted", "exhaustive")
    assert "u + k" in r.counterexample.lhs


def test_matr_pullback_holds_within_tolerance():
    A, C = MatR.object("A", 3), MatR.object("C", 2)
    f = MatR.matrix("f", A, C, np.arange(6.0).reshape(2, 3))
    rs = check_laws(pullback_laws(MatR.pullback(Cospan(f, f))), CONFIG)
    assert all(r.ok and r.comparison == "tolerance" for r in rs)


def test_perm_pullback_with_a_wrong_projection_is_refuted():
    S3 = Perm.group(3)
    f = Perm.element(S3, [1, 0, 2], name="f")
    g = Perm.element(S3, [0, 2, 1], name="g")
    wrong = Pullback(Cone(Cospan(f, g), Perm.identity(S3), Perm.identity(S3)), lambda cone: cone.left)
    rs = by_law(check_laws(pullback_laws(wrong), CONFIG))
    assert rs["square commutes"].status == "refuted"


def test_functor_laws_over_listed_objects_are_proved_by_enumeration():
    A, B = FinSet.object("A", 2), FinSet.object("B", 3)
    rs = check_laws(functor_laws(Functor.identity(FinSet), objects=[A, B]), CONFIG)
    assert [(r.status, r.engine) for r in rs] == [("proved", "exhaustive")] * 2
    assert rs[1].examples == sum(
        (b.size**a.size) * (c.size**b.size) for a in (A, B) for b in (A, B) for c in (A, B)
    )


def test_a_6x6_mat_functor_is_proved_symbolically():
    V = MatQ.object("V", 6)
    Twice = Functor(
        "Twice",
        MatQ,
        MatQ,
        lambda X: MatQ.object("VV", 2 * X.dim),
        lambda m: MatQ.matrix(
            "mm", MatQ.object("VV", 12), MatQ.object("VV", 12), sympy.diag(m.matrix, m.matrix)
        ),
    )
    rs = check_laws(functor_laws(Twice, objects=[V]), CheckConfig(engines=("symbolic",)))
    assert [(r.status, r.engine) for r in rs] == [("proved", "symbolic")] * 2
