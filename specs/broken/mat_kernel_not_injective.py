"""PLANTED VIOLATION — a "kernel" (equaliser in MatQ) given by a redundant spanning set.

The equaliser of two maps ℚ³ → ℚ² is a plane; this one takes the two basis vectors and their
sum as three columns, so its legs span the right plane (the cone commutes, every cone factors)
but a cone factors in more than one way. Expected: ``factorisation is unique`` refuted,
showing two factorisations that differ by a vector of the kernel of the legs.
"""

import sympy

from catdyn.categories.mat import MatQ
from catdyn.limits import DiagramCone, Limit, equaliser

U, V = MatQ.object("U", 3), MatQ.object("V", 2)
_f = MatQ.matrix("f", U, V, [[1, 0, 2], [0, 1, "1/2"]])
_g = MatQ.matrix("g", U, V, [[1, 0, 2], [0, 1, 3]])
_true = equaliser(_f, _g)
_K = sympy.Matrix(_true.leg("U").matrix)
_spanning = _K.row_join(_K[:, 0] + _K[:, 1])
_E3 = MatQ.object("E3", 3)
_leg = MatQ.matrix("e", _E3, U, _spanning)


def _mediate(cone):
    u = sympy.Matrix(_true.factor(cone).matrix).col_join(sympy.zeros(1, cone.apex.dim))
    return MatQ.matrix("u", cone.apex, _E3, u)


redundant = Limit(DiagramCone(_true.diagram, _E3, {"U": _leg, "V": _leg >> _f}), _mediate, "equaliser")
