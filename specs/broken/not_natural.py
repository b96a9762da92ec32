"""PLANTED VIOLATION — a transformation that is not natural.

``pick`` chooses, in every set, its first element: η_X = const_0: X → X. For f: A → B,
f >> η_B is const_0 but η_A >> f is const_{f(0)}. Expected: naturality refuted at a map
with f(0) ≠ 0 (e.g. S1 → S2, 0 ↦ 1).
"""

import numpy as np

from catdyn import Functor, NaturalTransformation
from catdyn.categories.finset import FinSet

_Id = Functor.identity(FinSet)
pick = NaturalTransformation(
    "pick", _Id, _Id, lambda X: FinSet.function(f"zero_{X.name}", X, X, np.zeros(X.size, dtype=np.int64))
)
