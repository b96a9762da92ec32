"""A diagram asked for a homology dimension it does not hold answers with empty arrays of the
documented shapes: ``pairs`` ``(0, 2)``, ``essential_births`` and ``lifetimes`` ``(0,)``, all
float, so that code looping over the dimensions of two diagrams (stability, features) can
treat a missing dimension as an empty one. Union-find diagrams hold dimension 0 only."""

from __future__ import annotations

import numpy as np
import pytest

from catdyn.topology.cubical import Diagram, sublevel_persistence


def _diagrams() -> list[Diagram]:
    made = Diagram((np.array([[0.0, 1.0]]),), (np.array([-1.0]),), "vertex", "union-find", (3,))
    f = np.array([[0.0, 2.0, 1.0], [3.0, 4.0, 0.5], [1.0, 1.0, 1.0]])
    return [made, sublevel_persistence(f, engine="union-find")]


@pytest.mark.parametrize("diagram", _diagrams(), ids=["built", "union-find"])
@pytest.mark.parametrize("dim", [1, 2])
def test_an_absent_dimension_is_empty(diagram: Diagram, dim: int) -> None:
    assert dim not in diagram.dims
    pairs, births, lifetimes = diagram.pairs(dim), diagram.essential_births(dim), diagram.lifetimes(dim)
    for got, shape in ((pairs, (0, 2)), (births, (0,)), (lifetimes, (0,))):
        assert isinstance(got, np.ndarray) and got.shape == shape and got.dtype == np.float64
