"""PLANTED VIOLATION — a square that commutes on all but one element.

On Z8, "add 2 then reduce mod 4" and "reduce mod 4 then add 2" agree — except that the
table of ``shift`` below has a typo at 5. Expected: the equation refuted at exactly x = 5.
"""

from catdyn import Diagram
from catdyn.categories.finset import FinSet

Z8, Z4 = FinSet.object("Z8", 8), FinSet.object("Z4", 4)
shift = FinSet.function("shift", Z8, Z8, [2, 3, 4, 5, 6, 6, 0, 1])  # 5 ↦ 7 was intended
mod4 = FinSet.function("mod4", Z8, Z4, [n % 4 for n in range(8)])
shift4 = FinSet.function("shift4", Z4, Z4, [(n + 2) % 4 for n in range(4)])
square = Diagram(
    "shift then reduce", FinSet, [shift, mod4, shift4], equations=[(["shift", "mod4"], ["mod4", "shift4"])]
)
