"""Correct laws over FinSet: one thing per suite, all of them proved or held.

- ``category``: FinSet's identities and associativity (sampled over sets of ≤ 4 elements);
- ``Maybe``: the functor X ↦ X + 1 (a new point ⊥ that every map keeps), sampled, and
  ``maybe_small``: its laws over three listed sets, enumerated — a proof there;
- ``just``: the natural inclusion Id ⇒ Maybe;
- ``parity_square``: a commuting square, checked element by element (proved);
- ``fibre``: the pullback of two parity maps (proved: square and unique factorisation);
- ``swap_twice``: a plain law, proved by enumeration.

Run: ``catdyn check specs/finset_laws.py``.
"""

import numpy as np

from catdyn import Cospan, Diagram, Functor, NaturalTransformation
from catdyn.categories.finset import FinSet
from catdyn.checker import Law, functor_laws


def _plus_one(X):
    return FinSet.object(f"{X.name}+1", X.size + 1)


def _maybe_map(f):
    # f on the old points, and the new point (last) to the new point
    table = np.append(f.table, f.cod.size)
    return FinSet.function(f"{f.name}+1", _plus_one(f.dom), _plus_one(f.cod), table)


category = FinSet

Maybe = Functor("Maybe", FinSet, FinSet, _plus_one, _maybe_map)

A, B, C = FinSet.object("A", 1), FinSet.object("B", 2), FinSet.object("C", 3)
maybe_small = functor_laws(Maybe, objects=[A, B, C])

just = NaturalTransformation(
    "just",
    Functor.identity(FinSet),
    Maybe,
    lambda X: FinSet.function(f"just_{X.name}", X, _plus_one(X), np.arange(X.size)),
)

# a square of parities: Z6 --mod 3--> Z3, both then to Z1... here: n ↦ n mod 2 two ways
Z6, Z2, Z3 = FinSet.object("Z6", 6), FinSet.object("Z2", 2), FinSet.object("Z3", 3)
double = FinSet.function("double", Z6, Z6, [(2 * n) % 6 for n in range(6)])
parity6 = FinSet.function("parity", Z6, Z2, [n % 2 for n in range(6)])
zero2 = FinSet.function("zero", Z2, Z2, [0, 0])
parity_square = Diagram(
    "parity of a double",
    FinSet,
    [double, parity6, zero2],
    equations=[(["double", "parity"], ["parity", "zero"])],
)

mod3 = FinSet.function("mod3", Z6, Z3, [n % 3 for n in range(6)])
tri = FinSet.function("tri", FinSet.object("T", 4), Z3, [0, 1, 2, 0])
fibre = FinSet.pullback(Cospan(mod3, tri))

swap = FinSet.function("swap", B, B, [1, 0])
swap_twice = Law(
    "swap twice is the identity",
    "numeric",
    lambda x: swap.image_of(swap.image_of(x)),
    lambda x: x,
    enumerate=lambda: [(x,) for x in B.elements],
    argnames=("x",),
)
