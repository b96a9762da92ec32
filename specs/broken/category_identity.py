"""PLANTED VIOLATION — a "category" of finite sets whose identities are cyclic shifts.

``ShiftedFinSet`` is FinSet with ``identity(X)`` replaced by the rotation i ↦ i + 1 (mod |X|),
which is the identity only on sets of at most one element. Expected: ``left identity`` and
``right identity`` refuted on a map out of (or into) a two-element set; associativity holds.
"""

import numpy as np

from catdyn.categories.finset import FinFunction, FinSetCategory


class ShiftedFinSetCategory(FinSetCategory):
    name = "ShiftedFinSet"

    def identity(self, obj):
        return FinFunction(f"shift_{obj.name}", obj, obj, np.roll(np.arange(obj.size), 1))


ShiftedFinSet = ShiftedFinSetCategory()
