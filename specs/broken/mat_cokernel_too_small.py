"""PLANTED VIOLATION — a "pushout" in MatR that forgets a direction.

The pushout of a line into a plane and into another plane is three-dimensional; this one
keeps only the first two coordinates of the true cokernel. Its cocone commutes, but a
cocone that uses the forgotten direction cannot factor. Expected: ``factorisation is unique``
refuted (no factorisation) at a cocone built from the reference cokernel.
"""

import numpy as np

from catdyn.categories.mat import MatR
from catdyn.limits import Colimit, DiagramCocone, pushout

L, P, V = MatR.object("L", 1), MatR.object("P", 2), MatR.object("V", 2)
_true = pushout(MatR.matrix("s", L, P, [[1.0], [1.0]]), MatR.matrix("t", L, V, [[0.0], [3.0]]))
_small = MatR.object("Q2", 2)
_keep = MatR.matrix("keep", _true.apex, _small, np.eye(3)[:2])
_legs = {name: leg >> _keep for name, leg in _true.legs.items()}


def _mediate(cocone):
    lift = np.linalg.pinv(_keep.matrix)
    return MatR.matrix("u", _small, cocone.apex, np.asarray(_true.factor(cocone).matrix) @ lift)


forgetful = Colimit(DiagramCocone(_true.diagram, _small, _legs), _mediate, "pushout")
