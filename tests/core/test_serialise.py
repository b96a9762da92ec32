"""JSON round trip of diagrams, and malformed documents pointing at the offending field."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catdyn import Diagram
from catdyn.categories.finset import FinSet
from catdyn.categories.perm import Perm
from catdyn.errors import SpecError
from catdyn.serialise import diagram_from_json, diagram_to_json, equal_diagrams, parse_entry


@st.composite
def finset_diagrams(draw):
    n_obj = draw(st.integers(1, 4))
    objs = []
    for i in range(n_obj):
        size = draw(st.integers(0, 3))
        labelled = draw(st.booleans())
        labels = [f"e{i}_{k}" for k in range(size)] if labelled else size
        objs.append(FinSet.object(f"O{i}", labels))
    morphisms = []
    for j in range(draw(st.integers(0, 5))):
        d, c = draw(st.sampled_from(objs)), draw(st.sampled_from(objs))
        if c.size == 0 and d.size > 0:
            continue
        table = draw(st.lists(st.integers(0, max(c.size - 1, 0)), min_size=d.size, max_size=d.size))
        morphisms.append(FinSet.function(f"m{j}", d, c, table))
    equations = [([m.name], [m.name]) for m in morphisms[:1]]
    return Diagram(draw(st.text(min_size=1, max_size=8)), FinSet, morphisms, objects=objs, equations=equations)


@given(finset_diagrams())
def test_finset_round_trip_is_the_identity(d):
    assert equal_diagrams(diagram_from_json(diagram_to_json(d)), d)


@given(Perm.composable(2))
def test_perm_round_trip_is_the_identity(chain):
    f, g = chain
    d = Diagram("perm", Perm, [Perm.element(f.dom, *f.perms, name="f"), Perm.element(g.dom, *g.perms, name="g")],
                equations=[(["f", "g"], ["f", "g"])])
    back = diagram_from_json(diagram_to_json(d))
    assert equal_diagrams(back, d)


def test_pullback_apex_with_tuple_labels_round_trips():
    from catdyn import Cospan

    A, C = FinSet.object("A", ["a", "b"]), FinSet.object("C", ["c"])
    f = FinSet.function("f", A, C, [0, 0])
    P = FinSet.pullback(Cospan(f, f))
    d = Diagram("pb", FinSet, [P.left, P.right, f])
    assert equal_diagrams(diagram_from_json(diagram_to_json(d)), d)


def _doc(**over):
    doc = {"format": "catdyn.diagram/1", "category": "FinSet", "name": "d",
           "objects": [{"name": "A", "size": 2}], "morphisms": [{"name": "f", "dom": "A", "cod": "A", "table": [0, 1]}]}
    doc.update(over)
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (_doc(objects=[{"name": "A", "size": "two"}]), "objects.0.size"),
        (_doc(morphisms=[{"name": "f", "dom": "A", "cod": "A", "table": [0, "x"]}]), "morphisms.0.table.1"),
        (_doc(morphisms=[{"name": "f", "dom": "A", "cod": "A"}]), "morphisms.0.table"),
        (_doc(morphisms=[{"name": "f", "dom": "A", "cod": "Z", "table": [0, 1]}]), "morphisms.0"),
        (_doc(morphisms=[{"name": "f", "dom": "A", "cod": "A", "table": [0, 7]}]), "morphisms.0"),
        (_doc(category="Grp"), "category"),
        (_doc(format="other/2"), "format"),
        (_doc(equations=[{"lhs": [], "rhs": ["f"]}]), "equations.0.lhs"),
        (_doc(equations=[{"lhs": ["g"], "rhs": ["f"]}]), "equations"),
        (_doc(extra=1), "extra"),
    ],
)
def test_malformed_documents_name_the_field(text, field):
    with pytest.raises(SpecError, match=rf"field {field}[:.]"):
        diagram_from_json(text, source="doc.json")


def test_not_json_at_all():
    with pytest.raises(SpecError, match=r"doc.json: not JSON \(line 1"):
        diagram_from_json("{", source="doc.json")


def test_symbolic_entries_parse_without_eval():
    import sympy

    a, b = sympy.symbols("a b")
    assert parse_entry("-(a + 1)**2 / 3") == -((a + 1) ** 2) / 3
    assert parse_entry(7) == 7 and parse_entry("2*b") == 2 * b
    for bad in ["a.b", "f(1)", "__x", "1.5", "a ** b", "[1]", "2**100000000", "(a+1)**999", "a**-1", "9" * 100]:
        with pytest.raises(ValueError):
            parse_entry(bad)


@given(st.data())
def test_matq_round_trip_with_symbols_is_the_identity(data):
    import sympy

    from catdyn.categories.mat import MatQ

    a, b = sympy.symbols("a b")
    entries = st.sampled_from([sympy.Integer(0), sympy.Rational(1, 2), -sympy.Integer(3), a, a * b - 1, (a + 1) ** 2 / 5])
    A, B = MatQ.object("A", data.draw(st.integers(0, 3))), MatQ.object("B", data.draw(st.integers(0, 3)))
    rows = [[data.draw(entries) for _ in range(A.dim)] for _ in range(B.dim)]
    f = MatQ.matrix("f", A, B, rows)
    d = Diagram("mat", MatQ, [f, MatQ.identity(B)], equations=[(["f", "id_B"], ["f"])])
    assert equal_diagrams(diagram_from_json(diagram_to_json(d)), d)


def test_matq_entry_that_is_not_a_number_names_the_field():
    doc = {"format": "catdyn.diagram/1", "category": "MatQ", "name": "m", "objects": [{"name": "A", "dim": 1}],
           "morphisms": [{"name": "f", "dom": "A", "cod": "A", "entries": [["os.system(1)"]]}]}
    with pytest.raises(SpecError, match=r"field morphisms.0: unsupported syntax"):
        diagram_from_json(json.dumps(doc))
