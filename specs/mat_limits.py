"""Every finite limit and colimit of Mat, exact over ℚ and within tolerance over ℝ.

In Mat products and coproducts are both the direct sum; equalisers and pullbacks are kernels,
coequalisers and pushouts cokernels.

- ``sum_q`` / ``cosum_q``: the direct sum of a plane and a line as a product and a coproduct;
- ``kernel_q``: the equaliser of two maps ℚ³ → ℚ² that agree on a plane;
- ``cokernel_q``: their coequaliser (ℚ² modulo the image of the difference);
- ``pullback_q``, ``pushout_q``: of a cospan and of a span;
- ``kernel_r``, ``pushout_r``: the same constructions over ℝ (MatR's tolerance).

Run: ``catdyn check specs/mat_limits.py``.
"""

from catdyn.categories.mat import MatQ, MatR
from catdyn.limits import coequaliser, coproduct, equaliser, product, pullback_of, pushout

_P, _L = MatQ.object("P", 2), MatQ.object("L", 1)
sum_q = product(_P, _L)
cosum_q = coproduct(_P, _L)

_U, _V = MatQ.object("U", 3), MatQ.object("V", 2)
_f = MatQ.matrix("f", _U, _V, [[1, 0, 2], [0, 1, "1/2"]])
_g = MatQ.matrix("g", _U, _V, [[1, 0, 2], [0, 1, 3]])
kernel_q = equaliser(_f, _g)
cokernel_q = coequaliser(_f, _g)

_C = MatQ.object("C", 1)
pullback_q = pullback_of(MatQ.matrix("h", _P, _C, [[1, -1]]), MatQ.matrix("k", _L, _C, [[2]]))
pushout_q = pushout(MatQ.matrix("s", _L, _P, [[1], [1]]), MatQ.matrix("t", _L, _V, [[0], [3]]))

_Ur, _Vr = MatR.object("U", 3), MatR.object("V", 2)
kernel_r = equaliser(
    MatR.matrix("f", _Ur, _Vr, [[1.0, 0.0, 2.0], [0.0, 1.0, 0.5]]),
    MatR.matrix("g", _Ur, _Vr, [[1.0, 0.0, 2.0], [0.0, 1.0, 3.0]]),
)
_Lr, _Pr = MatR.object("L", 1), MatR.object("P", 2)
pushout_r = pushout(MatR.matrix("s", _Lr, _Pr, [[1.0], [1.0]]), MatR.matrix("t", _Lr, _Vr, [[0.0], [3.0]]))
