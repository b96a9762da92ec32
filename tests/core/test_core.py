"""The DSL core: composition checking, functors, natural transformations, diagrams, cospans.

One test per kind of user mistake, each asserting that the message names what is involved.
"""

import numpy as np
import pytest

from catdyn import Cone, Cospan, Diagram, Functor, NaturalTransformation
from catdyn.categories.finset import FinSet
from catdyn.categories.perm import Perm
from catdyn.errors import (
    CompositionError,
    ConeError,
    FunctorError,
    NameClashError,
    NaturalityError,
    UnknownObjectError,
)

A, B, C, D = (FinSet.object(n, 2) for n in "ABCD")
f = FinSet.function("f", A, B, [1, 0])
g = FinSet.function("g", C, D, [0, 0])


def test_composition_of_non_meeting_morphisms_names_both_and_their_ends():
    with pytest.raises(CompositionError) as err:
        f >> g
    msg = str(err.value)
    assert "cannot compose f >> g" in msg and "f: A → B" in msg and "g: C → D" in msg


def test_same_size_different_objects_do_not_compose():
    # nominal typing: B and C are both 2-element sets but not the same object
    assert B != C
    with pytest.raises(CompositionError):
        f >> FinSet.function("h", C, C, [0, 1])


def test_composition_across_categories_and_with_non_morphisms():
    with pytest.raises(CompositionError, match=r"f lives in FinSet but id_S\(2\) lives in Perm"):
        f >> Perm.identity(Perm.group(2))
    with pytest.raises(CompositionError, match=r"right-hand side is a int"):
        f >> 3


def test_morphism_equality_ignores_names_and_objects_compare_by_name():
    assert FinSet.function("x", A, B, [1, 0]) == f
    assert hash(FinSet.function("x", A, B, [1, 0])) == hash(f)
    assert FinSet.object("A", 2) == A and FinSet.object("A", 3) != A


def test_morphisms_are_immutable():
    with pytest.raises(ValueError):
        f.table[0] = 1
    with pytest.raises(AttributeError):
        f.name = "other"  # type: ignore[misc]


def test_functor_with_wrong_ends_is_named():
    bad = Functor("F", FinSet, FinSet, lambda X: X, lambda m: FinSet.identity(m.dom))
    with pytest.raises(FunctorError) as err:
        bad(f)
    msg = str(err.value)
    assert "functor F sends f: A → B to id_A: A → A" in msg and "must go A → B" in msg


def test_functor_given_by_a_dict_names_the_missing_object():
    F = Functor("F", FinSet, FinSet, {A: A}, {})
    with pytest.raises(UnknownObjectError, match=r"unknown object B in F \(it has: A\)"):
        F(B)
    with pytest.raises(UnknownObjectError, match=r"unknown morphism f in F"):
        F(f)


def test_functor_applied_outside_its_source():
    F = Functor.identity(Perm)
    with pytest.raises(FunctorError, match=r"functor Id_Perm goes from Perm but was given f of FinSet"):
        F(f)


def test_functor_composition_checks_categories():
    F = Functor.identity(FinSet)
    G = Functor.identity(Perm)
    with pytest.raises(FunctorError, match=r"Id_FinSet lands in FinSet but Id_Perm starts from Perm"):
        F >> G
    assert (F >> F)(f) == f


def test_natural_transformation_component_with_wrong_ends():
    Id = Functor.identity(FinSet)
    eta = NaturalTransformation("eta", Id, Id, lambda X: f)
    with pytest.raises(NaturalityError, match=r"component of eta at B goes A → B but must go B → B"):
        eta(B)


def test_natural_transformation_between_non_parallel_functors():
    with pytest.raises(NaturalityError, match=r"not parallel"):
        NaturalTransformation("eta", Functor.identity(FinSet), Functor.identity(Perm), {})


def test_diagram_equation_of_non_parallel_paths():
    h = FinSet.function("h", B, A, [0, 1])
    with pytest.raises(CompositionError, match=r"equation 0 of diagram d \(f = h\).*not parallel"):
        Diagram("d", FinSet, [f, h], equations=[(["f"], ["h"])])


def test_diagram_equation_with_unknown_morphism_and_non_composable_path():
    h = FinSet.function("h", B, A, [0, 1])
    with pytest.raises(UnknownObjectError, match=r"unknown morphism k in d \(it has: f, h\)"):
        Diagram("d", FinSet, [f, h], equations=[(["k"], ["f"])])
    with pytest.raises(CompositionError, match=r"cannot compose f >> f"):
        Diagram("d", FinSet, [f, h], equations=[(["f", "f"], ["f"])])


def test_diagram_paths_and_parallel_pairs():
    h = FinSet.function("h", B, A, [0, 1])
    k = FinSet.function("k", A, B, [0, 1])
    d = Diagram("d", FinSet, [f, h, k])
    assert sorted(len(p) for p in d.paths(A, B, max_length=3)) == [1, 1, 3, 3, 3, 3]
    assert d.graph().number_of_edges() == 3
    assert len(d.parallel_pairs(max_length=1)) == 1  # f and k, both A → B


def test_diagram_rejects_two_objects_with_one_name():
    other_A = FinSet.object("A", 3)
    with pytest.raises(NameClashError, match=r"diagram d has two different objects named A"):
        Diagram("d", FinSet, [f, FinSet.identity(other_A)])


def test_cospan_with_different_codomains():
    with pytest.raises(ConeError, match=r"f: A → B and g: C → D do not form a cospan"):
        Cospan(f, g)


def test_cone_over_the_wrong_objects():
    cospan = Cospan(f, FinSet.function("k", C, B, [0, 1]))
    with pytest.raises(ConeError, match=r"does not sit over the cospan"):
        Cone(cospan, FinSet.function("p", C, C, [0, 1]), FinSet.function("q", C, A, [0, 1]))


def test_cone_factoring_through_another_cospans_pullback():
    k = FinSet.function("k", C, B, [0, 1])
    P = FinSet.pullback(Cospan(f, k))
    other = Cospan(f, FinSet.function("k2", C, B, [1, 1]))
    P2 = FinSet.pullback(other)
    with pytest.raises(ConeError, match=r"not over this pullback's cospan"):
        P.factor(P2.cone)


def test_composition_chain_helper():
    from catdyn import compose_all

    s = FinSet.function("s", A, A, [1, 0])
    assert compose_all([s, s]) == FinSet.identity(A)
    with pytest.raises(CompositionError, match="empty chain"):
        compose_all([])
    assert np.array_equal(compose_all([s]).table, s.table)


def test_equation_with_a_different_morphism_of_the_same_name_is_refused():
    s = FinSet.function("s", A, A, [1, 0])
    impostor = FinSet.function("s", A, A, [0, 0])
    with pytest.raises(NameClashError, match=r"diagram d has two different morphisms named s"):
        Diagram("d", FinSet, [s], equations=[([impostor], [s])])
    with pytest.raises(NameClashError, match=r"two different morphisms named s"):
        Diagram("d", FinSet, [s, impostor])
