"""PLANTED VIOLATION — a "limit" whose apex repeats one tuple.

The apex of the chain diagram's limit gets one extra element, a copy of its first tuple, so
the cone still commutes and every cone still factors (through the first copy) — but not
uniquely. Expected: ``factorisation is unique`` refuted at the one-point cone at that tuple,
showing both factorisations.
"""

import numpy as np

from catdyn import Diagram
from catdyn.categories.finset import FinSet
from catdyn.limits import DiagramCone, Limit, limit

X, Y = FinSet.object("X", 3), FinSet.object("Y", 2)
_d = Diagram("map", FinSet, [FinSet.function("a", X, Y, [0, 1, 1])])
_true = limit(_d)
_big = FinSet.object("L+1", _true.apex.size + 1)
_legs = {
    name: FinSet.function(f"p_{name}", _big, leg.cod, np.append(leg.table, leg.table[0]))
    for name, leg in _true.legs.items()
}


def _mediate(cone):
    return FinSet.function("u", cone.apex, _big, _true.factor(cone).table)


too_large = Limit(DiagramCone(_d, _big, _legs), _mediate)
