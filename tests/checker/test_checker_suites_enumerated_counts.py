"""How many cases the suites enumerate, against counts made independently in the test.

The category here is built by hand so that every count is a closed form: the objects are
the integers 0, 1, 2, … and there are exactly ``m`` morphisms ``i → j`` for every ``i, j``,
labelled by ``Z/m`` and composed by adding labels (a category: addition is associative and
label 0 is the identity). A chain of ``n`` morphisms over ``k`` objects can then be chosen in
``k^(n+1) · m^n`` ways, and over a cospan ``A → C ← B`` with legs labelled ``f`` and ``g`` a cone
from ``X`` is a pair of labels ``(x, y)`` with ``x + f = y + g``: ``m`` cones from each object.
Every object with commuting legs is a pullback (the mediating label is determined), so the
universal property holds and a mediating map off by one label is a planted violation.

Pinned: the suites enumerate the first 64 objects of an infinite enumeration, chains are
counted before enumerating (exactly the cap is enumerated, one more is left to sampling), the
cones of the enumerated-hom-sets engine come from the apex, the cospan's three objects and the
first 16 enumerable objects (without repeats), within a budget of ``MAX_ENUMERATION`` pairs of
legs over all of them; without an object enumeration the cones found are only sampled.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import strategies as st

from catdyn.category import Category, Morphism, Object
from catdyn.checker.law import CheckConfig, check_law
from catdyn.checker.suites import (
    MAX_ENUMERATION,
    _chains_enumerated,
    _EnumeratedCones,
    category_laws,
    functor_laws,
    laws_for,
    naturality_laws,
    pullback_laws,
)
from catdyn.functor import Functor, NaturalTransformation
from catdyn.limits import Cone, Cospan, Pullback


@dataclass(frozen=True, eq=False)
class _Pt(Object):
    n: int
    owner: Category

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"O{self.n}"

    @property
    def category(self) -> Category:
        return self.owner

    def _key(self) -> tuple[int, int]:
        return (self.n, id(self.owner))


@dataclass(frozen=True, eq=False)
class _Arrow(Morphism):
    dom: Object
    cod: Object
    label: int
    owner: Category

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"a{self.label}"

    @property
    def category(self) -> Category:
        return self.owner

    def _data_key(self) -> int:
        return self.label


class _Labelled(Category):
    """``m`` morphisms between any two of the objects 0, 1, 2, … (``count`` of them, or
    infinitely many); ``enumerable``: whether the objects can be enumerated."""

    def __init__(self, m: int, count: int | None = None, enumerable: bool = True) -> None:
        self.m, self.count, self.enumerable = m, count, enumerable
        self.name = f"L{m}"

    def obj(self, n: int) -> _Pt:
        return _Pt(n, self)

    def arrow(self, a: Object, b: Object, label: int) -> _Arrow:
        return _Arrow(a, b, label % self.m, self)

    def identity(self, obj: Object) -> Morphism:
        return self.arrow(obj, obj, 0)

    def compose(self, f: Morphism, g: Morphism) -> Morphism:
        return self.arrow(f.dom, g.cod, f.label + g.label)  # type: ignore[attr-defined]

    def objects(self) -> st.SearchStrategy[Object]:
        return st.integers(0, 5).map(self.obj)

    def morphisms(self, dom: Object, cod: Object) -> st.SearchStrategy[Morphism]:
        return st.integers(0, self.m - 1).map(lambda k: self.arrow(dom, cod, k))

    def enumerate_objects(self) -> Iterator[Object] | None:
        if not self.enumerable:
            return None
        ns = itertools.count() if self.count is None else range(self.count)
        return (self.obj(n) for n in ns)

    def hom(self, dom: Object, cod: Object) -> Iterator[Morphism]:
        return (self.arrow(dom, cod, k) for k in range(self.m))


def _law(laws, name):
    return next(x for x in laws if x.name == name)


# --- chains --------------------------------------------------------------------------------
def test_an_infinite_object_enumeration_is_cut_at_64_objects():
    cat = _Labelled(1)
    r = check_law(_law(category_laws(cat), "left identity"), CheckConfig(seed=0, examples=10))
    assert (r.status, r.engine) == ("proved", "exhaustive")
    assert r.examples == 64 * 64  # one morphism for each of the 64 × 64 pairs of ends


@pytest.mark.parametrize("k, m, n", [(3, 2, 1), (2, 3, 2), (3, 1, 3), (1, 5, 3)])
def test_chains_over_listed_objects_are_all_composable_tuples(k, m, n):
    cat = _Labelled(m)
    objs = [cat.obj(i) for i in range(k)]
    chains = list(_chains_enumerated(cat, objs, n)())
    expected = k ** (n + 1) * m**n
    assert len(chains) == expected
    assert len(set(chains)) == expected  # no repeats
    for c in chains:
        assert len(c) == n
        assert all(f.cod == g.dom for f, g in itertools.pairwise(c))
        assert all(f.dom in objs and f.cod in objs for f in c)


def test_exactly_the_cap_of_chains_is_enumerated_and_one_more_is_not():
    cat = _Labelled(2)
    objs = [cat.obj(i) for i in range(3)]
    total = 3**3 * 2**2  # chains of two: 108
    assert len(list(_chains_enumerated(cat, objs, 2, cap=total)())) == total
    assert _chains_enumerated(cat, objs, 2, cap=total - 1)() is None


def test_a_hom_set_over_the_cap_leaves_the_chains_unenumerated():
    cat = _Labelled(5)
    objs = [cat.obj(0)]
    assert len(list(_chains_enumerated(cat, objs, 1, cap=5)())) == 5
    assert _chains_enumerated(cat, objs, 1, cap=4)() is None


def test_category_laws_over_listed_objects_count_every_chain():
    cat = _Labelled(2)
    objs = [cat.obj(i) for i in range(2)]
    results = {law.name: check_law(law, CheckConfig(seed=0)) for law in category_laws(cat, objs)}
    assert {k: (r.status, r.engine) for k, r in results.items()} == dict.fromkeys(
        ["left identity", "right identity", "associativity"], ("proved", "exhaustive")
    )
    assert results["left identity"].examples == 2**2 * 2
    assert results["right identity"].examples == 2**2 * 2
    assert results["associativity"].examples == 2**4 * 2**3


def test_functor_and_naturality_laws_count_objects_pairs_and_morphisms():
    cat = _Labelled(3)
    objs = [cat.obj(i) for i in range(2)]
    Id = Functor.identity(cat)
    ident, comp = (check_law(x, CheckConfig(seed=0)) for x in functor_laws(Id, objs))
    assert (ident.status, ident.engine, ident.examples) == ("proved", "exhaustive", 2)
    assert (comp.status, comp.engine, comp.examples) == ("proved", "exhaustive", 2**3 * 3**2)
    eta = NaturalTransformation("1", Id, Id, cat.identity)
    (nat,) = (check_law(x, CheckConfig(seed=0)) for x in naturality_laws(eta, objs))
    assert (nat.status, nat.engine, nat.examples) == ("proved", "exhaustive", 2**2 * 3)


def test_a_functor_wrong_on_one_label_is_refuted_by_enumeration():
    cat = _Labelled(3)
    objs = [cat.obj(i) for i in range(2)]
    # F doubles labels: preserves identities and composition (2(a+b) = 2a+2b mod 3)
    good = Functor("F", cat, cat, lambda x: x, lambda f: cat.arrow(f.dom, f.cod, 2 * f.label))
    assert [check_law(x, CheckConfig(seed=0)).status for x in functor_laws(good, objs)] == [
        "proved",
        "proved",
    ]
    # G squares labels: 0 ↦ 0 keeps identities, but (1 + 1)² = 1 ≠ 1² + 1² = 2 mod 3
    bad = Functor("G", cat, cat, lambda x: x, lambda f: cat.arrow(f.dom, f.cod, f.label**2))
    ident, comp = (check_law(x, CheckConfig(seed=0)) for x in functor_laws(bad, objs))
    assert ident.status == "proved"
    assert (comp.status, comp.engine) == ("refuted", "exhaustive")


def test_statements_name_the_listed_objects_or_the_category():
    cat = _Labelled(2)
    objs = [cat.obj(0), cat.obj(3)]
    over = [law.statement for law in category_laws(cat, objs)]
    assert over == [
        "id_A >> f = f over O0, O3",
        "f >> id_B = f over O0, O3",
        "(f >> g) >> h = f >> (g >> h) over O0, O3",
    ]
    assert category_laws(cat)[0].statement == "id_A >> f = f over L2"
    assert [law.argnames for law in category_laws(cat)] == [("f",), ("f",), ("f", "g", "h")]
    assert {law.suite for law in category_laws(cat)} == {"category"}
    Id = Functor.identity(cat)
    assert [law.statement for law in functor_laws(Id, objs)] == [
        f"{Id.name}(id_X) = id_{Id.name}(X) over O0, O3",
        f"{Id.name}(f >> g) = {Id.name}(f) >> {Id.name}(g) over O0, O3",
    ]
    assert [(law.suite, law.argnames) for law in functor_laws(Id)] == [
        ("functor", ("X",)),
        ("functor", ("f", "g")),
    ]
    assert [law.subject for law in functor_laws(Id)] == [Id.name] * 2
    assert [law.subject for law in functor_laws(Id, subject="S")] == ["S"] * 2
    assert [law.subject for law in category_laws(cat)] == ["L2"] * 3
    assert [law.subject for law in category_laws(cat, subject="S")] == ["S"] * 3
    eta = NaturalTransformation("1", Id, Id, cat.identity)
    assert naturality_laws(eta)[0].subject == "1"
    assert naturality_laws(eta, subject="S")[0].subject == "S"
    assert naturality_laws(eta, objs)[0].statement == f"{Id.name}(f) >> 1_B = 1_A >> {Id.name}(f) over O0, O3"


# --- pullbacks by enumerated hom-sets ----------------------------------------------------------
def _pullback(cat: _Labelled, apex: int, a: int, b: int, c: int, f: int, g: int, off: int = 0) -> Pullback:
    """The pullback of ``A --f--> C <--g-- B`` at ``apex`` (legs 0 and f − g); ``off``: a
    mediating map that many labels off."""
    A, B, C, P = cat.obj(a), cat.obj(b), cat.obj(c), cat.obj(apex)
    sp = Cospan(cat.arrow(A, C, f), cat.arrow(B, C, g))
    p, q = cat.arrow(P, A, 0), cat.arrow(P, B, f - g)
    return Pullback(Cone(sp, p, q), lambda cone: cat.arrow(cone.apex, P, cone.left.label + off))


def _apexes(apex: int, a: int, b: int, c: int) -> list[int]:
    out: list[int] = []
    for n in [apex, a, b, c, *range(16)]:
        if n not in out:
            out.append(n)
    return out


@pytest.mark.parametrize("where", [(0, 1, 2, 3), (20, 1, 2, 3), (20, 21, 21, 22), (5, 5, 5, 5)])
def test_pullback_cones_come_from_the_apex_the_cospan_and_16_objects(where):
    cat = _Labelled(2)
    pb = _pullback(cat, *where, f=1, g=0)
    laws = pullback_laws(pb)
    results = [check_law(x, CheckConfig(seed=0, examples=20)) for x in laws]
    assert [(r.law, r.status, r.engine) for r in results] == [
        ("square commutes", "proved", "exhaustive"),
        ("every cone factors", "proved", "exhaustive"),
        ("factorisation is unique", "proved", "exhaustive"),
    ]
    cones = 2 * len(_apexes(*where))  # m = 2 commuting pairs of legs from each apex
    assert results[1].examples == cones
    assert results[2].examples == cones


def test_a_mediating_map_off_by_one_label_is_refuted():
    cat = _Labelled(3)
    pb = _pullback(cat, 0, 1, 2, 3, f=2, g=1, off=1)
    r = check_law(_law(pullback_laws(pb), "every cone factors"), CheckConfig(seed=0))
    assert (r.status, r.engine, r.examples) == ("refuted", "exhaustive", 0)


def test_a_wrong_projection_is_refuted_by_the_square():
    cat = _Labelled(3)
    A, B, C, P = (cat.obj(i) for i in range(4))
    sp = Cospan(cat.arrow(A, C, 1), cat.arrow(B, C, 0))
    pb = Pullback(Cone(sp, cat.arrow(P, A, 0), cat.arrow(P, B, 0)), lambda cone: cat.arrow(cone.apex, P, 0))
    r = check_law(_law(pullback_laws(pb), "square commutes"), CheckConfig(seed=0))
    assert (r.status, r.engine) == ("refuted", "exhaustive")


def test_without_object_enumeration_the_cones_found_are_only_sampled():
    cat = _Labelled(2, enumerable=False)
    pb = _pullback(cat, 0, 1, 2, 3, f=1, g=0)
    factors = check_law(_law(pullback_laws(pb), "every cone factors"), CheckConfig(seed=0, examples=20))
    assert (factors.status, factors.engine) == ("held", "hypothesis")
    unique = check_law(_law(pullback_laws(pb), "factorisation is unique"), CheckConfig(seed=0, examples=20))
    assert (unique.status, unique.engine) == ("held", "hypothesis")
    # the four objects give 2 cones each
    assert len(_EnumeratedCones(pb)._all()) == 8


@pytest.mark.parametrize("m, count, within", [(70, 4, True), (71, 4, False), (50, 8, True), (50, 9, False)])
def test_the_cone_search_budget_covers_all_apexes_together(m, count, within):
    # count objects: count · m² pairs of legs; 4 · 70² = 19 600 ≤ MAX_ENUMERATION < 4 · 71²,
    # and 8 · 50² = 20 000 uses the budget up exactly (the last apex's pairs are all that is left)
    assert (count * m * m <= MAX_ENUMERATION) is within
    cat = _Labelled(m, count=count)
    pb = _pullback(cat, 0, 1, 2, 3, f=1, g=0)
    found = _EnumeratedCones(pb)._search()
    if within:
        assert found is not None and len(found) == count * m
        assert {cone.apex for (cone,) in found} == {cat.obj(i) for i in range(count)}
    else:
        assert found is None


def test_factorisations_are_the_ones_a_brute_force_search_finds():
    # every cone factors through the apex by exactly one label
    cat = _Labelled(2)
    pb = _pullback(cat, 0, 1, 2, 3, f=1, g=0)
    cones = _EnumeratedCones(pb)
    for (cone,) in cones._all():
        found = cones.factorisations(cone)
        brute = [
            u
            for u in cat.hom(cone.apex, pb.apex)
            if u >> pb.left == cone.left and u >> pb.right == cone.right
        ]
        assert found == brute[:2] and len(brute) == 1


def test_laws_for_dispatches_each_thing_to_its_suite():
    cat = _Labelled(2)
    Id = Functor.identity(cat)
    eta = NaturalTransformation("1", Id, Id, cat.identity)
    pb = _pullback(cat, 0, 1, 2, 3, f=1, g=0)
    assert [x.suite for x in laws_for(cat, "C")] == ["category"] * 3
    assert [x.subject for x in laws_for(cat, "C")] == ["C"] * 3
    assert [x.subject for x in laws_for(cat)] == ["L2"] * 3
    assert [x.suite for x in laws_for(Id, "F")] == ["functor"] * 2
    assert [x.suite for x in laws_for(eta, "n")] == ["naturality"]
    assert [x.suite for x in laws_for(pb, "P")] == ["pullback"] * 3
    assert [x.subject for x in laws_for(pb, "P")] == ["P"] * 3
    assert [x.subject for x in laws_for(pb)] == ["pullback O0"] * 3
    assert [x.suite for x in laws_for(pb.cone, "K")] == ["pullback"]
    assert laws_for([]) is None and laws_for("text") is None
    own = category_laws(cat, subject="mine")
    unnamed = [x.at("", "") for x in own]
    assert [x.subject for x in laws_for(own + unnamed, "spec")] == ["mine"] * 3 + ["spec"] * 3
    assert laws_for(unnamed[0], "one")[0].subject == "one"
    assert laws_for(own[0], "one")[0].subject == "mine"


# --- more than one factorisation: a monoid as a one-object category ----------------------------
class _MaxMonoid(_Labelled):
    """The monoid ({0, …, m−1}, max) as a one-object category: identity 0, composing takes the
    larger label (associative, 0 is neutral). Legs both labelled m − 1 absorb everything, so
    every label factors a cone through them: factorisations are not unique."""

    def __init__(self, m: int) -> None:
        super().__init__(m, count=1)
        self.name = f"max{m}"

    def compose(self, f: Morphism, g: Morphism) -> Morphism:
        return self.arrow(f.dom, g.cod, max(f.label, g.label))  # type: ignore[attr-defined]


def test_a_monoid_category_passes_its_own_category_laws():
    cat = _MaxMonoid(3)
    results = [check_law(x, CheckConfig(seed=0)) for x in category_laws(cat)]
    assert [(r.status, r.engine) for r in results] == [("proved", "exhaustive")] * 3
    assert [r.examples for r in results] == [3, 3, 27]


@pytest.mark.parametrize("m", [2, 3, 4])
def test_factorisations_stop_at_two_of_many(m):
    cat = _MaxMonoid(m)
    pt = cat.obj(0)
    top = cat.arrow(pt, pt, m - 1)
    sp = Cospan(cat.identity(pt), cat.identity(pt))
    pb = Pullback(Cone(sp, top, top), lambda cone: cat.arrow(pt, pt, 0))
    cones = _EnumeratedCones(pb)
    cone = Cone(sp, top, top)
    brute = [u for u in cat.hom(pt, pt) if u >> top == top]
    assert len(brute) == m  # every label factors it
    assert cones.factorisations(cone) == brute[:2]
    unique = _law(pullback_laws(pb), "factorisation is unique")
    r = check_law(unique, CheckConfig(seed=0))
    assert (r.status, r.engine) == ("refuted", "exhaustive")
    # the cones over a cospan of identities are the pairs (a, a); the first, (0, 0), does not
    # factor (u >> top = top ≠ 0): both laws fail there
    assert r.examples == 0
    factors = check_law(_law(pullback_laws(pb), "every cone factors"), CheckConfig(seed=0))
    assert (factors.status, factors.examples) == ("refuted", 0)
    assert cones.factorisations(Cone(sp, cat.identity(pt), cat.identity(pt))) == []


def test_laws_for_names_diagrams_limits_and_colimits():
    from catdyn import Diagram
    from catdyn.categories.finset import FinSet
    from catdyn.limits import colimit, limit

    X = FinSet.object("X", 3)
    s = FinSet.function("s", X, X, [1, 0, 2])
    d = Diagram("swap", FinSet, [s, FinSet.identity(X)], equations=[(["s", "s"], ["id_X"])])
    assert [(x.suite, x.subject) for x in laws_for(d)] == [("diagram", "swap")]
    assert [x.subject for x in laws_for(d, "D")] == ["D"]
    loop = Diagram("loop", FinSet, [s])
    lim, colim = limit(loop), colimit(loop)
    assert [x.suite for x in laws_for(lim, "L")] == ["limit"] * 3
    assert [x.subject for x in laws_for(lim, "L")] == ["L"] * 3
    assert [x.suite for x in laws_for(colim, "C")] == ["colimit"] * 3
    assert [x.subject for x in laws_for(colim, "C")] == ["C"] * 3


def test_sampled_chains_over_listed_objects_compose_and_stay_on_them():
    from hypothesis import HealthCheck, find, settings
    from hypothesis.errors import NoSuchExample

    search = settings(
        max_examples=200, database=None, suppress_health_check=list(HealthCheck), derandomize=True
    )
    cat = _Labelled(2)
    objs = [cat.obj(i) for i in range(3)]

    def broken(chain):
        ends = [m.dom for m in chain] + [m.cod for m in chain]
        return any(f.cod != g.dom for f, g in itertools.pairwise(chain)) or any(o not in objs for o in ends)

    for law in [*category_laws(cat, objs), functor_laws(Functor.identity(cat), objs)[1]]:
        with pytest.raises(NoSuchExample):
            find(law.arguments, broken, settings=search)
        # and the draws do reach morphisms between different objects
        chain = find(law.arguments, lambda c: c[0].dom != c[0].cod, settings=search)
        assert chain[0].dom in objs and chain[0].cod in objs
