"""PLANTED VIOLATION — a "pullback" whose projections are swapped.

The cospan f, g: A → C has both legs from A, so a cone with its legs exchanged still
type-checks. Its square does not commute, and factoring a cone through it gives the legs
the wrong way round. Expected: ``square commutes`` and ``every cone factors`` refuted.
"""

from catdyn import Cone, Cospan, Pullback
from catdyn.categories.finset import FinSet

A, C = FinSet.object("A", 3), FinSet.object("C", 2)
f = FinSet.function("f", A, C, [0, 1, 1])
g = FinSet.function("g", A, C, [0, 0, 1])
_true = FinSet.pullback(Cospan(f, g))
swapped = Pullback(Cone(_true.cospan, _true.right, _true.left), _true.factor)
