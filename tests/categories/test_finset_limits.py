"""FinSet limits and colimits against brute force on 1,000 random small diagrams, the named
shapes on known answers, and bad input."""

import itertools

import numpy as np
import pytest

from catdyn import Diagram
from catdyn.categories._finset_limits import finset_coequaliser_labels
from catdyn.categories.finset import FinSet
from catdyn.errors import ConeError, LimitTooLargeError
from catdyn.limits import (
    DiagramCocone,
    DiagramCone,
    coequaliser,
    colimit,
    coproduct,
    equaliser,
    limit,
    product,
    pullback_of,
    pushout,
)
from catdyn.unionfind import quotient_labels, quotient_labels_by_loops


def random_diagram(rng: np.random.Generator, k: int) -> Diagram:
    objects = [FinSet.object(f"O{i}", int(rng.integers(0, 4))) for i in range(int(rng.integers(1, 4)))]
    morphisms = []
    for j in range(int(rng.integers(0, 4))):
        a, b = objects[int(rng.integers(len(objects)))], objects[int(rng.integers(len(objects)))]
        if a.size and not b.size:
            continue
        morphisms.append(FinSet.function(f"m{j}", a, b, rng.integers(0, max(b.size, 1), a.size)))
    return Diagram(f"D{k}", FinSet, morphisms, objects=objects)


def brute_tuples(d: Diagram) -> list[tuple[int, ...]]:
    objs = list(d.objects)
    out = []
    for t in itertools.product(*(range(o.size) for o in objs)):
        at = {o.name: x for o, x in zip(objs, t)}
        if all(int(m.table[at[m.dom.name]]) == at[m.cod.name] for m in d.morphisms):
            out.append(t)
    return out


def brute_classes(d: Diagram) -> dict[tuple[str, int], int]:
    """Class of each element of the disjoint union, by repeated relabelling until stable."""
    label = {(o.name, x): i for i, (o, x) in enumerate((o, x) for o in d.objects for x in range(o.size))}
    changed = True
    while changed:
        changed = False
        for m in d.morphisms:
            for x in range(m.dom.size):
                a, b = (m.dom.name, x), (m.cod.name, int(m.table[x]))
                low = min(label[a], label[b])
                if label[a] != low or label[b] != low:
                    label[a] = label[b] = low
                    changed = True
    return label


def test_limits_agree_with_brute_force_on_1000_random_diagrams():
    rng = np.random.default_rng(17)
    for k in range(1000):
        d = random_diagram(rng, k)
        L = limit(d)
        objs = list(d.objects)
        rows = list(zip(*(L.leg(o).table.tolist() for o in objs))) if L.apex.size else []
        expected = brute_tuples(d)
        assert sorted(rows) == expected, d  # the legs are a bijection onto the compatible tuples
        assert len(set(rows)) == len(rows)
        assert L.apex.size == len(expected)
        # universal property by brute force: every cone from a one-point set (a compatible tuple)
        # factors through exactly the one apex element that the mediating morphism names
        pt = FinSet.object("pt", 1)
        for t in expected:
            cone = DiagramCone(d, pt, {o.name: FinSet.function(f"x{i}", pt, o, [t[i]]) for i, o in enumerate(objs)})
            hits = [p for p, row in enumerate(rows) if row == t]
            assert hits == [int(L.factor(cone).table[0])]
        # a cone from a set of several elements factors, and u >> leg = cone leg
        if expected:
            pick = [expected[int(i)] for i in rng.integers(0, len(expected), 3)]
            X = FinSet.object("X", 3)
            cone = DiagramCone(d, X, {o.name: FinSet.function("x", X, o, [t[i] for t in pick]) for i, o in enumerate(objs)})
            u = L.factor(cone)
            assert all((u >> L.leg(o)) == cone.leg(o) for o in objs)


def test_colimits_agree_with_brute_force_on_1000_random_diagrams():
    rng = np.random.default_rng(18)
    for k in range(1000):
        d = random_diagram(rng, k)
        C = colimit(d)
        objs = list(d.objects)
        reference = brute_classes(d)
        ours = {(o.name, x): int(C.leg(o).table[x]) for o in objs for x in range(o.size)}
        # the same partition: a bijection between our classes and the reference's
        pairs = set(zip(ours.values(), (reference[e] for e in ours)))
        assert len(pairs) == len(set(ours.values())) == len(set(reference.values())) == C.apex.size
        # universal property by brute force: every cocone into a two-element set (every map
        # from the disjoint union that commutes) factors uniquely, through factor()
        elements = list(ours)
        Y = FinSet.object("Y", 2)
        for values in itertools.product((0, 1), repeat=len(elements)):
            val = dict(zip(elements, values))
            if not all(val[(m.dom.name, x)] == val[(m.cod.name, int(m.table[x]))] for m in d.morphisms for x in range(m.dom.size)):
                continue
            legs = {o.name: FinSet.function("y", o, Y, [val[(o.name, x)] for x in range(o.size)]) for o in objs}
            cocone = DiagramCocone(d, Y, legs)
            solutions = [
                u for u in itertools.product((0, 1), repeat=C.apex.size)
                if all(u[ours[e]] == val[e] for e in elements)
            ]
            assert solutions == [tuple(C.factor(cocone).table.tolist())]


def test_named_shapes_give_the_known_answers():
    A, B = FinSet.object("A", 3), FinSet.object("B", 2)
    P = product(A, B)
    assert P.apex.size == 6 and P.leg("A").table.tolist() == [0, 0, 1, 1, 2, 2]
    S = coproduct(A, B)
    assert S.apex.size == 5 and S.leg("B").table.tolist() == [3, 4]
    Z, Zc = FinSet.object("Z6", 6), FinSet.object("Z6'", 6)
    twice = FinSet.function("twice", Z, Zc, [2 * n % 6 for n in range(6)])
    four = FinSet.function("four", Z, Zc, [4 * n % 6 for n in range(6)])
    assert equaliser(twice, four).leg("Z6").table.tolist() == [0, 3]
    rot = FinSet.function("rot", Z, Zc, [(n + 2) % 6 for n in range(6)])
    same = FinSet.function("same", Z, Zc, list(range(6)))
    Q = coequaliser(rot, same)
    assert Q.apex.size == 2 and Q.leg("Z6'").table.tolist() == [0, 1, 0, 1, 0, 1]
    C = FinSet.object("C", 2)
    f, g = FinSet.function("f", A, C, [0, 1, 1]), FinSet.function("g", B, C, [1, 0])
    pb = pullback_of(f, g)
    old = FinSet.pullback(__import__("catdyn").Cospan(f, g))
    assert pb.leg("A").table.tolist() == old.left.table.tolist()
    assert pb.leg("B").table.tolist() == old.right.table.tolist()
    pt, ii, jj = FinSet.object("pt", 1), FinSet.object("I", 3), FinSet.object("J", 2)
    po = pushout(FinSet.function("e", pt, ii, [2]), FinSet.function("s", pt, jj, [0]))
    assert po.apex.size == 4  # two intervals glued at one end: 3 + 2 - 1 points


def test_empty_diagram_gives_terminal_and_initial_sets():
    d = Diagram("nothing", FinSet)
    assert limit(d).apex.size == 1 and colimit(d).apex.size == 0


def test_coequaliser_fast_path_numbers_classes_like_the_general_route():
    rng = np.random.default_rng(3)
    for _ in range(200):
        A, B = FinSet.object("A", int(rng.integers(0, 6))), FinSet.object("B", int(rng.integers(1, 6)))
        f = FinSet.function("f", A, B, rng.integers(0, B.size, A.size))
        g = FinSet.function("g", A, B, rng.integers(0, B.size, A.size))
        fast = coequaliser(f, g)
        d = Diagram("pair", FinSet, [f, g])
        from catdyn.categories._finset_limits import _disjoint_union_quotient

        general = _disjoint_union_quotient(d)
        assert fast.leg("A").table.tolist() == general["A"].tolist()
        assert fast.leg("B").table.tolist() == general["B"].tolist()


def test_union_find_matches_quick_find_on_random_relations():
    rng = np.random.default_rng(5)
    for _ in range(300):
        n = int(rng.integers(0, 40))
        m = int(rng.integers(0, 60)) if n else 0
        a, b = rng.integers(0, max(n, 1), m), rng.integers(0, max(n, 1), m)
        assert quotient_labels(n, a, b).tolist() == quotient_labels_by_loops(n, a.tolist(), b.tolist())
    assert finset_coequaliser_labels(np.array([1]), np.array([0]), 3).tolist() == [0, 0, 1]


def test_repeated_objects_and_non_parallel_maps_are_refused_clearly():
    A, B = FinSet.object("A", 2), FinSet.object("B", 2)
    with pytest.raises(ConeError, match="repeats an object"):
        product(A, A)
    s = FinSet.function("s", A, A, [1, 0])
    with pytest.raises(ConeError, match="renamed copy"):
        equaliser(s, FinSet.identity(A))
    with pytest.raises(ConeError, match="not parallel"):
        coequaliser(FinSet.function("f", A, B, [0, 1]), FinSet.function("g", B, A, [0, 1]))
    L = limit(Diagram("d", FinSet, [FinSet.function("f", A, B, [0, 1])]))
    with pytest.raises(ConeError, match="legs for"):
        DiagramCone(L.diagram, A, {"A": FinSet.identity(A)})
    X = FinSet.object("X", 1)
    bad = DiagramCone(L.diagram, X, {"A": FinSet.function("a", X, A, [0]), "B": FinSet.function("b", X, B, [1])})
    with pytest.raises(ConeError, match="does not commute"):
        L.factor(bad)


def test_a_limit_too_large_is_refused_before_it_is_built(monkeypatch):
    from catdyn.categories import _finset_limits

    monkeypatch.setattr(_finset_limits, "MAX_ROWS", 1000)
    objs = [FinSet.object(f"O{i}", 20) for i in range(3)]
    with pytest.raises(LimitTooLargeError, match="cap of 1,000"):
        product(*objs)


def test_labels_of_the_limit_are_tuples_of_labels_even_when_labels_are_tuples():
    A = FinSet.object("A", [("a", 0), ("a", 1)])
    B = FinSet.object("B", ["x", "y", "z"])
    P = product(A, B)
    assert P.apex.elements[:2] == ((("a", 0), "x"), (("a", 0), "y"))
    pb = FinSet.pullback(__import__("catdyn").Cospan(FinSet.identity(B), FinSet.identity(B)))
    C = FinSet.object("C", ["u"])
    assert product(pb.apex, C).apex.elements[0] == (("x", "x"), "u")


def test_a_join_too_large_is_refused_before_it_is_built(monkeypatch):
    from catdyn.categories import _finset_limits

    monkeypatch.setattr(_finset_limits, "MAX_ROWS", 50)
    A, B = FinSet.object("A", 10), FinSet.object("B", 1)
    d = Diagram("fan", FinSet, [FinSet.function("f", A, B, [0] * 10), FinSet.function("g", FinSet.object("C", 10), B, [0] * 10)])
    with pytest.raises(LimitTooLargeError, match="100 tuples"):
        limit(d)
