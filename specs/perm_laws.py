"""Correct laws over Perm, the symmetry groupoid of products of symmetric groups.

- ``category``: Perm's identities and associativity (sampled), and ``s3_category``: the same
  over the groups S(3) and S(2,2), enumerated — a proof there;
- ``Rep``: the permutation representation Perm → MatQ (σ ↦ block-diagonal permutation
  matrices), the functor behind realise(σ·θ) = P_σ · realise(θ);
- ``First``: the projection S(n1, n2, …) → S(n1) onto the first factor;
- ``averaging``: the natural transformation Rep ⇒ Rep whose component is the all-ones
  matrix J (it commutes with every permutation matrix);
- ``cycle``: a 3-cycle has order three (a diagram equation);
- ``groupoid_pullback``: a pullback in a groupoid: apex A, projections id and f >> g⁻¹.

Run: ``catdyn check specs/perm_laws.py``.
"""

import sympy

from catdyn import Cone, Cospan, Diagram, Functor, NaturalTransformation, Pullback
from catdyn.categories.mat import MatQ
from catdyn.categories.perm import Perm
from catdyn.checker import category_laws

category = Perm

S3, S22 = Perm.group(3), Perm.group(2, 2)
s3_category = category_laws(Perm, objects=[S3, S22])


def _space(G):
    return MatQ.object(f"ℚ^{sum(G.sizes)}", sum(G.sizes))


def _rep(sigma):
    blocks = [sympy.Matrix(Perm.matrix(sigma, i).tolist()) for i in range(len(sigma.perms))]
    return MatQ.matrix(f"P_{sigma.name}", _space(sigma.dom), _space(sigma.cod), sympy.diag(*blocks))


Rep = Functor("Rep", Perm, MatQ, _space, _rep)


def _first_group(G):
    return Perm.group(G.sizes[0])


First = Functor(
    "First", Perm, Perm, _first_group, lambda s: Perm.element(_first_group(s.dom), s.perms[0], name=s.name)
)

averaging = NaturalTransformation(
    "J", Rep, Rep, lambda G: MatQ.matrix(f"J_{G.name}", _space(G), _space(G), sympy.ones(sum(G.sizes)))
)

rho = Perm.element(S3, [1, 2, 0], name="rho")
cycle = Diagram("3-cycle", Perm, [rho, Perm.identity(S3)], equations=[(["rho", "rho", "rho"], ["id_S(3)"])])

f = Perm.element(S3, [1, 0, 2], name="f")
g = Perm.element(S3, [0, 2, 1], name="g")
_cospan = Cospan(f, g)
groupoid_pullback = Pullback(
    Cone(_cospan, Perm.identity(S3), f >> g.inverse()),
    lambda cone: cone.left,  # u = the cone's left leg: u >> id = left, u >> f >> g⁻¹ = right
)
