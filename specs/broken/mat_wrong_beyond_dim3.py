"""PLANTED VIOLATION — a MatQ functor that is the identity below dimension 4 and doubles
every matrix that touches a space of dimension 4 or more.

Generic (symbolic) matrices of dimensions 1–3 prove both functor laws for those dimensions,
but the laws are stated over all of MatQ: a symbolic pass over a selection of dimensions
must not be reported as a proof of the whole law. Sampling draws dimension 4 and refutes
it. Expected: ``preserves identities`` refuted at a space of dimension 4 (F(id) = 2·id), and
``preserves composition`` refuted.
"""

from catdyn import Functor
from catdyn.categories.mat import MatQ


def _double_when_large(f):
    if max(f.dom.dim, f.cod.dim) >= 4:
        return MatQ.matrix(f"2{f.name}", f.dom, f.cod, 2 * f.matrix)
    return f


Doubler = Functor("Doubler", MatQ, MatQ, lambda X: X, _double_when_large)
