"""PLANTED VIOLATION — a MatQ "functor" that branches on rank: M ↦ (M⁺)ᵀ.

The transposed pseudo-inverse preserves identities, and it preserves composition on
invertible matrices ((GF)⁻ᵀ = G⁻ᵀF⁻ᵀ), which is all a generic matrix of symbols ever is:
sympy's pseudo-inverse asks whether pivots are zero, and for symbols the answer is "no".
A symbolic pass is therefore no proof here — the checker traces it, sees the branch, and
samples instead, drawing degenerate matrices (singular, rank-deficient, Jordan blocks).

Expected: ``preserves composition`` refuted for ``PinvT`` (all of MatQ, sampled) and for
``pinv_on_the_plane`` (its laws over one 2-dimensional space, which a symbolic pass used to
"prove"), e.g. at f = [[1, 0], [0, 0]], g = [[1, 1], [0, 1]]; ``preserves identities``
held or proved.
"""

import sympy

from catdyn import Functor
from catdyn.categories.mat import MatQ
from catdyn.checker import functor_laws


def _pinv_transposed(f):
    m = sympy.Matrix(f.matrix)
    image = m.pinv().T if m.rows and m.cols else m
    return MatQ.matrix(f"({f.name})⁺ᵀ", f.dom, f.cod, image)


PinvT = Functor("PinvT", MatQ, MatQ, lambda V: V, _pinv_transposed)

pinv_on_the_plane = functor_laws(PinvT, objects=[MatQ.object("V", 2)])
