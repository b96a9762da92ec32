"""PLANTED VIOLATION — a "coequaliser" that merges two classes it should keep apart.

The coequaliser of the rotation by two and the identity (Z6 → its copy) has two orbits, the
even and the odd numbers. This one sends everything to a single point: the cocone commutes and
the cocones that are constant on the two orbits factor, but the cocone that tells the orbits
apart does not. Expected: ``factorisation is unique`` refuted (no factorisation) at an
indicator cocone into a two-element set.
"""

import numpy as np

from catdyn.categories.finset import FinSet
from catdyn.limits import Colimit, DiagramCocone, coequaliser

Z6, Z6c = FinSet.object("Z6", 6), FinSet.object("Z6'", 6)
_rotate = FinSet.function("rotate by 2", Z6, Z6c, [(n + 2) % 6 for n in range(6)])
_same = FinSet.function("same", Z6, Z6c, list(range(6)))
_true = coequaliser(_rotate, _same)
_one = FinSet.object("1", 1)
_legs = {name: FinSet.function(f"! {name}", leg.dom, _one, np.zeros(leg.dom.size, np.int64)) for name, leg in _true.legs.items()}


def _mediate(cocone):
    return FinSet.function("u", _one, cocone.apex, [int(cocone.legs["Z6'"].table[0])])


merged = Colimit(DiagramCocone(_true.diagram, _one, _legs), _mediate, "coequaliser")
