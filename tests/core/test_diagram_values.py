"""Typed values (one schema each) and backend morphisms (validated, serialised, typed)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from catdyn import Cospan
from catdyn.errors import CompositionError, ConeError, SchemaError, SpecError
from catdyn.morphisms import (
    BACKEND,
    BackendMorphism,
    Identity,
    Project,
    describe,
    from_serialisation,
    registered,
)
from catdyn.values import Claims, Population, Table, Value, type_name


class Rows(BackendMorphism):
    """n rows."""

    inputs, output = (), Table
    n: int = 1

    def run(self, ctx, *inputs):
        return Table([{"i": i} for i in range(self.n)])


class Count(BackendMorphism):
    """The number of rows."""

    inputs, output = (Table,), Table

    def run(self, ctx, table):
        return Table([{"n": len(table.rows)}])


class Judge(BackendMorphism):
    """Claims from a table."""

    inputs, output = (Table,), Claims

    def run(self, ctx, table):
        return Claims([])


def test_a_value_round_trips_and_refuses_fields_outside_its_schema() -> None:
    pop = Population({"type": "mlp", "widths": [2, 2]}, {"w": [[1.0], [2.0]]}, ["ok", "ok"], [0, 1])
    assert Population.from_tree(pop.to_tree()) == pop
    tree = pop.to_tree() | {"input_shape": [2]}  # what two writers disagreeing about a type looks like
    with pytest.raises(SchemaError, match="input_shape"):
        Population.from_tree(tree)
    with pytest.raises(SchemaError, match="without its field seeds"):
        Population.from_tree({k: v for k, v in pop.to_tree().items() if k != "seeds"})
    with pytest.raises(SchemaError, match="stacked over 2 members, not 3"):
        Population({}, {"w": [1, 2]}, ["ok"] * 3, [0, 1, 2])


def test_what_training_kept_is_typed_and_a_wrong_field_is_refused() -> None:
    """Population has one schema for what training kept (losses, failed_at, route, checkpoints,
    trajectory): two morphisms cannot store it under different names or shapes."""
    import numpy as np

    params = {"w": np.zeros((2, 3)), "b": np.zeros((2, 1))}
    kept = dict(losses=np.zeros((5, 2)), failed_at=np.array([-1, 3]), route="fast",
                checkpoints={"0": {"w": np.ones((2, 3)), "b": np.ones((2, 1))}}, trajectory=np.zeros((2, 4, 4)))
    pop = Population({"type": "mlp"}, params, ["ok", "failed"], [0, 1], **kept)
    back = Population.from_tree(pop.to_tree())
    assert back.route == "fast" and back.failed_at.tolist() == [-1, 3] and sorted(back.checkpoints["0"]) == ["b", "w"]
    wrong = {
        "failed_at over 3 members, not 2": dict(failed_at=np.array([-1, -1, -1])),
        "trajectory over 1 members, not 2": dict(trajectory=np.zeros((1, 4, 4))),
        r"losses of shape \(5, 3\) for 2 members": dict(losses=np.zeros((5, 3))),
        "a checkpoint named 'late'": dict(checkpoints={"late": {"w": params["w"], "b": params["b"]}}),
        r"checkpoint 0 holding parameters \['w'\], not those of params": dict(checkpoints={"0": {"w": params["w"]}}),
        "checkpoint 0's b over 1 members, not 2": dict(checkpoints={"0": {"w": params["w"], "b": np.zeros((1, 1))}}),
    }
    for message, fields in wrong.items():
        with pytest.raises(SchemaError, match=message):
            Population({"type": "mlp"}, params, ["ok", "failed"], [0, 1], **fields)
    with pytest.raises(TypeError, match="extras"):  # no free dict beside the schema any more
        Population({"type": "mlp"}, params, ["ok", "failed"], [0, 1], extras={"losses": None})
    with pytest.raises(SchemaError, match="fields losses_per_step that its schema does not have"):
        Population.from_tree(pop.to_tree() | {"losses_per_step": [1.0]})


def test_a_population_an_older_catdyn_stored_with_free_extras_is_read_into_the_typed_fields() -> None:
    tree = {"arch": {"type": "mlp"}, "params": {"w": [[1.0], [2.0]]}, "status": ["ok", "ok"], "seeds": [0, 1],
            "meta": [], "extras": {"losses": [[0.5, 0.4]], "failed_at": [-1, -1], "path": "fast",
                                   "checkpoints": {"3": {"w": [[0.0], [1.0]]}}}}
    pop = Population.from_tree(tree)
    assert pop.route == "fast" and pop.failed_at == [-1, -1] and pop.checkpoints == {"3": {"w": [[0.0], [1.0]]}}
    with pytest.raises(SchemaError, match="fields surprise"):
        Population.from_tree({**tree, "extras": {"surprise": 1}})


def test_nested_values_are_rebuilt_as_their_types() -> None:
    @dataclasses.dataclass(frozen=True)
    class Pair(Value):
        left: Value
        right: Value

    p = Pair.from_tree({"left": {}, "right": {}})
    assert type(p.left) is Value


def test_parameters_are_validated_when_the_morphism_is_built() -> None:
    with pytest.raises(SpecError, match="n: Input should be a valid integer"):
        Rows(n="many")
    with pytest.raises(SpecError, match="Extra inputs are not permitted"):
        Rows(m=2)
    assert Rows(n="3").n == 3


def test_serialisation_is_the_string_form_and_round_trips() -> None:
    r = Rows(n=2)
    data = r.serialise()
    assert data == {"morphism": type_name(Rows), "version": "1", "params": {"n": 2}}
    assert from_serialisation(json.loads(json.dumps(data))) == r
    assert str(r) == "Rows(n=2)"


class Unrunnable(BackendMorphism):
    """Declares its types but never says how to compute itself."""

    inputs, output = (), Table


def test_a_morphism_without_run_cannot_be_built_nor_rebuilt() -> None:
    with pytest.raises(TypeError, match="abstract method run"):
        Unrunnable()
    with pytest.raises(SpecError, match="abstract: it has no run"):
        from_serialisation({"morphism": type_name(Unrunnable), "params": {}})


def test_composition_checks_types_and_names_both_morphisms() -> None:
    composite = Rows(n=2) >> Count()
    assert composite.run(None).rows == [{"n": 2}]
    assert from_serialisation(json.loads(json.dumps(composite.serialise()))).run(None).rows == [{"n": 2}]
    with pytest.raises(CompositionError, match=r"Judge.*Count|Count.*Judge"):
        Judge() >> Count()
    assert BACKEND.compare(Rows(n=1), Rows(n=1)).equal and not BACKEND.compare(Rows(n=1), Rows(n=2)).equal
    assert Identity(type=type_name(Table)).run(None, Table([])) == Table([])


def test_a_cospan_of_backend_morphisms_needs_a_common_codomain() -> None:
    Cospan(Count(), Count())
    with pytest.raises(ConeError, match="codomains differ"):
        Cospan(Count(), Judge())


def test_projections_take_their_types_from_the_apex() -> None:
    p = Project(apex="catdyn.backends.torch.transfer.values:FibrePoints", side="right")
    assert p.codomain() is Population and p.name == "π_right"


def test_catdyn_morphisms_lists_every_registered_morphism_with_its_ends() -> None:
    out = subprocess.run([sys.executable, "-m", "catdyn.cli", "morphisms", "--json"], capture_output=True,
                         text=True, check=True)
    listed = {m["qualified"]: m for m in json.loads(out.stdout)}
    assert set(listed) == set(registered())
    tune = listed["catdyn.backends.torch.transfer.morphisms:Tune"]
    assert (tune["dom"], tune["cod"]) == ("Population × TransferTask", "TransferRuns")
    assert [p["name"] for p in tune["parameters"]] == ["method", "steps", "configs"]
    assert listed["catdyn.backends.torch.training.morphisms:Train"]["cod"] == "Population"
    assert describe(Rows)["parameters"] == [{"name": "n", "type": "int", "default": 1, "required": False}]
