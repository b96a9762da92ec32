"""PLANTED VIOLATION — an "equaliser" whose leg picks an element the two maps disagree on.

The equaliser of ``n ↦ 2n`` and ``n ↦ 4n`` (mod 6) is {0, 3}; this one's leg picks {0, 1}.
Expected: ``cone commutes`` refuted (the triangles through ``twice`` and ``four times``
disagree at the element 1).
"""

from catdyn.categories.finset import FinSet
from catdyn.limits import DiagramCone, Limit, equaliser

Z6, Z6c = FinSet.object("Z6", 6), FinSet.object("Z6'", 6)
_twice = FinSet.function("twice", Z6, Z6c, [(2 * n) % 6 for n in range(6)])
_four = FinSet.function("four times", Z6, Z6c, [(4 * n) % 6 for n in range(6)])
_true = equaliser(_twice, _four)
_E = FinSet.object("E", 2)
_leg = FinSet.function("e", _E, Z6, [0, 1])
wrong_leg = Limit(
    DiagramCone(_true.diagram, _E, {"Z6": _leg, "Z6'": _leg >> _twice}),
    lambda cone: FinSet.function("u", cone.apex, _E, [0] * cone.apex.size),
    "equaliser",
)
