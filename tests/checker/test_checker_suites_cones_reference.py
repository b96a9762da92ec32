"""The pullback suite's cones and factorisations against brute force, and the equation laws.

- FinSet: the factorisations listed for a cone are checked against every function
  ``X → P`` (``X`` of 0 … 2 elements, every pair of legs, commuting or not), through a
  correct apex, one with a duplicated element (two factorisations) and one missing a pair
  (none); the boundary cones reach ``factor`` first, in the documented order: the empty cone,
  the cone of every commuting pair, the pullback's own cone.
- Mat: the uniqueness law enumerates the zero cone and one cone per basis vector of
  ``ker [f, −g]`` (its dimension by rank–nullity, computed here with sympy); the boundary
  cones have 0 columns, the whole kernel basis and the apex's own dimension.
- Symbolic arguments: generic matrices over every tuple of dimensions 1–3 (1–2 for
  chains of three), or over the listed objects.
- Equations: pointwise over the elements of a finite set (every element one case; a wrong
  element refutes; an empty domain holds vacuously), whole morphisms otherwise (one case).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy

from catdyn import Cone, Cospan, Diagram, Pullback
from catdyn.categories.finset import FinSet
from catdyn.categories.mat import MatQ, MatR
from catdyn.checker.law import CheckConfig, check_law
from catdyn.checker.suites import (
    SYMBOLIC_DIMS,
    _FinSetCones,
    _MatCones,
    category_laws,
    cone_laws,
    diagram_laws,
    functor_laws,
    naturality_laws,
    pullback_laws,
)
from catdyn.functor import Functor, NaturalTransformation


def _law(laws, name):
    return next(x for x in laws if x.name == name)


# --- FinSet ----------------------------------------------------------------------------------
def _cospan():
    A, B, C = FinSet.object("A", 3), FinSet.object("B", 2), FinSet.object("C", 2)
    return Cospan(FinSet.function("f", A, C, [0, 1, 1]), FinSet.function("g", B, C, [1, 0]))


def _pairs(sp):
    f, g = sp.left.table.tolist(), sp.right.table.tolist()
    return [(a, b) for a in range(len(f)) for b in range(len(g)) if f[a] == g[b]]


def _declared(sp, pairs, name="P"):
    """A pullback with ``pairs`` as its apex's elements (possibly wrong), mediating by the
    first matching element."""
    P = FinSet.object(name, len(pairs))
    p = FinSet.function("p", P, sp.left.dom, [a for a, _ in pairs])
    q = FinSet.function("q", P, sp.right.dom, [b for _, b in pairs])

    def mediate(cone):
        a, b = cone.left.table.tolist(), cone.right.table.tolist()
        return FinSet.function("u", cone.apex, P, [pairs.index((a[x], b[x])) for x in range(len(a))])

    return Pullback(Cone(sp, p, q), mediate)


@pytest.mark.parametrize("variant", ["correct", "duplicate", "missing"])
def test_finset_factorisations_match_a_brute_force_search(variant):
    sp = _cospan()
    pairs = _pairs(sp)  # [(0, 1), (1, 0), (2, 0)]
    apex_pairs = {"correct": pairs, "duplicate": [*pairs, pairs[1]], "missing": pairs[:-1]}[variant]
    pb = _declared(sp, apex_pairs)
    cones = _FinSetCones(pb)
    assert cones.pairs == pairs
    A, B = sp.left.dom, sp.right.dom
    n = len(apex_pairs)
    for k in range(3):
        X = FinSet.object("X", k)
        for a in itertools.product(range(A.size), repeat=k):
            for b in itertools.product(range(B.size), repeat=k):
                cone = Cone(sp, FinSet.function("x_A", X, A, list(a)), FinSet.function("x_B", X, B, list(b)))
                brute = [
                    u
                    for u in itertools.product(range(n), repeat=k)
                    if all(apex_pairs[u[x]] == (a[x], b[x]) for x in range(k))
                ]
                found = cones.factorisations(cone)
                assert len(found) == min(len(brute), 2), (variant, a, b)
                tables = [tuple(u.table.tolist()) for u in found]
                assert len(set(tables)) == len(tables)
                assert set(tables) <= set(brute)
                if found:
                    assert tables[0] == brute[0]  # the first match of every element
                    assert all((u.dom, u.cod) == (X, pb.apex) for u in found)


def test_finset_uniqueness_cases_are_the_one_point_cones_at_every_pair():
    sp = _cospan()
    cones = _FinSetCones(_declared(sp, _pairs(sp)))
    cases = [c for (c,) in cones.unique_cases()()]
    assert [(c.apex.size, c.left.table.tolist(), c.right.table.tolist()) for c in cases] == [
        (1, [a], [b]) for a, b in _pairs(sp)
    ]


@pytest.mark.parametrize("variant", ["duplicate", "missing"])
def test_finset_uniqueness_law_is_refuted_for_a_wrong_apex_by_enumeration(variant):
    sp = _cospan()
    pairs = _pairs(sp)
    apex_pairs = [*pairs, pairs[0]] if variant == "duplicate" else pairs[1:]
    r = check_law(
        _law(pullback_laws(_declared(sp, apex_pairs)), "factorisation is unique"), CheckConfig(seed=0)
    )
    assert (r.status, r.engine) == ("refuted", "exhaustive")
    assert r.examples == 0  # the first pair already fails


def test_finset_boundary_cones_reach_factor_first_in_order():
    sp = _cospan()
    pairs = _pairs(sp)
    apex_pairs = [*pairs, pairs[0], pairs[2]]  # apex of 5 elements, 3 commuting pairs
    inner = _declared(sp, apex_pairs)
    seen = []

    def mediate(cone):
        seen.append((cone.left.table.tolist(), cone.right.table.tolist()))
        return inner._mediate(cone)

    pb = Pullback(inner.cone, mediate)
    r = check_law(_law(pullback_laws(pb), "every cone factors"), CheckConfig(seed=0, examples=5))
    assert (r.status, r.engine) == ("held", "hypothesis")
    assert seen[0] == ([], [])
    assert seen[1] == ([a for a, _ in pairs], [b for _, b in pairs])
    assert seen[2] == ([a for a, _ in apex_pairs], [b for _, b in apex_pairs])
    assert r.examples == len(seen)
    top = max(len(apex_pairs), len(pairs), CheckConfig().max_size)
    assert all(len(a) <= top for a, _ in seen)


def test_finset_without_commuting_pairs_only_the_empty_cone_is_drawn():
    A, B, C = FinSet.object("A", 2), FinSet.object("B", 2), FinSet.object("C", 2)
    sp = Cospan(FinSet.function("f", A, C, [0, 0]), FinSet.function("g", B, C, [1, 1]))
    pb = FinSet.pullback(sp)
    assert pb.apex.size == 0
    results = [check_law(x, CheckConfig(seed=0, examples=10)) for x in pullback_laws(pb)]
    assert [r.status for r in results] == ["proved", "held", "proved"]
    assert results[2].examples == 0  # no pair: nothing to decide, vacuously unique


# --- Mat ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "f_rows, g_rows",
    [
        ([[1, 2]], [[3]]),
        ([[1, 0], [0, 1]], [[1, 0], [0, 1]]),
        ([[0, 0]], [[0, 0]]),
        ([[1, 1], [2, 2]], [[1], [2]]),
    ],
)
def test_mat_uniqueness_cases_are_the_zero_cone_and_a_kernel_basis(f_rows, g_rows):
    f_m, g_m = sympy.Matrix(f_rows), sympy.Matrix(g_rows)
    A, B, C = MatQ.object("A", f_m.cols), MatQ.object("B", g_m.cols), MatQ.object("C", f_m.rows)
    sp = Cospan(MatQ.matrix("f", A, C, f_rows), MatQ.matrix("g", B, C, g_rows))
    nullity = f_m.cols + g_m.cols - f_m.row_join(-g_m).rank()
    pb = MatQ.pullback(sp)
    assert pb.apex.dim == nullity  # the pullback's apex is the kernel
    r = check_law(_law(pullback_laws(pb), "factorisation is unique"), CheckConfig(seed=0))
    assert (r.status, r.engine, r.examples) == ("proved", "exhaustive", 1 + nullity)
    seen = []

    def mediate(cone):
        seen.append(cone.apex.dim)
        return pb._mediate(cone)

    rec = Pullback(pb.cone, mediate)
    h = check_law(_law(pullback_laws(rec), "every cone factors"), CheckConfig(seed=0, examples=5))
    assert h.status == "held"
    boundary = [0, nullity, nullity] if nullity else [0, 0]
    assert seen[: len(boundary)] == boundary
    assert all(d <= max(nullity, CheckConfig().max_dim) for d in seen)


@pytest.mark.parametrize("cat", [MatQ, MatR], ids=["MatQ", "MatR"])
def test_mat_cone_not_factoring_through_a_too_small_apex_has_no_factorisation(cat):
    A, C = cat.object("A", 2), cat.object("C", 1)
    f = cat.matrix("f", A, C, [[1, -1]])  # kernel of [f, -f]: three-dimensional
    P = cat.object("P", 1)
    diag = cat.matrix("d", P, A, [[1], [1]])
    pb = Pullback(
        Cone(Cospan(f, f), diag, diag), lambda cone: cat.matrix("u", cone.apex, P, [[0] * cone.apex.dim])
    )
    unique = _law(pullback_laws(pb), "factorisation is unique")
    X = cat.object("X", 1)
    x = cat.matrix("x", X, A, [[1], [1]])
    off = cat.matrix("y", X, A, [[1], [0]])
    assert len(unique.lhs(Cone(Cospan(f, f), x, x))) == 1  # (1, 1) = d · 1
    assert unique.lhs(Cone(Cospan(f, f), off, off)) == []  # (1, 0) is not a multiple of d
    r = check_law(unique, CheckConfig(seed=0))
    assert r.status == "refuted"


# --- equations -----------------------------------------------------------------------------------
def test_a_finset_equation_is_checked_at_every_element():
    A = FinSet.object("A", ["a", "b", "c", "d"])
    s = FinSet.function("s", A, A, [1, 0, 3, 2])
    good = Diagram("inv", FinSet, [s, FinSet.identity(A)], equations=[(["s", "s"], ["id_A"])])
    (law,) = diagram_laws(good)
    assert (law.name, law.suite, law.subject, law.argnames) == (
        "equation 1: s >> s = id_A",
        "diagram",
        "inv",
        ("x ∈ A",),
    )
    r = check_law(law, CheckConfig(seed=0))
    assert (r.status, r.engine, r.examples) == ("proved", "exhaustive", 4)
    t = FinSet.function("t", A, A, [1, 0, 2, 2])  # t >> t sends d to c
    bad = Diagram("not inv", FinSet, [t, FinSet.identity(A)], equations=[(["t", "t"], ["id_A"])])
    r = check_law(diagram_laws(bad, subject="mine")[0], CheckConfig(seed=0))
    assert (r.status, r.engine, r.examples, r.subject) == ("refuted", "exhaustive", 3, "mine")
    assert r.counterexample.arguments == (("x ∈ A", "d"),)


def test_an_equation_over_the_empty_set_holds_vacuously():
    E = FinSet.object("E", 0)
    i = FinSet.identity(E)
    d = Diagram("empty", FinSet, [i], equations=[(["id_E", "id_E"], ["id_E"])])
    (law,) = diagram_laws(d)
    assert law.arguments is None
    r = check_law(law, CheckConfig(seed=0))
    assert (r.status, r.engine, r.examples) == ("proved", "exhaustive", 0)


def test_a_mat_equation_is_one_case_of_whole_morphisms():
    A = MatQ.object("A", 2)
    s = MatQ.matrix("s", A, A, [[0, 1], [1, 0]])
    d = Diagram("swap", MatQ, [s, MatQ.identity(A)], equations=[(["s", "s"], ["id_A"]), (["s"], ["id_A"])])
    laws = diagram_laws(d)
    assert [x.name for x in laws] == ["equation 1: s >> s = id_A", "equation 2: s = id_A"]
    assert laws[0].statement == "s >> s = id_A"
    ok, wrong = (check_law(x, CheckConfig(seed=0)) for x in laws)
    assert (ok.status, ok.engine, ok.examples) == ("proved", "exhaustive", 1)
    assert (wrong.status, wrong.engine, wrong.examples) == ("refuted", "exhaustive", 0)


def test_a_cone_law_commutes_pointwise_and_is_refuted_at_the_element():
    sp = _cospan()
    X = FinSet.object("X", 2)
    good = Cone(
        sp, FinSet.function("x_A", X, sp.left.dom, [0, 2]), FinSet.function("x_B", X, sp.right.dom, [1, 0])
    )
    (law,) = cone_laws(good)
    assert (law.name, law.suite, law.subject) == ("cone commutes", "pullback", f"cone over {sp.name}")
    r = check_law(law, CheckConfig(seed=0))
    assert (r.status, r.examples) == ("proved", 2)
    assert cone_laws(good, subject="K")[0].subject == "K"


# --- symbolic arguments --------------------------------------------------------------------------
def test_symbolic_chains_cover_every_tuple_of_the_generic_dimensions():
    assert SYMBOLIC_DIMS == (1, 2, 3)
    left, right, assoc = category_laws(MatQ)
    for law, n, dims in [(left, 1, (1, 2, 3)), (right, 1, (1, 2, 3)), (assoc, 3, (1, 2))]:
        chains = list(law.symbolic())
        ends = [tuple([c[0].dom.dim] + [m.cod.dim for m in c]) for c in chains]
        assert ends == list(itertools.product(dims, repeat=n + 1))  # chains of 3 over dims 1, 2
        assert all([m.name for m in c] == list("fgh"[:n]) for c in chains)
        assert all(f.cod == g.dom for c in chains for f, g in itertools.pairwise(c))
        assert law.symbolic_covers_all is False
    Id = Functor.identity(MatQ)
    ident, comp = functor_laws(Id)
    assert [x[0].dim for x in ident.symbolic()] == [1, 2, 3]
    assert len(list(comp.symbolic())) == 3**3
    eta = NaturalTransformation("1", Id, Id, MatQ.identity)
    assert len(list(naturality_laws(eta)[0].symbolic())) == 3**2
    # over listed objects: exactly those, and they cover the law
    objs = [MatQ.object("A", 2), MatQ.object("B", 4)]
    left, _, assoc = category_laws(MatQ, objs)
    assert len(list(left.symbolic())) == 4 and len(list(assoc.symbolic())) == 2**4
    assert {m.dom for c in assoc.symbolic() for m in c} == set(objs)
    assert left.symbolic_covers_all is True
    assert [x[0] for x in functor_laws(Id, objs)[0].symbolic()] == objs
    # a category without generic matrices has no symbolic arguments
    assert all(x.symbolic is None for x in category_laws(FinSet))
    assert all(x.symbolic is None for x in functor_laws(Functor.identity(FinSet)))


@pytest.mark.parametrize("cat", [MatQ, MatR], ids=["MatQ", "MatR"])
@pytest.mark.parametrize(
    "dims, f_rows, g_rows",
    [
        ((2, 1, 0), np.zeros((0, 2)), np.zeros((0, 1))),  # into the zero space: all of A ⊕ B
        ((0, 2, 1), np.zeros((1, 0)), [[1, 1]]),  # from the zero space
        ((2, 2, 2), [[1, 0], [0, 1]], [[2, 0], [0, 0]]),
        ((1, 1, 1), [[2]], [[4]]),
    ],
)
def test_mat_kernel_dimension_by_rank_nullity_in_both_fields(cat, dims, f_rows, g_rows):
    a, b, c = dims
    A, B, C = cat.object("A", a), cat.object("B", b), cat.object("C", c)
    sp = Cospan(cat.matrix("f", A, C, f_rows), cat.matrix("g", B, C, g_rows))
    stacked = np.hstack([np.asarray(f_rows, float).reshape(c, a), -np.asarray(g_rows, float).reshape(c, b)])
    nullity = a + b - (np.linalg.matrix_rank(stacked) if stacked.size else 0)
    pb = cat.pullback(sp)
    assert len(_MatCones(pb).kernel) == nullity == pb.apex.dim
    r = check_law(_law(pullback_laws(pb), "factorisation is unique"), CheckConfig(seed=0))
    verdict = ("proved", "exact") if cat is MatQ else ("held", "tolerance")
    assert (r.status, r.comparison, r.engine, r.examples) == (*verdict, "exhaustive", 1 + nullity)
    # every cone factors, the boundary cones (no column, the kernel basis, the apex's) first
    seen = []

    def mediate(cone):
        seen.append((cone.apex.dim, cone.left.cod, cone.right.cod))
        return pb._mediate(cone)

    rec = Pullback(pb.cone, mediate)
    h = check_law(_law(pullback_laws(rec), "every cone factors"), CheckConfig(seed=0, examples=5))
    assert (h.status, h.engine) == ("held", "hypothesis")
    boundary = [0, nullity, nullity] if nullity else [0, 0]
    assert [d for d, _, _ in seen[: len(boundary)]] == boundary
    assert all((ca, cb) == (A, B) for _, ca, cb in seen)


def test_pullback_laws_state_the_legs_and_the_apex():
    sp = _cospan()
    pb = _declared(sp, _pairs(sp), name="Q")
    laws = pullback_laws(pb)
    assert [(x.name, x.suite, x.subject) for x in laws] == [
        ("square commutes", "pullback", "pullback Q"),
        ("every cone factors", "pullback", "pullback Q"),
        ("factorisation is unique", "pullback", "pullback Q"),
    ]
    assert laws[0].statement == "(p >> f = q >> g)(x) for every x in Q"
    assert laws[1].statement == "u = factor(cone) has u >> p = cone.left and u >> q = cone.right"
    assert laws[2].statement == "exactly one u: X → Q with u >> p = cone.left and u >> q = cone.right"
    assert [x.argnames for x in laws[1:]] == [("cone",), ("cone",)]
    assert {x.subject for x in pullback_laws(pb, subject="PB")} == {"PB"}


@pytest.mark.parametrize("cat", [MatQ, MatR], ids=["MatQ", "MatR"])
def test_mat_through_a_zero_apex_only_the_zero_cone_factors(cat):
    A, C = cat.object("A", 2), cat.object("C", 1)
    f = cat.matrix("f", A, C, [[1, -1]])
    P = cat.object("P", 0)
    zero = cat.matrix("z", P, A, np.zeros((2, 0)))
    pb = Pullback(
        Cone(Cospan(f, f), zero, zero),
        lambda cone: cat.matrix("u", cone.apex, P, np.zeros((0, cone.apex.dim))),
    )
    unique = _law(pullback_laws(pb), "factorisation is unique")
    X = cat.object("X", 1)
    for col, factors in [([[1], [1]], False), ([[0], [0]], True), ([[2], [2]], False)]:
        leg = cat.matrix("x", X, A, col)
        found = unique.lhs(Cone(Cospan(f, f), leg, leg))
        assert len(found) == (1 if factors else 0), (col, found)
        if factors:
            assert (found[0].dom, found[0].cod) == (X, P)
    r = check_law(unique, CheckConfig(seed=0))
    assert (r.status, r.engine) == ("refuted", "exhaustive")
    assert r.examples == 1  # the zero cone factors; the first kernel vector does not
