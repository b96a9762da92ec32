"""PLANTED VIOLATION — a pullback whose mediating map is wrong on cones of 4 or more elements.

The apex and projections are the true pullback of two parity maps (so the square commutes
and factorisations are unique), but ``factor`` sends every element of a cone with at least
four elements to the first apex element. Sampling used to draw cones of at most three
elements; it now draws cones as large as the apex (and the empty cone, and the pullback's
own cone, before any random ones).

Expected: ``every cone factors`` refuted at a cone of at least 4 elements; ``square
commutes`` and ``factorisation is unique`` proved.
"""

import numpy as np

from catdyn import Cone, Cospan, Pullback
from catdyn.categories.finset import FinSet

Z6, Z2 = FinSet.object("Z6", 6), FinSet.object("Z2", 2)
parity = FinSet.function("parity", Z6, Z2, [n % 2 for n in range(6)])
_true = FinSet.pullback(Cospan(parity, parity))  # 18 pairs


def _factor(cone):
    u = _true.factor(cone)
    if cone.apex.size < 4:
        return u
    return FinSet.function("u", cone.apex, _true.apex, np.zeros(cone.apex.size, dtype=np.int64))


lazy_factor = Pullback(Cone(_true.cospan, _true.left, _true.right), _factor)
