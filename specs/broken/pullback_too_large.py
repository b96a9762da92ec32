"""PLANTED VIOLATION — a "pullback" whose apex is too large.

The apex repeats one pair of the true pullback, so its square commutes and every cone
factors — but not uniquely: the cone at that pair factors through either copy. Expected:
``factorisation is unique`` refuted at that one-point cone, showing both factorisations.
"""

import numpy as np

from catdyn import Cone, Cospan, Pullback
from catdyn.categories.finset import FinSet

A, B, C = FinSet.object("A", 3), FinSet.object("B", 2), FinSet.object("C", 2)
f = FinSet.function("f", A, C, [0, 1, 1])
g = FinSet.function("g", B, C, [1, 0])
_true = FinSet.pullback(Cospan(f, g))  # pairs (0, 1), (1, 0), (2, 0)
_n = _true.apex.size
big = FinSet.object("P+1", _n + 1)
_p = FinSet.function("p", big, A, np.append(_true.left.table, _true.left.table[1]))  # copy of (1, 0)
_q = FinSet.function("q", big, B, np.append(_true.right.table, _true.right.table[1]))


def _mediate(cone):
    u = _true.factor(cone)
    return FinSet.function("u", cone.apex, big, u.table)


too_large = Pullback(Cone(_true.cospan, _p, _q), _mediate)
