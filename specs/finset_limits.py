"""Every finite limit and colimit of FinSet, each with its universal property checked.

- ``product``, ``coproduct``: of a three-element and a two-element set;
- ``evens``: the equaliser of ``n ↦ 2n mod 6`` and ``n ↦ 4n mod 6`` from Z6 (the n with 2n = 0 mod 6: 0 and 3);
- ``orbits``: the coequaliser of the rotation by two and the identity from Z6 to a copy of it (two orbits);
- ``fibre``: a pullback, and ``glued``: a pushout (two intervals glued at an end);
- ``chain_limit``, ``chain_colimit``: the limit and colimit of a diagram with a cycle of
  maps and a parallel pair (an equaliser of a product, a coequaliser of a coproduct).

The checker proves that each (co)cone commutes and factors uniquely (by enumeration against
a brute-force reference) and samples the mediating morphism on cones and cocones of up to
three elements and on the (co)limit's own. Run: ``catdyn check specs/finset_limits.py``.
"""

from catdyn import Diagram
from catdyn.categories.finset import FinSet
from catdyn.limits import coequaliser, colimit, coproduct, equaliser, limit, product, pullback_of, pushout

A, B = FinSet.object("A", 3), FinSet.object("B", 2)
product = product(A, B)
coproduct = coproduct(A, B)

# a diagram holds each object once: the maps go from Z6 to a copy of it
Z6, _Z6c = FinSet.object("Z6", 6), FinSet.object("Z6'", 6)
_twice = FinSet.function("twice", Z6, _Z6c, [(2 * n) % 6 for n in range(6)])
_four = FinSet.function("four times", Z6, _Z6c, [(4 * n) % 6 for n in range(6)])
evens = equaliser(_twice, _four)

_rotate = FinSet.function("rotate by 2", Z6, _Z6c, [(n + 2) % 6 for n in range(6)])
orbits = coequaliser(_rotate, FinSet.function("same", Z6, _Z6c, list(range(6))))

Z3 = FinSet.object("Z3", 3)
_mod3 = FinSet.function("mod3", Z6, Z3, [n % 3 for n in range(6)])
_tri = FinSet.function("tri", FinSet.object("T", 4), Z3, [0, 1, 2, 0])
fibre = pullback_of(_mod3, _tri)

_point = FinSet.object("pt", 1)
_I, _J = FinSet.object("I", 3), FinSet.object("J", 2)
glued = pushout(FinSet.function("end of I", _point, _I, [2]), FinSet.function("start of J", _point, _J, [0]))

_X, _Y, _W = FinSet.object("X", 4), FinSet.object("Y", 3), FinSet.object("W", 2)
_chain = Diagram(
    "chain",
    FinSet,
    [
        FinSet.function("a", _X, _Y, [0, 1, 2, 1]),
        FinSet.function("b", _Y, _W, [0, 1, 1]),
        FinSet.function("c", _X, _W, [0, 1, 1, 1]),
        FinSet.function("d", _W, _W, [0, 1]),
    ],
)
chain_limit = limit(_chain)
chain_colimit = colimit(_chain)
